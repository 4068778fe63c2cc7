import type { LoginResponse, SessionUser } from '../../../../protocol/users.js';

/** The signed-in user as the viewer holds it: both tokens and the user the cloud described. */
export interface Session {
  /** Short-lived access token (bearer header, socket auth). */
  token: string;
  /** When `token` was received and when it expires, epoch ms of this browser's clock. */
  issuedAt: number;
  expiresAt: number;
  /** One-use token that buys the next pair; rotated on every refresh. */
  refreshToken: string;
  /** Role, scope and permissions: decide which pages and actions are shown (the cloud enforces them). */
  user: SessionUser;
}

/**
 * A session from a login or refresh answer. Expiry is computed from `expiresIn` and the local clock,
 * not from the JWT's `exp`, so a browser clock that is off by minutes still renews on time.
 */
export function sessionFromLogin(res: LoginResponse, now: number): Session {
  return { token: res.token, issuedAt: now, expiresAt: now + res.expiresIn * 1000, refreshToken: res.refreshToken, user: res.user };
}

/** Where a session is kept between page loads. */
export interface SessionStore {
  load(): Session | null;
  save(session: Session | null): void;
}

const SESSION_KEY = 'mingliang.session';

function isSession(v: unknown): v is Session {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as Record<string, unknown>;
  const user = s.user as Record<string, unknown> | null | undefined;
  return (
    typeof s.token === 'string' &&
    typeof s.refreshToken === 'string' &&
    typeof s.issuedAt === 'number' &&
    typeof s.expiresAt === 'number' &&
    typeof user === 'object' &&
    user !== null &&
    typeof user.username === 'string' &&
    typeof user.role === 'string' &&
    Array.isArray(user.permissions)
  );
}

/**
 * Keeps the session in a Web Storage area. The viewer uses sessionStorage, not localStorage: refresh
 * tokens rotate and a reused one ends the session, so two tabs sharing one refresh token would sign
 * each other out at their next renewal. Per-tab storage gives every tab (another operator's wall on
 * the same machine) its own session, survives a reload, and ends with the tab. (A tab duplicated by
 * the browser copies its sessionStorage; the two then share a refresh token, and the second renewal
 * ends both sessions — a safe failure: both sign in again.)
 */
export function webSessionStore(storage: Storage): SessionStore {
  return {
    load() {
      // The access token of earlier versions of the viewer is useless without a refresh token.
      storage.removeItem('mingliang.token');
      const raw = storage.getItem(SESSION_KEY);
      if (raw === null) return null;
      try {
        const parsed: unknown = JSON.parse(raw);
        if (isSession(parsed)) return parsed;
      } catch {
        // Unreadable: treated like no session below.
      }
      storage.removeItem(SESSION_KEY);
      return null;
    },
    save(session) {
      if (session) storage.setItem(SESSION_KEY, JSON.stringify(session));
      else storage.removeItem(SESSION_KEY);
    },
  };
}

/** How long before expiry an access token is renewed: a fifth of its life, between 5 s and 60 s. */
export function renewMargin(session: Pick<Session, 'issuedAt' | 'expiresAt'>): number {
  return Math.min(60_000, Math.max(5_000, (session.expiresAt - session.issuedAt) / 5));
}
