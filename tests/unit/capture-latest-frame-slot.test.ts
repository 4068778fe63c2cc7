import { describe, expect, it } from 'vitest';
import { FakeCapture, LatestFrameSlot } from '../../edge/src/capture/index.js';
import type { Frame } from '../../edge/src/types.js';

function frame(seq: number): Frame {
  return { cameraId: 'cam1', seq, capturedAt: 1_700_000_000_000 + seq, width: 1, height: 1, data: Buffer.alloc(3) };
}

describe('LatestFrameSlot', () => {
  it('keeps only the newest unconsumed frame and counts every replaced one as dropped', async () => {
    const slot = new LatestFrameSlot();
    for (let i = 0; i < 5; i++) slot.put(frame(i));
    expect(slot.occupied).toBe(true);
    expect(slot.dropped).toBe(4);
    expect((await slot.take())?.seq).toBe(4);
    expect(slot.occupied).toBe(false);
    slot.put(frame(5));
    expect((await slot.take())?.seq).toBe(5);
    expect(slot.dropped).toBe(4);
  });

  it('hands a frame straight to a waiting take, without a drop', async () => {
    const slot = new LatestFrameSlot();
    const pending = slot.take();
    slot.put(frame(1));
    slot.put(frame(2)); // the waiter already got 1: this one is held, not dropped
    expect((await pending)?.seq).toBe(1);
    expect(slot.dropped).toBe(0);
    expect((await slot.take())?.seq).toBe(2);
  });

  it('never holds more than one frame however many are put while the consumer is busy', async () => {
    const slot = new LatestFrameSlot();
    let taken = 0;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 20; i++) slot.put(frame(round * 20 + i));
      expect(slot.occupied).toBe(true);
      const f = await slot.take();
      expect(f?.seq).toBe(round * 20 + 19);
      taken++;
    }
    expect(taken + slot.dropped).toBe(1000);
  });

  it('wakes every waiter with undefined on close, and ends for-await loops', async () => {
    const slot = new LatestFrameSlot();
    const a = slot.take();
    const b = slot.take();
    const seen: number[] = [];
    const loop = (async () => {
      for await (const f of slot) seen.push(f.seq);
    })();
    slot.put(frame(7)); // goes to the oldest waiter, a
    slot.close();
    expect((await a)?.seq).toBe(7);
    expect(await b).toBeUndefined();
    await loop;
    expect(seen).toEqual([]);
    expect(await slot.take()).toBeUndefined();
    slot.put(frame(8));
    expect(slot.occupied).toBe(false);
  });

  it('releases the held frame on close', async () => {
    const slot = new LatestFrameSlot();
    slot.put(frame(1));
    slot.close();
    expect(slot.occupied).toBe(false);
    expect(await slot.take()).toBeUndefined();
  });

  it('hands every frame nobody will take to onDrop: replaced, held at close, put after close', async () => {
    const dropped: number[] = [];
    const slot = new LatestFrameSlot<Frame>((f) => dropped.push(f.seq));
    const waiting = slot.take();
    slot.put(frame(1)); // straight to the waiter: not dropped
    slot.put(frame(2));
    slot.put(frame(3)); // replaces 2
    expect((await waiting)?.seq).toBe(1);
    expect((await slot.take())?.seq).toBe(3); // taken: not dropped
    slot.put(frame(4));
    slot.close(); // 4 was held
    slot.put(frame(5)); // after close
    expect(dropped).toEqual([2, 4, 5]);
    expect(slot.dropped).toBe(2);
  });

  it('rejects take on abort and forgets that waiter', async () => {
    const slot = new LatestFrameSlot();
    const ac = new AbortController();
    const pending = slot.take(ac.signal);
    ac.abort(new Error('shutdown'));
    await expect(pending).rejects.toThrow('shutdown');
    slot.put(frame(1)); // not swallowed by the aborted waiter
    expect((await slot.take())?.seq).toBe(1);
    await expect(slot.take(AbortSignal.abort())).rejects.toBeDefined();
  });
});

describe('FakeCapture', () => {
  it('feeds synthetic frames into a slot and reports state and stats', async () => {
    const slot = new LatestFrameSlot();
    const capture = new FakeCapture({ cameraId: 'fake1', sink: slot, width: 32, height: 16, fps: 0, maxFrames: 3 });
    const states: string[] = [];
    capture.onStatus((s) => states.push(s.state));
    capture.start();
    capture.emitFrame();
    capture.emitFrame();
    const last = capture.emitFrame();
    expect(last?.data.length).toBe(32 * 16 * 3);
    expect((await slot.take())?.seq).toBe(2);
    expect(capture.stats()).toMatchObject({ frames: 3, droppedFrames: 2, restarts: 0 });
    expect(states).toEqual(['connecting', 'streaming', 'offline']);
    expect(capture.status().reason).toBe('end of stream');
    capture.simulateStatus('connecting');
    expect(capture.stats().restarts).toBe(1);
    await capture.stop();
  });
});
