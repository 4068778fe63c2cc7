import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/** Plugin: the closed-loop workflow (helper-owned). */
export default fp(
  async function plugin(_app: FastifyInstance) {
    // Filled in by its feature.
  },
  { name: 'mingliang-workflow', fastify: '5.x' },
);
