import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { IntegrationsConfig } from '../integrations/integrations-config.js';
import { MqttOut, redactUrl } from '../integrations/mqtt-out.js';
import type { OutboundFeed } from '../integrations/outbound-feed.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The MQTT publisher, null when `integrations.mqtt.url` is empty. */
    mqttOut: MqttOut | null;
  }
}

/** Options of the MQTT out plugin. */
export interface MqttOutPluginOptions {
  mqtt: IntegrationsConfig['mqtt'];
  feed: OutboundFeed;
}

/**
 * Plugin: MQTT out to the configured broker. The first connection is not awaited: a broker that is
 * down at start must not keep the cloud from serving; messages queue until it comes.
 */
export default fp(
  async function mqttOutPlugin(app: FastifyInstance, opts: MqttOutPluginOptions) {
    if (opts.mqtt.url === '') {
      app.decorate('mqttOut', null);
      return;
    }
    const log = app.log.child({ component: 'mqtt-out' });
    const out = new MqttOut(opts.mqtt, { log, registry: app.metrics, cameras: () => app.repos.cameras.list() });
    const off = opts.feed.on((message) => out.publish(message));
    app.decorate('mqttOut', out);
    log.info({ url: redactUrl(opts.mqtt.url), prefix: opts.mqtt.topicPrefix }, 'MQTT out enabled');
    app.addHook('onClose', async () => {
      off();
      await out.close();
    });
  },
  { name: 'mingliang-mqtt-out', fastify: '5.x', dependencies: ['mingliang-metrics'] },
);
