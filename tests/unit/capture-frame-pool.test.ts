import { describe, expect, it } from 'vitest';
import { FramePool } from '../../edge/src/capture/index.js';
import { keepFrame } from '../../edge/src/frame-lease.js';
import type { Frame } from '../../edge/src/types.js';

function pooledFrame(pool: FramePool, seq: number): Frame {
  const data = pool.acquire();
  data.fill(seq);
  return { cameraId: 'cam', seq, capturedAt: seq, width: 2, height: 2, data, lease: pool.lease(data) };
}

describe('FramePool', () => {
  it('reuses the buffer of a released frame, and new ones while none is idle', () => {
    const pool = new FramePool(12);
    const a = pooledFrame(pool, 1);
    const b = pooledFrame(pool, 2);
    expect(a.data).not.toBe(b.data);
    expect(a.data.length).toBe(12);
    pool.release(a);
    expect(pool.idle).toBe(1);
    const c = pooledFrame(pool, 3);
    expect(c.data).toBe(a.data);
    expect(pool.idle).toBe(0);
  });

  it('never takes back a kept frame, a frame released twice, a frame of another pool or one without a lease', () => {
    const pool = new FramePool(12);
    const other = new FramePool(12);
    const kept = keepFrame(pooledFrame(pool, 1));
    expect(kept.lease?.kept).toBe(true);
    pool.release(kept);
    expect(pool.idle).toBe(0);

    const once = pooledFrame(pool, 2);
    pool.release(once);
    pool.release(once);
    expect(pool.idle).toBe(1);
    // The second release did not put the same buffer in twice: two acquires give two buffers.
    expect(pool.acquire()).not.toBe(pool.acquire());

    pool.release(pooledFrame(other, 3));
    pool.release({ cameraId: 'cam', seq: 4, capturedAt: 4, width: 2, height: 2, data: Buffer.alloc(12) });
    expect(pool.idle).toBe(0);
  });

  it('holds at most `capacity` idle buffers', () => {
    const pool = new FramePool(12, 2);
    const frames = [1, 2, 3, 4].map((s) => pooledFrame(pool, s));
    for (const f of frames) pool.release(f);
    expect(pool.idle).toBe(2);
    expect(() => new FramePool(0)).toThrow(/frameBytes/);
  });
});
