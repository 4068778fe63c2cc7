import Type, { type Static } from 'typebox';
import { ArchiveConfig } from './archive/archive-config.js';
import { IntegrationsConfig, integrationsProblems } from './integrations/integrations-config.js';
import { WorkflowConfig } from './workflow/workflow-config.js';
import { loadConfigFile, parseConfig, type ConfigProblem } from '../../common/config-loader.js';
import { Id } from '../../protocol/index.js';

/** Shortest accepted edge token: tokens are machine-generated secrets, never passwords a person types. */
export const MIN_EDGE_TOKEN_LENGTH = 16;
/** Shortest accepted configured JWT secret (HS256 wants at least 256 bits of key material). */
export const MIN_JWT_SECRET_LENGTH = 32;
/** Shortest accepted configured admin password. */
export const MIN_ADMIN_PASSWORD_LENGTH = 8;

const ServerConfig = Type.Object(
  {
    host: Type.String({
      minLength: 1,
      default: '127.0.0.1',
      description: 'Address to listen on; 0.0.0.0 to accept connections from other machines.',
    }),
    port: Type.Integer({
      minimum: 0,
      maximum: 65535,
      default: 8080,
      description: 'TCP port for HTTP, REST and socket.io; 0 picks a free port (tests).',
    }),
  },
  { additionalProperties: false, default: {}, description: 'HTTP listener.' },
);

const AdminConfig = Type.Object(
  {
    username: Type.String({
      minLength: 1,
      maxLength: 64,
      default: 'admin',
      description: 'User created on first start when it does not exist yet.',
    }),
    password: Type.String({
      maxLength: 256,
      default: '',
      description:
        `Admin password (at least ${MIN_ADMIN_PASSWORD_LENGTH} characters). Empty: a random one is generated ` +
        'when the admin user is first created and printed once. When set, it is applied at every start ' +
        '(so setting it is also how a forgotten admin password is reset).',
    }),
  },
  { additionalProperties: false, default: {}, description: 'The bootstrap administrator.' },
);

const AuthConfig = Type.Object(
  {
    jwtSecret: Type.String({
      default: '',
      description:
        `HS256 secret for user tokens (at least ${MIN_JWT_SECRET_LENGTH} characters). Empty: a random secret ` +
        'is generated once and kept in dataDir, so tokens survive restarts.',
    }),
    tokenTtlSeconds: Type.Integer({
      minimum: 60,
      maximum: 24 * 3600,
      default: 15 * 60,
      description:
        'Lifetime of a user access token, in seconds. Short: the viewer renews it with its refresh token, ' +
        'and a disabled user or a changed role takes effect at once anyway (every request re-reads the user).',
    }),
    refreshTtlSeconds: Type.Integer({
      minimum: 300,
      maximum: 90 * 24 * 3600,
      default: 7 * 24 * 3600,
      description: 'Lifetime of a refresh token (one login session without activity), in seconds.',
    }),
    admin: AdminConfig,
  },
  { additionalProperties: false, default: {}, description: 'User authentication.' },
);

const EdgeConfig = Type.Object(
  {
    id: Type.With(Id, { description: 'Edge id, as the edge sends it in its hello and x-edge-id.' }),
    token: Type.String({
      minLength: MIN_EDGE_TOKEN_LENGTH,
      maxLength: 512,
      description:
        `Shared secret of this edge (at least ${MIN_EDGE_TOKEN_LENGTH} characters, random). ` +
        'Only its SHA-256 is stored.',
    }),
  },
  { additionalProperties: false },
);

const EvidenceConfig = Type.Object(
  {
    maxBytes: Type.Integer({
      minimum: 1024,
      default: 64 * 1024 * 1024,
      description: 'Largest accepted evidence upload (snapshot or clip), in bytes.',
    }),
  },
  { additionalProperties: false, default: {}, description: 'Evidence files uploaded by edges.' },
);

const HealthConfig = Type.Object(
  {
    heartbeatIntervalMs: Type.Integer({
      minimum: 100,
      maximum: 600_000,
      default: 5000,
      description:
        "Heartbeat period assumed for an edge whose hello does not announce its own (the edge's default is 5000).",
    }),
    missedHeartbeats: Type.Integer({
      minimum: 1,
      maximum: 100,
      default: 3,
      description: 'A camera not reported for this many heartbeat periods is marked offline.',
    }),
    sweepIntervalMs: Type.Integer({
      minimum: 50,
      maximum: 60_000,
      default: 1000,
      description: 'How often the cloud looks for cameras whose heartbeats stopped; adds at most this much to the delay.',
    }),
  },
  { additionalProperties: false, default: {}, description: 'Camera health: when silence means offline.' },
);

