import type { FastifyBaseLogger } from 'fastify';
import type { CameraItem, EventItem, NoticeItem, WorkflowUpdate } from '../../protocol/index.js';

/** What changed in stored state, published after the change is committed. */
export interface CloudBusEvents {
  event: EventItem;
  camera: CameraItem;
  /** A workflow transition (and the item's state after it). */
  workflow: WorkflowUpdate;
  /** A stored notice to an org, a site or a user. */
  notice: NoticeItem;
}

type Listener<T> = (payload: T) => void;

/**
 * In-process fan-out of committed changes: ingest publishes, viewer sockets (and later workflow, MQTT,
 * webhooks) subscribe. A failing subscriber is logged and never reaches the publisher, so an ack
 * already owed to an edge cannot be lost to a consumer's bug.
 */
export class CloudBus {
  private readonly listeners: { [K in keyof CloudBusEvents]: Set<Listener<CloudBusEvents[K]>> } = {
    event: new Set(),
    camera: new Set(),
    workflow: new Set(),
    notice: new Set(),
  };

  constructor(private readonly log: FastifyBaseLogger) {}

  /** @returns a function that removes the listener */
  on<K extends keyof CloudBusEvents>(name: K, listener: Listener<CloudBusEvents[K]>): () => void {
    const set = this.listeners[name] as Set<Listener<CloudBusEvents[K]>>;
    set.add(listener);
    return () => set.delete(listener);
  }

  publish<K extends keyof CloudBusEvents>(name: K, payload: CloudBusEvents[K]): void {
    for (const listener of this.listeners[name] as Set<Listener<CloudBusEvents[K]>>) {
      try {
        listener(payload);
      } catch (err) {
        this.log.error({ err, bus: name }, 'bus subscriber failed');
      }
    }
  }
}
