import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ConfigError, parseConfig } from '../../common/config-loader.js';
import { loadManifest } from '../../models/manifest.js';
import { compileValidator } from '../../protocol/validate.js';
import { checkConfigModels, resolveConfigRules } from '../../edge/src/config-models.js';
import {
  CameraRulesConfig,
  GB_ALARM_BY_RULE_TYPE,
  RULE_SCHEMAS,
  SCENE_PRESETS,
  defaultRuleName,
  defaultSeverity,
  gbAlarmFor,
  planCameraRules,
  resolveCameraRules,
  type ModelLabels,
  type RuleConfig,
  type SceneRuleConfig,
} from '../../edge/src/rules/index.js';

// Labels come from the real manifests in models/, so a preset is checked against what the models give.
const MODEL_IDS = [
  'coco-yolox-nano',
  'ppe-helmet-head-yolox',
  'face-mask-aizoo-ssd-360',
  'face-mask-yolov5n-pruned-320',
  'fire-smoke-yolov8n-w8-416',
  'ppe-vest-hardhat-mask-yolov8n-w8-320',
];
const LABELS: ModelLabels = new Map(MODEL_IDS.map((id) => [id, loadManifest(id).labels]));
const camera = (doc: Record<string, unknown>) => parseConfig(CameraRulesConfig, { id: 'cam-1', ...doc }, 'test');
const box = (x0: number, y0: number, x1: number, y1: number) => [
  [x0, y0],
  [x1, y0],
  [x1, y1],
  [x0, y1],
];

/** The problems of a ConfigError thrown by `fn`, as "path: message" lines. */
function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => `${p.path}: ${p.message}`);
    throw err;
  }
  throw new Error('expected a ConfigError');
}

// The example of each preset given in the report, parsed as YAML exactly as an operator writes it.
const KITCHEN_YAML = `
id: kitchen-1
models: [coco-yolox-nano, face-mask-aizoo-ssd-360, fire-smoke-yolov8n-w8-416]
scene: kitchen
masks:
  - id: stove
    points: [[0.55, 0.50], [0.95, 0.50], [0.95, 0.80], [0.55, 0.80]]
    classes: [small_flame, smoke]
`;
const WORKSITE_YAML = `
id: site-gate-2
models: [coco-yolox-nano, ppe-helmet-head-yolox, fire-smoke-yolov8n-w8-416]
scene: worksite
zones:
  - id: crane-swing
    name: 塔吊回转区
    tags: [restricted]
    points: [[0.52, 0.45], [0.98, 0.55], [0.98, 0.98], [0.45, 0.98]]
disabledRules: [smoke]
`;
const PUBLIC_YAML = `
id: street-7
models: [coco-yolox-nano]
scene: public
zones:
  - { id: gate, name: 东门, tags: [restricted], points: [[0.05, 0.55], [0.30, 0.55], [0.30, 0.95], [0.05, 0.95]] }
  - { id: plaza, tags: [watch], points: [[0.35, 0.40], [0.95, 0.40], [0.95, 0.95], [0.35, 0.95]] }
  - { id: fire-lane, tags: [no_parking], points: [[0.00, 0.20], [1.00, 0.20], [1.00, 0.35], [0.00, 0.35]] }
lines:
  - { id: walkway, a: [0.50, 0.30], b: [0.50, 0.90] }
rules:
  - id: crowd
    type: crowd
    zones: [plaza]
    minCount: 8
    dwellMs: 30000
  - id: night-intrusion
    type: intrusion
    zones: [gate]
    schedule:
      timezone: Asia/Shanghai
      windows: [{ days: [1, 2, 3, 4, 5, 6, 7], start: '22:00', end: '06:00' }]
`;

