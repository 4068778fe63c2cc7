import type { FastifyRequest } from 'fastify';

/** Hook admitting only administrators; runs after `requireUser`. */
export async function requireAdmin(request: FastifyRequest): Promise<void> {
  request.scope.require('admin');
}
