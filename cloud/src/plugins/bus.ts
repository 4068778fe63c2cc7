import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { CloudBus } from '../bus.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Committed changes (events, camera states) for in-process subscribers. */
    bus: CloudBus;
  }
}

/** Decorates `bus`, one per app so two apps in a process never see each other's changes. */
export default fp(
  async function busPlugin(app: FastifyInstance) {
    app.decorate('bus', new CloudBus(app.log));
  },
  { name: 'mingliang-bus', fastify: '5.x' },
);
