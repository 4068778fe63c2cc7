import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../common/env.js';
import type { EdgeConfig } from '../../edge/src/config.js';
import { startEdgeNode, type EdgeNode } from '../../edge/src/edge-node.js';
import type { CameraListResponse, CameraRulesResponse, ErrorReply } from '../../protocol/index.js';
import { startCameraSimulator, type CameraSimulator } from '../../streams/simulator.js';
import { CloudUnderTest, testCloudConfig } from '../support/cloud-under-test.js';
import { tempDir, testLogger, waitFor } from '../support/harness.js';
import { CORNER, WALKWAY, WALKWAY_CAMERA, WALKWAY_CLIP, walkwayAvailable, walkwayEdgeConfig } from '../support/walkway-edge.js';

/**
 * Camera rules edited in the cloud and applied live by the edge, every part real: the GStreamer RTSP
 * simulator serving the PETS 2009 walkway (people walking the path all the time), an edge with ffmpeg
 * and YOLOX-Nano, a cloud with SQLite. The administrator fetches a current picture, draws zones,
 * saves rule sets; the edge swaps its rules without a restart, keeps the cloud's revision across a
 * restart, and gets a revision saved while it was away once it is back.
 */
const CLIP = WALKWAY_CLIP;
const CAMERA = WALKWAY_CAMERA;
const EDGE_ID = 'edge-rules';
const ADMIN_PW = 'rules-admin-pw';
const ARTIFACTS = path.join(repoRoot, 'test-artifacts', 'camera-rules');
const available = walkwayAvailable();

/** An intrusion rule that fires quickly and often: every person entering the zone is an event. */
const intrusion = (id: string, zone: string) => ({ id, type: 'intrusion', classes: ['person'], zones: [zone], confirmFrames: 2, cooldownMs: 1000, minScore: 0.4 });

interface EventRow {
  id: string;
  rule_id: string;
  zone_id: string | null;
  edge_id: string;
  started_at: number;
  end_reason: string | null;
  received_at: number;
}

