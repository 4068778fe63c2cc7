import http from 'node:http';

/**
 * A streaming FLV reader for live-view tests and the live benchmark: checks the `FLV\x01` header and
 * counts video tags and keyframes without copying tag bodies, so a thousand of them side by side cost
 * little more than the sockets they read from.
 */

/** What one reader has seen so far. */
export interface FlvStats {
  /** The stream began with `FLV` version 1. */
  header: boolean;
  bytes: number;
  /** Video tags carrying frames (AVC NALUs, not the sequence header). */
  videoFrames: number;
  keyframes: number;
  /** `performance.now()`-style time (the reader's clock) of the first keyframe, if any. */
  firstKeyframeAt: number | undefined;
  /** Set when the stream was not FLV or a tag was malformed. */
  error: string | undefined;
}

const TAG_HEADER = 11;
const PREV_SIZE = 4;
/** A tag bigger than this is garbage, not video of a camera. */
const MAX_TAG = 16 * 1024 * 1024;

/** Incremental FLV tag parser; feed it the body in order. */
export class FlvTagReader {
  readonly stats: FlvStats = { header: false, bytes: 0, videoFrames: 0, keyframes: 0, firstKeyframeAt: undefined, error: undefined };
  /** Bytes of the current fixed-size part (file header, tag header or the first body bytes). */
  private part = Buffer.alloc(0);
  private state: 'file-header' | 'tag-header' | 'body-start' | 'skip' = 'file-header';
  private need = 9 + PREV_SIZE;
  private tagType = 0;
  private skip = 0;

  constructor(private readonly clock: () => number = () => performance.now()) {}

  push(chunk: Buffer): void {
    this.stats.bytes += chunk.length;
    let off = 0;
    while (off < chunk.length && this.stats.error === undefined) {
      if (this.state === 'skip') {
        const n = Math.min(this.skip, chunk.length - off);
        this.skip -= n;
        off += n;
        if (this.skip === 0) this.expect('tag-header', TAG_HEADER);
        continue;
      }
      const n = Math.min(this.need - this.part.length, chunk.length - off);
      this.part = Buffer.concat([this.part, chunk.subarray(off, off + n)]);
      off += n;
      if (this.part.length === this.need) this.onPart();
    }
  }

  private expect(state: 'tag-header' | 'body-start', need: number): void {
    this.state = state;
    this.need = need;
    this.part = Buffer.alloc(0);
  }

  private onPart(): void {
    const p = this.part;
    if (this.state === 'file-header') {
      if (p.toString('latin1', 0, 3) !== 'FLV' || p[3] !== 1) {
        this.stats.error = 'not an FLV stream';
        return;
      }
      this.stats.header = true;
      const headerSize = p.readUInt32BE(5);
      // The header may be longer than 9 bytes; skip the rest and the first PreviousTagSize.
      this.state = 'skip';
      this.skip = headerSize - 9;
      if (this.skip === 0) this.expect('tag-header', TAG_HEADER);
      return;
    }
    if (this.state === 'tag-header') {
      this.tagType = (p[0] ?? 0) & 0x1f;
      const size = p.readUIntBE(1, 3);
      if (size > MAX_TAG) {
        this.stats.error = `tag of ${size} bytes`;
        return;
      }
      if (this.tagType === 9 && size >= 2) {
        this.expect('body-start', 2);
        this.skip = size - 2 + PREV_SIZE;
      } else {
        this.state = 'skip';
        this.skip = size + PREV_SIZE;
      }
      return;
    }
    // body-start of a video tag: frame type and codec, then the AVC packet type.
    const frameType = (p[0] ?? 0) >> 4;
    const codec = (p[0] ?? 0) & 0x0f;
    const isFrame = codec !== 7 || p[1] === 1;
    if (isFrame && frameType !== 5) {
      this.stats.videoFrames++;
      if (frameType === 1) {
        this.stats.keyframes++;
        this.stats.firstKeyframeAt ??= this.clock();
      }
    }
    this.state = 'skip';
    if (this.skip === 0) this.expect('tag-header', TAG_HEADER);
  }
}

/** An open HTTP-FLV read. */
export interface FlvRead {
  readonly stats: FlvStats;
  /** HTTP status, once the response head arrived. */
  status: number | undefined;
  /** Resolves when the response ends or the connection closes (or fails). */
  readonly ended: Promise<void>;
  close(): void;
}

/** Starts reading an HTTP-FLV URL with `agent`; the returned object fills in as data arrives. */
export function readHttpFlv(url: string, agent?: http.Agent, clock?: () => number): FlvRead {
  const reader = new FlvTagReader(clock);
  let resolveEnded!: () => void;
  const ended = new Promise<void>((resolve) => (resolveEnded = resolve));
  const read: FlvRead = {
    stats: reader.stats,
    status: undefined,
    ended,
    close: () => req.destroy(),
  };
  const req = http.get(url, agent ? { agent } : {}, (res) => {
    read.status = res.statusCode;
    res.on('data', (chunk: Buffer) => reader.push(chunk));
    res.on('end', resolveEnded);
    res.on('close', resolveEnded);
    res.on('error', resolveEnded);
  });
  req.on('error', (err) => {
    reader.stats.error ??= err.message;
    resolveEnded();
  });
  req.on('close', resolveEnded);
  return read;
}
