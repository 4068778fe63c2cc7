import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { documentedRoute, OPENAPI_DOCS_PREFIX, openapiInfo } from '../integrations/openapi-document.js';

/**
 * Plugin: the OpenAPI 3.1 document generated from the route schemas (`GET /docs/json`) and the
 * Swagger UI at `/docs`. Registered before every route so @fastify/swagger's onRoute hook sees them
 * all; the document itself is built lazily at the first request, when every route exists.
 */
export default fp(
  async function openapiPlugin(app: FastifyInstance) {
    await app.register(fastifySwagger, {
      openapi: openapiInfo(),
      // 3.1 speaks JSON Schema 2020-12, so `const` and `type: 'null'` from TypeBox stay as they are.
      convertConstToEnum: false,
      transform: ({ schema, url }) => documentedRoute(schema, url),
    });
    await app.register(fastifySwaggerUi, {
      routePrefix: OPENAPI_DOCS_PREFIX,
      uiConfig: { docExpansion: 'list', deepLinking: true, persistAuthorization: true },
      staticCSP: true,
    });
  },
  { name: 'mingliang-openapi', fastify: '5.x' },
);
