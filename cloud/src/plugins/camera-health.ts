import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { CloudConfig } from '../config.js';
import { CameraHealthService } from '../health/camera-health-service.js';
import { startHealthSweeper } from '../health/health-sweeper.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Camera health history and offline marking. */
    cameraHealth: CameraHealthService;
  }
}

/** Options of the camera health plugin. */
export interface CameraHealthPluginOptions {
  health: CloudConfig['health'];
}

/**
 * Decorates `cameraHealth` and runs the sweeper that marks cameras offline when their heartbeats
 * stop; the sweeper stops when the app closes, before the database does.
 */
export default fp(
  async function cameraHealthPlugin(app: FastifyInstance, opts: CameraHealthPluginOptions) {
    const service = new CameraHealthService(app.repos, app.bus, opts.health);
    app.decorate('cameraHealth', service);
    const sweeper = startHealthSweeper(() => service.sweep(), opts.health.sweepIntervalMs, app.log.child({ part: 'health' }));
    app.addHook('preClose', async () => sweeper.stop());
    app.addHook('onClose', async () => sweeper.stop());
  },
  { name: 'mingliang-camera-health', fastify: '5.x', dependencies: ['mingliang-db', 'mingliang-bus'] },
);
