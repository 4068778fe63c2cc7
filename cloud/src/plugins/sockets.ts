import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Server } from 'socket.io';
import { EDGE_NAMESPACE, VIEWER_NAMESPACE } from '../../../protocol/index.js';
import { EdgeConnections } from '../sockets/edge-connections.js';
import { attachEdgeNamespace } from '../sockets/edge-namespace.js';
import { edgeNamespace, viewerNamespace, type EdgeSocket } from '../sockets/socket-types.js';
import { attachViewerNamespace } from '../sockets/viewer-namespace.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The socket.io server (namespaces /edge and /viewer), attached to this app's HTTP server. */
    io: Server;
    /** Live edge connections: revocation closes them. */
    edgeConnections: EdgeConnections<EdgeSocket>;
  }
}

/**
 * Attaches socket.io to the app's HTTP server (it also serves `/socket.io/socket.io.js`) and wires the
 * edge and viewer namespaces. On close, queued edge messages are committed and acknowledged first,
 * then sockets are dropped before the HTTP server stops, because open WebSockets would otherwise keep
 * `close()` waiting.
 */
export default fp(
  async function socketsPlugin(app: FastifyInstance) {
    let closing = false;
    const { ingest } = app;
    // A message larger than this closes its connection before it is parsed.
    const io = new Server(app.server, { serveClient: true, maxHttpBufferSize: ingest.limits.maxMessageBytes });
    const edges = edgeNamespace(io, EDGE_NAMESPACE);
    const viewers = viewerNamespace(io, VIEWER_NAMESPACE);
    const connections = new EdgeConnections<EdgeSocket>(ingest.limits.maxConnectionsPerEdge);
    attachEdgeNamespace(edges, {
      edgeAuth: app.edgeAuth,
      ingest: ingest.messages,
      batcher: ingest.batcher,
      health: app.cameraHealth,
      connections,
      limiter: ingest.limiter,
      log: app.log.child({ ns: EDGE_NAMESPACE }),
      isClosing: () => closing,
    });
    const detachViewers = attachViewerNamespace(viewers, {
      userAuth: app.userAuth,
      scopes: app.scopes,
      cameraSite: (cameraId) => app.repos.directory.get(cameraId)?.siteId,
      tokenExpiry: (token) => {
        const exp = app.jwt.decode<{ exp?: unknown }>(token)?.exp;
        return typeof exp === 'number' ? exp * 1000 : undefined;
      },
      bus: app.bus,
      log: app.log.child({ ns: VIEWER_NAMESPACE }),
    });
    app.decorate('io', io);
    app.decorate('edgeConnections', connections);

    app.addHook('preClose', async () => {
      closing = true;
      ingest.batcher.close();
      detachViewers();
      edges.local.disconnectSockets(true);
      viewers.local.disconnectSockets(true);
      io.local.disconnectSockets(true);
    });
    app.addHook('onClose', async () => {
      // io.close() also closes the HTTP server fastify already closed; socket.io tolerates that.
      await io.close();
    });
  },
  {
    name: 'mingliang-sockets',
    fastify: '5.x',
    dependencies: ['mingliang-db', 'mingliang-bus', 'mingliang-auth', 'mingliang-camera-health', 'mingliang-ingest'],
  },
);
