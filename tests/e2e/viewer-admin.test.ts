import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { build } from 'vite';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import { mediaDir, repoRoot } from '../../common/env.js';
import sharp from 'sharp';
import { type OrgItem, type SiteItem, type UserItem, type WorkflowDetail } from '../../protocol/index.js';
import { launchBrowser } from '../support/browser.js';
import { CloudUnderTest, eventMessage, send, testCloudConfig } from '../support/cloud-under-test.js';
import { tempDir } from '../support/harness.js';

const ADMIN_PASSWORD = 'viewer-admin-e2e-pw';
const SITE_PASSWORD = 'canteen-pass-2024';
const REGULATOR_PASSWORD = 'regulator-pass-2024';
const OPERATOR_PASSWORD = 'operator-pass-2024';
const SHOTS = path.join(repoRoot, 'test-artifacts', 'viewer');
const SESSION_KEY = 'mingliang.session';
const EVENT_ID = uuidv7();
/** The event walked through the workflow: sent once its camera is at the canteen. */
const WF_EVENT_ID = uuidv7();

interface StoredSession {
  token: string;
  refreshToken: string;
  expiresAt: number;
  issuedAt: number;
  user: { username: string; role: string };
}

/**
 * Administration, roles, sessions and the closed loop in Debian Chromium against a real cloud
 * (short-lived tokens) with an edge connection declaring two cameras: the admin builds an org, a site
 * and a site user in the UI; the site user sees only its own pages; token renewal keeps the session
 * alive; an event goes through the real workflow routes, each step clicked by the role that takes it.
 */
