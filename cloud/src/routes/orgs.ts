import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import {
  CodedError,
  ErrorReply,
  OrgCreateRequest,
  OrgItem,
  OrgListResponse,
  OrgUpdateRequest,
  RowId,
} from '../../../protocol/index.js';
import { requireAdmin } from '../auth/require-admin.js';
import type { OrgFields } from '../db/orgs-repo.js';
import { isUniqueViolation } from '../db/sqlite-errors.js';
import { placementProblem } from '../directory/org-tree.js';

const Params = Type.Object({ id: RowId }, { additionalProperties: false });

/**
 * The organisation tree: `GET /api/orgs`, `POST /api/orgs {name, kind, parentId?}`,
 * `PATCH /api/orgs/:id {name?, kind?, parentId?}`. A child is always of a lower level than its parent
 * (city → district → street/bureau); sibling names are unique. Reads are scoped; changes are for admins.
 */
const orgRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // Everyone signed in reads the orgs in scope; only administrators change the tree.
  app.addHook('onRequest', app.requireUser);
  const { repos } = app;

  /** Checks and stores in one transaction, so two concurrent edits cannot both pass the tree check. */
  const save = (id: number | undefined, fields: OrgFields): OrgItem =>
    repos.transaction(() => {
      const problem = placementProblem(repos.orgs.list(), id, fields.parentId, fields.kind);
      if (problem) throw new CodedError('BAD_REQUEST', problem);
      const now = Date.now();
      try {
        if (id === undefined) id = repos.orgs.create(fields, now);
        else repos.orgs.update(id, fields, now);
      } catch (err) {
        if (isUniqueViolation(err)) throw new CodedError('CONFLICT', `an org named "${fields.name}" already exists there`);
        throw err;
      }
      const saved = repos.orgs.get(id);
      if (!saved) throw new Error(`org ${id} vanished while saving`);
      return saved;
    });

  app.get('/api/orgs', { schema: { response: { 200: OrgListResponse, '4xx': ErrorReply } } }, async (request) => ({
    items: repos.orgs.list().filter((o) => request.scope.seesOrg(o.id)),
  }));

  app.post(
    '/api/orgs',
    { onRequest: requireAdmin, schema: { body: OrgCreateRequest, response: { 201: OrgItem, '4xx': ErrorReply } }, bodyLimit: 4096 },
    async (request, reply) => {
      const { name, kind, parentId = null } = request.body;
      const org = save(undefined, { name: name.trim(), kind, parentId });
      app.audit.request(request, { action: 'org.create', targetKind: 'org', targetId: org.id, detail: { ...request.body } });
      return reply.code(201).send(org);
    },
  );

  app.patch(
    '/api/orgs/:id',
    { onRequest: requireAdmin, schema: { params: Params, body: OrgUpdateRequest, response: { 200: OrgItem, '4xx': ErrorReply } }, bodyLimit: 4096 },
    async (request) => {
      const current = repos.orgs.get(request.params.id);
      if (!current) throw new CodedError('NOT_FOUND', `no org ${request.params.id}`);
      const { name, kind, parentId } = request.body;
      const org = save(current.id, {
        name: name?.trim() ?? current.name,
        kind: kind ?? current.kind,
        parentId: parentId === undefined ? current.parentId : parentId,
      });
      app.audit.request(request, { action: 'org.update', targetKind: 'org', targetId: org.id, detail: { ...request.body } });
      return org;
    },
  );
};
export default orgRoutes;
