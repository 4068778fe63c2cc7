/** The signed-in user as the viewer knows it: the bearer token and what its claims say. */
export interface Session {
  token: string;
  username: string;
  /** The role claim; decides which pages are shown (the cloud enforces access on every route). */
  role: string;
  /** Token expiry, epoch ms, or null when the token carries none. */
  expiresAt: number | null;
}

const TOKEN_KEY = 'mingliang.token';

function base64UrlDecode(part: string): string {
  const b64 = part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '=');
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

/**
 * Reads the claims of a JWT without verifying it: the viewer only uses them to label the session and
 * choose pages; the cloud verifies the token on every request.
 * @returns null when the token is not a JWT with a username and role
 */
export function sessionFromToken(token: string): Session | null {
  const payload = token.split('.')[1];
  if (payload === undefined) return null;
  let claims: unknown;
  try {
    claims = JSON.parse(base64UrlDecode(payload));
  } catch {
    // Not base64url JSON: not a token this cloud issued.
    return null;
  }
  if (typeof claims !== 'object' || claims === null) return null;
  const { username, role, exp } = claims as Record<string, unknown>;
  if (typeof username !== 'string' || typeof role !== 'string') return null;
  return { token, username, role, expiresAt: typeof exp === 'number' ? exp * 1000 : null };
}

/**
 * The token lives in sessionStorage: it survives a reload of the tab but not closing it, and other
 * tabs (another operator's wall on the same machine) sign in on their own.
 */
export function loadSession(): Session | null {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const session = token === null ? null : sessionFromToken(token);
  if (token !== null && (session === null || (session.expiresAt !== null && session.expiresAt <= Date.now()))) {
    sessionStorage.removeItem(TOKEN_KEY);
    return null;
  }
  return session;
}

export function storeSession(session: Session | null): void {
  if (session) sessionStorage.setItem(TOKEN_KEY, session.token);
  else sessionStorage.removeItem(TOKEN_KEY);
}
