import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../common/env.js';
import type { EdgeConfig } from '../../edge/src/config.js';
import { startEdgeNode, type EdgeNode } from '../../edge/src/edge-node.js';
import type { CameraRulesResponse, EventListResponse } from '../../protocol/index.js';
import { startCameraSimulator, type CameraSimulator } from '../../streams/simulator.js';
import { launchBrowser } from '../support/browser.js';
import { CloudUnderTest, testCloudConfig } from '../support/cloud-under-test.js';
import { tempDir, testLogger, waitFor } from '../support/harness.js';
import { WALKWAY, WALKWAY_CAMERA, WALKWAY_CLIP, walkwayAvailable, walkwayEdgeConfig } from '../support/walkway-edge.js';

/**
 * Zones drawn in the viewer are saved and used by the edge, every part real: the GStreamer RTSP
 * simulator serving the PETS 2009 walkway (people on the path all the time), an edge with ffmpeg and
 * YOLOX-Nano, a cloud serving the vite-built viewer, and Debian Chromium. The administrator draws a
 * zone by clicking on the camera's current picture, adds an intrusion rule on it and saves; the edge
 * applies the revision and events of that rule in that zone reach the cloud.
 */
const CLIP = WALKWAY_CLIP;
const CAMERA = WALKWAY_CAMERA;
const EDGE_ID = 'edge-zones';
const ADMIN_PW = 'zones-admin-pw';
const SHOTS = path.join(repoRoot, 'test-artifacts', 'viewer-zones');
const available = walkwayAvailable();

