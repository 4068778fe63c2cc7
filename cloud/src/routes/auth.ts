import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorReply, LoginRequest, LoginResponse } from '../../../protocol/index.js';

/** `POST /api/auth/login {username, password}` → `{token}`; wrong credentials are a 401. */
const authRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/api/auth/login',
    {
      schema: { body: LoginRequest, response: { 200: LoginResponse, '4xx': ErrorReply } },
      // Login bodies are two short strings; refuse anything bigger before parsing it.
      bodyLimit: 4096,
    },
    async (request) => {
      const token = await app.userAuth.login(request.body.username, request.body.password, request.ip);
      return { token };
    },
  );
};
export default authRoutes;
