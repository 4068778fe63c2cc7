import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { modelsDir } from '../common/env.js';
import { loadManifest } from '../models/manifest.js';
import { buildCaptureArgs, CameraCapture, FfmpegProcess, LatestFrameSlot } from '../edge/src/capture/index.js';
import { parseEdgeConfig, type EdgeConfig } from '../edge/src/config.js';
import { createWorkerDetector } from '../edge/src/detect/worker-detector.js';
import { ffmpegSource } from '../edge/src/edge-node.js';
import { openSqliteOutbox } from '../edge/src/outbox/index.js';
import { startPipeline, type CameraSource, type UplinkPort } from '../edge/src/pipeline.js';
import type { DetectorWithInput, Frame } from '../edge/src/types.js';
import { startCameraSimulator } from '../streams/simulator.js';
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

/** Detector wrapper counting completed inferences per camera. */
function counting(d: DetectorWithInput, counts: Map<string, number>): DetectorWithInput {
  return {
    modelId: d.modelId,
    labels: d.labels,
    inputWidth: d.inputWidth,
    inputHeight: d.inputHeight,
    async detect(frame: Frame) {
      const r = await d.detect(frame);
      counts.set(frame.cameraId, (counts.get(frame.cameraId) ?? 0) + 1);
      return r;
    },
    close: () => d.close(),
  };
}

