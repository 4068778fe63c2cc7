import type { FastifyBaseLogger } from 'fastify';
import { CodedError, EdgeHello, EventMessage, Heartbeat } from '../../../protocol/index.js';
import type { EdgeAuthenticator } from '../auth/edge-authenticator.js';
import type { CameraHealthService } from '../health/camera-health-service.js';
import { boundedValidator } from '../ingest/bounded-validator.js';
import type { EdgeIngest, OwnerCache } from '../ingest/edge-ingest.js';
import type { IngestBatcher } from '../ingest/ingest-batcher.js';
import type { EdgeRateLimiter } from '../ingest/rate-limiter.js';
import { ackedHandler } from './acked-handler.js';
import type { EdgeConnections } from './edge-connections.js';
import { handshakeError } from './handshake-error.js';
import type { EdgeNamespace, EdgeSocket } from './socket-types.js';

const helloValidator = boundedValidator(EdgeHello);
const eventValidator = boundedValidator(EventMessage);
const heartbeatValidator = boundedValidator(Heartbeat);

/** Dependencies of the /edge namespace. */
export interface EdgeNamespaceDeps {
  edgeAuth: EdgeAuthenticator;
  ingest: EdgeIngest;
  batcher: IngestBatcher;
  health: CameraHealthService;
  connections: EdgeConnections<EdgeSocket>;
  limiter: EdgeRateLimiter;
  log: FastifyBaseLogger;
  /** True while the server shuts down: disconnects then are ours, not the edges' going away. */
  isClosing: () => boolean;
}

/**
 * Wires the /edge namespace: the handshake checks `auth: {edgeId, token}`; `hello`, `event` and
 * `heartbeat` are rate-limited per edge, validated, applied in batches and acknowledged after commit.
 */
export function attachEdgeNamespace(nsp: EdgeNamespace, deps: EdgeNamespaceDeps): void {
  const { edgeAuth, ingest, batcher, connections, limiter } = deps;
  // Owner lookups are shared by the events of one batch; a new batch starts with a new map.
  let owners: OwnerCache = new Map();
  let ownersBatch = -1;
  const batchOwners = (): OwnerCache => {
    const batch = batcher.batchNumber;
    if (batch !== ownersBatch) {
      owners = new Map();
      ownersBatch = batch;
    }
    return owners;
  };

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
    const debugEnabled = log.level === 'debug' || log.level === 'trace';
    log.info('edge connected');
    for (const old of connections.add(socket)) log.warn({ closed: old.id }, 'closed the edge\'s oldest connection: too many');

    const withinRate = (): CodedError | undefined =>
      limiter.take(edgeId, Date.now()) ? undefined : new CodedError('RATE_LIMITED', 'too many messages from this edge; retry later');
    const afterHello = (): CodedError | undefined =>
      withinRate() ?? (socket.data.helloDone ? undefined : new CodedError('NOT_READY', 'send hello before other messages'));

    socket.on(
      'hello',
      ackedHandler({
        name: 'hello',
        validator: helloValidator,
        log,
        admit: withinRate,
        accept: (msg, done) =>
          batcher.submit({
            edgeId,
            apply: () => ingest.hello(edgeId, msg),
            done: (ack) => {
              // Set only once committed: an event racing the hello must not find its camera missing.
              if (ack.ok) {
                socket.data.helloDone = true;
                log.info({ version: msg.version, cameras: msg.cameras.length }, 'edge hello');
              }
              done(ack);
            },
          }),
      }),
    );
    socket.on(
      'event',
      ackedHandler({
        name: 'event',
        validator: eventValidator,
        log,
        admit: afterHello,
        accept: (msg, done) =>
          batcher.submit({
            edgeId,
            apply: () => {
              const { outcome, after } = ingest.event(edgeId, msg, batchOwners());
              // Guarded: the hot path should not build a log record nobody reads.
              if (debugEnabled) log.debug({ eventId: msg.id, seq: msg.seq, phase: msg.phase, outcome }, 'event');
              return after;
            },
            done,
          }),
      }),
    );
    socket.on(
      'heartbeat',
      ackedHandler({
        name: 'heartbeat',
        validator: heartbeatValidator,
        log,
        admit: afterHello,
        accept: (msg, done) => batcher.submit({ edgeId, apply: () => ingest.heartbeat(edgeId, msg), done }),
      }),
    );

    socket.on('disconnect', (reason) => {
      connections.remove(socket);
      log.info({ reason }, 'edge disconnected');
      // After the batch already queued (a heartbeat that arrived just before the close must not
      // bring the cameras back afterwards): immediates run in order.
      setImmediate(() => {
        if (deps.isClosing()) return;
        // Another connection of the same edge (a reconnect that outran this one's close) still reports.
        if (connections.isConnected(edgeId)) return;
        try {
          deps.health.markEdgeOffline(edgeId, 'edge disconnected');
        } catch (err) {
          log.error({ err }, 'could not mark the edge cameras offline');
        }
      });
    });
  });
}
