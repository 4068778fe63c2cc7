import { DwellClock } from './dwell-clock.js';
import type { AbsenceRuleConfig } from './rule-config.js';
import { SceneRule, type FrameContext, type Observation } from './rule-base.js';
import type { RuleHit } from './types.js';

/**
 * Absence / off duty (脱岗): fewer than `minCount` tracks of the classes in a zone (a guard post, a
 * canteen serving line) for at least `absentMs`, usually with a schedule of the staffed hours. One
 * event per zone; it ends when enough people are back (reason `returned`) or the schedule disarms.
 */
export class AbsenceRule extends SceneRule<AbsenceRuleConfig> {
  private readonly classes = new Set(this.cfg.classes);
  // A person missed for a few frames is not back: the clock only restarts after clearFrames frames
  // with enough people.
  private readonly clock = new DwellClock(this.cfg.clearFrames);
  private readonly keys = this.rule.zones.length > 0 ? this.rule.zones.map((z) => z.id) : ['*'];

  protected evaluate(ctx: FrameContext): RuleHit[] {
    const counts = new Map<string, number>(this.keys.map((k) => [k, 0]));
    for (const t of this.eligibleTracks(ctx, this.classes)) {
      for (const zone of this.zonesOf(t.box, this.cfg.anchor)) {
        const key = zone?.id ?? '*';
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    }
    const short = this.keys.filter((k) => (counts.get(k) ?? 0) < this.cfg.minCount);
    this.clock.tick(short, ctx.at);
    const obs: Observation[] = [];
    for (const key of short) {
      const since = this.clock.since(key) ?? ctx.at;
      const absentMs = ctx.at - since;
      if (absentMs < this.cfg.absentMs) continue;
      obs.push({
        key,
        label: this.cfg.classes[0] ?? 'person',
        // Nothing was detected: the event is about what is missing.
        score: 0,
        detections: [],
        trackIds: [],
        ...(key !== '*' ? { zoneId: key } : {}),
        attributes: { count: counts.get(key) ?? 0, minCount: this.cfg.minCount, absentS: Math.round(absentMs / 1000) },
        since,
      });
    }
    return this.step(ctx, obs, () => 'returned');
  }

  protected override resetState(): void {
    this.clock.clear();
  }
}
