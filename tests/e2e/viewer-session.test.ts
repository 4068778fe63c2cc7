import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, createApiClient } from '../../cloud/web/src/api/api-client.js';
import { renewMargin, type Session, type SessionStore } from '../../cloud/web/src/api/session.js';
import { SessionManager, type SignedOutReason } from '../../cloud/web/src/api/session-manager.js';
import type { LoginResponse, SessionUser } from '../../protocol/index.js';
import { CloudUnderTest, testCloudConfig } from '../support/cloud-under-test.js';
import { tempDir } from '../support/harness.js';

/** An in-memory stand-in for sessionStorage. */
function memoryStore(initial: Session | null = null): SessionStore & { saved: (Session | null)[] } {
  let held = initial;
  const saved: (Session | null)[] = [];
  return {
    saved,
    load: () => held,
    save: (s) => {
      held = s;
      saved.push(s);
    },
  };
}

const USER: SessionUser = { id: 1, username: 'op', displayName: null, role: 'operator', orgId: 1, siteId: null, permissions: ['events.read'] };

function json(status: number, body: unknown): Response {
  return new Response(status === 204 ? null : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

/**
 * A cloud double with the refresh rule of the real one: each refresh token works once, a reused one
 * ends the session. `/api/data` answers 200 for the current access token only.
 */
function fakeCloud(): { fetch: (input: string, init: RequestInit) => Promise<Response>; refreshes: number; revoked: boolean; logouts: string[]; offline: boolean } {
  let generation = 1;
  const cloud = {
    refreshes: 0,
    revoked: false,
    logouts: [] as string[],
    offline: false,
    fetch: async (input: string, init: RequestInit): Promise<Response> => {
      if (cloud.offline) throw new TypeError('fetch failed');
      // Let concurrent callers interleave as they would over a network.
      await new Promise((r) => setTimeout(r, 5));
      const body = typeof init.body === 'string' ? (JSON.parse(init.body) as Record<string, unknown>) : {};
      if (input === '/api/auth/refresh') {
        cloud.refreshes += 1;
        if (cloud.revoked || body.refreshToken !== `r${generation}`) {
          cloud.revoked = true;
          return json(401, { error: { code: 'UNAUTHORIZED', message: 'refresh token already used; the session was ended' } });
        }
        generation += 1;
        const res: LoginResponse = { token: `a${generation}`, expiresIn: 900, refreshToken: `r${generation}`, user: USER };
        return json(200, res);
      }
      if (input === '/api/auth/logout') {
        cloud.logouts.push(String(body.refreshToken));
        return json(204, null);
      }
      const auth = new Headers(init.headers).get('authorization');
      return auth === `Bearer a${generation}` && !cloud.revoked ? json(200, { ok: true, auth }) : json(401, { error: { code: 'UNAUTHORIZED', message: 'token expired' } });
    },
  };
  return cloud;
}

const session = (token: string, refreshToken: string, expiresAt: number, issuedAt = expiresAt - 900_000): Session => ({ token, refreshToken, issuedAt, expiresAt, user: USER });

describe('viewer session: renewal with rotating refresh tokens', () => {
  it('renews once for many requests refused together, and every one of them succeeds on retry', async () => {
    const cloud = fakeCloud();
    // The held token is stale (the cloud moved on), though the clock says it is fresh.
    const store = memoryStore(session('stale', 'r1', Date.now() + 600_000));
    const manager = new SessionManager({ fetch: cloud.fetch, store });
    const api = createApiClient(manager, cloud.fetch);
    const answers = await Promise.all(Array.from({ length: 6 }, () => api.get<{ auth: string }>('/api/data')));
    expect(cloud.refreshes).toBe(1);
    expect(cloud.revoked).toBe(false);
    expect(answers.map((a) => a.auth)).toEqual(Array(6).fill('Bearer a2'));
    expect(manager.current()).toMatchObject({ token: 'a2', refreshToken: 'r2' });
    expect(store.load()).toMatchObject({ token: 'a2', refreshToken: 'r2' });
    // Concurrent explicit renewals share one call too.
    const [s1, s2] = await Promise.all([manager.refresh(), manager.refresh()]);
    expect(s1).toBe(s2);
    expect(cloud.refreshes).toBe(2);
    expect(manager.current()?.refreshToken).toBe('r3');
  });

  it('renews a token about to expire before sending it, and schedules renewal ahead of expiry', async () => {
    const cloud = fakeCloud();
    let now = 1_000_000;
    const timers: { fn: () => void; ms: number }[] = [];
    const manager = new SessionManager({
      fetch: cloud.fetch,
      store: memoryStore(session('a1', 'r1', now + 2_000, now - 58_000)),
      now: () => now,
      setTimer: (fn, ms) => timers.push({ fn, ms }),
      clearTimer: () => undefined,
    });
    manager.start();
    // Expiring within half the margin: renewed at once (the timer for an overdue renewal is 0 ms).
    expect(timers.at(-1)?.ms).toBe(0);
    const api = createApiClient(manager, cloud.fetch);
    await expect(api.get<{ auth: string }>('/api/data')).resolves.toMatchObject({ auth: 'Bearer a2' });
    expect(cloud.refreshes).toBe(1);
    const s = manager.current();
    expect(s).not.toBeNull();
    if (!s) return;
    expect(timers.at(-1)?.ms).toBe(s.expiresAt - renewMargin(s) - now);
    // The scheduled renewal runs when its time comes.
    now = s.expiresAt - renewMargin(s);
    timers.at(-1)?.fn();
    await expect.poll(() => manager.current()?.token).toBe('a3');
    manager.stop();
  });

  it('keeps the session through a network failure and retries; ends it when the cloud refuses the refresh', async () => {
    const cloud = fakeCloud();
    const events: (SignedOutReason | 'in')[] = [];
    const timers: { fn: () => void; ms: number }[] = [];
    const manager = new SessionManager({
      fetch: cloud.fetch,
      store: memoryStore(session('a1', 'r1', Date.now() + 600_000)),
      setTimer: (fn, ms) => timers.push({ fn, ms }),
      clearTimer: () => undefined,
    });
    manager.subscribe((s, reason) => events.push(s ? 'in' : reason));
    manager.start();
    cloud.offline = true;
    await expect(manager.refresh()).rejects.toMatchObject({ code: 'NETWORK' });
    expect(manager.current()?.token).toBe('a1');
    cloud.offline = false;
    cloud.revoked = true;
    const api = createApiClient(manager, cloud.fetch);
    await expect(api.get('/api/data')).rejects.toBeInstanceOf(ApiError);
    expect(manager.current()).toBeNull();
    expect(events).toEqual(['expired']);
    await expect(manager.accessToken()).rejects.toMatchObject({ status: 401 });
  });

  it('logs out on the cloud with the refresh token and forgets the session here', async () => {
    const cloud = fakeCloud();
    const store = memoryStore(session('a1', 'r1', Date.now() + 600_000));
    const manager = new SessionManager({ fetch: cloud.fetch, store });
    await manager.logout();
    expect(cloud.logouts).toEqual(['r1']);
    expect(manager.current()).toBeNull();
    expect(store.load()).toBeNull();
  });
});

describe('viewer session against a real cloud', () => {
  const tmp = tempDir('viewer-session');
  const ADMIN_PASSWORD = 'viewer-session-admin-pw';
  let cloud: CloudUnderTest;
  const cloudFetch = (input: string, init: RequestInit): Promise<Response> => fetch(`${cloud.base}${input}`, init);

  beforeAll(async () => {
    cloud = await CloudUnderTest.start(testCloudConfig(path.join(tmp.dir, 'cloud'), ADMIN_PASSWORD, { auth: { admin: { password: ADMIN_PASSWORD }, tokenTtlSeconds: 60 } }), ADMIN_PASSWORD);
  });
  afterAll(async () => {
    await cloud.close();
    tmp.remove();
  });

  it('logs in, survives a refused access token with one shared renewal, and logs out for good', async () => {
    const store = memoryStore();
    const manager = new SessionManager({ fetch: cloudFetch, store });
    const s = await manager.login('admin', ADMIN_PASSWORD);
    expect(s.user).toMatchObject({ username: 'admin', role: 'admin' });
    expect(s.user.permissions).toContain('admin');
    expect(s.expiresAt - s.issuedAt).toBe(60_000);

    // A forged access token: every request is refused once and retried with the one renewed token.
    // Two renewals with the same refresh token would make the cloud end the whole session.
    store.save({ ...s, token: `${s.token.slice(0, -4)}AAAA` });
    const forged = new SessionManager({ fetch: cloudFetch, store });
    const api = createApiClient(forged, cloudFetch);
    const answers = await Promise.all(Array.from({ length: 5 }, () => api.get<SessionUser>('/api/auth/me')));
    expect(answers.map((a) => a.username)).toEqual(Array(5).fill('admin'));
    const renewed = forged.current();
    expect(renewed?.refreshToken).not.toBe(s.refreshToken);
    // The session is still alive: the next renewal works.
    await forged.refresh();
    await expect(api.get<SessionUser>('/api/auth/me')).resolves.toMatchObject({ username: 'admin' });

    // The first manager's refresh token was spent by the renewal: using it again ends the session.
    await expect(manager.refresh()).rejects.toMatchObject({ status: 401 });
    expect(manager.current()).toBeNull();
    await expect(forged.refresh()).rejects.toMatchObject({ status: 401 });
    expect(forged.current()).toBeNull();

    // A fresh login, then logout: its refresh token no longer works.
    const again = new SessionManager({ fetch: cloudFetch, store: memoryStore() });
    const s2 = await again.login('admin', ADMIN_PASSWORD);
    await again.logout();
    const reuse = await cloudFetch('/api/auth/refresh', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken: s2.refreshToken }) });
    expect(reuse.status).toBe(401);
  });
});
