import type { CloudBus } from '../bus.js';
import type { Repositories } from '../db/repositories.js';
import { cloudTimeOf, offlineHealth, sameHealth, type CameraHealth } from './camera-health.js';

/** When silence means offline. */
export interface HealthTiming {
  /** Heartbeat period assumed for an edge that does not announce its own. */
  heartbeatIntervalMs: number;
  /** Periods without a report after which a camera is offline. */
  missedHeartbeats: number;
}

/** A report of one camera's health, with the edge-clock moment its current state began. */
export interface HealthReport {
  cameraId: string;
  health: CameraHealth;
  /** `since` of the reported state, on the edge's clock. */
  stateSince: number;
  /** The heartbeat's own `at`, on the edge's clock: it gives that clock's offset. */
  heartbeatAt: number;
}

/**
 * Camera health on the cloud: appends to the history (`camera_states`) whenever what the KPIs read
 * changes, and marks cameras offline when nobody reports them any more (edge disconnected or revoked,
 * heartbeats stopped). Times in the history are on the cloud's clock.
 */
export class CameraHealthService {
  /** Announced heartbeat periods by edge id; edges that announce none get the configured default. */
  private readonly intervals = new Map<string, number>();

  constructor(
    private readonly repos: Repositories,
    private readonly bus: CloudBus,
    private readonly timing: HealthTiming,
    private readonly now: () => number = Date.now,
  ) {}

  /** Remembers the heartbeat period an edge announced in its hello (undefined: the default). */
  setHeartbeatInterval(edgeId: string, intervalMs: number | undefined): void {
    if (intervalMs === undefined) this.intervals.delete(edgeId);
    else this.intervals.set(edgeId, intervalMs);
  }

  /** The moment after which a camera reported by `edgeId` at `at` counts as offline if not reported again. */
  staleAfter(edgeId: string, at: number): number {
    return at + this.timing.missedHeartbeats * (this.intervals.get(edgeId) ?? this.timing.heartbeatIntervalMs);
  }

  /**
   * Records a reported health if it differs from the camera's last entry. Call inside a transaction.
   * A new state is dated by the edge's `since` (translated to the cloud clock); any other change by
   * the moment the report arrived.
   * @returns true when the history got a new entry
   */
  observe(report: HealthReport, receivedAt: number): boolean {
    const last = this.repos.cameraStates.latest(report.cameraId);
    if (last && sameHealth(last.health, report.health)) return false;
    const notBefore = last?.at ?? 0;
    const at =
      last?.health.state === report.health.state
        ? Math.max(notBefore, receivedAt)
        : cloudTimeOf(report.stateSince, report.heartbeatAt, receivedAt, notBefore);
    this.repos.cameraStates.append(report.cameraId, at, report.health, receivedAt);
    return true;
  }

  /**
   * Marks every camera of an edge offline, in its own transaction, and tells viewers.
   * @returns the cameras whose state changed
   */
  markEdgeOffline(edgeId: string, reason: string): string[] {
    const now = this.now();
    const changed = this.repos.transaction(() => {
      this.repos.edges.touch(edgeId, now);
      const ids = this.repos.cameras.markEdgeOffline(edgeId, now, reason);
      for (const id of ids) this.recordOffline(id, now, reason);
      return ids;
    });
    this.publish(changed);
    return changed;
  }

  /**
   * Marks offline every camera whose reports stopped for longer than allowed (the sweeper's tick).
   * @returns the cameras marked offline
   */
  sweep(): string[] {
    const now = this.now();
    const changed = this.repos.transaction(() =>
      this.repos.cameras.stale(now).filter((id) => {
        const reason = 'no heartbeat from its edge';
        if (!this.repos.cameras.markOffline(id, now, reason)) return false;
        this.recordOffline(id, now, reason);
        return true;
      }),
    );
    this.publish(changed);
    return changed;
  }

  /** Pushes the current view of these cameras to viewers (after their change committed). */
  publish(ids: Iterable<string>): void {
    for (const id of ids) {
      const camera = this.repos.cameras.get(id);
      if (camera) this.bus.publish('camera', camera);
    }
  }

  private recordOffline(cameraId: string, at: number, reason: string): void {
    const last = this.repos.cameraStates.latest(cameraId);
    const health = offlineHealth(last?.health, reason);
    if (last && sameHealth(last.health, health)) return;
    this.repos.cameraStates.append(cameraId, Math.max(at, last?.at ?? at), health, at);
  }
}
