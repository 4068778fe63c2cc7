import Type, { type Static } from 'typebox';
import Value from 'typebox/value';
import { ErrorBody } from './ack.js';
import { EpochMs, Id } from './edge-messages.js';
import { RULE_SCHEMAS, SceneRulesConfig, type RuleConfig } from './rule-config.js';
import type { PointConfig } from './rule-geometry.js';
import { compileValidator, pointerToKeyPath } from './validate.js';

/**
 * Camera rules managed in the cloud: the wire form of one camera's rule set (the same schema the edge's
 * camera config uses for its scene keys, so edge, cloud and viewer validate with one schema), its
 * revision, the cloud → edge commands that apply it and fetch a current picture to draw zones on,
 * and the REST bodies of `/api/cameras/:id/rules`.
 */

/** A cloud revision of a camera's rules: 1, 2, 3 … per camera, assigned by the cloud. */
export const RulesRevision = Type.Integer({ minimum: 1, maximum: 2_147_483_647, description: 'cloud revision of the camera rules, per camera' });
export type RulesRevision = Static<typeof RulesRevision>;

/**
 * One camera's rule set: scene preset, zones, lines, masks, rules and disabled preset rules, exactly the
 * keys (and defaults) of an edge camera config. Zones, lines and masks are in normalised coordinates.
 */
export const CameraRuleSet = SceneRulesConfig;
export type CameraRuleSet = Static<typeof CameraRuleSet>;

/** A problem of a rule set, named by its key path relative to the set (`rules[1].classes[0]`). */
export const RuleSetProblem = Type.Object(
  { path: Type.String({ maxLength: 256 }), message: Type.String({ maxLength: 1024 }) },
  { additionalProperties: false },
);
export type RuleSetProblem = Static<typeof RuleSetProblem>;

/** A label a rule needs, with the key path that asks for it (relative to the rule). */
export interface RequiredClass {
  readonly path: string;
  readonly label: string;
}

/** Every label a rule asks for: the classes it watches, attribute/object classes, and the keys of `filters`. */
export function ruleClasses(rule: RuleConfig): RequiredClass[] {
  const list = (key: string, labels: readonly string[]) => labels.map((label, i) => ({ path: `${key}[${i}]`, label }));
  const out: RequiredClass[] = [];
  switch (rule.type) {
    case 'missing_attribute':
      out.push(...list('subject', rule.subject), ...list('required', rule.required));
      break;
    case 'forbidden_object':
      out.push(...list('subject', rule.subject), ...list('objects', rule.objects));
      break;
    default:
      out.push(...list('classes', rule.classes));
  }
  if (rule.type !== 'presence') out.push(...Object.keys(rule.filters).map((label) => ({ path: `filters.${label}`, label })));
  return out;
}

type Pt = readonly [number, number] | PointConfig;

/** Shoelace area of a polygon (signed; the sign tells the winding). */
export function polygonArea(points: readonly Pt[]): number {
  let a = 0;
  for (let i = 0; i < points.length; i++) {
    const p = points[i];
    const q = points[(i + 1) % points.length];
    if (p && q) a += p[0] * q[1] - q[0] * p[1];
  }
  return a / 2;
}

const cross = (o: Pt, a: Pt, b: Pt) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);

/** Whether segments p1-p2 and q1-q2 properly cross or touch (collinear overlaps included). */
function segmentsMeet(p1: Pt, p2: Pt, q1: Pt, q2: Pt): boolean {
  const d1 = cross(q1, q2, p1);
  const d2 = cross(q1, q2, p2);
  const d3 = cross(p1, p2, q1);
  const d4 = cross(p1, p2, q2);
  if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) return true;
  const on = (a: Pt, b: Pt, c: Pt) => Math.min(a[0], b[0]) <= c[0] && c[0] <= Math.max(a[0], b[0]) && Math.min(a[1], b[1]) <= c[1] && c[1] <= Math.max(a[1], b[1]);
  return (d1 === 0 && on(q1, q2, p1)) || (d2 === 0 && on(q1, q2, p2)) || (d3 === 0 && on(p1, p2, q1)) || (d4 === 0 && on(p1, p2, q2));
}

/**
 * The first pair of non-adjacent edges of a polygon that meet (a bow-tie), as edge indexes, or
 * undefined for a simple polygon. A point-in-polygon test on a self-crossing outline answers by the
 * even-odd rule, which is rarely what whoever drew it meant.
 */
