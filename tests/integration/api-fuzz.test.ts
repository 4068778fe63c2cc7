/**
 * Fuzzes every route the app registers with malformed ids, queries and bodies, as the admin (who passes
 * every access check, so the input handling itself is reached) and as a site user. Nothing may answer
 * 5xx (503 NOT_READY aside: live video and edge-backed footage report "not available" by design), every
 * refusal must carry the `{error: {code, message}}` shape, nothing stored may change, and the server must
 * still answer afterwards. Inputs come from a seeded generator, so a failure names a reproducible case.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteInfo } from '../../cloud/src/app.js';
import { startScopedFixture, type ScopedFixture } from '../support/scoped-fixture.js';

/** mulberry32: small, seeded, good enough to pick cases reproducibly. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NASTY_STRINGS = [
  '',
  ' ',
  'x'.repeat(5000),
  '../../../etc/passwd',
  '..%2F..%2Fetc%2Fpasswd',
  "' OR 1=1 --",
  '"; DROP TABLE events; --',
  '%00',
  '\u0000',
  '\u202e\u202d',
  '摄像机🙂',
  '-1',
  '0',
  '1e309',
  'NaN',
  '9007199254740993',
  '[object Object]',
  '{"a":1}',
  '<script>alert(1)</script>',
  '%',
  '%zz',
  '__proto__',
  'constructor',
];

const NASTY_VALUES: unknown[] = [
  null,
  true,
  -1,
  0,
  1.5,
  Number.MAX_SAFE_INTEGER + 2,
  -1e308,
  'x'.repeat(3000),
  '',
  [],
  [1, 'a', null],
  {},
  { __proto__: { admin: true } },
  { constructor: { prototype: { polluted: true } } },
  '\u0000',
  '2026-13-45',
];

/** A value unlike what a schema property wants. */
function mutate(rand: () => number, prop: Record<string, unknown> | undefined): unknown {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const type = prop?.type;
  if (type === 'integer' || type === 'number') return pick(['12', -1e12, 1.5, null, 'NaN', [], {}, Number.MAX_SAFE_INTEGER * 4]);
  if (type === 'string') return pick([12, null, 'x'.repeat(5000), '', [], {}, '\u0000bad', true]);
  if (type === 'boolean') return pick(['true', 1, null, [], {}]);
  if (type === 'array') return pick(['a', {}, null, Array.from({ length: 2000 }, () => 'x'), [[[[[]]]]], [{}]]);
  if (type === 'object') return pick(['a', [], null, 1, { unknown: 1 }]);
  return pick(NASTY_VALUES);
}

