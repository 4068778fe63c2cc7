import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { IntegrationsConfig } from '../integrations/integrations-config.js';
import { OutboundFeed } from '../integrations/outbound-feed.js';
import metricsPlugin from './metrics.js';
import mqttOutPlugin from './mqtt-out.js';
import webhooksPlugin from './webhooks.js';

/** Options of the integrations plugin. */
export interface IntegrationsPluginOptions {
  integrations: IntegrationsConfig;
}

/**
 * Plugin: the cloud's outward interfaces — Prometheus metrics, MQTT out and webhooks. One feed
 * turns the bus into outbound messages (event changes classified once) for MQTT and webhooks.
 */
export default fp(
  async function integrationsPlugin(app: FastifyInstance, opts: IntegrationsPluginOptions) {
    const { metrics, mqtt, webhooks } = opts.integrations;
    await app.register(metricsPlugin, { metrics });
    const feed = new OutboundFeed(app.bus, app.log.child({ component: 'integrations' }));
    app.addHook('onClose', async () => feed.close());
    await app.register(mqttOutPlugin, { mqtt, feed });
    await app.register(webhooksPlugin, { webhooks, feed });
  },
  { name: 'mingliang-integrations', fastify: '5.x', dependencies: ['mingliang-db', 'mingliang-bus', 'mingliang-auth'] },
);
