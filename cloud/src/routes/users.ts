import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import {
  CodedError,
  ErrorReply,
  PasswordResetRequest,
  RowId,
  UserCreateRequest,
  UserItem,
  UserListResponse,
  UserUpdateRequest,
  VIEWER_NAMESPACE,
} from '../../../protocol/index.js';
import { hashPassword } from '../auth/passwords.js';
import { requireAdmin } from '../auth/require-admin.js';
import { isUniqueViolation } from '../db/sqlite-errors.js';
import type { UserFields, UserRecord } from '../db/users-repo.js';
import type { Repositories } from '../db/repositories.js';
import { viewerNamespace } from '../sockets/socket-types.js';
import { disconnectUser } from '../sockets/viewer-namespace.js';

const Params = Type.Object({ id: RowId }, { additionalProperties: false });

function toItem(user: UserRecord): UserItem {
  return {
    id: user.id,
    username: user.username,
    displayName: user.displayName,
    phone: user.phone,
    role: user.role,
    orgId: user.orgId,
    siteId: user.siteId,
    disabled: user.disabledAt !== null,
    createdAt: user.createdAt,
    updatedAt: user.updatedAt,
  };
}

/** Why these role and scope fields do not fit together, or undefined. */
function scopeProblem(repos: Repositories, f: UserFields): string | undefined {
  switch (f.role) {
    case 'admin':
      if (f.orgId !== null || f.siteId !== null) return 'an admin sees everything: give neither orgId nor siteId';
      return undefined;
    case 'operator':
    case 'regulator':
      if (f.orgId === null) return `a ${f.role} needs orgId (the root of the org subtree it works for)`;
      if (f.siteId !== null) return `a ${f.role} is scoped by org: give no siteId`;
      if (!repos.orgs.get(f.orgId)) return `org ${f.orgId} does not exist`;
      return undefined;
    case 'site':
      if (f.siteId === null) return 'a site user needs siteId';
      if (f.orgId !== null) return 'a site user is scoped by site: give no orgId';
      if (!repos.sites.get(f.siteId)) return `site ${f.siteId} does not exist`;
      return undefined;
  }
}

/**
 * User administration (admins only): `GET /api/users`, `POST /api/users`, `PATCH /api/users/:id`
 * (role, scope, names, disabled), `POST /api/users/:id/password`. Every change is audited; disabling a
 * user or resetting a password ends the user's sessions.
 */
const userRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireUser);
  app.addHook('onRequest', requireAdmin);
  const { repos } = app;

  const mustGet = (id: number): UserRecord => {
    const user = repos.users.findById(id);
    if (!user) throw new CodedError('NOT_FOUND', `no user ${id}`);
    return user;
  };

  app.get('/api/users', { schema: { response: { 200: UserListResponse, '4xx': ErrorReply } } }, async () => ({
    items: repos.users.list().map(toItem),
  }));

  app.post(
    '/api/users',
    { schema: { body: UserCreateRequest, response: { 201: UserItem, '4xx': ErrorReply } }, bodyLimit: 8192 },
    async (request, reply) => {
      const b = request.body;
      const fields: UserFields = {
        role: b.role,
        orgId: b.orgId ?? null,
        siteId: b.siteId ?? null,
        displayName: b.displayName ?? null,
        phone: b.phone ?? null,
      };
      const problem = scopeProblem(repos, fields);
      if (problem) throw new CodedError('BAD_REQUEST', problem);
      const hash = await hashPassword(b.password);
      let id: number;
      try {
        id = repos.users.create(b.username, hash, fields, Date.now());
      } catch (err) {
        if (isUniqueViolation(err)) throw new CodedError('CONFLICT', `username "${b.username}" is taken`);
        throw err;
      }
      app.audit.request(request, { action: 'user.create', targetKind: 'user', targetId: id, detail: { username: b.username, ...fields } });
      return reply.code(201).send(toItem(mustGet(id)));
    },
  );

  app.patch(
    '/api/users/:id',
    { schema: { params: Params, body: UserUpdateRequest, response: { 200: UserItem, '4xx': ErrorReply } }, bodyLimit: 8192 },
    async (request) => {
      const b = request.body;
      const user = mustGet(request.params.id);
      const self = user.id === request.scope.user.id;
      if (self && (b.disabled === true || (b.role !== undefined && b.role !== 'admin'))) {
        throw new CodedError('BAD_REQUEST', 'an administrator cannot disable or demote their own account');
      }
      const role = b.role ?? user.role;
      const fields: UserFields = {
        role,
        // A role change usually changes the kind of scope: unspecified fields that the new role forbids are cleared.
        orgId: b.orgId !== undefined ? b.orgId : role === 'operator' || role === 'regulator' ? user.orgId : null,
        siteId: b.siteId !== undefined ? b.siteId : role === 'site' ? user.siteId : null,
        displayName: b.displayName !== undefined ? b.displayName : user.displayName,
        phone: b.phone !== undefined ? b.phone : user.phone,
      };
      const problem = scopeProblem(repos, fields);
      if (problem) throw new CodedError('BAD_REQUEST', problem);
      const now = Date.now();
      repos.transaction(() => {
        repos.users.update(user.id, fields, now);
        if (b.disabled !== undefined) repos.users.setDisabled(user.id, b.disabled, now);
      });
      if (b.disabled === true) app.userAuth.endSessions(user.id);
      // Its live connections joined the rooms of the old scope: they must reconnect (and re-check).
      disconnectUser(viewerNamespace(app.io, VIEWER_NAMESPACE), user.id);
      app.audit.request(request, { action: 'user.update', targetKind: 'user', targetId: user.id, detail: { ...b } });
      return toItem(mustGet(user.id));
    },
  );

  app.post(
    '/api/users/:id/password',
    { schema: { params: Params, body: PasswordResetRequest, response: { 204: Type.Null(), '4xx': ErrorReply } }, bodyLimit: 4096 },
    async (request, reply) => {
      const user = mustGet(request.params.id);
      repos.users.setPasswordHash(user.id, await hashPassword(request.body.password), Date.now());
      app.userAuth.endSessions(user.id);
      disconnectUser(viewerNamespace(app.io, VIEWER_NAMESPACE), user.id);
      app.audit.request(request, { action: 'user.password_reset', targetKind: 'user', targetId: user.id });
      return reply.code(204).send(null);
    },
  );
};
export default userRoutes;
