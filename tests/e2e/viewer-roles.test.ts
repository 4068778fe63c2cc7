import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { v7 as uuidv7 } from 'uuid';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../common/env.js';
import {
  RECORDING_UPLOAD_PATH,
  type RecordingFetchAck,
  type RecordingFetchCommand,
  type RecordingListAck,
  type RecordingListCommand,
  type UserRole,
  type ViolationSummaryResponse,
} from '../../protocol/index.js';
import { launchBrowser } from '../support/browser.js';
import { eventMessage, send } from '../support/cloud-under-test.js';
import { readZip, verifyExport } from '../support/export-verify.js';
import { tempDir } from '../support/harness.js';
import { ADMIN_PASSWORD, EDGE_ID, EDGE_TOKEN, startScopedFixture, USER_PASSWORD, type ScopedFixture } from '../support/scoped-fixture.js';

const SHOTS = path.join(repoRoot, 'test-artifacts', 'viewer-roles');
const HOUR = 3600_000;

/** What each role lands on and sees in its navigation (zh-CN). */
const ROLES: Record<UserRole, { username: string; password: string; home: string; nav: string[] }> = {
  admin: { username: 'admin', password: ADMIN_PASSWORD, home: '/alerts', nav: ['监管看板', '实时告警', '摄像机', '事件', '录像回看', '设备健康', '系统管理'] },
  operator: { username: 'fixture-operator', password: USER_PASSWORD, home: '/alerts', nav: ['实时告警', '摄像机', '事件', '录像回看', '设备健康'] },
  regulator: { username: 'fixture-regulator', password: USER_PASSWORD, home: '/dashboard', nav: ['监管看板', '实时告警', '摄像机', '事件', '录像回看', '设备健康'] },
  site: { username: 'fixture-site', password: USER_PASSWORD, home: '/my-site', nav: ['本单位', '事件'] },
};

/** One signed-in browser tab with the API responses it saw (path and status). */
interface Tab {
  context: BrowserContext;
  page: Page;
  responses: { path: string; status: number }[];
}

/**
 * Every role in Debian Chromium against the real cloud (scoped fixture: two districts, a site and a
 * camera in each, users of district/site A): landing pages and navigation, another site's event and
 * camera typed in by a site user (404 from the cloud, "not found" on screen), the regulator dashboard
 * against the statistics API, footage review with gaps, playback and export, and event review with
 * filters, clip and a selection export. The edge's recording side is a socket.io stand-in that answers
 * the protocol's `recording:list` / `recording:fetch` with a real MP4 (the real edge recorder has its
 * own tests); everything else is the product.
 */
