import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Detections, DetectorWithInput, Frame } from '../types.js';
import type { DetectTimings, OnnxDetectorOptions } from './onnx-detector.js';
import type { DetectorWorkerInit, FromWorker, ToWorker } from './worker-protocol.js';

/** A {@link Detector} whose inference runs in a worker thread. */
export interface WorkerDetector extends DetectorWithInput {
  readonly warmupMs: number;
  readonly lastTimings: DetectTimings | undefined;
  /** Times the worker died and was replaced. */
  readonly restarts: number;
}

export type WorkerDetectorOptions = Omit<OnnxDetectorOptions, 'logger'> & {
  logger?: { warn(obj: object, msg?: string): void; info(obj: object, msg?: string): void };
};

interface Pending {
  resolve(d: Detections): void;
  reject(err: Error): void;
}

/**
 * Spawns the worker. From compiled JavaScript it runs `detector-worker.js`; from TypeScript sources (tests)
 * the worker first registers tsx so it can import the `.ts` entry.
 */
function spawnWorker(init: DetectorWorkerInit): Worker {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    const entry = new URL('./detector-worker.ts', here).href;
    const tsxApi = pathToFileURL(tsxEsmApi(here)).href;
    const boot = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
    return new Worker(boot, { eval: true, workerData: init });
  }
  return new Worker(new URL('./detector-worker.js', here), { workerData: init });
}

/** Path of tsx's ESM register API, read from its package exports (require.resolve would give the CJS build). */
function tsxEsmApi(from: string): string {
  const pkgFile = createRequire(from).resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { exports: Record<string, { import?: { default?: string } }> };
  const rel = pkg.exports['./esm/api']?.import?.default;
  if (!rel) throw new Error('tsx does not export ./esm/api; cannot run the detector worker from TypeScript sources');
  return path.join(path.dirname(pkgFile), rel);
}

/**
 * Loads a model in a worker thread and answers `detect` from there. At most one frame per caller is in
 * flight (the pipeline awaits each), the worker serialises calls on its session, and a worker that dies
 * is replaced on the next call, failing only the calls it had in hand.
 */
export async function createWorkerDetector(opts: WorkerDetectorOptions): Promise<WorkerDetector> {
  const init: DetectorWorkerInit = {
    manifest: opts.manifest,
    modelsDir: opts.modelsDir,
    intraOpThreads: opts.intraOpThreads ?? 2,
    verifySha256: opts.verifySha256 ?? true,
    ...(opts.scoreThreshold !== undefined ? { scoreThreshold: opts.scoreThreshold } : {}),
  };
  const modelId = opts.manifest.id;
  let nextId = 1;
  let closed = false;
  let restarts = 0;
  let lastTimings: DetectTimings | undefined;
  const pending = new Map<number, Pending>();
  /**
   * Pixel buffers the worker gave back, reused for later frames: a fresh 292 KB buffer per frame costs
   * page faults (measured at ~0.25 ms per frame for capture buffers). A few cover the frames in flight.
   */
  const spare: ArrayBuffer[] = [];
  const giveBack = (pixels: ArrayBuffer) => {
    // The oldest goes first, so buffers of another size (motion crops) do not stay for ever.
    if (spare.length >= 2) spare.shift();
    spare.push(pixels);
  };
  let current: { worker: Worker; warmupMs: number; labels: string[] } | undefined;

  const start = () =>
    new Promise<{ worker: Worker; warmupMs: number; labels: string[] }>((resolve, reject) => {
      const worker = spawnWorker(init);
      let ready = false;
      worker.on('message', (msg: FromWorker) => {
        switch (msg.type) {
          case 'ready':
            ready = true;
            resolve({ worker, warmupMs: msg.warmupMs, labels: msg.labels });
            break;
          case 'failed':
            reject(new Error(msg.message));
            void worker.terminate();
            break;
          case 'result': {
            giveBack(msg.pixels);
            lastTimings = msg.timings;
            pending.get(msg.id)?.resolve(msg.detections);
            pending.delete(msg.id);
            break;
          }
          case 'error':
            giveBack(msg.pixels);
            pending.get(msg.id)?.reject(new Error(msg.message));
            pending.delete(msg.id);
            break;
          case 'closed':
            break;
        }
      });
      worker.on('error', (err) => {
        if (!ready) reject(err);
        opts.logger?.warn({ model: modelId, err: err.message }, 'detector worker failed');
      });
      worker.on('exit', (code) => {
        if (!ready) reject(new Error(`detector worker for ${modelId} exited with code ${code} before it was ready`));
        for (const p of pending.values()) p.reject(new Error(`detector worker for ${modelId} exited (code ${code})`));
        pending.clear();
        if (current?.worker === worker) current = undefined;
      });
    });

  current = await start();
  const { warmupMs, labels } = current;

  return {
    modelId,
    labels,
    inputWidth: opts.manifest.input.width,
    inputHeight: opts.manifest.input.height,
    warmupMs,
    get lastTimings() {
      return lastTimings;
    },
    get restarts() {
      return restarts;
    },
    async detect(frame: Frame): Promise<Detections> {
      if (closed) throw new Error(`detector for model "${modelId}" is closed`);
      if (!current) {
        restarts += 1;
        opts.logger?.warn({ model: modelId, restarts }, 'restarting detector worker');
        current = await start();
      }
      const id = nextId++;
      // A private copy, transferred to the worker: the frame belongs to the capture (which refills its buffers).
      const bytes = frame.data.byteLength;
      const reused = spare.findIndex((b) => b.byteLength === bytes);
      const data = reused >= 0 ? new Uint8Array(spare.splice(reused, 1)[0] as ArrayBuffer) : new Uint8Array(bytes);
      data.set(frame.data);
      const msg: ToWorker = {
        type: 'detect',
        id,
        frame: { cameraId: frame.cameraId, seq: frame.seq, capturedAt: frame.capturedAt, width: frame.width, height: frame.height, data },
      };
      const worker = current.worker;
      return new Promise<Detections>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage(msg, [data.buffer]);
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      const c = current;
      current = undefined;
      if (!c) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => void c.worker.terminate().then(() => resolve()), 5000);
        c.worker.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        c.worker.postMessage({ type: 'close' } satisfies ToWorker);
        c.worker.once('message', (m: FromWorker) => {
          if (m.type === 'closed') void c.worker.terminate();
        });
      });
    },
  };
}
