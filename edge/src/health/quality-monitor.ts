import type { QualityIssue, QualityIssueKind } from '../../../protocol/index.js';
import type { Frame } from '../types.js';
import { FrameAnalyser, type QualityMetrics } from './frame-analyser.js';
import { IssueState } from './issue-state.js';
import { resolveQualityOptions, type QualityMonitorOptions, type ResolvedQualityOptions } from './quality-options.js';

/** A camera's picture quality as last measured: what `CameraStatus.quality` is made from. */
export interface QualityReport {
  /** Raised issues, in the protocol's kind order; empty when all is well or the data is stale. */
  readonly issues: readonly QualityIssue[];
  /** Metrics of the last analysed sample; undefined before the first one. */
  readonly metrics: QualityMetrics | undefined;
  /** Frame time of the last analysed sample, epoch ms. */
  readonly sampledAt: number | undefined;
}

/** Stage interface of the video quality diagnosis: one per camera, fed with every captured frame. */
export interface QualityDiagnosis {
  /**
   * Looks at a frame; returns true when it was analysed (at most one per sample interval).
   * @throws RangeError when the frame's data is not a packed RGB24 image of its size
   */
  observe(frame: Frame): boolean;
  /** The current report; `now` decides staleness. */
  snapshot(now?: number): QualityReport;
  /** Forgets all state, e.g. when the camera's source changes. */
  reset(): void;
}

/** Issue kinds in report order (the protocol's order); the Record type makes the list complete. */
const KIND_ORDER: Record<QualityIssueKind, number> = {
  black: 0,
  frozen: 1,
  blurred: 2,
  covered: 3,
  colour_cast: 4,
  overexposed: 5,
};
const KINDS = (Object.keys(KIND_ORDER) as QualityIssueKind[]).sort((a, b) => KIND_ORDER[a] - KIND_ORDER[b]);

/**
 * Video quality diagnosis (视频质量诊断) of one camera from the frames the edge already decodes:
 * black screen, frozen picture, blur, covered lens, colour cast and overexposure, each with hysteresis
 * (see {@link IssueState}) so an issue is neither raised by a passing moment nor flaps.
 *
 * Cost: at most one frame per `sampleIntervalMs` is analysed, on a 320-pixel-wide grey image (about
 * 1 ms on one core here, whatever the frame size); every other frame costs one comparison. Time is
 * the frames' `capturedAt`, so the monitor can be driven from recorded footage.
 *
 * The conditions exclude each other where one makes another meaningless: a black, covered or
 * overexposed picture has no detail to be sharp or to change, so it is never also reported blurred or
 * frozen; a black picture has no colour to be cast.
 */
export class QualityMonitor implements QualityDiagnosis {
  /** The options in force, defaults filled in. */
  readonly options: ResolvedQualityOptions;
  private readonly analyser: FrameAnalyser;
  private readonly states: ReadonlyMap<QualityIssueKind, IssueState>;
  private nextSampleAt: number | undefined;
  private lastFrameAt: number | undefined;
  private lastSampleAt: number | undefined;
  private lastMetrics: QualityMetrics | undefined;
  /** Frame time of the analyser's reference sample: the start of a possible freeze. */
  private referenceAt: number | undefined;

  /** @throws RangeError for out-of-range options (see {@link resolveQualityOptions}) */
  constructor(opts: QualityMonitorOptions = {}) {
    this.options = resolveQualityOptions(opts);
    const o = this.options;
    this.analyser = new FrameAnalyser(o.analysisWidth);
    this.states = new Map(
      KINDS.map((kind) => [kind, new IssueState(kind === 'frozen' ? o.frozenAfterMs : o.raiseAfterMs, o.clearAfterMs)]),
    );
  }

  observe(frame: Frame): boolean {
    const at = frame.capturedAt;
    if (this.lastFrameAt !== undefined) {
      const gap = at - this.lastFrameAt;
      // A stall, a restart or a clock step: comparisons across the gap would be meaningless.
      if (gap < 0 || gap > this.options.staleAfterMs) this.reset();
    }
    this.lastFrameAt = at;
    if (this.nextSampleAt !== undefined && at < this.nextSampleAt) return false;
    // A fixed schedule rather than "interval since the last sample": with 3 fps and a 1000 ms interval
    // the latter would drift to one sample per 1333 ms. After falling behind, it restarts from now.
    const interval = this.options.sampleIntervalMs;
    const scheduled = (this.nextSampleAt ?? at) + interval;
    this.nextSampleAt = scheduled > at ? scheduled : at + interval;
    this.analyse(frame, at);
    return true;
  }

  snapshot(now: number = Date.now()): QualityReport {
    const at = this.lastSampleAt;
    const fresh = at !== undefined && now - at <= this.options.staleAfterMs;
    const issues: QualityIssue[] = [];
    if (fresh) {
      for (const kind of KINDS) {
        const state = this.states.get(kind);
        const since = state?.since;
        if (state === undefined || since === undefined) continue;
        issues.push({ kind, since: Math.round(since), value: round3(state.value) });
      }
    }
    return { issues, metrics: this.lastMetrics, sampledAt: at };
  }

  reset(): void {
    this.analyser.reset();
    for (const state of this.states.values()) state.reset();
    this.nextSampleAt = undefined;
    this.lastFrameAt = undefined;
    this.lastSampleAt = undefined;
    this.lastMetrics = undefined;
    this.referenceAt = undefined;
  }

  private analyse(frame: Frame, at: number): void {
    const o = this.options;
    const m = this.analyser.measure(frame);
    this.lastMetrics = m;
    this.lastSampleAt = at;

    const black = m.luma <= o.blackMaxLuma && m.contrast <= o.blackMaxContrast;
    const overexposed = m.luma >= o.overexposedMinLuma;
    const covered = !black && !overexposed && m.contrast <= o.coveredMaxContrast && m.edges <= o.coveredMaxEdges;
    const detailed = !black && !covered && !overexposed;
    this.update('black', black, at, m.luma);
    this.update('overexposed', overexposed, at, m.luma);
    this.update('covered', covered, at, m.contrast);
    this.update('blurred', detailed && m.sharpness < o.blurMaxSharpness, at, m.sharpness);
    this.update('colour_cast', !black && m.cast >= o.castMinOffset && m.castRatio >= o.castMinRatio, at, m.cast);
    this.updateFrozen(detailed, at);
  }

  /**
   * Frozen compares with a reference sample held since the picture last changed, not only with the
   * previous sample: slow changes (daylight, a creeping shadow) stay under the threshold from one second
   * to the next but add up against a reference, and they prove the picture is live.
   */
  private updateFrozen(detailed: boolean, at: number): void {
    if (!detailed) {
      this.analyser.clearReference();
      this.referenceAt = undefined;
      this.update('frozen', false, at, 0);
      return;
    }
    const diff = this.analyser.diffFromReference();
    if (diff !== undefined && this.referenceAt !== undefined && diff <= this.options.frozenMaxDiff) {
      this.update('frozen', true, at, diff, this.referenceAt);
      return;
    }
    this.analyser.setReference();
    this.referenceAt = at;
    this.update('frozen', false, at, 0);
  }

  private update(kind: QualityIssueKind, present: boolean, at: number, value: number, onsetAt?: number): void {
    this.states.get(kind)?.update(present, at, value, onsetAt);
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
