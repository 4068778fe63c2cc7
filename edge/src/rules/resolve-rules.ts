import { ConfigError, type ConfigProblem } from '../../../common/config-loader.js';
import { polygonArea, ruleClasses } from '../../../protocol/index.js';
import type { ResolvedMask } from './filters.js';
import { gbAlarmFor } from './gb-alarm.js';
import type { LineConfig, MaskConfig, ZoneConfig } from './geometry-config.js';
import { SCENE_PRESETS, type PresetRule } from './presets.js';
import type { ClassPresentRuleConfig, RuleConfig, Scene, SceneRuleConfig } from './rule-config.js';
import { defaultRuleName, defaultSeverity } from './rule-names.js';
import type { ResolvedCameraRules, ResolvedLine, ResolvedRule, ResolvedZone, RuleOrigin, SkippedRule } from './resolved-rule.js';
import { compileSchedule } from './schedule.js';

/** Labels of each model, by model id (from the manifests). */
export type ModelLabels = ReadonlyMap<string, readonly string[]>;

/**
 * The camera fields the resolver reads. `models` is the list of models run on the camera; the single
 * `model` of older configs is accepted too. Scene fields default to "none / empty".
 */
export interface CameraRulesInput {
  readonly id: string;
  readonly models?: readonly string[];
  readonly model?: string;
  readonly scene?: Scene;
  readonly zones?: readonly ZoneConfig[];
  readonly lines?: readonly LineConfig[];
  readonly masks?: readonly MaskConfig[];
  readonly rules?: readonly RuleConfig[];
  readonly disabledRules?: readonly string[];
}

/** The model ids of a camera: `models`, else `[model]`. */
export function cameraModelIds(camera: Pick<CameraRulesInput, 'models' | 'model'>): string[] {
  if (camera.models && camera.models.length > 0) return [...camera.models];
  return camera.model !== undefined ? [camera.model] : [];
}

/** Turns a legacy `presence` rule into the `class_present` rule that runs it (same frames, score and timing). */
function fromPresence(rule: Extract<RuleConfig, { type: 'presence' }>): ClassPresentRuleConfig {
  return {
    type: 'class_present',
    id: rule.id,
    enabled: true,
    severity: rule.severity,
    classes: [...rule.classes],
    minScore: rule.minScore,
    confirmFrames: rule.enterFrames,
    clearFrames: rule.exitFrames,
    cooldownMs: 0,
    updateIntervalMs: rule.updateIntervalMs,
    maxDurationMs: rule.maxDurationMs,
    minMedianScore: 0,
    medianFrames: 5,
    filters: {},
    zones: [],
    anchor: 'any-overlap',
  };
}

interface Context {
  readonly camera: CameraRulesInput;
  readonly models: readonly string[];
  readonly labels: ReadonlySet<string>;
  readonly modelLabels: ModelLabels;
  readonly zones: ReadonlyMap<string, ResolvedZone>;
  readonly lines: ReadonlyMap<string, ResolvedLine>;
}

function describeModels(ctx: Context): string {
  return ctx.models
    .map((id) => {
      const labels = ctx.modelLabels.get(id) ?? [];
      return `${id} (${labels.slice(0, 8).join(', ')}${labels.length > 8 ? ', …' : ''})`;
    })
    .join('; ');
}

/**
 * Builds a runnable rule, or lists why it cannot run (paths relative to `path`). Class problems are
 * returned apart so presets can skip on them while explicit rules fail.
 */
