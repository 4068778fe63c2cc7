import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AuditListResponse, AuditQuery, ErrorReply } from '../../../protocol/index.js';

/** `GET /api/audit`: the audit log, newest first, for administrators (paged with `before`). */
const auditRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/audit',
    {
      onRequest: [app.requireUser, app.requirePermission('audit.read')],
      schema: { querystring: AuditQuery, response: { 200: AuditListResponse, '4xx': ErrorReply } },
    },
    async (request) => {
      const { limit = 100, ...filter } = request.query;
      const items = app.repos.audit.query({ ...filter, limit: limit + 1 });
      const page = items.slice(0, limit);
      const last = page.at(-1);
      return { items: page, nextBefore: items.length > limit && last ? last.id : null };
    },
  );
};
export default auditRoutes;
