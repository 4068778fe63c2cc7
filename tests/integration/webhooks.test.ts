import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventChange } from '../../cloud/src/integrations/outbound-feed.js';
import { verifyWebhook } from '../../cloud/src/integrations/webhook-signature.js';
import type { WebhookBody, WebhookDeliveryListResponse } from '../../protocol/index.js';
import { CloudUnderTest, eventMessage, send, testCloudConfig } from '../support/cloud-under-test.js';
import { tempDir, waitFor } from '../support/harness.js';
import { freePort } from '../support/processes.js';

const ADMIN_PASSWORD = 'hooks-test-admin-pw';
const EDGE_TOKEN = 'hooks-test-edge-token-0123456789';
const SECRET = 'hooks-test-secret-0123456789';
const WAIT_MS = 20_000;

/** One request the receiver got. */
interface Hit {
  path: string;
  event: string | undefined;
  delivery: string | undefined;
  signed: boolean;
  body: WebhookBody;
  status: number;
}

/**
 * A real webhook receiver: verifies every signature over the raw body, answers 500 to the first
 * `failFirst` attempts of each delivery on /flaky, 400 on /refuse, 503 always on /down, 200 else.
 */
async function receiver(port = 0, failFirst = 2): Promise<{ app: FastifyInstance; url: string; hits: Hit[] }> {
  const hits: Hit[] = [];
  const seen = new Map<string, number>();
  const app = Fastify();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  app.post('/*', async (request, reply) => {
    const raw = request.body as string;
    const header = (name: string): string | undefined => {
      const v = request.headers[name];
      return typeof v === 'string' ? v : undefined;
    };
    const signed = verifyWebhook(SECRET, { timestamp: header('x-mingliang-timestamp'), signature: header('x-mingliang-signature') }, raw);
    const delivery = header('x-mingliang-delivery');
    const n = (seen.get(delivery ?? '') ?? 0) + 1;
    seen.set(delivery ?? '', n);
    const path = request.url;
    let status = 200;
    if (!signed) status = 401;
    else if (path === '/refuse') status = 400;
    else if (path === '/down') status = 503;
    else if (path === '/flaky' && n <= failFirst) status = 500;
    hits.push({ path, event: header('x-mingliang-event'), delivery, signed, body: JSON.parse(raw) as WebhookBody, status });
    return reply.code(status).send({ ok: status === 200 });
  });
  await app.listen({ host: '127.0.0.1', port });
  return { app, url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, hits };
}

async function deliveries(cloud: CloudUnderTest, query = ''): Promise<WebhookDeliveryListResponse> {
  const res = await cloud.api<WebhookDeliveryListResponse>('GET', `/api/integrations/webhooks/deliveries${query}`);
  expect(res.status).toBe(200);
  return res.body;
}

async function metricsText(cloud: CloudUnderTest): Promise<string> {
  return (await fetch(`${cloud.base}/metrics`)).text();
}