function deep(depth: number): unknown {
  let v: unknown = {};
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

/** One malformed request for a route. */
interface Case {
  url: string;
  body?: string;
  contentType?: string;
}

function cases(route: RouteInfo, rand: () => number, n: number, known: Record<string, string>): Case[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const bodySchema = route.schema?.body as { properties?: Record<string, Record<string, unknown>>; required?: string[] } | undefined;
  const querySchema = route.schema?.querystring as { properties?: Record<string, Record<string, unknown>> } | undefined;
  const props = Object.entries(bodySchema?.properties ?? {});
  const queryProps = Object.keys(querySchema?.properties ?? {});
  const out: Case[] = [];
  for (let i = 0; i < n; i++) {
    // Path params: sometimes a real id (so the body and query checks behind it are reached), else nasty.
    const url = route.url.replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) =>
      encodeURIComponent(rand() < 0.5 && known[name] !== undefined ? known[name] : pick(NASTY_STRINGS)),
    );
    const q: string[] = [];
    if (rand() < 0.6) {
      const keys = [...queryProps, 'unknownKey', 'limit', 'from', '__proto__'];
      for (let k = 0; k < 1 + Math.floor(rand() * 3); k++) {
        q.push(`${encodeURIComponent(pick(keys))}=${encodeURIComponent(pick(NASTY_STRINGS))}`);
      }
    }
    const full = q.length > 0 ? `${url}?${q.join('&')}` : url;
    if (route.method === 'GET' || route.method === 'DELETE') {
      out.push({ url: full });
      continue;
    }
    const shape = rand();
    if (shape < 0.15) out.push({ url: full, body: '{"unterminated": ', contentType: 'application/json' });
    else if (shape < 0.25) out.push({ url: full, body: JSON.stringify(pick([[], 'text', 42, null, true])), contentType: 'application/json' });
    else if (shape < 0.32) out.push({ url: full, body: JSON.stringify(deep(200 + Math.floor(rand() * 2000))), contentType: 'application/json' });
    else if (shape < 0.38) out.push({ url: full, body: 'a=1&b=2', contentType: pick(['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) });
    else if (shape < 0.42) out.push({ url: full, body: '--x\r\nContent-Disposition: form-data; name="file"\r\n\r\nnot an image\r\n--x--', contentType: 'multipart/form-data; boundary=x' });
    else if (shape < 0.45) out.push({ url: full, body: JSON.stringify({ big: 'x'.repeat(400 * 1024) }), contentType: 'application/json' });
    else {
      // A plausible body with one or more properties of the wrong type, or an unknown key.
      const body: Record<string, unknown> = {};
      for (const [key, prop] of props) body[key] = mutate(rand, prop);
      if (props.length === 0 || rand() < 0.3) body[pick(['unknown', '__proto__x', 'admin', 'role'])] = pick(NASTY_VALUES);
      out.push({ url: full, body: JSON.stringify(body), contentType: 'application/json' });
    }
  }
  return out;
}

let f: ScopedFixture;

/** Row counts of every table but the logs that bad requests are meant to write to. */
function tableCounts(): Record<string, number> {
  const db = f.cloud.app.db;
  const names = db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all();
  const skip = new Set(['audit_log', 'refresh_tokens', 'schema_migrations']);
  const out: Record<string, number> = {};
  for (const { name } of names) {
    if (!skip.has(name)) out[name] = (db.prepare(`SELECT COUNT(*) AS n FROM "${name}"`).get() as { n: number }).n;
  }
  return out;
}

beforeAll(async () => {
  f = await startScopedFixture();
}, 60_000);
afterAll(async () => {
  await f?.close();
});

describe('API fuzz', () => {
  it('answers malformed ids, queries and bodies on every route with clear 4xx errors, changes nothing, and keeps serving', { timeout: 300_000 }, async () => {
    const routes = f.cloud.app.mingliang.routes.filter((r) => r.url.startsWith('/api/') && r.method !== 'HEAD' && r.method !== 'OPTIONS');
    expect(routes.length).toBeGreaterThan(40);
    const known: Record<string, string> = {
      id: f.side.A.eventId,
      cameraId: f.side.A.cameraId,
      sha256: 'b'.repeat(64),
      requestId: 'r1',
    };
    const before = tableCounts();
    const rand = prng(20261121);
    const failures: string[] = [];
    let sent = 0;
    for (const route of routes) {
      for (const role of ['admin', 'site'] as const) {
        for (const c of cases(route, rand, 12, known)) {
          const headers: Record<string, string> = { authorization: `Bearer ${f.tokens[role]}` };
          if (c.contentType) headers['content-type'] = c.contentType;
          const res = await fetch(`${f.cloud.base}${c.url}`, { method: route.method, headers, ...(c.body === undefined ? {} : { body: c.body }) });
          sent++;
          const text = await res.text();
          const label = `${role} ${route.method} ${c.url.slice(0, 160)} ${c.body?.slice(0, 80) ?? ''} → ${res.status}`;
          let body: { error?: { code?: unknown; message?: unknown } } | undefined;
          try {
            body = text ? (JSON.parse(text) as typeof body) : undefined;
          } catch {
            body = undefined; // A file body (evidence): only a 2xx may have one, checked below.
          }
          if (res.status >= 500 && !(res.status === 503 && body?.error?.code === 'NOT_READY')) failures.push(`5xx: ${label} ${text.slice(0, 200)}`);
          if (res.status >= 400) {
            const ok = typeof body?.error?.code === 'string' && typeof body.error.message === 'string' && body.error.message.length > 0;
            if (!ok) failures.push(`no error shape: ${label} ${text.slice(0, 200)}`);
          }
        }
      }
    }
    process.stdout.write(`[fuzz] ${sent} malformed requests over ${routes.length} routes, ${failures.length} failures\n`);
    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThan(1000);
    // Nothing was created, changed into existence, or removed by any of it.
    expect(tableCounts()).toEqual(before);
    expect((f.cloud.app.db.pragma('integrity_check') as { integrity_check: string }[])[0]?.integrity_check).toBe('ok');
    const health = await fetch(`${f.cloud.base}/healthz`);
    expect(health.status).toBe(200);
    // Still serving real requests.
    expect((await f.cloud.api('GET', `/api/events/${f.side.A.eventId}`)).status).toBe(200);
  });
});
