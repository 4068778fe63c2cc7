import { v7 as uuidv7 } from 'uuid';
import type { Track } from '../types.js';
import { AbsenceRule } from './absence-rule.js';
import { ClassPresentRule } from './class-present-rule.js';
import { CrowdRule } from './crowd-rule.js';
import { isMasked } from './filters.js';
import { ForbiddenObjectRule } from './forbidden-object-rule.js';
import { IntrusionRule } from './intrusion-rule.js';
import { LineCrossingRule } from './line-crossing-rule.js';
import { LoiteringRule } from './loitering-rule.js';
import { MissingAttributeRule } from './missing-attribute-rule.js';
import type {
  AbsenceRuleConfig,
  ClassPresentRuleConfig,
  CrowdRuleConfig,
  ForbiddenObjectRuleConfig,
  IntrusionRuleConfig,
  LineCrossingRuleConfig,
  LoiteringRuleConfig,
  MissingAttributeRuleConfig,
  StationaryRuleConfig,
} from './rule-config.js';
import type { FrameContext, RuleDeps, SceneRule } from './rule-base.js';
import type { ResolvedCameraRules, ResolvedRule } from './resolved-rule.js';
import { StationaryRule } from './stationary-rule.js';
import type { RuleEngine, RuleHit, RuleInput } from './types.js';

/** Options of {@link createRuleEngine}. */
export interface RuleEngineOptions {
  /** Event id factory; default UUIDv7 (time-ordered, so the cloud's storage stays in insert order). */
  readonly newId?: () => string;
}

function createRule(rule: ResolvedRule, deps: RuleDeps): SceneRule {
  // The config's type decides the class; the casts hand each class the config type it was checked for.
  switch (rule.config.type) {
    case 'intrusion':
      return new IntrusionRule(rule as ResolvedRule<IntrusionRuleConfig>, deps);
    case 'loitering':
      return new LoiteringRule(rule as ResolvedRule<LoiteringRuleConfig>, deps);
    case 'crowd':
      return new CrowdRule(rule as ResolvedRule<CrowdRuleConfig>, deps);
    case 'line_crossing':
      return new LineCrossingRule(rule as ResolvedRule<LineCrossingRuleConfig>, deps);
    case 'stationary':
      return new StationaryRule(rule as ResolvedRule<StationaryRuleConfig>, deps);
    case 'missing_attribute':
      return new MissingAttributeRule(rule as ResolvedRule<MissingAttributeRuleConfig>, deps);
    case 'forbidden_object':
      return new ForbiddenObjectRule(rule as ResolvedRule<ForbiddenObjectRuleConfig>, deps);
    case 'absence':
      return new AbsenceRule(rule as ResolvedRule<AbsenceRuleConfig>, deps);
    case 'class_present':
      return new ClassPresentRule(rule as ResolvedRule<ClassPresentRuleConfig>, deps);
  }
}

/**
 * The rules of one camera, run in order on every analysed frame. Masks are applied once here, then
 * every rule sees the frame's matched tracks (a lost track's predicted box is not evidence of
 * anything) and its detections. Rules keep their state between frames; time comes from the frames'
 * capture time, never from the host clock, so a test can replay footage at any speed. `replace` swaps in a
 * new plan between two frames (rules edited in the cloud) without losing the state of unchanged rules.
 */
export function createRuleEngine(camera: ResolvedCameraRules, opts: RuleEngineOptions = {}): RuleEngine {
  const deps: RuleDeps = { cameraId: camera.cameraId, newId: opts.newId ?? (() => uuidv7()) };
  let current = camera;
  let rules = camera.rules.map((r) => ({ key: ruleKey(r), rule: createRule(r, deps) }));

  return {
    get overlay() {
      return current.overlay;
    },
    process({ frame, detections, tracks }: RuleInput): RuleHit[] {
      const { masks } = current;
      const matched: Track[] = [];
      const live = new Set<number>();
      for (const t of tracks.items) {
        live.add(t.id);
        if (t.state !== 'lost' && t.lostFrames === 0 && !isMasked(t.label, t.box, masks)) matched.push(t);
      }
      const ctx: FrameContext = {
        frame,
        at: frame.capturedAt,
        tracks: matched,
        trackById: new Map(matched.map((t) => [t.id, t])),
        liveTrackIds: live,
        detections: masks.length > 0 ? detections.items.filter((d) => !isMasked(d.label, d.box, masks)) : detections.items,
      };
      return rules.flatMap((r) => r.rule.process(ctx));
    },
    flush(reason: string, at: number): RuleHit[] {
      return rules.flatMap((r) => r.rule.flush(reason, at));
    },
    replace(plan: ResolvedCameraRules, at: number): RuleHit[] {
      if (plan.cameraId !== current.cameraId) throw new Error(`rules of camera ${plan.cameraId} handed to the engine of ${current.cameraId}`);
      const kept = new Map(rules.map((r) => [r.key, r]));
      const next = plan.rules.map((resolved) => {
        const key = ruleKey(resolved);
        const same = kept.get(key);
        if (same) {
          kept.delete(key);
          return same;
        }
        return { key, rule: createRule(resolved, deps) };
      });
      const nextIds = new Set(plan.rules.map((r) => r.config.id));
      // What is left was removed, or changed (same id, new config or geometry): its open events end here.
      const ended = [...kept.values()].flatMap((r) => r.rule.flush(nextIds.has(r.rule.id) ? 'rule_changed' : 'rule_removed', at));
      rules = next;
      current = plan;
      return ended;
    },
    counters() {
      const out: Record<string, Readonly<Record<string, number>>> = {};
      for (const { rule } of rules) {
        const c = rule.counters();
        if (c) out[rule.id] = c;
      }
      return out;
    },
  };
}

/**
 * Identity of a running rule across a rule change: its id and everything its behaviour depends on
 * (config with defaults, name, severity, alarm mapping, the zones' and line's geometry). Equal keys
 * keep the rule's state — its open events and timers — when the camera's rules are replaced.
 */
function ruleKey(r: ResolvedRule): string {
  return JSON.stringify([r.config, r.eventType, r.name, r.severity, r.gbAlarm ?? null, r.zones, r.line ?? null]);
}
