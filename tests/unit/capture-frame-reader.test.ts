import { describe, expect, it } from 'vitest';
import { FrameReader } from '../../edge/src/capture/index.js';

/** A byte stream of `frames` frames of `size` bytes whose byte i is (i mod 251), so any misalignment shows. */
function stream(frames: number, size: number): Buffer {
  const buf = Buffer.alloc(frames * size);
  for (let i = 0; i < buf.length; i++) buf[i] = i % 251;
  return buf;
}

function collect(size: number): { reader: FrameReader; frames: Buffer[] } {
  const frames: Buffer[] = [];
  return { reader: new FrameReader(size, (f) => frames.push(f)), frames };
}

describe('FrameReader', () => {
  it('reassembles frames across arbitrary chunk boundaries, in order and byte-exact', () => {
    const size = 12 * 7 * 3;
    const src = stream(9, size);
    // A fixed irregular cut pattern: tiny chunks, chunks of exactly one frame, chunks of several frames.
    const cuts = [1, 5, size - 6, size, 2 * size + 17, 3, size * 2, 40];
    const { reader, frames } = collect(size);
    let at = 0;
    for (let k = 0; at < src.length; k++) {
      const n = cuts[k % cuts.length] ?? 1;
      reader.push(src.subarray(at, at + n));
      at += n;
    }
    expect(frames).toHaveLength(9);
    frames.forEach((f, i) => expect(f.equals(src.subarray(i * size, (i + 1) * size))).toBe(true));
    expect(reader.buffered).toBe(0);
  });

  it('hands whole frames inside one chunk on without copying, and copies only straddling ones', () => {
    const size = 30;
    const chunk = stream(3, size).subarray(0, 75); // frames 0 and 1 whole, half of frame 2
    const { reader, frames } = collect(size);
    reader.push(chunk);
    expect(frames).toHaveLength(2);
    expect(frames[0]?.buffer).toBe(chunk.buffer);
    expect(frames[1]?.byteOffset).toBe(chunk.byteOffset + size);
    expect(reader.buffered).toBe(15);
    reader.push(stream(3, size).subarray(75));
    expect(frames).toHaveLength(3);
    expect(frames[2]?.buffer).not.toBe(chunk.buffer);
  });

  it('never reuses an emitted buffer for a later frame', () => {
    const size = 10;
    const { reader, frames } = collect(size);
    reader.push(Buffer.alloc(5, 1));
    reader.push(Buffer.alloc(10, 1)); // completes frame 0 (ones), starts frame 1
    reader.push(Buffer.alloc(5, 2));
    expect(frames).toHaveLength(2);
    expect([...(frames[0] ?? [])]).toEqual(Array(10).fill(1));
    expect([...(frames[1] ?? [])]).toEqual([1, 1, 1, 1, 1, 2, 2, 2, 2, 2]);
  });

  it('reset() drops a partial frame so a new stream starts aligned', () => {
    const { reader, frames } = collect(4);
    reader.push(Buffer.from([9, 9]));
    reader.reset();
    expect(reader.buffered).toBe(0);
    reader.push(Buffer.from([1, 2, 3, 4]));
    expect(frames.map((f) => [...f])).toEqual([[1, 2, 3, 4]]);
  });

  it('ignores empty chunks and rejects a non-positive frame size', () => {
    const { reader, frames } = collect(4);
    reader.push(Buffer.alloc(0));
    expect(frames).toHaveLength(0);
    expect(() => new FrameReader(0, () => undefined)).toThrow(RangeError);
  });
});
