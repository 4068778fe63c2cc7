import Type, { type Static } from 'typebox';
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
      maximum: 30 * 24 * 3600,
      default: 12 * 3600,
      description: 'Lifetime of a user token issued by POST /api/auth/login, in seconds.',
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
