import Type, { type Static } from 'typebox';
import { GbAlarm, Id, RuleName, Severity } from './edge-messages.js';
import { AnchorConfig, LineConfig, MaskConfig, RegionConfig, ZoneConfig } from './rule-geometry.js';

/**
 * Config schemas of the scene rules of one camera: one schema per rule type, discriminated on `type`,
 * every object closed (`additionalProperties: false`) so a misspelt key is an error, and a default
 * and a description on every key a rule can do without. Spread {@link SceneRulesFields} into the
 * camera schema.
 */

const Label = Type.String({ minLength: 1, maxLength: 64 });
const Labels = (fallback: readonly string[] | undefined, description: string) =>
  fallback === undefined
    ? Type.Array(Label, { minItems: 1, maxItems: 32, description })
    : Type.Array(Label, { minItems: 1, maxItems: 32, default: [...fallback], description });
const ZoneIds = Type.Array(Id, {
  default: [],
  maxItems: 16,
  description: 'ids of the zones the rule watches (an event per zone); empty = the whole frame',
});
const Ms = (fallback: number, min: number, description: string) => Type.Integer({ minimum: min, maximum: 86_400_000, default: fallback, description });
const Probability = (fallback: number, description: string) => Type.Number({ minimum: 0, maximum: 1, default: fallback, description });

export const HHMM = '^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$';

export const ScheduleConfig = Type.Object(
  {
    timezone: Type.String({ minLength: 1, maxLength: 64, default: 'Asia/Shanghai', description: 'IANA timezone of the windows' }),
    windows: Type.Array(
      Type.Object(
        {
          days: Type.Array(Type.Integer({ minimum: 1, maximum: 7 }), {
            minItems: 1,
            maxItems: 7,
            default: [1, 2, 3, 4, 5, 6, 7],
            description: 'ISO weekdays, 1 = Monday … 7 = Sunday',
          }),
          start: Type.String({ pattern: HHMM, description: 'local start HH:MM (inclusive)' }),
          end: Type.String({ pattern: HHMM, description: 'local end HH:MM (exclusive); earlier than start = past midnight; equal = all day' }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 32, description: 'the rule is armed inside any of these windows' },
    ),
  },
  { additionalProperties: false, description: 'when the rule is armed; absent = always. Open events end (reason schedule_end) when it disarms' },
);
export type ScheduleConfig = Static<typeof ScheduleConfig>;

/** Per-class size/shape/score limits; every limit is optional (absent = no limit). */
export const ObjectFilterConfig = Type.Object(
  {
    minArea: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'least box area, fraction of the frame' })),
    maxArea: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'largest box area, fraction of the frame' })),
    minAspect: Type.Optional(Type.Number({ minimum: 0, description: 'least width/height in pixels' })),
    maxAspect: Type.Optional(Type.Number({ minimum: 0, description: 'largest width/height in pixels' })),
    minScore: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'least score of this class on a frame (replaces the rule minScore)' })),
  },
  { additionalProperties: false },
);
export type ObjectFilterConfig = Static<typeof ObjectFilterConfig>;

interface CommonDefaults {
  confirmFrames: number;
  cooldownMs: number;
  minScore: number;
}