describe('webhooks', () => {
  const tmp = tempDir('webhooks');
  let rx: Awaited<ReturnType<typeof receiver>>;
  let cloud: CloudUnderTest;
  let edge: Awaited<ReturnType<CloudUnderTest['helloEdge']>>;

  beforeAll(async () => {
    rx = await receiver();
    const endpoint = (path: string, events: string[]) => ({ url: `${rx.url}${path}`, secret: SECRET, events });
    const config = testCloudConfig(`${tmp.dir}/cloud`, ADMIN_PASSWORD, {
      edges: [{ id: 'edge-1', token: EDGE_TOKEN }],
      integrations: {
        webhooks: {
          endpoints: [endpoint('/flaky', ['event.new']), endpoint('/refuse', ['event.end']), endpoint('/down', ['event.update']), endpoint('/cameras', ['camera'])],
          maxAttempts: 4,
          backoffBaseMs: 20,
          backoffMaxMs: 100,
          timeoutMs: 5000,
        },
      },
    });
    cloud = await CloudUnderTest.start(config, ADMIN_PASSWORD);
    edge = await cloud.helloEdge('edge-1', EDGE_TOKEN, ['cam-1']);
  }, 60_000);

  afterAll(async () => {
    await cloud?.close();
    await rx?.app.close();
    tmp.remove();
  });

  it('signs, retries a 500 with backoff and delivers on the third attempt', async () => {
    const id = uuidv7();
    expect(await send(edge, 'event', eventMessage({ id, seq: 0, phase: 'start', cameraId: 'cam-1', edgeId: 'edge-1' }))).toEqual({ ok: true });
    const hits = await waitFor(
      'three attempts',
      () => {
        const mine = rx.hits.filter((h) => h.path === '/flaky' && (h.body.data as EventChange).after.id === id);
        return mine.length >= 3 ? mine : undefined;
      },
      WAIT_MS,
    );
    expect(hits.map((h) => h.status)).toEqual([500, 500, 200]);
    expect(hits.every((h) => h.signed)).toBe(true);
    // One delivery: the same id on every attempt, in the header and the body.
    const deliveryId = hits[0]?.delivery ?? '';
    expect(deliveryId).toMatch(/^[0-9a-f-]{36}$/);
    expect(hits.every((h) => h.delivery === deliveryId && h.body.id === deliveryId && h.event === 'event.new')).toBe(true);
    expect(hits[0]?.body).toMatchObject({ event: 'event.new', data: { type: 'new', before: null, after: { id, phase: 'start' } } });

    const list = await waitFor(
      'delivered state',
      async () => {
        const l = await deliveries(cloud, '?state=delivered');
        return l.items.some((d) => d.id === deliveryId) ? l : undefined;
      },
      WAIT_MS,
    );
    expect(list.items.find((d) => d.id === deliveryId)).toMatchObject({
      endpoint: `${rx.url}/flaky`,
      event: 'event.new',
      state: 'delivered',
      attempts: 3,
      lastStatus: 200,
      lastError: null,
      nextAttemptAt: null,
    });
    const text = await metricsText(cloud);
    expect(text).toMatch(/^mingliang_webhook_attempts_total\{outcome="retry"\} [2-9]/m);
    expect(text).toMatch(/^mingliang_webhook_attempts_total\{outcome="delivered"\} [1-9]/m);
    // Only the endpoint subscribed to event.new got this event.
    expect(rx.hits.filter((h) => h.path !== '/flaky' && h.body.event.startsWith('event.')).length).toBe(0);
  });

  it('gives up at once on a 4xx refusal, and after maxAttempts on repeated 503s', async () => {
    const id = uuidv7();
    expect(await send(edge, 'event', eventMessage({ id, seq: 0, phase: 'start', cameraId: 'cam-1', edgeId: 'edge-1' }))).toEqual({ ok: true });
    expect(await send(edge, 'event', eventMessage({ id, seq: 1, phase: 'update', cameraId: 'cam-1', edgeId: 'edge-1' }))).toEqual({ ok: true });
    expect(await send(edge, 'event', eventMessage({ id, seq: 2, phase: 'end', cameraId: 'cam-1', edgeId: 'edge-1' }))).toEqual({ ok: true });
    const failed = await waitFor(
      'two failed deliveries',
      async () => {
        const l = await deliveries(cloud, '?state=failed');
        return l.items.length >= 2 ? l : undefined;
      },
      WAIT_MS,
    );
    const refused = failed.items.find((d) => d.event === 'event.end');
    expect(refused).toMatchObject({ endpoint: `${rx.url}/refuse`, attempts: 1, lastStatus: 400 });
    expect(refused?.lastError).toMatch(/^refused/);
    const exhausted = failed.items.find((d) => d.event === 'event.update');
    expect(exhausted).toMatchObject({ endpoint: `${rx.url}/down`, attempts: 4, lastStatus: 503 });
    expect(exhausted?.lastError).toMatch(/gave up after 4 attempts/);
    expect(rx.hits.filter((h) => h.path === '/down').length).toBe(4);
    expect(failed.counts.failed).toBe(2);
  });

  it('delivers camera state changes to the endpoint that subscribed to them', async () => {
    const hb = {
      edgeId: 'edge-1',
      at: Date.now(),
      backlog: 0,
      cameras: [{ cameraId: 'cam-1', state: 'streaming', since: Date.now(), captureFps: 10, analysedFps: 5, droppedFrames: 0, restarts: 0 }],
    };
    expect(await send(edge, 'heartbeat', hb)).toEqual({ ok: true });
    const hit = await waitFor(
      'streaming camera delivery',
      () => rx.hits.find((h) => h.path === '/cameras' && (h.body.data as { state?: string }).state === 'streaming'),
      WAIT_MS,
    );
    expect(hit).toMatchObject({ event: 'camera.state', signed: true, body: { event: 'camera.state', data: { id: 'cam-1', state: 'streaming' } } });
  });

  it('refuses the deliveries list to non-admins and without a token', async () => {
    const res = await cloud.api('GET', '/api/integrations/webhooks/deliveries', undefined, null);
    expect(res.status).toBe(401);
    const bad = await cloud.api('GET', '/api/integrations/webhooks/deliveries?state=nope');
    expect(bad.status).toBe(400);
  });
});