const IngestConfig = Type.Object(
  {
    maxMessagesPerSecond: Type.Integer({
      minimum: 1,
      maximum: 1_000_000,
      default: 2000,
      description:
        'Sustained messages per second accepted from one edge (all its connections together); more are ' +
        'answered RATE_LIMITED, which the edge retries later.',
    }),
    burst: Type.Integer({
      minimum: 1,
      maximum: 1_000_000,
      default: 4000,
      description: 'Messages one edge may send at once above the sustained rate (token bucket size).',
    }),
    maxConnectionsPerEdge: Type.Integer({
      minimum: 1,
      maximum: 64,
      default: 4,
      description: 'Live connections one edge may hold; a further one closes the oldest (a reconnect outran the old socket).',
    }),
    maxBatch: Type.Integer({
      minimum: 1,
      maximum: 100_000,
      default: 1000,
      description: 'Most edge messages committed in one transaction; each is acknowledged after that commit.',
    }),
    maxMessageBytes: Type.Integer({
      minimum: 16 * 1024,
      maximum: 16 * 1024 * 1024,
      default: 1024 * 1024,
      description: 'Largest socket.io message accepted; a bigger one closes the connection before it is parsed.',
    }),
  },
  { additionalProperties: false, default: {}, description: 'Edge message ingest.' },
);

/** Shortest accepted configured media signing key. */
export const MIN_MEDIA_SIGNING_KEY_LENGTH = 32;

const MediaConfig = Type.Object(
  {
    enabled: Type.Boolean({
      default: false,
      description:
        'Live video: run the media server (node-media-server, in a supervised child process) and serve ' +
        'POST /api/live/:cameraId. Off: that route answers 503.',
    }),
    host: Type.String({
      minLength: 1,
      default: '127.0.0.1',
      description: 'Address the RTMP and HTTP-FLV listeners bind to; 0.0.0.0 so edges and browsers on other machines reach them.',
    }),
    rtmpPort: Type.Integer({
      minimum: 0,
      maximum: 65535,
      default: 1935,
      description: 'Port edges push RTMP to; 0 picks a free port at start (tests).',
    }),
    httpPort: Type.Integer({
      minimum: 0,
      maximum: 65535,
      default: 8000,
      description: 'Port players fetch HTTP-FLV and WS-FLV from; 0 picks a free port at start (tests).',
    }),
    rtmpBaseUrl: Type.String({
      default: '',
      pattern: '^$|^rtmps?://[^?#]+$',
      description:
        'Base URL edges publish to, e.g. rtmp://media.example.cn:1935/live (a NAT or proxy in between). ' +
        'Empty: rtmp://<the host name the edge connected to the cloud with>:<rtmpPort>/live.',
    }),
    playBaseUrl: Type.String({
      default: '',
      pattern: '^$|^https?://[^/?#]+$',
      description:
        'Origin players fetch streams from, e.g. https://live.example.cn behind a TLS proxy (WS-FLV uses ' +
        'the same with ws/wss). Empty: http://<the host name the viewer used>:<httpPort>.',
    }),
    signingKey: Type.String({
      default: '',
      description:
        `Key that signs play and publish URLs (at least ${MIN_MEDIA_SIGNING_KEY_LENGTH} characters). Empty: ` +
        'a random key per start, so URLs handed out before a restart stop working (they expire soon anyway).',
    }),
    playUrlTtlSeconds: Type.Integer({
      minimum: 5,
      maximum: 3600,
      default: 60,
      description: 'A play URL must be opened within this time; an open stream keeps playing after it.',
    }),
    publishSignTtlSeconds: Type.Integer({
      minimum: 60,
      maximum: 7 * 24 * 3600,
      default: 3600,
      description: 'How long an edge may (re)connect its push with one publish signature; the cloud sends a new one when it needs to.',
    }),
    lingerSeconds: Type.Integer({
      minimum: 0,
      maximum: 3600,
      default: 30,
      description: 'An edge keeps pushing a camera this long after its last viewer left (a viewer coming back sees video at once).',
    }),
    startTimeoutMs: Type.Integer({
      minimum: 1000,
      maximum: 120_000,
      default: 10_000,
      description: 'How long a live-view request waits for the edge to push and the first video to arrive.',
    }),
    reconcileIntervalMs: Type.Integer({
      minimum: 100,
      maximum: 60_000,
      default: 5000,
      description: 'Period of the pass that starts always-on cameras, re-asks lost pushes and stops unwatched ones.',
    }),
    alwaysOnCameras: Type.Array(Id, {
      default: [],
      maxItems: 10_000,
      description: 'Cameras pushed all the time, watched or not (e.g. for a video wall).',
    }),
    logLevel: Type.Union(
      [Type.Literal('trace'), Type.Literal('debug'), Type.Literal('info'), Type.Literal('warn'), Type.Literal('error')],
      { default: 'warn', description: "node-media-server's own log level (its lines go to the cloud log at debug level)." },
    ),
  },
  { additionalProperties: false, default: {}, description: 'Live video relay (media server).' },
);

