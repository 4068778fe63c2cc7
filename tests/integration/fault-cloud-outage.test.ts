import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEdgeConfig } from '../../edge/src/config.js';
import { EDGE_VERSION, startEdgeNode, type EdgeNode } from '../../edge/src/edge-node.js';
import { SocketUplink } from '../../edge/src/uplink/index.js';
import { startCameraSimulator, type CameraSimulator } from '../../streams/simulator.js';
import { tempDir, testLogger, testMediaDir, testModelsDir, waitFor } from '../support/harness.js';
import { CloudProcess, deliveryProblems, parkingLotFaultCamera, freePort, outboxFiles, produced, type ProducedMessage, type StoredEvent } from '../support/processes.js';

/**
 * The cloud process goes away (SIGTERM, then SIGKILL) for OUTAGE_MS while an edge keeps turning a real
 * RTSP camera into events with snapshots and clips; restarted on the same port and data directory, it
 * must end up with every event exactly as last produced, every evidence file intact, and the edge's
 * outbox empty.
 */
const CLIP = 'videos/intel-person-bicycle-car-gop1s-noaudio.ts';
const MODEL = path.join(testModelsDir(), 'coco-yolox-nano', 'yolox_nano.onnx');
const HAVE_ASSETS = existsSync(path.join(testMediaDir(), CLIP)) && existsSync(MODEL);
const OUTAGE_MS = 12_000;
const EDGE_ID = 'edge-outage';
const CAMERA = 'lot-1';

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** Ids whose last produced message the cloud has not stored yet (stored seq below it, or no row). */
function notYetStored(messages: readonly ProducedMessage[], stored: ReadonlyMap<string, StoredEvent>): string[] {
  const last = new Map<string, number>();
  for (const m of messages) last.set(m.id, m.seq);
  return [...last].filter(([id, seq]) => (stored.get(id)?.seq ?? -1) < seq).map(([id]) => id);
}

