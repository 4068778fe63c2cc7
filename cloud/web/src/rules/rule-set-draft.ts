import type { CameraRuleSet, RuleSetProblem } from '../../../../protocol/camera-rules.js';
import type { RuleType, Scene } from '../../../../protocol/rule-config.js';
import type { LineConfig, MaskConfig, PointConfig, ZoneConfig } from '../../../../protocol/rule-geometry.js';

/**
 * The camera rule set as the editor holds it, and the pure edits on it. A rule is kept loose (its
 * `type`, `id` and whatever keys the form or the JSON editor gave it): keys left out take the
 * schema's defaults in the cloud, which checks the whole set on save and names every problem by key
 * path. Nothing here is checked against the schema; the viewer bundle carries no TypeBox.
 */

/** One rule being edited: its type and id, and any other keys of its type's schema. */
export interface RuleDraft {
  readonly id: string;
  readonly type: RuleType;
  readonly [key: string]: unknown;
}

export interface RuleSetDraft {
  readonly scene: Scene;
  readonly zones: readonly ZoneConfig[];
  readonly lines: readonly LineConfig[];
  /** Kept as they came (drawn grey, not edited here); the JSON editor of the set reaches them. */
  readonly masks: readonly MaskConfig[];
  readonly rules: readonly RuleDraft[];
  readonly disabledRules: readonly string[];
}

export const EMPTY_DRAFT: RuleSetDraft = { scene: 'none', zones: [], lines: [], masks: [], rules: [], disabledRules: [] };

/** Rule types offered by "add rule", in the order of the menu (the legacy `presence` is edit-only). */
export const RULE_TYPES: readonly Exclude<RuleType, 'presence'>[] = [
  'intrusion',
  'loitering',
  'crowd',
  'line_crossing',
  'stationary',
  'absence',
  'class_present',
  'missing_attribute',
  'forbidden_object',
];

/** A field of the rule form: the rule key it edits and how. */
export type RuleFieldKey =
  | 'enabled'
  | 'severity'
  | 'classes'
  | 'subject'
  | 'required'
  | 'objects'
  | 'zones'
  | 'line'
  | 'direction'
  | 'confirmFrames'
  | 'cooldownMs'
  | 'minScore'
  | 'dwellMs'
  | 'minCount'
  | 'absentMs'
  | 'enterFrames'
  | 'exitFrames';

const COMMON: readonly RuleFieldKey[] = ['enabled', 'severity', 'confirmFrames', 'cooldownMs', 'minScore'];

/** The fields the form shows per rule type; every other key is edited in the rule's JSON. */
export const RULE_FIELDS: Readonly<Record<RuleType, readonly RuleFieldKey[]>> = {
  intrusion: ['classes', 'zones', ...COMMON],
  loitering: ['classes', 'zones', 'dwellMs', ...COMMON],
  crowd: ['classes', 'zones', 'minCount', 'dwellMs', ...COMMON],
  line_crossing: ['classes', 'line', 'direction', ...COMMON],
  stationary: ['classes', 'zones', 'dwellMs', ...COMMON],
  absence: ['classes', 'zones', 'minCount', 'absentMs', ...COMMON],
  class_present: ['classes', 'zones', ...COMMON],
  missing_attribute: ['subject', 'required', 'zones', ...COMMON],
  forbidden_object: ['subject', 'objects', 'zones', ...COMMON],
  presence: ['classes', 'severity', 'minScore', 'enterFrames', 'exitFrames'],
};

/** Keys whose value is a list of labels, edited as comma-separated text. */
export const LABEL_LIST_FIELDS: ReadonlySet<RuleFieldKey> = new Set(['classes', 'subject', 'required', 'objects']);

/** The editor's copy of a rule set from the cloud (the desired revision, or what the edge reported). */
export function draftOf(set: CameraRuleSet | null | undefined): RuleSetDraft {
  if (!set) return EMPTY_DRAFT;
  return { scene: set.scene, zones: set.zones, lines: set.lines, masks: set.masks, rules: set.rules, disabledRules: set.disabledRules };
}

