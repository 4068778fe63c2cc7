import path from 'node:path';
import type { Socket } from 'socket.io-client';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ack, CameraDetail, CameraItem, CameraStatesResponse, EventItem, Heartbeat } from '../../protocol/index.js';
import { tempDir, waitFor } from '../support/harness.js';
import { CloudUnderTest, eventMessage, send, testCloudConfig } from '../support/cloud-under-test.js';

const ADMIN = 'faults-admin-password';
const EDGES = Array.from({ length: 10 }, (_, i) => ({ id: `edge-${i + 1}`, token: `faults-edge-token-${i + 1}-0123456789` }));
const token = (edgeId: string): string => EDGES.find((e) => e.id === edgeId)?.token ?? '';
const HEARTBEAT_MS = 300;
const MISSED = 2;
const SWEEP_MS = 100;
const RATE = { maxMessagesPerSecond: 200, burst: 300 };

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function heartbeat(edgeId: string, cameras: string[], state: 'streaming' | 'stalled' = 'streaming'): Heartbeat {
  const now = Date.now();
  return {
    edgeId,
    at: now,
    backlog: 0,
    cameras: cameras.map((cameraId) => ({ cameraId, state, since: now, captureFps: 5, analysedFps: 5, droppedFrames: 0, restarts: 0 })),
  };
}

