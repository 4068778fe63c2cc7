import { createHash } from 'node:crypto';
import sharp from 'sharp';
import type { Detection, SnapshotRef } from '../../../protocol/index.js';
import type { Frame } from '../types.js';
import type { SnapshotOverlay } from '../rules/index.js';

/** A rendered JPEG with the reference the event message carries. */
export interface Snapshot {
  readonly jpeg: Buffer;
  readonly ref: SnapshotRef;
}

/** The annotated frame and a clean crop of its top object. */
export interface SnapshotEvidence extends Snapshot {
  readonly thumbnail: Snapshot | undefined;
}

const toSnapshot = (jpeg: Buffer, width: number, height: number): Snapshot => ({
  jpeg,
  ref: { sha256: createHash('sha256').update(jpeg).digest('hex'), contentType: 'image/jpeg', size: jpeg.length, width, height },
});

/** Longest side of a thumbnail, px: enough to recognise a face or a helmet, small enough for a wall of alerts. */
const THUMB_MAX = 256;

/**
 * A crop around the highest-scoring detection, grown by a quarter of its size on each side for context
 * and at least 48 px, scaled down to at most {@link THUMB_MAX}. Undefined when there is no detection.
 */
export async function renderThumbnail(frame: Frame, detections: readonly Detection[], quality = 85): Promise<Snapshot | undefined> {
  const top = detections.reduce<Detection | undefined>((best, d) => (!best || d.score > best.score ? d : best), undefined);
  if (!top) return undefined;
  const { width: fw, height: fh } = frame;
  const grow = (v: number, size: number) => Math.max(v * size * 1.5, 48);
  const w = Math.min(fw, Math.round(grow(top.box.w, fw)));
  const h = Math.min(fh, Math.round(grow(top.box.h, fh)));
  const cx = (top.box.x + top.box.w / 2) * fw;
  const cy = (top.box.y + top.box.h / 2) * fh;
  const left = Math.min(Math.max(0, Math.round(cx - w / 2)), fw - w);
  const topPx = Math.min(Math.max(0, Math.round(cy - h / 2)), fh - h);
  const scale = Math.min(1, THUMB_MAX / Math.max(w, h));
  const tw = Math.max(1, Math.round(w * scale));
  const th = Math.max(1, Math.round(h * scale));
  const jpeg = await sharp(frame.data, { raw: { width: fw, height: fh, channels: 3 } })
    .extract({ left, top: topPx, width: w, height: h })
    .resize(tw, th)
    .jpeg({ quality })
    .toBuffer();
  return toSnapshot(jpeg, tw, th);
}

const COLOURS = ['#ff3b30', '#ff9500', '#34c759', '#007aff', '#af52de', '#ffcc00'];

function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * SVG of the rule's zones and lines, drawn under the boxes: each zone outlined with a light fill (the
 * event's zone stronger) and its name; each line with "A"/"B" on its sides and an arrow across its
 * middle for the direction that raises events (both arrows for `both`).
 */
export function sceneSvg(width: number, height: number, overlay: SnapshotOverlay): string {
  const stroke = Math.max(2, Math.round(Math.min(width, height) / 250));
  const font = Math.max(12, Math.round(Math.min(width, height) / 36));
  const px = ([x, y]: readonly [number, number]) => [Math.round(x * width), Math.round(y * height)] as const;
  const zones = overlay.zones.map((z) => {
    const pts = z.points.map((p) => px(p).join(',')).join(' ');
    const [lx, ly] = px(z.points[0] ?? [0, 0]);
    const alpha = z.highlight ? 0.28 : 0.12;
    return (
      `<polygon points="${pts}" fill="rgba(255,59,48,${alpha})" stroke="#ff3b30" stroke-width="${z.highlight ? stroke * 2 : stroke}"/>` +
      `<text x="${lx + 4}" y="${ly + font}" font-family="DejaVu Sans, sans-serif" font-size="${font}" fill="#ff3b30">${escapeXml(z.label)}</text>`
    );
  });
  const lines = overlay.lines.map((l) => {
    const [ax, ay] = px(l.a);
    const [bx, by] = px(l.b);
    const len = Math.hypot(bx - ax, by - ay) || 1;
    // Unit normal pointing to side B (the right of a→b on screen, y down).
    const nx = -(by - ay) / len;
    const ny = (bx - ax) / len;
    const mx = (ax + bx) / 2;
    const my = (ay + by) / 2;
    const d = font * 2;
    const arrow = (sign: 1 | -1) => {
      const tx = mx + sign * nx * d;
      const ty = my + sign * ny * d;
      const fx = mx - sign * nx * d;
      const fy = my - sign * ny * d;
      // Head: two short strokes back from the tip, at ±30° off the shaft.
      const hx = (fx - tx) / (2 * d);
      const hy = (fy - ty) / (2 * d);
      const h = font * 0.8;
      const c = Math.cos(Math.PI / 6);
      const s = Math.sin(Math.PI / 6);
      const h1 = [tx + h * (hx * c - hy * s), ty + h * (hx * s + hy * c)];
      const h2 = [tx + h * (hx * c + hy * s), ty + h * (-hx * s + hy * c)];
      return `<path d="M${fx},${fy} L${tx},${ty} M${h1[0]},${h1[1]} L${tx},${ty} L${h2[0]},${h2[1]}" stroke="#00c7ff" stroke-width="${stroke}" fill="none"/>`;
    };
    const arrows = l.direction === 'a_to_b' ? [arrow(1)] : l.direction === 'b_to_a' ? [arrow(-1)] : [arrow(1), arrow(-1)];
    const side = (sign: 1 | -1, text: string) =>
      `<text x="${Math.round(ax + (bx - ax) * 0.15 + sign * nx * d - font / 3)}" y="${Math.round(ay + (by - ay) * 0.15 + sign * ny * d + font / 3)}" font-family="DejaVu Sans, sans-serif" font-size="${font}" fill="#00c7ff">${text}</text>`;
    return (
      `<line x1="${ax}" y1="${ay}" x2="${bx}" y2="${by}" stroke="#00c7ff" stroke-width="${stroke * 2}"/>` +
      arrows.join('') +
      side(-1, 'A') +
      side(1, 'B') +
      `<text x="${bx + 4}" y="${by}" font-family="DejaVu Sans, sans-serif" font-size="${font}" fill="#00c7ff">${escapeXml(l.label)}</text>`
    );
  });
  return [...zones, ...lines].join('');
}

/** SVG overlay with one box and a label tag per detection, sized for the frame. */
export function overlaySvg(width: number, height: number, detections: readonly Detection[], scene?: SnapshotOverlay): string {
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
  const under = scene ? sceneSvg(width, height, scene) : '';
  return `<svg width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg">${under}${parts.join('')}</svg>`;
}

/** Draws boxes and labels on a frame and encodes it as JPEG. */
export async function renderSnapshot(frame: Frame, detections: readonly Detection[], quality = 85, overlay?: SnapshotOverlay): Promise<SnapshotEvidence> {
  const { width, height } = frame;
  const [jpeg, thumbnail] = await Promise.all([
    sharp(frame.data, { raw: { width, height, channels: 3 } })
      .composite([{ input: Buffer.from(overlaySvg(width, height, detections, overlay)), top: 0, left: 0 }])
      .jpeg({ quality, mozjpeg: false })
      .toBuffer(),
    renderThumbnail(frame, detections, quality),
  ]);
  return { ...toSnapshot(jpeg, width, height), thumbnail };
}
