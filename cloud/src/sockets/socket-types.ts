import type { Namespace, Server, Socket } from 'socket.io';
import type {
  CloudToEdgeEvents,
  CloudToViewerEvents,
  EdgeToCloudEvents,
  ViewerToCloudEvents,
} from '../../../protocol/index.js';
import type { AuthUser } from '../auth/user-auth.js';

/**
 * The protocol's event names with the arguments the cloud really receives: anything. Each handler
 * checks its payload against the schema of the same name before use.
 */
export type Untrusted<T> = { [K in keyof T]: (...args: unknown[]) => void };

/** Per-socket state of an edge connection, set by the handshake middleware. */
export interface EdgeSocketData {
  edgeId: string;
  /** True once this connection's hello was accepted. */
  helloDone: boolean;
}

/** Per-socket state of a viewer connection. */
export interface ViewerSocketData {
  user: AuthUser;
  /** When the handshake's access token expires (epoch ms). */
  expiresAt: number | undefined;
}

export type EdgeNamespace = Namespace<Untrusted<EdgeToCloudEvents>, CloudToEdgeEvents, Record<string, never>, EdgeSocketData>;
/** One edge's connection, as the cloud sees it. */
export type EdgeSocket = Socket<Untrusted<EdgeToCloudEvents>, CloudToEdgeEvents, Record<string, never>, EdgeSocketData>;

export type ViewerNamespace = Namespace<
  Untrusted<ViewerToCloudEvents>,
  CloudToViewerEvents,
  Record<string, never>,
  ViewerSocketData
>;

/**
 * socket.io types every namespace of a server with the server's one event map; ours has a different
 * map per namespace, so the typed views are taken here, in one place.
 */
export function edgeNamespace(io: Server, name: string): EdgeNamespace {
  return io.of(name) as unknown as EdgeNamespace;
}

/** See {@link edgeNamespace}. */
export function viewerNamespace(io: Server, name: string): ViewerNamespace {
  return io.of(name) as unknown as ViewerNamespace;
}
