import {
  CodedError,
  type EdgeHello,
  type EventMessage,
  type Heartbeat,
} from '../../../protocol/index.js';
import type { CloudBus } from '../bus.js';
import type { Repositories } from '../db/repositories.js';

/** What happened to an event message; every outcome is acknowledged `{ok:true}`. */
export type EventOutcome = 'stored' | 'duplicate' | 'stale';

/**
 * Applies schema-checked edge messages to storage. Each message is one transaction: when a method
 * returns, its change is committed (so the caller may ack), and viewers are told afterwards. A
 * refusal throws a CodedError and changes nothing.
 */
export class EdgeIngest {
  constructor(
    private readonly repos: Repositories,
    private readonly bus: CloudBus,
    private readonly now: () => number = Date.now,
  ) {}

  /** Registers the edge's cameras. A camera id already owned by another edge refuses the whole hello. */
  hello(edgeId: string, msg: EdgeHello): void {
    assertSameEdge(edgeId, msg.edgeId);
    const ids = msg.cameras.map((c) => c.id);
    const repeated = ids.filter((id, i) => ids.indexOf(id) !== i);
    if (repeated.length > 0) throw new CodedError('BAD_MESSAGE', `/cameras: duplicate camera id(s) ${repeated.join(', ')}`);
    const now = this.now();
    const changed = this.repos.transaction(() => {
      const taken = ids.filter((id) => {
        const owner = this.repos.cameras.ownerOf(id);
        return owner !== undefined && owner !== edgeId;
      });
      if (taken.length > 0) throw new CodedError('CONFLICT', `camera id(s) ${taken.join(', ')} belong to another edge`);
      this.repos.edges.touch(edgeId, now);
      return msg.cameras.filter((c) => this.repos.cameras.upsert(edgeId, c, now)).map((c) => c.id);
    });
    this.publishCameras(changed);
  }

  /**
   * Stores one phase of an event, idempotently: a seq at or below the stored one is a replay or
   * arrived late and changes nothing.
   */
  event(edgeId: string, msg: EventMessage): EventOutcome {
    assertSameEdge(edgeId, msg.edgeId);
    const outcome = this.repos.transaction((): EventOutcome => {
      this.assertOwnsCamera(edgeId, msg.cameraId);
      const stored = this.repos.events.state(msg.id);
      if (!stored) {
        this.repos.events.insert(msg, this.now());
        return 'stored';
      }
      if (stored.edgeId !== edgeId || stored.cameraId !== msg.cameraId) {
        throw new CodedError('CONFLICT', `event ${msg.id} already exists for another camera or edge`);
      }
      if (msg.seq === stored.seq) return 'duplicate';
      if (msg.seq < stored.seq) return 'stale';
      this.repos.events.update(msg, this.now());
      return 'stored';
    });
    if (outcome === 'stored') {
      const item = this.repos.events.get(msg.id);
      if (item) this.bus.publish('event', item);
    }
    return outcome;
  }

  /** Records liveness and camera states. A status for a camera the edge does not own refuses it all. */
  heartbeat(edgeId: string, msg: Heartbeat): void {
    assertSameEdge(edgeId, msg.edgeId);
    const now = this.now();
    const changed = this.repos.transaction(() => {
      for (const status of msg.cameras) this.assertOwnsCamera(edgeId, status.cameraId);
      this.repos.edges.touch(edgeId, now);
      return msg.cameras.filter((s) => this.repos.cameras.applyStatus(edgeId, s, now)).map((s) => s.cameraId);
    });
    this.publishCameras(changed);
  }

  /** The edge's last connection closed: nobody reports its cameras any more. */
  edgeDisconnected(edgeId: string): void {
    const now = this.now();
    const changed = this.repos.transaction(() => {
      this.repos.edges.touch(edgeId, now);
      return this.repos.cameras.markEdgeOffline(edgeId, now, 'edge disconnected');
    });
    for (const camera of changed) this.bus.publish('camera', camera);
  }

  private assertOwnsCamera(edgeId: string, cameraId: string): void {
    const owner = this.repos.cameras.ownerOf(cameraId);
    if (owner === undefined) throw new CodedError('NOT_FOUND', `camera ${cameraId} is unknown; declare it in hello first`);
    if (owner !== edgeId) throw new CodedError('FORBIDDEN', `camera ${cameraId} belongs to another edge`);
  }

  private publishCameras(ids: readonly string[]): void {
    for (const id of ids) {
      const camera = this.repos.cameras.get(id);
      if (camera) this.bus.publish('camera', camera);
    }
  }
}

function assertSameEdge(authenticated: string, claimed: string): void {
  if (authenticated !== claimed) {
    throw new CodedError('FORBIDDEN', `message is from edge ${claimed} but the connection is authenticated as ${authenticated}`);
  }
}
