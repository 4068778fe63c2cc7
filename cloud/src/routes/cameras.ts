import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { CameraListResponse, ErrorReply } from '../../../protocol/index.js';

/** `GET /api/cameras`: every camera with its last reported state, for signed-in users. */
const cameraRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireUser);
  app.get('/api/cameras', { schema: { response: { 200: CameraListResponse, '4xx': ErrorReply } } }, async () => ({
    items: app.repos.cameras.list(),
  }));
};
export default cameraRoutes;