export function selfIntersection(points: readonly Pt[]): [number, number] | undefined {
  const n = points.length;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      // Adjacent edges share a vertex; the first and the last edge are adjacent too.
      if (j === i + 1 || (i === 0 && j === n - 1)) continue;
      const a1 = points[i];
      const a2 = points[(i + 1) % n];
      const b1 = points[j];
      const b2 = points[(j + 1) % n];
      if (a1 && a2 && b1 && b2 && segmentsMeet(a1, a2, b1, b2)) return [i, j];
    }
  }
  return undefined;
}

/** Options of {@link ruleSetProblems}. */
export interface RuleSetCheckOptions {
  /**
   * Labels the camera's models detect. When given, a rule or mask asking for another label is a problem
   * (scene-preset rules are not checked here: the edge skips those its models cannot run).
   */
  readonly labels?: ReadonlySet<string>;
}

/**
 * Checks a schema-valid rule set beyond its schema: unique zone, line and rule ids; zones and masks
 * with an area and a simple (not self-crossing) outline; lines with two distinct ends; rules that refer
 * to zones and lines the set defines; and, when the camera's labels are known, classes they detect.
 */
export function ruleSetProblems(set: CameraRuleSet, opts: RuleSetCheckOptions = {}): RuleSetProblem[] {
  const problems: RuleSetProblem[] = [];
  const shape = (kind: string, id: string, path: string, points: readonly Pt[]) => {
    if (Math.abs(polygonArea(points)) < 1e-6) problems.push({ path: `${path}.points`, message: `${kind} '${id}' has no area` });
    const crossing = selfIntersection(points);
    if (crossing) problems.push({ path: `${path}.points`, message: `${kind} '${id}' crosses itself (edges ${crossing[0]} and ${crossing[1]})` });
  };
  const zoneIds = new Map<string, number>();
  set.zones.forEach((z, i) => {
    const prev = zoneIds.get(z.id);
    if (prev !== undefined) problems.push({ path: `zones[${i}].id`, message: `duplicate zone id '${z.id}' (also zones[${prev}])` });
    else zoneIds.set(z.id, i);
    shape('zone', z.id, `zones[${i}]`, z.points);
  });
  set.masks.forEach((m, i) => shape('mask', m.id ?? String(i), `masks[${i}]`, m.points));
  const lineIds = new Map<string, number>();
  set.lines.forEach((l, i) => {
    const prev = lineIds.get(l.id);
    if (prev !== undefined) problems.push({ path: `lines[${i}].id`, message: `duplicate line id '${l.id}' (also lines[${prev}])` });
    else lineIds.set(l.id, i);
    if (l.a[0] === l.b[0] && l.a[1] === l.b[1]) problems.push({ path: `lines[${i}]`, message: `line '${l.id}' has the same two ends` });
  });
  const ruleIds = new Map<string, number>();
  set.rules.forEach((r, i) => {
    const prev = ruleIds.get(r.id);
    if (prev !== undefined) problems.push({ path: `rules[${i}].id`, message: `duplicate rule id '${r.id}' (also rules[${prev}])` });
    else ruleIds.set(r.id, i);
    if ('zones' in r) {
      r.zones.forEach((id, k) => {
        if (!zoneIds.has(id)) problems.push({ path: `rules[${i}].zones[${k}]`, message: `rule '${r.id}' refers to zone '${id}', which the set does not define` });
      });
    }
    if (r.type === 'line_crossing' && !lineIds.has(r.line)) {
      problems.push({ path: `rules[${i}].line`, message: `rule '${r.id}' refers to line '${r.line}', which the set does not define` });
    }
    const { labels } = opts;
    const enabled = r.type === 'presence' || r.enabled;
    if (labels && enabled) {
      for (const c of ruleClasses(r)) {
        if (!labels.has(c.label)) problems.push({ path: `rules[${i}].${c.path}`, message: `rule '${r.id}' needs class '${c.label}', which the camera's models do not detect` });
      }
    }
  });
  if (opts.labels) {
    const { labels } = opts;
    set.masks.forEach((m, i) =>
      m.classes.forEach((label, k) => {
        if (!labels.has(label)) problems.push({ path: `masks[${i}].classes[${k}]`, message: `mask hides class '${label}', which the camera's models do not detect` });
      }),
    );
  }
  return problems;
}

