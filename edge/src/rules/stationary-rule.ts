import { boxCentre, pixelDistance, type Point } from './geometry.js';
import type { StationaryRuleConfig } from './rule-config.js';
import { SceneRule, trackDetection, trackKey, type FrameContext, type Observation } from './rule-base.js';
import type { RuleHit } from './types.js';

interface Parked {
  /** Centre of the box when the object last settled. */
  readonly centre: Point;
  /** Diagonal of that box in pixels: the yardstick of `tolerance`, so near and far cars are judged alike. */
  readonly diagonal: number;
  readonly since: number;
  /** Frames in a row the track was missing from the zone while the tracker no longer held it. */
  missed: number;
}

/**
 * Stationary / illegal parking (违停): a track in a zone whose box centre stays within `tolerance` ×
 * its box diagonal of where it settled, for at least `dwellMs`. Moving further restarts the clock
 * (and ends an open event, reason `moved`). A parked car that the detector misses for a few frames
 * keeps its clock while its track is alive.
 */
export class StationaryRule extends SceneRule<StationaryRuleConfig> {
  private readonly classes = new Set(this.cfg.classes);
  private readonly parked = new Map<string, Parked>();
  private readonly moved = new Set<string>();

  protected evaluate(ctx: FrameContext): RuleHit[] {
    const { width, height } = ctx.frame;
    const present = new Set<string>();
    const obs: Observation[] = [];
    this.moved.clear();
    for (const t of this.eligibleTracks(ctx, this.classes)) {
      for (const zone of this.zonesOf(t.box, this.cfg.anchor)) {
        const key = trackKey(t.id, zone);
        present.add(key);
        const centre = boxCentre(t.box);
        let p = this.parked.get(key);
        if (p && pixelDistance(centre, p.centre, width, height) > this.cfg.tolerance * p.diagonal) {
          this.moved.add(key);
          p = undefined;
        }
        if (!p) {
          p = { centre, diagonal: Math.hypot(t.box.w * width, t.box.h * height), since: ctx.at, missed: 0 };
          this.parked.set(key, p);
        }
        p.missed = 0;
        const stillMs = ctx.at - p.since;
        if (stillMs < this.cfg.dwellMs) continue;
        obs.push({
          key,
          label: t.label,
          score: t.score,
          detections: [trackDetection(t)],
          trackIds: [t.id],
          ...(zone ? { zoneId: zone.id } : {}),
          attributes: { stationaryS: Math.round(stillMs / 100) / 10 },
          since: p.since,
        });
      }
    }
    for (const [key, p] of this.parked) {
      if (present.has(key)) continue;
      const { trackId } = this.parseTrackKey(key);
      // Held by the tracker but not matched (occluded, a missed detection): keep the clock.
      if (ctx.liveTrackIds.has(trackId) && !ctx.trackById.has(trackId)) continue;
      p.missed += 1;
      if (p.missed >= this.cfg.clearFrames) this.parked.delete(key);
    }
    return this.step(ctx, obs, (key) => {
      const reason = this.trackEndReason(ctx, key, this.cfg.anchor);
      return reason === 'cleared' && (this.moved.has(key) || this.parked.has(key)) ? 'moved' : reason;
    });
  }

  protected override resetState(): void {
    this.parked.clear();
    this.moved.clear();
  }
}
