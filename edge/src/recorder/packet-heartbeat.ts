/** One parsed line of ffmpeg's `framecrc` output (the recorder's heartbeat, see `HEARTBEAT_OUTPUT_ARGS`). */
export type HeartbeatLine =
  | { readonly kind: 'timebase'; readonly stream: number; readonly num: number; readonly den: number }
  | { readonly kind: 'packet'; readonly stream: number; readonly pts: number; readonly bytes: number; readonly key: boolean }
  | { readonly kind: 'other' };

/** A video packet reported by the heartbeat, its time on the run's timeline in milliseconds. */
export interface HeartbeatPacket {
  readonly timelineMs: number;
  readonly key: boolean;
  readonly bytes: number;
}

// "#tb 0: 1/90000"
const TIMEBASE = /^#tb (\d+): (\d+)\/(\d+)$/;
// "0,      16069,      16069,     7500,     7044, 0xa37ba5be, F=0x0": stream, dts, pts, duration, size, crc, then
// F=flags only when the flags are not exactly "key", then side data.
const PACKET = /^(\d+),\s*(-?\d+),\s*(-?\d+),\s*(-?\d+),\s*(\d+),\s*0x[0-9a-f]+(.*)$/i;
const FLAGS = /,\s*F=0x([0-9a-f]+)/i;

/** Parses one `framecrc` line. Pure. */
export function parseHeartbeatLine(line: string): HeartbeatLine {
  const tb = TIMEBASE.exec(line);
  if (tb) return { kind: 'timebase', stream: Number(tb[1]), num: Number(tb[2]), den: Number(tb[3]) };
  const p = PACKET.exec(line);
  if (!p) return { kind: 'other' };
  const flags = FLAGS.exec(p[6] ?? '');
  // framecrc omits F= when the flags are exactly AV_PKT_FLAG_KEY (1).
  const key = flags === null ? true : (Number.parseInt(flags[1] ?? '0', 16) & 1) === 1;
  return { kind: 'packet', stream: Number(p[1]), pts: Number(p[3]), bytes: Number(p[5]), key };
}

/**
 * Splits heartbeat output into lines and reports each video packet with its timeline time. Lines
 * before the `#tb` header, packets of other streams and packets without a timestamp are skipped.
 */
export class HeartbeatReader {
  private partial = '';
  private timebase: { num: number; den: number } | undefined;

  constructor(private readonly onPacket: (packet: HeartbeatPacket) => void) {}

  push(chunk: Buffer | string): void {
    const lines = (this.partial + chunk.toString()).split('\n');
    this.partial = lines.pop() ?? '';
    // A line this long is not framecrc: drop it rather than grow without bound.
    if (this.partial.length > 4096) this.partial = '';
    for (const line of lines) this.onLine(line.trimEnd());
  }

  private onLine(line: string): void {
    const parsed = parseHeartbeatLine(line);
    if (parsed.kind === 'timebase') {
      if (parsed.stream === 0 && parsed.den > 0) this.timebase = { num: parsed.num, den: parsed.den };
      return;
    }
    if (parsed.kind !== 'packet' || parsed.stream !== 0 || this.timebase === undefined) return;
    // ffmpeg prints AV_NOPTS_VALUE as a huge negative number.
    if (parsed.pts < 0) return;
    this.onPacket({ timelineMs: (parsed.pts * 1000 * this.timebase.num) / this.timebase.den, key: parsed.key, bytes: parsed.bytes });
  }
}

/**
 * The wall-clock time (epoch ms) of a run's timeline origin, so that `origin + timelineMs` is when
 * a packet arrived. Every observation "seen at wall time W, timeline time T" gives an upper bound
 * `W − T` (a packet is seen only after it arrived); the smallest bound is the best estimate, within
 * the pipe latency of the quickest observation (about a millisecond), while late observations
 * (network bursts, a busy event loop) are ignored.
 *
 * The minimum is taken over a sliding window of one to two `windowMs`, not forever: with camera
 * timestamps the timeline runs on the camera's clock, which drifts against ours (100 ppm is 8.6 s a
 * day), and an all-time minimum would never follow a camera that runs slow.
 */
export class TimelineAnchor {
  private current: number | undefined;
  private previous: number | undefined;
  private windowStart: number | undefined;

  constructor(private readonly windowMs = 30_000) {}

  /** The current estimate, or undefined before the first observation. */
  get originMs(): number | undefined {
    if (this.previous === undefined) return this.current;
    if (this.current === undefined) return this.previous;
    return Math.min(this.previous, this.current);
  }

  /** Records that the moment `timelineMs` of the run was seen at wall time `seenAtMs`. */
  observe(seenAtMs: number, timelineMs: number): void {
    const candidate = seenAtMs - timelineMs;
    if (!Number.isFinite(candidate)) return;
    if (this.windowStart === undefined || seenAtMs - this.windowStart >= this.windowMs) {
      this.previous = this.current;
      this.current = candidate;
      this.windowStart = seenAtMs;
    } else if (this.current === undefined || candidate < this.current) {
      this.current = candidate;
    }
  }

  /** Wall-clock ms of a timeline time; requires at least one observation. */
  toWall(timelineMs: number): number {
    const origin = this.originMs;
    if (origin === undefined) throw new Error('timeline anchor has no observation yet');
    return Math.round(origin + timelineMs);
  }
}
