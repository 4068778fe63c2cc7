import sharp from 'sharp';
import type { Frame } from '../types.js';

/** Options of {@link frameFromImageFile}. */
export interface ImageFrameOptions {
  seq?: number;
  capturedAt?: number;
}

/**
 * Decodes a JPEG/PNG (or anything sharp reads) into an RGB24 {@link Frame}, the way capture delivers
 * frames. EXIF orientation is applied, alpha dropped and grey images expanded to three channels, as
 * OpenCV's `imread` does for the reference detections.
 */
export async function frameFromImageFile(file: string, cameraId = 'image', opts: ImageFrameOptions = {}): Promise<Frame> {
  const { data, info } = await sharp(file)
    .rotate()
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`${file}: decoded to ${info.channels} channels, expected 3`);
  return { cameraId, seq: opts.seq ?? 0, capturedAt: opts.capturedAt ?? Date.now(), width: info.width, height: info.height, data };
}
