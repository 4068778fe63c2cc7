import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadManifest } from '../../models/manifest.js';
import { createOnnxDetector, frameFromImageFile } from '../../edge/src/detect/index.js';
import { createWorkerDetector, type WorkerDetector } from '../../edge/src/detect/worker-detector.js';
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

  it('reuses the pixel buffers the worker hands back without mixing up frames', async () => {
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

  it('fails a model that cannot load with a clear error, without leaving a worker behind', async () => {
    await expect(createWorkerDetector({ manifest, modelsDir: '/nonexistent-models', intraOpThreads: 1 })).rejects.toThrow(/MINGLIANG_MODELS_DIR|nonexistent-models/);
  }, 60_000);
});
