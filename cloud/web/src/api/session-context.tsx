import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { LoginRequest } from '../../../../protocol/rest.js';
import type { LoginResponse } from '../../../../protocol/users.js';
import { ApiError, createApiClient, type ApiClient } from './api-client.js';
import { loadSession, sessionFromToken, storeSession, type Session } from './session.js';

/** Why the viewer is showing the login page. */
export type SignedOutReason = 'none' | 'expired';

export interface SessionState {
  session: Session | null;
  signedOutReason: SignedOutReason;
  /** REST as the signed-in user (anonymous while signed out). */
  api: ApiClient;
  /** @throws ApiError (UNAUTHORIZED, RATE_LIMITED, …) */
  login: (username: string, password: string) => Promise<void>;
  logout: (reason?: SignedOutReason) => void;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

const SessionContext = createContext<SessionState | null>(null);

export function SessionProvider({ children }: { children: ReactNode }): ReactNode {
  const [session, setSession] = useState<Session | null>(loadSession);
  const [signedOutReason, setReason] = useState<SignedOutReason>('none');

  const logout = useCallback((reason: SignedOutReason = 'none') => {
    storeSession(null);
    setReason(reason);
    setSession(null);
  }, []);
  const expire = useCallback(() => logout('expired'), [logout]);
  const api = useMemo(() => createApiClient(session?.token ?? null, expire), [session, expire]);

  const login = useCallback(
    async (username: string, password: string) => {
      const body: LoginRequest = { username, password };
      const { token } = await createApiClient(null, expire).post<LoginResponse>('/api/auth/login', body);
      const next = sessionFromToken(token);
      if (!next) throw new ApiError(200, 'INTERNAL', 'the cloud answered with an unreadable token');
      storeSession(next);
      setReason('none');
      setSession(next);
    },
    [expire],
  );

  // Sign out when the token runs out rather than at the next refused request.
  useEffect(() => {
    if (session?.expiresAt == null) return;
    // setTimeout fires at once for delays beyond 2^31-1 ms; a longer token just gets a later check.
    const timer = setTimeout(expire, Math.min(MAX_TIMER_MS, Math.max(0, session.expiresAt - Date.now())));
    return () => clearTimeout(timer);
  }, [session, expire]);

  const value = useMemo<SessionState>(() => ({ session, signedOutReason, api, login, logout }), [session, signedOutReason, api, login, logout]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const ctx = useContext(SessionContext);
  if (!ctx) throw new Error('useSession outside SessionProvider');
  return ctx;
}
