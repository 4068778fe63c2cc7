import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

/** Violation statistics (filled in by its feature). */
const violationStatsRoutes: FastifyPluginAsyncTypebox = async () => {};
export default violationStatsRoutes;
