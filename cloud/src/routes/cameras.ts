import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { CameraListResponse, ErrorReply } from '../../../protocol/index.js';

/** `GET /api/cameras`: every camera in the caller's scope with its last reported state. */
const cameraRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireUser);
  app.get('/api/cameras', { schema: { response: { 200: CameraListResponse, '4xx': ErrorReply } } }, async (request) => ({
    items: app.repos.cameras.list().filter((c) => request.scope.seesCamera(c.id)),
  }));
};
export default cameraRoutes;
