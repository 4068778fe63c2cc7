import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorReply, WebhookDeliveryListResponse, WebhookDeliveryQuery } from '../../../protocol/index.js';
import { requireAdmin } from '../auth/require-admin.js';

/**
 * `GET /api/integrations/webhooks/deliveries?state=&limit=`: the newest deliveries and the count per
 * state, for administrators checking that a receiver gets what it should.
 */
const webhookDeliveryRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireUser);
  app.addHook('onRequest', requireAdmin);
  app.get(
    '/api/integrations/webhooks/deliveries',
    { schema: { querystring: WebhookDeliveryQuery, response: { 200: WebhookDeliveryListResponse, '4xx': ErrorReply } } },
    async (request) => {
      const { state, limit = 100 } = request.query;
      const repo = app.webhookDeliveries;
      return { items: repo.list(state, limit), counts: repo.counts() };
    },
  );
};
export default webhookDeliveryRoutes;
