import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseCloudConfig } from '../../cloud/src/config.js';
import { MetricsAccess } from '../../cloud/src/integrations/metrics-access.js';
import { mqttMessageFor } from '../../cloud/src/integrations/mqtt-messages.js';
import { OfflineQueue } from '../../cloud/src/integrations/offline-queue.js';
import { documentedRoute, isDocumented, securityOf, tagOf } from '../../cloud/src/integrations/openapi-document.js';
import { EventChangeTracker } from '../../cloud/src/integrations/outbound-feed.js';
import { displayEndpoint } from '../../cloud/src/integrations/webhook-deliveries-repo.js';
import { subscribes, webhookEventOf } from '../../cloud/src/integrations/webhook-dispatcher.js';
import { attemptVerdict, retryDelayMs } from '../../cloud/src/integrations/webhook-retry.js';
import { signWebhook, verifyWebhook } from '../../cloud/src/integrations/webhook-signature.js';
import type { CameraItem, EventItem } from '../../protocol/index.js';

function item(id: string, phase: EventItem['phase'], seq = 0): EventItem {
  return {
    id,
    edgeId: 'edge-1',
    cameraId: 'cam-1',
    ruleId: 'r',
    type: 'helmet',
    severity: 1,
    label: 'head',
    topScore: 0.5 + seq / 10,
    phase,
    startedAt: 1000,
    updatedAt: 1000 + seq,
    endedAt: phase === 'end' ? 2000 : null,
    endReason: null,
    detections: [],
    snapshotUrl: null,
    thumbnailUrl: null,
    clipUrl: null,
    clip: null,
    zoneId: null,
    name: null,
  };
}

describe('OfflineQueue', () => {
  it('keeps order, drops the oldest past capacity and counts the drops', () => {
    const q = new OfflineQueue<number>(3);
    expect([1, 2, 3, 4, 5].map((n) => q.push(n))).toEqual([0, 0, 0, 1, 1]);
    expect(q.dropped).toBe(2);
    expect([q.shift(), q.shift(), q.shift(), q.shift()]).toEqual([3, 4, 5, undefined]);
  });

  it('replaces a queued message with the same key and moves it to the back', () => {
    const q = new OfflineQueue<string>(3);
    q.push('cam-1 connecting', 'cam-1');
    q.push('event');
    q.push('cam-1 streaming', 'cam-1');
    expect(q.size).toBe(2);
    expect([q.shift(), q.shift()]).toEqual(['event', 'cam-1 streaming']);
  });

  it('refuses a capacity below one', () => {
    expect(() => new OfflineQueue(0)).toThrow(/positive integer/);
  });
});

describe('EventChangeTracker', () => {
  it('classifies new, update and end with the previous item as before', () => {
    const t = new EventChangeTracker();
    const start = item('a', 'start');
    const update = item('a', 'update', 1);
    const end = item('a', 'end', 2);
    expect(t.classify(start)).toEqual({ type: 'new', before: null, after: start });
    expect(t.classify(update)).toEqual({ type: 'update', before: start, after: update });
    expect(t.classify(end)).toEqual({ type: 'end', before: update, after: end });
    expect(t.size).toBe(0);
  });

  it('reports an event first seen at its end as end, and forgets the stalest open event past capacity', () => {
    const t = new EventChangeTracker(2);
    expect(t.classify(item('x', 'end')).type).toBe('end');
    t.classify(item('a', 'start'));
    t.classify(item('b', 'start'));
    t.classify(item('a', 'update', 1)); // a is fresher than b now
    t.classify(item('c', 'start'));
    expect(t.size).toBe(2);
    expect(t.classify(item('b', 'update', 1))).toMatchObject({ type: 'new', before: null });
    expect(t.classify(item('c', 'update', 1)).type).toBe('update');
  });
});

describe('webhook signature', () => {
  it('is the hex HMAC-SHA256 of "<timestamp>.<body>" and verifies only the exact body and timestamp', () => {
    const body = '{"id":"1","event":"event.new"}';
    const sig = signWebhook('s3cret-s3cret-s3cret', 1_700_000_000, body);
    expect(sig).toBe(`sha256=${createHmac('sha256', 's3cret-s3cret-s3cret').update(`1700000000.${body}`).digest('hex')}`);
    const headers = { timestamp: '1700000000', signature: sig };
    expect(verifyWebhook('s3cret-s3cret-s3cret', headers, body, 1_700_000_010)).toBe(true);
    expect(verifyWebhook('s3cret-s3cret-s3cret', headers, `${body} `, 1_700_000_010)).toBe(false);
    expect(verifyWebhook('other-secret-other', headers, body, 1_700_000_010)).toBe(false);
    expect(verifyWebhook('s3cret-s3cret-s3cret', { ...headers, timestamp: '1700000001' }, body, 1_700_000_010)).toBe(false);
    // Too old: a replay.
    expect(verifyWebhook('s3cret-s3cret-s3cret', headers, body, 1_700_000_000 + 301)).toBe(false);
    expect(verifyWebhook('s3cret-s3cret-s3cret', { timestamp: undefined, signature: sig }, body)).toBe(false);
  });
});

describe('webhook retry schedule', () => {
  const settings = { backoffBaseMs: 1000, backoffMaxMs: 10_000 };

  it('doubles from the base up to the cap, with half of each delay random', () => {
    expect([1, 2, 3, 4, 5, 6].map((a) => retryDelayMs(a, settings, () => 0))).toEqual([500, 1000, 2000, 4000, 5000, 5000]);
    expect([1, 2, 3, 4, 5, 6].map((a) => retryDelayMs(a, settings, () => 0.999999))).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000]);
    expect(retryDelayMs(1000, settings, () => 0.5)).toBe(7500);
  });

  it('retries network errors, timeouts, 408, 429 and 5xx; refuses other answers', () => {
    expect([undefined, 408, 429, 500, 503].map(attemptVerdict)).toEqual(['retry', 'retry', 'retry', 'retry', 'retry']);
    expect([200, 201, 204].map(attemptVerdict)).toEqual(['delivered', 'delivered', 'delivered']);
    expect([301, 400, 401, 404, 410].map(attemptVerdict)).toEqual(['refused', 'refused', 'refused', 'refused', 'refused']);
  });
});

