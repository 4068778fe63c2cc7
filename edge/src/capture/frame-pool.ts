import type { FrameLease } from '../frame-lease.js';
import type { Frame } from '../types.js';

/** A lease issued by one pool for one buffer. */
class PoolLease implements FrameLease {
  kept = false;
  released = false;

  constructor(
    readonly pool: FramePool,
    readonly buffer: Buffer,
  ) {}

  keep(): void {
    this.kept = true;
  }
}

/**
 * Frame buffers of one capture, reused once the pipeline is done with them.
 *
 * Why: a new 292 KB buffer per 416×234 frame is fresh memory the kernel must fault in and zero page by
 * page; measured here at about 0.25 ms of CPU per frame, half of what Node spends on capture. A pool
 * of a few buffers (one being filled, one in the latest-frame slot, up to two in analysis, the camera's
 * latest analysed picture) takes that away. Safety rests on one rule: a buffer comes back only through
 * {@link release} of a frame whose analysis has ended and that is no longer the camera's latest, or that
 * the slot has dropped, and never when a stage has kept the frame
 * (`keepFrame`): kept frames simply leave the pool and are garbage collected like any buffer.
 */
export class FramePool {
  private readonly free: Buffer[] = [];

  constructor(
    readonly frameBytes: number,
    /** Idle buffers held at most; more released ones are left to the garbage collector. Default 4. */
    readonly capacity = 4,
  ) {
    if (!Number.isInteger(frameBytes) || frameBytes <= 0) throw new RangeError(`frameBytes must be a positive integer, got ${frameBytes}`);
  }

  /** An idle buffer, or a new one; its contents are whatever was in it (the reader overwrites every byte). */
  acquire(): Buffer {
    // allocUnsafeSlow: a frame outlives the read that filled it, so it stays out of Node's shared pool;
    // not zeroed because every byte is written before the frame is handed on.
    return this.free.pop() ?? Buffer.allocUnsafeSlow(this.frameBytes);
  }

  /** The lease for a frame whose `data` is `buffer`, from {@link acquire}. */
  lease(buffer: Buffer): FrameLease {
    return new PoolLease(this, buffer);
  }

  /**
   * Takes back the buffer of a frame nobody will read again. Ignored for frames of another pool or
   * without a lease, for kept frames, and for a second release of the same frame.
   */
  release(frame: Frame): void {
    const lease = frame.lease;
    if (!(lease instanceof PoolLease) || lease.pool !== this || lease.kept || lease.released) return;
    lease.released = true;
    if (this.free.length < this.capacity) this.free.push(lease.buffer);
  }

  /** Idle buffers (for tests and stats). */
  get idle(): number {
    return this.free.length;
  }
}
