import type { Detection } from '../../../protocol/index.js';
import { bestInRegion } from './geometry.js';
import type { ForbiddenObjectRuleConfig } from './rule-config.js';
import { SceneRule, trackDetection, trackKey, type FrameContext, type Observation } from './rule-base.js';
import type { RuleHit } from './types.js';

/**
 * Forbidden object with a person (玩手机 phone use, 吸烟 smoking): a subject track with a forbidden
 * object in a part of its box (default: hands and torso, reaching a quarter of the box width beyond
 * each side for a hand held out). A phone lying on a counter with nobody at it raises nothing.
 * One event per subject; the object's label and score name the event.
 */
export class ForbiddenObjectRule extends SceneRule<ForbiddenObjectRuleConfig> {
  private readonly subjects = new Set(this.cfg.subject);
  private readonly objects = new Set(this.cfg.objects);

  protected evaluate(ctx: FrameContext): RuleHit[] {
    const things = this.eligibleDetections(ctx, this.objects, this.cfg.objectMinScore);
    if (things.length === 0) return this.step(ctx, [], (key) => this.trackEndReason(ctx, key, this.cfg.anchor));
    const obs: Observation[] = [];
    for (const t of this.eligibleTracks(ctx, this.subjects)) {
      const thing: Detection | undefined = bestInRegion(t.box, this.cfg.region, things, this.cfg.minOverlap);
      if (!thing) continue;
      for (const zone of this.zonesOf(t.box, this.cfg.anchor)) {
        obs.push({
          key: trackKey(t.id, zone),
          label: thing.label,
          score: thing.score,
          detections: [trackDetection(t), thing],
          trackIds: thing.trackId !== undefined ? [t.id, thing.trackId] : [t.id],
          ...(zone ? { zoneId: zone.id } : {}),
          attributes: { object: thing.label, subjectScore: Math.round(t.score * 1000) / 1000 },
        });
      }
    }
    return this.step(ctx, obs, (key) => this.trackEndReason(ctx, key, this.cfg.anchor));
  }
}
