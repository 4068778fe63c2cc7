import {
  CodedError,
  type EdgeHello,
  type EdgeOutboxReport,
  type EventItem,
  type EventMessage,
  type Heartbeat,
} from '../../../protocol/index.js';
import type { CloudBus } from '../bus.js';
import type { Repositories } from '../db/repositories.js';
import { healthFromStatus } from '../health/camera-health.js';
import type { CameraHealthService } from '../health/camera-health-service.js';

/**
 * What happened to an event message; every outcome is acknowledged `{ok:true}`.
 * - `stored`: new, or newer than what was stored (an update whose start never arrived is stored too)
 * - `backfilled`: older than what was stored, but it filled in a part still missing (a late start's snapshot)
 * - `duplicate`: the stored seq itself (a resend after a lost ack)
 * - `stale`: older than what was stored and nothing left to add
 */
export type EventOutcome = 'stored' | 'backfilled' | 'duplicate' | 'stale';

/** Work to do once the transaction that applied a message has committed (tell viewers). */
export type AfterCommit = () => void;

/**
 * Runs inside the transaction that first stores an event (e.g. to open its workflow item), so the
 * event and what it implies commit together; returns work for after the commit.
 */
export type EventDiscoveryHook = (item: EventItem, now: number) => AfterCommit | undefined;

/** Camera owners looked up during one batch: a batch of events mostly names the same few cameras. */
export type OwnerCache = Map<string, string>;

/**
 * Applies schema-checked edge messages to storage. Every method runs inside a unit of work the
 * caller opens (the ingest batcher commits many messages in one transaction) and refuses by throwing
 * a CodedError before it writes anything, so a refused message changes nothing. What viewers must be
 * told is returned as an {@link AfterCommit} for the caller to run once the commit succeeded.
 */
export class EdgeIngest {
  /** The latest outbox report of each edge (backlog, quota drops), from its heartbeats; not history. */
  private readonly outboxes = new Map<string, EdgeOutboxReport>();
  private readonly discoveryHooks = new Set<EventDiscoveryHook>();

  constructor(
    private readonly repos: Repositories,
    private readonly bus: CloudBus,
    private readonly health: CameraHealthService,
    private readonly now: () => number = Date.now,
  ) {}

  /** What the edge last said about its store-and-forward queue, if it has sent a heartbeat. */
  outboxOf(edgeId: string): EdgeOutboxReport | undefined {
    return this.outboxes.get(edgeId);
  }

  /** Adds a hook run when an event is first stored. @returns a function that removes it */
  onDiscovered(hook: EventDiscoveryHook): () => void {
    this.discoveryHooks.add(hook);
    return () => this.discoveryHooks.delete(hook);
  }

  /** Registers the edge's cameras. A camera id already owned by another edge refuses the whole hello. */
  hello(edgeId: string, msg: EdgeHello): AfterCommit {
    assertSameEdge(edgeId, msg.edgeId);
    const ids = msg.cameras.map((c) => c.id);
    const repeated = ids.filter((id, i) => ids.indexOf(id) !== i);
    if (repeated.length > 0) throw new CodedError('BAD_MESSAGE', `/cameras: duplicate camera id(s) ${repeated.join(', ')}`);
    const taken = ids.filter((id) => {
      const owner = this.repos.cameras.ownerOf(id);
      return owner !== undefined && owner !== edgeId;
    });
    if (taken.length > 0) throw new CodedError('CONFLICT', `camera id(s) ${taken.join(', ')} belong to another edge`);
    const now = this.now();
    this.repos.edges.touch(edgeId, now);
    const changed = msg.cameras.filter((c) => this.repos.cameras.upsert(edgeId, c, now)).map((c) => c.id);
    this.health.setHeartbeatInterval(edgeId, msg.heartbeatIntervalMs);
    return () => this.health.publish(changed);
  }