async function runPipeline(opts: {
  config: EdgeConfig;
  createSource: (cameraId: string) => CameraSource;
  model: string;
  threads: number;
  logger: Logger;
  counts: Map<string, number>;
}) {
  const manifest = loadManifest(opts.model);
  const outbox = openSqliteOutbox(opts.config.dataDir);
  const pipeline = await startPipeline(opts.config, {
    createSource: (camera) => opts.createSource(camera.id),
    createDetector: async () => counting(await createWorkerDetector({ manifest, modelsDir: modelsDir(), intraOpThreads: opts.threads }), opts.counts),
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

/** Inferences/s of the whole pipeline (worker detector, tracker, rules) fed real frames as fast as it takes them. */
export { DETECT_W, DETECT_H };

export async function benchPipelineRate(o: { bank: readonly Buffer[]; model: string; threads: number; seconds: number; logger: Logger }) {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-pipe-'));
  const counts = new Map<string, number>();
  const config = benchConfig(dir, [{ id: 'cam-1', url: 'rtsp://127.0.0.1/replay' }], o.model, o.threads, false);
  const run = await runPipeline({ config, createSource: (id) => replaySource(id, o.bank, DETECT_W, DETECT_H), model: o.model, threads: o.threads, logger: o.logger, counts });
  await sleep(3000); // warm-up: first frames, JIT
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const n0 = counts.get('cam-1') ?? 0;
  const t0 = performance.now();
  await sleep(o.seconds * 1000);
  const n = (counts.get('cam-1') ?? 0) - n0;
  const inferencesPerSecond = (n * 1000) / (performance.now() - t0);
  loop.disable();
  await run.stop();
  rmSync(dir, { recursive: true, force: true });
  return { inferencesPerSecond, inferences: n, eventLoopMaxMs: loop.max / 1e6, eventLoopP99Ms: loop.percentile(99) / 1e6 };
}

/** CPU per frame of the production capture vs ffmpeg decoding the same stream to `-f null`. */
export async function benchCaptureOverhead(o: { clip: string; seconds: number; logger: Logger }) {
  const sim = await startCameraSimulator({ cameras: [{ name: 'cap', clip: o.clip }], logger: o.logger });
  const url = sim.urls.cap ?? '';
  // The simulator's feeders are ffmpeg children of this process too: leave them out.
  const feeders = () => new Set(Object.values(sim.pids().feeders).filter((p): p is number => p !== undefined));
  const ffmpegCpu = () => descendantsCpu(process.pid, 'ffmpeg', feeders());
  try {
    // Production path: CameraCapture → latest-frame slot → a consumer taking every frame.
    const slot = new LatestFrameSlot<Frame>();
    const capture = new CameraCapture({ cameraId: 'cap', url, width: DETECT_W, height: DETECT_H, fps: 5, sink: slot, logger: o.logger });
    capture.start();
    let stop = false;
    const consumer = (async () => {
      while (!stop) if (!(await slot.take())) break;
    })();
    await sleep(3000);
    const f0 = capture.stats().frames;
    const c0 = ffmpegCpu() + selfCpu();
    await sleep(o.seconds * 1000);
    const captureFrames = capture.stats().frames - f0;
    const captureCpu = ffmpegCpu() + selfCpu() - c0;
    stop = true;
    await capture.stop();
    slot.close();
    await consumer;

    // Baseline: the same input options, filters and pixel format, written to ffmpeg's null muxer.
    const args = buildCaptureArgs({ input: url, width: DETECT_W, height: DETECT_H, fps: 5 });
    const out = args.lastIndexOf('-f');
    const nullArgs = [...args.slice(0, out), '-progress', 'pipe:1', '-f', 'null', '-'];
    let frames = 0;
    const proc = FfmpegProcess.spawn({
      args: nullArgs,
      logger: o.logger,
      onStdout: (chunk) => {
        for (const m of chunk.toString().matchAll(/frame=(\d+)/g)) frames = Number(m[1]);
      },
    });
    await sleep(3000);
    const nf0 = frames;
    const n0 = ffmpegCpu();
    await sleep(o.seconds * 1000);
    const nullFrames = frames - nf0;
    const nullCpu = ffmpegCpu() - n0;
    await proc.stop();
    const captureCpuPerFrame = captureCpu / Math.max(captureFrames, 1);
    const nullCpuPerFrame = nullCpu / Math.max(nullFrames, 1);
    return { captureFrames, captureCpu, nullFrames, nullCpu, captureCpuPerFrame, nullCpuPerFrame, ratio: captureCpuPerFrame / nullCpuPerFrame };
  } finally {
    await sim.stop();
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
export async function benchMotionGating(o: { clip: string; model: string; threads: number; seconds: number; logger: Logger }) {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-motion-'));
  const staticClip = await freezeFrameClip(o.clip, dir, o.logger);
  const sim = await startCameraSimulator({ cameras: [{ name: 'still', clip: staticClip }], logger: o.logger });
  const feeders = () => new Set(Object.values(sim.pids().feeders).filter((p): p is number => p !== undefined));
  const edgeCpu = () => descendantsCpu(process.pid, 'ffmpeg', feeders()) + selfCpu();
  const measure = async (motion: boolean) => {
    const counts = new Map<string, number>();
    const config = benchConfig(path.join(dir, motion ? 'with' : 'without'), [{ id: 'still', url: sim.urls.still ?? '' }], o.model, o.threads, motion);
    const run = await runPipeline({ config, createSource: (id) => ffmpegSource(config.cameras.find((c) => c.id === id)!, o.logger), model: o.model, threads: o.threads, logger: o.logger, counts });
    await sleep(5000); // past start-up and the motion background settling
    const c0 = edgeCpu();
    const n0 = counts.get('still') ?? 0;
    await sleep(o.seconds * 1000);
    const cpu = edgeCpu() - c0;
    const inferences = (counts.get('still') ?? 0) - n0;
    await run.stop();
    return { cpu, inferences };
  };
  try {
    const without = await measure(false);
    const withGating = await measure(true);
    return { cpuWith: withGating.cpu, cpuWithout: without.cpu, inferencesWith: withGating.inferences, inferencesWithout: without.inferences, ratio: withGating.cpu / without.cpu };
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
  const counts = new Map<string, number>();
  const config = benchConfig(dir, names.map((id) => ({ id, url: sim.urls[id] ?? '' })), o.model, o.threads, false);
  const run = await runPipeline({ config, createSource: (id) => ffmpegSource(config.cameras.find((c) => c.id === id)!, o.logger), model: o.model, threads: o.threads, logger: o.logger, counts });
  try {
    await sleep(o.warmupMs);
    const before = new Map(run.pipeline.status().map((s) => [s.cameraId, { dropped: s.droppedFrames, analysed: counts.get(s.cameraId) ?? 0 }]));
    const t0 = performance.now();
    await sleep(o.windowMs);
    const secs = (performance.now() - t0) / 1000;
    const per = run.pipeline.status().map((s) => {
      const b = before.get(s.cameraId);
      return {
        camera: s.cameraId,
        state: s.state,
        analysedFps: ((counts.get(s.cameraId) ?? 0) - (b?.analysed ?? 0)) / secs,
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
