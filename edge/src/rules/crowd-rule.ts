import type { Track } from '../types.js';
import { DwellClock } from './dwell-clock.js';
import type { CrowdRuleConfig } from './rule-config.js';
import { SceneRule, trackDetection, type FrameContext, type Observation } from './rule-base.js';
import type { ResolvedZone } from './resolved-rule.js';
import type { RuleHit } from './types.js';

/**
 * Crowd (人员聚集): at least `minCount` tracks in a zone for at least `dwellMs`. One event per zone;
 * its snapshot is the frame with the most people, `attributes.count` the count on the latest frame
 * and `attributes.maxCount` the peak.
 */
export class CrowdRule extends SceneRule<CrowdRuleConfig> {
  private readonly classes = new Set(this.cfg.classes);
  private readonly clock = new DwellClock(this.cfg.clearFrames);
  private readonly peak = new Map<string, number>();

  protected evaluate(ctx: FrameContext): RuleHit[] {
    const byZone = new Map<string, { zone: ResolvedZone | null; tracks: Track[] }>();
    for (const t of this.eligibleTracks(ctx, this.classes)) {
      for (const zone of this.zonesOf(t.box, this.cfg.anchor)) {
        const key = zone?.id ?? '*';
        const entry = byZone.get(key) ?? { zone, tracks: [] };
        entry.tracks.push(t);
        byZone.set(key, entry);
      }
    }
    const crowded = [...byZone].filter(([, e]) => e.tracks.length >= this.cfg.minCount);
    this.clock.tick(
      crowded.map(([key]) => key),
      ctx.at,
    );
    for (const key of this.peak.keys()) if (this.clock.since(key) === undefined) this.peak.delete(key);
    const obs: Observation[] = [];
    for (const [key, { zone, tracks }] of crowded) {
      const since = this.clock.since(key) ?? ctx.at;
      const count = tracks.length;
      const maxCount = Math.max(count, this.peak.get(key) ?? 0);
      this.peak.set(key, maxCount);
      if (ctx.at - since < this.cfg.dwellMs) continue;
      const sorted = [...tracks].sort((a, b) => b.score - a.score);
      const top = sorted[0];
      if (!top) continue;
      obs.push({
        key,
        label: top.label,
        score: top.score,
        detections: sorted.map(trackDetection),
        trackIds: sorted.map((t) => t.id),
        ...(zone ? { zoneId: zone.id } : {}),
        attributes: { count, maxCount, minCount: this.cfg.minCount },
        // The count decides the snapshot; the score only breaks ties.
        rank: count + top.score / 2,
        since,
      });
    }
    return this.step(ctx, obs, () => 'dispersed');
  }

  protected override resetState(): void {
    this.clock.clear();
    this.peak.clear();
  }
}
