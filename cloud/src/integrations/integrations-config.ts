import { isIP } from 'node:net';
import Type, { type Static } from 'typebox';

/** What a webhook may subscribe to: a delivery kind, its family (`event` = event.*), or `*`. */
export const WebhookTopic = Type.Union(
  [
    Type.Literal('*'),
    Type.Literal('event'),
    Type.Literal('event.new'),
    Type.Literal('event.update'),
    Type.Literal('event.end'),
    Type.Literal('camera'),
    Type.Literal('camera.state'),
    Type.Literal('workflow'),
    Type.Literal('workflow.update'),
  ],
  {
    description:
      'A delivery kind (event.new, event.update, event.end, camera.state, workflow.update), a family ' +
      '(event, camera, workflow: all of its kinds), or `*` for everything.',
  },
);
export type WebhookTopic = Static<typeof WebhookTopic>;

const MetricsConfig = Type.Object(
  {
    enabled: Type.Boolean({ default: true, description: 'Serve Prometheus metrics at GET /metrics.' }),
    token: Type.String({
      default: '',
      maxLength: 512,
      description:
        'Bearer token a scraper may send (`authorization: Bearer <token>`) to read /metrics from any address. ' +
        'Empty: no token is accepted, only the allow list below.',
    }),
    allow: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
      default: ['127.0.0.1/8', '::1/128'],
      maxItems: 256,
      description:
        'Client addresses or CIDR blocks that may read /metrics without a token; others get 403. Default: ' +
        'loopback only. Behind a reverse proxy on the same host every request comes from loopback: set [] ' +
        'and use the token then.',
    }),
  },
  { additionalProperties: false, default: {}, description: 'Prometheus metrics.' },
);

const MqttConfig = Type.Object(
  {
    url: Type.String({
      default: '',
      pattern: '^$|^(mqtts?|wss?|tcp|ssl)://.+$',
      description: 'Broker URL, e.g. mqtt://broker.example.cn:1883 or mqtts://…:8883. Empty: MQTT is off.',
    }),
    username: Type.String({ default: '', maxLength: 256, description: 'User name at the broker; empty for none.' }),
    password: Type.String({ default: '', maxLength: 256, description: 'Password at the broker; empty for none.' }),
    clientId: Type.String({
      default: '',
      maxLength: 128,
      description: 'MQTT client id; empty: mingliang-cloud-<random>, new at every start.',
    }),
    topicPrefix: Type.String({
      default: 'mingliang',
      minLength: 1,
      maxLength: 128,
      pattern: '^[^#+]*[^#+/]$',
      description: 'First level of every topic (<prefix>/events, <prefix>/cameras/<id>/state, <prefix>/workflow, <prefix>/available).',
    }),
    qos: Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(2)], { default: 1, description: 'QoS of every message.' }),
    retainCameraState: Type.Boolean({
      default: true,
      description: 'Publish <prefix>/cameras/<id>/state retained, so a new subscriber learns every camera at once.',
    }),
    reconnectPeriodMs: Type.Integer({
      minimum: 100,
      maximum: 300_000,
      default: 5000,
      description: 'Pause between reconnection attempts after the broker went away.',
    }),
    maxQueue: Type.Integer({
      minimum: 1,
      maximum: 1_000_000,
      default: 10_000,
      description:
        'Messages kept while the broker is unreachable; past this the oldest is dropped (and counted in ' +
        'mingliang_mqtt_dropped_total), so a dead broker never holds up ingest or memory.',
    }),
  },
  { additionalProperties: false, default: {}, description: 'MQTT out: events, camera states and workflow updates to a broker.' },
);

const WebhookEndpoint = Type.Object(
  {
    url: Type.String({ pattern: '^https?://[^\\s]+$', maxLength: 2048, description: 'Where deliveries are POSTed.' }),
    secret: Type.String({
      minLength: 16,
      maxLength: 512,
      description: 'Shared secret of the HMAC-SHA256 signature (x-mingliang-signature); at least 16 characters.',
    }),
    events: Type.Array(WebhookTopic, { minItems: 1, maxItems: 16, default: ['*'], description: 'What this endpoint receives.' }),
  },
  { additionalProperties: false },
);

