import { randomBytes } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import {
  CodedError,
  EdgeCreateRequest,
  EdgeCreateResponse,
  EdgeItem,
  EdgeListResponse,
  ErrorReply,
  Id,
} from '../../../protocol/index.js';
import { hashEdgeToken } from '../auth/edge-tokens.js';
import { requireAdmin } from '../auth/require-admin.js';
import type { EdgeRecord } from '../db/edges-repo.js';

const Params = Type.Object({ id: Id }, { additionalProperties: false });

/** Bytes of randomness in an issued edge token (256 bits, 43 base64url characters). */
const TOKEN_BYTES = 32;

/**
 * Edge administration: `GET /api/edges`, `POST /api/edges {id}` → `{edge, token}` (the token is shown
 * this once; only its SHA-256 is stored), `POST /api/edges/:id/revoke` (closes its live connections at
 * once, refuses its reconnects and uploads, marks its cameras offline).
 */
const edgeRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireUser);
  app.addHook('onRequest', requireAdmin);
  const view = (edge: EdgeRecord): EdgeItem => ({
    ...edge,
    connected: app.edgeConnections.isConnected(edge.id),
    outbox: app.ingest.messages.outboxOf(edge.id) ?? null,
  });

  app.get('/api/edges', { schema: { response: { 200: EdgeListResponse, '4xx': ErrorReply } } }, async () => ({
    items: app.repos.edges.list().map(view),
  }));

  app.post(
    '/api/edges',
    { schema: { body: EdgeCreateRequest, response: { 201: EdgeCreateResponse, '4xx': ErrorReply } }, bodyLimit: 4096 },
    async (request, reply) => {
      const { id } = request.body;
      const token = randomBytes(TOKEN_BYTES).toString('base64url');
      if (!app.repos.edges.create(id, hashEdgeToken(token), Date.now())) {
        throw new CodedError('CONFLICT', `edge ${id} already exists (edge ids are never reused, revoked ones included)`);
      }
      const edge = app.repos.edges.get(id);
      if (!edge) throw new Error(`edge ${id} vanished after creation`);
      request.log.info({ edgeId: id, by: request.user.username }, 'edge created');
      app.audit.request(request, { action: 'edge.create', targetKind: 'edge', targetId: id });
      // Never cached anywhere: this response is the only place the token ever appears.
      reply.header('cache-control', 'no-store');
      return reply.code(201).send({ edge: view(edge), token });
    },
  );

  app.post(
    '/api/edges/:id/revoke',
    { schema: { params: Params, response: { 200: EdgeItem, '4xx': ErrorReply } } },
    async (request) => {
      const { id } = request.params;
      const before = app.repos.edges.get(id);
      if (!before) throw new CodedError('NOT_FOUND', `no edge ${id}`);
      if (before.revokedAt === null) app.repos.edges.revoke(id, Date.now(), 'api');
      // Revoked in the database first, so a reconnect racing this finds the edge refused; cameras marked
      // before the sockets close so their history says why.
      const offline = app.cameraHealth.markEdgeOffline(id, 'edge revoked');
      const closed = app.edgeConnections.disconnect(id);
      request.log.warn({ edgeId: id, by: request.user.username, closed, offline: offline.length }, 'edge revoked');
      app.audit.request(request, { action: 'edge.revoke', targetKind: 'edge', targetId: id, detail: { closedConnections: closed } });
      const edge = app.repos.edges.get(id);
      if (!edge) throw new Error(`edge ${id} vanished after revocation`);
      return view(edge);
    },
  );
};
export default edgeRoutes;