describe('scene presets', () => {
  it('kitchen: mask model → no-mask on no_mask, COCO → phone use, fire model → fire and smoke; the rest skipped with reasons', () => {
    const plan = planCameraRules(camera(parseYaml(KITCHEN_YAML) as Record<string, unknown>), LABELS);
    expect(plan.rules.map((r) => [r.config.id, r.name.zh, r.severity])).toEqual([
      ['no-mask', '未戴口罩', 2],
      ['phone-use', '玩手机', 3],
      ['fire', '明火', 1],
      ['smoke', '烟雾', 1],
    ]);
    expect(plan.rules[0]?.config).toMatchObject({ type: 'missing_attribute', subject: ['no_mask'], required: ['mask'] });
    expect(plan.skipped.map((s) => [s.ruleId, s.reason])).toEqual([
      ['no-chef-hat', 'classes'],
      ['smoking', 'classes'],
      ['rodent', 'classes'],
    ]);
    const chefHat = plan.skipped[0]?.message ?? '';
    expect(chefHat).toContain("'chef_hat'");
    expect(chefHat).toContain('coco-yolox-nano, face-mask-aizoo-ssd-360, fire-smoke-yolov8n-w8-416');
    expect(plan.masks).toHaveLength(1);
  });

  it('kitchen picks the variant of the mask model the camera has', () => {
    const pruned = planCameraRules(camera({ models: ['face-mask-yolov5n-pruned-320'], scene: 'kitchen' }), LABELS);
    expect(pruned.rules.map((r) => r.config)).toEqual([expect.objectContaining({ id: 'no-mask', subject: ['face'], required: ['face_mask'] })]);
    const ppe = planCameraRules(camera({ models: ['ppe-vest-hardhat-mask-yolov8n-w8-320'], scene: 'kitchen' }), LABELS);
    expect(ppe.rules[0]?.config).toMatchObject({ id: 'no-mask', subject: ['NO-Mask'], minScore: 0.25 });
  });

  it('worksite: helmet/head model → no-helmet on bare heads, intrusion into zones tagged restricted, fire', () => {
    const plan = planCameraRules(camera(parseYaml(WORKSITE_YAML) as Record<string, unknown>), LABELS);
    expect(plan.rules.map((r) => r.config.id)).toEqual(['no-helmet', 'intrusion', 'fire']);
    expect(plan.rules[0]?.config).toMatchObject({ subject: ['head'], required: ['helmet'] });
    expect(plan.rules[0]?.name).toEqual({ zh: '未戴安全帽', en: 'No helmet' });
    expect(plan.rules[1]?.zones.map((z) => z.id)).toEqual(['crane-swing']);
    expect(plan.skipped.map((s) => [s.ruleId, s.reason])).toEqual([
      ['no-vest', 'classes'],
      ['smoke', 'disabled'],
    ]);
    const ppe = planCameraRules(camera({ models: ['ppe-vest-hardhat-mask-yolov8n-w8-320'], scene: 'worksite' }), LABELS);
    expect(ppe.rules.map((r) => [r.config.id, r.name.en])).toEqual([
      ['no-helmet', 'No helmet'],
      ['no-vest', 'No vest'],
    ]);
  });

  it('public: intrusion, crowd, loitering, one line-crossing rule per line and illegal parking; explicit rules replace by id', () => {
    const plan = planCameraRules(camera(parseYaml(PUBLIC_YAML) as Record<string, unknown>), LABELS);
    expect(plan.rules.map((r) => [r.config.id, r.origin.kind, r.gbAlarm?.type])).toEqual([
      ['intrusion', 'preset', 6],
      ['loitering', 'preset', 8],
      ['line-crossing-walkway', 'preset', 5],
      ['illegal-parking', 'preset', undefined],
      ['crowd', 'explicit', 10],
      ['night-intrusion', 'explicit', 6],
    ]);
    expect(plan.rules[4]?.config).toMatchObject({ minCount: 8, dwellMs: 30000 });
    expect(plan.overlay.lines).toEqual([{ id: 'walkway', label: 'walkway', a: [0.5, 0.3], b: [0.5, 0.9], direction: 'both' }]);
    expect(plan.overlay.zones.map((z) => z.label)).toEqual(['东门', 'plaza', 'fire-lane']);
  });

  it('public without zones or lines skips the rules that need them and says why', () => {
    const plan = planCameraRules(camera({ scene: 'public' }), LABELS);
    expect(plan.rules).toEqual([]);
    expect(plan.skipped.map((s) => s.message)).toEqual([
      "preset 'public' rule 'intrusion' skipped: no zone is tagged 'restricted'",
      "preset 'public' rule 'crowd' skipped: no zone is tagged 'watch'",
      "preset 'public' rule 'loitering' skipped: no zone is tagged 'watch'",
      "preset 'public' rule 'line-crossing' skipped: the camera has no lines",
      "preset 'public' rule 'illegal-parking' skipped: no zone is tagged 'no_parking'",
    ]);
  });

  it('every preset variant is a valid rule of its type', () => {
    for (const rules of Object.values(SCENE_PRESETS)) {
      for (const pr of rules) {
        expect(pr.variants.length).toBeGreaterThan(0);
        for (const v of pr.variants) expect(compileValidator(RULE_SCHEMAS[v.type]).check(v).ok, `${pr.id} ${v.type}`).toBe(true);
      }
    }
    expect(SCENE_PRESETS.kitchen.map((p) => p.id)).toEqual(['no-mask', 'no-chef-hat', 'phone-use', 'smoking', 'rodent', 'fire', 'smoke']);
  });
});