  /**
   * Stores one phase of an event, idempotently and in seq order: a message at or below the stored seq
   * never overwrites what a newer one set. An update or end whose start has not arrived is stored
   * (rather than refused) so nothing is lost if the start never comes; when the start does come
   * later it fills in what only it carried (its snapshot) without moving the event back.
   */
  event(edgeId: string, msg: EventMessage, owners: OwnerCache): { outcome: EventOutcome; after?: AfterCommit } {
    assertSameEdge(edgeId, msg.edgeId);
    const now = this.now();
    // The common case of a later phase first, in one statement: it advances an event stored for this
    // very edge and camera, whose ownership was checked when the event was first stored (a camera
    // never changes owner).
    if (msg.phase !== 'start') {
      const advanced = this.repos.events.update(msg, now);
      if (advanced) return this.stored('stored', advanced);
    }
    this.assertOwnsCamera(edgeId, msg.cameraId, owners);
    if (msg.phase === 'start') {
      const inserted = this.repos.events.insert(msg, now);
      if (inserted) return this.stored('stored', inserted, this.discovered(inserted, now));
    }

    const stored = this.repos.events.state(msg.id);
    if (!stored) {
      const item = this.repos.events.insert(msg, now);
      if (!item) throw new Error(`event ${msg.id} neither updatable nor insertable`);
      return this.stored('stored', item, this.discovered(item, now));
    }
    if (stored.edgeId !== edgeId || stored.cameraId !== msg.cameraId) {
      throw new CodedError('CONFLICT', `event ${msg.id} already exists for another camera or edge`);
    }
    if (msg.seq === stored.seq) return { outcome: 'duplicate' };
    if (msg.seq > stored.seq) {
      const item = this.repos.events.update(msg, now);
      if (!item) throw new Error(`event ${msg.id} seq ${msg.seq} did not apply over ${stored.seq}`);
      return this.stored('stored', item);
    }
    const filled = this.repos.events.backfill(msg, now);
    return filled ? this.stored('backfilled', filled) : { outcome: 'stale' };
  }

  /**
   * Records liveness, camera states and their history. A status for a camera the edge does not own
   * refuses the whole heartbeat.
   */
  heartbeat(edgeId: string, msg: Heartbeat): AfterCommit {
    assertSameEdge(edgeId, msg.edgeId);
    this.outboxes.set(edgeId, { at: msg.at, backlog: msg.backlog, ...msg.outbox });
    const owners: OwnerCache = new Map();
    const seen = new Set<string>();
    for (const status of msg.cameras) {
      if (seen.has(status.cameraId)) throw new CodedError('BAD_MESSAGE', `/cameras: camera ${status.cameraId} reported twice`);
      seen.add(status.cameraId);
      this.assertOwnsCamera(edgeId, status.cameraId, owners);
    }
    const now = this.now();
    const staleAfter = this.health.staleAfter(edgeId, now);
    this.repos.edges.touch(edgeId, now);
    const changed: string[] = [];
    for (const status of msg.cameras) {
      const applied = this.repos.cameras.applyStatus(edgeId, status, now, staleAfter);
      if (!applied) continue;
      const report = {
        cameraId: status.cameraId,
        health: healthFromStatus(status, applied.rules),
        stateSince: status.since,
        heartbeatAt: msg.at,
      };
      const recorded = this.health.observe(report, now);
      if (applied.stateChanged || recorded) changed.push(status.cameraId);
    }
    return () => this.health.publish(changed);
  }

  private stored(outcome: EventOutcome, item: EventItem, then: AfterCommit[] = []): { outcome: EventOutcome; after: AfterCommit } {
    return {
      outcome,
      after: () => {
        this.bus.publish('event', item);
        for (const step of then) step();
      },
    };
  }

  private discovered(item: EventItem, now: number): AfterCommit[] {
    const after: AfterCommit[] = [];
    for (const hook of this.discoveryHooks) {
      const step = hook(item, now);
      if (step) after.push(step);
    }
    return after;
  }

  private assertOwnsCamera(edgeId: string, cameraId: string, owners: OwnerCache): void {
    let owner = owners.get(cameraId);
    if (owner === undefined) {
      owner = this.repos.cameras.ownerOf(cameraId);
      // Only owners are remembered: an unknown camera may be declared by a hello later in the batch.
      if (owner !== undefined) owners.set(cameraId, owner);
    }
    if (owner === undefined) throw new CodedError('NOT_FOUND', `camera ${cameraId} is unknown; declare it in hello first`);
    if (owner !== edgeId) throw new CodedError('FORBIDDEN', `camera ${cameraId} belongs to another edge`);
  }
}

function assertSameEdge(authenticated: string, claimed: string): void {
  if (authenticated !== claimed) {
    throw new CodedError('FORBIDDEN', `message is from edge ${claimed} but the connection is authenticated as ${authenticated}`);
  }
}
