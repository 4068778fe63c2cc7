import type { FastifyRequest } from 'fastify';
import { CodedError } from '../../../protocol/index.js';

/**
 * Hook admitting only administrators; runs after `requireUser`. Every user is an administrator today;
 * the check marks the routes that the coming roles and scopes must keep to administrators.
 */
export async function requireAdmin(request: FastifyRequest): Promise<void> {
  if (request.user.role !== 'admin') throw new CodedError('FORBIDDEN', 'administrators only');
}