describe('rules whose classes no model provides', () => {
  it('are refused when the config loads, naming the rule, the class and the models', () => {
    const cfg = {
      cameras: [
        camera({ id: 'kitchen-1', models: ['coco-yolox-nano', 'face-mask-aizoo-ssd-360'], scene: 'kitchen', rules: [{ id: 'rodent-watch', type: 'class_present', classes: ['rodent'] }] }),
      ],
    };
    const problems = problemsOf(() => checkConfigModels(cfg));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^cameras\[0\]\.rules\[0\]\.classes\[0\]: rule 'rodent-watch' needs class 'rodent', which none of the camera's models provides/);
    expect(problems[0]).toContain('coco-yolox-nano (person, bicycle');
    expect(problems[0]).toContain('face-mask-aizoo-ssd-360 (mask, no_mask)');
  });

  it('checks every class a rule uses: subjects, required objects and filter keys', () => {
    const cfg = {
      cameras: [
        camera({
          models: ['coco-yolox-nano'],
          rules: [{ id: 'chef', type: 'missing_attribute', subject: ['person'], required: ['chef_hat'], filters: { persn: { minArea: 0.01 } } }],
        }),
      ],
    };
    expect(problemsOf(() => checkConfigModels(cfg)).map((p) => p.split(':')[0])).toEqual(['cameras[0].rules[0].required[0]', 'cameras[0].rules[0].filters.persn']);
  });

  it('accept a camera of the older shape (one model, presence rules) and resolve its rules', () => {
    const presence = { id: 'p', type: 'presence', classes: ['person'], minScore: 0.5, enterFrames: 3, exitFrames: 10, updateIntervalMs: 2000, maxDurationMs: 600_000, severity: 2 } as const;
    const old = { id: 'street-1', model: 'coco-yolox-nano', rules: [{ ...presence, classes: [...presence.classes] }] };
    const manifests = checkConfigModels({ cameras: [old] });
    expect([...manifests.keys()]).toEqual(['coco-yolox-nano']);
    const rules = resolveConfigRules({ cameras: [old] }, manifests).get('street-1')?.rules ?? [];
    expect(rules.map((r) => [r.eventType, r.config.type, r.config.confirmFrames])).toEqual([['presence', 'class_present', 3]]);
  });

  it('an unknown model is named by its key path', () => {
    const problems = problemsOf(() => checkConfigModels({ cameras: [camera({ models: ['coco-yolox-nano', 'no-such-model'] })] }));
    expect(problems[0]).toMatch(/^cameras\[0\]\.models\[1\]: /);
  });
});

describe('other config problems', () => {
  it('names unknown zones, lines, disabled rules, bad timezones, duplicate ids and degenerate shapes', () => {
    const problems = problemsOf(() =>
      planCameraRules(
        camera({
          scene: 'worksite',
          disabledRules: ['no-such-rule'],
          zones: [
            { id: 'a', points: box(0, 0, 0.5, 0.5) },
            { id: 'a', points: [[0.1, 0.1], [0.2, 0.2], [0.3, 0.3]] },
          ],
          lines: [{ id: 'l', a: [0.5, 0.5], b: [0.5, 0.5] }],
          rules: [
            { id: 'x', type: 'intrusion', zones: ['nowhere'] },
            { id: 'y', type: 'line_crossing', line: 'nope' },
            { id: 'z', type: 'absence', schedule: { timezone: 'Mars/Olympus', windows: [{ start: '08:00', end: '17:00' }] } },
          ],
        }),
        LABELS,
      ),
    );
    expect(problems.map((p) => p.split(':')[0])).toEqual([
      'zones[1].id',
      'zones[1].points',
      'lines[0]',
      'disabledRules[0]',
      'rules[0].zones[0]',
      'rules[1].line',
      'rules[2].schedule',
    ]);
  });

  it('the schema refuses unknown keys and fills defaults', () => {
    expect(() => camera({ rules: [{ id: 'x', type: 'crowd', minCrowd: 3 }] })).toThrow(/minCrowd/);
    const cam = camera({ rules: [{ id: 'x', type: 'loitering' }] });
    expect(cam.rules[0]).toMatchObject({ classes: ['person'], dwellMs: 60_000, confirmFrames: 1, cooldownMs: 60_000, anchor: 'bottom-centre', zones: [] });
    expect(cam).toMatchObject({ scene: 'none', models: ['coco-yolox-nano'], zones: [], lines: [], masks: [], disabledRules: [] });
  });

  it('every key of every rule schema has a description, and a default unless it must be given or may be absent', () => {
    const mustGive: Record<string, readonly string[]> = { class_present: ['classes'], line_crossing: ['line'] };
    for (const [type, schema] of Object.entries(RULE_SCHEMAS)) {
      const s = schema as unknown as { properties: Record<string, { description?: string; default?: unknown }>; required?: string[] };
      for (const [key, prop] of Object.entries(s.properties)) {
        expect(prop.description, `${type}.${key} description`).toBeTruthy();
        const required = (s.required ?? []).includes(key);
        if (required && !['id', 'type', ...(mustGive[type] ?? [])].includes(key)) expect(prop.default, `${type}.${key} default`).not.toBeUndefined();
      }
    }
  });
});

