import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import {
  CameraDetail,
  CameraStatesQuery,
  CameraStatesResponse,
  CodedError,
  ErrorReply,
  Id,
} from '../../../protocol/index.js';
import { UNKNOWN_HEALTH } from '../health/camera-health.js';
import { kpiFlags } from '../stats/kpi.js';
import { directoryRecord } from './camera-directory.js';

const Params = Type.Object({ id: Id }, { additionalProperties: false });

/** Default span of a history query without `from`. */
const DEFAULT_SPAN_MS = 24 * 3600_000;

/**
 * Camera health for signed-in users: `GET /api/cameras/:id` (state, reason, quality, analysis, what
 * the KPIs make of it, the directory record) and `GET /api/cameras/:id/states?from=&to=&limit=` (the
 * history, oldest first, starting with the entry in effect at `from`).
 */
const cameraHealthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireUser);
  const { repos } = app;

  app.get(
    '/api/cameras/:id',
    { schema: { params: Params, response: { 200: CameraDetail, '4xx': ErrorReply } } },
    async (request) => {
      request.scope.requireCamera(request.params.id);
      const record = repos.cameras.record(request.params.id);
      if (!record) throw new CodedError('NOT_FOUND', `no camera ${request.params.id} has been declared by an edge`);
      const health = repos.cameraStates.latest(record.item.id)?.health ?? UNKNOWN_HEALTH;
      const flags = kpiFlags(health);
      const entry = repos.directory.get(record.item.id);
      return {
        ...record.item,
        reason: record.reason,
        quality: health.quality,
        analysis: health.analysis,
        online: flags.online,
        picture: flags.picture,
        directory: entry ? directoryRecord(repos, entry) : null,
      };
    },
  );

  app.get(
    '/api/cameras/:id/states',
    { schema: { params: Params, querystring: CameraStatesQuery, response: { 200: CameraStatesResponse, '4xx': ErrorReply } } },
    async (request) => {
      const cameraId = request.params.id;
      request.scope.requireCamera(cameraId);
      const to = request.query.to ?? Date.now();
      const from = request.query.from ?? Math.max(0, to - DEFAULT_SPAN_MS);
      if (from > to) throw new CodedError('BAD_REQUEST', `from (${from}) is after to (${to})`);
      if (!repos.cameras.get(cameraId)) throw new CodedError('NOT_FOUND', `no camera ${cameraId} has been declared by an edge`);
      const { items, truncated } = repos.cameraStates.range(cameraId, from, to, request.query.limit ?? 1000);
      return { cameraId, from, to, items: items.map((r) => ({ at: r.at, ...r.health })), truncated };
    },
  );
};
export default cameraHealthRoutes;
