import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { modelsDir } from '../common/env.js';
import { loadManifest } from '../models/manifest.js';
import { buildCaptureArgs, FfmpegProcess } from '../edge/src/capture/index.js';
import { parseEdgeConfig, type EdgeConfig } from '../edge/src/config.js';
import { createWorkerDetector } from '../edge/src/detect/worker-detector.js';
import { ffmpegSource } from '../edge/src/edge-node.js';
import { openSqliteOutbox } from '../edge/src/outbox/index.js';
import { startPipeline, type CameraSource, type UplinkPort } from '../edge/src/pipeline.js';
import type { DetectorWithInput, Frame } from '../edge/src/types.js';
import { startCameraSimulator, type CameraSimulator } from '../streams/simulator.js';
import { descendantsCpu, selfCpu } from './proc-cpu.js';
import { replaySource } from './frame-bank.js';

/**
 * Size the cameras are decoded to for detection (`BENCH_DETECT_SIZE`, default 416x234: YOLOX-Nano's letterbox, as a detect sub-stream would be). The
 * cameras themselves always stream 768x432.
 */
const [DETECT_W, DETECT_H] = (process.env.BENCH_DETECT_SIZE ?? '416x234').split('x').map(Number) as [number, number];

/** The uplink is not under test here: messages stay in the (real) outbox. */
const noUplink: UplinkPort = { start() {}, notify() {}, async sendHeartbeat() {}, async stop() {} };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function benchConfig(dataDir: string, cameras: { id: string; url: string }[], model: string, threads: number, motion: boolean): EdgeConfig {
  return parseEdgeConfig(
    {
      edgeId: 'bench',
      dataDir,
      cloud: { url: 'http://127.0.0.1:9', token: 'bench-token-not-used' },
      models: { dir: modelsDir(), intraOpThreads: threads },
      cameras: cameras.map((c) => ({
        id: c.id,
        name: c.id,
        url: c.url,
        detect: { width: DETECT_W, height: DETECT_H, fps: 5 },
        models: [model],
        motion: { enabled: motion },
        rules: [{ id: 'people', type: 'presence', classes: ['person'] }],
      })),
    },
    'bench',
    { env: {} },
  );
}

/** Inferences of a pipeline under test: completed ones per camera, and how many are running now. */
class InferenceCounter {
  private readonly done = new Map<string, number>();
  running = 0;

  completed(cameraId: string): number {
    return this.done.get(cameraId) ?? 0;
  }

  /** The detector, counting each inference as it starts and ends. */
  wrap(d: DetectorWithInput): DetectorWithInput {
    return {
      modelId: d.modelId,
      labels: d.labels,
      inputWidth: d.inputWidth,
      inputHeight: d.inputHeight,
      detect: async (frame: Frame) => {
        this.running += 1;
        try {
          const r = await d.detect(frame);
          this.done.set(frame.cameraId, this.completed(frame.cameraId) + 1);
          return r;
        } finally {
          this.running -= 1;
        }
      },
      close: () => d.close(),
    };
  }
}

async function runPipeline(opts: {
  config: EdgeConfig;
  createSource: (cameraId: string) => CameraSource;
  model: string;
  threads: number;
  logger: Logger;
  counter: InferenceCounter;
}) {
  const manifest = loadManifest(opts.model);
  const outbox = openSqliteOutbox(opts.config.dataDir);
  const pipeline = await startPipeline(opts.config, {
    createSource: (camera) => opts.createSource(camera.id),
    createDetector: async () => opts.counter.wrap(await createWorkerDetector({ manifest, modelsDir: modelsDir(), intraOpThreads: opts.threads })),
    outbox,
    uplink: noUplink,
    logger: opts.logger,
    version: 'bench',
  });
  return {
    pipeline,
    async stop() {
      await pipeline.stop();
      outbox.close();
    },
  };
}

export { DETECT_W, DETECT_H };

/** A slice of work on one side of a paired measurement: inferences completed and the milliseconds they took. */
export interface Slice {
  readonly inferences: number;
  readonly ms: number;
}

/**
 * Detection efficiency measured in interleaved slices: the whole pipeline (worker detector, tracker,
 * rules, outbox) fed real frames as fast as it takes them, and `bareSlice` (bare onnxruntime-node on the
 * same model, input and threads), alternate every `sliceMs` for `slices` pairs; the figure is the ratio of
 * the two totals. Short alternating slices put both sides under the same load from the rest of this shared
 * machine, which drifts over tens of seconds (bare rates of 53 to 67 inferences/s in one run of 10 s rounds).
 * The pipeline is paused between its slices by holding back its next frame; a slice ends when the
 * inferences in flight have finished, and they and their time are counted.
 */