/** Keys every rule type has. Severity and name default by type and classes (see rule-names.ts), hence optional. */
function common(d: CommonDefaults) {
  return {
    id: { ...Id, description: 'rule id, unique on its camera; becomes the event ruleId' },
    enabled: Type.Boolean({ default: true, description: 'false keeps the rule configured but not run' }),
    name: Type.Optional({ ...RuleName, description: 'event name {zh, en}; default by rule type and classes' }),
    severity: Type.Optional({ ...Severity, description: '1 immediate, 2 fix by a deadline, 3 guidance; default by rule type and classes' }),
    confirmFrames: Type.Integer({
      minimum: 1,
      maximum: 1000,
      default: d.confirmFrames,
      description: 'analysed frames with the condition (gaps shorter than clearFrames allowed) before an event starts',
    }),
    clearFrames: Type.Integer({ minimum: 1, maximum: 1000, default: 5, description: 'analysed frames without the condition that end an event' }),
    cooldownMs: Ms(d.cooldownMs, 0, 'after an event of a subject (track, or zone) ends, no new event for it for this long'),
    updateIntervalMs: Ms(2000, 0, 'at most one update per interval, sent only when a better snapshot was seen'),
    maxDurationMs: Ms(600_000, 1000, 'an event still open after this long ends (reason max_duration) and a new one may start'),
    minScore: Probability(d.minScore, 'least detection score on a frame'),
    minMedianScore: Probability(0, "least median score over a track's last medianFrames matched frames; 0 = off"),
    medianFrames: Type.Integer({ minimum: 1, maximum: 100, default: 5, description: 'frames of the median-score filter' }),
    filters: Type.Record(Label, ObjectFilterConfig, { default: {}, description: 'per-class size, shape and score limits, keyed by label' }),
    schedule: Type.Optional(ScheduleConfig),
    gbAlarm: Type.Optional({ ...GbAlarm, description: 'GB/T 28181 alarm {method, type}; default from the rule type (see gb-alarm.ts)' }),
  };
}

const rule = <T extends string, P extends Parameters<typeof Type.Object>[0]>(type: T, description: string, props: P) =>
  Type.Object({ type: Type.Literal(type, { description }), ...props }, { additionalProperties: false });

export const IntrusionRuleConfig = rule('intrusion', 'an object of the classes inside a zone', {
  ...common({ confirmFrames: 3, cooldownMs: 30_000, minScore: 0.5 }),
  classes: Labels(['person'], 'labels that count'),
  zones: ZoneIds,
  anchor: AnchorConfig('bottom-centre'),
});

export const LoiteringRuleConfig = rule('loitering', 'a track staying in a zone for at least dwellMs', {
  ...common({ confirmFrames: 1, cooldownMs: 60_000, minScore: 0.4 }),
  classes: Labels(['person'], 'labels that count'),
  zones: ZoneIds,
  anchor: AnchorConfig('bottom-centre'),
  dwellMs: Ms(60_000, 1000, 'time in the zone that makes a loiterer'),
});

export const CrowdRuleConfig = rule('crowd', 'at least minCount objects in a zone for at least dwellMs', {
  ...common({ confirmFrames: 1, cooldownMs: 60_000, minScore: 0.4 }),
  classes: Labels(['person'], 'labels that count'),
  zones: ZoneIds,
  anchor: AnchorConfig('bottom-centre'),
  minCount: Type.Integer({ minimum: 2, maximum: 1000, default: 5, description: 'objects in the zone that make a crowd' }),
  dwellMs: Ms(10_000, 0, 'how long the crowd must last'),
});

export const LineCrossingRuleConfig = rule('line_crossing', "a track's anchor moving across a line segment", {
  ...common({ confirmFrames: 2, cooldownMs: 5000, minScore: 0.4 }),
  classes: Labels(['person'], 'labels that count'),
  line: { ...Id, description: 'id of the line' },
  direction: Type.Union([Type.Literal('a_to_b'), Type.Literal('b_to_a'), Type.Literal('both')], {
    default: 'both',
    description: 'crossings that raise events (both directions are always counted)',
  }),
  anchor: Type.Union([Type.Literal('bottom-centre'), Type.Literal('centre')], { default: 'bottom-centre', description: 'point of the box that crosses' }),
  minOffset: Type.Number({
    minimum: 0,
    maximum: 0.2,
    default: 0.01,
    description: 'dead band each side of the line (normalised); a point closer than this decides no side, so jitter on the line is no crossing',
  }),
});

export const StationaryRuleConfig = rule('stationary', 'an object in a zone that stays put for at least dwellMs (illegal parking)', {
  ...common({ confirmFrames: 1, cooldownMs: 300_000, minScore: 0.4 }),
  classes: Labels(['car', 'truck', 'bus'], 'labels that count'),
  zones: ZoneIds,
  anchor: AnchorConfig('bottom-centre'),
  dwellMs: Ms(120_000, 1000, 'how long the object must stay put'),
  tolerance: Type.Number({
    minimum: 0,
    maximum: 2,
    default: 0.15,
    description: "largest move of the box centre that still counts as staying put, as a fraction of the box's diagonal",
  }),
});

