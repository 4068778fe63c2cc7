import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { CloudConfig } from '../config.js';
import { EdgeIngest } from '../ingest/edge-ingest.js';
import { IngestBatcher } from '../ingest/ingest-batcher.js';
import { EdgeRateLimiter } from '../ingest/rate-limiter.js';

/** The ingest path's parts, for the socket namespace that feeds it. */
export interface IngestRuntime {
  readonly messages: EdgeIngest;
  readonly batcher: IngestBatcher;
  readonly limiter: EdgeRateLimiter;
  readonly limits: CloudConfig['ingest'];
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Edge message ingest: semantics, group commit, per-edge rate limit. */
    ingest: IngestRuntime;
  }
}

/** Options of the ingest plugin. */
export interface IngestPluginOptions {
  ingest: CloudConfig['ingest'];
}

/**
 * Decorates `ingest`. The sockets plugin feeds it and closes the batcher before the sockets go, so
 * every message already received is committed (and acknowledged if its socket is still there).
 */
export default fp(
  async function ingestPlugin(app: FastifyInstance, opts: IngestPluginOptions) {
    const { repos } = app;
    const runtime: IngestRuntime = {
      messages: new EdgeIngest(repos, app.bus, app.cameraHealth),
      batcher: new IngestBatcher({
        transaction: (fn) => repos.transaction(fn),
        isEdgeActive: (edgeId) => repos.edges.findActive(edgeId) !== undefined,
        maxBatch: opts.ingest.maxBatch,
        log: app.log.child({ part: 'ingest' }),
      }),
      limiter: new EdgeRateLimiter({ perSecond: opts.ingest.maxMessagesPerSecond, burst: opts.ingest.burst }),
      limits: opts.ingest,
    };
    app.decorate('ingest', runtime);
    // Whatever is still queued when the app closes without the sockets plugin is committed here.
    app.addHook('onClose', async () => runtime.batcher.close());
  },
  {
    name: 'mingliang-ingest',
    fastify: '5.x',
    dependencies: ['mingliang-db', 'mingliang-bus', 'mingliang-camera-health'],
  },
);
