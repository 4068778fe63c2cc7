import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import type { FastifySchema } from 'fastify';

/** Where the Swagger UI is served; the document is at `${OPENAPI_DOCS_PREFIX}/json` (and `/yaml`). */
export const OPENAPI_DOCS_PREFIX = '/docs';

/** Security scheme names of the document. */
export const SECURITY_SCHEMES = {
  /** A user's access token from `POST /api/auth/login`. */
  user: 'userToken',
  /** An edge's shared secret; always sent together with {@link SECURITY_SCHEMES.edgeId}. */
  edge: 'edgeToken',
  edgeId: 'edgeId',
} as const;

/** Routes anyone may call: they authenticate by their body (login, refresh, logout) or need nothing. */
const PUBLIC_ROUTES = new Set(['/healthz', '/metrics', '/api/auth/login', '/api/auth/refresh', '/api/auth/logout']);

/** Routes an edge calls with its own credentials (`authorization: Bearer <edge token>` + `x-edge-id`). */
const EDGE_PREFIX = '/api/edge/';

/** The document's fixed parts: info, security schemes and the default requirement (a user token). */
export function openapiInfo(): NonNullable<FastifyDynamicSwaggerOptions['openapi']> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Mingliang cloud API',
      version: '1',
      description:
        'REST API of the Mingliang (明亮) cloud. Sign in with `POST /api/auth/login` and send the returned ' +
        'token as `authorization: Bearer <token>`; every answer is filtered by the caller\'s role and scope. ' +
        'Errors are `{error: {code, message}}`.',
    },
    components: {
      securitySchemes: {
        [SECURITY_SCHEMES.user]: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'Access token of a user (POST /api/auth/login).',
        },
        [SECURITY_SCHEMES.edge]: { type: 'http', scheme: 'bearer', description: 'Shared secret of an edge.' },
        [SECURITY_SCHEMES.edgeId]: { type: 'apiKey', in: 'header', name: 'x-edge-id', description: 'Id of the edge the token belongs to.' },
      },
    },
    security: [{ [SECURITY_SCHEMES.user]: [] }],
  };
}

/** The feature a route belongs to: the first path segment after `/api` (`/api/events/:id` → `events`). */
export function tagOf(url: string): string {
  const segments = url.split('?')[0]?.split('/').filter((s) => s !== '') ?? [];
  if (segments[0] !== 'api') return 'system';
  const feature = segments[1];
  return feature === undefined || feature.startsWith(':') ? 'api' : feature;
}

/** Whether the document shows a route: the API and the operational endpoints, not the viewer's files. */
export function isDocumented(url: string): boolean {
  return url === '/api' || url.startsWith('/api/') || PUBLIC_ROUTES.has(url);
}

/** The security requirement of a route, or undefined for the document's default (a user token). */
export function securityOf(url: string): Record<string, string[]>[] | undefined {
  if (PUBLIC_ROUTES.has(url)) return [];
  if (url.startsWith(EDGE_PREFIX)) return [{ [SECURITY_SCHEMES.edge]: [], [SECURITY_SCHEMES.edgeId]: [] }];
  return undefined;
}

/**
 * @fastify/swagger's per-route transform: hides what is not API (the viewer's static files and SPA
 * fallback), and adds a tag derived from the path and the security requirement where the route's
 * own schema does not set them. The route's schema object itself is never modified: fastify compiled
 * its validators from it.
 */
export function documentedRoute(
  schema: FastifySchema | undefined,
  url: string,
): { schema: FastifySchema; url: string } {
  const base: Record<string, unknown> = { ...(schema ?? {}) };
  if (!isDocumented(url)) return { schema: { ...base, hide: true } as FastifySchema, url };
  if (!Array.isArray(base.tags)) base.tags = [tagOf(url)];
  const security = securityOf(url);
  if (base.security === undefined && security !== undefined) base.security = security;
  return { schema: base as FastifySchema, url };
}