describe('viewer administration and roles in a real browser', () => {
  const tmp = tempDir('viewer-admin');
  const edgeToken = randomBytes(24).toString('base64url');
  let cloud: CloudUnderTest;
  let edge: Socket;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];

  const shot = async (name: string): Promise<void> => {
    await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  };
  const login = async (username: string, password: string): Promise<void> => {
    await page.goto(cloud.base);
    await page.getByLabel('用户名').fill(username);
    await page.getByLabel('密码').fill(password);
    await page.getByRole('button', { name: '登录' }).click();
    await page.getByTestId('user-badge').waitFor();
  };
  const stored = async (): Promise<StoredSession> => {
    const raw = await page.evaluate((key) => sessionStorage.getItem(key), SESSION_KEY);
    if (raw === null) throw new Error('no session stored');
    return JSON.parse(raw) as StoredSession;
  };
  const navLinks = async (): Promise<string[]> => (await page.locator('.topbar .nav .nav-link').allTextContents()).map((s) => s.trim());

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    const webRoot = path.join(tmp.dir, 'web');
    await build({ configFile: path.join(repoRoot, 'vite.config.ts'), logLevel: 'warn', build: { outDir: webRoot, emptyOutDir: true, sourcemap: false } });
    cloud = await CloudUnderTest.start(
      testCloudConfig(path.join(tmp.dir, 'cloud'), ADMIN_PASSWORD, {
        auth: { admin: { password: ADMIN_PASSWORD }, tokenTtlSeconds: 60 },
        edges: [{ id: 'edge-adm', token: edgeToken }],
      }),
      ADMIN_PASSWORD,
      { webRoot },
    );
    edge = await cloud.helloEdge('edge-adm', edgeToken, ['cam-kitchen', 'cam-street']);
    const ack = await send(edge, 'event', eventMessage({ id: EVENT_ID, seq: 0, phase: 'start', cameraId: 'cam-kitchen', edgeId: 'edge-adm', startedAt: Date.now() }));
    if (!ack.ok) throw new Error(`event refused: ${ack.error.code} ${ack.error.message}`);
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1600, height: 900 }, locale: 'zh-CN' });
    page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await cloud?.close();
    tmp.remove();
  });

  it('lets the admin build an org tree, a site, a camera assignment and a site user in the UI', async () => {
    await login('admin', ADMIN_PASSWORD);
    await page.getByRole('heading', { name: /实时告警/ }).waitFor();
    expect(await navLinks()).toEqual(['监管看板', '实时告警', '摄像机', '事件', '录像回看', '设备健康', '系统管理']);
    await page.locator(`[data-testid="alert-card"][data-event-id="${EVENT_ID}"]`).waitFor();
    await shot('admin-alerts');

    // Org tree: a city, then a district under it.
    await page.getByRole('link', { name: '系统管理' }).click();
    await page.getByRole('link', { name: '组织机构' }).click();
    await page.getByTestId('org-new').click();
    await page.getByTestId('org-name').fill('滨江市');
    await page.getByTestId('org-submit').click();
    const city = page.locator('[data-testid="org-row"][data-name="滨江市"]');
    await city.waitFor();
    await city.getByRole('button', { name: '添加下级' }).click();
    await page.getByTestId('org-name').fill('西湖区');
    expect(await page.getByTestId('org-kind').inputValue()).toBe('district');
    await page.getByTestId('org-submit').click();
    const district = page.locator('[data-testid="org-row"][data-name="西湖区"]');
    await district.waitFor();
    // Rename the district.
    await district.getByRole('button', { name: '重命名/移动' }).click();
    await page.getByTestId('org-name').fill('西湖新区');
    await page.getByTestId('org-submit').click();
    await page.locator('[data-testid="org-row"][data-name="西湖新区"]').waitFor();
    // A city cannot go under a district: the cloud's refusal is shown, nothing changes.
    await page.locator('[data-testid="org-row"][data-name="滨江市"]').getByRole('button', { name: '重命名/移动' }).click();
    await page.getByTestId('org-kind').selectOption('street');
    await page.getByTestId('org-submit').click();
    await expect.poll(() => page.getByTestId('admin-error').textContent()).toMatch(/^请求有误：/);
    await shot('admin-orgs');
    await page.getByRole('button', { name: '取消' }).click();
    const orgs = (await cloud.api<{ items: OrgItem[] }>('GET', '/api/orgs')).body.items;
    expect(orgs.map((o) => [o.name, o.kind])).toEqual(expect.arrayContaining([['滨江市', 'city'], ['西湖新区', 'district']]));
    const districtId = orgs.find((o) => o.name === '西湖新区')?.id;

    // A school canteen in the district.
    await page.getByRole('link', { name: '场所' }).click();
    await page.getByTestId('site-new').click();
    await page.getByTestId('site-name').fill('实验小学食堂');
    await page.getByTestId('site-kind').selectOption('school_canteen');
    await page.getByTestId('site-org').selectOption(String(districtId));
    await page.getByTestId('site-submit').click();
    await page.locator('[data-testid="site-row"][data-name="实验小学食堂"]').waitFor();
    await shot('admin-sites');
    const site = (await cloud.api<{ items: SiteItem[] }>('GET', '/api/sites')).body.items.find((s) => s.name === '实验小学食堂');
    expect(site).toMatchObject({ kind: 'school_canteen', orgId: districtId });

    // The kitchen camera joins the site in the directory.
    await page.getByRole('link', { name: '摄像机目录' }).click();
    const kitchen = page.locator('[data-testid="directory-row"][data-camera-id="cam-kitchen"]');
    await kitchen.getByTestId('dir-edit').click();
    await page.getByTestId('dir-name').fill('后厨操作间');
    await page.getByTestId('dir-site').selectOption(String(site?.id));
    await page.getByTestId('dir-gbid').fill('12345');
    await page.getByTestId('dir-submit').click();
    // A malformed GB id is refused by the browser's own pattern check before any request: fix it.
    expect(await page.getByTestId('dir-gbid').evaluate((el: HTMLInputElement) => el.validity.valid)).toBe(false);
    await page.getByTestId('dir-gbid').fill('');
    await page.getByTestId('dir-submit').click();
    await expect.poll(() => kitchen.locator('td').nth(2).textContent()).toBe('实验小学食堂');
    await shot('admin-directory');

    // The site user, with a refused duplicate first.
    await page.getByRole('link', { name: '用户' }).click();
    await page.getByTestId('user-new').click();
    await page.getByTestId('user-username').fill('admin');
    await page.getByTestId('user-password').fill(SITE_PASSWORD);
    await page.getByTestId('user-role').selectOption('site');
    await page.getByTestId('user-site').selectOption(String(site?.id));
    await page.getByTestId('user-submit').click();
    await expect.poll(() => page.getByTestId('admin-error').textContent()).toBe('与现有数据或当前状态冲突：username "admin" is taken');
    await shot('admin-user-error');
    await page.getByTestId('user-username').fill('canteen1');
    await page.getByTestId('user-display').fill('实验小学');
    await page.getByTestId('user-submit').click();
    const row = page.locator('[data-testid="user-row"][data-username="canteen1"]');
    await row.waitFor();
    expect(await row.textContent()).toContain('实验小学食堂');
    // Disable and enable again.
    await row.getByTestId('user-toggle').click();
    await expect.poll(() => row.getByTestId('user-toggle').textContent()).toBe('启用');
    await row.getByTestId('user-toggle').click();
    await expect.poll(() => row.getByTestId('user-toggle').textContent()).toBe('停用');
    await shot('admin-users');
    const users = (await cloud.api<{ items: UserItem[] }>('GET', '/api/users')).body.items;
    expect(users.find((u) => u.username === 'canteen1')).toMatchObject({ role: 'site', siteId: site?.id, orgId: null, displayName: '实验小学', disabled: false });

    // The audit log shows what was done, filterable by action.
    await page.getByRole('link', { name: '审计日志' }).click();
    await page.locator('[data-testid="audit-row"][data-action="user.create"]').first().waitFor();
    await page.getByTestId('audit-action').fill('user.update');
    await page.getByTestId('audit-apply').click();
    await expect.poll(async () => [...new Set(await page.locator('[data-testid="audit-row"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-action'))))]).toEqual(['user.update']);
    await shot('admin-audit');

    // Event review of the pushed event: the workflow panel is there (empty until the workflow lands).
    await page.goto(`${cloud.base}/events/${EVENT_ID}`);
    await page.getByTestId('wf-panel').waitFor();
    await shot('admin-event-review');

    await page.getByTestId('logout').click();
    await page.getByRole('button', { name: '登录' }).waitFor();
    expect(await page.evaluate((key) => sessionStorage.getItem(key), SESSION_KEY)).toBeNull();
  });

  it('shows the site user only its own pages, and "no access" for others typed in by hand', async () => {
    await login('canteen1', SITE_PASSWORD);
    await page.getByTestId('my-site').waitFor();
    expect(new URL(page.url()).pathname).toBe('/my-site');
    expect(await navLinks()).toEqual(['本单位', '事件']);
    expect(await page.getByTestId('user-badge').textContent()).toBe('实验小学 · 单位用户');
    await page.locator('.conn[data-state="live"]').waitFor();
    await shot('site-my-site');
    for (const url of ['/admin/users', '/admin', '/alerts', '/dashboard', '/health']) {
      await page.goto(`${cloud.base}${url}`);
      await page.getByTestId('route-forbidden').waitFor();
      expect(await page.getByTestId('route-forbidden').textContent(), url).toBe('无权访问此页面');
      expect(await page.locator('[data-testid="admin-page"]').count()).toBe(0);
    }
    await shot('site-no-access');
    // The cloud refuses the admin API to this user whatever the UI shows.
    const token = (await stored()).token;
    expect((await cloud.api('GET', '/api/users', undefined, token)).status).toBe(403);
  });

  it('renews a refused or expiring access token without signing the user out', async () => {
    await page.goto(`${cloud.base}/my-site`);
    await page.getByTestId('my-site').waitFor();
    const before = await stored();

    // A forged access token: REST and the socket handshake are refused, share one renewal, carry on.
    await page.evaluate(
      ([key, s]) => sessionStorage.setItem(key, JSON.stringify({ ...s, token: `${s.token.slice(0, -4)}AAAA` })),
      [SESSION_KEY, before] as const,
    );
    await page.reload();
    await page.getByTestId('my-site').waitFor();
    await page.locator('.conn[data-state="live"]').waitFor();
    const renewed = await stored();
    expect(renewed.refreshToken).not.toBe(before.refreshToken);
    expect(renewed.token).not.toBe(before.token);
    // The session is intact on the cloud: the refresh token it now holds works (used once, here).
    expect((await cloud.api('GET', '/api/auth/me', undefined, renewed.token)).status).toBe(200);

    // An access token about to expire is renewed ahead of time by the timer.
    await page.evaluate(([key, s]) => sessionStorage.setItem(key, JSON.stringify({ ...s, expiresAt: Date.now() + 1000 })), [SESSION_KEY, renewed] as const);
    await page.reload();
    await page.getByTestId('my-site').waitFor();
    await expect.poll(async () => (await stored()).refreshToken, { timeout: 20_000 }).not.toBe(renewed.refreshToken);
    expect((await stored()).expiresAt - Date.now()).toBeGreaterThan(30_000);
    await page.getByTestId('user-badge').waitFor();
    expect(await page.getByRole('button', { name: '登录' }).count()).toBe(0);

    // Logout ends the session on the cloud: its refresh token is dead.
    const last = await stored();
    await page.getByTestId('logout').click();
    await page.getByRole('button', { name: '登录' }).waitFor();
    expect((await cloud.api('POST', '/api/auth/refresh', { refreshToken: last.refreshToken }, null)).status).toBe(401);
  });

  it('walks a real event through 受理, 分拨, 处置 with a photo, a failed 复核, 处置 again and 复核 通过, each step by its own role', async () => {
    const orgs = (await cloud.api<{ items: OrgItem[] }>('GET', '/api/orgs')).body.items;
    const cityId = orgs.find((o) => o.name === '滨江市')?.id;
    const districtId = orgs.find((o) => o.name === '西湖新区')?.id;
    for (const [username, password, role, displayName] of [
      ['op1', OPERATOR_PASSWORD, 'operator', '市监控中心'],
      ['reg1', REGULATOR_PASSWORD, 'regulator', '市场监管局'],
    ] as const) {
      const created = await cloud.api('POST', '/api/users', { username, password, role, orgId: cityId, displayName });
      expect(created.status, username).toBe(201);
    }
    // The kitchen camera is at the canteen now (first test): its next event belongs to the site.
    const ack = await send(edge, 'event', eventMessage({ id: WF_EVENT_ID, seq: 0, phase: 'start', cameraId: 'cam-kitchen', edgeId: 'edge-adm', startedAt: Date.now() }));
    expect(ack.ok).toBe(true);
    const photos = ['kitchen_cctv_kfc_hairnet_mask.jpg', 'construction_ppe_0665.jpg'].map((name) => path.join(mediaDir(), 'images', name));
    const widths = await Promise.all(photos.map(async (f) => (await sharp(f).metadata()).width));
    const panel = page.getByTestId('wf-panel');
    const state = (): Promise<string | null> => panel.getByTestId('wf-state').first().textContent();
    const tabs = (): Promise<string[]> => panel.locator('[role="tab"]').allTextContents();
    const openEvent = async (): Promise<void> => {
      await page.goto(`${cloud.base}/events/${WF_EVENT_ID}`);
      await panel.getByTestId('wf-timeline').waitFor();
    };
    const logout = async (): Promise<void> => {
      await page.getByTestId('logout').click();
      await page.getByRole('button', { name: '登录' }).waitFor();
    };
    const handle = async (photo: string, note: string): Promise<void> => {
      await expect.poll(tabs).toEqual(['提交处置']);
      await panel.getByTestId('wf-photos').setInputFiles(photo);
      await expect.poll(() => panel.locator('[data-testid="wf-photo"]').getAttribute('data-state'), { timeout: 15_000 }).toBe('done');
      await panel.getByTestId('wf-note').fill(note);
      await panel.getByTestId('wf-submit').click();
      await expect.poll(state).toBe('已处置');
    };
    const recheck = async (pass: boolean, score: number, note: string): Promise<void> => {
      await expect.poll(tabs).toEqual(['提交复核']);
      await panel.getByTestId(pass ? 'wf-pass' : 'wf-fail').check();
      await panel.getByTestId('wf-score').fill(String(score));
      await panel.getByTestId('wf-note').fill(note);
      await panel.getByTestId('wf-submit').click();
      await expect.poll(state).toBe(pass ? '已办结' : '已分拨');
    };

    // The operator accepts on the wall with one click, then dispatches to the district.
    await login('op1', OPERATOR_PASSWORD);
    const card = page.locator(`[data-testid="alert-card"][data-event-id="${WF_EVENT_ID}"]`);
    await expect.poll(() => card.getByTestId('wf-state').textContent(), { timeout: 15_000 }).toBe('待受理');
    await shot('workflow-alert-new');
    await card.getByTestId('accept-button').click();
    await expect.poll(() => card.getByTestId('wf-state').textContent()).toBe('已受理');
    expect(await card.getByTestId('accept-button').count()).toBe(0);
    await shot('workflow-alert-accepted');
    await openEvent();
    await expect.poll(tabs).toEqual(['分拨', '标记误报']);
    await panel.getByTestId('wf-org').selectOption(String(districtId));
    await panel.getByTestId('wf-note').fill('请学校食堂立即整改');
    await panel.getByTestId('wf-submit').click();
    await expect.poll(state).toBe('已分拨');
    expect(await panel.locator('[data-action="dispatch"] .tl-detail').textContent()).toMatch(/^单位 西湖新区 · 期限 /);
    await shot('workflow-dispatched');
    await logout();

    // The canteen hears of it through the bell, opens the event from the notice and handles it.
    await login('canteen1', SITE_PASSWORD);
    await expect.poll(() => page.getByTestId('notice-count').textContent(), { timeout: 15_000 }).toMatch(/^[1-9]\d*$/);
    await page.getByTestId('notice-bell').click();
    await page.locator(`[data-testid="notice-item"][data-kind="dispatched"][data-event-id="${WF_EVENT_ID}"]`).click();
    await expect.poll(() => page.getByTestId('event-detail').getAttribute('data-event-id')).toBe(WF_EVENT_ID);
    await handle(photos[0] ?? '', '已佩戴发帽口罩，现场整改完毕');
    await shot('workflow-handled');
    await logout();

    // The regulator finds the photo unconvincing: 复核 不通过, back to the canteen.
    await login('reg1', REGULATOR_PASSWORD);
    await openEvent();
    await recheck(false, 40, '照片不清晰，请重新整改');
    await logout();

    await login('canteen1', SITE_PASSWORD);
    await openEvent();
    await handle(photos[1] ?? '', '已重新整改并拍照');
    await logout();

    await login('reg1', REGULATOR_PASSWORD);
    await openEvent();
    await recheck(true, 95, '整改到位');
    expect(await tabs()).toEqual([]);

    // The timeline on screen: every step, by whom, with both photos.
    expect(await panel.locator('[data-testid="wf-entry"] .tl-action').allTextContents()).toEqual(['发现', '受理', '分拨', '处置', '复核不通过', '处置', '复核通过']);
    expect(await panel.locator('[data-testid="wf-entry"] .tl-who').allTextContents()).toEqual([
      '系统',
      'op1 · 监控中心',
      'op1 · 监控中心',
      'canteen1 · 单位用户',
      'reg1 · 监管部门',
      'canteen1 · 单位用户',
      'reg1 · 监管部门',
    ]);
    await expect.poll(() => panel.locator('[data-testid="attachment-thumb"] img').count(), { timeout: 15_000 }).toBe(2);
    await expect
      .poll(() => panel.locator('[data-testid="attachment-thumb"] img').evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).naturalWidth)))
      .toEqual(widths);
    await shot('workflow-event-review');

    // The cloud recorded the same.
    const detail = (await cloud.api<WorkflowDetail>('GET', `/api/events/${WF_EVENT_ID}/workflow`)).body;
    expect(detail.item).toMatchObject({ state: 'closed', assigneeOrgId: districtId, evaluation: { pass: true, score: 95, comment: '整改到位' } });
    expect(detail.timeline.map((e) => [e.action, e.user?.username ?? null])).toEqual([
      ['discover', null],
      ['accept', 'op1'],
      ['dispatch', 'op1'],
      ['handle', 'canteen1'],
      ['recheck_fail', 'reg1'],
      ['handle', 'canteen1'],
      ['recheck_pass', 'reg1'],
    ]);
    await logout();
  }, 180_000);

  it('starts a regulator on the supervision dashboard', async () => {
    await login('reg1', REGULATOR_PASSWORD);
    await page.getByRole('heading', { name: '监管看板' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/dashboard');
    expect(await navLinks()).toEqual(['监管看板', '实时告警', '摄像机', '事件', '录像回看', '设备健康']);
    // The closed event counts: one violation of the canteen's, rectified.
    await page.getByTestId('summary-tiles').waitFor();
    expect(Number(await page.getByTestId('tile-events').getAttribute('data-value'))).toBeGreaterThanOrEqual(1);
    await page.locator('.trend-chart canvas').waitFor();
    await shot('regulator-dashboard');
    expect(pageErrors).toEqual([]);
  });
});
