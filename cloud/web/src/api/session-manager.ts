import type { LoginRequest } from '../../../../protocol/rest.js';
import type { LoginResponse, RefreshRequest } from '../../../../protocol/users.js';
import { ApiError, apiErrorOf, type Authenticator } from './api-client.js';
import { renewMargin, sessionFromLogin, type Session, type SessionStore } from './session.js';

/** Why the viewer is showing the login page. */
export type SignedOutReason = 'none' | 'expired';

export type SessionListener = (session: Session | null, reason: SignedOutReason) => void;

/** What {@link SessionManager} needs from the outside world; tests pass fakes. */
export interface SessionManagerDeps {
  fetch: (input: string, init: RequestInit) => Promise<Response>;
  store: SessionStore;
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (timer: unknown) => void;
}

/** A renewal that failed for want of a network is retried after this long. */
const RETRY_MS = 10_000;
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The session of one tab: login, logout, and keeping the short-lived access token fresh.
 *
 * Refresh tokens rotate and a reused one ends the session on the cloud, so renewals are
 * single-flight: whoever needs a new token while a renewal is under way (the timer, several requests
 * refused at once, the socket) waits for that same renewal instead of spending the refresh token again.
 */
export class SessionManager implements Authenticator {
  private session: Session | null;
  private inflight: Promise<Session> | null = null;
  private timer: unknown = null;
  private running = false;
  private readonly listeners = new Set<SessionListener>();
  private readonly now: () => number;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (timer: unknown) => void;

  constructor(private readonly deps: SessionManagerDeps) {
    this.now = deps.now ?? Date.now;
    this.setTimer = deps.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = deps.clearTimer ?? ((t) => clearTimeout(t as ReturnType<typeof setTimeout>));
    this.session = deps.store.load();
  }

  current(): Session | null {
    return this.session;
  }

  /** @returns unsubscribe */
  subscribe(listener: SessionListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Starts renewing the token ahead of its expiry (and at once when a stored one has expired). */
  start(): void {
    this.running = true;
    this.schedule();
  }

  stop(): void {
    this.running = false;
    this.unschedule();
  }

  /** @throws ApiError (UNAUTHORIZED, RATE_LIMITED, NETWORK, …) */
  async login(username: string, password: string): Promise<Session> {
    const body: LoginRequest = { username, password };
    const res = await this.post<LoginResponse>('/api/auth/login', body);
    this.inflight = null;
    this.set(sessionFromLogin(res, this.now()), 'none');
    return this.session as Session;
  }

  /** Ends the session here at once and on the cloud as far as it can be reached. */
  async logout(): Promise<void> {
    const held = this.session;
    this.set(null, 'none');
    if (!held) return;
    const body: RefreshRequest = { refreshToken: held.refreshToken };
    try {
      await this.post<unknown>('/api/auth/logout', body);
    } catch (err) {
      // Signed out here either way; the refresh token dies by its own expiry if the cloud missed this.
      console.warn('logout request failed', err);
    }
  }

  /** Signs out locally because the cloud no longer accepts the session. */
  expire(): void {
    if (this.session) this.set(null, 'expired');
  }

  /**
   * A token to send now: the held one, or a renewed one when it is about to expire.
   * @throws ApiError UNAUTHORIZED when signed out
   */
  async accessToken(): Promise<string> {
    const s = this.session;
    if (!s) throw new ApiError(401, 'UNAUTHORIZED', 'signed out');
    if (s.expiresAt - this.now() > renewMargin(s) / 2) return s.token;
    try {
      return (await this.refresh()).token;
    } catch (err) {
      // Offline but the old token has not quite run out: try it; the cloud has the last word.
      if (err instanceof ApiError && err.code === 'NETWORK' && this.session === s && s.expiresAt > this.now()) return s.token;
      throw err;
    }
  }

  /**
   * After the cloud refused `refused` with 401: a token to retry with once, or null when the session
   * is over. Requests refused together share one renewal; one refused with a token that has been
   * replaced meanwhile just retries with the new one.
   */
  async tokenRefused(refused: string): Promise<string | null> {
    const s = this.session;
    if (!s) return null;
    if (s.token !== refused && this.inflight === null) return s.token;
    try {
      return (await this.refresh()).token;
    } catch {
      return null;
    }
  }

  /**
   * Exchanges the refresh token for a new pair, single-flight. A refused refresh (spent, revoked or
   * expired, user disabled) ends the session; a network failure leaves it for a later try.
   */
  refresh(): Promise<Session> {
    if (this.inflight) return this.inflight;
    const s = this.session;
    if (!s) return Promise.reject(new ApiError(401, 'UNAUTHORIZED', 'signed out'));
    const body: RefreshRequest = { refreshToken: s.refreshToken };
    const run = async (): Promise<Session> => {
      try {
        const res = await this.post<LoginResponse>('/api/auth/refresh', body);
        // A logout or a new login while this was under way wins.
        if (this.session !== s) throw new ApiError(401, 'UNAUTHORIZED', 'session changed during renewal');
        const next = sessionFromLogin(res, this.now());
        this.set(next, 'none');
        return next;
      } catch (err) {
        if (err instanceof ApiError && err.status === 401 && this.session === s) this.set(null, 'expired');
        throw err;
      } finally {
        this.inflight = null;
      }
    };
    this.inflight = run();
    return this.inflight;
  }

  private async post<T>(path: string, body: unknown): Promise<T> {
    let res: Response;
    try {
      res = await this.deps.fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    } catch (err) {
      throw new ApiError(0, 'NETWORK', err instanceof Error ? err.message : String(err));
    }
    if (!res.ok) throw await apiErrorOf(res);
    return (res.status === 204 ? undefined : await res.json()) as T;
  }

  private set(session: Session | null, reason: SignedOutReason): void {
    this.session = session;
    this.deps.store.save(session);
    this.schedule();
    for (const listener of [...this.listeners]) listener(session, reason);
  }

  private unschedule(): void {
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
  }

  private schedule(delay?: number): void {
    this.unschedule();
    const s = this.session;
    if (!this.running || !s) return;
    const ms = delay ?? Math.max(0, s.expiresAt - renewMargin(s) - this.now());
    this.timer = this.setTimer(() => {
      this.timer = null;
      this.refresh().catch((err: unknown) => {
        // Signed out already on 401; otherwise (offline, cloud restarting) try again shortly.
        if (this.session === s) this.schedule(RETRY_MS);
        else if (!(err instanceof ApiError && err.status === 401)) console.warn('token renewal failed', err);
      });
    }, Math.min(MAX_TIMER_MS, ms));
  }
}
