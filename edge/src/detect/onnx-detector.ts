import { performance } from 'node:perf_hooks';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { resolveWeights, verifyWeights, type ModelManifest } from '../../../models/manifest.js';
import type { Detections, Detector, Frame } from '../types.js';
import { classThresholds, type DecodeOptions, type ScoredBox } from './decode-common.js';
import { decodeYolov5 } from './decode-yolov5.js';
import { decodeYolov8 } from './decode-yolov8.js';
import { decodeYolox } from './decode-yolox.js';
import { nms, toDetections } from './nms.js';
import { createPreprocessor, letterboxGeometry, type PreprocessedFrame } from './preprocess.js';

/** The logging the detector does; a pino logger fits. */
export interface DetectLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/** Options of {@link createOnnxDetector}. */
export interface OnnxDetectorOptions {
  manifest: ModelManifest;
  /** Directory the manifest's `weights` path is relative to (usually `modelsDir()` from common/env). */
  modelsDir: string;
  /** onnxruntime intra-op threads; default 2. One 2-thread session beats two 1-thread sessions here. */
  intraOpThreads?: number;
  /** Replaces the manifest's default `scoreThreshold`; per-class thresholds still apply. */
  scoreThreshold?: number;
  /** Let onnxruntime's intra-op threads spin between runs (lower latency, much more CPU). Default false. */
  allowSpinning?: boolean;
  /** Check the weights' sha256 against the manifest before loading (default true; ~10-30 ms per start). */
  verifySha256?: boolean;
  logger?: DetectLogger;
}

/** Wall time of each step of the last `detect` call, ms. */
export interface DetectTimings {
  readonly preprocessMs: number;
  readonly runMs: number;
  readonly decodeMs: number;
}

/** The frame a prepared input came from: what its detections are labelled with. */
export type FrameRef = Pick<Frame, 'cameraId' | 'seq' | 'capturedAt'>;

/** A {@link Detector} backed by an onnxruntime-node CPU session. */
export interface OnnxDetector extends Detector {
  /**
   * Runs the model on an input already preprocessed elsewhere (a detector worker's caller prepares the
   * next frame while this one runs). `input` must stay untouched until the promise settles; `preprocessMs`
   * is what preparing it took, counted in the detections' `inferenceMs`. Serialised with `detect`.
   */
  detectPrepared(frame: FrameRef, input: PreprocessedFrame, preprocessMs: number): Promise<Detections>;
  /** Steps of the most recent `detect`, for status and benchmarks; undefined before the first. */
  readonly lastTimings: DetectTimings | undefined;
  /** Time the warm-up `session.run` took at start, ms (includes one-off allocations). */
  readonly warmupMs: number;
}

/**
 * Loads a model described by a manifest into an onnxruntime-node CPU session, checks the session's
 * input and output against the manifest, and warms it up with one zero tensor so the first real frame
 * does not pay for lazy initialisation. `detect` calls are serialised: onnxruntime sessions are not
 * meant for overlapping `run` calls and the preprocessing buffer is shared, so a second call waits for
 * the first. Callers that must not queue (the pipeline) should drop frames instead of awaiting many.
 */