export async function benchDetectionInterleaved(o: {
  bank: readonly Buffer[];
  model: string;
  threads: number;
  slices: number;
  sliceMs: number;
  logger: Logger;
  bareSlice: (ms: number) => Promise<Slice>;
}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-pipe-'));
  const counter = new InferenceCounter();
  const config = benchConfig(dir, [{ id: 'cam-1', url: 'rtsp://127.0.0.1/replay' }], o.model, o.threads, false);
  let paused = false;
  let waiting = false;
  let resume: (() => void) | undefined;
  const pausable = (id: string): CameraSource => {
    const inner = replaySource(id, o.bank, DETECT_W, DETECT_H);
    return {
      ...inner,
      async next() {
        while (paused) {
          waiting = true;
          await new Promise<void>((r) => (resume = r));
        }
        waiting = false;
        return inner.next();
      },
    };
  };
  const run = await runPipeline({ config, createSource: pausable, model: o.model, threads: o.threads, logger: o.logger, counter });
  // The main thread's responsiveness while the pipeline runs: how late a 5 ms timer fires at worst.
  // (A histogram across slices would count the bare slices' time as one long delay.)
  let eventLoopMaxMs = 0;
  const watchEventLoop = () => {
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      eventLoopMaxMs = Math.max(eventLoopMaxMs, now - last - 5);
      last = now;
    }, 5);
    return () => clearInterval(timer);
  };
  const inferences = () => counter.completed('cam-1');
  const pipelineSlice = async (): Promise<Slice> => {
    const n0 = inferences();
    const t0 = performance.now();
    paused = false;
    resume?.();
    const unwatch = watchEventLoop();
    await sleep(o.sliceMs);
    paused = true;
    waiting = false;
    // Paused once the loop waits for its next frame and the frames it has in flight are detected.
    while (!waiting || counter.running > 0) await sleep(1);
    unwatch();
    return { inferences: inferences() - n0, ms: performance.now() - t0 };
  };
  try {
    await sleep(3000); // warm-up: first frames, JIT
    await pipelineSlice();
    eventLoopMaxMs = 0;
    await o.bareSlice(1000);
    const pairs: { pipeline: Slice; bare: Slice }[] = [];
    for (let i = 0; i < o.slices; i++) {
      // Alternating which side goes first, so neither always follows the other.
      if (i % 2 === 0) {
        const pipeline = await pipelineSlice();
        pairs.push({ pipeline, bare: await o.bareSlice(o.sliceMs) });
      } else {
        const bare = await o.bareSlice(o.sliceMs);
        pairs.push({ pipeline: await pipelineSlice(), bare });
      }
    }
    const rate = (side: 'pipeline' | 'bare') => {
      const n = pairs.reduce((sum, p) => sum + p[side].inferences, 0);
      const ms = pairs.reduce((sum, p) => sum + p[side].ms, 0);
      return (n * 1000) / ms;
    };
    const pipeline = rate('pipeline');
    const bare = rate('bare');
    return { pipeline, bare, ratio: pipeline / bare, pairs, eventLoopMaxMs };
  } finally {
    paused = false;
    resume?.();
    await run.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** CPU-seconds of this process's ffmpeg children so far, except the simulator's feeders (ffmpeg children too). */
function edgeFfmpegCpu(sim: CameraSimulator): number {
  const feeders = new Set(Object.values(sim.pids().feeders).filter((p): p is number => p !== undefined));
  return descendantsCpu(process.pid, 'ffmpeg', feeders);
}

/**
 * How long a measurement waits after something starts (the simulator, a capture, a pipeline): V8 runs
 * full collections a few seconds after a burst of start-up allocation (measured here: 50–80 ms of CPU
 * 5–8 s after the simulator starts), which belong to start-up, not to the steady state being measured.
 */
const SETTLE_MS = 10_000;

/**
 * CPU per frame of the production capture vs ffmpeg decoding the same stream to `-f null`.
 *
 * The capture side is its ffmpeg plus what the capture adds to this process: the process's own CPU over
 * the window minus its CPU over an equal window of the null run, when it does nothing for the video
 * (its other work — the simulator's supervision, timers — goes on in both). The null run reports its
 * frame count to a progress file every 0.1 s, so counting its frames costs this process nothing.
 * `captureFirst` alternates the order between rounds, so neither side always follows start-up.
 */
export async function benchCaptureOverhead(o: { clip: string; seconds: number; logger: Logger; captureFirst: boolean }) {
  const sim = await startCameraSimulator({ cameras: [{ name: 'cap', clip: o.clip }], logger: o.logger });
  const url = sim.urls.cap ?? '';
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-capture-'));
  const ffmpegCpu = () => edgeFfmpegCpu(sim);
  /** Frames, ffmpeg CPU and this process's CPU over one window, `settle` after `start`. */
  const window = async (start: () => { frames: () => number; stop: () => Promise<unknown> }) => {
    const run = start();
    await sleep(SETTLE_MS);
    const f0 = run.frames();
    const c0 = ffmpegCpu();
    const s0 = selfCpu();
    await sleep(o.seconds * 1000);
    const result = { frames: run.frames() - f0, ffmpeg: ffmpegCpu() - c0, process: selfCpu() - s0 };
    await run.stop();
    return result;
  };
  // Production path: the edge's camera source (CameraCapture → latest-frame slot), taken frame by frame and
  // each frame handed back to its buffer pool once the next one is taken.
  const production = () => {
    const [camera] = benchConfig(path.join(dir, 'capture'), [{ id: 'cap', url }], 'coco-yolox-nano', 1, false).cameras;
    if (!camera) throw new Error('bench config has no camera');
    const source = ffmpegSource(camera, o.logger);
    let frames = 0;
    source.start();
    const consumer = (async () => {
      let previous: Frame | undefined;
      for (let f = await source.next(); f; f = await source.next()) {
        frames += 1;
        if (previous) source.release?.(previous);
        previous = f;
      }
    })();
    return {
      frames: () => frames,
      async stop() {
        await source.stop();
        await consumer;
      },
    };
  };
  // Baseline: the same input options, filters and pixel format, written to ffmpeg's null muxer.
  const baseline = () => {
    const args = buildCaptureArgs({ input: url, width: DETECT_W, height: DETECT_H, fps: 5 });
    const out = args.lastIndexOf('-f');
    const progress = path.join(dir, `null-${Date.now()}.progress`);
    const proc = FfmpegProcess.spawn({ args: [...args.slice(0, out), '-progress', progress, '-stats_period', '0.1', '-f', 'null', '-'], logger: o.logger });
    return {
      frames: () => {
        const text = existsSync(progress) ? readFileSync(progress, 'utf8') : '';
        return Number([...text.matchAll(/frame=(\d+)/g)].at(-1)?.[1] ?? 0);
      },
      stop: () => proc.stop(),
    };
  };
  try {
    await sleep(SETTLE_MS);
    const first = await window(o.captureFirst ? production : baseline);
    const second = await window(o.captureFirst ? baseline : production);
    const [cap, nul] = o.captureFirst ? [first, second] : [second, first];
    const captureNodeCpu = Math.max(0, cap.process - nul.process);
    const captureCpu = cap.ffmpeg + captureNodeCpu;
    const perFrame = (cpu: number, frames: number) => cpu / Math.max(frames, 1);
    return {
      captureFirst: o.captureFirst,
      captureFrames: cap.frames,
      captureCpu,
      captureFfmpegCpuPerFrame: perFrame(cap.ffmpeg, cap.frames),
      captureNodeCpuPerFrame: perFrame(captureNodeCpu, cap.frames),
      processCpu: cap.process,
      idleProcessCpu: nul.process,
      nullFrames: nul.frames,
      nullCpu: nul.ffmpeg,
      captureCpuPerFrame: perFrame(captureCpu, cap.frames),
      nullCpuPerFrame: perFrame(nul.ffmpeg, nul.frames),
      ratio: perFrame(captureCpu, cap.frames) / perFrame(nul.ffmpeg, nul.frames),
    };
  } finally {
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Encodes a static clip: one frame of real footage held still, as an IP camera would send it (1 s GOP). */
async function freezeFrameClip(clip: string, dir: string, logger: Logger): Promise<string> {
  const png = path.join(dir, 'frame.png');
  const out = path.join(dir, 'static.ts');
  await FfmpegProcess.spawn({ args: ['-hide_banner', '-loglevel', 'error', '-ss', '10', '-i', clip, '-frames:v', '1', '-y', png], logger }).exited;
  await FfmpegProcess.spawn({
    args: ['-hide_banner', '-loglevel', 'error', '-loop', '1', '-framerate', '12', '-i', png, '-t', '20', '-c:v', 'libx264', '-preset', 'veryfast', '-g', '12', '-bf', '0', '-pix_fmt', 'yuv420p', '-f', 'mpegts', '-y', out],
    logger,
  }).exited;
  return out;
}

/** CPU of the edge (capture ffmpeg + this process) on a static scene, with and without motion gating. */
export async function benchMotionGating(o: { clip: string; model: string; threads: number; seconds: number; logger: Logger; gatedFirst: boolean }) {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-motion-'));
  const staticClip = await freezeFrameClip(o.clip, dir, o.logger);
  const sim = await startCameraSimulator({ cameras: [{ name: 'still', clip: staticClip }], logger: o.logger });
  const ffmpegCpu = () => edgeFfmpegCpu(sim);
  const measure = async (motion: boolean) => {
    const counter = new InferenceCounter();
    const config = benchConfig(path.join(dir, motion ? 'with' : 'without'), [{ id: 'still', url: sim.urls.still ?? '' }], o.model, o.threads, motion);
    const run = await runPipeline({ config, createSource: (id) => ffmpegSource(config.cameras.find((c) => c.id === id)!, o.logger), model: o.model, threads: o.threads, logger: o.logger, counter });
    await sleep(SETTLE_MS); // past start-up (see SETTLE_MS) and the motion background settling
    const f0 = ffmpegCpu();
    const s0 = selfCpu();
    const n0 = counter.completed('still');
    await sleep(o.seconds * 1000);
    const ffmpeg = ffmpegCpu() - f0;
    const node = selfCpu() - s0;
    const inferences = (counter.completed('still')) - n0;
    await run.stop();
    return { cpu: ffmpeg + node, ffmpeg, node, inferences };
  };
  try {
    await sleep(SETTLE_MS);
    const first = await measure(o.gatedFirst);
    const second = await measure(!o.gatedFirst);
    const [withGating, without] = o.gatedFirst ? [first, second] : [second, first];
    return {
      cpuWith: withGating.cpu,
      cpuWithout: without.cpu,
      ffmpegWith: withGating.ffmpeg,
      nodeWith: withGating.node,
      ffmpegWithout: without.ffmpeg,
      nodeWithout: without.node,
      inferencesWith: withGating.inferences,
      inferencesWithout: without.inferences,
      ratio: withGating.cpu / without.cpu,
    };
  } finally {
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One capacity trial: n simulated cameras of real footage, each analysed at 5 fps; sustained when none drops a frame. */
async function capacityTrial(n: number, o: { clip: string; model: string; threads: number; logger: Logger; warmupMs: number; windowMs: number }) {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-cap-'));
  const names = Array.from({ length: n }, (_, i) => `cam-${i + 1}`);
  const sim = await startCameraSimulator({ cameras: names.map((name) => ({ name, clip: o.clip })), logger: o.logger });
  const counter = new InferenceCounter();
  const config = benchConfig(dir, names.map((id) => ({ id, url: sim.urls[id] ?? '' })), o.model, o.threads, false);
  const run = await runPipeline({ config, createSource: (id) => ffmpegSource(config.cameras.find((c) => c.id === id)!, o.logger), model: o.model, threads: o.threads, logger: o.logger, counter });
  try {
    await sleep(o.warmupMs);
    const before = new Map(run.pipeline.status().map((s) => [s.cameraId, { dropped: s.droppedFrames, analysed: counter.completed(s.cameraId) }]));
    const t0 = performance.now();
    await sleep(o.windowMs);
    const secs = (performance.now() - t0) / 1000;
    const per = run.pipeline.status().map((s) => {
      const b = before.get(s.cameraId);
      return {
        camera: s.cameraId,
        state: s.state,
        analysedFps: ((counter.completed(s.cameraId)) - (b?.analysed ?? 0)) / secs,
        dropped: s.droppedFrames - (b?.dropped ?? 0),
      };
    });
    const minFps = Math.min(...per.map((p) => p.analysedFps));
    const dropped = per.reduce((s, p) => s + p.dropped, 0);
    // 5 fps nominal: allow 5 % for frame timing at the window edges, never a single dropped frame.
    return { cameras: n, minFps, dropped, sustained: dropped === 0 && minFps >= 4.75 && per.every((p) => p.state === 'streaming') };
  } finally {
    await run.stop();
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Adds cameras two at a time until a trial is not sustained; returns the largest sustained count. */
export async function benchCapacity(o: { clip: string; model: string; threads: number; logger: Logger; say: (s: string) => void; from?: number }) {
  const trials = [];
  let best = 0;
  for (let n = o.from ?? 4; n <= 16; n += 2) {
    const t = await capacityTrial(n, { ...o, warmupMs: 8000, windowMs: 20_000 });
    trials.push(t);
    o.say(`   ${n} cameras: min ${t.minFps.toFixed(2)} analysed fps, ${t.dropped} dropped → ${t.sustained ? 'sustained' : 'not sustained'}`);
    if (!t.sustained) break;
    best = n;
  }
  return { cameras: best, trials };
}
