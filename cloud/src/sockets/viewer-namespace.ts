import type { FastifyBaseLogger } from 'fastify';
import type { ScopeResolver } from '../access/scope-resolver.js';
import type { UserAuth } from '../auth/user-auth.js';
import type { CloudBus } from '../bus.js';
import { handshakeError } from './handshake-error.js';
import type { ViewerNamespace } from './socket-types.js';

/** Dependencies of the /viewer namespace. */
export interface ViewerNamespaceDeps {
  userAuth: UserAuth;
  scopes: ScopeResolver;
  /** The site of a camera (directory), undefined when it has none. */
  cameraSite: (cameraId: string) => number | undefined;
  /** When the access token of a handshake expires (epoch ms); the socket is closed then. */
  tokenExpiry: (token: string) => number | undefined;
  bus: CloudBus;
  log: FastifyBaseLogger;
}

/** Rooms: administrators see everything; others join the rooms of the sites and orgs in their scope. */
export const ALL_ROOM = 'all';
export const siteRoom = (id: number): string => `site:${id}`;
export const orgRoom = (id: number): string => `org:${id}`;
export const userRoom = (id: number): string => `user:${id}`;

/**
 * Wires the /viewer namespace: the handshake checks `auth: {token}` (a user access token) and puts the
 * socket in the rooms of its scope; every committed event, camera change, workflow update and notice is
 * pushed only to the rooms that may see it. A socket is closed when its token expires, so a changed role
 * or scope, or a disabled user, cannot keep receiving on an old connection (the viewer reconnects with
 * its refreshed token, and the new handshake re-reads the user).
 * @returns a function that stops the pushes
 */
export function attachViewerNamespace(nsp: ViewerNamespace, deps: ViewerNamespaceDeps): () => void {
  nsp.use((socket, next) => {
    try {
      const auth: unknown = socket.handshake.auth;
      const token = auth && typeof auth === 'object' ? (auth as Record<string, unknown>).token : undefined;
      socket.data.user = deps.userAuth.verifyToken(token);
      socket.data.expiresAt = typeof token === 'string' ? deps.tokenExpiry(token) : undefined;
      next();
    } catch (err) {
      next(handshakeError(err));
    }
  });
  nsp.on('connection', (socket) => {
    const { user } = socket.data;
    const scope = deps.scopes.resolve(user);
    const rooms = [userRoom(user.id)];
    if (scope.isAll) rooms.push(ALL_ROOM);
    for (const id of scope.siteIds() ?? []) rooms.push(siteRoom(id));
    for (const id of scope.orgIds() ?? []) rooms.push(orgRoom(id));
    void socket.join(rooms);
    const expiresAt = socket.data.expiresAt;
    if (expiresAt !== undefined) {
      // setTimeout's delay is a 32-bit int; tokens live minutes, the clamp only guards a misconfiguration.
      const timer = setTimeout(() => socket.disconnect(true), Math.min(Math.max(0, expiresAt - Date.now()), 2 ** 31 - 1));
      socket.on('disconnect', () => clearTimeout(timer));
    }
    deps.log.debug({ username: user.username, socketId: socket.id, rooms: rooms.length }, 'viewer connected');
  });

  /** The rooms that may see something at a site (or administrators only when it has none). */
  const roomsOfSite = (siteId: number | null | undefined): string[] =>
    siteId === null || siteId === undefined ? [ALL_ROOM] : [ALL_ROOM, siteRoom(siteId)];

  // Encoding a broadcast costs as much as storing the event: skip it while no viewer is connected.
  // (With a cluster adapter, viewers on other nodes would need the broadcast regardless.)
  const offs = [
    deps.bus.on('event', (item) => {
      if (nsp.sockets.size > 0) nsp.to(roomsOfSite(deps.cameraSite(item.cameraId))).emit('event', item);
    }),
    deps.bus.on('camera', (item) => {
      if (nsp.sockets.size > 0) nsp.to(roomsOfSite(deps.cameraSite(item.id))).emit('camera', item);
    }),
    deps.bus.on('workflow', (update) => {
      if (nsp.sockets.size > 0) nsp.to(roomsOfSite(update.item.siteId ?? deps.cameraSite(update.cameraId))).emit('workflow', update);
    }),
    deps.bus.on('notice', (notice) => {
      if (nsp.sockets.size === 0) return;
      const rooms: string[] = [ALL_ROOM];
      if (notice.toUserId !== null) rooms.push(userRoom(notice.toUserId));
      if (notice.toSiteId !== null) rooms.push(siteRoom(notice.toSiteId));
      if (notice.toOrgId !== null) rooms.push(orgRoom(notice.toOrgId));
      nsp.to(rooms).emit('notice', notice);
    }),
  ];
  return () => {
    for (const off of offs) off();
  };
}

/** Closes the viewer connections of a user (disabled, role or scope changed): they must reconnect. */
export function disconnectUser(nsp: ViewerNamespace, userId: number): void {
  nsp.in(userRoom(userId)).disconnectSockets(true);
}
