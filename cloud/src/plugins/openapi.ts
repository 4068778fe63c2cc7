import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/** Plugin: OpenAPI document and /docs. */
export default fp(
  async function plugin(_app: FastifyInstance) {
    // Filled in by its feature.
  },
  { name: 'mingliang-openapi', fastify: '5.x' },
);
