import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { EDGE_NAMESPACE } from '../../../protocol/index.js';
import type { ArchiveConfig } from '../archive/archive-config.js';
import { ArchiveRepository } from '../archive/archive-repo.js';
import { socketEdgeRecordings } from '../archive/edge-recordings.js';
import { EvidenceExports } from '../archive/evidence-exports.js';
import { RecordingRequests } from '../archive/recording-requests.js';
import edgeRecordingRoutes from '../routes/edge-recordings.js';
import exportRoutes from '../routes/exports.js';
import recordingRoutes from '../routes/recordings.js';
import { edgeNamespace } from '../sockets/socket-types.js';

/** The archive services of an app. */
export interface ArchiveRuntime {
  readonly recordings: RecordingRequests;
  readonly exports: EvidenceExports;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Recording playback requests and evidence exports. */
    archive: ArchiveRuntime;
  }
}

/** Options of the archive plugin. */
export interface ArchivePluginOptions {
  archive: ArchiveConfig;
  /** Absolute data directory; files go under `<dataDir>/archive/{recordings,exports}`. */
  dataDir: string;
}

/**
 * Plugin: recording playback (a camera's time range fetched from its edge, served with HTTP Range)
 * and evidence exports (zips with a SHA-256 manifest). Fails what a previous process left unfinished,
 * deletes expired files periodically, and registers the REST routes and the edge upload route.
 */
export default fp(
  async function archivePlugin(app: FastifyInstance, opts: ArchivePluginOptions) {
    const repo = new ArchiveRepository(app.db);
    const log = app.log.child({ component: 'archive' });
    const root = path.join(opts.dataDir, 'archive');
    const recordings = new RecordingRequests({
      repo,
      edges: socketEdgeRecordings(edgeNamespace(app.io, EDGE_NAMESPACE)),
      cameraOwner: (id) => app.repos.cameras.ownerOf(id),
      dir: path.join(root, 'recordings'),
      config: opts.archive,
      log,
    });
    const exports = new EvidenceExports({
      repo,
      eventOf: (id) => app.repos.events.get(id),
      evidence: app.evidence,
      recordings,
      dir: path.join(root, 'exports'),
      config: opts.archive,
      log,
    });
    await recordings.init();
    await exports.init();
    const interrupted = repo.failInterrupted(Date.now());
    if (interrupted.requests + interrupted.exports > 0) log.warn(interrupted, 'failed recording requests and exports a previous run left unfinished');
    app.decorate('archive', { recordings, exports });

    const sweep = async (): Promise<void> => {
      const removed = (await recordings.sweep()) + (await exports.sweep());
      if (removed > 0) log.info({ removed }, 'deleted expired recordings and exports');
    };
    await sweep();
    const timer = setInterval(() => {
      sweep().catch((err: unknown) => log.error({ err }, 'archive sweep failed'));
    }, opts.archive.sweepIntervalSeconds * 1000);
    timer.unref();
    app.addHook('onClose', async () => {
      clearInterval(timer);
      recordings.close();
      exports.close();
    });

    await app.register(recordingRoutes, { dir: path.join(root, 'recordings') });
    await app.register(exportRoutes, { dir: path.join(root, 'exports') });
    await app.register(edgeRecordingRoutes, { maxBytes: opts.archive.maxRecordingBytes });
  },
  { name: 'mingliang-archive', fastify: '5.x', dependencies: ['mingliang-db', 'mingliang-auth', 'mingliang-sockets', 'mingliang-evidence'] },
);
