import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/** Plugin: MQTT, webhooks and Prometheus metrics. */
export default fp(
  async function plugin(_app: FastifyInstance) {
    // Filled in by its feature.
  },
  { name: 'mingliang-integrations', fastify: '5.x' },
);