describe.skipIf(!available)('camera rules managed in the cloud, applied live by a real edge', () => {
  const tmp = tempDir('camera-rules');
  const token = randomBytes(24).toString('base64url');
  let sim: CameraSimulator;
  let cloud: CloudUnderTest;
  let edge: EdgeNode | undefined;
  let edgeConfig: EdgeConfig;

  const rulesOf = async () => {
    const res = await cloud.api<CameraRulesResponse>('GET', `/api/cameras/${CAMERA}/rules`);
    expect(res.status).toBe(200);
    return res.body;
  };
  const put = (body: unknown) => cloud.api<CameraRulesResponse & ErrorReply>('PUT', `/api/cameras/${CAMERA}/rules`, body);
  const events = (ruleId: string): EventRow[] =>
    cloud.app.db
      .prepare<[string, string], EventRow>('SELECT id, rule_id, zone_id, edge_id, started_at, end_reason, received_at FROM events WHERE camera_id = ? AND rule_id = ? ORDER BY started_at')
      .all(CAMERA, ruleId);

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    sim = await startCameraSimulator({ cameras: [{ name: CAMERA, clip: CLIP }], logger: testLogger('streams') });
    cloud = await CloudUnderTest.start(testCloudConfig(path.join(tmp.dir, 'cloud'), ADMIN_PW, { edges: [{ id: EDGE_ID, token }] }), ADMIN_PW);
    edgeConfig = walkwayEdgeConfig({
      edgeId: EDGE_ID,
      dataDir: path.join(tmp.dir, 'edge'),
      cloudUrl: cloud.base,
      token,
      cameraUrl: sim.urls[CAMERA],
      yamlRule: intrusion('yaml-rule', 'yaml-corner'),
      source: 'camera-rules-test',
    });
    edge = await startEdgeNode(edgeConfig, testLogger('edge'));
  }, 120_000);

  afterAll(async () => {
    await edge?.stop();
    await cloud?.close();
    await sim?.stop();
    tmp.remove();
  }, 60_000);

  it('serves a current JPEG of the camera and reports the rules and classes the edge runs', async () => {
    // The camera exists for the cloud once the edge's hello is in; its rules once the report follows.
    const reported = await waitFor(
      'the edge rules report',
      async () => {
        const res = await cloud.api<CameraRulesResponse>('GET', `/api/cameras/${CAMERA}/rules`);
        return res.status === 200 && res.body.reported ? res.body : undefined;
      },
      60_000,
      250,
    );
    expect(reported).toMatchObject({ cameraId: CAMERA, desired: null, applied: { revision: null, inSync: true }, ruleIds: ['yaml-rule'], edgeOnline: true });
    expect(reported.reported?.rules.rules.map((r) => r.id)).toEqual(['yaml-rule']);
    expect(reported.classes).toEqual(expect.arrayContaining(['person', 'car', 'bicycle']));

    const res = await waitFor(
      'a snapshot',
      async () => {
        const r = await fetch(`${cloud.base}/api/cameras/${CAMERA}/snapshot`, { headers: { authorization: `Bearer ${cloud.userToken}` } });
        return r.status === 200 ? r : undefined;
      },
      30_000,
      500,
    );
    expect(res.headers.get('content-type')).toMatch(/^image\/jpeg/);
    const jpeg = Buffer.from(await res.arrayBuffer());
    writeFileSync(path.join(ARTIFACTS, 'snapshot.jpg'), jpeg);
    const meta = await sharp(jpeg).metadata();
    expect(meta).toMatchObject({ format: 'jpeg', width: 480, height: 360 });
    // A real picture, not a flat fill: the walkway scene has plenty of contrast.
    const stats = await sharp(jpeg).stats();
    expect(stats.channels[0]?.stdev).toBeGreaterThan(10);
    const capturedAt = Number(res.headers.get('x-captured-at'));
    expect(capturedAt).toBeGreaterThan(Date.now() - 60_000);

    // Out of scope for nobody, but an unknown camera is a clear 404.
    expect((await cloud.api('GET', '/api/cameras/nope/snapshot')).status).toBe(404);
  }, 120_000);

  it('applies a zone drawn over the walkway live: events of that rule and zone reach the cloud', async () => {
    const saved = await put({ zones: [{ id: 'walk', name: 'walkway', points: WALKWAY }], rules: [intrusion('walk-intrusion', 'walk')] });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    expect(saved.body).toMatchObject({ desired: { revision: 1, updatedBy: 'admin' }, applied: { revision: 1, error: null, inSync: true }, ruleIds: ['walk-intrusion'] });
    expect(edge?.rulesSync.revisionOf(CAMERA)).toBe(1);
    expect(edge?.pipeline.cameraRules(CAMERA)?.ruleIds).toEqual(['walk-intrusion']);

    const hit = await waitFor('an event of walk-intrusion', () => events('walk-intrusion')[0], 90_000, 500);
    expect(hit).toMatchObject({ rule_id: 'walk-intrusion', zone_id: 'walk', edge_id: EDGE_ID });
    // The viewer's camera list shows the rules that run.
    const cams = await cloud.api<CameraListResponse>('GET', '/api/cameras');
    expect(cams.body.items.find((c) => c.id === CAMERA)?.rules).toEqual(['walk-intrusion']);
    // Audited.
    const audit = cloud.app.db.prepare<[], { outcome: string; target_id: string }>("SELECT outcome, target_id FROM audit_log WHERE action = 'camera.rules_update'").all();
    expect(audit).toEqual([{ outcome: 'ok', target_id: CAMERA }]);
  }, 150_000);

  it('a zone in an empty corner gives no events, while the rules still run; removed rules end their events', async () => {
    const saved = await put({
      zones: [
        { id: 'corner', points: CORNER },
        { id: 'walk2', points: WALKWAY },
      ],
      rules: [intrusion('corner-intrusion', 'corner'), intrusion('walk-watch', 'walk2')],
    });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    expect(saved.body).toMatchObject({ applied: { revision: 2, inSync: true }, ruleIds: ['corner-intrusion', 'walk-watch'] });
    const appliedAt = Date.now();
    // The pipeline kept analysing: the sentinel rule on the walkway fires on frames after the swap …
    await waitFor('a walk-watch event started after the swap', () => events('walk-watch').find((e) => e.started_at >= appliedAt), 90_000, 500);
    // … and a few more, so the corner rule saw many frames with people on the path.
    await waitFor('three walk-watch events', () => (events('walk-watch').length >= 3 ? true : undefined), 90_000, 500);
    expect(events('corner-intrusion')).toEqual([]);
    // walk-intrusion was removed: whatever it had open ended with that reason, nothing of it started after.
    const removed = events('walk-intrusion');
    expect(removed.every((e) => e.started_at < appliedAt)).toBe(true);
    await waitFor('open walk-intrusion events closed', () => (events('walk-intrusion').every((e) => e.end_reason !== null) ? true : undefined), 30_000, 500);
    const reasons = new Set(events('walk-intrusion').map((e) => e.end_reason));
    for (const r of reasons) expect(['rule_removed', 'track_lost', 'left_zone', 'cleared', 'max_duration']).toContain(r);
  }, 200_000);

  it('refuses bad rule sets with key paths, and the edge keeps the revision it runs', async () => {
    const cases: [unknown, string[]][] = [
      // A class the camera's model (COCO) does not detect.
      [{ rules: [{ id: 'rats', type: 'class_present', classes: ['rodent'] }] }, ['rules[0].classes[0]', 'rodent']],
      // A two-point "polygon".
      [{ zones: [{ id: 'flat', points: [[0.1, 0.1], [0.5, 0.5]] }], rules: [intrusion('flat-rule', 'flat')] }, ['zones[0].points']],
      // A misspelt key.
      [{ rules: [{ ...intrusion('typo', 'walk'), confirmFrame: 3 }], zones: [{ id: 'walk', points: WALKWAY }] }, ['rules[0].confirmFrame']],
      // A bow-tie zone and a rule pointing at a zone that does not exist.
      [{ zones: [{ id: 'bow', points: [[0.1, 0.1], [0.5, 0.5], [0.5, 0.1], [0.1, 0.5]] }], rules: [intrusion('ghost', 'nowhere')] }, ['zones[0].points', 'crosses itself', 'rules[0].zones[0]']],
    ];
    for (const [body, expected] of cases) {
      const res = await put(body);
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.body.error.code).toBe('BAD_REQUEST');
      for (const text of expected) expect(res.body.error.message).toContain(text);
    }
    const state = await rulesOf();
    expect(state).toMatchObject({ desired: { revision: 2 }, applied: { revision: 2, error: null }, ruleIds: ['corner-intrusion', 'walk-watch'] });
    expect(edge?.rulesSync.revisionOf(CAMERA)).toBe(2);
    expect(edge?.pipeline.cameraRules(CAMERA)?.ruleIds).toEqual(['corner-intrusion', 'walk-watch']);
    // Only administrators save rules; the refusals were audited as failed.
    const failed = cloud.app.db.prepare<[], { n: number }>("SELECT count(*) AS n FROM audit_log WHERE action = 'camera.rules_update' AND outcome = 'failed'").get();
    expect(failed?.n).toBe(cases.length);
  }, 60_000);

  it('a restarted edge still runs the cloud revision, not its config file', async () => {
    await edge?.stop();
    edge = undefined;
    const restartedAt = Date.now();
    edge = await startEdgeNode(edgeConfig, testLogger('edge'));
    expect(edge.rulesSync.revisionOf(CAMERA)).toBe(2);
    expect(edge.pipeline.cameraRules(CAMERA)?.ruleIds).toEqual(['corner-intrusion', 'walk-watch']);
    const state = await waitFor('the restarted edge report', async () => {
      const s = await rulesOf();
      return s.edgeOnline && s.reported && s.reported.at >= restartedAt ? s : undefined;
    }, 60_000);
    expect(state).toMatchObject({ applied: { revision: 2, inSync: true }, ruleIds: ['corner-intrusion', 'walk-watch'] });
    // And the rules run: a walkway event from the new edge process.
    await waitFor('a walk-watch event after the restart', () => events('walk-watch').find((e) => e.started_at >= restartedAt), 90_000, 500);
    expect(events('yaml-rule')).toEqual([]);
  }, 200_000);

  it('a revision saved while the edge is away is stored as pending and applied when it is back', async () => {
    await edge?.stop();
    edge = undefined;
    await waitFor('the edge offline', async () => ((await rulesOf()).edgeOnline ? undefined : true), 30_000);

    const snap = await cloud.api<ErrorReply>('GET', `/api/cameras/${CAMERA}/snapshot`);
    expect(snap.status).toBe(503);
    expect(snap.body.error).toMatchObject({ code: 'NOT_READY' });
    expect(snap.body.error.message).toContain('offline');

    const saved = await put({ zones: [{ id: 'walk3', points: WALKWAY }], rules: [intrusion('walk-3', 'walk3')] });
    expect(saved.status, JSON.stringify(saved.body)).toBe(202);
    expect(saved.body).toMatchObject({ desired: { revision: 3 }, applied: { revision: 2, inSync: false } });

    edge = await startEdgeNode(edgeConfig, testLogger('edge'));
    const node = edge;
    await waitFor('revision 3 on the edge', () => (node.rulesSync.revisionOf(CAMERA) === 3 ? true : undefined), 60_000);
    const state = await waitFor('the cloud sees revision 3 applied', async () => {
      const s = await rulesOf();
      return s.applied.revision === 3 ? s : undefined;
    }, 30_000);
    expect(state).toMatchObject({ applied: { inSync: true, error: null }, ruleIds: ['walk-3'] });
    expect(node.pipeline.cameraRules(CAMERA)?.ruleIds).toEqual(['walk-3']);
  }, 200_000);
});
