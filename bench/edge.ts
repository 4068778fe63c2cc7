/**
 * `npm run bench:edge`: the edge's efficiency figures, each measured side by side in this one run on this
 * machine, written to bench/results/edge.md and printed; the last line of output is one JSON object.
 *  1. detectionEfficiency = pipeline inferences/s ÷ bare onnxruntime-node inferences/s (same model, input, threads)
 *  2. captureOverhead     = capture CPU-s per frame ÷ `ffmpeg … -f null` CPU-s per frame on the same RTSP stream
 *  3. motionGatingRatio   = CPU on a static scene with motion gating ÷ without
 *  4. camerasAt5fps       = most simulated 768x432 cameras sustained at 5 analysed fps with no dropped frames
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { pino } from 'pino';
import { modelsDir, mediaDir, repoRoot } from '../common/env.js';
import { loadManifest } from '../models/manifest.js';
import { createPreprocessor } from '../edge/src/detect/preprocess.js';
import { benchCapacity, benchCaptureOverhead, benchDetectionInterleaved, benchMotionGating, DETECT_H, DETECT_W, type Slice } from './edge-parts.js';
import { decodeFrames } from './frame-bank.js';

const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
const MODEL = 'coco-yolox-nano';
const THREADS = Number(process.env.BENCH_THREADS ?? 2);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/**
 * Capture runs at 5 fps: a longer window than the other parts so the frame count and the 10 ms CPU ticks of
 * /proc are fine enough for a figure near 1 (30 s = 150 frames, ~0.9 CPU-s of ffmpeg).
 */
const CAPTURE_SECONDS = Number(process.env.BENCH_CAPTURE_SECONDS ?? Math.max(SECONDS, 30));
/** The gated side of the motion figure uses ~0.3 CPU-s per 10 s: a longer window keeps one stray burst from deciding it. */
const MOTION_SECONDS = Number(process.env.BENCH_MOTION_SECONDS ?? Math.max(SECONDS, 20));
const CLIP = path.join(mediaDir(), 'videos', 'intel-person-bicycle-car-gop1s-noaudio.ts');
const say = (s: string) => process.stderr.write(`[bench:edge] ${s}\n`);

/** A bare onnxruntime-node session on one preprocessed frame, run back to back for a slice at a time. */
async function bareRunner(frame: Buffer): Promise<{ slice: (ms: number) => Promise<Slice>; release: () => Promise<void> }> {
  const manifest = loadManifest(MODEL);
  const session = await InferenceSession.create(path.join(modelsDir(), manifest.weights), {
    intraOpNumThreads: THREADS,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    // The same session options as the edge's detector (edge/src/detect/onnx-detector.ts).
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  });
  const pre = createPreprocessor(manifest.input);
  await pre.run({ cameraId: 'bare', seq: 0, capturedAt: 0, width: DETECT_W, height: DETECT_H, data: frame });
  const feeds = { [manifest.input.name]: new Tensor('float32', pre.buffer, [1, 3, manifest.input.height, manifest.input.width]) };
  for (let i = 0; i < 5; i++) await session.run(feeds);
  return {
    async slice(ms: number) {
      let n = 0;
      const t0 = performance.now();
      while (performance.now() - t0 < ms) {
        await session.run(feeds);
        n++;
      }
      return { inferences: n, ms: performance.now() - t0 };
    },
    release: () => session.release(),
  };
}

/** `BENCH_ONLY=capacity` (or a comma list of detection,capture,motion,capacity) runs a subset while tuning. */
const ONLY = new Set((process.env.BENCH_ONLY ?? 'detection,capture,motion,capacity').split(','));