describe('webhook subscriptions', () => {
  it('names deliveries and matches *, a family or the exact kind', () => {
    const change = { type: 'end' as const, before: null, after: item('a', 'end') };
    expect(webhookEventOf({ kind: 'event', change })).toBe('event.end');
    expect(subscribes(['*'], 'event.end')).toBe(true);
    expect(subscribes(['event'], 'event.end')).toBe(true);
    expect(subscribes(['event.new'], 'event.end')).toBe(false);
    expect(subscribes(['camera'], 'camera.state')).toBe(true);
    expect(subscribes(['workflow.update', 'camera.state'], 'event.new')).toBe(false);
  });

  it('shows endpoints without credentials or query', () => {
    expect(displayEndpoint('https://user:pw@hooks.example.cn:8443/in?token=abc#x')).toBe('https://hooks.example.cn:8443/in');
  });
});

describe('MQTT messages', () => {
  const camera: CameraItem = { id: 'cam-7', edgeId: 'e', name: 'Gate', rules: [], state: 'streaming', stateSince: 1, lastSeenAt: 2 };

  it('maps events, cameras and workflow updates to their topics', () => {
    const change = { type: 'new' as const, before: null, after: item('a', 'start') };
    expect(mqttMessageFor({ kind: 'event', change }, 'ml', true)).toEqual({ topic: 'ml/events', payload: JSON.stringify(change), retain: false });
    expect(mqttMessageFor({ kind: 'camera', camera }, 'ml', true)).toEqual({
      topic: 'ml/cameras/cam-7/state',
      payload: JSON.stringify(camera),
      retain: true,
      key: 'camera:cam-7',
    });
    expect(mqttMessageFor({ kind: 'camera', camera }, 'ml', false).retain).toBe(false);
  });
});

describe('MetricsAccess', () => {
  it('admits allowed addresses (IPv4-mapped too) and the token from anywhere, nothing else', () => {
    const access = new MetricsAccess(['127.0.0.1/8', '::1', '10.1.0.0/16'], 'scrape-token-0123456789');
    expect(access.allows('127.0.0.1', undefined)).toBe(true);
    expect(access.allows('::ffff:127.0.0.5', undefined)).toBe(true);
    expect(access.allows('::1', undefined)).toBe(true);
    expect(access.allows('10.1.200.3', undefined)).toBe(true);
    expect(access.allows('10.2.0.1', undefined)).toBe(false);
    expect(access.allows('203.0.113.9', 'Bearer scrape-token-0123456789')).toBe(true);
    expect(access.allows('203.0.113.9', 'Bearer scrape-token-01234567890')).toBe(false);
    expect(access.allows('2001:db8::1', undefined)).toBe(false);
    expect(new MetricsAccess([], '').allows('127.0.0.1', 'Bearer ')).toBe(false);
  });
});

describe('integrations config', () => {
  it('lists bad allow entries, short tokens, duplicate webhook URLs and an inverted backoff with their key paths', () => {
    const hook = { url: 'http://127.0.0.1:9/h', secret: 'sixteen-chars-ok' };
    expect(() =>
      parseCloudConfig(
        {
          integrations: {
            metrics: { allow: ['10.0.0.0/33', 'localhost'], token: 'short' },
            webhooks: { endpoints: [hook, hook], backoffBaseMs: 1000, backoffMaxMs: 500 },
          },
        },
        {},
      ),
    ).toThrow(
      expect.objectContaining({
        message: expect.stringMatching(
          /integrations\.metrics\.allow\[0\][\s\S]*integrations\.metrics\.allow\[1\][\s\S]*integrations\.metrics\.token[\s\S]*integrations\.webhooks\.endpoints\[1\]\.url[\s\S]*integrations\.webhooks\.backoffMaxMs/,
        ),
      }),
    );
  });

  it('refuses an MQTT URL of another scheme and a webhook secret that is too short', () => {
    expect(() => parseCloudConfig({ integrations: { mqtt: { url: 'http://broker' } } }, {})).toThrow(/integrations\.mqtt\.url/);
    expect(() => parseCloudConfig({ integrations: { webhooks: { endpoints: [{ url: 'http://x/h', secret: 'short' }] } } }, {})).toThrow(
      /integrations\.webhooks\.endpoints\[0\]\.secret/,
    );
  });
});

describe('OpenAPI route documentation', () => {
  it('tags by the first segment after /api and hides what is not API', () => {
    expect(tagOf('/api/events/:id')).toBe('events');
    expect(tagOf('/api/integrations/webhooks/deliveries')).toBe('integrations');
    expect(tagOf('/healthz')).toBe('system');
    expect(isDocumented('/assets/x.js')).toBe(false);
    expect(isDocumented('/*')).toBe(false);
    expect(documentedRoute(undefined, '/*').schema).toEqual({ hide: true });
    expect(documentedRoute({ tags: ['custom'] }, '/api/events').schema).toEqual({ tags: ['custom'] });
  });

  it('marks public and edge routes, leaving the rest to the user-token default', () => {
    expect(securityOf('/api/auth/login')).toEqual([]);
    expect(securityOf('/api/edge/evidence/:sha256')).toEqual([{ edgeToken: [], edgeId: [] }]);
    expect(securityOf('/api/events')).toBeUndefined();
  });
});
