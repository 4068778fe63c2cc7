import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { Permission } from '../../../../protocol/access.js';
import { createApiClient, type ApiClient } from './api-client.js';
import type { Session } from './session.js';
import { webSessionStore } from './session.js';
import { SessionManager, type SignedOutReason } from './session-manager.js';

export type { SignedOutReason } from './session-manager.js';

export interface SessionState {
  session: Session | null;
  signedOutReason: SignedOutReason;
  /** REST as the signed-in user (tokens renewed as needed); stable for the life of the tab. */
  api: ApiClient;
  /** The token source of the live socket. */
  manager: SessionManager;
  /** Whether the signed-in user holds a permission (what the UI offers; the cloud decides). */
  can: (permission: Permission) => boolean;
  /** @throws ApiError (UNAUTHORIZED, RATE_LIMITED, …) */
  login: (username: string, password: string) => Promise<void>;
  logout: () => void;
}

const SessionContext = createContext<SessionState | null>(null);

export function SessionProvider({ children }: { children: ReactNode }): ReactNode {
  const [manager] = useState(() => new SessionManager({ fetch: (input, init) => fetch(input, init), store: webSessionStore(sessionStorage) }));
  const [session, setSession] = useState<Session | null>(() => manager.current());
  const [signedOutReason, setReason] = useState<SignedOutReason>('none');
  const api = useMemo(() => createApiClient(manager), [manager]);

  useEffect(() => {
    const off = manager.subscribe((next, reason) => {
      setSession(next);
      if (!next) setReason(reason);
      else setReason('none');
    });
    setSession(manager.current());
    manager.start();
    return () => {
      off();
      manager.stop();
    };
  }, [manager]);

  const login = useCallback(
    async (username: string, password: string) => {
      await manager.login(username, password);
    },
    [manager],
  );
  const logout = useCallback(() => void manager.logout(), [manager]);
  const can = useCallback((p: Permission) => session?.user.permissions.includes(p) ?? false, [session]);

  const value = useMemo<SessionState>(
    () => ({ session, signedOutReason, api, manager, can, login, logout }),
    [session, signedOutReason, api, manager, can, login, logout],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const ctx = useContext(SessionContext);
  if (!ctx) throw new Error('useSession outside SessionProvider');
  return ctx;
}
