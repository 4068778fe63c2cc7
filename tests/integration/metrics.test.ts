import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import type { EventListResponse, Heartbeat } from '../../protocol/index.js';
import { CloudUnderTest, eventMessage, send, testCloudConfig } from '../support/cloud-under-test.js';
import { tempDir, waitFor } from '../support/harness.js';

const ADMIN_PASSWORD = 'metrics-test-admin-pw';
const EDGE_TOKEN = 'metrics-test-edge-token-0123456789';
const METRICS_TOKEN = 'metrics-test-scrape-token-0123';

/** One sample of the Prometheus text format. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the text exposition format (what Prometheus reads): `name{a="x",b="y"} value`. */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1] ?? ''] = l[2] ?? '';
    samples.push({ name: m[1] ?? '', labels, value: Number(m[3]) });
  }
  return samples;
}

function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

describe('Prometheus /metrics', () => {
  const tmp = tempDir('metrics');
  let cloud: CloudUnderTest;
  let edge: Socket;

  const scrape = async (bearer: string | null = METRICS_TOKEN): Promise<Sample[]> => {
    const res = await fetch(`${cloud.base}/metrics`, { headers: bearer === null ? {} : { authorization: `Bearer ${bearer}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return parseExposition(await res.text());
  };

  beforeAll(async () => {
    const config = testCloudConfig(`${tmp.dir}/cloud`, ADMIN_PASSWORD, {
      edges: [{ id: 'edge-1', token: EDGE_TOKEN }],
      // No address is trusted here, so even loopback needs the token.
      integrations: { metrics: { token: METRICS_TOKEN, allow: [] } },
    });
    cloud = await CloudUnderTest.start(config, ADMIN_PASSWORD);
    edge = await cloud.helloEdge('edge-1', EDGE_TOKEN, ['cam-1', 'cam-2']);
  });

  afterAll(async () => {
    await cloud?.close();
    tmp.remove();
  });

  it('refuses a scrape without the token, or with a wrong one, when no address is allowed', async () => {
    for (const bearer of [null, 'wrong-token-0123456789']) {
      const res = await fetch(`${cloud.base}/metrics`, { headers: bearer === null ? {} : { authorization: `Bearer ${bearer}` } });
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('FORBIDDEN');
    }
  });

  it('counts ingested events by type and phase, and connected edges', async () => {
    const before = await scrape();
    expect(value(before, 'mingliang_edges_connected')).toBe(1);
    const a = uuidv7();
    const msgs = [
      eventMessage({ id: a, seq: 0, phase: 'start', cameraId: 'cam-1', edgeId: 'edge-1' }),
      eventMessage({ id: uuidv7(), seq: 0, phase: 'start', cameraId: 'cam-1', edgeId: 'edge-1' }),
      eventMessage({ id: uuidv7(), seq: 0, phase: 'start', cameraId: 'cam-2', edgeId: 'edge-1', type: 'mask', ruleId: 'mask-rule' }),
      eventMessage({ id: a, seq: 1, phase: 'end', cameraId: 'cam-1', edgeId: 'edge-1' }),
    ];
    for (const m of msgs) expect(await send(edge, 'event', m)).toEqual({ ok: true });
    // A duplicate is not stored again, so it is not counted again.
    expect(await send(edge, 'event', msgs[0])).toEqual({ ok: true });
    const after = await scrape();
    expect(value(after, 'mingliang_events_ingested_total', { type: 'helmet', phase: 'start' })).toBe(2);
    expect(value(after, 'mingliang_events_ingested_total', { type: 'helmet', phase: 'end' })).toBe(1);
    expect(value(after, 'mingliang_events_ingested_total', { type: 'mask', phase: 'start' })).toBe(1);
  });

  it('reports camera states as stored', async () => {
    const hb: Heartbeat = {
      edgeId: 'edge-1',
      at: Date.now(),
      backlog: 0,
      cameras: [
        { cameraId: 'cam-1', state: 'streaming', since: Date.now(), captureFps: 10, analysedFps: 5, droppedFrames: 0, restarts: 0 },
        { cameraId: 'cam-2', state: 'stalled', since: Date.now(), captureFps: 0, analysedFps: 0, droppedFrames: 3, restarts: 1 },
      ],
    };
    expect(await send(edge, 'heartbeat', hb)).toEqual({ ok: true });
    const samples = await scrape();
    expect(value(samples, 'mingliang_cameras', { state: 'streaming' })).toBe(1);
    expect(value(samples, 'mingliang_cameras', { state: 'stalled' })).toBe(1);
    expect(value(samples, 'mingliang_cameras', { state: 'offline' })).toBe(0);
  });

  it('counts the workflow backlog and overdue items at scrape time', async () => {
    const before = await scrape();
    const events = (await cloud.api<EventListResponse>('GET', '/api/events')).body.items;
    expect(events.length).toBeGreaterThanOrEqual(2);
    const now = Date.now();
    const upsert = cloud.app.db.prepare(
      `INSERT INTO workflow_items (event_id, state, camera_id, event_type, severity, deadline_at, discovered_at, updated_at)
       VALUES (?, 'dispatched', ?, ?, 1, ?, ?, ?)
       ON CONFLICT(event_id) DO UPDATE SET state = 'dispatched', deadline_at = excluded.deadline_at`,
    );
    const [late, onTime] = events;
    upsert.run(late?.id, late?.cameraId, late?.type, now - 60_000, now, now);
    upsert.run(onTime?.id, onTime?.cameraId, onTime?.type, now + 3600_000, now, now);
    const after = await scrape();
    expect(value(after, 'mingliang_workflow_items', { state: 'dispatched' })).toBe((value(before, 'mingliang_workflow_items', { state: 'dispatched' }) ?? 0) + 2);
    expect(value(after, 'mingliang_workflow_overdue')).toBe((value(before, 'mingliang_workflow_overdue') ?? 0) + 1);
    expect(value(after, 'mingliang_workflow_items', { state: 'closed' })).toBe(0);
  });

  it('times HTTP requests by route pattern and exposes the process metrics', async () => {
    const events = (await cloud.api<EventListResponse>('GET', '/api/events')).body.items;
    expect((await cloud.api('GET', `/api/events/${events[0]?.id ?? ''}`)).status).toBe(200);
    expect((await cloud.api('GET', '/api/no-such-route')).status).toBe(404);
    const samples = await scrape();
    const count = (route: string, status: string) =>
      value(samples, 'mingliang_http_request_duration_seconds_count', { method: 'GET', route, status_code: status });
    expect(count('/api/events', '200')).toBeGreaterThanOrEqual(1);
    expect(count('/api/events/:id', '200')).toBe(1);
    // Raw URLs never become labels (one time series per id would grow without bound).
    expect(samples.some((s) => s.labels.route?.includes(events[0]?.id ?? '-'))).toBe(false);
    expect(samples.some((s) => s.name === 'process_cpu_user_seconds_total')).toBe(true);
    expect(samples.some((s) => s.name === 'nodejs_heap_size_used_bytes')).toBe(true);
  });

  it('stops counting an edge once it disconnects', async () => {
    edge.disconnect();
    await waitFor('edge gone', async () => (value(await scrape(), 'mingliang_edges_connected') === 0 ? true : undefined), 20_000);
  });
});