/** The PUT body: the draft as JSON, without empty zone and line names (a name has at least one character). */
export function bodyOf(draft: RuleSetDraft): unknown {
  const named = <T extends { name?: string }>(x: T): T => {
    if (x.name !== undefined && x.name.trim() === '') {
      const { name: _name, ...rest } = x;
      return rest as T;
    }
    return x;
  };
  return { ...draft, zones: draft.zones.map(named), lines: draft.lines.map(named) };
}

/** `prefix-1`, `prefix-2` …: the first not in `taken`. */
export function nextId(prefix: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  for (let n = 1; ; n++) {
    const id = `${prefix}-${n}`;
    if (!used.has(id)) return id;
  }
}

/** A coordinate kept to 4 decimals (a tenth of a pixel at 4K) and inside the frame. */
export function roundCoord(v: number): number {
  return Math.round(Math.min(1, Math.max(0, v)) * 10_000) / 10_000;
}

const replaceAt = <T>(list: readonly T[], i: number, value: T): T[] => list.map((x, k) => (k === i ? value : x));
const removeAt = <T>(list: readonly T[], i: number): T[] => list.filter((_, k) => k !== i);

/** Adds a zone with a fresh id; returns the new draft and the id. */
export function addZone(draft: RuleSetDraft, points: readonly PointConfig[]): { draft: RuleSetDraft; id: string } {
  const id = nextId('zone', draft.zones.map((z) => z.id));
  return { draft: { ...draft, zones: [...draft.zones, { id, points: [...points], tags: [] }] }, id };
}

export function updateZone(draft: RuleSetDraft, i: number, patch: Partial<ZoneConfig>): RuleSetDraft {
  const zone = draft.zones[i];
  if (!zone) return draft;
  let next: RuleSetDraft = { ...draft, zones: replaceAt(draft.zones, i, { ...zone, ...patch }) };
  // A renamed zone keeps its rules: every reference follows the new id.
  if (patch.id !== undefined && patch.id !== zone.id) {
    const from = zone.id;
    const to = patch.id;
    next = {
      ...next,
      rules: next.rules.map((r) => (Array.isArray(r['zones']) ? { ...r, zones: (r['zones'] as unknown[]).map((z) => (z === from ? to : z)) } : r)),
    };
  }
  return next;
}

export function moveZonePoint(draft: RuleSetDraft, zi: number, pi: number, p: PointConfig): RuleSetDraft {
  const zone = draft.zones[zi];
  if (!zone || pi >= zone.points.length) return draft;
  return updateZone(draft, zi, { points: replaceAt(zone.points, pi, p) });
}

export function removeZonePoint(draft: RuleSetDraft, zi: number, pi: number): RuleSetDraft {
  const zone = draft.zones[zi];
  if (!zone) return draft;
  return updateZone(draft, zi, { points: removeAt(zone.points, pi) });
}

/**
 * Removes a zone. Rules that name it keep the reference, so the cloud names them on save: dropping it
 * silently would turn a rule on "zone-2" into one on the whole frame.
 */
export function removeZone(draft: RuleSetDraft, i: number): RuleSetDraft {
  return { ...draft, zones: removeAt(draft.zones, i) };
}

export function addLine(draft: RuleSetDraft, a: PointConfig, b: PointConfig): { draft: RuleSetDraft; id: string } {
  const id = nextId('line', draft.lines.map((l) => l.id));
  return { draft: { ...draft, lines: [...draft.lines, { id, a, b }] }, id };
}

export function updateLine(draft: RuleSetDraft, i: number, patch: Partial<LineConfig>): RuleSetDraft {
  const line = draft.lines[i];
  if (!line) return draft;
  let next: RuleSetDraft = { ...draft, lines: replaceAt(draft.lines, i, { ...line, ...patch }) };
  if (patch.id !== undefined && patch.id !== line.id) {
    const from = line.id;
    const to = patch.id;
    next = { ...next, rules: next.rules.map((r) => (r['line'] === from ? { ...r, line: to } : r)) };
  }
  return next;
}

