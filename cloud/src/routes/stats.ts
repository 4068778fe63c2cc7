import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { CameraStatsQuery, CameraStatsResponse, CodedError, ErrorReply } from '../../../protocol/index.js';
import { cameraStats } from '../stats/camera-stats.js';

/**
 * `GET /api/stats/cameras`: 完好率, 出图率, 智能化覆盖率 and 目录合规率 overall, per site and per org
 * (subtree included), with the failing cameras and why. Without `from`: now. With `from` (and `to`,
 * default now): time-weighted over the window from the state history.
 */
const statsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireUser);
  app.addHook('onRequest', app.requirePermission('stats.read'));

  app.get(
    '/api/stats/cameras',
    { schema: { querystring: CameraStatsQuery, response: { 200: CameraStatsResponse, '4xx': ErrorReply } } },
    async (request) => {
      const now = Date.now();
      const { from, to } = request.query;
      if (from === undefined) {
        if (to !== undefined) throw new CodedError('BAD_REQUEST', 'to needs a from');
        return cameraStats(app.repos, now, undefined, request.scope);
      }
      const end = to ?? now;
      if (from >= end) throw new CodedError('BAD_REQUEST', `from (${from}) must be before to (${end})`);
      return cameraStats(app.repos, now, { from, to: end }, request.scope);
    },
  );
};
export default statsRoutes;
