import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { io, type Socket } from 'socket.io-client';
import type { CameraItem, CameraListResponse, EventItem, EventListResponse } from '../../../../protocol/rest.js';
import type { CloudToViewerEvents, VIEWER_NAMESPACE, ViewerToCloudEvents } from '../../../../protocol/socket-events.js';
import type { NoticeItem, WorkflowUpdate } from '../../../../protocol/workflow.js';
import { ApiError, type ApiClient, type Authenticator } from '../api/api-client.js';
import { mergeAlerts } from './alert-list.js';

/** Typed against the protocol's constant without importing its module (and TypeBox) at run time. */
const VIEWER_NS: typeof VIEWER_NAMESPACE = '/viewer';
const FIRST_PAGE = 100;

export type Connection = 'connecting' | 'live' | 'down';

/** What the live connection gives every page. */
export interface LiveData {
  connection: Connection;
  /** Every camera with its last reported state, by id. */
  cameras: ReadonlyMap<string, CameraItem>;
  /** Recent events, newest first: the first page at sign-in, then every push. */
  alerts: readonly EventItem[];
  /** Loads the next older page into `alerts`; resolves false when there is none. */
  loadOlder: () => Promise<boolean>;
  hasOlder: boolean;
  /** Called for every pushed event; `isNew` when its id was not held before. @returns unsubscribe */
  onPush: (listener: (item: EventItem, isNew: boolean) => void) => () => void;
  /** Called for every pushed workflow transition. @returns unsubscribe */
  onWorkflow: (listener: (update: WorkflowUpdate) => void) => () => void;
  /** Called for every pushed notice (only those addressed to this user's scope arrive). @returns unsubscribe */
  onNotice: (listener: (notice: NoticeItem) => void) => () => void;
  /** Bumped on every (re)connect: what the socket may have missed meanwhile should be read again. */
  connectCount: number;
}

/** Handshakes refused in a row, each after a renewal, before the session counts as over. */
const MAX_AUTH_RETRIES = 2;

const LiveContext = createContext<LiveData | null>(null);

/**
 * Holds the session's one socket.io connection to /viewer and the state it keeps fresh. On every
 * (re)connect it reloads the cameras and the first page of events, so nothing pushed while the
 * connection was down is missed. Every (re)connect asks the session for its current access token, so
 * a reconnect after a renewal uses the fresh one; a handshake refused as UNAUTHORIZED renews the token
 * and connects again.
 */
export function LiveDataProvider({ api, auth, children }: { api: ApiClient; auth: Authenticator; children: ReactNode }): ReactNode {
  const [connection, setConnection] = useState<Connection>('connecting');
  const [cameras, setCameras] = useState<ReadonlyMap<string, CameraItem>>(new Map());
  const [alerts, setAlerts] = useState<readonly EventItem[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const listeners = useRef(new Set<(item: EventItem, isNew: boolean) => void>());
  const workflowListeners = useRef(new Set<(update: WorkflowUpdate) => void>());
  const noticeListeners = useRef(new Set<(notice: NoticeItem) => void>());
  const [connectCount, setConnectCount] = useState(0);
  const held = useRef(new Set<string>());
  const pagingStarted = useRef(false);

  const addAlerts = useCallback((items: readonly EventItem[]) => {
    for (const item of items) held.current.add(item.id);
    setAlerts((list) => mergeAlerts(list, items));
  }, []);

  useEffect(() => {
    let closed = false;
    const catchUp = async (): Promise<void> => {
      try {
        const [cams, page] = await Promise.all([
          api.get<CameraListResponse>('/api/cameras'),
          api.get<EventListResponse>(`/api/events?limit=${FIRST_PAGE}`),
        ]);
        if (closed) return;
        setCameras(new Map(cams.items.map((c) => [c.id, c])));
        addAlerts(page.items);
        // Only the first load sets the cursor: a catch-up after a reconnect must not rewind paging.
        if (!pagingStarted.current) {
          pagingStarted.current = true;
          setCursor(page.nextCursor);
        }
      } catch (err) {
        // 401 already signed the session out through the api client; anything else: the next
        // reconnect retries, and the connection badge shows the trouble meanwhile.
        if (!(err instanceof ApiError && err.status === 401)) console.warn('catch-up failed', err);
      }
    };
    let lastToken: string | null = null;
    let authFailures = 0;
    const socket: Socket<CloudToViewerEvents, ViewerToCloudEvents> = io(VIEWER_NS, {
      auth: (cb) => {
        auth.accessToken().then(
          (token) => {
            lastToken = token;
            cb({ token });
          },
          // Signed out meanwhile: the handshake fails and the provider unmounts with the session.
          () => cb({}),
        );
      },
    });
    socket.on('connect', () => {
      authFailures = 0;
      setConnection('live');
      setConnectCount((n) => n + 1);
      void catchUp();
    });
    socket.on('disconnect', () => setConnection('down'));
    socket.on('connect_error', (err: Error & { data?: unknown }) => {
      setConnection('down');
      const data = err.data as { code?: unknown } | undefined;
      if (data?.code !== 'UNAUTHORIZED' || closed) return;
      // A refused handshake is not retried by socket.io itself: renew and connect again, a bounded
      // number of times (a disabled user stays refused).
      authFailures += 1;
      if (authFailures > MAX_AUTH_RETRIES || lastToken === null) {
        auth.expire();
        return;
      }
      void auth.tokenRefused(lastToken).then((fresh) => {
        if (fresh !== null && !closed) socket.connect();
      });
    });
    socket.on('event', (item) => {
      const isNew = !held.current.has(item.id);
      addAlerts([item]);
      for (const listener of listeners.current) listener(item, isNew);
    });
    socket.on('camera', (item) => setCameras((m) => new Map(m).set(item.id, item)));
    socket.on('workflow', (update) => {
      for (const listener of workflowListeners.current) listener(update);
    });
    socket.on('notice', (notice) => {
      for (const listener of noticeListeners.current) listener(notice);
    });
    return () => {
      closed = true;
      socket.disconnect();
    };
  }, [api, auth, addAlerts]);

  const loadOlder = useCallback(async (): Promise<boolean> => {
    if (cursor === null) return false;
    const page = await api.get<EventListResponse>(`/api/events?limit=${FIRST_PAGE}&cursor=${encodeURIComponent(cursor)}`);
    addAlerts(page.items);
    setCursor(page.nextCursor);
    return page.nextCursor !== null;
  }, [api, cursor, addAlerts]);

  const onPush = useCallback((listener: (item: EventItem, isNew: boolean) => void) => {
    listeners.current.add(listener);
    return () => {
      listeners.current.delete(listener);
    };
  }, []);

  const onWorkflow = useCallback((listener: (update: WorkflowUpdate) => void) => {
    workflowListeners.current.add(listener);
    return () => {
      workflowListeners.current.delete(listener);
    };
  }, []);

  const onNotice = useCallback((listener: (notice: NoticeItem) => void) => {
    noticeListeners.current.add(listener);
    return () => {
      noticeListeners.current.delete(listener);
    };
  }, []);

  const value = useMemo<LiveData>(
    () => ({ connection, cameras, alerts, loadOlder, hasOlder: cursor !== null, onPush, onWorkflow, onNotice, connectCount }),
    [connection, cameras, alerts, loadOlder, cursor, onPush, onWorkflow, onNotice, connectCount],
  );
  return <LiveContext.Provider value={value}>{children}</LiveContext.Provider>;
}

export function useLiveData(): LiveData {
  const ctx = useContext(LiveContext);
  if (!ctx) throw new Error('useLiveData outside LiveDataProvider');
  return ctx;
}