describe('webhooks across a restart', () => {
  const tmp = tempDir('webhooks-restart');
  let rx: Awaited<ReturnType<typeof receiver>> | undefined;
  let cloud: CloudUnderTest | undefined;

  afterAll(async () => {
    await cloud?.close();
    await rx?.app.close();
    tmp.remove();
  });

  it('resumes a pending delivery after the cloud restarts', async () => {
    // The receiver is down (nothing listens on its port) while the first cloud runs.
    const port = await freePort();
    const config = testCloudConfig(`${tmp.dir}/cloud`, ADMIN_PASSWORD, {
      edges: [{ id: 'edge-1', token: EDGE_TOKEN }],
      integrations: {
        webhooks: { endpoints: [{ url: `http://127.0.0.1:${port}/hook`, secret: SECRET, events: ['event'] }], backoffBaseMs: 200, backoffMaxMs: 400 },
      },
    });
    cloud = await CloudUnderTest.start(config, ADMIN_PASSWORD);
    const edge = await cloud.helloEdge('edge-1', EDGE_TOKEN, ['cam-1']);
    const id = uuidv7();
    expect(await send(edge, 'event', eventMessage({ id, seq: 0, phase: 'start', cameraId: 'cam-1', edgeId: 'edge-1' }))).toEqual({ ok: true });
    const first = cloud;
    const pending = await waitFor(
      'a failed attempt',
      async () => (await deliveries(first, '?state=pending')).items.find((d) => d.attempts >= 1),
      WAIT_MS,
    );
    expect(pending.lastStatus).toBeNull();
    expect(pending.lastError).not.toBeNull();
    await cloud.close();
    cloud = undefined;

    rx = await receiver(port, 0);
    cloud = await CloudUnderTest.start(config, ADMIN_PASSWORD);
    const second = cloud;
    const hit = await waitFor('the resumed delivery', () => rx?.hits.find((h) => h.delivery === pending.id), WAIT_MS);
    expect(hit).toMatchObject({ signed: true, status: 200, event: 'event.new', body: { id: pending.id, data: { after: { id } } } });
    const done = await waitFor(
      'delivered',
      async () => (await deliveries(second, '?state=delivered')).items.find((d) => d.id === pending.id),
      WAIT_MS,
    );
    expect(done.attempts).toBeGreaterThan(pending.attempts);
    expect(rx.hits.filter((h) => h.delivery === pending.id && h.status === 200)).toHaveLength(1);
  }, 60_000);
});
