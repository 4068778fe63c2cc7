import { DwellClock } from './dwell-clock.js';
import type { LoiteringRuleConfig } from './rule-config.js';
import { SceneRule, trackDetection, trackKey, type FrameContext, type Observation } from './rule-base.js';
import type { RuleHit } from './types.js';

/**
 * Loitering (徘徊): a track staying in a zone for at least `dwellMs`. The dwell clock survives short
 * gaps and the time a track is lost but still held by the tracker (behind a pillar), and restarts
 * when the track leaves the zone.
 */
export class LoiteringRule extends SceneRule<LoiteringRuleConfig> {
  private readonly classes = new Set(this.cfg.classes);
  private readonly clock = new DwellClock(this.cfg.clearFrames);

  protected evaluate(ctx: FrameContext): RuleHit[] {
    const inZone: { key: string; obs: Omit<Observation, 'key'> }[] = [];
    for (const t of this.eligibleTracks(ctx, this.classes)) {
      for (const zone of this.zonesOf(t.box, this.cfg.anchor)) {
        inZone.push({
          key: trackKey(t.id, zone),
          obs: { label: t.label, score: t.score, detections: [trackDetection(t)], trackIds: [t.id], ...(zone ? { zoneId: zone.id } : {}) },
        });
      }
    }
    this.clock.tick(
      inZone.map((x) => x.key),
      ctx.at,
      (key) => this.heldByTracker(ctx, key),
    );
    const obs: Observation[] = [];
    for (const { key, obs: o } of inZone) {
      const since = this.clock.since(key) ?? ctx.at;
      const dwellMs = ctx.at - since;
      if (dwellMs >= this.cfg.dwellMs) obs.push({ key, ...o, since, attributes: { dwellS: Math.round(dwellMs / 100) / 10 } });
    }
    return this.step(ctx, obs, (key) => this.trackEndReason(ctx, key, this.cfg.anchor));
  }

  /** A track the tracker still holds but did not match on this frame keeps its dwell time. */
  private heldByTracker(ctx: FrameContext, key: string): boolean {
    const { trackId } = this.parseTrackKey(key);
    return ctx.liveTrackIds.has(trackId) && !ctx.trackById.has(trackId);
  }

  protected override resetState(): void {
    this.clock.clear();
  }
}
