import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';

const HealthResponse = Type.Object({ status: Type.Literal('ok') }, { additionalProperties: false });

/** `GET /healthz`: the process answers and its database can be read. No authentication. */
const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const probe = app.db.prepare('SELECT 1').pluck();
  app.get('/healthz', { schema: { response: { 200: HealthResponse } } }, async () => {
    probe.get();
    return { status: 'ok' as const };
  });
};
export default healthRoutes;
