/**
 * Cuts a raw video byte stream (ffmpeg `-f rawvideo` on a pipe) into whole frames of a fixed size.
 *
 * Pipe reads arrive in chunks of up to 64 KiB that ignore frame boundaries. A frame lying wholly
 * inside one chunk is handed on as a zero-copy view of that chunk; only a frame that straddles chunks
 * is assembled, into one buffer allocated per frame (never per chunk). Emitted buffers are never
 * reused by the reader, so a consumer may keep them.
 */
export class FrameReader {
  private pending: Buffer | undefined;
  private filled = 0;

  /**
   * @param frameBytes bytes of one frame (width × height × 3 for rgb24)
   * @param onFrame called synchronously for each complete frame, in stream order
   */
  constructor(
    readonly frameBytes: number,
    private readonly onFrame: (data: Buffer) => void,
  ) {
    if (!Number.isInteger(frameBytes) || frameBytes <= 0) {
      throw new RangeError(`frameBytes must be a positive integer, got ${frameBytes}`);
    }
  }

  /** Bytes of an incomplete frame held back until the next chunk. */
  get buffered(): number {
    return this.filled;
  }

  /** Feeds one chunk; emits every frame it completes. */
  push(chunk: Buffer): void {
    const size = this.frameBytes;
    let offset = 0;
    if (this.pending !== undefined) {
      const n = Math.min(size - this.filled, chunk.length);
      chunk.copy(this.pending, this.filled, 0, n);
      this.filled += n;
      offset = n;
      if (this.filled < size) return;
      const frame = this.pending;
      this.pending = undefined;
      this.filled = 0;
      this.onFrame(frame);
    }
    while (chunk.length - offset >= size) {
      this.onFrame(chunk.subarray(offset, offset + size));
      offset += size;
    }
    const rest = chunk.length - offset;
    if (rest > 0) {
      // allocUnsafeSlow: a frame-sized buffer outlives the chunk; keep it out of Node's shared pool.
      this.pending = Buffer.allocUnsafeSlow(size);
      chunk.copy(this.pending, 0, offset);
      this.filled = rest;
    }
  }

  /** Drops a partial frame, e.g. when the producing process is replaced. */
  reset(): void {
    this.pending = undefined;
    this.filled = 0;
  }
}
