import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { CodedError, ErrorReply, LIVE_PATH, LiveViewParams, LiveViewResponse } from '../../../protocol/index.js';

/**
 * `POST /api/live/:cameraId`: a signed-in user permitted to view the camera gets signed, expiring
 * HTTP-FLV and WS-FLV URLs of it. The camera's edge is asked to push it first; the answer comes once
 * video reaches the media server (503/504 NOT_READY when the media server or the edge is down, or the
 * camera sends nothing in time).
 */
const liveRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireUser);
  app.addHook('onRequest', app.requirePermission('live.view'));
  app.post(
    `${LIVE_PATH}/:cameraId`,
    { schema: { params: LiveViewParams, response: { 200: LiveViewResponse, '4xx': ErrorReply, '5xx': ErrorReply } } },
    async (request) => {
      // Out of scope looks like no such camera; the manager checks again (its own callers' safety net).
      request.scope.requireCamera(request.params.cameraId);
      const { manager } = app.live;
      if (!manager) throw new CodedError('NOT_READY', 'live video is disabled (media.enabled is false)', 503);
      return manager.openView(request.user, request.params.cameraId, request.headers.host);
    },
  );
};
export default liveRoutes;