/** The cloud's YAML configuration: every key has a default except the per-edge secrets. */
export const CloudConfigSchema = Type.Object(
  {
    server: ServerConfig,
    dataDir: Type.String({
      minLength: 1,
      default: './data/cloud',
      description: 'Directory for the SQLite database, secrets and evidence files; relative to the working directory.',
    }),
    logLevel: Type.Union(
      [
        Type.Literal('fatal'),
        Type.Literal('error'),
        Type.Literal('warn'),
        Type.Literal('info'),
        Type.Literal('debug'),
        Type.Literal('trace'),
        Type.Literal('silent'),
      ],
      { default: 'info', description: 'Log level of the cloud process.' },
    ),
    auth: AuthConfig,
    edges: Type.Array(EdgeConfig, {
      default: [],
      maxItems: 10_000,
      description:
        'Edges allowed to connect. Seeded into the edges table at start; an edge that was seeded from ' +
        'config and is no longer listed is revoked.',
    }),
    evidence: EvidenceConfig,
    health: HealthConfig,
    ingest: IngestConfig,
    media: MediaConfig,
    workflow: WorkflowConfig,
    integrations: IntegrationsConfig,
    archive: ArchiveConfig,
  },
  { additionalProperties: false },
);

/** A validated, frozen cloud configuration. */
export type CloudConfig = Static<typeof CloudConfigSchema>;

/** Checks a schema cannot express: unique edge ids and minimum lengths of optional secrets. */
function refine(value: unknown): ConfigProblem[] {
  const config = value as CloudConfig;
  const problems: ConfigProblem[] = [];
  const seen = new Map<string, number>();
  config.edges.forEach((edge, i) => {
    const first = seen.get(edge.id);
    if (first !== undefined) problems.push({ path: `edges[${i}].id`, message: `duplicate edge id (also edges[${first}])` });
    else seen.set(edge.id, i);
  });
  const { jwtSecret, admin } = config.auth;
  if (jwtSecret !== '' && jwtSecret.length < MIN_JWT_SECRET_LENGTH) {
    problems.push({ path: 'auth.jwtSecret', message: `must be empty or at least ${MIN_JWT_SECRET_LENGTH} characters` });
  }
  if (admin.password !== '' && admin.password.length < MIN_ADMIN_PASSWORD_LENGTH) {
    problems.push({
      path: 'auth.admin.password',
      message: `must be empty (random) or at least ${MIN_ADMIN_PASSWORD_LENGTH} characters`,
    });
  }
  const { signingKey, rtmpPort, httpPort } = config.media;
  if (signingKey !== '' && signingKey.length < MIN_MEDIA_SIGNING_KEY_LENGTH) {
    problems.push({ path: 'media.signingKey', message: `must be empty (random) or at least ${MIN_MEDIA_SIGNING_KEY_LENGTH} characters` });
  }
  if (rtmpPort !== 0 && rtmpPort === httpPort) problems.push({ path: 'media.httpPort', message: 'must differ from media.rtmpPort' });
  problems.push(...integrationsProblems(config.integrations));
  return problems;
}

/**
 * Loads and validates the cloud config file. Throws a ConfigError listing every problem with its key
 * path; the result is frozen.
 */
export function loadCloudConfig(file: string, env: Readonly<Record<string, string | undefined>> = process.env): CloudConfig {
  return loadConfigFile(CloudConfigSchema, file, { env, refine });
}

/** Validates an already parsed document (tests and programmatic starts); same rules as {@link loadCloudConfig}. */
export function parseCloudConfig(
  doc: unknown,
  env: Readonly<Record<string, string | undefined>> = process.env,
  source = '(inline cloud config)',
): CloudConfig {
  return parseConfig(CloudConfigSchema, doc, source, { env, refine });
}
