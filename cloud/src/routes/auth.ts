import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { CodedError, ErrorReply, LoginRequest, LoginResponse, RefreshRequest, SessionUser } from '../../../protocol/index.js';
import { sessionUser } from '../auth/user-auth.js';

/**
 * Sessions: `POST /api/auth/login {username, password}` → access token + refresh token + the user;
 * `POST /api/auth/refresh {refreshToken}` → a new pair (the old refresh token is spent);
 * `POST /api/auth/logout {refreshToken}` ends the session; `GET /api/auth/me` → the signed-in user.
 */
const authRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/api/auth/login',
    {
      schema: { body: LoginRequest, response: { 200: LoginResponse, '4xx': ErrorReply } },
      // Login bodies are two short strings; refuse anything bigger before parsing it.
      bodyLimit: 4096,
    },
    async (request) => {
      const { username } = request.body;
      try {
        const session = await app.userAuth.login(username, request.body.password, request.ip);
        app.audit.record(session.user, request.ip, { action: 'auth.login', targetKind: 'user', targetId: session.user.id });
        return session;
      } catch (err) {
        const code = err instanceof CodedError ? err.code : 'INTERNAL';
        app.audit.record(null, request.ip, {
          action: 'auth.login',
          targetKind: 'user',
          targetId: null,
          outcome: 'denied',
          detail: { username, reason: code },
        });
        throw err;
      }
    },
  );

  app.post(
    '/api/auth/refresh',
    { schema: { body: RefreshRequest, response: { 200: LoginResponse, '4xx': ErrorReply } }, bodyLimit: 4096 },
    async (request) => app.userAuth.refresh(request.body.refreshToken),
  );

  app.post(
    '/api/auth/logout',
    { schema: { body: RefreshRequest, response: { 204: Type.Null(), '4xx': ErrorReply } }, bodyLimit: 4096 },
    async (request, reply) => {
      app.userAuth.logout(request.body.refreshToken);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/auth/me',
    { onRequest: app.requireUser, schema: { response: { 200: SessionUser, '4xx': ErrorReply } } },
    async (request) => {
      const user = app.repos.users.findById(request.scope.user.id);
      if (!user) throw new CodedError('UNAUTHORIZED', 'user no longer exists');
      return sessionUser(user);
    },
  );
};
export default authRoutes;
