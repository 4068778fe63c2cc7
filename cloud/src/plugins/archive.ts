import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/** Plugin: recording playback and evidence export. */
export default fp(
  async function plugin(_app: FastifyInstance) {
    // Filled in by its feature.
  },
  { name: 'mingliang-archive', fastify: '5.x' },
);
