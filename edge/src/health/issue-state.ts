/**
 * Hysteresis of one diagnosis, driven by one observation per sample: `ok` → (condition held for
 * `raiseAfterMs`) → raised → (condition absent for `clearAfterMs`) → `ok`. A condition that disappears
 * before it is raised starts from zero next time; one that comes back while a raised issue is clearing
 * keeps the issue, with its original `since`. Time is whatever the caller passes (frame time), so tests
 * need no clock.
 */
export class IssueState {
  /** Start of the current run of the condition (pending or raised); undefined while `ok`. */
  private onsetAt: number | undefined;
  private raised = false;
  private absentSince: number | undefined;
  private lastValue = 0;

  constructor(
    private readonly raiseAfterMs: number,
    private readonly clearAfterMs: number,
  ) {}

  /**
   * Records one sample.
   * @param present whether the condition holds on this sample
   * @param at the sample's time, epoch ms
   * @param value the measured value (kept only when `present`)
   * @param onsetAt when the condition began, if known to be earlier than `at` (a frozen picture began at
   *   its reference sample); used only when a new run starts
   */
  update(present: boolean, at: number, value: number, onsetAt: number = at): void {
    if (present) {
      this.absentSince = undefined;
      this.lastValue = value;
      this.onsetAt ??= Math.min(onsetAt, at);
      if (!this.raised && at - this.onsetAt >= this.raiseAfterMs) this.raised = true;
      return;
    }
    if (!this.raised) {
      this.onsetAt = undefined;
      return;
    }
    this.absentSince ??= at;
    if (at - this.absentSince >= this.clearAfterMs) this.reset();
  }

  /** True while the issue is raised (including while it is clearing). */
  get active(): boolean {
    return this.raised;
  }

  /** When the condition of the raised issue was first seen; undefined unless raised. */
  get since(): number | undefined {
    return this.raised ? this.onsetAt : undefined;
  }

  /** The last value measured while the condition held. */
  get value(): number {
    return this.lastValue;
  }

  reset(): void {
    this.onsetAt = undefined;
    this.raised = false;
    this.absentSince = undefined;
    this.lastValue = 0;
  }
}
