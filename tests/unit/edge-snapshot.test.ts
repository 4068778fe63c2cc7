import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { overlaySvg, renderSnapshot, renderThumbnail } from '../../edge/src/evidence/index.js';
import type { Frame } from '../../edge/src/types.js';

describe('snapshot rendering', () => {
  it('draws the box where the detection is and returns a JPEG with its sha256', async () => {
    const width = 200;
    const height = 100;
    const frame: Frame = { cameraId: 'c', seq: 0, capturedAt: 0, width, height, data: Buffer.alloc(width * height * 3, 40) };
    const snap = await renderSnapshot(frame, [{ label: 'person', score: 0.87, box: { x: 0.5, y: 0.5, w: 0.25, h: 0.4 } }]);
    expect(snap.jpeg.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    expect(snap.ref).toMatchObject({ contentType: 'image/jpeg', width, height, size: snap.jpeg.length });
    expect(snap.ref.sha256).toMatch(/^[0-9a-f]{64}$/);
    const { data } = await sharp(snap.jpeg).raw().toBuffer({ resolveWithObject: true });
    const px = (x: number, y: number) => [...data.subarray((y * width + x) * 3, (y * width + x) * 3 + 3)];
    // The left edge of the box (x=100) is red; the middle of the box is untouched background.
    const edge = px(100, 70);
    expect(edge[0]).toBeGreaterThan(180);
    expect(edge[1]).toBeLessThan(120);
    const inside = px(125, 75);
    expect(Math.abs((inside[0] ?? 0) - 40)).toBeLessThan(15);
  });

  it('crops a clean thumbnail around the top-scoring object', async () => {
    const width = 400;
    const height = 200;
    // Background 40; a bright 40x80 object at (300, 60) — the top-scoring detection is on it.
    const data = Buffer.alloc(width * height * 3, 40);
    for (let y = 60; y < 140; y++) for (let x = 300; x < 340; x++) data.fill(230, (y * width + x) * 3, (y * width + x) * 3 + 3);
    const frame: Frame = { cameraId: 'c', seq: 0, capturedAt: 0, width, height, data };
    const snap = await renderSnapshot(frame, [
      { label: 'person', score: 0.6, box: { x: 0.05, y: 0.1, w: 0.1, h: 0.3 } },
      { label: 'person', score: 0.9, box: { x: 300 / width, y: 60 / height, w: 40 / width, h: 80 / height } },
    ]);
    const thumb = snap.thumbnail;
    expect(thumb?.ref).toMatchObject({ contentType: 'image/jpeg', width: 60, height: 120 });
    expect(thumb?.ref.sha256).not.toBe(snap.ref.sha256);
    const { data: px, info } = await sharp(thumb!.jpeg).raw().toBuffer({ resolveWithObject: true });
    const at = (x: number, y: number) => px[(y * info.width + x) * info.channels] ?? 0;
    // Centre of the crop is the object (no box drawn over it), the corners are background.
    expect(at(30, 60)).toBeGreaterThan(200);
    expect(at(2, 2)).toBeLessThan(70);
    expect(await renderThumbnail(frame, [])).toBeUndefined();
  });

  it('escapes label text', () => {
    expect(overlaySvg(10, 10, [{ label: '<a&b>', score: 1, box: { x: 0, y: 0, w: 1, h: 1 } }])).toContain('&#60;a&#38;b&#62;');
  });
});
