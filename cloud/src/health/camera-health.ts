import type { CameraAnalysis, CameraState, CameraStatus, QualityIssueKind } from '../../../protocol/index.js';

/** The health facts of a camera that the history keeps and the KPIs read. */
export interface CameraHealth {
  state: CameraState | 'unknown';
  reason: string | null;
  /** Kinds of the active quality issues, sorted, no repeats. */
  quality: QualityIssueKind[];
  /** Null when nothing is known (never reported, or only marked offline by the cloud before any report). */
  analysis: CameraAnalysis | null;
}

/** The history says nothing about a camera before its first report. */
export const UNKNOWN_HEALTH: CameraHealth = Object.freeze({ state: 'unknown', reason: null, quality: [], analysis: null });

/**
 * The health a heartbeat reports for one camera. Edges that predate `analysis` in the protocol still
 * tell enough to infer it: analysis is configured when the camera has rules, and it runs when frames
 * are being analysed while the camera streams.
 */
export function healthFromStatus(status: CameraStatus, rules: readonly string[]): CameraHealth {
  const analysis: CameraAnalysis = status.analysis ?? {
    enabled: rules.length > 0,
    running: rules.length > 0 && status.state === 'streaming' && status.analysedFps > 0,
  };
  const quality = status.quality ? [...new Set(status.quality.map((q) => q.kind))].sort() : [];
  return { state: status.state, reason: status.reason ?? null, quality, analysis };
}

/**
 * The health of a camera the cloud marks offline on its own (edge gone, heartbeats stopped, edge
 * revoked): no picture and no analysis, though analysis stays configured if it was.
 */
export function offlineHealth(previous: CameraHealth | undefined, reason: string): CameraHealth {
  const enabled = previous?.analysis?.enabled;
  return { state: 'offline', reason, quality: [], analysis: enabled === undefined ? null : { enabled, running: false } };
}

/**
 * Whether two observations are the same for the history. The reason is left out on purpose: it is
 * free text that can change with every report (a growing stall time) without anything changing.
 */
export function sameHealth(a: CameraHealth, b: CameraHealth): boolean {
  return (
    a.state === b.state &&
    a.quality.length === b.quality.length &&
    a.quality.every((k, i) => k === b.quality[i]) &&
    a.analysis?.enabled === b.analysis?.enabled &&
    a.analysis?.running === b.analysis?.running
  );
}

/**
 * When a reported change happened, on the cloud's clock. The edge says since when in its own clock;
 * the heartbeat's own `at` gives that clock's offset. The result never precedes the camera's previous
 * history entry (the history stays ordered) nor follows the moment the report arrived.
 */
export function cloudTimeOf(edgeTime: number, heartbeatAt: number, receivedAt: number, notBefore: number): number {
  const translated = edgeTime + (receivedAt - heartbeatAt);
  return Math.min(receivedAt, Math.max(notBefore, translated));
}
