import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { Detections, DetectorWithInput, Frame } from '../types.js';
import type { DetectTimings, OnnxDetectorOptions } from './onnx-detector.js';
import { createPreprocessor, type PreprocessedFrame } from './preprocess.js';
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

/** A `detect` call waiting for its turn at the worker or for the worker's answer. */
interface Request {
  frame: Frame;
  resolve(d: Detections): void;
  reject(err: Error): void;
}

/**
 * Requests at the worker at once. Two keep its session busy: while it runs one, the next is already
 * preprocessed and queued on its port, so the worker goes straight from one `session.run` to the next.
 * More would only hold more 2 MB tensors and make the newest frames wait longer.
 */
const AT_WORKER = 2;

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
 * Loads a model in a worker thread and answers `detect` from there. Frames are preprocessed here, on the
 * calling thread, into tensor buffers that are transferred to the worker and back: the worker's thread is
 * blocked by `session.run`, so preparing the next frame there would leave the session idle meanwhile,
 * while here it overlaps the running inference (onnxruntime's two threads leave about half a core free).
 * Calls are answered in arrival order (a FIFO, so cameras take turns); a worker that dies is replaced,
 * failing only the calls it had in hand.
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
  const pre = createPreprocessor(opts.manifest.input);
  let nextId = 1;
  let closed = false;
  let restarts = 0;
  let lastTimings: DetectTimings | undefined;
  /** Calls not yet sent to the worker, oldest first. */
  const waiting: Request[] = [];
  /** Calls being preprocessed for the worker, and calls at the worker by request id. */
  let preparing = 0;
  const atWorker = new Map<number, Request>();
  /** Tensor buffers the worker gave back, reused for later frames (every one is `pre.length` floats). */
  const spare: Float32Array[] = [];
  let current: { worker: Worker; warmupMs: number; labels: string[] } | undefined;
  let restarting: Promise<void> | undefined;

  const start = () =>
    new Promise<{ worker: Worker; warmupMs: number; labels: string[] }>((resolve, reject) => {
      const worker = spawnWorker(init);
      let ready = false;
      const answered = (id: number, tensor: ArrayBuffer): Request | undefined => {
        if (spare.length < AT_WORKER) spare.push(new Float32Array(tensor));
        const req = atWorker.get(id);
        atWorker.delete(id);
        pump();
        return req;
      };
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
          case 'result':
            lastTimings = msg.timings;
            answered(msg.id, msg.tensor)?.resolve(msg.detections);
            break;
          case 'error':
            answered(msg.id, msg.tensor)?.reject(new Error(msg.message));
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
        for (const req of atWorker.values()) req.reject(new Error(`detector worker for ${modelId} exited (code ${code})`));
        atWorker.clear();
        if (current?.worker === worker) current = undefined;
        // Calls still waiting go to a replacement.
        pump();
      });
    });

  /** Starts a replacement worker; if it cannot start, the waiting calls fail with its error. */
  function restart(): void {
    if (restarting || closed) return;
    restarts += 1;
    opts.logger?.warn({ model: modelId, restarts }, 'restarting detector worker');
    restarting = start().then(
      (c) => {
        current = c;
      },
      (err: unknown) => {
        const error = err instanceof Error ? err : new Error(String(err));
        for (const req of waiting.splice(0)) req.reject(error);
      },
    );
    void restarting.finally(() => {
      restarting = undefined;
      pump();
    });
  }

  const closedError = () => new Error(`detector for model "${modelId}" is closed`);

  /** Sends waiting calls to the worker while it has fewer than {@link AT_WORKER}. */
  function pump(): void {
    if (closed) {
      for (const req of waiting.splice(0)) req.reject(closedError());
      return;
    }
    while (waiting.length > 0 && preparing + atWorker.size < AT_WORKER) {
      if (!current) {
        restart();
        return;
      }
      const req = waiting.shift() as Request;
      preparing += 1;
      void send(current.worker, req);
    }
  }

  async function send(worker: Worker, req: Request): Promise<void> {
    const tensor = spare.pop() ?? new Float32Array(pre.length);
    const t0 = performance.now();
    let input: PreprocessedFrame;
    try {
      input = await pre.run(req.frame, tensor);
    } catch (err) {
      preparing -= 1;
      spare.push(tensor);
      req.reject(err instanceof Error ? err : new Error(String(err)));
      pump();
      return;
    }
    const preprocessMs = performance.now() - t0;
    preparing -= 1;
    if (current?.worker !== worker) {
      // The worker died (or the detector closed) while this frame was being prepared: it goes first to
      // the replacement, or fails in pump() when closed.
      spare.push(tensor);
      waiting.unshift(req);
      pump();
      return;
    }
    const id = nextId++;
    atWorker.set(id, req);
    const { cameraId, seq, capturedAt } = req.frame;
    const msg: ToWorker = { type: 'detect', id, frame: { cameraId, seq, capturedAt }, input, preprocessMs };
    worker.postMessage(msg, [tensor.buffer as ArrayBuffer]);
  }

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
    detect(frame: Frame): Promise<Detections> {
      if (closed) return Promise.reject(closedError());
      return new Promise<Detections>((resolve, reject) => {
        waiting.push({ frame, resolve, reject });
        pump();
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      pump();
      await restarting;
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
