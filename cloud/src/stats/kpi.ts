import type { KpiGroup, KpiName, QualityIssueKind } from '../../../protocol/index.js';
import type { CameraHealth } from '../health/camera-health.js';

/**
 * The camera KPIs of the 雪亮工程 / 明厨亮灶 / 智慧工地 assessments, as pure functions:
 * - 完好率 online: the camera is streaming;
 * - 出图率 picture: streaming, and the picture is usable (no `black` or `frozen` quality issue);
 * - 智能化覆盖率 AI coverage: streaming with analysis running;
 * - 目录合规率 directory compliance: its directory record is complete and valid.
 * Now, each camera counts 0 or 1. Over a window each counts the fraction of the time it existed in
 * the window that it spent in the good state (time-weighted), read from its state history.
 */

/** Quality issues that leave no usable picture. */
export const PICTURE_BLOCKING: ReadonlySet<QualityIssueKind> = new Set<QualityIssueKind>(['black', 'frozen']);

/** What each health-based KPI makes of one camera at one moment. */
export interface KpiFlags {
  online: boolean;
  picture: boolean;
  ai: boolean;
}

export function kpiFlags(health: CameraHealth): KpiFlags {
  const online = health.state === 'streaming';
  return {
    online,
    picture: online && !health.quality.some((k) => PICTURE_BLOCKING.has(k)),
    ai: online && health.analysis?.running === true,
  };
}

/** One entry of a state history: `health` held from `at` until the next entry. */
export interface HealthEntry {
  at: number;
  health: CameraHealth;
}

/** Milliseconds one camera spent in each KPI's good state within a window. */
export interface CameraTime {
  /** The part of the window the camera existed in. */
  exposureMs: number;
  onlineMs: number;
  pictureMs: number;
  aiMs: number;
}

/**
 * Time-weighted KPI time of one camera over `[from, to)`.
 * @param history entries oldest first, including the one in effect at `from`; time before the first
 *   entry counts as unknown (not online)
 * @param existsFrom when the camera came into existence; time before it is not counted at all
 */
export function timeInWindow(history: readonly HealthEntry[], from: number, to: number, existsFrom: number): CameraTime {
  const start = Math.max(from, existsFrom);
  const out: CameraTime = { exposureMs: Math.max(0, to - start), onlineMs: 0, pictureMs: 0, aiMs: 0 };
  if (out.exposureMs === 0) return out;
  history.forEach((entry, i) => {
    const end = Math.min(history[i + 1]?.at ?? to, to);
    const begin = Math.max(entry.at, start);
    if (end <= begin) return;
    const flags = kpiFlags(entry.health);
    const span = end - begin;
    if (flags.online) out.onlineMs += span;
    if (flags.picture) out.pictureMs += span;
    if (flags.ai) out.aiMs += span;
  });
  return out;
}

/** One camera's contribution to the KPIs. */
export interface CameraScore {
  cameraId: string;
  siteId: number | null;
  /** 1 now; the milliseconds it existed in the window over a window. */
  weight: number;
  /** 0..weight: 0 or 1 now; good milliseconds over a window. */
  online: number;
  picture: number;
  ai: number;
  /** The directory as it is now: it has no history. */
  compliant: boolean;
}

/** A score from a camera's health now. */
export function scoreNow(cameraId: string, siteId: number | null, health: CameraHealth, compliant: boolean): CameraScore {
  const f = kpiFlags(health);
  return { cameraId, siteId, weight: 1, online: +f.online, picture: +f.picture, ai: +f.ai, compliant };
}

/** A score from a camera's time in a window. */
export function scoreWindow(cameraId: string, siteId: number | null, time: CameraTime, compliant: boolean): CameraScore {
  return { cameraId, siteId, weight: time.exposureMs, online: time.onlineMs, picture: time.pictureMs, ai: time.aiMs, compliant };
}

/** A fraction kept within 0..1 despite floating-point sums, to 6 decimals; null with nothing to divide by. */
function rate(part: number, whole: number): number | null {
  if (whole <= 0) return null;
  return Math.round(Math.min(1, Math.max(0, part / whole)) * 1e6) / 1e6;
}

const round3 = (n: number): number => Math.round(n * 1000) / 1000;

/**
 * The KPIs of a group of cameras.
 * @param unit what one camera counts as in `weight` units: 1 now, the window's length over a window
 *   (which turns summed milliseconds into time-averaged camera counts)
 */
export function summarise(scores: readonly CameraScore[], unit: number): KpiGroup {
  let weight = 0;
  let online = 0;
  let picture = 0;
  let ai = 0;
  let compliant = 0;
  for (const s of scores) {
    weight += s.weight;
    online += s.online;
    picture += s.picture;
    ai += s.ai;
    if (s.compliant) compliant += 1;
  }
  return {
    cameras: scores.length,
    online: round3(online / unit),
    picture: round3(picture / unit),
    aiCoverage: round3(ai / unit),
    directoryCompliant: compliant,
    onlineRate: rate(online, weight),
    pictureRate: rate(picture, weight),
    aiCoverageRate: rate(ai, weight),
    directoryComplianceRate: rate(compliant, scores.length),
  };
}

/** Which KPIs a camera falls short of, with a share for the time-based ones (1 = always good). */
export function shortfalls(score: CameraScore): { kpi: KpiName; share: number }[] {
  const out: { kpi: KpiName; share: number }[] = [];
  const share = (good: number): number => (score.weight > 0 ? good / score.weight : 0);
  if (score.online < score.weight) out.push({ kpi: 'online', share: share(score.online) });
  if (score.picture < score.weight) out.push({ kpi: 'picture', share: share(score.picture) });
  if (score.ai < score.weight) out.push({ kpi: 'aiCoverage', share: share(score.ai) });
  if (!score.compliant) out.push({ kpi: 'directoryCompliance', share: 0 });
  return out;
}
