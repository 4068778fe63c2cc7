import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { CameraItem } from '../../../protocol/index.js';
import type { IntegrationsConfig } from './integrations-config.js';
import { availabilityTopic, mqttMessageFor, type MqttMessage } from './mqtt-messages.js';
import { OfflineQueue } from './offline-queue.js';
import type { OutboundMessage } from './outbound-feed.js';

/** What {@link MqttOut} needs besides its config. */
export interface MqttOutDeps {
  log: FastifyBaseLogger;
  registry: Registry;
  /** Every camera as stored now: republished (retained) at each connect, so the broker holds the truth. */
  cameras: () => CameraItem[];
}

/** How long a graceful close may wait for in-flight publications before it cuts the connection. */
const CLOSE_GRACE_MS = 2000;

/**
 * Publishes outbound messages to one MQTT broker. mqtt.js reconnects on its own; while it is away
 * messages wait in a bounded queue (oldest dropped and counted), so publishing never blocks or
 * grows without bound. At every (re)connect it announces `<prefix>/available` = `online`, sends
 * what queued up, then the state of every camera.
 */
export class MqttOut {
  private readonly client: MqttClient;
  private readonly queue: OfflineQueue<MqttMessage>;
  private readonly published: Counter<'topic'>;
  private readonly dropped: Counter;
  private readonly prefix: string;
  private closed = false;
  private wasConnected = false;

  constructor(
    private readonly config: IntegrationsConfig['mqtt'],
    private readonly deps: MqttOutDeps,
  ) {
    this.prefix = config.topicPrefix;
    this.queue = new OfflineQueue(config.maxQueue);
    const { registry } = deps;
    this.published = new Counter({
      name: 'mingliang_mqtt_published_total',
      help: 'MQTT messages handed to the broker connection, by kind of topic.',
      labelNames: ['topic'] as const,
      registers: [registry],
    });
    this.dropped = new Counter({
      name: 'mingliang_mqtt_dropped_total',
      help: 'MQTT messages dropped because the offline queue was full (oldest first).',
      registers: [registry],
    });
    const queue = this.queue;
    new Gauge({
      name: 'mingliang_mqtt_queued',
      help: 'MQTT messages waiting for the broker connection.',
      registers: [registry],
      collect() {
        this.set(queue.size);
      },
    });
    // Read at scrape time, when the client exists.
    const connectedNow = (): number => (this.client.connected ? 1 : 0);
    new Gauge({
      name: 'mingliang_mqtt_connected',
      help: '1 while connected to the MQTT broker.',
      registers: [registry],
      collect() {
        this.set(connectedNow());
      },
    });

    const options: IClientOptions = {
      clientId: config.clientId || `mingliang-cloud-${randomBytes(4).toString('hex')}`,
      reconnectPeriod: config.reconnectPeriodMs,
      connectTimeout: 10_000,
      clean: true,
      // Our own bounded queue holds what waits for a connection; mqtt.js's own offline queue has no bound.
      queueQoSZero: false,
      will: { topic: availabilityTopic(this.prefix), payload: Buffer.from('offline'), qos: config.qos, retain: true },
      ...(config.username ? { username: config.username } : {}),
      ...(config.password ? { password: config.password } : {}),
    };
    this.client = connect(config.url, options);
    this.client.on('connect', () => this.onConnect());
    this.client.on('close', () => {
      if (this.wasConnected && !this.closed) deps.log.warn({ url: redactUrl(config.url) }, 'MQTT broker connection lost; queueing');
      this.wasConnected = false;
    });
    // mqtt.js emits every failed (re)connection attempt; it keeps retrying, so these are only worth a debug line.
    this.client.on('error', (err) => deps.log.debug({ err, url: redactUrl(config.url) }, 'MQTT connection error'));
  }

  /** Publishes now when connected, else queues. Never throws, never waits. */
  publish(message: OutboundMessage): void {
    if (this.closed) return;
    const mqttMessage = mqttMessageFor(message, this.prefix, this.config.retainCameraState);
    if (this.client.connected && this.queue.size === 0) this.send(mqttMessage);
    else this.dropped.inc(this.queue.push(mqttMessage, mqttMessage.key));
  }

  /** Whether the broker connection is up. */
  get connected(): boolean {
    return this.client.connected;
  }

  /** Messages dropped because the queue was full. */
  get droppedCount(): number {
    return this.queue.dropped;
  }

  /** Announces `offline` and disconnects (cutting the connection if the broker does not answer in time). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.client.connected) {
      this.client.publish(availabilityTopic(this.prefix), 'offline', { qos: this.config.qos, retain: true });
      let timer: NodeJS.Timeout | undefined;
      const graceful = this.client.endAsync(false);
      const cut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), CLOSE_GRACE_MS);
      });
      const outcome = await Promise.race([graceful, cut]);
      clearTimeout(timer);
      if (outcome !== 'timeout') return;
    }
    await this.client.endAsync(true);
  }

  private onConnect(): void {
    this.wasConnected = true;
    this.deps.log.info({ url: redactUrl(this.config.url) }, 'connected to the MQTT broker');
    this.client.publish(availabilityTopic(this.prefix), 'online', { qos: this.config.qos, retain: true });
    for (let next = this.queue.shift(); next !== undefined; next = this.queue.shift()) {
      this.send(next);
      // The connection may drop while flushing; the rest waits for the next connect.
      if (!this.client.connected) break;
    }
    if (!this.client.connected) return;
    let cameras: CameraItem[] = [];
    try {
      cameras = this.deps.cameras();
    } catch (err) {
      this.deps.log.error({ err }, 'reading cameras for the MQTT state snapshot failed');
    }
    for (const camera of cameras) this.send(mqttMessageFor({ kind: 'camera', camera }, this.prefix, this.config.retainCameraState));
  }

  private send(message: MqttMessage): void {
    const kind = message.topic.slice(this.prefix.length + 1).split('/')[0] ?? '';
    this.client.publish(message.topic, message.payload, { qos: this.config.qos, retain: message.retain }, (err) => {
      if (err) this.deps.log.debug({ err, topic: message.topic }, 'MQTT publish not acknowledged');
    });
    this.published.inc({ topic: kind });
  }
}

/** The broker URL without a password, for logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    // Not a URL we can parse: say nothing of it rather than leak a secret.
    return '(unparsable url)';
  }
}
