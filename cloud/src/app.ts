import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Server } from 'socket.io';
import type { CloudBus } from './bus.js';
import type { CloudConfig } from './config.js';
import type { Repositories } from './db/repositories.js';
import { drainConnectionsOnClose } from './http/drain-on-close.js';
import { installErrorHandling } from './http/error-handler.js';
import archivePlugin from './plugins/archive.js';
import authPlugin from './plugins/auth.js';
import busPlugin from './plugins/bus.js';
import cameraHealthPlugin from './plugins/camera-health.js';
import cameraRulesPlugin from './plugins/camera-rules.js';
import dbPlugin from './plugins/db.js';
import evidencePlugin from './plugins/evidence.js';
import ingestPlugin from './plugins/ingest.js';
import integrationsPlugin from './plugins/integrations.js';
import mediaPlugin from './plugins/media.js';
import openapiPlugin from './plugins/openapi.js';
import socketsPlugin from './plugins/sockets.js';
import webPlugin, { DEFAULT_WEB_ROOT } from './plugins/web.js';
import workflowPlugin from './plugins/workflow.js';
import auditRoutes from './routes/audit.js';
import authRoutes from './routes/auth.js';
import cameraDirectoryRoutes from './routes/camera-directory.js';
import cameraHealthRoutes from './routes/camera-health.js';
import cameraRoutes from './routes/cameras.js';
import edgeEvidenceRoutes from './routes/edge-evidence.js';
import edgeRoutes from './routes/edges.js';
import eventRoutes from './routes/events.js';
import healthRoutes from './routes/health.js';
import liveRoutes from './routes/live.js';
import orgRoutes from './routes/orgs.js';
import siteRoutes from './routes/sites.js';
import statsRoutes from './routes/stats.js';
import userRoutes from './routes/users.js';
import violationStatsRoutes from './routes/violation-stats.js';

/** Handles of a built app, for main.ts and tests. */
export interface MingliangRuntime {
  readonly config: CloudConfig;
  /** Absolute data directory. */
  readonly dataDir: string;
  /** The admin password this start generated (show it once), or null when none was generated. */
  readonly initialAdminPassword: string | null;
  readonly io: Server;
  readonly repos: Repositories;
  readonly bus: CloudBus;
  /** Every route the app registered (method, URL), for the access-control and fuzz tests and ops. */
  readonly routes: readonly { method: string; url: string }[];
}

declare module 'fastify' {
  interface FastifyInstance {
    mingliang: MingliangRuntime;
  }
}

/** Options of {@link buildApp} that are not configuration. */
export interface BuildAppOptions {
  /** Fastify logger option; default off (tests). main.ts passes pino options. */
  logger?: FastifyServerOptions['logger'];
  /** Directory of the built viewer; default `cloud/web/dist` (`npm run build`). */
  webRoot?: string;
}

/**
 * Builds the cloud: database, auth, evidence store, socket.io namespaces, REST routes and the static
 * viewer. Everything hangs off the returned instance (no module state), so one process can build
 * several. The caller listens (or `ready()`s) and closes it.
 */
export async function buildApp(config: CloudConfig, opts: BuildAppOptions = {}): Promise<FastifyInstance> {
  const dataDir = path.resolve(config.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const app = Fastify({
    logger: opts.logger ?? false,
    // JSON bodies are small; evidence uploads stream and enforce their own limit.
    bodyLimit: 256 * 1024,
  })
    .withTypeProvider<TypeBoxTypeProvider>()
    .setValidatorCompiler(TypeBoxValidatorCompiler);
  installErrorHandling(app);
  drainConnectionsOnClose(app);
  app.addHook('onSend', async (_request, reply) => {
    reply.header('x-content-type-options', 'nosniff');
  });
  const routes: { method: string; url: string }[] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url });
  });

  try {
    // First: it collects every route registered after it into the OpenAPI document.
    await app.register(openapiPlugin);
    await app.register(dbPlugin, { dataDir });
    await app.register(busPlugin);
    await app.register(authPlugin, { auth: config.auth, edges: config.edges, dataDir });
    await app.register(evidencePlugin, { dataDir });
    await app.register(cameraHealthPlugin, { health: config.health });
    await app.register(ingestPlugin, { ingest: config.ingest });
    await app.register(socketsPlugin);
    await app.register(mediaPlugin, { media: config.media, dataDir });
    await app.register(workflowPlugin);
    await app.register(integrationsPlugin, { integrations: config.integrations });
    await app.register(archivePlugin, { archive: config.archive, dataDir });
    await app.register(cameraRulesPlugin);
    await app.register(healthRoutes);
    await app.register(authRoutes);
    await app.register(userRoutes);
    await app.register(auditRoutes);
    await app.register(eventRoutes);
    await app.register(cameraRoutes);
    await app.register(edgeEvidenceRoutes, { maxBytes: config.evidence.maxBytes });
    await app.register(edgeRoutes);
    await app.register(orgRoutes);
    await app.register(siteRoutes);
    await app.register(cameraDirectoryRoutes);
    await app.register(cameraHealthRoutes);
    await app.register(statsRoutes);
    await app.register(violationStatsRoutes);
    await app.register(liveRoutes);
    await app.register(webPlugin, { root: opts.webRoot ?? DEFAULT_WEB_ROOT });
    app.decorate('mingliang', {
      config,
      dataDir,
      initialAdminPassword: app.initialAdminPassword,
      io: app.io,
      repos: app.repos,
      bus: app.bus,
      routes,
    });
  } catch (err) {
    // Release what the plugins that did load hold (the database file above all) before reporting.
    await app.close().catch((closeErr: unknown) => app.log.error({ err: closeErr }, 'close after failed build'));
    throw err;
  }
  return app;
}
