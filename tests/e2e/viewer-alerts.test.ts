import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../common/env.js';
import { buildApp } from '../../cloud/src/app.js';
import { parseCloudConfig } from '../../cloud/src/config.js';
import { parseEdgeConfig } from '../../edge/src/config.js';
import { startEdgeNode, type EdgeNode } from '../../edge/src/edge-node.js';
import { startCameraSimulator, type CameraSimulator } from '../../streams/simulator.js';
import { launchBrowser } from '../support/browser.js';
import { tempDir, testLogger, testModelsDir } from '../support/harness.js';

const ADMIN_PASSWORD = 'viewer-e2e-admin-pw';
const SHOTS = path.join(repoRoot, 'test-artifacts', 'viewer');

/**
 * The viewer SPA, built with vite, in Debian Chromium against a real cloud with a real edge analysing
 * a simulated RTSP camera (the Intel parking-lot clip) and a second camera that never answers.
 */
describe('viewer in a real browser', () => {
  const tmp = tempDir('viewer');
  const edgeToken = randomBytes(24).toString('base64url');
  let sim: CameraSimulator;
  let app: FastifyInstance;
  let edge: EdgeNode;
  let browser: Browser;
  let page: Page;
  let base: string;

  const shot = async (name: string): Promise<void> => {
    await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
  };

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    const webRoot = path.join(tmp.dir, 'web');
    // The build and the camera both take a few seconds: start them together.
    const [, camSim] = await Promise.all([
      build({
        configFile: path.join(repoRoot, 'vite.config.ts'),
        logLevel: 'warn',
        build: { outDir: webRoot, emptyOutDir: true, sourcemap: false },
      }),
      startCameraSimulator({ cameras: [{ name: 'lot', clip: 'videos/intel-person-bicycle-car-gop1s-noaudio.ts' }], logger: testLogger('streams') }),
    ]);
    sim = camSim;
    const cloudConfig = parseCloudConfig(
      {
        server: { port: 0 },
        dataDir: path.join(tmp.dir, 'cloud'),
        auth: { admin: { password: ADMIN_PASSWORD } },
        edges: [{ id: 'edge-web', token: edgeToken }],
        // Live view: the edge pushes the camera to the cloud's media server, the browser plays HTTP-FLV.
        media: { enabled: true, rtmpPort: 0, httpPort: 0 },
      },
      {},
    );
    app = await buildApp(cloudConfig, { webRoot });
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const edgeConfig = parseEdgeConfig(
      {
        edgeId: 'edge-web',
        dataDir: path.join(tmp.dir, 'edge'),
        cloud: { url: base, token: edgeToken, heartbeatIntervalMs: 1000 },
        models: { dir: testModelsDir(), intraOpThreads: 2 },
        cameras: [
          {
            id: 'lot-1',
            name: 'Parking lot',
            url: sim.urls.lot,
            detect: { width: 768, height: 432, fps: 5 },
            models: ['coco-yolox-nano'],
            rules: [{ id: 'person-present', type: 'presence', classes: ['person'], minScore: 0.5, enterFrames: 3, exitFrames: 5 }],
          },
          // Nothing listens on port 9: this camera stays down and shows so on the grid.
          { id: 'gate-2', name: 'North gate', url: 'rtsp://127.0.0.1:9/none', record: { enabled: false }, rules: [] },
        ],
      },
      'viewer-e2e',
      { env: {} },
    );
    [edge, browser] = await Promise.all([startEdgeNode(edgeConfig, testLogger('edge')), launchBrowser()]);
    page = await browser.newPage({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await edge?.stop();
    await app?.close();
    await sim?.stop();
    tmp.remove();
  }, 60_000);

  it('refuses a wrong password with an error, then signs in to the alert wall', async () => {
    await page.goto(base);
    await page.getByLabel('密码').fill('not-the-password');
    await page.getByRole('button', { name: '登录' }).click();
    await expect.poll(() => page.getByTestId('login-error').textContent()).toBe('用户名或密码错误');
    await shot('login-error');

    await page.getByLabel('密码').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: '登录' }).click();
    await page.getByRole('heading', { name: /实时告警/ }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/alerts');
    const stored = await page.evaluate(() => JSON.parse(sessionStorage.getItem('mingliang.session') ?? '{}') as { token?: string; refreshToken?: string });
    expect(stored.token).toMatch(/^ey/);
    expect(stored.refreshToken).toEqual(expect.any(String));
    await page.locator('.conn[data-state="live"]').waitFor();
  });

  it('shows a person alert from the parking-lot camera as it happens, without a reload', async () => {
    // A reload would drop this marker.
    await page.evaluate(() => Object.assign(window, { __sameDocument: true }));
    // The pedestrian enters the clip about 20 s in; the clip loops every 38 s.
    const card = page.locator('[data-testid="alert-card"]', { hasText: 'Parking lot' }).filter({ hasText: '人员' }).first();
    await card.waitFor({ timeout: 75_000 });
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    // Marked new: it came over the live connection, not with the page's first load.
    expect(await card.getAttribute('class')).toContain('fresh');
    expect(await card.textContent()).toContain('目标出现');
    await card.locator('img').waitFor();
    await expect.poll(() => card.locator('img').evaluate((img: HTMLImageElement) => img.naturalWidth), { timeout: 10_000 }).toBe(768);
    await shot('alert-wall');

    // Filters narrow the wall and live in the URL.
    const severity = await card.getAttribute('data-severity');
    const other = severity === '3' ? '1' : '3';
    await page.getByTestId('filter-severity').selectOption(other);
    await page.getByTestId('alerts-empty').waitFor();
    expect(new URL(page.url()).searchParams.get('severity')).toBe(other);
    await page.getByTestId('filter-severity').selectOption(severity ?? '');
    await card.waitFor();
  }, 90_000);

  it('lists the cameras on the grid with their health and plays the live camera over HTTP-FLV', async () => {
    await page.getByRole('navigation').getByRole('link', { name: '摄像机', exact: true }).click();
    const lot = page.locator('[data-testid="camera-tile"][data-camera-id="lot-1"]');
    const gate = page.locator('[data-testid="camera-tile"][data-camera-id="gate-2"]');
    await lot.waitFor();
    await expect.poll(() => lot.locator('.cam-state').textContent()).toBe('在线');
    expect(await gate.locator('.cam-state').textContent()).toMatch(/^(离线|连接中|卡顿|未知)$/);
    // mpegts.js in the page: the cloud has the edge push the camera, then the video plays and advances.
    await lot.locator('.live[data-playing="true"]').waitFor({ timeout: 30_000 });
    const video = lot.getByTestId('live-video');
    await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.videoWidth), { timeout: 10_000 }).toBeGreaterThan(0);
    const t0 = await video.evaluate((v: HTMLVideoElement) => v.currentTime);
    await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 10_000 }).toBeGreaterThan(t0 + 0.5);
    // The dead camera is not streaming: no live request, its (missing) snapshot instead.
    expect(await gate.getByTestId('live-video').count()).toBe(0);
    await shot('camera-grid');

    // Without live video the tile shows the camera's latest snapshot.
    await page.getByTestId('live-toggle').uncheck();
    await expect.poll(() => lot.locator('img').evaluate((img: HTMLImageElement) => img.naturalWidth), { timeout: 10_000 }).toBe(768);
    await shot('camera-grid-snapshots');

    await lot.click();
    await page.getByTestId('camera-focus').waitFor();
    expect(await page.getByTestId('camera-focus').textContent()).toContain('edge-web');
    await shot('camera-focus');
    await page.keyboard.press('Escape');
    await lot.waitFor();
  });

  it('opens an event from the review list and shows its snapshot with the detection boxes', async () => {
    await page.getByRole('navigation').getByRole('link', { name: '事件', exact: true }).click();
    const row = page.locator('[data-testid="event-row"]', { hasText: 'Parking lot' }).first();
    await row.waitFor();
    // The list shows the object thumbnail the edge cut out (the full snapshot when there is none).
    const eventId = await row.getAttribute('data-event-id');
    const thumbWidth = await page.evaluate(async (id) => {
      const { token } = JSON.parse(sessionStorage.getItem('mingliang.session') ?? '{}') as { token?: string };
      const res = await fetch(`/api/events/${id}/thumbnail`, { headers: { authorization: `Bearer ${token ?? ''}` } });
      return res.ok ? (await createImageBitmap(await res.blob())).width : null;
    }, eventId);
    await expect.poll(() => row.locator('img').evaluate((img: HTMLImageElement) => img.naturalWidth), { timeout: 10_000 }).toBe(thumbWidth ?? 768);
    await shot('event-list');
    await row.locator('a.event-link').click();
    const detail = page.getByTestId('event-detail');
    await detail.waitFor();
    expect(new URL(page.url()).pathname).toMatch(/^\/events\/[0-9a-f-]{36}$/);
    await expect.poll(() => detail.locator('.detail-media .snapshot img').evaluate((img: HTMLImageElement) => img.naturalWidth), { timeout: 10_000 }).toBe(768);
    expect(await detail.locator('[data-testid="detection-boxes"] rect').count()).toBeGreaterThan(0);
    expect(await detail.textContent()).toContain('person-present');
    await shot('event-detail');
    await page.getByTestId('boxes-toggle').uncheck();
    expect(await detail.locator('[data-testid="detection-boxes"]').count()).toBe(0);
  });

  it('shows the camera KPIs on the health page', async () => {
    await page.getByRole('navigation').getByRole('link', { name: '设备健康', exact: true }).click();
    await page.getByTestId('kpi-online').locator('canvas').waitFor();
    await page.getByText('未达标摄像机').waitFor();
    // The dead camera is not online: it is listed among the failing ones.
    await page.locator('table', { hasText: 'gate-2' }).waitFor();
    await shot('camera-health');
  });

  it('switches every label to English and back', async () => {
    await page.getByRole('navigation').getByRole('link', { name: '实时告警', exact: true }).click();
    await page.getByTestId('lang-switch').click();
    const nav = page.getByRole('navigation');
    await expect.poll(() => nav.textContent()).toBe('SupervisionAlertsCamerasEventsFootageCamera healthAdministration');
    await page.getByRole('heading', { name: /Live alerts/ }).waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en-GB');
    const card = page.locator('[data-testid="alert-card"]', { hasText: 'Parking lot' }).first();
    expect(await card.textContent()).toContain('Person');
    await shot('alert-wall-en');
    await page.getByTestId('lang-switch').click();
    await expect.poll(() => nav.textContent()).toBe('监管看板实时告警摄像机事件录像回看设备健康系统管理');
  });

  it('returns to the login page when the cloud refuses both the token and its renewal', async () => {
    // A token the cloud did not sign (its signature altered) answers 401; the viewer then tries its
    // refresh token, which the cloud does not know either: the session is over. (A refused access
    // token with a good refresh token is renewed silently: tests/e2e/viewer-admin.test.ts.)
    await page.evaluate(() => {
      const s = JSON.parse(sessionStorage.getItem('mingliang.session') ?? '{}') as { token: string; refreshToken: string };
      sessionStorage.setItem('mingliang.session', JSON.stringify({ ...s, token: `${s.token.slice(0, -4)}AAAA`, refreshToken: 'not-a-refresh-token' }));
    });
    await page.reload();
    await expect.poll(() => page.getByTestId('login-error').textContent()).toBe('登录已过期，请重新登录');
    expect(await page.evaluate(() => sessionStorage.getItem('mingliang.session'))).toBeNull();
  });
});
