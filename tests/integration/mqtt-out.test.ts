import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import type { EventChange } from '../../cloud/src/integrations/outbound-feed.js';
import type { CameraItem, EventMessage, Heartbeat } from '../../protocol/index.js';
import { CloudUnderTest, eventMessage, send, testCloudConfig } from '../support/cloud-under-test.js';
import { tempDir, waitFor } from '../support/harness.js';
import { Mosquitto, subscriber, type Received } from '../support/mosquitto.js';

const ADMIN_PASSWORD = 'mqtt-test-admin-pw';
const EDGE_TOKEN = 'mqtt-test-edge-token-0123456789';
const WAIT_MS = 20_000;

function heartbeat(cameraId: string, state: Heartbeat['cameras'][number]['state']): Heartbeat {
  return {
    edgeId: 'edge-1',
    at: Date.now(),
    backlog: 0,
    cameras: [{ cameraId, state, since: Date.now(), captureFps: 10, analysedFps: 5, droppedFrames: 0, restarts: 0 }],
  };
}

function eventsOn(received: Received[]): EventChange[] {
  return received.filter((m) => m.topic === 'mingliang/events').map((m) => JSON.parse(m.payload) as EventChange);
}

async function metric(cloud: CloudUnderTest, name: string): Promise<number> {
  const text = await (await fetch(`${cloud.base}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  if (line === undefined) throw new Error(`no ${name} in /metrics`);
  return Number(line.slice(name.length + 1));
}

describe('MQTT out against a real mosquitto', () => {
  const tmp = tempDir('mqtt-out');
  let broker: Mosquitto;
  let cloud: CloudUnderTest;
  let edge: Socket;
  let sub: Awaited<ReturnType<typeof subscriber>>;

  const emit = async (msg: EventMessage): Promise<void> => {
    expect(await send(edge, 'event', msg)).toEqual({ ok: true });
  };

  beforeAll(async () => {
    broker = await Mosquitto.launch(`${tmp.dir}/broker`);
    sub = await subscriber(broker.url, 'mqtt-test-watcher', ['mingliang/#']);
    const config = testCloudConfig(`${tmp.dir}/cloud`, ADMIN_PASSWORD, {
      edges: [{ id: 'edge-1', token: EDGE_TOKEN }],
      integrations: { mqtt: { url: broker.url, clientId: 'mingliang-test-cloud', reconnectPeriodMs: 200, qos: 1 } },
    });
    cloud = await CloudUnderTest.start(config, ADMIN_PASSWORD);
    edge = await cloud.helloEdge('edge-1', EDGE_TOKEN, ['cam-1']);
  }, 60_000);

  afterAll(async () => {
    sub?.client.end(true);
    await cloud?.close();
    await broker?.stop();
    tmp.remove();
  });

  it('announces itself online, retained', async () => {
    await waitFor('online', () => sub.received.find((m) => m.topic === 'mingliang/available' && m.payload === 'online'), WAIT_MS);
  });

  it('publishes new, update and end of an event with before and after, Frigate style', async () => {
    const id = uuidv7();
    await emit(eventMessage({ id, seq: 0, phase: 'start', cameraId: 'cam-1', edgeId: 'edge-1' }));
    await emit(eventMessage({ id, seq: 1, phase: 'update', cameraId: 'cam-1', edgeId: 'edge-1', topScore: 0.9 }));
    await emit(eventMessage({ id, seq: 2, phase: 'end', cameraId: 'cam-1', edgeId: 'edge-1', endedAt: 1_700_000_003_000, endReason: 'gone' }));
    const changes = await waitFor(
      'three changes',
      () => {
        const mine = eventsOn(sub.received).filter((c) => c.after.id === id);
        return mine.length >= 3 ? mine : undefined;
      },
      WAIT_MS,
    );
    expect(changes.map((c) => c.type)).toEqual(['new', 'update', 'end']);
    const [created, updated, ended] = changes;
    expect(created?.before).toBeNull();
    expect(created?.after).toMatchObject({ id, phase: 'start', cameraId: 'cam-1', type: 'helmet' });
    expect(updated?.before).toEqual(created?.after);
    expect(updated?.after).toMatchObject({ phase: 'update', topScore: 0.9 });
    expect(ended?.before).toEqual(updated?.after);
    expect(ended?.after).toMatchObject({ phase: 'end', endReason: 'gone' });
    expect(ended?.after.endedAt).toBe(1_700_000_003_000);
  });

  it('publishes camera state changes, retained for later subscribers', async () => {
    expect(await send(edge, 'heartbeat', heartbeat('cam-1', 'streaming'))).toEqual({ ok: true });
    await waitFor(
      'streaming state',
      () => sub.received.find((m) => m.topic === 'mingliang/cameras/cam-1/state' && (JSON.parse(m.payload) as CameraItem).state === 'streaming'),
      WAIT_MS,
    );
    const late = await subscriber(broker.url, 'mqtt-test-late', ['mingliang/cameras/+/state']);
    try {
      const retained = await waitFor('retained state', () => late.received.find((m) => m.retain), WAIT_MS);
      expect(retained.topic).toBe('mingliang/cameras/cam-1/state');
      expect(JSON.parse(retained.payload)).toMatchObject({ id: 'cam-1', edgeId: 'edge-1', state: 'streaming' });
    } finally {
      late.client.end(true);
    }
  });

  it('keeps ingesting while the broker is down and delivers the queued messages after it is back', async () => {
    await broker.stop();
    await waitFor('cloud notices the broker is gone', () => (cloud.app.mqttOut?.connected === false ? true : undefined), WAIT_MS);

    const whileDown = uuidv7();
    // Acknowledged at once: publishing never waits for the broker.
    await emit(eventMessage({ id: whileDown, seq: 0, phase: 'start', cameraId: 'cam-1', edgeId: 'edge-1' }));
    expect(await metric(cloud, 'mingliang_mqtt_queued')).toBeGreaterThanOrEqual(1);
    expect(await metric(cloud, 'mingliang_mqtt_connected')).toBe(0);

    await broker.start();
    await waitFor('cloud reconnects', () => (cloud.app.mqttOut?.connected === true ? true : undefined), WAIT_MS);
    const after = uuidv7();
    await emit(eventMessage({ id: after, seq: 0, phase: 'start', cameraId: 'cam-1', edgeId: 'edge-1' }));

    const seen = await waitFor(
      'both events',
      () => {
        const ids = eventsOn(sub.received).map((c) => c.after.id);
        return ids.includes(whileDown) && ids.includes(after) ? ids : undefined;
      },
      WAIT_MS,
    );
    // The queued one went out first, on reconnect.
    expect(seen.indexOf(whileDown)).toBeLessThan(seen.indexOf(after));
    expect(eventsOn(sub.received).find((c) => c.after.id === whileDown)?.type).toBe('new');
    expect(await metric(cloud, 'mingliang_mqtt_queued')).toBe(0);
    expect(await metric(cloud, 'mingliang_mqtt_dropped_total')).toBe(0);
  }, 60_000);
});

describe('MQTT out queue bound', () => {
  const tmp = tempDir('mqtt-queue');
  let broker: Mosquitto;
  let cloud: CloudUnderTest;

  afterAll(async () => {
    await cloud?.close();
    await broker?.stop();
    tmp.remove();
  });

  it('drops the oldest messages past maxQueue, counts them, and sends the newest when the broker is back', async () => {
    broker = await Mosquitto.launch(`${tmp.dir}/broker`);
    const sub = await subscriber(broker.url, 'mqtt-queue-watcher', ['mingliang/events']);
    try {
      const config = testCloudConfig(`${tmp.dir}/cloud`, ADMIN_PASSWORD, {
        edges: [{ id: 'edge-1', token: EDGE_TOKEN }],
        integrations: { mqtt: { url: broker.url, reconnectPeriodMs: 200, maxQueue: 2 } },
      });
      cloud = await CloudUnderTest.start(config, ADMIN_PASSWORD);
      const edge = await cloud.helloEdge('edge-1', EDGE_TOKEN, ['cam-1']);
      await waitFor('connected', () => (cloud.app.mqttOut?.connected === true ? true : undefined), WAIT_MS);
      await broker.stop();
      await waitFor('disconnected', () => (cloud.app.mqttOut?.connected === false ? true : undefined), WAIT_MS);

      const ids = [uuidv7(), uuidv7(), uuidv7(), uuidv7(), uuidv7()];
      for (const id of ids) {
        expect(await send(edge, 'event', eventMessage({ id, seq: 0, phase: 'start', cameraId: 'cam-1', edgeId: 'edge-1' }))).toEqual({ ok: true });
      }
      expect(await metric(cloud, 'mingliang_mqtt_queued')).toBe(2);
      const dropped = await metric(cloud, 'mingliang_mqtt_dropped_total');
      expect(dropped).toBeGreaterThanOrEqual(ids.length - 2);

      await broker.start();
      const newest = ids.at(-1) ?? '';
      await waitFor('the newest event', () => eventsOn(sub.received).find((c) => c.after.id === newest), WAIT_MS);
      const got = new Set(eventsOn(sub.received).map((c) => c.after.id));
      // The oldest ones were dropped, not delivered late.
      expect(got.has(ids[0] ?? '')).toBe(false);
      expect(got.has(ids[1] ?? '')).toBe(false);
    } finally {
      sub.client.end(true);
    }
  }, 60_000);
});