const WebhooksConfig = Type.Object(
  {
    endpoints: Type.Array(WebhookEndpoint, { default: [], maxItems: 64, description: 'Receivers; each URL at most once.' }),
    maxAttempts: Type.Integer({
      minimum: 1,
      maximum: 100,
      default: 10,
      description: 'Attempts per delivery (network error, timeout, 429 or 5xx are retried); after the last it is marked failed.',
    }),
    timeoutMs: Type.Integer({ minimum: 100, maximum: 120_000, default: 10_000, description: 'Time one attempt may take.' }),
    backoffBaseMs: Type.Integer({
      minimum: 10,
      maximum: 3_600_000,
      default: 2000,
      description: 'Delay before the first retry; each further retry waits twice as long (plus jitter), up to backoffMaxMs.',
    }),
    backoffMaxMs: Type.Integer({ minimum: 10, maximum: 86_400_000, default: 600_000, description: 'Longest delay between two attempts.' }),
    concurrency: Type.Integer({ minimum: 1, maximum: 64, default: 4, description: 'Deliveries in flight at once.' }),
    keepDays: Type.Integer({
      minimum: 1,
      maximum: 3650,
      default: 14,
      description: 'Delivered and failed deliveries are kept this long for GET /api/integrations/webhooks/deliveries.',
    }),
  },
  { additionalProperties: false, default: {}, description: 'Outgoing webhooks, signed and retried; pending deliveries survive restarts.' },
);

/** Section of the cloud config: outgoing integrations (metrics, MQTT, webhooks). */
export const IntegrationsConfig = Type.Object(
  { metrics: MetricsConfig, mqtt: MqttConfig, webhooks: WebhooksConfig },
  { additionalProperties: false, default: {}, description: 'Outgoing integrations: Prometheus metrics, MQTT and webhooks.' },
);
export type IntegrationsConfig = Static<typeof IntegrationsConfig>;

/** One address or CIDR block of an allow list, parsed. */
export interface AddressBlock {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/** Parses `10.0.0.0/8`, `::1/128` or a bare address (a block of one); undefined when malformed. */
export function parseAddressBlock(entry: string): AddressBlock | undefined {
  const [address = '', prefixText, extra] = entry.trim().split('/');
  if (extra !== undefined) return undefined;
  const version = isIP(address);
  if (version === 0) return undefined;
  const family = version === 4 ? 'ipv4' : 'ipv6';
  const max = version === 4 ? 32 : 128;
  if (prefixText === undefined) return { address, prefix: max, family };
  if (!/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  return prefix <= max ? { address, prefix, family } : undefined;
}

/** Checks the schema cannot express; each problem names its key path. */
export function integrationsProblems(config: IntegrationsConfig, at = 'integrations'): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  config.metrics.allow.forEach((entry, i) => {
    if (!parseAddressBlock(entry)) problems.push({ path: `${at}.metrics.allow[${i}]`, message: `"${entry}" is not an IP address or CIDR block` });
  });
  const { token } = config.metrics;
  if (token !== '' && token.length < 16) problems.push({ path: `${at}.metrics.token`, message: 'must be empty or at least 16 characters' });
  const seen = new Map<string, number>();
  config.webhooks.endpoints.forEach((endpoint, i) => {
    const first = seen.get(endpoint.url);
    if (first !== undefined) problems.push({ path: `${at}.webhooks.endpoints[${i}].url`, message: `duplicate URL (also endpoints[${first}])` });
    else seen.set(endpoint.url, i);
  });
  if (config.webhooks.backoffMaxMs < config.webhooks.backoffBaseMs) {
    problems.push({ path: `${at}.webhooks.backoffMaxMs`, message: 'must be at least backoffBaseMs' });
  }
  return problems;
}
