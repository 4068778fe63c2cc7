import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import {
  CodedError,
  ErrorReply,
  RowId,
  SiteCreateRequest,
  SiteItem,
  SiteListQuery,
  SiteListResponse,
  SiteUpdateRequest,
} from '../../../protocol/index.js';
import { requireAdmin } from '../auth/require-admin.js';
import type { SiteFields } from '../db/sites-repo.js';
import { isUniqueViolation } from '../db/sqlite-errors.js';
import { subtrees } from '../directory/org-tree.js';

const Params = Type.Object({ id: RowId }, { additionalProperties: false });

/**
 * Sites: `GET /api/sites?orgId=` (the org's whole subtree), `POST /api/sites {orgId, name, kind,
 * address?}`, `PATCH /api/sites/:id`. Site names are unique within their org.
 */
const siteRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // Everyone signed in reads the sites in scope; only administrators change them.
  app.addHook('onRequest', app.requireUser);
  const { repos } = app;

  const save = (id: number | undefined, fields: SiteFields): SiteItem =>
    repos.transaction(() => {
      if (!repos.orgs.get(fields.orgId)) throw new CodedError('BAD_REQUEST', `org ${fields.orgId} does not exist`);
      const now = Date.now();
      try {
        if (id === undefined) id = repos.sites.create(fields, now);
        else repos.sites.update(id, fields, now);
      } catch (err) {
        if (isUniqueViolation(err)) throw new CodedError('CONFLICT', `org ${fields.orgId} already has a site named "${fields.name}"`);
        throw err;
      }
      const saved = repos.sites.get(id);
      if (!saved) throw new Error(`site ${id} vanished while saving`);
      return saved;
    });

  app.get(
    '/api/sites',
    { schema: { querystring: SiteListQuery, response: { 200: SiteListResponse, '4xx': ErrorReply } } },
    async (request) => {
      const { orgId } = request.query;
      const { scope } = request;
      if (orgId === undefined) return { items: repos.sites.list().filter((s) => scope.seesSite(s.id)) };
      const tree = subtrees(repos.orgs.list()).get(orgId);
      if (!tree || !scope.seesOrg(orgId)) throw new CodedError('NOT_FOUND', `no org ${orgId}`);
      return { items: repos.sites.listInOrgs(tree).filter((s) => scope.seesSite(s.id)) };
    },
  );

  app.post(
    '/api/sites',
    { onRequest: requireAdmin, schema: { body: SiteCreateRequest, response: { 201: SiteItem, '4xx': ErrorReply } }, bodyLimit: 4096 },
    async (request, reply) => {
      const { orgId, name, kind, address = null } = request.body;
      const site = save(undefined, { orgId, name: name.trim(), kind, address });
      app.audit.request(request, { action: 'site.create', targetKind: 'site', targetId: site.id, detail: { ...request.body } });
      return reply.code(201).send(site);
    },
  );

  app.patch(
    '/api/sites/:id',
    { onRequest: requireAdmin, schema: { params: Params, body: SiteUpdateRequest, response: { 200: SiteItem, '4xx': ErrorReply } }, bodyLimit: 4096 },
    async (request) => {
      const current = repos.sites.get(request.params.id);
      if (!current) throw new CodedError('NOT_FOUND', `no site ${request.params.id}`);
      const { orgId, name, kind, address } = request.body;
      const site = save(current.id, {
        orgId: orgId ?? current.orgId,
        name: name?.trim() ?? current.name,
        kind: kind ?? current.kind,
        address: address === undefined ? current.address : address,
      });
      app.audit.request(request, { action: 'site.update', targetKind: 'site', targetId: site.id, detail: { ...request.body } });
      return site;
    },
  );
};
export default siteRoutes;
