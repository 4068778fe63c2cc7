import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEdgeConfig } from '../../edge/src/config.js';
import { startEdgeNode, type EdgeNode } from '../../edge/src/edge-node.js';
import type { CameraDetail, CameraItem, CameraStatesResponse, CameraStatsResponse } from '../../protocol/index.js';
import { startCameraSimulator, type CameraSimulator } from '../../streams/simulator.js';
import { tempDir, testLogger, testModelsDir, waitFor } from '../support/harness.js';
import { CloudUnderTest, testCloudConfig } from '../support/cloud-under-test.js';

const CLIP = 'videos/intel-person-bicycle-car-gop1s-noaudio.ts';
const CAMERAS = ['kitchen-1', 'kitchen-2', 'kitchen-3'];
const VICTIM = 'kitchen-2';
const STALL_MS = 3000;
const HEARTBEAT_MS = 1000;
const ADMIN = 'rtsp-health-admin-pw';

/**
 * A real RTSP outage seen by the cloud: three simulated cameras on one real edge; one camera's feeder
 * is killed and restarted. The cloud (through GET /api/cameras) must show it not streaming within
 * 10 s and streaming again within 5 s of its return, while the other two never stop.
 */
describe('RTSP source killed and restored, as the cloud sees it', () => {
  const tmp = tempDir('rtsp-health');
  const token = randomBytes(24).toString('base64url');
  let sim: CameraSimulator;
  let cloud: CloudUnderTest;
  let edge: EdgeNode;

  const cloudStates = async (): Promise<Map<string, CameraItem['state']>> => {
    const res = await cloud.api<{ items: CameraItem[] }>('GET', '/api/cameras');
    return new Map(res.body.items.map((c) => [c.id, c.state]));
  };

  beforeAll(async () => {
    sim = await startCameraSimulator({ cameras: CAMERAS.map((name) => ({ name, clip: CLIP })), logger: testLogger('streams') });
    const config = testCloudConfig(path.join(tmp.dir, 'cloud'), ADMIN, {
      edges: [{ id: 'edge-rtsp', token }],
      health: { heartbeatIntervalMs: HEARTBEAT_MS, missedHeartbeats: 3, sweepIntervalMs: 250 },
    });
    cloud = await CloudUnderTest.start(config, ADMIN);
    const edgeCfg = parseEdgeConfig(
      {
        edgeId: 'edge-rtsp',
        dataDir: path.join(tmp.dir, 'edge'),
        cloud: { url: cloud.base, token, heartbeatIntervalMs: HEARTBEAT_MS },
        models: { dir: testModelsDir(), intraOpThreads: 1 },
        cameras: CAMERAS.map((id) => ({
          id,
          name: `后厨 ${id}`,
          url: sim.urls[id],
          detect: { width: 640, height: 360, fps: 2 },
          // A small stall timeout so the outage shows quickly; the cloud sees it with the next heartbeat.
          // Not smaller: on this 2-core box (3 decoders, 3 recorders, YOLOX) an untouched camera's frames
          // were measured to pause for 2.2 s under CPU load, which is starvation, not the victim's outage.
          stallTimeoutMs: STALL_MS,
          models: ['coco-yolox-nano'],
          rules: [{ id: 'person-present', type: 'presence', classes: ['person'], minScore: 0.5 }],
        })),
      },
      'rtsp-health',
      { env: {} },
    );
    edge = await startEdgeNode(edgeCfg, testLogger('edge'));
    await waitFor('all cameras streaming in the cloud', async () => {
      const states = await cloudStates();
      return CAMERAS.every((id) => states.get(id) === 'streaming') ? true : undefined;
    }, 60_000, 250);
  }, 120_000);

  afterAll(async () => {
    await edge?.stop();
    await cloud?.close();
    await sim?.stop();
    tmp.remove();
  }, 60_000);

  it('shows the camera offline within 10 s and streaming within 5 s of its return; the others never stop', async () => {
    const others = CAMERAS.filter((c) => c !== VICTIM);
    const problems: string[] = [];
    let samples = 0;
    let sampling = true;
    // Watches the other cameras the whole time, in the cloud and on the edge (frames still arriving).
    const watcher = (async () => {
      while (sampling) {
        const now = Date.now();
        const states = await cloudStates();
        for (const id of others) {
          if (states.get(id) !== 'streaming') problems.push(`cloud shows ${id} ${states.get(id)} at +${now}`);
          const local = edge.pipeline.status().find((s) => s.cameraId === id);
          if (local?.state !== 'streaming') problems.push(`edge shows ${id} ${local?.state}`);
          if (!local?.lastFrameAt || now - local.lastFrameAt > STALL_MS) problems.push(`${id}: no frame for ${now - (local?.lastFrameAt ?? 0)} ms`);
        }
        samples += 1;
        await new Promise((r) => setTimeout(r, 250));
      }
    })();

    const stoppedAt = Date.now();
    await sim.stopFeeder(VICTIM);
    await waitFor(`${VICTIM} not streaming in the cloud`, async () => ((await cloudStates()).get(VICTIM) !== 'streaming' ? true : undefined), 15_000, 100);
    const offlineMs = Date.now() - stoppedAt;
    const down = await cloud.api<CameraDetail>('GET', `/api/cameras/${VICTIM}`);
    expect(down.body).toMatchObject({ online: false, picture: false });
    // The KPIs read the state history, which heartbeats update: on a loaded machine it can trail the
    // camera table by a heartbeat, so wait (bounded) for it to agree; the sampler above still fails the
    // test if the other cameras ever leave `streaming`.
    const stats = await waitFor(
      'KPIs with the victim offline and the others online',
      async () => {
        const res = await cloud.api<CameraStatsResponse>('GET', '/api/stats/cameras');
        return res.body.overall.cameras === 3 && res.body.overall.online === 2 ? res : undefined;
      },
      5000,
      200,
    );
    expect(stats.body.failing.find((f) => f.cameraId === VICTIM)?.failures[0]).toMatchObject({ kpi: 'online' });

    const restoredAt = Date.now();
    sim.startFeeder(VICTIM);
    await waitFor(`${VICTIM} streaming again in the cloud`, async () => ((await cloudStates()).get(VICTIM) === 'streaming' ? true : undefined), 30_000, 100);
    const backMs = Date.now() - restoredAt;
    sampling = false;
    await watcher;

    const history = await cloud.api<CameraStatesResponse>('GET', `/api/cameras/${VICTIM}/states?from=${stoppedAt - 1}`);
    const trail = history.body.items.map((i) => `${i.state}${i.reason ? ` (${i.reason})` : ''}`);
    console.log(
      `RTSP feeder of ${VICTIM} killed: cloud showed it ${down.body.state} after ${offlineMs} ms; ` +
        `feeder restored: streaming in the cloud after ${backMs} ms; other cameras checked ${samples} times, problems: ${problems.length}\n` +
        `  history since the outage: ${trail.join(' → ')}`,
    );
    expect(offlineMs).toBeLessThanOrEqual(10_000);
    expect(backMs).toBeLessThanOrEqual(5_000);
    expect(problems).toEqual([]);
    expect(samples).toBeGreaterThan(5);
    expect(history.body.items.at(-1)?.state).toBe('streaming');
    expect(history.body.items.some((i) => i.state !== 'streaming')).toBe(true);
  }, 90_000);
});
