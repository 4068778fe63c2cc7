import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { EDGE_NAMESPACE } from '../../../protocol/index.js';
import type { CloudConfig } from '../config.js';
import { socketEdgeCommands } from '../media/edge-commands.js';
import type { CanViewCamera } from '../media/live-access.js';
import { LiveManager, type LiveViewEvent } from '../media/live-manager.js';
import { LiveViewsRepository } from '../media/live-views-repo.js';
import { MediaProcess } from '../media/media-process.js';
import { generateSigningKey } from '../media/stream-signing.js';
import { edgeNamespace } from '../sockets/socket-types.js';

/** The live-video services of an app. */
export interface LiveRuntime {
  /** Opens views and drives the edges' relays; undefined when `media.enabled` is false. */
  readonly manager: LiveManager | undefined;
  /** The supervised media server; undefined when disabled. */
  readonly media: MediaProcess | undefined;
  /** The `live_views` audit trail. */
  readonly views: LiveViewsRepository;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Live video: relay manager, media server and view audit. */
    live: LiveRuntime;
  }
}

/** Options of the media plugin. */
export interface MediaPluginOptions {
  media: CloudConfig['media'];
  /** Absolute data directory; the media server keeps its small store under `<dataDir>/media`. */
  dataDir: string;
  /** Who may watch which camera. Default: users whose role may view live, cameras in their scope. */
  canViewCamera?: CanViewCamera;
  /** Receives every view start and end (already written to `live_views`). Default: the audit log. */
  onViewEvent?: (ev: LiveViewEvent) => void;
}

/**
 * Runs the media server child process and the live relay manager (see `media/live-manager.ts`), and
 * decorates `live`. The app starts even when the media server cannot: live video then answers 503
 * while the supervisor keeps retrying, and everything else works.
 */
export default fp(
  async function mediaPlugin(app: FastifyInstance, opts: MediaPluginOptions) {
    const views = new LiveViewsRepository(app.db);
    const cfg = opts.media;
    if (!cfg.enabled) {
      app.decorate('live', { manager: undefined, media: undefined, views });
      return;
    }
    const signingKey = cfg.signingKey !== '' ? Buffer.from(cfg.signingKey, 'utf8') : generateSigningKey();
    const log = app.log.child({ component: 'live' });
    const media = new MediaProcess({
      host: cfg.host,
      rtmpPort: cfg.rtmpPort,
      httpPort: cfg.httpPort,
      signingKey,
      storeDir: path.join(opts.dataDir, 'media'),
      logger: log,
      nmsLogLevel: cfg.logLevel,
    });
    const { repos } = app;
    const inScope: CanViewCamera = (user, cameraId) => {
      const scope = app.scopes.resolve(user);
      return scope.can('live.view') && scope.seesCamera(cameraId);
    };
    const auditView = (ev: LiveViewEvent): void => {
      const user = repos.users.findById(ev.userId);
      app.audit.record(user ? { id: user.id, username: user.username, role: user.role } : null, null, {
        action: ev.type === 'view-start' ? 'live.start' : 'live.stop',
        targetKind: 'camera',
        targetId: ev.cameraId,
        detail: ev.type === 'view-start'
          ? { viewId: ev.viewId, sessionId: ev.sessionId }
          : { viewId: ev.viewId, sessionId: ev.sessionId, durationMs: ev.durationMs, reason: ev.reason },
      });
    };
    const manager = new LiveManager({
      media,
      edges: socketEdgeCommands(edgeNamespace(app.io, EDGE_NAMESPACE)),
      cameraOwner: (id) => repos.cameras.ownerOf(id),
      cameraIds: () => repos.cameras.list().map((c) => c.id),
      usernameOf: (id) => repos.users.findById(id)?.username ?? null,
      views,
      canView: opts.canViewCamera ?? inScope,
      signingKey,
      settings: {
        lingerMs: cfg.lingerSeconds * 1000,
        playUrlTtlMs: cfg.playUrlTtlSeconds * 1000,
        publishSignTtlMs: cfg.publishSignTtlSeconds * 1000,
        startTimeoutMs: cfg.startTimeoutMs,
        reconcileIntervalMs: cfg.reconcileIntervalMs,
        alwaysOnCameras: cfg.alwaysOnCameras,
        rtmpBaseUrl: cfg.rtmpBaseUrl,
        playBaseUrl: cfg.playBaseUrl,
      },
      log,
      onViewEvent: opts.onViewEvent ?? auditView,
    });
    // Subscribed before the media server starts, so its first `ready` is seen.
    manager.start();
    app.decorate('live', { manager, media, views });
    try {
      await media.start();
    } catch (err) {
      log.error({ err: (err as Error).message }, 'media server did not start; live video is unavailable until it does');
    }
    app.addHook('preClose', async () => {
      // Closes the open views. The sockets plugin has dropped the edges by now (its preClose runs
      // first); each edge stops its pushes when the cloud disconnects it (attachRelayCommands).
      await manager.close();
    });
    app.addHook('onClose', async () => {
      await media.stop();
    });
  },
  { name: 'mingliang-media', fastify: '5.x', dependencies: ['mingliang-db', 'mingliang-auth', 'mingliang-sockets'] },
);
