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
 * capture time, never from the host clock, so a test can replay footage at any speed.
 */
export function createRuleEngine(camera: ResolvedCameraRules, opts: RuleEngineOptions = {}): RuleEngine {
  const deps: RuleDeps = { cameraId: camera.cameraId, newId: opts.newId ?? (() => uuidv7()) };
  const rules = camera.rules.map((r) => createRule(r, deps));
  const { masks } = camera;

  return {
    overlay: camera.overlay,
    process({ frame, detections, tracks }: RuleInput): RuleHit[] {
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
      return rules.flatMap((r) => r.process(ctx));
    },
    flush(reason: string, at: number): RuleHit[] {
      return rules.flatMap((r) => r.flush(reason, at));
    },
    counters() {
      const out: Record<string, Readonly<Record<string, number>>> = {};
      for (const r of rules) {
        const c = r.counters();
        if (c) out[r.id] = c;
      }
      return out;
    },
  };
}