describe.skipIf(!HAVE_ASSETS)('a cloud outage loses and duplicates nothing', () => {
  const tmp = tempDir('fault-cloud');
  const token = randomBytes(24).toString('base64url');
  const log: ProducedMessage[] = [];
  let sim: CameraSimulator;
  let cloud: CloudProcess;
  let edge: EdgeNode;
  let edgeDataDir: string;
  let pipelineStopped = false;

  beforeAll(async () => {
    sim = await startCameraSimulator({ cameras: [{ name: CAMERA, clip: CLIP }], logger: testLogger('streams') });
    cloud = new CloudProcess(path.join(tmp.dir, 'cloud'), await freePort(), [{ id: EDGE_ID, token }]);
    await cloud.start();
    edgeDataDir = path.join(tmp.dir, 'edge');
    const config = parseEdgeConfig(
      {
        edgeId: EDGE_ID,
        dataDir: edgeDataDir,
        // Short ack timeout and backoff so the drain after the restart is measured, not the backoff.
        cloud: { url: cloud.base, token, heartbeatIntervalMs: 1000, ackTimeoutMs: 3000, retryMaxMs: 2000 },
        models: { dir: testModelsDir(), intraOpThreads: 1 },
        cameras: [
          parkingLotFaultCamera(CAMERA, sim.urls[CAMERA] ?? '', 3000, { bufferSeconds: 20, preSeconds: 1, postSeconds: 1, maxClipSeconds: 10 }),
        ],
      },
      'fault-cloud-outage',
      { env: {} },
    );
    edge = await startEdgeNode(config, testLogger('edge'));
    edge.pipeline.onMessage((m) => log.push(produced(m)));
  }, 90_000);

  afterAll(async () => {
    if (edge && !pipelineStopped) await edge.stop();
    // The last test closes it itself unless it failed first; closing twice is harmless.
    else edge?.outbox.close();
    await cloud?.current?.stop();
    await sim?.stop();
    tmp.remove();
  }, 60_000);

  async function outage(signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    // Live first: something produced and delivered before the cloud goes.
    await waitFor('a first delivered event', () => (log.length > 0 && notYetStored(log, cloud.events()).length === 0 ? true : undefined), 45_000, 200);
    const sentBefore = edge.uplink.getStats().sent;
    const producedBefore = log.length;
    const victim = cloud.current;
    if (!victim) throw new Error('no cloud run');
    const down = Date.now();
    victim.kill(signal);
    const exit = await Promise.race([victim.exited, sleep(15_000).then(() => undefined)]);
    const stopMs = Date.now() - down;
    expect(exit, `cloud did not exit within 15 s of ${signal}`).toBeDefined();
    if (signal === 'SIGTERM') expect(exit?.code, victim.stderr()).toBe(0);
    else expect(exit?.signal).toBe('SIGKILL');

    // The backlog is sampled while the cloud is away; the sampler must not outlive a failed wait.
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, edge.outbox.size())), 200);
    let during: ProducedMessage[];
    let startMs: number;
    let outageMs: number;
    let backlogAtRestart: number;
    let drainMs: number;
    try {
      await sleep(Math.max(0, OUTAGE_MS - (Date.now() - down)));
      during = log.slice(producedBefore);
      startMs = await cloud.start();
      const up = Date.now();
      outageMs = up - down;
      backlogAtRestart = edge.outbox.size();
      const atRestart = log.slice();
      // Every message produced up to the restart is stored (at its seq or a later one of the same event).
      await waitFor('the backlog of the outage to be delivered', () => (notYetStored(atRestart, cloud.events()).length === 0 ? true : undefined), 45_000, 100);
      drainMs = Date.now() - up;
      peak = Math.max(peak, backlogAtRestart);
    } finally {
      clearInterval(sampler);
    }

    // At a moment the outbox is empty every message produced so far has been acknowledged after commit.
    const settled = await waitFor('an empty outbox', () => (edge.outbox.size() === 0 ? log.slice() : undefined), 30_000, 50);
    const missing = notYetStored(settled, cloud.events());
    const tally = cloud.ingestTally();
    console.log(
      `[fault-cloud-outage] ${signal}: cloud down ${seconds(outageMs)} (exit took ${stopMs} ms, restart to listening ${seconds(startMs)}); ` +
        `produced during the outage ${during.length} messages (${during.filter((m) => m.clipSha256).length} with clips, ` +
        `${during.filter((m) => m.snapshotSha256).length} with snapshots), outbox backlog peak ${peak}, at restart ${backlogAtRestart}; ` +
        `outage backlog delivered ${seconds(drainMs)} after the restart listened; uplink sent ${edge.uplink.getStats().sent - sentBefore} since the stop; ` +
        `cloud received ${tally.received} event messages so far, ${tally.duplicates} of them resends`,
    );
    expect(during.length, 'the edge produced nothing while the cloud was down: the outage tested nothing').toBeGreaterThan(0);
    expect(backlogAtRestart, 'nothing was queued during the outage').toBeGreaterThan(0);
    expect(missing).toEqual([]);
    const applied = [...tally.outcomes].filter(([, o]) => o.filter((x) => x === 'stored' || x === 'backfilled').length > 1);
    expect(applied).toEqual([]);
  }

  it('keeps every event produced while the cloud is stopped with SIGTERM', async () => {
    await outage('SIGTERM');
  }, 90_000);

  it('keeps every event produced while the cloud is killed with SIGKILL', async () => {
    await outage('SIGKILL');
  }, 90_000);

  it('ends with every event stored once as last produced, every evidence file intact and the outbox empty', async () => {
    // Stop the camera side; its last messages (events closed by the stop) may still be queued.
    pipelineStopped = true;
    await edge.pipeline.stop();
    const left = edge.outbox.size();
    // What the next start of the edge does with them: a fresh uplink on the same outbox.
    const uplink = new SocketUplink({
      cloudUrl: cloud.base,
      edgeId: EDGE_ID,
      token,
      outbox: edge.outbox,
      hello: () => ({ edgeId: EDGE_ID, version: EDGE_VERSION, cameras: [{ id: CAMERA, name: 'Parking lot', rules: ['vehicle-present', 'person-present'] }] }),
      ackTimeoutMs: 3000,
      retryMaxMs: 2000,
      logger: testLogger('uplink'),
    });
    uplink.start();
    try {
      await waitFor('the outbox to drain', () => (edge.outbox.size() === 0 ? true : undefined), 30_000, 100);
    } finally {
      await uplink.stop();
    }
    const files = outboxFiles(edgeDataDir);
    edge.outbox.close();

    const stored = cloud.events();
    const tally = cloud.ingestTally();
    const evidence = log.flatMap((m) => [m.snapshotSha256, m.clipSha256].filter((s): s is string => s !== undefined));
    const uploads = cloud.uploadTally();
    const clips = new Set(log.flatMap((m) => (m.clipSha256 ? [m.clipSha256] : [])));
    console.log(
      `[fault-cloud-outage] total: ${log.length} messages of ${new Set(log.map((m) => m.id)).size} events produced, ` +
        `${stored.size} events stored, ${tally.received} messages received by the cloud (${tally.duplicates} resends), ` +
        `${new Set(evidence).size} evidence files (${clips.size} clips), ${[...uploads.values()].reduce((n, u) => n + u.repeated, 0)} uploads of files already stored; ` +
        `${left} messages left at the edge stop`,
    );
    expect(clips.size, 'no clip was produced: the test did not cover clip evidence').toBeGreaterThan(0);
    expect(deliveryProblems(log, stored, tally)).toEqual([]);
    expect([...stored.keys()].filter((id) => !log.some((m) => m.id === id))).toEqual([]);
    expect(cloud.evidenceProblems(evidence)).toEqual([]);
    // Presence is checked above on disk; a count of 0 here can only mean a kill between the file's rename and the log line.
    expect([...uploads].filter(([, u]) => u.stored > 1), 'evidence stored more than once').toEqual([]);
    expect(files, 'files left in the outbox evidence directory').toEqual([]);
  }, 60_000);
});
