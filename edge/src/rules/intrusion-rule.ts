import type { IntrusionRuleConfig } from './rule-config.js';
import { SceneRule, trackDetection, trackKey, type FrameContext, type Observation } from './rule-base.js';
import type { RuleHit } from './types.js';

/**
 * Intrusion (区域入侵): a track of the classes whose anchor is in a zone. One event per (zone, track),
 * so each intruder has an event, a snapshot and a cooldown of its own; an optional schedule arms the
 * rule only in the hours the area is closed.
 */
export class IntrusionRule extends SceneRule<IntrusionRuleConfig> {
  private readonly classes = new Set(this.cfg.classes);

  protected evaluate(ctx: FrameContext): RuleHit[] {
    const obs: Observation[] = [];
    for (const t of this.eligibleTracks(ctx, this.classes)) {
      for (const zone of this.zonesOf(t.box, this.cfg.anchor)) {
        obs.push({
          key: trackKey(t.id, zone),
          label: t.label,
          score: t.score,
          detections: [trackDetection(t)],
          trackIds: [t.id],
          ...(zone ? { zoneId: zone.id } : {}),
        });
      }
    }
    return this.step(ctx, obs, (key) => this.trackEndReason(ctx, key, this.cfg.anchor));
  }
}
