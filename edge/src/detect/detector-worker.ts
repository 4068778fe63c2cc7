/**
 * Worker-thread entry hosting one {@link createOnnxDetector}. onnxruntime-node's `session.run` blocks the
 * thread it is called on for the whole inference, so running it here keeps the edge's event loop (socket.io,
 * heartbeats, capture pipes) responsive. Frames arrive already preprocessed (see worker-detector.ts), so this
 * thread only runs the session and decodes. Messages: see worker-protocol.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createOnnxDetector } from './onnx-detector.js';
import type { DetectorWorkerInit, FromWorker, ToWorker } from './worker-protocol.js';

const port = parentPort;
if (!port) throw new Error('detector-worker must run in a worker thread');
const init = workerData as DetectorWorkerInit;

const post = (msg: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(msg, transfer);

try {
  const detector = await createOnnxDetector({
    manifest: init.manifest,
    modelsDir: init.modelsDir,
    intraOpThreads: init.intraOpThreads,
    ...(init.scoreThreshold !== undefined ? { scoreThreshold: init.scoreThreshold } : {}),
    verifySha256: init.verifySha256,
  });
  port.on('message', (msg: ToWorker) => {
    if (msg.type === 'close') {
      void detector.close().then(() => post({ type: 'closed' }));
      return;
    }
    const { id, frame, input, preprocessMs } = msg;
    // Once the session is done with the input its buffer goes back (transferred, not copied): the
    // sender prepares a later frame in it instead of allocating fresh memory per frame.
    const tensor = input.data.buffer as ArrayBuffer;
    detector.detectPrepared(frame, input, preprocessMs).then(
      (detections) => post({ type: 'result', id, detections, timings: detector.lastTimings, tensor }, [tensor]),
      (err: unknown) => post({ type: 'error', id, message: err instanceof Error ? err.message : String(err), tensor }, [tensor]),
    );
  });
  post({ type: 'ready', warmupMs: detector.warmupMs, labels: [...detector.labels] });
} catch (err) {
  post({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
}