describe.skipIf(!available)('camera zones drawn in the viewer, used by a real edge', () => {
  const tmp = tempDir('viewer-zones');
  const token = randomBytes(24).toString('base64url');
  let sim: CameraSimulator;
  let cloud: CloudUnderTest;
  let edge: EdgeNode | undefined;
  let edgeConfig: EdgeConfig;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  const shot = async (name: string): Promise<void> => {
    // From the top: the picture column is sticky, and a full-page shot of a scrolled page repeats it.
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  };
  const rulesOf = async (): Promise<CameraRulesResponse> => {
    const res = await cloud.api<CameraRulesResponse>('GET', `/api/cameras/${CAMERA}/rules`);
    expect(res.status).toBe(200);
    return res.body;
  };
  /** Clicks the picture at a normalised point, as a person would. */
  const clickAt = async (overlay: Locator, [x, y]: readonly [number, number], double = false): Promise<void> => {
    const box = await overlay.boundingBox();
    if (!box) throw new Error('overlay not laid out');
    const at = { x: box.x + x * box.width, y: box.y + y * box.height };
    if (double) await page.mouse.dblclick(at.x, at.y);
    else await page.mouse.click(at.x, at.y);
  };

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    const webRoot = path.join(tmp.dir, 'web');
    const [, camSim] = await Promise.all([
      build({ configFile: path.join(repoRoot, 'vite.config.ts'), logLevel: 'warn', build: { outDir: webRoot, emptyOutDir: true, sourcemap: false } }),
      startCameraSimulator({ cameras: [{ name: CAMERA, clip: CLIP }], logger: testLogger('streams') }),
    ]);
    sim = camSim;
    cloud = await CloudUnderTest.start(testCloudConfig(path.join(tmp.dir, 'cloud'), ADMIN_PW, { edges: [{ id: EDGE_ID, token }] }), ADMIN_PW, { webRoot });
    edgeConfig = walkwayEdgeConfig({
      edgeId: EDGE_ID,
      dataDir: path.join(tmp.dir, 'edge'),
      cloudUrl: cloud.base,
      token,
      cameraUrl: sim.urls[CAMERA],
      // The config file's rule: the editor starts from it, the saved revision replaces it.
      yamlRule: { id: 'yaml-rule', type: 'intrusion', classes: ['person'], zones: ['yaml-corner'] },
      source: 'viewer-zones-test',
    });
    [edge, browser] = await Promise.all([startEdgeNode(edgeConfig, testLogger('edge')), launchBrowser()]);
    page = await browser.newPage({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    // The editor starts from what the edge reports: wait for it before opening the page.
    await waitFor('the edge rules report', async () => ((await rulesOf()).reported ? true : undefined), 60_000, 250);
  }, 120_000);

  afterAll(async () => {
    // The page as it was last, for a failure's report.
    await page?.screenshot({ path: path.join(SHOTS, 'last.png'), fullPage: true }).catch(() => undefined);
    await browser?.close();
    await edge?.stop();
    await cloud?.close();
    await sim?.stop();
    tmp.remove();
  }, 60_000);

  it('shows the current picture with the rules the edge runs, draws a zone on it and has the edge apply it', async () => {
    await page.goto(cloud.base);
    await page.getByLabel('用户名').fill('admin');
    await page.getByLabel('密码').fill(ADMIN_PW);
    await page.getByRole('button', { name: '登录' }).click();
    await page.getByTestId('user-badge').waitFor();
    await page.getByRole('navigation').getByRole('link', { name: '系统管理', exact: true }).click();
    await page.getByRole('link', { name: '摄像机规则' }).click();
    expect(new URL(page.url()).pathname).toBe('/admin/rules');

    // The picture is a real current frame of the camera at its decode size, fetched with the bearer token.
    const img = page.getByTestId('rules-snapshot');
    await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.naturalWidth), { timeout: 30_000 }).toBe(480);
    expect(await img.getAttribute('src')).toMatch(/^blob:/);
    // What the edge runs: its config file's rules, whose zone the editor draws.
    const applied = page.getByTestId('rules-applied');
    await expect.poll(() => applied.textContent()).toContain('配置文件中的规则');
    expect(await page.getByTestId('rules-running').textContent()).toBe('yaml-rule');
    await page.locator('[data-testid="zone-shape"][data-zone-id="yaml-corner"]').waitFor();
    await shot('rules-initial');

    // Draw the walkway zone: click its four corners on the picture, then the first one again to close it.
    await page.getByTestId('rules-mode-zone').click();
    const overlay = page.getByTestId('rules-overlay');
    for (const p of WALKWAY) await clickAt(overlay, p);
    await page.getByTestId('pending-shape').waitFor();
    await shot('rules-drawing');
    await clickAt(overlay, WALKWAY[0] ?? [0, 0]);
    const zoneCard = page.locator('[data-testid="zone-card"][data-zone-id="zone-1"]');
    await zoneCard.waitFor();
    expect(await zoneCard.textContent()).toContain('4 个顶点');
    await zoneCard.getByTestId('zone-name').fill('人行道');
    // Selected after drawing: its vertices are handles.
    expect(await page.getByTestId('zone-handle').count()).toBe(4);

    // An intrusion rule on it (the selected zone is pre-chosen), firing quickly.
    await page.getByTestId('rules-add-type').selectOption('intrusion');
    await page.getByTestId('rules-add').click();
    const ruleCard = page.locator('[data-testid="rule-card"][data-rule-id="intrusion-1"]');
    await ruleCard.waitFor();
    expect(await ruleCard.locator('input[data-zone-id="zone-1"]').isChecked()).toBe(true);
    expect(await ruleCard.locator('input[data-zone-id="yaml-corner"]').isChecked()).toBe(false);
    await ruleCard.getByTestId('rule-confirmFrames').fill('2');
    await ruleCard.getByTestId('rule-cooldownMs').fill('1000');
    await ruleCard.getByTestId('rule-minScore').fill('0.4');
    await shot('rules-edited');

    await page.getByTestId('rules-save').click();
    const result = page.getByTestId('rules-result');
    await expect.poll(() => result.getAttribute('data-kind'), { timeout: 30_000 }).toBe('applied');
    expect(await result.textContent()).toBe('边缘节点已应用第 1 版规则');
    await expect.poll(() => applied.getAttribute('data-revision')).toBe('1');
    expect(await applied.getAttribute('data-in-sync')).toBe('true');
    expect(await page.getByTestId('rules-running').textContent()).toBe('yaml-rule, intrusion-1');
    await shot('rules-applied');

    // The cloud holds the zone where it was clicked (normalised, to within a pixel or two) …
    const state = await rulesOf();
    expect(state).toMatchObject({ desired: { revision: 1, updatedBy: 'admin' }, applied: { revision: 1, inSync: true, error: null } });
    const zone = state.desired?.rules.zones.find((z) => z.id === 'zone-1');
    expect(zone?.name).toBe('人行道');
    expect(zone?.points).toHaveLength(4);
    zone?.points.forEach((p, i) => {
      expect(p[0]).toBeCloseTo(WALKWAY[i]?.[0] ?? -1, 2);
      expect(p[1]).toBeCloseTo(WALKWAY[i]?.[1] ?? -1, 2);
    });
    expect(state.desired?.rules.rules.find((r) => r.id === 'intrusion-1')).toMatchObject({ type: 'intrusion', zones: ['zone-1'], confirmFrames: 2, cooldownMs: 1000, minScore: 0.4 });
    // … the edge runs it …
    expect(edge?.pipeline.cameraRules(CAMERA)?.ruleIds).toEqual(['yaml-rule', 'intrusion-1']);

    // … and people walking the path raise events of that rule in that zone.
    const hit = await waitFor(
      'an intrusion-1 event in zone-1',
      async () => {
        const res = await cloud.api<EventListResponse>('GET', `/api/events?cameraId=${CAMERA}&limit=100`);
        return res.body.items.find((e) => e.ruleId === 'intrusion-1');
      },
      90_000,
      500,
    );
    expect(hit).toMatchObject({ ruleId: 'intrusion-1', zoneId: 'zone-1', cameraId: CAMERA, edgeId: EDGE_ID, type: 'intrusion', label: 'person' });
    expect(pageErrors).toEqual([]);
  }, 240_000);

  it('drags a vertex to reshape a zone, and discarding restores the saved one', async () => {
    const overlay = page.getByTestId('rules-overlay');
    const shape = page.locator('[data-testid="zone-shape"][data-zone-id="zone-1"] polygon');
    const before = await shape.getAttribute('points');
    // Select the zone on the picture, then drag its second vertex (top right) down and left.
    await clickAt(overlay, [0.5, 0.5]);
    const handle = page.getByTestId('zone-handle').nth(1);
    await handle.waitFor();
    const box = await handle.boundingBox();
    const frame = await overlay.boundingBox();
    if (!box || !frame) throw new Error('not laid out');
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(frame.x + 0.7 * frame.width, frame.y + 0.3 * frame.height, { steps: 5 });
    await page.mouse.up();
    const after = (await shape.getAttribute('points')) ?? '';
    expect(after).not.toBe(before);
    const second = after.split(' ')[1]?.split(',').map(Number) ?? [];
    expect((second[0] ?? 0) / frame.width).toBeCloseTo(0.7, 1);
    expect((second[1] ?? 0) / frame.height).toBeCloseTo(0.3, 1);
    await page.getByText('有未保存的修改').waitFor();

    // A line is two clicks; a line-crossing rule added next watches it.
    await page.getByTestId('rules-mode-line').click();
    await clickAt(overlay, [0.2, 0.75]);
    await clickAt(overlay, [0.6, 0.9]);
    const lineCard = page.locator('[data-testid="line-card"][data-line-id="line-1"]');
    await lineCard.waitFor();
    await page.locator('[data-testid="line-shape"][data-line-id="line-1"]').waitFor();
    await page.getByTestId('rules-add-type').selectOption('line_crossing');
    await page.getByTestId('rules-add').click();
    const crossing = page.locator('[data-testid="rule-card"][data-rule-id="line-crossing-1"]');
    expect(await crossing.getByTestId('rule-line').inputValue()).toBe('line-1');
    await shot('rules-dragged');

    await page.getByTestId('rules-discard').click();
    await expect.poll(() => shape.getAttribute('points')).toBe(before);
    expect(await lineCard.count()).toBe(0);
    expect(await crossing.count()).toBe(0);
  });

  it('refuses a zone of two points with the cloud\'s message next to it; the edge keeps its revision', async () => {
    await page.getByTestId('rules-mode-zone').click();
    const overlay = page.getByTestId('rules-overlay');
    await clickAt(overlay, [0.15, 0.7]);
    // A double click on the second point ends the outline there.
    await clickAt(overlay, [0.35, 0.85], true);
    const zoneCard = page.locator('[data-testid="zone-card"][data-zone-id="zone-2"]');
    await zoneCard.waitFor();
    expect(await zoneCard.textContent()).toContain('2 个顶点');

    await page.getByTestId('rules-save').click();
    const result = page.getByTestId('rules-result');
    await expect.poll(() => result.getAttribute('data-kind'), { timeout: 30_000 }).toBe('refused');
    // The cloud's key path and message, under the zone at fault, and the zone drawn as refused.
    const problem = zoneCard.getByTestId('field-problems');
    await problem.waitFor();
    const text = (await problem.textContent()) ?? '';
    expect(text).toContain('points');
    expect(text).toMatch(/3/);
    expect(await page.locator('[data-testid="zone-card"][data-zone-id="zone-1"]').getByTestId('field-problems').count()).toBe(0);
    expect(await page.locator('[data-testid="zone-shape"][data-zone-id="zone-2"] polygon').getAttribute('class')).toContain('bad');
    await shot('rules-refused');

    // Nothing changed: the cloud and the edge still have revision 1.
    const state = await rulesOf();
    expect(state).toMatchObject({ desired: { revision: 1 }, applied: { revision: 1, inSync: true } });
    expect(state.desired?.rules.zones.map((z) => z.id)).toEqual(['yaml-corner', 'zone-1']);
    expect(edge?.pipeline.cameraRules(CAMERA)?.ruleIds).toEqual(['yaml-rule', 'intrusion-1']);

    // Every label of the editor has its English wording.
    await page.getByTestId('lang-switch').click();
    await page.getByRole('button', { name: 'Save and apply' }).waitFor();
    expect(await result.textContent()).toBe('Not saved: fix these problems');
    await shot('rules-refused-en');
    await page.getByTestId('lang-switch').click();
    await page.getByRole('button', { name: '保存并下发' }).waitFor();
    expect(pageErrors).toEqual([]);
  });

  it('saves while the edge is away as pending, and shows the revision applied once the edge is back', async () => {
    await edge?.stop();
    edge = undefined;
    const online = page.getByTestId('rules-edge-online');
    await expect.poll(() => online.textContent(), { timeout: 30_000 }).toBe('离线');
    // No current picture without the edge: the cloud's reason is shown, the last picture kept.
    await page.getByTestId('rules-refresh').click();
    await expect.poll(() => page.getByTestId('snapshot-error').textContent(), { timeout: 15_000 }).toContain('offline');
    expect(await page.getByTestId('rules-snapshot').count()).toBe(1);

    // Take out the refused zone and tighten the rule: revision 2, stored for the edge.
    await page.locator('[data-testid="zone-card"][data-zone-id="zone-2"]').getByTestId('zone-delete').click();
    await page.locator('[data-testid="rule-card"][data-rule-id="intrusion-1"]').getByTestId('rule-minScore').fill('0.45');
    await page.getByTestId('rules-save').click();
    const result = page.getByTestId('rules-result');
    await expect.poll(() => result.getAttribute('data-kind'), { timeout: 30_000 }).toBe('pending');
    expect(await result.textContent()).toBe('已保存第 2 版；边缘节点离线，上线后自动下发');
    const applied = page.getByTestId('rules-applied');
    expect(await applied.getAttribute('data-revision')).toBe('1');
    expect(await applied.getAttribute('data-in-sync')).toBe('false');
    expect(await page.getByTestId('rules-desired').getAttribute('data-revision')).toBe('2');
    await shot('rules-pending');

    // The edge comes back, gets revision 2, and the page (polling) shows it running.
    edge = await startEdgeNode(edgeConfig, testLogger('edge'));
    await expect.poll(() => applied.getAttribute('data-revision'), { timeout: 60_000 }).toBe('2');
    expect(await applied.getAttribute('data-in-sync')).toBe('true');
    await expect.poll(() => online.textContent(), { timeout: 30_000 }).toBe('在线');
    expect(edge.rulesSync.revisionOf(CAMERA)).toBe(2);
    expect(edge.pipeline.cameraRules(CAMERA)?.rules.rules.find((r) => r.id === 'intrusion-1')).toMatchObject({ minScore: 0.45 });
    await shot('rules-back-online');
    expect(pageErrors).toEqual([]);
  }, 150_000);
});
