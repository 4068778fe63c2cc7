import type { FastifyBaseLogger } from 'fastify';
import type { CameraItem, EventItem, WorkflowUpdate } from '../../../protocol/index.js';
import type { CloudBus } from '../bus.js';

/**
 * One change of an event, Frigate style: `new` the first time an event id is seen, `end` when its
 * phase ended, `update` in between. `before` is the event as last published (null when new, or when
 * it was forgotten: see {@link EventChangeTracker}).
 */
export interface EventChange {
  type: 'new' | 'update' | 'end';
  before: EventItem | null;
  after: EventItem;
}

/** What leaves the cloud, in the order the bus published it. */
export type OutboundMessage =
  | { kind: 'event'; change: EventChange }
  | { kind: 'camera'; camera: CameraItem }
  | { kind: 'workflow'; update: WorkflowUpdate };

/** Open events remembered for `before`; an event still open past this many newer ones is forgotten. */
export const DEFAULT_TRACKED_EVENTS = 10_000;

/**
 * Turns the stored phases of events into new/update/end changes. Remembers open events only (an
 * ended one is dropped), oldest forgotten first, so memory stays bounded however many events never
 * end; a forgotten event's next change is reported as `new` with `before: null` again.
 */
export class EventChangeTracker {
  private readonly open = new Map<string, EventItem>();

  constructor(private readonly capacity = DEFAULT_TRACKED_EVENTS) {}

  classify(after: EventItem): EventChange {
    const before = this.open.get(after.id) ?? null;
    this.open.delete(after.id);
    if (after.phase === 'end') return { type: 'end', before, after };
    this.open.set(after.id, after);
    if (this.open.size > this.capacity) {
      // Maps iterate in insertion order, and every change re-inserts: the first key is the stalest.
      const stalest = this.open.keys().next();
      if (!stalest.done) this.open.delete(stalest.value);
    }
    return { type: before === null ? 'new' : 'update', before, after };
  }

  /** How many open events are remembered. */
  get size(): number {
    return this.open.size;
  }
}

type Listener = (message: OutboundMessage) => void;

/**
 * The one subscription of the integrations to the bus: classifies event changes once for every
 * sink (MQTT, webhooks) so they agree on what was new.
 */
export class OutboundFeed {
  private readonly listeners = new Set<Listener>();
  private readonly tracker: EventChangeTracker;
  private readonly unsubscribe: (() => void)[];

  constructor(
    bus: CloudBus,
    private readonly log: FastifyBaseLogger,
    capacity?: number,
  ) {
    this.tracker = new EventChangeTracker(capacity);
    this.unsubscribe = [
      bus.on('event', (item) => this.emit({ kind: 'event', change: this.tracker.classify(item) })),
      bus.on('camera', (camera) => this.emit({ kind: 'camera', camera })),
      bus.on('workflow', (update) => this.emit({ kind: 'workflow', update })),
    ];
  }

  /** @returns a function that removes the listener */
  on(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    for (const off of this.unsubscribe) off();
    this.listeners.clear();
  }

  private emit(message: OutboundMessage): void {
    // One sink's bug must not keep the message from the others.
    for (const listener of this.listeners) {
      try {
        listener(message);
      } catch (err) {
        this.log.error({ err, kind: message.kind }, 'integration sink failed');
      }
    }
  }
}