export const MissingAttributeRuleConfig = rule('missing_attribute', 'a subject without a required attribute (no helmet, no mask …)', {
  ...common({ confirmFrames: 3, cooldownMs: 60_000, minScore: 0.5 }),
  subject: Labels(['person'], 'labels checked (person, or a direct violation class such as head, no_mask, NO-Hardhat)'),
  required: Type.Array(Label, {
    default: [],
    maxItems: 16,
    description: 'labels that satisfy the rule when they lie in the region of the subject; empty = the subject class is itself the violation',
  }),
  region: RegionConfig({ top: 0, bottom: 1, left: 0, right: 1 }, 'part of the subject box the required object must lie in (head = top 0, bottom 0.3)'),
  minOverlap: Probability(0.5, "least fraction of the required object's box inside the region"),
  requiredMinScore: Probability(0.3, 'least score of a required object (low: a missed helmet is a false alarm)'),
  zones: ZoneIds,
  anchor: AnchorConfig('bottom-centre'),
});

export const ForbiddenObjectRuleConfig = rule('forbidden_object', 'a subject with a forbidden object in a region of its box (phone use …)', {
  ...common({ confirmFrames: 3, cooldownMs: 60_000, minScore: 0.5 }),
  subject: Labels(['person'], 'labels of the subjects'),
  objects: Labels(['cell phone'], 'forbidden labels'),
  region: RegionConfig({ top: 0.15, bottom: 0.85, left: -0.25, right: 1.25 }, 'part of the subject box where the object counts (default: hands and torso)'),
  minOverlap: Probability(0.5, "least fraction of the object's box inside the region"),
  objectMinScore: Probability(0.3, 'least score of a forbidden object'),
  zones: ZoneIds,
  anchor: AnchorConfig('bottom-centre'),
});

export const AbsenceRuleConfig = rule('absence', 'fewer than minCount objects in a zone for at least absentMs (off duty)', {
  ...common({ confirmFrames: 1, cooldownMs: 60_000, minScore: 0.4 }),
  classes: Labels(['person'], 'labels that count as present'),
  zones: ZoneIds,
  anchor: AnchorConfig('bottom-centre'),
  minCount: Type.Integer({ minimum: 1, maximum: 100, default: 1, description: 'objects that must be present' }),
  absentMs: Ms(300_000, 1000, 'how long the zone may be short of people'),
});

export const ClassPresentRuleConfig = rule('class_present', 'a class present for confirmFrames frames (fire, smoke, rodent …)', {
  ...common({ confirmFrames: 3, cooldownMs: 30_000, minScore: 0.4 }),
  classes: Labels(undefined, 'labels that raise the event'),
  zones: ZoneIds,
  anchor: AnchorConfig('any-overlap'),
});

/** The first rule type, kept so existing configs load: run as class_present over the whole frame. */
export const PresenceRuleConfig = rule('presence', 'a class seen in enterFrames analysed frames opens an event (legacy; prefer class_present)', {
  id: { ...Id, description: 'rule id, unique on its camera; becomes the event ruleId' },
  classes: Labels(['person'], 'detector labels that count (they must exist in the camera model)'),
  minScore: Probability(0.5, 'minimum detection score per frame'),
  enterFrames: Type.Integer({ minimum: 1, default: 3, description: 'analysed frames with a match that open an event' }),
  exitFrames: Type.Integer({ minimum: 1, default: 10, description: 'consecutive analysed frames without a match that end it' }),
  updateIntervalMs: Type.Integer({ minimum: 0, default: 2000, description: 'at most one update per interval, sent only when a better detection was seen' }),
  maxDurationMs: Type.Integer({ minimum: 1000, default: 600_000, description: 'an event still open after this long is ended (reason max_duration)' }),
  severity: { ...Severity, default: 2 },
});