describe('cloud ingest under hostile and failing edges', () => {
  const tmp = tempDir('cloud-faults');
  let cloud: CloudUnderTest;
  let e1: Socket;
  let e2: Socket;

  /** Everything an edge message could change, to compare before and after refused messages. */
  const fingerprint = (tables = ['events', 'cameras', 'camera_states', 'edges', 'evidence']): string => {
    const db = cloud.app.db;
    return JSON.stringify(tables.map((t) => db.prepare(`SELECT * FROM ${t} ORDER BY rowid`).all()));
  };
  const stateOf = async (cameraId: string): Promise<string | undefined> =>
    (await cloud.api<{ items: CameraItem[] }>('GET', '/api/cameras')).body.items.find((c) => c.id === cameraId)?.state;

  beforeAll(async () => {
    const config = testCloudConfig(path.join(tmp.dir, 'cloud'), ADMIN, {
      edges: EDGES,
      health: { heartbeatIntervalMs: HEARTBEAT_MS, missedHeartbeats: MISSED, sweepIntervalMs: SWEEP_MS },
      ingest: RATE,
    });
    cloud = await CloudUnderTest.start(config, ADMIN);
    e1 = await cloud.helloEdge('edge-1', token('edge-1'), ['c1', 'c2']);
    e2 = await cloud.helloEdge('edge-2', token('edge-2'), ['x1']);
  });

  afterAll(async () => {
    await cloud?.close();
    tmp.remove();
  });

  it('answers malformed and hostile messages with an error ack and changes nothing', async () => {
    const valid = eventMessage({ id: uuidv7(), seq: 0, phase: 'start', cameraId: 'c1', edgeId: 'edge-1' });
    const polluted = (json: string): unknown => JSON.parse(json);
    const validJson = JSON.stringify(valid);
    const cases: [string, string, unknown[]][] = [
      ['a string seq', 'BAD_MESSAGE', ['event', { ...valid, seq: '1' }]],
      ['detections as a string', 'BAD_MESSAGE', ['event', { ...valid, detections: 'lots' }]],
      ['a severity of 9', 'BAD_MESSAGE', ['event', { ...valid, severity: 9 }]],
      ['a negative time', 'BAD_MESSAGE', ['event', { ...valid, startedAt: -5 }]],
      ['null', 'BAD_MESSAGE', ['event', null]],
      ['an array', 'BAD_MESSAGE', ['event', [valid]]],
      ['a number', 'BAD_MESSAGE', ['event', 42]],
      ['a 100 000-item detections array', 'BAD_MESSAGE', ['event', { ...valid, detections: Array.from({ length: 100_000 }, () => ({})) }]],
      ['a 100 000-item track id array', 'BAD_MESSAGE', ['event', { ...valid, trackIds: Array.from({ length: 100_000 }, (_, i) => i) }]],
      ['a 20 000-key attributes map', 'BAD_MESSAGE', ['event', { ...valid, attributes: Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, i])) }]],
      ['a 100 kB label', 'BAD_MESSAGE', ['event', { ...valid, label: 'x'.repeat(100_000) }]],
      ['__proto__ at the top', 'BAD_MESSAGE', ['event', polluted(`{"__proto__":{"polluted":"yes"},${validJson.slice(1)}`)]],
      ['__proto__ in a detection', 'BAD_MESSAGE', ['event', { ...valid, detections: [polluted('{"__proto__":{"polluted":"yes"},"label":"a","score":0.5,"box":{"x":0,"y":0,"w":0.1,"h":0.1}}')] }]],
      ['__proto__ in attributes', 'BAD_MESSAGE', ['event', { ...valid, attributes: polluted('{"__proto__":{"polluted":"yes"}}') }]],
      ['a key outside the attribute name pattern', 'BAD_MESSAGE', ['event', { ...valid, attributes: { 'no spaces': 1 } }]],
      ['constructor.prototype in attributes', 'BAD_MESSAGE', ['event', { ...valid, attributes: { constructor: { prototype: { polluted: 'yes' } } } }]],
      ['__proto__ in a hello camera', 'BAD_MESSAGE', ['hello', { edgeId: 'edge-1', version: '1', cameras: [polluted('{"__proto__":{"polluted":"yes"},"id":"c9","name":"n","rules":[]}')] }]],
      ['257 cameras in a hello', 'BAD_MESSAGE', ['hello', { edgeId: 'edge-1', version: '1', cameras: Array.from({ length: 257 }, (_, i) => ({ id: `h${i}`, name: 'n', rules: [] })) }]],
      ['a heartbeat with a string backlog', 'BAD_MESSAGE', ['heartbeat', { ...heartbeat('edge-1', ['c1']), backlog: '0' }]],
      ["another edge's camera in an event", 'FORBIDDEN', ['event', { ...valid, cameraId: 'x1' }]],
      ['posing as another edge', 'FORBIDDEN', ['event', { ...valid, edgeId: 'edge-2', cameraId: 'x1' }]],
      ["another edge's camera in a heartbeat", 'FORBIDDEN', ['heartbeat', heartbeat('edge-1', ['c1', 'x1'], 'stalled')]],
      ["another edge's camera claimed in a hello", 'CONFLICT', ['hello', { edgeId: 'edge-1', version: '1', cameras: [{ id: 'x1', name: 'mine', rules: [] }] }]],
      ['an undeclared camera', 'NOT_FOUND', ['event', { ...valid, cameraId: 'c-unknown' }]],
      ['a camera reported twice', 'BAD_MESSAGE', ['heartbeat', heartbeat('edge-1', ['c1', 'c1'])]],
    ];
    const before = fingerprint();
    for (const [what, code, [name, payload]] of cases) {
      const ack = await send(e1, String(name), payload);
      expect(ack, what).toMatchObject({ ok: false, error: { code } });
    }
    expect(e1.connected).toBe(true);
    expect(fingerprint()).toBe(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    // Still serving: the valid message is stored.
    expect(await send(e1, 'event', valid)).toEqual({ ok: true });
    expect((await cloud.api<EventItem>('GET', `/api/events/${valid.id}`)).body.cameraId).toBe('c1');
  });

  it('closes the connection of a message larger than the limit before parsing it, and keeps serving others', async () => {
    const { socket } = await cloud.edge('edge-3', token('edge-3'));
    // The edges table is left out: the disconnect rightly records when the edge was last seen.
    const before = fingerprint(['events', 'cameras', 'camera_states']);
    const closed = new Promise<string>((resolve) => socket.once('disconnect', (reason) => resolve(reason)));
    socket.emit('event', { blob: 'x'.repeat(1_200_000) }, () => undefined);
    expect(await closed).toMatch(/transport/);
    expect(fingerprint(['events', 'cameras', 'camera_states'])).toBe(before);
    expect(await send(e1, 'heartbeat', heartbeat('edge-1', ['c1']))).toEqual({ ok: true });
  });

  it('refuses a flood beyond the per-edge rate with RATE_LIMITED, storing exactly what it acknowledged', async () => {
    const flood = await cloud.helloEdge('edge-4', token('edge-4'), ['f1']);
    const messages = Array.from({ length: 1500 }, () => eventMessage({ id: uuidv7(), seq: 0, phase: 'start', cameraId: 'f1', edgeId: 'edge-4' }));
    const t0 = Date.now();
    // Another edge keeps being served while the flood is refused.
    const [acks, other] = await Promise.all([
      Promise.all(messages.map((m) => flood.timeout(20_000).emitWithAck('event', m) as Promise<Ack>)),
      (async () => {
        await sleep(20);
        const t = Date.now();
        const ack = await send(e2, 'heartbeat', heartbeat('edge-2', ['x1']));
        return { ack, ms: Date.now() - t };
      })(),
    ]);
    const okIds = new Set(messages.filter((_, i) => acks[i]?.ok).map((m) => m.id));
    const refused = acks.filter((a) => !a.ok);
    console.log(`flood of 1500: ${okIds.size} stored, ${refused.length} refused in ${Date.now() - t0} ms; another edge's heartbeat answered in ${other.ms} ms`);
    expect(other.ack).toEqual({ ok: true });
    expect(refused.length).toBeGreaterThan(1000);
    expect(new Set(refused.map((a) => (a.ok ? 'ok' : a.error.code)))).toEqual(new Set(['RATE_LIMITED']));
    expect(okIds.size).toBeGreaterThanOrEqual(RATE.burst - 1);
    const stored = cloud.app.db.prepare<[], { id: string }>("SELECT id FROM events WHERE camera_id = 'f1'").all().map((r) => r.id);
    expect(new Set(stored)).toEqual(okIds);
  });

  it('keeps an update whose start has not arrived, and lets the late start fill in only what is missing', async () => {
    const id = uuidv7();
    const snapshot = { sha256: 'b'.repeat(64), contentType: 'image/jpeg' as const, size: 10, width: 64, height: 48 };
    const update = eventMessage({ id, seq: 1, phase: 'update', cameraId: 'c2', edgeId: 'edge-1', topScore: 0.8 });
    expect(await send(e1, 'event', update)).toEqual({ ok: true });
    expect((await cloud.api<EventItem>('GET', `/api/events/${id}`)).body).toMatchObject({ phase: 'update', topScore: 0.8, snapshotUrl: null });
    const lateStart = eventMessage({ id, seq: 0, phase: 'start', cameraId: 'c2', edgeId: 'edge-1', topScore: 0.6, snapshot });
    expect(await send(e1, 'event', lateStart)).toEqual({ ok: true });
    // The start's snapshot arrived; the newer update's phase and score stay.
    expect((await cloud.api<EventItem>('GET', `/api/events/${id}`)).body).toMatchObject({ phase: 'update', topScore: 0.8, snapshotUrl: `/api/events/${id}/snapshot` });
    expect(await send(e1, 'event', lateStart)).toEqual({ ok: true }); // a replay changes nothing
    const end = eventMessage({ id, seq: 2, phase: 'end', cameraId: 'c2', edgeId: 'edge-1', endedAt: update.at + 500, endReason: 'cleared' });
    expect(await send(e1, 'event', end)).toEqual({ ok: true });
    expect((await cloud.api<EventItem>('GET', `/api/events/${id}`)).body).toMatchObject({ phase: 'end', endReason: 'cleared', snapshotUrl: `/api/events/${id}/snapshot` });
    // The same id for another camera is a conflict, not an overwrite.
    const foreign = eventMessage({ id, seq: 3, phase: 'update', cameraId: 'c1', edgeId: 'edge-1' });
    expect(await send(e1, 'event', foreign)).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
  });

  it('stores every event of many edges sending at once, several in flight each, in order per event', async () => {
    const edges = EDGES.slice(4, 10);
    const sockets = await Promise.all(edges.map((e, i) => cloud.helloEdge(e.id, e.token, [`m${i}-a`, `m${i}-b`])));
    const ids: string[] = [];
    await Promise.all(
      sockets.map(async (socket, i) => {
        const edgeId = edges[i]?.id ?? '';
        // Four lanes per edge, each running events start → update → end in order.
        await Promise.all(
          Array.from({ length: 4 }, async (_, lane) => {
            for (let n = 0; n < 5; n++) {
              const id = uuidv7();
              ids.push(id);
              const cameraId = `m${i}-${lane % 2 ? 'a' : 'b'}`;
              for (const [seq, phase] of [[0, 'start'], [1, 'update'], [2, 'end']] as const) {
                const ack = await send(socket, 'event', eventMessage({ id, seq, phase, cameraId, edgeId, ...(phase === 'end' ? { endedAt: 1_700_000_003_000 } : {}) }));
                expect(ack).toEqual({ ok: true });
              }
            }
          }),
        );
      }),
    );
    const rows = cloud.app.db.prepare<[], { id: string; phase: string; seq: number }>("SELECT id, phase, seq FROM events WHERE camera_id LIKE 'm%'").all();
    expect(rows).toHaveLength(ids.length);
    expect(rows.every((r) => r.phase === 'end' && r.seq === 2)).toBe(true);
    const stats = cloud.app.ingest.batcher.stats();
    console.log(`ingest batches so far: ${stats.batches} for ${stats.jobs} messages, largest ${stats.largestBatch}`);
    for (const s of sockets) s.disconnect();
  });

  it('marks the cameras of a disconnected edge offline at once and keeps the change in the history', async () => {
    const edge = await cloud.helloEdge('edge-3', token('edge-3'), ['d1']);
    expect(await send(edge, 'heartbeat', heartbeat('edge-3', ['d1']))).toEqual({ ok: true });
    expect(await stateOf('d1')).toBe('streaming');
    const t0 = Date.now();
    edge.disconnect();
    await waitFor('d1 offline', async () => ((await stateOf('d1')) === 'offline' ? true : undefined), 3000, 20);
    const ms = Date.now() - t0;
    console.log(`edge disconnect → camera offline (seen through GET /api/cameras): ${ms} ms`);
    expect(ms).toBeLessThan(1000);
    const history = await cloud.api<CameraStatesResponse>('GET', '/api/cameras/d1/states');
    expect(history.body.items.map((i) => [i.state, i.reason])).toEqual([
      ['streaming', null],
      ['offline', 'edge disconnected'],
    ]);
  });

  it('marks cameras offline when their heartbeats stop for missedHeartbeats × the interval, and back when they resume', async () => {
    const edge = await cloud.helloEdge('edge-3', token('edge-3'), ['d1']);
    // Announced in the hello: this edge beats every 150 ms, so its cameras go stale after 300 ms.
    const fast = await cloud.helloEdge('edge-2', token('edge-2'), ['x1'], { heartbeatIntervalMs: 150 });
    expect(await send(edge, 'heartbeat', heartbeat('edge-3', ['d1']))).toEqual({ ok: true });
    expect(await send(fast, 'heartbeat', heartbeat('edge-2', ['x1']))).toEqual({ ok: true });
    const last = Date.now();
    const offlineAfter = async (cameraId: string): Promise<number> => {
      await waitFor(`${cameraId} offline`, async () => ((await stateOf(cameraId)) === 'offline' ? true : undefined), 5000, 20);
      return Date.now() - last;
    };
    const [d1Ms, x1Ms] = await Promise.all([offlineAfter('d1'), offlineAfter('x1')]);
    const limit = MISSED * HEARTBEAT_MS;
    console.log(`heartbeats stopped → offline: ${d1Ms} ms (limit ${limit} ms + sweep ${SWEEP_MS} ms), announced 150 ms interval: ${x1Ms} ms`);
    expect(d1Ms).toBeGreaterThanOrEqual(limit);
    expect(d1Ms).toBeLessThan(limit + SWEEP_MS + 700);
    expect(x1Ms).toBeGreaterThanOrEqual(2 * 150);
    expect(x1Ms).toBeLessThan(d1Ms);
    expect(edge.connected).toBe(true); // connected but silent: the sweeper, not the disconnect, did it
    const detail = await cloud.api<CameraDetail>('GET', '/api/cameras/d1');
    expect(detail.body).toMatchObject({ state: 'offline', reason: 'no heartbeat from its edge', online: false });

    expect(await send(edge, 'heartbeat', heartbeat('edge-3', ['d1']))).toEqual({ ok: true });
    expect(await stateOf('d1')).toBe('streaming');
    const history = await cloud.api<CameraStatesResponse>('GET', '/api/cameras/d1/states');
    expect(history.body.items.map((i) => i.state)).toEqual(['streaming', 'offline', 'streaming', 'offline', 'streaming']);
    const ats = history.body.items.map((i) => i.at);
    expect([...ats].sort((a, b) => a - b)).toEqual(ats);
  });
});
