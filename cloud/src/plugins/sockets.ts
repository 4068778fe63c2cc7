import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Server } from 'socket.io';
import { EDGE_NAMESPACE, VIEWER_NAMESPACE } from '../../../protocol/index.js';
import { EdgeIngest } from '../ingest/edge-ingest.js';
import { attachEdgeNamespace } from '../sockets/edge-namespace.js';
import { edgeNamespace, viewerNamespace } from '../sockets/socket-types.js';
import { attachViewerNamespace } from '../sockets/viewer-namespace.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The socket.io server (namespaces /edge and /viewer), attached to this app's HTTP server. */
    io: Server;
  }
}

/**
 * Attaches socket.io to the app's HTTP server (it also serves `/socket.io/socket.io.js`) and wires the
 * edge and viewer namespaces. On close, sockets are dropped before the HTTP server stops, because open
 * WebSockets would otherwise keep `close()` waiting.
 */
export default fp(
  async function socketsPlugin(app: FastifyInstance) {
    let closing = false;
    const io = new Server(app.server, { serveClient: true });
    const ingest = new EdgeIngest(app.repos, app.bus);
    const edges = edgeNamespace(io, EDGE_NAMESPACE);
    const viewers = viewerNamespace(io, VIEWER_NAMESPACE);
    attachEdgeNamespace(edges, {
      edgeAuth: app.edgeAuth,
      ingest,
      log: app.log.child({ ns: EDGE_NAMESPACE }),
      isClosing: () => closing,
    });
    const detachViewers = attachViewerNamespace(viewers, {
      userAuth: app.userAuth,
      bus: app.bus,
      log: app.log.child({ ns: VIEWER_NAMESPACE }),
    });
    app.decorate('io', io);

    app.addHook('preClose', async () => {
      closing = true;
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
  { name: 'mingliang-sockets', fastify: '5.x', dependencies: ['mingliang-db', 'mingliang-bus', 'mingliang-auth'] },
);