async function main(): Promise<void> {
  const started = new Date();
  const partial = ONLY.size < 4;
  if (partial) say(`only ${[...ONLY].join(', ')} (BENCH_ONLY): figures are printed, the results file is left as it is`);
  say(`model ${MODEL}, ${THREADS} intra-op threads, ${SECONDS} s per measurement, ${os.cpus().length} cores, cameras 768x432 decoded for detection at ${DETECT_W}x${DETECT_H}`);

  // Paired figures are measured in alternating rounds and the median ratio is reported: this machine is
  // shared, and a neighbour's burst during one long measurement would otherwise decide the figure.
  const detection = [];
  if (ONLY.has('detection')) {
    const bank = await decodeFrames(CLIP, DETECT_W, DETECT_H, 5, 60, logger);
    const slices = Math.round((ROUNDS * SECONDS) / 2);
    say(`1/4 detection efficiency: the pipeline vs bare onnxruntime-node on the same frames, ${slices} interleaved pairs of 2 s slices, ${ROUNDS} runs`);
    for (let r = 0; r < ROUNDS; r++) {
      const bare = await bareRunner(bank[25] ?? bank[0]!);
      try {
        const d = await benchDetectionInterleaved({ bank, model: MODEL, threads: THREADS, slices, sliceMs: 2000, logger, bareSlice: bare.slice });
        detection.push(d);
        say(`   run ${r + 1}: bare ${d.bare.toFixed(1)} inf/s, pipeline ${d.pipeline.toFixed(1)} inf/s → ${d.ratio.toFixed(3)}; main-thread max event-loop delay ${d.eventLoopMaxMs.toFixed(1)} ms`);
      } finally {
        await bare.release();
      }
    }
  }

  const capture = [];
  if (ONLY.has('capture')) {
    say(`2/4 capture overhead: CameraCapture vs ffmpeg -f null on the same RTSP stream, ${ROUNDS} rounds of ${CAPTURE_SECONDS} s each`);
    for (let r = 0; r < ROUNDS; r++) {
      const cap = await benchCaptureOverhead({ clip: CLIP, seconds: CAPTURE_SECONDS, logger, captureFirst: r % 2 === 0 });
      capture.push(cap);
      say(
        `   round ${r + 1}: capture ${(cap.captureCpuPerFrame * 1000).toFixed(2)} ms CPU/frame (${cap.captureFrames} frames; ffmpeg ${(cap.captureFfmpegCpuPerFrame * 1000).toFixed(2)}, edge process ${(cap.captureNodeCpuPerFrame * 1000).toFixed(2)}), ` +
          `ffmpeg null ${(cap.nullCpuPerFrame * 1000).toFixed(2)} ms CPU/frame (${cap.nullFrames} frames) → ${cap.ratio.toFixed(3)}`,
      );
    }
  }

  const motion = [];
  if (ONLY.has('motion')) {
    say(`3/4 motion gating: static scene (a frozen frame of real footage), CPU with gating vs without, ${ROUNDS} alternating rounds of ${MOTION_SECONDS} s each`);
    for (let r = 0; r < ROUNDS; r++) {
      const m = await benchMotionGating({ clip: CLIP, model: MODEL, threads: THREADS, seconds: MOTION_SECONDS, logger, gatedFirst: r % 2 === 1 });
      motion.push(m);
      say(
        `   round ${r + 1}: with gating ${m.cpuWith.toFixed(2)} CPU-s (${m.inferencesWith} inferences; ffmpeg ${m.ffmpegWith.toFixed(2)}, edge process ${m.nodeWith.toFixed(2)}), ` +
          `without ${m.cpuWithout.toFixed(2)} CPU-s (${m.inferencesWithout}; ffmpeg ${m.ffmpegWithout.toFixed(2)}, edge process ${m.nodeWithout.toFixed(2)}) → ${m.ratio.toFixed(3)}`,
      );
    }
  }

  let capacity: Awaited<ReturnType<typeof benchCapacity>> | undefined;
  if (ONLY.has('capacity')) {
    say('4/4 capacity: simulated 768x432 cameras at 5 analysed fps, no dropped frames');
    capacity = await benchCapacity({ clip: CLIP, model: MODEL, threads: THREADS, logger, say, from: Number(process.env.BENCH_CAPACITY_FROM ?? 4) });
    say(`   sustained ${capacity.cameras} cameras`);
  }

  const figures = {
    detectionEfficiency: detection.length ? round(median(detection.map((d) => d.ratio))) : undefined,
    captureOverhead: capture.length ? round(median(capture.map((c) => c.ratio))) : undefined,
    motionGatingRatio: motion.length ? round(median(motion.map((m) => m.ratio))) : undefined,
    camerasAt5fps: capacity?.cameras,
  };
  if (!partial) writeResults(started, figures as Record<string, number>, { detection, capture, motion, capacity });
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}

