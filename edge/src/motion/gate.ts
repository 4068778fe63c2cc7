import type { Motion } from '../types.js';

/** Options of {@link MotionGate}; defaults in {@link MOTION_GATE_DEFAULTS}. */
export interface MotionGateOptions {
  /**
   * Without motion, the detector still runs once this long after its last run, so objects that stand
   * still (a parked van, a worker at a bench) stay tracked and rules on them keep firing. Default 2000 ms
   * (every 10th frame at 5 fps): keeps tracks alive well within the tracker's 30-frame loss budget.
   */
  readonly redetectIntervalMs?: number;
  /**
   * While the scene stays still, each periodic re-detect doubles the wait before the next one, up to this
   * long; any motion or lighting change goes back to `redetectIntervalMs`. A parked van or a cook at the
   * stove that has not moved for minutes is confirmed every 10 s (Frigate re-checks stationary objects every
   * 50 frames, 10 s at 5 fps), while a scene that just went still is re-checked within 2, 4, 8 s. Tracks
   * age only on detections, so the longer wait costs no track. Default 10 000 ms; at least `redetectIntervalMs`.
   */
  readonly redetectMaxIntervalMs?: number;
  /**
   * A frame where at least this fraction changed but no regions came out (the motion detector's
   * lighting-change answer) is worth one look: the scene may be quite different now. Default 0.5.
   */
  readonly globalChangeFraction?: number;
}

/** Defaults of {@link MotionGateOptions}. */
export const MOTION_GATE_DEFAULTS = { redetectIntervalMs: 2000, redetectMaxIntervalMs: 10_000, globalChangeFraction: 0.5 } as const;

/** Why {@link MotionGate.shouldDetect} answered as it did, for stats and logs. */
export type GateReason = 'first' | 'motion' | 'global-change' | 'interval' | 'idle';

/**
 * The detection gate of one camera: run the detector on frames with motion, on a lighting change,
 * and periodically on a still scene (every `redetectIntervalMs`, backing off to `redetectMaxIntervalMs`
 * while nothing moves); skip it otherwise. Pure policy with a little state (when
 * it last said yes); the caller supplies the clock, so tests need no timers.
 */
export class MotionGate {
  private readonly redetectIntervalMs: number;
  private readonly redetectMaxIntervalMs: number;
  private readonly globalChangeFraction: number;
  private lastDetectAt: number | undefined;
  /** The current wait of a still scene: `redetectIntervalMs` after motion, doubling per idle re-detect. */
  private stillIntervalMs: number;
  private reason: GateReason = 'idle';
  private counts = { detected: 0, skipped: 0 };

  constructor(opts: MotionGateOptions = {}) {
    this.redetectIntervalMs = opts.redetectIntervalMs ?? MOTION_GATE_DEFAULTS.redetectIntervalMs;
    this.redetectMaxIntervalMs = opts.redetectMaxIntervalMs ?? Math.max(MOTION_GATE_DEFAULTS.redetectMaxIntervalMs, this.redetectIntervalMs);
    this.globalChangeFraction = opts.globalChangeFraction ?? MOTION_GATE_DEFAULTS.globalChangeFraction;
    if (!(this.redetectIntervalMs >= 0)) throw new RangeError(`redetectIntervalMs must be >= 0, got ${this.redetectIntervalMs}`);
    if (!(this.redetectMaxIntervalMs >= this.redetectIntervalMs)) {
      throw new RangeError(`redetectMaxIntervalMs must be >= redetectIntervalMs (${this.redetectIntervalMs}), got ${this.redetectMaxIntervalMs}`);
    }
    this.stillIntervalMs = this.redetectIntervalMs;
    if (!(this.globalChangeFraction > 0 && this.globalChangeFraction <= 1)) {
      throw new RangeError(`globalChangeFraction must be within (0, 1], got ${this.globalChangeFraction}`);
    }
  }

  /**
   * Should the detector run on this frame? A yes is recorded as a detection at `now`: ask only when
   * the detector will then run (if the frame is dropped instead, call {@link reset} or ask again).
   */
  shouldDetect(motion: Motion, now: number): boolean {
    this.reason = this.decide(motion, now);
    const yes = this.reason !== 'idle';
    if (yes) {
      this.lastDetectAt = now;
      this.counts.detected++;
      this.stillIntervalMs =
        this.reason === 'interval' ? Math.min(this.stillIntervalMs * 2, this.redetectMaxIntervalMs) : this.redetectIntervalMs;
    } else {
      this.counts.skipped++;
    }
    return yes;
  }

  /** The reason behind the latest answer. */
  get lastReason(): GateReason {
    return this.reason;
  }

  /** Frames let through and skipped so far. */
  get stats(): { readonly detected: number; readonly skipped: number } {
    return { ...this.counts };
  }

  /** The wait before the next periodic re-detect if the scene stays still, ms. */
  get currentIntervalMs(): number {
    return this.stillIntervalMs;
  }

  /** Forgets the last detection time: the next frame is detected (e.g. after a camera restart). */
  reset(): void {
    this.lastDetectAt = undefined;
    this.stillIntervalMs = this.redetectIntervalMs;
  }

  private decide(motion: Motion, now: number): GateReason {
    if (this.lastDetectAt === undefined) return 'first';
    if (motion.regions.length > 0) return 'motion';
    if (motion.changed >= this.globalChangeFraction) return 'global-change';
    // A clock that steps backwards (NTP) must not silence the detector until it catches up.
    if (now - this.lastDetectAt >= this.stillIntervalMs || now < this.lastDetectAt) return 'interval';
    return 'idle';
  }
}
