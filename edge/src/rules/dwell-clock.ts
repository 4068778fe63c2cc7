/**
 * How long each subject has met a condition, tolerating short gaps: a person hidden behind a pillar
 * for a second is still loitering, a crowd that thins for one frame is still a crowd. Counts analysed
 * frames for the gap, not seconds, like the rest of the rules, so a slower analysis rate under load
 * does not make gaps look shorter.
 */
export class DwellClock {
  private readonly entries = new Map<string, { since: number; missed: number }>();

  /** @param graceFrames frames a subject may be missing before its clock restarts */
  constructor(private readonly graceFrames: number) {}

  /**
   * Records the subjects meeting the condition at `at`. A missing subject for which `hold` says true
   * (its track is still alive, just not matched) keeps its clock without using up its grace.
   */
  tick(present: Iterable<string>, at: number, hold: (key: string) => boolean = () => false): void {
    const now = new Set(present);
    for (const key of now) {
      const e = this.entries.get(key);
      if (e) e.missed = 0;
      else this.entries.set(key, { since: at, missed: 0 });
    }
    for (const [key, e] of this.entries) {
      if (now.has(key) || hold(key)) continue;
      e.missed += 1;
      if (e.missed >= this.graceFrames) this.entries.delete(key);
    }
  }

  /** Since when the subject has met the condition, or undefined. */
  since(key: string): number | undefined {
    return this.entries.get(key)?.since;
  }

  /** Restarts a subject's clock at `at` (an object that moved). */
  restart(key: string, at: number): void {
    this.entries.set(key, { since: at, missed: 0 });
  }

  clear(): void {
    this.entries.clear();
  }
}