function writeResults(started: Date, figures: Record<string, number>, detail: Record<string, unknown>): void {
  const dir = path.join(repoRoot, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const text = [
    '# bench:edge results',
    '',
    `Measured ${started.toISOString()} by \`npm run bench:edge\` (BENCH_SECONDS=${SECONDS}, BENCH_ROUNDS=${ROUNDS}, BENCH_THREADS=${THREADS}, BENCH_DETECT_SIZE=${DETECT_W}x${DETECT_H}); each of the first three figures is the median of ${ROUNDS} runs.`,
    `Machine: ${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.type()} ${os.release()}.`,
    `Model ${MODEL}; footage ${path.basename(CLIP)} served by the GStreamer RTSP simulator.`,
    '',
    '| figure | value | goal |',
    '|---|---|---|',
    `| detectionEfficiency (pipeline ÷ bare inferences/s) | ${figures.detectionEfficiency} | ≥ 0.95 |`,
    `| captureOverhead (capture ÷ ffmpeg -f null CPU per frame) | ${figures.captureOverhead} | ≤ 1.15 |`,
    `| motionGatingRatio (static scene CPU, gated ÷ ungated) | ${figures.motionGatingRatio} | ≤ 0.25 |`,
    `| camerasAt5fps | ${figures.camerasAt5fps} | ≥ 8 |`,
    '',
    'How each figure is taken:',
    `- detection efficiency: per run, ${Math.round((ROUNDS * SECONDS) / 2)} pairs of 2 s slices alternating between the whole pipeline on its defaults`,
    '  (frames preprocessed on the main thread, two frames of the camera in analysis so the worker has the next while it runs one;',
    '  worker detector, tracker, rules, outbox; frames of the footage fed as fast as it takes them) and a bare onnxruntime-node session with the same',
    '  model, threads and session options on one preprocessed frame of the same footage; the figure of a run is the ratio of the',
    "  two sides' total inferences per second. The pipeline pauses between its slices by holding back its next frame.",
    `- capture overhead: per round, ${CAPTURE_SECONDS} s of the edge's camera source (CameraCapture through its FIFO into the latest-frame`,
    '  slot, each frame handed back when the next is taken) and of `ffmpeg … -f null` with the same input options,',
    '  filters and pixel format, each after 10 s of settling, in alternating order. Capture CPU = its ffmpeg + what it adds to the',
    "  bench process (the process's CPU in the capture window minus its CPU in the null window). Frames of the null run come from",
    '  `-progress` written to a file every 0.1 s.',
    `- motion gating: per round, ${MOTION_SECONDS} s of the whole edge pipeline (capture, quality, motion, detector worker, tracker, rules,`,
    '  outbox) on a still RTSP camera (one frame of real footage encoded as a 1 s-GOP stream), with and without gating, each after',
    '  10 s of settling, in alternating order; CPU = capture ffmpeg + the bench process (all its threads).',
    '',
    'Batching across cameras: not applicable with the models here — every ONNX file in the models directory',
    'has a fixed batch dimension of 1 (read from `session.inputMetadata`), so frames of several cameras cannot',
    'share one `session.run`.',
    '',
    '## Raw measurements',
    '',
    '```json',
    JSON.stringify(detail, null, 2),
    '```',
    '',
  ].join('\n');
  writeFileSync(path.join(dir, 'edge.md'), text);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:edge failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