const ruleSetValidator = compileValidator(CameraRuleSet);
const ruleValidators = Object.fromEntries(Object.entries(RULE_SCHEMAS).map(([type, schema]) => [type, compileValidator(schema)]));

/**
 * Schema-checks a rule set from the network with the edge config's defaults applied, and names every
 * problem by key path. A rule is checked against the schema of its own `type`, so a misspelt key in
 * one rule reads as that key, not as "matches none of ten rule types".
 * @returns the set with its defaults filled in, or the problems (nothing is half-applied)
 */
export function parseCameraRuleSet(value: unknown): { ok: true; value: CameraRuleSet } | { ok: false; problems: RuleSetProblem[] } {
  const withDefaults: unknown = Value.Default(CameraRuleSet, Value.Clone(value));
  const checked = ruleSetValidator.check(withDefaults);
  if (checked.ok) return { ok: true, value: checked.value };
  const problems: RuleSetProblem[] = [];
  const rules = withDefaults && typeof withDefaults === 'object' ? (withDefaults as Record<string, unknown>)['rules'] : undefined;
  const typed = new Set<number>();
  if (Array.isArray(rules)) {
    rules.forEach((rule: unknown, i) => {
      const type = rule && typeof rule === 'object' ? (rule as Record<string, unknown>)['type'] : undefined;
      const validator = typeof type === 'string' && Object.hasOwn(ruleValidators, type) ? ruleValidators[type] : undefined;
      if (!validator) return;
      typed.add(i);
      const one = validator.check(Value.Default(RULE_SCHEMAS[type as keyof typeof RULE_SCHEMAS], rule));
      if (!one.ok) for (const issue of one.issues) problems.push({ path: `rules[${i}]${issue.path ? `.${pointerToKeyPath(issue.path)}` : ''}`, message: issue.message });
    });
  }
  for (const issue of checked.issues) {
    const path = pointerToKeyPath(issue.path);
    // Union noise of a rule whose own type was checked above.
    const m = /^rules\[(\d+)\]/.exec(path);
    if (m && typed.has(Number(m[1]))) continue;
    problems.push({ path, message: m && path === m[0] ? `${issue.message} (type must be one of ${Object.keys(RULE_SCHEMAS).join(', ')})` : issue.message });
  }
  const seen = new Set<string>();
  return { ok: false, problems: problems.filter((p) => !seen.has(`${p.path}\u0000${p.message}`) && seen.add(`${p.path}\u0000${p.message}`)) };
}

/** One line listing problems with their key paths, for error messages and acks. */
export function formatRuleSetProblems(problems: readonly RuleSetProblem[]): string {
  return problems.map((p) => `${p.path || '(root)'}: ${p.message}`).join('; ');
}

/**
 * What rules a camera of an edge runs: the cloud revision (absent when the rules come from the edge's
 * own config file), the rule set itself with its defaults filled in, and the labels the camera's
 * models detect (so the cloud can check a rule set while the edge is away, and a viewer can offer them).
 */
export const CameraRulesReport = Type.Object(
  {
    cameraId: Id,
    revision: Type.Optional(RulesRevision),
    rules: CameraRuleSet,
    classes: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 512, description: "labels the camera's models detect" }),
  },
  { additionalProperties: false },
);
export type CameraRulesReport = Static<typeof CameraRulesReport>;

/**
 * Edge → cloud `rules:report`, sent after every accepted hello: the rules each camera runs. The cloud
 * records them and, where the camera's desired cloud revision differs, sends `rules:apply`. Answered
 * with an {@link Ack}.
 */
export const RulesReport = Type.Object({ edgeId: Id, cameras: Type.Array(CameraRulesReport, { maxItems: 256 }) }, { additionalProperties: false });
export type RulesReport = Static<typeof RulesReport>;

/**
 * Cloud → edge `rules:apply`: run this rule set on the camera from now on, replacing the config file's
 * or an earlier revision. The edge checks it as it checks its config (a class none of the camera's
 * models detects is refused), swaps the rules between two frames, keeps the revision across restarts,
 * and answers {@link RulesApplyAck}. Applying the revision already running is harmless.
 */
export const RulesApplyCommand = Type.Object({ cameraId: Id, revision: RulesRevision, rules: CameraRuleSet }, { additionalProperties: false });
export type RulesApplyCommand = Static<typeof RulesApplyCommand>;