function buildRule(
  raw: RuleConfig,
  origin: RuleOrigin,
  path: string,
  ctx: Context,
): { rule?: ResolvedRule; classProblems: ConfigProblem[]; problems: ConfigProblem[] } {
  const cfg: SceneRuleConfig = raw.type === 'presence' ? fromPresence(raw) : raw;
  const classProblems = ruleClasses(raw)
    .filter((c) => !ctx.labels.has(c.label))
    .map((c) => ({
      path: `${path}.${c.path}`,
      message: `rule '${raw.id}' needs class '${c.label}', which none of the camera's models provides (models: ${describeModels(ctx)})`,
    }));
  const problems: ConfigProblem[] = [];
  const zones: ResolvedZone[] = [];
  if ('zones' in cfg) {
    cfg.zones.forEach((id, i) => {
      const z = ctx.zones.get(id);
      if (z) zones.push(z);
      else problems.push({ path: `${path}.zones[${i}]`, message: `rule '${cfg.id}' refers to zone '${id}', which the camera does not define` });
    });
  }
  let line: ResolvedLine | undefined;
  if (cfg.type === 'line_crossing') {
    line = ctx.lines.get(cfg.line);
    if (!line) problems.push({ path: `${path}.line`, message: `rule '${cfg.id}' refers to line '${cfg.line}', which the camera does not define` });
  }
  let schedule: ResolvedRule['schedule'];
  if (cfg.schedule) {
    try {
      schedule = compileSchedule(cfg.schedule);
    } catch (err) {
      problems.push({ path: `${path}.schedule`, message: `rule '${cfg.id}': ${(err as Error).message}` });
    }
  }
  if (classProblems.length > 0 || problems.length > 0) return { classProblems, problems };
  const gbAlarm = cfg.gbAlarm ?? gbAlarmFor(cfg.type);
  const rule: ResolvedRule = {
    config: cfg,
    eventType: raw.type,
    name: cfg.name ?? defaultRuleName(raw),
    severity: cfg.severity ?? defaultSeverity(raw),
    ...(gbAlarm ? { gbAlarm } : {}),
    zones,
    ...(line ? { line } : {}),
    ...(schedule ? { schedule } : {}),
    origin,
  };
  return { rule, classProblems, problems };
}

function geometry(camera: CameraRulesInput, problems: ConfigProblem[]) {
  const zones = new Map<string, ResolvedZone>();
  (camera.zones ?? []).forEach((z, i) => {
    if (zones.has(z.id)) problems.push({ path: `zones[${i}].id`, message: `duplicate zone id '${z.id}'` });
    if (Math.abs(polygonArea(z.points)) < 1e-6) problems.push({ path: `zones[${i}].points`, message: `zone '${z.id}' has no area` });
    zones.set(z.id, { id: z.id, label: z.name ?? z.id, polygon: z.points });
  });
  const lines = new Map<string, ResolvedLine>();
  (camera.lines ?? []).forEach((l, i) => {
    if (lines.has(l.id)) problems.push({ path: `lines[${i}].id`, message: `duplicate line id '${l.id}'` });
    if (l.a[0] === l.b[0] && l.a[1] === l.b[1]) problems.push({ path: `lines[${i}]`, message: `line '${l.id}' has the same two ends` });
    lines.set(l.id, { id: l.id, label: l.name ?? l.id, a: l.a, b: l.b });
  });
  const masks: ResolvedMask[] = (camera.masks ?? []).map((m) => ({ polygon: m.points, classes: m.classes.length > 0 ? new Set(m.classes) : null }));
  return { zones, lines, masks };
}

/** Expands one preset rule into the rules it gives this camera, or the reason it gives none. */
function expandPreset(pr: PresetRule, scene: Scene, ctx: Context, problems: ConfigProblem[]): { rules: ResolvedRule[]; skipped?: SkippedRule } {
  const skip = (reason: SkippedRule['reason'], why: string): { rules: ResolvedRule[]; skipped: SkippedRule } => ({
    rules: [],
    skipped: { ruleId: pr.id, scene, reason, message: `preset '${scene}' rule '${pr.id}' skipped: ${why}` },
  });
  const variant = pr.variants.find((v) => ruleClasses(v).every((c) => ctx.labels.has(c.label)));
  if (!variant) {
    const needs = pr.variants.map((v) => ruleClasses(v).filter((c) => !ctx.labels.has(c.label)).map((c) => `'${c.label}'`).join(' + '));
    return skip('classes', `needs class ${needs.join(', or ')}, which none of the camera's models provides (models: ${ctx.models.join(', ') || 'none'})`);
  }
  const configs: SceneRuleConfig[] = [];
  if (pr.zoneTag !== undefined) {
    const tag = pr.zoneTag;
    const ids = (ctx.camera.zones ?? []).filter((z) => z.tags.includes(tag)).map((z) => z.id);
    if (ids.length === 0) return skip('zones', `no zone is tagged '${tag}'`);
    configs.push({ ...variant, zones: ids } as SceneRuleConfig);
  } else if (pr.perLine) {
    const lines = ctx.camera.lines ?? [];
    if (lines.length === 0) return skip('lines', 'the camera has no lines');
    for (const l of lines) configs.push({ ...variant, id: `${pr.id}-${l.id}`, line: l.id } as SceneRuleConfig);
  } else {
    configs.push(variant);
  }
  const rules: ResolvedRule[] = [];
  for (const cfg of configs) {
    const built = buildRule(cfg, { kind: 'preset', scene }, `scene(${scene}).${cfg.id}`, ctx);
    problems.push(...built.problems, ...built.classProblems);
    if (built.rule) rules.push(built.rule);
  }
  return { rules };
}

