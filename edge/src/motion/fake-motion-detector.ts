import type { Frame, Motion, MotionDetector, MotionRegion } from '../types.js';

/** What a {@link FakeMotionDetector} answers: regions per frame seq, or a function of the frame. */
export type FakeMotionScript = ReadonlyMap<number, readonly MotionRegion[]> | ((frame: Frame) => readonly MotionRegion[]);

/** A scripted {@link MotionDetector} for unit tests of later stages; it records what it was given. */
export interface FakeMotionDetector extends MotionDetector {
  /** Every frame passed to `process`, in call order. */
  readonly frames: readonly Frame[];
  readonly resets: number;
}

/**
 * Builds a fake motion detector. Frames whose seq is not in a map script have no motion; `changed`
 * is the regions' total area (capped at 1), a stand-in good enough for gate tests.
 */
export function createFakeMotionDetector(script: FakeMotionScript): FakeMotionDetector {
  const frames: Frame[] = [];
  let resets = 0;
  return {
    frames,
    get resets() {
      return resets;
    },
    process(frame: Frame): Motion {
      frames.push(frame);
      const regions = typeof script === 'function' ? script(frame) : (script.get(frame.seq) ?? []);
      const changed = Math.min(1, regions.reduce((s, r) => s + r.box.w * r.box.h * r.fill, 0));
      return { cameraId: frame.cameraId, frameSeq: frame.seq, changed, regions: regions.map((r) => ({ ...r, box: { ...r.box } })) };
    },
    reset() {
      resets++;
    },
  };
}