export const RuleConfig = Type.Union([
  IntrusionRuleConfig,
  LoiteringRuleConfig,
  CrowdRuleConfig,
  LineCrossingRuleConfig,
  StationaryRuleConfig,
  MissingAttributeRuleConfig,
  ForbiddenObjectRuleConfig,
  AbsenceRuleConfig,
  ClassPresentRuleConfig,
  PresenceRuleConfig,
]);
export type RuleConfig = Static<typeof RuleConfig>;
export type RuleType = RuleConfig['type'];
export type IntrusionRuleConfig = Static<typeof IntrusionRuleConfig>;
export type LoiteringRuleConfig = Static<typeof LoiteringRuleConfig>;
export type CrowdRuleConfig = Static<typeof CrowdRuleConfig>;
export type LineCrossingRuleConfig = Static<typeof LineCrossingRuleConfig>;
export type StationaryRuleConfig = Static<typeof StationaryRuleConfig>;
export type MissingAttributeRuleConfig = Static<typeof MissingAttributeRuleConfig>;
export type ForbiddenObjectRuleConfig = Static<typeof ForbiddenObjectRuleConfig>;
export type AbsenceRuleConfig = Static<typeof AbsenceRuleConfig>;
export type ClassPresentRuleConfig = Static<typeof ClassPresentRuleConfig>;
export type PresenceRuleConfig = Static<typeof PresenceRuleConfig>;
/** Every rule type but the legacy `presence`, which is resolved into `class_present`. */
export type SceneRuleConfig = Exclude<RuleConfig, PresenceRuleConfig>;

/** Schema of each rule type, for validating one rule against its own type (readable errors). */
export const RULE_SCHEMAS = {
  intrusion: IntrusionRuleConfig,
  loitering: LoiteringRuleConfig,
  crowd: CrowdRuleConfig,
  line_crossing: LineCrossingRuleConfig,
  stationary: StationaryRuleConfig,
  missing_attribute: MissingAttributeRuleConfig,
  forbidden_object: ForbiddenObjectRuleConfig,
  absence: AbsenceRuleConfig,
  class_present: ClassPresentRuleConfig,
  presence: PresenceRuleConfig,
} as const satisfies Record<RuleType, unknown>;

export const Scene = Type.Union([Type.Literal('none'), Type.Literal('kitchen'), Type.Literal('worksite'), Type.Literal('public')], {
  default: 'none',
  description: 'scene preset whose default rules the camera gets (see presets.ts); none = only the rules listed',
});
export type Scene = Static<typeof Scene>;

/** Fields of a camera's scene-rule config; spread them into the camera schema. */
export const SceneRulesFields = {
  scene: Scene,
  zones: Type.Array(ZoneConfig, { default: [], maxItems: 32, description: 'zones (polygons) the rules refer to' }),
  lines: Type.Array(LineConfig, { default: [], maxItems: 32, description: 'lines for line_crossing rules' }),
  masks: Type.Array(MaskConfig, { default: [], maxItems: 32, description: 'areas where objects are ignored (a TV screen, a poster)' }),
  rules: Type.Array(RuleConfig, {
    default: [],
    maxItems: 64,
    description: 'rules of this camera, added to the scene preset; a rule with the id of a preset rule replaces it',
  }),
  disabledRules: Type.Array(Id, { default: [], maxItems: 64, description: 'ids of scene-preset rules to leave out' }),
};

export const SceneRulesConfig = Type.Object(SceneRulesFields, { additionalProperties: false });
export type SceneRulesConfig = Static<typeof SceneRulesConfig>;

/** The part of a camera config the rules need: its id, the models it runs and its scene rules. */
export const CameraRulesConfig = Type.Object(
  {
    id: { ...Id, description: 'camera id' },
    models: Type.Array(Id, { minItems: 1, maxItems: 4, default: ['coco-yolox-nano'], description: 'model manifest ids run on every analysed frame' }),
    ...SceneRulesFields,
  },
  { additionalProperties: false },
);
export type CameraRulesConfig = Static<typeof CameraRulesConfig>;