/**
 * Resolves a camera's scene preset and explicit rules against the labels of its models. Explicit rules
 * come after the preset's, and an explicit rule with a preset rule's id replaces it. Throws a
 * {@link ConfigError} listing every problem with its key path relative to the camera (a class no model
 * provides, naming the rule, the class and the models; an unknown zone or line; a bad schedule).
 */
export function planCameraRules(camera: CameraRulesInput, modelLabels: ModelLabels): ResolvedCameraRules {
  const problems: ConfigProblem[] = [];
  const models = cameraModelIds(camera);
  const labels = new Set<string>();
  models.forEach((id, i) => {
    const l = modelLabels.get(id);
    if (l) for (const label of l) labels.add(label);
    else problems.push({ path: camera.models ? `models[${i}]` : 'model', message: `model '${id}' is not known (no manifest)` });
  });
  const { zones, lines, masks } = geometry(camera, problems);
  (camera.masks ?? []).forEach((m, i) =>
    m.classes.forEach((label, k) => {
      if (!labels.has(label)) problems.push({ path: `masks[${i}].classes[${k}]`, message: `mask hides class '${label}', which none of the camera's models provides` });
    }),
  );
  const ctx: Context = { camera, models, labels, modelLabels, zones, lines };
  const scene = camera.scene ?? 'none';
  const explicit = camera.rules ?? [];
  const explicitIds = new Set(explicit.map((r) => r.id));
  const disabled = new Set(camera.disabledRules ?? []);
  const preset = SCENE_PRESETS[scene];
  (camera.disabledRules ?? []).forEach((id, i) => {
    if (!preset.some((p) => p.id === id)) {
      problems.push({ path: `disabledRules[${i}]`, message: `'${id}' is not a rule of scene preset '${scene}' (it has: ${preset.map((p) => p.id).join(', ') || 'none'})` });
    }
  });

  const rules: ResolvedRule[] = [];
  const skipped: SkippedRule[] = [];
  for (const pr of preset) {
    if (explicitIds.has(pr.id)) continue;
    if (disabled.has(pr.id)) {
      skipped.push({ ruleId: pr.id, scene, reason: 'disabled', message: `preset '${scene}' rule '${pr.id}' skipped: listed in disabledRules` });
      continue;
    }
    const out = expandPreset(pr, scene, ctx, problems);
    rules.push(...out.rules);
    if (out.skipped) skipped.push(out.skipped);
  }
  const seen = new Map<string, number>();
  explicit.forEach((raw, i) => {
    const prev = seen.get(raw.id);
    if (prev !== undefined) problems.push({ path: `rules[${i}].id`, message: `duplicate rule id '${raw.id}' (also rules[${prev}])` });
    seen.set(raw.id, i);
    if (raw.type !== 'presence' && !raw.enabled) return;
    const built = buildRule(raw, { kind: 'explicit', index: i }, `rules[${i}]`, ctx);
    problems.push(...built.classProblems, ...built.problems);
    if (built.rule) rules.push(built.rule);
  });
  // A generated id (line-crossing-<line>) may meet an explicit one; explicit duplicates are reported above.
  const origins = new Map<string, RuleOrigin>();
  for (const r of rules) {
    const prev = origins.get(r.config.id);
    if (prev && (prev.kind === 'preset' || r.origin.kind === 'preset')) {
      const path = r.origin.kind === 'explicit' ? `rules[${r.origin.index}].id` : 'scene';
      problems.push({ path, message: `rule id '${r.config.id}' is used by a scene-preset rule and another rule` });
    }
    origins.set(r.config.id, r.origin);
  }
  if (problems.length > 0) throw new ConfigError(`camera '${camera.id}' rules`, problems);

  const directions = new Map<string, 'a_to_b' | 'b_to_a' | 'both'>();
  for (const r of rules) if (r.config.type === 'line_crossing') directions.set(r.config.line, r.config.direction);
  const overlay = {
    zones: [...zones.values()].map((z) => ({ id: z.id, label: z.label, points: z.polygon, highlight: false })),
    lines: [...lines.values()].map((l) => ({ id: l.id, label: l.label, a: l.a, b: l.b, direction: directions.get(l.id) ?? 'both' })),
  };
  return { cameraId: camera.id, rules, masks, skipped, overlay };
}

/** The runnable rules of a camera: {@link planCameraRules} without the skipped-preset report. */
export function resolveCameraRules(camera: CameraRulesInput, modelLabels: ModelLabels): ResolvedRule[] {
  return [...planCameraRules(camera, modelLabels).rules];
}
