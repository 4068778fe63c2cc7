import type { Detection } from '../../../protocol/index.js';
import type { Detections, Detector, Frame } from '../types.js';

/** What a {@link FakeDetector} answers: detections per frame seq, or a function of the frame. */
export type FakeScript = ReadonlyMap<number, readonly Detection[]> | ((frame: Frame) => readonly Detection[]);

/** Options of {@link createFakeDetector}. */
export interface FakeDetectorOptions {
  script: FakeScript;
  modelId?: string;
  labels?: readonly string[];
  /** Reported as `inferenceMs` and, when `delayMs` is not given, not waited. Default 1. */
  inferenceMs?: number;
  /** Real delay before answering, ms, for tests of back-pressure and frame dropping. */
  delayMs?: number;
}

/** A scripted {@link Detector} for unit tests of later stages; it records what it was given. */
export interface FakeDetector extends Detector {
  /** Every frame passed to `detect`, in call order. */
  readonly frames: readonly Frame[];
  readonly closed: boolean;
}

/**
 * Builds a fake detector. Frames whose seq is not in a map script get no detections. Detection
 * objects are copied so a stage that mutates its input cannot change the script.
 */
export function createFakeDetector(opts: FakeDetectorOptions): FakeDetector {
  const frames: Frame[] = [];
  let closed = false;
  const modelId = opts.modelId ?? 'fake';
  return {
    modelId,
    labels: opts.labels ?? ['person'],
    frames,
    get closed() {
      return closed;
    },
    async detect(frame) {
      if (closed) throw new Error('fake detector is closed');
      frames.push(frame);
      if (opts.delayMs !== undefined) await new Promise((r) => setTimeout(r, opts.delayMs));
      const scripted = typeof opts.script === 'function' ? opts.script(frame) : (opts.script.get(frame.seq) ?? []);
      const items = scripted.map((d) => ({ ...d, box: { ...d.box } }));
      return {
        cameraId: frame.cameraId,
        frameSeq: frame.seq,
        capturedAt: frame.capturedAt,
        modelId,
        items,
        inferenceMs: opts.inferenceMs ?? 1,
      } satisfies Detections;
    },
    async close() {
      closed = true;
    },
  };
}
