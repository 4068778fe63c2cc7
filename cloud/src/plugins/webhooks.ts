import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { IntegrationsConfig } from '../integrations/integrations-config.js';
import type { OutboundFeed } from '../integrations/outbound-feed.js';
import { WebhookDeliveriesRepository } from '../integrations/webhook-deliveries-repo.js';
import { WebhookDispatcher } from '../integrations/webhook-dispatcher.js';
import webhookDeliveryRoutes from '../routes/webhook-deliveries.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Stored webhook deliveries (also when no endpoint is configured: earlier ones stay visible). */
    webhookDeliveries: WebhookDeliveriesRepository;
  }
}

/** Options of the webhooks plugin. */
export interface WebhooksPluginOptions {
  webhooks: IntegrationsConfig['webhooks'];
  feed: OutboundFeed;
}

/** Plugin: outgoing webhooks and `GET /api/integrations/webhooks/deliveries`. */
export default fp(
  async function webhooksPlugin(app: FastifyInstance, opts: WebhooksPluginOptions) {
    const repo = new WebhookDeliveriesRepository(app.db);
    app.decorate('webhookDeliveries', repo);
    const dispatcher = new WebhookDispatcher(opts.webhooks, { repo, log: app.log.child({ component: 'webhooks' }), registry: app.metrics });
    const off = opts.feed.on((message) => dispatcher.enqueue(message));
    // Sending starts once the app is ready: a receiver may call back into the API at once.
    app.addHook('onReady', async () => dispatcher.start());
    app.addHook('onClose', async () => {
      off();
      await dispatcher.close();
    });
    await app.register(webhookDeliveryRoutes);
  },
  { name: 'mingliang-webhooks', fastify: '5.x', dependencies: ['mingliang-metrics', 'mingliang-auth'] },
);