export async function createOnnxDetector(opts: OnnxDetectorOptions): Promise<OnnxDetector> {
  const { manifest } = opts;
  const file = resolveWeights(manifest, opts.modelsDir);
  if (opts.verifySha256 ?? true) await verifyWeights(manifest, file);

  const threads = opts.intraOpThreads ?? 2;
  let session: InferenceSession;
  try {
    session = await InferenceSession.create(file, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      // onnxruntime's intra-op threads spin while waiting for work by default. On a small edge box that
      // spinning competes with the cameras' decoders: measured here, 75 inferences with 2 threads cost
      // 5.2 CPU-s spinning vs 2.0 CPU-s with 1 thread. Off, the threads sleep between inferences.
      extra: { session: { intra_op: { allow_spinning: opts.allowSpinning ? '1' : '0' } } },
    });
  } catch (err) {
    throw new Error(`cannot load model "${manifest.id}" from ${file}: ${(err as Error).message}`, { cause: err });
  }
  const { input, labels } = manifest;
  const pre = createPreprocessor(input);
  const tensor = new Tensor('float32', pre.buffer, [1, 3, input.height, input.width]);
  const thresholds = classThresholds(labels, opts.scoreThreshold ?? manifest.scoreThreshold, manifest.classThresholds);
  const nmsOpts = { iou: manifest.nms.iou, classAgnostic: manifest.nms.classAgnostic, maxDetections: manifest.maxDetections };
  const decode = selectDecoder(manifest);

  let warmupMs: number;
  try {
    checkSessionAgainstManifest(session, manifest);
    const t0 = performance.now();
    // The buffer is still all zeros here: a valid input, and it exercises every allocation once.
    const results = await session.run({ [input.name]: tensor });
    warmupMs = performance.now() - t0;
    // Decoding the warm-up output checks its layout against the manifest (family, class count) at start,
    // not on the first real frame.
    readOutput(results, manifest, (data, dims) => decode(data, dims, { thresholds, geometry: letterboxGeometry(input.width, input.height, input) }));
  } catch (err) {
    await session.release();
    throw err;
  }
  opts.logger?.info({ model: manifest.id, file, warmupMs: round2(warmupMs), threads }, 'detector ready');

  let closed = false;
  let queue: Promise<unknown> = Promise.resolve();
  let lastTimings: DetectTimings | undefined;

  async function runPrepared(frame: FrameRef, prepared: PreprocessedFrame, preprocessMs: number): Promise<Detections> {
    const [, , h, w] = prepared.dims;
    if (h !== input.height || w !== input.width || prepared.data.length !== pre.length) {
      throw new Error(`model "${manifest.id}" takes a ${input.width}x${input.height} input, got ${w}x${h} with ${prepared.data.length} values`);
    }
    const tRun = performance.now();
    // The in-thread path reuses one Tensor over the preprocessor's buffer; other buffers get a Tensor of their own (a thin wrapper).
    const feed = prepared.data === pre.buffer ? tensor : new Tensor('float32', prepared.data, prepared.dims);
    const results = await session.run({ [input.name]: feed });
    const tDecode = performance.now();
    const boxes = readOutput(results, manifest, (data, dims) => decode(data, dims, { thresholds, geometry: prepared.geometry }));
    const items = toDetections(nms(boxes, nmsOpts), labels);
    const end = performance.now();
    lastTimings = { preprocessMs, runMs: tDecode - tRun, decodeMs: end - tDecode };
    return {
      cameraId: frame.cameraId,
      frameSeq: frame.seq,
      capturedAt: frame.capturedAt,
      modelId: manifest.id,
      items,
      inferenceMs: round2(preprocessMs + end - tRun),
    };
  }

  async function detectNow(frame: Frame): Promise<Detections> {
    const start = performance.now();
    const prepared = await pre.run(frame);
    return runPrepared(frame, prepared, performance.now() - start);
  }

  /** Runs `fn` after every call before it: the session and the preprocessor's buffer are used one call at a time. */
  function serialised(fn: () => Promise<Detections>): Promise<Detections> {
    // Calls queued before close() still complete; close() waits for them before releasing the session.
    if (closed) return Promise.reject(new Error(`detector for model "${manifest.id}" is closed`));
    const result = queue.then(fn);
    // The queue only orders calls; each caller gets its own result or error from `result`.
    queue = result.catch(() => undefined);
    return result;
  }

  return {
    modelId: manifest.id,
    labels,
    warmupMs,
    get lastTimings() {
      return lastTimings;
    },
    detect: (frame) => serialised(() => detectNow(frame)),
    detectPrepared: (frame, prepared, preprocessMs) => serialised(() => runPrepared(frame, prepared, preprocessMs)),
    async close() {
      if (closed) return;
      closed = true;
      await queue;
      await session.release();
      opts.logger?.info({ model: manifest.id }, 'detector closed');
    },
  };
}

/** Hands the manifest's float32 output tensor to `use`, or fails naming the model and output. */
function readOutput<T>(
  results: InferenceSession.ReturnType,
  manifest: ModelManifest,
  use: (data: Float32Array, dims: readonly number[]) => T,
): T {
  const out = results[manifest.output.name];
  if (!out || out.type !== 'float32') {
    throw new Error(`model "${manifest.id}" gave no float32 output "${manifest.output.name}"`);
  }
  try {
    return use(out.data as Float32Array, out.dims);
  } catch (err) {
    throw new Error(`model "${manifest.id}": ${(err as Error).message}`, { cause: err });
  }
}

type Decoder = (data: Float32Array, dims: readonly number[], opts: DecodeOptions) => ScoredBox[];

function selectDecoder(manifest: ModelManifest): Decoder {
  const { output, input } = manifest;
  switch (output.family) {
    case 'yolox': {
      const strides = output.strides ?? [8, 16, 32];
      return (data, dims, o) => decodeYolox(data, dims, { ...o, strides, inputWidth: input.width, inputHeight: input.height });
    }
    case 'yolov5':
      return decodeYolov5;
    case 'yolov8':
      return decodeYolov8;
  }
}

/** Fails with a readable message when the ONNX file does not have the input/output the manifest says. */
function checkSessionAgainstManifest(session: InferenceSession, manifest: ModelManifest): void {
  const { input, output } = manifest;
  if (!session.inputNames.includes(input.name)) {
    throw new Error(`model "${manifest.id}": manifest input "${input.name}" is not in the ONNX inputs [${session.inputNames.join(', ')}]`);
  }
  if (!session.outputNames.includes(output.name)) {
    throw new Error(`model "${manifest.id}": manifest output "${output.name}" is not in the ONNX outputs [${session.outputNames.join(', ')}]`);
  }
  const meta = session.inputMetadata.find((m) => m.name === input.name);
  if (meta?.isTensor && meta.shape.length === 4) {
    const want = [1, 3, input.height, input.width];
    // Symbolic dims (strings) accept any size; only fixed numbers can contradict the manifest.
    const bad = meta.shape.some((d, i) => typeof d === 'number' && d !== want[i]);
    if (bad) {
      throw new Error(`model "${manifest.id}": ONNX input shape [${meta.shape.join(',')}] does not match the manifest [${want.join(',')}]`);
    }
  }
}

function round2(ms: number): number {
  return Math.round(ms * 100) / 100;
}
