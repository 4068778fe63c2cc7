/**
 * A bounded FIFO for messages waiting for a connection. Full, it drops the oldest message (and
 * counts it): when a consumer is gone for long, the newest news is worth more than the oldest, and
 * the producer (ingest) must never wait. A message pushed with a key replaces the queued one with
 * the same key and moves to the back, e.g. only a camera's latest state is worth sending.
 */
export class OfflineQueue<T> {
  // Maps keep insertion order: the first entry is the oldest.
  private readonly items = new Map<string, T>();
  private seq = 0;
  private droppedCount = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`queue capacity must be a positive integer, got ${capacity}`);
  }

  /** @returns how many messages were dropped to make room (0 or 1) */
  push(item: T, key?: string): number {
    const k = key === undefined ? `#${this.seq++}` : `k:${key}`;
    this.items.delete(k);
    this.items.set(k, item);
    if (this.items.size <= this.capacity) return 0;
    const oldest = this.items.keys().next();
    if (!oldest.done) this.items.delete(oldest.value);
    this.droppedCount += 1;
    return 1;
  }

  /** The oldest message, removed; undefined when empty. */
  shift(): T | undefined {
    const first = this.items.entries().next();
    if (first.done) return undefined;
    this.items.delete(first.value[0]);
    return first.value[1];
  }

  get size(): number {
    return this.items.size;
  }

  /** Messages dropped since creation. */
  get dropped(): number {
    return this.droppedCount;
  }
}
