import type { FastifyBaseLogger } from 'fastify';
import { CodedError, compileValidator, EdgeHello, EventMessage, Heartbeat } from '../../../protocol/index.js';
import type { EdgeAuthenticator } from '../auth/edge-authenticator.js';
import type { EdgeIngest } from '../ingest/edge-ingest.js';
import { ackedHandler } from './acked-handler.js';
import { handshakeError } from './handshake-error.js';
import type { EdgeNamespace } from './socket-types.js';

const helloValidator = compileValidator(EdgeHello);
const eventValidator = compileValidator(EventMessage);
const heartbeatValidator = compileValidator(Heartbeat);

/** Dependencies of the /edge namespace. */
export interface EdgeNamespaceDeps {
  edgeAuth: EdgeAuthenticator;
  ingest: EdgeIngest;
  log: FastifyBaseLogger;
  /** True while the server shuts down: disconnects then are ours, not the edges' going away. */
  isClosing: () => boolean;
}

/**
 * Wires the /edge namespace: the handshake checks `auth: {edgeId, token}`; `hello`, `event` and
 * `heartbeat` are validated, applied, and acknowledged after commit.
 */
export function attachEdgeNamespace(nsp: EdgeNamespace, deps: EdgeNamespaceDeps): void {
  const { edgeAuth, ingest } = deps;

  nsp.use((socket, next) => {
    try {
      const auth: unknown = socket.handshake.auth;
      const { edgeId, token } = auth && typeof auth === 'object' ? (auth as Record<string, unknown>) : {};
      socket.data.edgeId = edgeAuth.authenticate(edgeId, token);
      socket.data.helloDone = false;
      next();
    } catch (err) {
      deps.log.warn({ address: socket.handshake.address, reason: (err as Error).message }, 'edge handshake refused');
      next(handshakeError(err));
    }
  });

  nsp.on('connection', (socket) => {
    const { edgeId } = socket.data;
    const log = deps.log.child({ edgeId, socketId: socket.id });
    log.info('edge connected');
    const afterHello = (): CodedError | undefined =>
      socket.data.helloDone ? undefined : new CodedError('NOT_READY', 'send hello before other messages');

    socket.on(
      'hello',
      ackedHandler({
        name: 'hello',
        validator: helloValidator,
        log,
        apply: (msg) => {
          ingest.hello(edgeId, msg);
          socket.data.helloDone = true;
          log.info({ version: msg.version, cameras: msg.cameras.length }, 'edge hello');
        },
      }),
    );
    socket.on(
      'event',
      ackedHandler({
        name: 'event',
        validator: eventValidator,
        log,
        precondition: afterHello,
        apply: (msg) => {
          const outcome = ingest.event(edgeId, msg);
          log.debug({ eventId: msg.id, seq: msg.seq, phase: msg.phase, outcome }, 'event');
        },
      }),
    );
    socket.on(
      'heartbeat',
      ackedHandler({
        name: 'heartbeat',
        validator: heartbeatValidator,
        log,
        precondition: afterHello,
        apply: (msg) => ingest.heartbeat(edgeId, msg),
      }),
    );

    socket.on('disconnect', (reason) => {
      log.info({ reason }, 'edge disconnected');
      if (deps.isClosing()) return;
      const stillConnected = [...nsp.sockets.values()].some((s) => s.data.edgeId === edgeId && s.data.helloDone);
      if (stillConnected) return;
      try {
        ingest.edgeDisconnected(edgeId);
      } catch (err) {
        log.error({ err }, 'could not mark the edge cameras offline');
      }
    });
  });
}