export function removeLine(draft: RuleSetDraft, i: number): RuleSetDraft {
  return { ...draft, lines: removeAt(draft.lines, i) };
}

/**
 * A new rule of a type: a fresh id, people for the types that count them, and the given zone (or the
 * first line) to watch. Every other key is left to the schema's defaults.
 */
export function newRule(type: Exclude<RuleType, 'presence'>, draft: RuleSetDraft, zoneId?: string): RuleDraft {
  const id = nextId(type.replace(/_/g, '-'), draft.rules.map((r) => r.id));
  switch (type) {
    case 'line_crossing':
      return { id, type, classes: ['person'], line: draft.lines[0]?.id ?? '' };
    case 'missing_attribute':
      return { id, type, subject: ['person'], required: ['helmet'], zones: zoneId ? [zoneId] : [] };
    case 'forbidden_object':
      return { id, type, subject: ['person'], objects: ['cell phone'], zones: zoneId ? [zoneId] : [] };
    case 'stationary':
      return { id, type, classes: ['car'], zones: zoneId ? [zoneId] : [] };
    default:
      return { id, type, classes: ['person'], zones: zoneId ? [zoneId] : [] };
  }
}

export function addRule(draft: RuleSetDraft, rule: RuleDraft): RuleSetDraft {
  return { ...draft, rules: [...draft.rules, rule] };
}

/** Sets (or, with undefined, removes so the default applies) one key of a rule. */
export function setRuleField(draft: RuleSetDraft, i: number, key: string, value: unknown): RuleSetDraft {
  const rule = draft.rules[i];
  if (!rule) return draft;
  const next: Record<string, unknown> = { ...rule };
  if (value === undefined) delete next[key];
  else next[key] = value;
  return { ...draft, rules: replaceAt(draft.rules, i, next as RuleDraft) };
}

export function replaceRule(draft: RuleSetDraft, i: number, rule: RuleDraft): RuleSetDraft {
  return draft.rules[i] ? { ...draft, rules: replaceAt(draft.rules, i, rule) } : draft;
}

export function removeRule(draft: RuleSetDraft, i: number): RuleSetDraft {
  return { ...draft, rules: removeAt(draft.rules, i) };
}

/**
 * A rule from its JSON text: an object with a string `id` and `type`. Whether its keys fit its type is
 * for the cloud to say on save.
 * @returns the rule, or an error message
 */
export function parseRuleJson(text: string): { ok: true; rule: RuleDraft } | { ok: false; message: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, message: err instanceof Error ? err.message : String(err) };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, message: 'not a JSON object' };
  const o = value as Record<string, unknown>;
  if (typeof o['id'] !== 'string' || typeof o['type'] !== 'string') return { ok: false, message: 'needs a string "id" and "type"' };
  return { ok: true, rule: o as unknown as RuleDraft };
}

/** Comma (or Chinese comma) separated labels → a list without blanks. */
export function labelsOf(text: string): string[] {
  return text
    .split(/[,，]/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/**
 * The problems of a refused save from the cloud's message: "invalid rule set: zones[0].points: must …;
 * rules[1].zones[0]: rule …", or the edge's "edge x refused the rule set: …". A message of another
 * shape is one problem without a path.
 */
export function problemsOf(message: string): RuleSetProblem[] {
  const m = /rule set: ([\s\S]*)$/.exec(message);
  if (!m?.[1]) return [{ path: '', message }];
  return m[1].split('; ').map((part) => {
    const colon = part.indexOf(': ');
    if (colon <= 0) return { path: '', message: part };
    const path = part.slice(0, colon);
    return { path: path === '(root)' ? '' : path, message: part.slice(colon + 2) };
  });
}

/** The problems at a key path or inside it (`zones[1]` holds `zones[1].points`). */
export function problemsUnder(problems: readonly RuleSetProblem[], prefix: string): RuleSetProblem[] {
  return problems.filter((p) => p.path === prefix || p.path.startsWith(`${prefix}.`) || p.path.startsWith(`${prefix}[`));
}
