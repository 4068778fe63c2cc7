import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/** Plugin: camera rules edited in the cloud and pushed to edges. */
export default fp(
  async function plugin(_app: FastifyInstance) {
    // Filled in by its feature.
  },
  { name: 'mingliang-camera-rules', fastify: '5.x' },
);