describe('GB/T 28181 alarm mapping', () => {
  it('maps intrusion→6, line_crossing→5, loitering→8, crowd→10 (AlarmMethod 5 video alarm), nothing else', () => {
    expect(GB_ALARM_BY_RULE_TYPE).toEqual({
      intrusion: { method: 5, type: 6 },
      line_crossing: { method: 5, type: 5 },
      loitering: { method: 5, type: 8 },
      crowd: { method: 5, type: 10 },
    });
    for (const t of ['stationary', 'missing_attribute', 'forbidden_object', 'absence', 'class_present', 'presence'] as const) expect(gbAlarmFor(t)).toBeUndefined();
  });

  it('a rule may set its own alarm (left luggage as "left object", type 3)', () => {
    const rules = resolveCameraRules(
      camera({ rules: [{ id: 'bags', type: 'stationary', classes: ['suitcase', 'backpack'], gbAlarm: { method: 5, type: 3 } }] }),
      LABELS,
    );
    expect(rules[0]?.gbAlarm).toEqual({ method: 5, type: 3 });
  });
});

describe('default names and severities', () => {
  const rule = (doc: Record<string, unknown>): RuleConfig => camera({ rules: [{ id: 'r', ...doc }] }).rules[0] as RuleConfig;
  const cases: [Record<string, unknown>, string, string, number][] = [
    [{ type: 'intrusion' }, '区域入侵', 'Intrusion', 1],
    [{ type: 'loitering' }, '徘徊', 'Loitering', 2],
    [{ type: 'crowd' }, '人员聚集', 'Crowd', 1],
    [{ type: 'line_crossing', line: 'l' }, '越线', 'Line crossing', 3],
    [{ type: 'stationary' }, '违停', 'Illegal parking', 2],
    [{ type: 'missing_attribute', subject: ['head'], required: ['helmet'] }, '未戴安全帽', 'No helmet', 2],
    [{ type: 'missing_attribute', subject: ['NO-Hardhat'] }, '未戴安全帽', 'No helmet', 2],
    [{ type: 'missing_attribute', subject: ['no_mask'] }, '未戴口罩', 'No mask', 2],
    [{ type: 'missing_attribute', subject: ['face'], required: ['face_mask'] }, '未戴口罩', 'No mask', 2],
    [{ type: 'missing_attribute', subject: ['NO-Safety Vest'] }, '未穿反光衣', 'No vest', 2],
    [{ type: 'missing_attribute', subject: ['person'], required: ['chef_hat'] }, '未戴厨师帽', 'No chef hat', 2],
    [{ type: 'forbidden_object', objects: ['cell phone'] }, '玩手机', 'Phone use', 3],
    [{ type: 'absence' }, '脱岗', 'Off duty', 2],
    [{ type: 'class_present', classes: ['small_flame'] }, '明火', 'Fire', 1],
    [{ type: 'class_present', classes: ['smoke'] }, '烟雾', 'Smoke', 1],
    [{ type: 'class_present', classes: ['small_flame', 'smoke'] }, '烟火', 'Fire or smoke', 1],
    [{ type: 'class_present', classes: ['rodent'] }, '老鼠', 'Rodent', 2],
    [{ type: 'class_present', classes: ['mouse'] }, '目标出现', 'Object present', 2],
  ];
  it.each(cases)('%j → %s / %s, severity %d', (doc, zh, en, severity) => {
    const r = rule(doc) as SceneRuleConfig;
    expect(defaultRuleName(r)).toEqual({ zh, en });
    expect(defaultSeverity(r)).toBe(severity);
  });
});
