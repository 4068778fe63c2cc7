import type { FastifyBaseLogger } from 'fastify';
import type { UserAuth } from '../auth/user-auth.js';
import type { CloudBus } from '../bus.js';
import { handshakeError } from './handshake-error.js';
import type { ViewerNamespace } from './socket-types.js';

/** Dependencies of the /viewer namespace. */
export interface ViewerNamespaceDeps {
  userAuth: UserAuth;
  bus: CloudBus;
  log: FastifyBaseLogger;
}

/**
 * Wires the /viewer namespace: the handshake checks `auth: {token}` (a user token); every committed
 * event and camera change is pushed to all viewers.
 * @returns a function that stops the pushes
 */
export function attachViewerNamespace(nsp: ViewerNamespace, deps: ViewerNamespaceDeps): () => void {
  nsp.use((socket, next) => {
    try {
      const auth: unknown = socket.handshake.auth;
      const token = auth && typeof auth === 'object' ? (auth as Record<string, unknown>).token : undefined;
      socket.data.user = deps.userAuth.verifyToken(token);
      next();
    } catch (err) {
      next(handshakeError(err));
    }
  });
  nsp.on('connection', (socket) => {
    deps.log.debug({ username: socket.data.user.username, socketId: socket.id }, 'viewer connected');
  });
  // Encoding a broadcast costs as much as storing the event: skip it while no viewer is connected.
  // (With a cluster adapter, viewers on other nodes would need the broadcast regardless.)
  const offEvent = deps.bus.on('event', (item) => {
    if (nsp.sockets.size > 0) nsp.emit('event', item);
  });
  const offCamera = deps.bus.on('camera', (item) => {
    if (nsp.sockets.size > 0) nsp.emit('camera', item);
  });
  return () => {
    offEvent();
    offCamera();
  };
}
