import { bestInRegion } from './geometry.js';
import type { MissingAttributeRuleConfig } from './rule-config.js';
import { SceneRule, trackDetection, trackKey, type FrameContext, type Observation } from './rule-base.js';
import type { RuleHit } from './types.js';

/**
 * Missing attribute (未戴安全帽 / 未戴口罩 / 未穿反光衣 / 未戴厨师帽): a subject track without a
 * required object in a part of its box. Works for both kinds of model:
 * - attribute models with a subject detector: `subject: [person], required: [helmet], region: {top: 0,
 *   bottom: 0.3}` — a person whose head region holds no helmet;
 * - violation models that box the offence itself: `subject: [head], required: [helmet]` (a bare head
 *   with no overlapping helmet), `subject: [no_mask]`, `subject: [NO-Hardhat]` (with `required` empty,
 *   or naming the compliant class so that a double detection of one face counts as compliant).
 * Association is geometric only, so a new attribute (a chef-hat model) plugs in by config.
 */
export class MissingAttributeRule extends SceneRule<MissingAttributeRuleConfig> {
  private readonly subjects = new Set(this.cfg.subject);
  private readonly required = new Set(this.cfg.required);
  private readonly missing = (this.cfg.required.length > 0 ? this.cfg.required : this.cfg.subject).join('|').slice(0, 128);

  protected evaluate(ctx: FrameContext): RuleHit[] {
    const attributes = this.required.size > 0 ? this.eligibleDetections(ctx, this.required, this.cfg.requiredMinScore) : [];
    const obs: Observation[] = [];
    for (const t of this.eligibleTracks(ctx, this.subjects)) {
      if (attributes.length > 0 && bestInRegion(t.box, this.cfg.region, attributes, this.cfg.minOverlap)) continue;
      for (const zone of this.zonesOf(t.box, this.cfg.anchor)) {
        obs.push({
          key: trackKey(t.id, zone),
          label: t.label,
          score: t.score,
          detections: [trackDetection(t)],
          trackIds: [t.id],
          ...(zone ? { zoneId: zone.id } : {}),
          attributes: { missing: this.missing },
        });
      }
    }
    return this.step(ctx, obs, (key) => this.trackEndReason(ctx, key, this.cfg.anchor));
  }
}
