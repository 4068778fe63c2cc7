import { createHash } from 'node:crypto';
import sharp from 'sharp';
import type { Detection, SnapshotRef } from '../../../protocol/index.js';
import type { Frame } from '../types.js';

/** A rendered JPEG snapshot with the reference the event message carries. */
export interface Snapshot {
  readonly jpeg: Buffer;
  readonly ref: SnapshotRef;
}

const COLOURS = ['#ff3b30', '#ff9500', '#34c759', '#007aff', '#af52de', '#ffcc00'];

function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** SVG overlay with one box and a label tag per detection, sized for the frame. */
export function overlaySvg(width: number, height: number, detections: readonly Detection[]): string {
  // Line width and font grow with the picture so labels stay readable on 1080p and on 320p frames.
  const stroke = Math.max(2, Math.round(Math.min(width, height) / 200));
  const font = Math.max(12, Math.round(Math.min(width, height) / 30));
  const parts = detections.map((d, i) => {
    const colour = COLOURS[(d.trackId ?? i) % COLOURS.length] ?? '#ff3b30';
    const x = Math.round(d.box.x * width);
    const y = Math.round(d.box.y * height);
    const w = Math.max(1, Math.round(d.box.w * width));
    const h = Math.max(1, Math.round(d.box.h * height));
    const text = `${d.label} ${d.score.toFixed(2)}${d.trackId !== undefined ? ` #${d.trackId}` : ''}`;
    const tagW = Math.round(text.length * font * 0.62 + font * 0.6);
    const tagH = Math.round(font * 1.35);
    // Put the tag above the box, or inside it when the box touches the top edge.
    const tagY = y - tagH >= 0 ? y - tagH : y;
    return (
      `<rect x="${x}" y="${y}" width="${w}" height="${h}" fill="none" stroke="${colour}" stroke-width="${stroke}"/>` +
      `<rect x="${x}" y="${tagY}" width="${tagW}" height="${tagH}" fill="${colour}"/>` +
      `<text x="${x + Math.round(font * 0.3)}" y="${tagY + Math.round(font * 1.05)}" font-family="DejaVu Sans, sans-serif" font-size="${font}" fill="#ffffff">${escapeXml(text)}</text>`
    );
  });
  return `<svg width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>`;
}

/** Draws boxes and labels on a frame and encodes it as JPEG. */
export async function renderSnapshot(frame: Frame, detections: readonly Detection[], quality = 85): Promise<Snapshot> {
  const { width, height } = frame;
  const jpeg = await sharp(frame.data, { raw: { width, height, channels: 3 } })
    .composite([{ input: Buffer.from(overlaySvg(width, height, detections)), top: 0, left: 0 }])
    .jpeg({ quality, mozjpeg: false })
    .toBuffer();
  const sha256 = createHash('sha256').update(jpeg).digest('hex');
  return { jpeg, ref: { sha256, contentType: 'image/jpeg', size: jpeg.length, width, height } };
}