/** The answer to `rules:apply`: the ids of the rules now running, or why nothing changed (with each problem's key path). */
export const RulesApplyAck = Type.Union([
  Type.Object({ ok: Type.Literal(true), revision: RulesRevision, ruleIds: Type.Array(Id, { maxItems: 256 }) }, { additionalProperties: false }),
  Type.Object({ ok: Type.Literal(false), error: ErrorBody, problems: Type.Optional(Type.Array(RuleSetProblem, { maxItems: 100 })) }, { additionalProperties: false }),
]);
export type RulesApplyAck = Static<typeof RulesApplyAck>;

/** Cloud → edge `camera:snapshot`: a current picture of the camera (the newest captured frame) as JPEG. */
export const CameraSnapshotCommand = Type.Object({ cameraId: Id }, { additionalProperties: false });
export type CameraSnapshotCommand = Static<typeof CameraSnapshotCommand>;

/** Largest snapshot the edge sends in an ack (socket.io binary attachment). */
export const MAX_CAMERA_SNAPSHOT_BYTES = 4 * 1024 * 1024;

/** The answer to `camera:snapshot`: the JPEG bytes travel as a socket.io binary attachment. */
export const CameraSnapshotAck = Type.Union([
  Type.Object(
    {
      ok: Type.Literal(true),
      /** JPEG bytes (a Buffer / Uint8Array on the wire); checked by the receiver, as a schema cannot. */
      jpeg: Type.Unsafe<Uint8Array>({ description: 'JPEG bytes (binary attachment)' }),
      width: Type.Integer({ minimum: 1, maximum: 16_384 }),
      height: Type.Integer({ minimum: 1, maximum: 16_384 }),
      capturedAt: EpochMs,
    },
    { additionalProperties: false },
  ),
  Type.Object({ ok: Type.Literal(false), error: ErrorBody }, { additionalProperties: false }),
]);
export type CameraSnapshotAck = Static<typeof CameraSnapshotAck>;

/** `PUT /api/cameras/:id/rules` body: the whole rule set (keys with defaults may be left out). */
export const PutCameraRulesBody = CameraRuleSet;

/** `GET /api/cameras/:id/snapshot` 200 body: the JPEG itself (`x-captured-at`, `x-frame-width`, `x-frame-height` headers). */
export const CameraSnapshotResponse = Type.Unsafe<Uint8Array>({ type: 'string', format: 'binary', description: 'image/jpeg: the newest frame of the camera' });

/** Path parameters of the camera rule and snapshot routes. */
export const CameraRulesParams = Type.Object({ id: Id }, { additionalProperties: false });
export type CameraRulesParams = Static<typeof CameraRulesParams>;

/**
 * `GET/PUT /api/cameras/:id/rules`: the rules the cloud wants on the camera, what its edge runs, and
 * what the edge reported about the camera.
 */
export const CameraRulesResponse = Type.Object(
  {
    cameraId: Id,
    /** The cloud's rule set for the camera; null while none was saved (the edge runs its config file). */
    desired: Type.Union([
      Type.Object(
        {
          revision: RulesRevision,
          rules: CameraRuleSet,
          updatedAt: EpochMs,
          updatedBy: Type.Union([Type.String(), Type.Null()], { description: 'username of whoever saved it' }),
        },
        { additionalProperties: false },
      ),
      Type.Null(),
    ]),
    /** What the edge runs. */
    applied: Type.Object(
      {
        /** The cloud revision the edge runs; null = the rules of its config file. */
        revision: Type.Union([RulesRevision, Type.Null()]),
        at: Type.Union([EpochMs, Type.Null()]),
        /** Why the edge refused the desired revision (kept until a revision applies). */
        error: Type.Union([Type.String(), Type.Null()]),
        /** True when the edge runs the desired revision (or there is none). */
        inSync: Type.Boolean(),
      },
      { additionalProperties: false },
    ),
    /** Rule ids the edge runs (scene-preset rules expanded), from its last hello or apply. */
    ruleIds: Type.Array(Id),
    /** The rule set the edge reported running, and when; null before an edge reported one. */
    reported: Type.Union([Type.Object({ rules: CameraRuleSet, at: EpochMs }, { additionalProperties: false }), Type.Null()]),
    /** Labels the camera's models detect, as the edge reported; null when unknown. */
    classes: Type.Union([Type.Array(Type.String()), Type.Null()]),
    /** Whether the camera's edge is connected now. */
    edgeOnline: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type CameraRulesResponse = Static<typeof CameraRulesResponse>;
