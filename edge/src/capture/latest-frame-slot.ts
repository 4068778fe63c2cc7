import type { Frame } from '../types.js';

interface Waiter<T> {
  resolve(value: T | undefined): void;
  reject(reason: unknown): void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/**
 * Latest-frame-wins hand-off between a producer (capture) and a slower consumer (detection).
 *
 * It holds at most one value: `put` on an occupied slot replaces the unconsumed value and counts it
 * as dropped, so a slow consumer always gets the newest frame and memory never grows with the lag
 * (the opposite of a queue, which would make detections ever later). A waiting `take` gets the value
 * directly, without a drop.
 *
 * Iterable with `for await`, which ends when the slot is closed.
 */
export class LatestFrameSlot<T = Frame> implements AsyncIterable<T> {
  /**
   * @param onDrop called with each value that nobody will take: replaced unread, put after close, or
   *   held at close (the capture takes its buffer back)
   */
  constructor(private readonly onDrop?: (value: T) => void) {}

  private value: T | undefined;
  private hasValue = false;
  private readonly waiters: Waiter<T>[] = [];
  private droppedCount = 0;
  private isClosed = false;

  /** Values replaced before anyone took them (plus values put after close). */
  get dropped(): number {
    return this.droppedCount;
  }

  /** True while a value waits to be taken (never more than one). */
  get occupied(): boolean {
    return this.hasValue;
  }

  /** True after {@link close}. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** Offers a value: to the oldest waiting `take`, else into the slot, replacing (and dropping) any unread one. */
  put(value: T): void {
    if (this.isClosed) {
      this.droppedCount++;
      this.onDrop?.(value);
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter !== undefined) {
      settle(waiter);
      waiter.resolve(value);
      return;
    }
    if (this.hasValue) {
      this.droppedCount++;
      this.onDrop?.(this.value as T);
    }
    this.value = value;
    this.hasValue = true;
  }

  /**
   * The held value, or the next one put. Resolves `undefined` once the slot is closed; rejects with
   * the signal's reason if `signal` aborts first.
   */
  take(signal?: AbortSignal): Promise<T | undefined> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.hasValue) {
      const value = this.value as T;
      this.value = undefined;
      this.hasValue = false;
      return Promise.resolve(value);
    }
    if (this.isClosed) return Promise.resolve(undefined);
    return new Promise<T | undefined>((resolve, reject) => {
      const waiter: Waiter<T> = { resolve, reject, signal, onAbort: undefined };
      if (signal !== undefined) {
        waiter.onAbort = () => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(signal.reason);
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.waiters.push(waiter);
    });
  }

  /** Ends the hand-off: releases any held value and resolves every waiting `take` with `undefined`. Idempotent. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    const held = this.value;
    const hadValue = this.hasValue;
    this.value = undefined;
    this.hasValue = false;
    if (hadValue) this.onDrop?.(held as T);
    for (const waiter of this.waiters.splice(0)) {
      settle(waiter);
      waiter.resolve(undefined);
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      const value = await this.take();
      if (value === undefined && this.isClosed) return;
      yield value as T;
    }
  }
}

function settle<T>(waiter: Waiter<T>): void {
  if (waiter.signal !== undefined && waiter.onAbort !== undefined) {
    waiter.signal.removeEventListener('abort', waiter.onAbort);
  }
}
