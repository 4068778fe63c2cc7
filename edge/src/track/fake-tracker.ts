import type { Detection } from '../../../protocol/index.js';
import type { Detections, Track, Tracker, Tracks } from '../types.js';

/** Options of {@link createFakeTracker}. */
export interface FakeTrackerOptions {
  /**
   * Tracks to answer for a frame. Default: every detection becomes a confirmed track whose id is the
   * detection's own `trackId` when scripted, else its index + 1.
   */
  readonly script?: (detections: Detections) => readonly Track[];
}

/** A scripted {@link Tracker} for unit tests of later stages; it records what it was given. */
export interface FakeTracker extends Tracker {
  /** Every `update` input, in call order. */
  readonly calls: readonly Detections[];
  /** How often `reset` was called. */
  readonly resets: number;
}

/** Builds a fake tracker (see {@link FakeTrackerOptions.script} for its default answer). */
export function createFakeTracker(opts: FakeTrackerOptions = {}): FakeTracker {
  const calls: Detections[] = [];
  let resets = 0;
  const script = opts.script ?? oneTrackPerDetection;
  return {
    calls,
    get resets() {
      return resets;
    },
    update(detections: Detections): Tracks {
      calls.push(detections);
      return {
        cameraId: detections.cameraId,
        frameSeq: detections.frameSeq,
        capturedAt: detections.capturedAt,
        items: script(detections),
      };
    },
    reset() {
      resets++;
    },
  };
}

/** The default script: each detection is a confirmed, freshly matched track. */
export function oneTrackPerDetection(detections: Detections): Track[] {
  return detections.items.map((d: Detection, i) => ({
    id: d.trackId ?? i + 1,
    label: d.label,
    state: 'confirmed',
    box: { ...d.box },
    score: d.score,
    recentScores: [d.score],
    age: 0,
    hits: 1,
    lostFrames: 0,
    firstSeenAt: detections.capturedAt,
    lastSeenAt: detections.capturedAt,
  }));
}