describe('viewer per role in a real browser', () => {
  const tmp = tempDir('viewer-roles');
  let fx: ScopedFixture;
  let browser: Browser;
  const tabs: Tab[] = [];
  const pageErrors: string[] = [];
  /** Events of site A made for the statistics, by what happened to them. */
  const seeded = { closed: '', falseAlarm: '', open: [] as string[] };

  const shot = async (page: Page, name: string): Promise<void> => {
    await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  };
  const must = async <T>(method: string, url: string, body?: unknown, token?: string): Promise<T> => {
    const res = await fx.cloud.api<T>(method, url, body, token);
    if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const open = async (role: UserRole): Promise<Tab> => {
    const context = await browser.newContext({ viewport: { width: 1600, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', acceptDownloads: true });
    // A locator that never appears fails with its name well before the test's own limit.
    context.setDefaultTimeout(15_000);
    const page = await context.newPage();
    const tab: Tab = { context, page, responses: [] };
    tabs.push(tab);
    page.on('pageerror', (err) => pageErrors.push(`${role}: ${err.message}`));
    page.on('response', (r) => {
      const url = new URL(r.url());
      if (url.pathname.startsWith('/api/')) tab.responses.push({ path: url.pathname, status: r.status() });
    });
    const { username, password } = ROLES[role];
    await page.goto(fx.cloud.base);
    await page.getByLabel('用户名').fill(username);
    await page.getByLabel('密码').fill(password);
    await page.getByRole('button', { name: '登录' }).click();
    await page.getByTestId('user-badge').waitFor();
    return tab;
  };
  const navLinks = async (page: Page): Promise<string[]> => (await page.locator('.topbar .nav .nav-link').allTextContents()).map((s) => s.trim());

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    const webRoot = path.join(tmp.dir, 'web');
    await build({ configFile: path.join(repoRoot, 'vite.config.ts'), logLevel: 'warn', build: { outDir: webRoot, emptyOutDir: true, sourcemap: false } });
    fx = await startScopedFixture({}, { webRoot });

    // The recording side of the edge: what it has of a camera (two runs and a gap in the middle) and
    // the delivery of a range (a real H.264 MP4 uploaded to the cloud, then the answer).
    const mp4Sha = createHash('sha256').update(fx.mp4).digest('hex');
    const gapOf = (from: number, to: number): { from: number; to: number } => ({ from: from + Math.round((to - from) * 0.4), to: from + Math.round((to - from) * 0.6) });
    fx.edge.on('recording:list', (cmd: RecordingListCommand, ack: (res: RecordingListAck) => void) => {
      const gap = gapOf(cmd.from, cmd.to);
      ack({
        ok: true,
        result: {
          cameraId: cmd.cameraId,
          from: cmd.from,
          to: cmd.to,
          segments: [
            { startAt: cmd.from, endAt: gap.from, bytes: 1_000_000 },
            { startAt: gap.to, endAt: cmd.to, bytes: 1_000_000 },
          ],
          truncated: false,
          gaps: [gap],
          mode: 'continuous',
          oldestAt: cmd.from - HOUR,
          newestAt: cmd.to,
        },
      });
    });
    fx.edge.on('recording:fetch', (cmd: RecordingFetchCommand, ack: (res: RecordingFetchAck) => void) => {
      void (async () => {
        const res = await fetch(`${fx.cloud.base}${RECORDING_UPLOAD_PATH}/${cmd.requestId}/${mp4Sha}`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${EDGE_TOKEN}`, 'x-edge-id': EDGE_ID, 'content-type': 'video/mp4' },
          body: new Uint8Array(fx.mp4),
        });
        if (!res.ok) return ack({ ok: false, error: { code: 'INTERNAL', message: `upload refused: ${res.status}` } });
        ack({ ok: true, result: { sha256: mp4Sha, size: fx.mp4.length, startAt: cmd.from, endAt: cmd.from + 10_000, segments: 2, gaps: [gapOf(cmd.from, cmd.to)] } });
      })();
    });

    // Violations of the last hours at both sites, some taken through the workflow, so the dashboard
    // has rates to show (district A's regulator must count site A's only).
    const now = Date.now();
    const plan: [string, string, number][] = [
      ['cam-a', 'helmet', 1],
      ['cam-a', 'helmet', 2],
      ['cam-a', 'intrusion', 3],
      ['cam-a', 'intrusion', 26],
      ['cam-a', 'missing_attribute', 50],
      ['cam-b', 'helmet', 2],
      ['cam-b', 'helmet', 4],
    ];
    const ids: string[] = [];
    for (const [cameraId, type, hoursAgo] of plan) {
      const id = uuidv7();
      const ack = await send(fx.edge, 'event', eventMessage({ id, seq: 0, phase: 'start', edgeId: EDGE_ID, cameraId, type, startedAt: now - hoursAgo * HOUR, severity: type === 'intrusion' ? 2 : 1 }));
      if (!ack.ok) throw new Error(`event refused: ${ack.error.message}`);
      if (cameraId === 'cam-a') ids.push(id);
    }
    const [closed, falseAlarm, ...rest] = ids as [string, string, ...string[]];
    const wf = (id: string, action: string, body: unknown, token = fx.tokens.admin): Promise<unknown> => must('POST', `/api/events/${id}/workflow/${action}`, body, token);
    await wf(closed, 'accept', {}, fx.tokens.operator);
    await wf(closed, 'dispatch', {}, fx.tokens.operator);
    await wf(closed, 'handle', { note: '已整改', attachments: [] }, fx.tokens.site);
    await wf(closed, 'recheck', { pass: true, note: '整改到位', score: 90 }, fx.tokens.regulator);
    await wf(falseAlarm, 'false-alarm', { reason: '误检：人员已戴帽' }, fx.tokens.operator);
    await wf(rest[0] ?? '', 'dispatch', {}, fx.tokens.operator);
    Object.assign(seeded, { closed, falseAlarm, open: rest });

    browser = await launchBrowser();
  }, 180_000);

  afterAll(async () => {
    for (const tab of tabs) await tab.context.close().catch(() => undefined);
    await browser?.close();
    await fx?.close();
    tmp.remove();
  });

  it('lands every role on its home page with its own navigation; the admin sees every main page', async () => {
    for (const role of ['admin', 'operator', 'regulator', 'site'] as const) {
      const { page, context } = await open(role);
      await expect.poll(() => new URL(page.url()).pathname, { timeout: 20_000 }).toBe(ROLES[role].home);
      expect(await navLinks(page), role).toEqual(ROLES[role].nav);
      await page.locator('.conn[data-state="live"]').waitFor();
      await shot(page, `${role}-home`);
      if (role === 'admin') {
        for (const [link, name] of [['摄像机', 'cameras'], ['事件', 'events'], ['设备健康', 'health'], ['系统管理', 'admin'], ['监管看板', 'dashboard'], ['录像回看', 'footage']] as const) {
          await page.getByRole('link', { name: link, exact: true }).click();
          await page.locator('main h1').first().waitFor();
          await page.waitForLoadState('networkidle');
          await shot(page, `admin-${name}`);
        }
      }
      await context.close();
    }
  }, 120_000);

  it('shows a site user "not found" for another site\'s event and camera typed in, and the cloud answered 404', async () => {
    const { page, responses } = await open('site');
    const other = fx.side.B;
    await page.goto(`${fx.cloud.base}/events/${other.eventId}`);
    await expect.poll(() => page.getByTestId('event-not-found').textContent()).toBe('事件不存在或无权访问');
    expect(responses).toContainEqual({ path: `/api/events/${other.eventId}`, status: 404 });
    await shot(page, 'site-other-event');

    await page.goto(`${fx.cloud.base}/my-site?camera=${other.cameraId}`);
    await expect.poll(() => page.getByTestId('camera-not-found').textContent()).toBe('摄像机不存在或无权访问');
    expect(responses).toContainEqual({ path: `/api/cameras/${other.cameraId}`, status: 404 });
    await shot(page, 'site-other-camera');

    // Its own event and camera open; footage review is not its page.
    await page.goto(`${fx.cloud.base}/events/${fx.side.A.eventId}`);
    await page.getByTestId('event-detail').waitFor();
    expect(responses).toContainEqual({ path: `/api/events/${fx.side.A.eventId}`, status: 200 });
    await page.goto(`${fx.cloud.base}/footage?camera=${fx.side.A.cameraId}`);
    await expect.poll(() => page.getByTestId('route-forbidden').textContent()).toBe('无权访问此页面');
    expect(responses.filter((r) => r.path.includes('/recordings'))).toEqual([]);

    // Its notices: the dispatch of its own event, none of site B's. Opening one opens the event.
    await page.goto(`${fx.cloud.base}/my-site`);
    await expect.poll(() => page.getByTestId('notice-count').textContent()).toMatch(/^\d+$/);
    await page.getByTestId('notice-bell').click();
    const items = page.getByTestId('notice-item');
    await items.first().waitFor();
    const eventIds = await items.evaluateAll((els) => els.map((e) => e.getAttribute('data-event-id')));
    expect(eventIds).not.toContain(other.eventId);
    expect(eventIds).toContain(seeded.open[0]);
    await shot(page, 'site-notices');
    await page.locator(`[data-testid="notice-item"][data-kind="dispatched"][data-event-id="${seeded.open[0]}"]`).click();
    await expect.poll(() => page.getByTestId('event-detail').getAttribute('data-event-id')).toBe(seeded.open[0]);
  }, 120_000);

  it('shows the regulator the same figures as the statistics API, in Chinese and in English', async () => {
    const { page } = await open('regulator');
    const dash = page.getByTestId('dashboard');
    await page.getByTestId('summary-tiles').waitFor();
    const from = Number(await dash.getAttribute('data-from'));
    const to = Number(await dash.getAttribute('data-to'));
    const api = await must<ViolationSummaryResponse>('GET', `/api/stats/violations/summary?from=${from}&to=${to}`, undefined, fx.tokens.regulator);
    // District A only: the five violations of site A, of which one closed and one false alarm.
    expect(api.totals).toMatchObject({ events: 5, closed: 1, falseAlarms: 1 });
    const tile = (id: string): Promise<string | null> => page.getByTestId(`tile-${id}`).getAttribute('data-value');
    expect(await tile('events')).toBe(String(api.totals.events));
    expect(await tile('rectification')).toBe(String(api.totals.rectificationRate));
    expect(await tile('onTime')).toBe(String(api.totals.onTimeRate));
    expect(await tile('falseAlarm')).toBe(String(api.totals.falseAlarmRate));
    expect(await tile('overdue')).toBe(String(api.totals.overdueNow));
    expect(await tile('escalated')).toBe(String(api.totals.escalated));
    expect(await page.getByTestId('tile-rectification').locator('.stat-value').textContent()).toBe(`${((api.totals.rectificationRate ?? 0) * 100).toFixed(1)}%`);
    // Rankings and hygiene: site A only.
    await expect.poll(() => page.locator('[data-testid="rank-sites"] [data-testid="ranking-row"]').evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-key'), r.getAttribute('data-events')]))).toEqual([
      [String(fx.side.A.siteId), '5'],
    ]);
    await page.locator(`[data-testid="hygiene-row"][data-site-id="${fx.side.A.siteId}"]`).waitFor();
    expect(await page.locator('[data-testid="hygiene-row"]').count()).toBe(1);
    await page.locator('.trend-chart canvas').waitFor();
    await page.waitForLoadState('networkidle');
    await shot(page, 'regulator-dashboard');

    await page.getByTestId('bucket-week').click();
    await expect.poll(() => new URL(page.url()).searchParams.get('bucket')).toBe('week');
    await page.getByTestId('lang-switch').click();
    await page.getByRole('heading', { name: 'Supervision dashboard' }).waitFor();
    expect(await page.getByTestId('tile-rectification').locator('.stat-label').textContent()).toBe('Rectification rate');
    expect(await page.getByTestId('range-custom').textContent()).toBe('Custom');
    await page.waitForLoadState('networkidle');
    await shot(page, 'regulator-dashboard-en');
    await page.getByTestId('lang-switch').click();
    await page.getByRole('heading', { name: '监管看板' }).waitFor();
  }, 120_000);

  it('lets the regulator see the gaps of a camera\'s recordings, play a range and export it', async () => {
    const { page } = await open('regulator');
    const to = Date.now();
    const from = to - 10 * 60_000;
    await page.goto(`${fx.cloud.base}/footage?camera=${fx.side.A.cameraId}&from=${from}&to=${to}`);
    await page.getByTestId('recording-bar').waitFor();
    expect(await page.getByTestId('rec-gap').count()).toBe(1);
    expect(await page.getByTestId('rec-gap').textContent()).toBe('无录像');
    expect(await page.getByTestId('rec-run').count()).toBe(2);
    expect(await page.getByTestId('footage-recorded').textContent()).toBe('8.0 分钟 / 共 10.0 分钟');

    await page.getByTestId('footage-play').click();
    const video = page.getByTestId('playback-video');
    await video.waitFor({ timeout: 30_000 });
    await expect.poll(() => video.evaluate((v: HTMLVideoElement) => (v.readyState >= 1 ? v.duration : 0)), { timeout: 20_000 }).toBeGreaterThan(5);
    expect(await video.getAttribute('src')).toMatch(/^blob:/);
    await shot(page, 'regulator-footage');

    await page.getByTestId('footage-export').click();
    await expect.poll(() => page.getByTestId('export-progress').getAttribute('data-state'), { timeout: 60_000 }).toBe('ready');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-download').click()]);
    const zipFile = path.join(tmp.dir, 'range.zip');
    await download.saveAs(zipFile);
    const { manifest, problems } = verifyExport(await readZip(zipFile));
    expect(problems).toEqual([]);
    expect(manifest?.range).toMatchObject({ cameraId: fx.side.A.cameraId, from, to });
    await shot(page, 'regulator-footage-exported');
  }, 120_000);

  it('lets the operator filter events by type and state, play a clip and export a selection', async () => {
    const { page } = await open('operator');
    await page.goto(`${fx.cloud.base}/events?range=all`);
    await page.getByTestId('event-row').first().waitFor();
    // District A: the fixture event and the five seeded ones, none of site B.
    await expect.poll(() => page.getByTestId('event-row').count()).toBe(6);
    await page.getByTestId('filter-type').selectOption('intrusion');
    await expect.poll(() => page.getByTestId('event-row').count()).toBe(2);
    await page.getByTestId('filter-type').selectOption('');
    await page.getByTestId('filter-state').selectOption('closed');
    await expect.poll(() => page.getByTestId('event-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-event-id')))).toEqual([seeded.closed]);
    await page.getByTestId('filter-state').selectOption('false_alarm');
    await expect.poll(() => page.getByTestId('event-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-event-id')))).toEqual([seeded.falseAlarm]);
    await page.getByTestId('filter-state').selectOption('');
    await page.getByTestId('filter-site').selectOption(String(fx.side.A.siteId));
    await expect.poll(() => page.getByTestId('event-row').count()).toBe(6);
    await page.waitForLoadState('networkidle');
    await shot(page, 'operator-events');

    // The fixture's event has a snapshot, a thumbnail and a clip.
    await page.locator(`[data-testid="event-row"][data-event-id="${fx.side.A.eventId}"] .event-link`).click();
    const clip = page.getByTestId('clip-video');
    await clip.waitFor();
    await expect.poll(() => clip.evaluate((v: HTMLVideoElement) => (v.readyState >= 1 ? v.duration : 0)), { timeout: 20_000 }).toBeGreaterThan(5);
    await page.locator('.detail-thumb img').waitFor();
    await shot(page, 'operator-event-detail');

    await page.getByRole('link', { name: /返回/ }).click();
    await page.getByTestId('event-row').first().waitFor();
    const pick = [fx.side.A.eventId, seeded.closed];
    for (const id of pick) await page.locator(`[data-testid="event-row"][data-event-id="${id}"] [data-testid="event-select"]`).check();
    expect(await page.getByTestId('export-selected').textContent()).toBe('导出所选（2）');
    await page.getByTestId('export-selected').click();
    await expect.poll(() => page.getByTestId('export-progress').getAttribute('data-state'), { timeout: 60_000 }).toBe('ready');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-download').click()]);
    const zipFile = path.join(tmp.dir, 'events.zip');
    await download.saveAs(zipFile);
    const { manifest, problems } = verifyExport(await readZip(zipFile));
    expect(problems).toEqual([]);
    expect([...(manifest?.eventIds ?? [])].sort()).toEqual([...pick].sort());
    await shot(page, 'operator-events-exported');
    expect(pageErrors).toEqual([]);
  }, 120_000);
});
