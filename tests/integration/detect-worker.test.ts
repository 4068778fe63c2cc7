import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { loadManifest } from '../../models/manifest.js';
import { createOnnxDetector, frameFromImageFile } from '../../edge/src/detect/index.js';
import { createWorkerDetector, type WorkerDetector } from '../../edge/src/detect/worker-detector.js';
import type { Frame } from '../../edge/src/types.js';
import type { Detection } from '../../protocol/index.js';
import { testMediaDir, testModelsDir } from '../support/harness.js';

describe('detector in a worker thread', () => {
  const manifest = loadManifest('coco-yolox-nano');
  let detector: WorkerDetector;

  afterAll(async () => {
    await detector?.close();
  });

  it('gives the same detections as the in-thread detector', async () => {
    const frame = await frameFromImageFile(path.join(testMediaDir(), 'images', 'bus.jpg'), 'cam');
    const local = await createOnnxDetector({ manifest, modelsDir: testModelsDir(), intraOpThreads: 1 });
    const expected = await local.detect(frame);
    await local.close();

    detector = await createWorkerDetector({ manifest, modelsDir: testModelsDir(), intraOpThreads: 1 });
    expect(detector.labels).toEqual(manifest.labels);
    const got = await detector.detect(frame);
    expect(got.items).toEqual(expected.items);
    expect(got).toMatchObject({ cameraId: 'cam', modelId: 'coco-yolox-nano', frameSeq: frame.seq });
    expect(got.items.filter((d) => d.label === 'person').length).toBeGreaterThanOrEqual(3);
    // The caller's frame is untouched (the worker got a copy).
    expect(frame.data.byteLength).toBe(frame.width * frame.height * 3);
  }, 60_000);

  it('answers concurrent calls from several cameras, each with its own result', async () => {
    const a = await frameFromImageFile(path.join(testMediaDir(), 'images', 'bus.jpg'), 'cam-a');
    const b = await frameFromImageFile(path.join(testMediaDir(), 'images', 'dog.jpg'), 'cam-b');
    const [ra, rb] = await Promise.all([detector.detect(a), detector.detect(b)]);
    expect(ra.cameraId).toBe('cam-a');
    expect(ra.items.some((d) => d.label === 'bus')).toBe(true);
    expect(rb.cameraId).toBe('cam-b');
    expect(rb.items.some((d) => d.label === 'dog')).toBe(true);
  }, 60_000);

  it('reuses the tensor buffers the worker hands back without mixing up frames', async () => {
    const bus = await frameFromImageFile(path.join(testMediaDir(), 'images', 'bus.jpg'), 'cam');
    const black = { ...bus, seq: bus.seq + 1, data: Buffer.alloc(bus.data.length) };
    const first = await detector.detect(bus);
    // Same size, so each of these goes through a buffer that held the other picture before.
    for (let i = 0; i < 3; i++) {
      expect((await detector.detect(black)).items).toEqual([]);
      expect((await detector.detect(bus)).items).toEqual(first.items);
    }
    expect(bus.data.some((v) => v !== 0)).toBe(true);
  }, 60_000);

  it('gives each frame its own detections when frames of different shapes share tensor buffers', async () => {
    // bus.jpg is portrait (padded beside), dog.jpg landscape (padded below): a buffer that kept the
    // other frame's picture in its padding would change the detections.
    const frames = [
      await frameFromImageFile(path.join(testMediaDir(), 'images', 'bus.jpg'), 'cam-a'),
      await frameFromImageFile(path.join(testMediaDir(), 'images', 'dog.jpg'), 'cam-b'),
    ];
    const local = await createOnnxDetector({ manifest, modelsDir: testModelsDir(), intraOpThreads: 1, verifySha256: false });
    const expected: (readonly Detection[])[] = [];
    for (const f of frames) expected.push((await local.detect(f)).items);
    await local.close();
    const order = [0, 1, 1, 0, 0, 1, 0, 1];
    const got = await Promise.all(order.map((i) => detector.detect(frames[i] as Frame)));
    expect(got.map((d) => d.items)).toEqual(order.map((i) => expected[i]));
  }, 60_000);

  it('replaces a worker that dies: the calls it had fail, the calls still waiting are answered by the new one', async () => {
    const frame = await frameFromImageFile(path.join(testMediaDir(), 'images', 'dog.jpg'), 'cam');
    const expected = (await detector.detect(frame)).items;
    // Just before the worker is handed its second frame, it is sent a message its handler cannot read: an
    // uncaught exception ends the thread, as a bug or an out-of-memory in the worker would. (Not
    // worker.terminate(): terminating a thread inside onnxruntime-node's session.run aborts the whole process.)
    const original = Worker.prototype.postMessage;
    let sent = 0;
    const post = vi.spyOn(Worker.prototype, 'postMessage').mockImplementation(function (this: Worker, ...args: Parameters<Worker['postMessage']>) {
      if ((args[0] as { type?: string }).type === 'detect' && ++sent === 2) original.call(this, { type: 'detect', id: -1 });
      original.apply(this, args);
    });
    const calls = Array.from({ length: 4 }, () => detector.detect(frame).then((d) => d.items, (err: Error) => err));
    const outcomes = await Promise.all(calls);
    post.mockRestore();
    // Each call is answered or fails with the exit. The frame posted second (the first two are prepared
    // side by side, so it may be either call) reached the worker after the bad message and fails; the
    // other may have finished first, and then the third call took its place at the old worker and failed.
    // The fourth can only have gone to the replacement.
    const exited = expect.objectContaining({ message: expect.stringMatching(/exited \(code 1\)/) });
    for (const outcome of outcomes) expect([expected, exited]).toContainEqual(outcome);
    expect(outcomes.filter((o) => o instanceof Error).length).toBeGreaterThanOrEqual(1);
    expect(outcomes[3]).toEqual(expected);
    expect(detector.restarts).toBe(1);
    expect((await detector.detect(frame)).items).toEqual(expected);
  }, 60_000);

  it('on close, settles every call: each is answered or fails as closed, none is left hanging', async () => {
    const own = await createWorkerDetector({ manifest, modelsDir: testModelsDir(), intraOpThreads: 1, verifySha256: false });
    const frame = await frameFromImageFile(path.join(testMediaDir(), 'images', 'dog.jpg'), 'cam');
    const calls = Array.from({ length: 4 }, () => own.detect(frame).then((d) => d.items.map((i) => i.label), (err: Error) => err.message));
    await own.close();
    // The first two were being prepared when close() came (dog.jpg needs a resize, which is async): they
    // reach the worker before its close or fail. The other two were still waiting and fail.
    const outcomes = await Promise.all(calls);
    for (const outcome of outcomes) expect([expect.arrayContaining(['dog']), expect.stringMatching(/is closed/)]).toContainEqual(outcome);
    expect(outcomes.slice(2)).toEqual([expect.stringMatching(/is closed/), expect.stringMatching(/is closed/)]);
    await expect(own.detect(frame)).rejects.toThrow(/is closed/);
  }, 60_000);

  it('fails a model that cannot load with a clear error, without leaving a worker behind', async () => {
    await expect(createWorkerDetector({ manifest, modelsDir: '/nonexistent-models', intraOpThreads: 1 })).rejects.toThrow(/MINGLIANG_MODELS_DIR|nonexistent-models/);
  }, 60_000);
});
