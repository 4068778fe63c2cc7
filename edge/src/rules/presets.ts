import Value from 'typebox/value';
import { compileValidator } from '../../../protocol/validate.js';
import type { ZoneTag } from './geometry-config.js';
import { RULE_SCHEMAS, type Scene, type SceneRuleConfig } from './rule-config.js';

/**
 * Scene presets: the rules a camera gets from one word (`scene: kitchen | worksite | public`) plus its
 * zones and lines.
 *
 * A preset rule lists variants, one per way today's and future models express the same check (a
 * helmet/head model says `head` for a bare head, the PPE model says `NO-Hardhat`; a chef-hat model may
 * give `chef_hat` beside COCO's `person`). At load the first variant whose classes the camera's models
 * all provide is taken. A preset rule that no variant fits is SKIPPED, not refused, and reported with
 * the missing classes and the camera's models: presets name checks regulators ask for before a model
 * exists for each of them (chef hat, smoking, rodent), and a camera must still start with the checks
 * it can run. Explicit rules are strict instead: a class no model gives is a config error.
 *
 * A rule with `zoneTag` watches every zone carrying that tag and is skipped when there is none;
 * `perLine` makes one rule per configured line (id `<id>-<lineId>`).
 */

/** A rule config without its id, with only the keys that differ from the type's defaults. */
export type PresetVariant = { readonly type: SceneRuleConfig['type'] } & Readonly<Record<string, unknown>>;

/** One rule of a scene preset. */
export interface PresetRule {
  readonly id: string;
  /** Alternatives, best first; every one a complete config with defaults applied. */
  readonly variants: readonly SceneRuleConfig[];
  readonly zoneTag?: ZoneTag;
  readonly perLine?: boolean;
}

function presetRule(id: string, variants: readonly PresetVariant[], opts: { zoneTag?: ZoneTag; perLine?: boolean } = {}): PresetRule {
  const complete = variants.map((v, i) => {
    const schema = RULE_SCHEMAS[v.type];
    const value = Value.Default(schema, Value.Clone({ ...v, id }));
    const checked = compileValidator(schema).check(value);
    // A preset is code: an invalid one is a programming error, found by the preset tests at import.
    if (!checked.ok) throw new Error(`preset rule '${id}' variant ${i}: ${checked.issues.map((x) => `${x.path} ${x.message}`).join('; ')}`);
    return checked.value as SceneRuleConfig;
  });
  return { id, variants: complete, ...opts };
}

const HEAD = { top: 0, bottom: 0.3, left: 0, right: 1 };
const TORSO = { top: 0.15, bottom: 0.7, left: 0, right: 1 };
/** Hands and mouth: a cigarette is held at the face or in a hand beside the body. */
const HANDS_AND_FACE = { top: 0, bottom: 0.85, left: -0.25, right: 1.25 };

const fire = presetRule('fire', [
  { type: 'class_present', classes: ['small_flame'] },
  { type: 'class_present', classes: ['fire'] },
  { type: 'class_present', classes: ['flame'] },
]);
const smoke = presetRule('smoke', [{ type: 'class_present', classes: ['smoke'] }]);
const intrusion = presetRule('intrusion', [{ type: 'intrusion', classes: ['person'] }], { zoneTag: 'restricted' });

const kitchen: readonly PresetRule[] = [
  presetRule('no-mask', [
    // AIZOO face-mask model: a face is either mask or no_mask (class-agnostic NMS).
    { type: 'missing_attribute', subject: ['no_mask'], required: ['mask'], anchor: 'centre' },
    // Pruned YOLOv5n: `face` is an unmasked face.
    { type: 'missing_attribute', subject: ['face'], required: ['face_mask'], anchor: 'centre' },
    // PPE model: scores run low, ~0.2 for real hits.
    { type: 'missing_attribute', subject: ['NO-Mask'], required: ['Mask'], anchor: 'centre', minScore: 0.25, requiredMinScore: 0.2 },
  ]),
  presetRule('no-chef-hat', [
    { type: 'missing_attribute', subject: ['no_chef_hat'], required: ['chef_hat'], anchor: 'centre' },
    { type: 'missing_attribute', subject: ['person'], required: ['chef_hat'], region: HEAD },
  ]),
  presetRule('phone-use', [{ type: 'forbidden_object', subject: ['person'], objects: ['cell phone'], minScore: 0.4 }]),
  presetRule('smoking', [
    { type: 'forbidden_object', subject: ['person'], objects: ['cigarette'], region: HANDS_AND_FACE },
    { type: 'class_present', classes: ['smoking'] },
  ]),
  presetRule('rodent', [
    { type: 'class_present', classes: ['rodent'] },
    { type: 'class_present', classes: ['rat'] },
  ]),
  fire,
  smoke,
];

const worksite: readonly PresetRule[] = [
  presetRule('no-helmet', [
    // Helmet/head model: a `head` is a bare head.
    { type: 'missing_attribute', subject: ['head'], required: ['helmet'], anchor: 'centre' },
    { type: 'missing_attribute', subject: ['NO-Hardhat'], required: ['Hardhat'], anchor: 'centre', minScore: 0.25, requiredMinScore: 0.2 },
    { type: 'missing_attribute', subject: ['person'], required: ['helmet'], region: HEAD },
  ]),
  presetRule('no-vest', [
    { type: 'missing_attribute', subject: ['NO-Safety Vest'], required: ['Safety Vest'], minScore: 0.25, requiredMinScore: 0.2 },
    { type: 'missing_attribute', subject: ['person'], required: ['vest'], region: TORSO },
  ]),
  intrusion,
  fire,
  smoke,
];

const publicSpace: readonly PresetRule[] = [
  intrusion,
  presetRule('crowd', [{ type: 'crowd', classes: ['person'] }], { zoneTag: 'watch' }),
  presetRule('loitering', [{ type: 'loitering', classes: ['person'] }], { zoneTag: 'watch' }),
  presetRule('line-crossing', [{ type: 'line_crossing', classes: ['person'], line: 'placeholder' }], { perLine: true }),
  presetRule('illegal-parking', [{ type: 'stationary', classes: ['car', 'truck', 'bus'] }], { zoneTag: 'no_parking' }),
];

/** The rules of each scene preset, in the order they run. */
export const SCENE_PRESETS: Readonly<Record<Scene, readonly PresetRule[]>> = {
  none: [],
  kitchen,
  worksite,
  public: publicSpace,
};
