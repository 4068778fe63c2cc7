import type { AccessScope } from '../access/access-scope.js';
import type { CameraStatsResponse, FailingCamera, KpiName, OrgKpi, SiteKpi } from '../../../protocol/index.js';
import type { CameraRecord } from '../db/cameras-repo.js';
import type { Repositories } from '../db/repositories.js';
import { directoryProblems } from '../directory/directory-rules.js';
import { subtrees } from '../directory/org-tree.js';
import { UNKNOWN_HEALTH, type CameraHealth } from '../health/camera-health.js';
import { kpiFlags, PICTURE_BLOCKING, scoreNow, scoreWindow, shortfalls, summarise, timeInWindow, type CameraScore } from './kpi.js';

/** A time window `[from, to)` in epoch ms. */
export interface StatsWindow {
  from: number;
  to: number;
}

function nowReason(kpi: KpiName, camera: CameraRecord | undefined, health: CameraHealth, problems: readonly string[]): string {
  if (kpi === 'directoryCompliance') return problems.join('; ');
  const flags = kpiFlags(health);
  if (!flags.online) {
    if (kpi !== 'online') return 'not streaming';
    if (!camera) return 'not declared by any edge';
    if (health.state === 'unknown') return 'never reported by its edge';
    return health.reason ? `${health.state}: ${health.reason}` : health.state;
  }
  if (kpi === 'picture') return `unusable picture: ${health.quality.filter((k) => PICTURE_BLOCKING.has(k)).join(', ')}`;
  if (!health.analysis) return 'analysis status unknown';
  return health.analysis.enabled ? 'analysis not running' : 'no analysis configured';
}

function windowReason(kpi: KpiName, share: number, problems: readonly string[]): string {
  if (kpi === 'directoryCompliance') return problems.join('; ');
  const what = kpi === 'online' ? 'online' : kpi === 'picture' ? 'with a usable picture' : 'with analysis running';
  return `${what} ${(share * 100).toFixed(1)}% of the time`;
}

/**
 * The camera KPIs overall, per site and per org (each org with its whole subtree), now or over a
 * window, with every camera that falls short and why. Cameras are those declared by an edge and
 * those entered in the directory; a camera without a valid site counts only overall (and in
 * `unassigned`).
 */
export function cameraStats(repos: Repositories, now: number, window?: StatsWindow, scope?: AccessScope): CameraStatsResponse {
  const cameras = new Map(repos.cameras.records().map((c) => [c.item.id, c]));
  const directory = new Map(repos.directory.list().map((e) => [e.cameraId, e]));
  const allSites = repos.sites.list();
  const siteIds = new Set(allSites.map((s) => s.id));
  // Out-of-scope cameras, sites and orgs are left out entirely (their counts included).
  const sites = scope ? allSites.filter((site) => scope.seesSite(site.id)) : allSites;
  const orgs = scope ? repos.orgs.list().filter((org) => scope.seesOrg(org.id)) : repos.orgs.list();
  const latest = window ? undefined : repos.cameraStates.latestAll();
  const histories = window ? repos.cameraStates.window(window.from, window.to) : undefined;

  const scores: CameraScore[] = [];
  const failing: FailingCamera[] = [];
  const ids = [...new Set([...cameras.keys(), ...directory.keys()])].filter((id) => !scope || scope.seesCamera(id)).sort();
  for (const id of ids) {
    const camera = cameras.get(id);
    const entry = directory.get(id);
    const siteId = entry && siteIds.has(entry.siteId) ? entry.siteId : null;
    const problems = directoryProblems(entry, siteId !== null);
    const compliant = problems.length === 0;
    const name = entry?.name ?? camera?.item.name ?? id;
    let score: CameraScore;
    let reason: (kpi: KpiName, share: number) => string;
    if (window && histories) {
      const existsFrom = Math.min(camera?.createdAt ?? Infinity, entry?.createdAt ?? Infinity);
      const time = timeInWindow(histories.get(id) ?? [], window.from, window.to, existsFrom);
      // A camera that did not exist during the window is not part of it.
      if (time.exposureMs === 0) continue;
      score = scoreWindow(id, siteId, time, compliant);
      reason = (kpi, share) => windowReason(kpi, share, problems);
    } else {
      const health = latest?.get(id)?.health ?? UNKNOWN_HEALTH;
      score = scoreNow(id, siteId, health, compliant);
      reason = (kpi) => nowReason(kpi, camera, health, problems);
    }
    scores.push(score);
    const short = shortfalls(score);
    if (short.length > 0) {
      failing.push({ cameraId: id, name, siteId, failures: short.map((s) => ({ kpi: s.kpi, reason: reason(s.kpi, s.share) })) });
    }
  }

  const unit = window ? window.to - window.from : 1;
  const bySite = new Map<number, CameraScore[]>();
  for (const s of scores) {
    if (s.siteId === null) continue;
    const list = bySite.get(s.siteId);
    if (list) list.push(s);
    else bySite.set(s.siteId, [s]);
  }
  const siteKpis: SiteKpi[] = sites.map((site) => ({
    siteId: site.id,
    orgId: site.orgId,
    name: site.name,
    kind: site.kind,
    ...summarise(bySite.get(site.id) ?? [], unit),
  }));
  const sitesByOrg = new Map<number, number[]>();
  for (const site of allSites) sitesByOrg.set(site.orgId, [...(sitesByOrg.get(site.orgId) ?? []), site.id]);
  const trees = subtrees(repos.orgs.list());
  const orgKpis: OrgKpi[] = orgs.map((org) => {
    const inTree = (trees.get(org.id) ?? [org.id]).flatMap((o) => sitesByOrg.get(o) ?? []).flatMap((s) => bySite.get(s) ?? []);
    return { orgId: org.id, parentId: org.parentId, name: org.name, kind: org.kind, ...summarise(inTree, unit) };
  });

  return {
    mode: window ? 'window' : 'now',
    at: now,
    from: window?.from ?? null,
    to: window?.to ?? null,
    overall: summarise(scores, unit),
    sites: siteKpis,
    orgs: orgKpis,
    unassigned: summarise(
      scores.filter((s) => s.siteId === null),
      unit,
    ),
    failing,
  };
}
