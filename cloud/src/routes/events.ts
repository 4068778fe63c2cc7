import path from 'node:path';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import {
  CodedError,
  ErrorReply,
  EventId,
  EventItem,
  EventListQuery,
  EventListResponse,
} from '../../../protocol/index.js';
import type { EvidenceKind } from '../db/events-repo.js';
import { decodeCursor, encodeCursor } from './event-cursor.js';

/** Page size when the query names none (the protocol's documented default). */
export const DEFAULT_EVENT_PAGE_SIZE = 50;

const EventParams = Type.Object({ id: EventId }, { additionalProperties: false });

/**
 * Events in the caller's scope: `GET /api/events` (newest first, keyset-paginated by an opaque cursor;
 * filters camera, site, type, from/to), `GET /api/events/:id`, and the evidence files
 * `GET /api/events/:id/snapshot|thumbnail|clip` (clips with HTTP Range). Events of cameras out of scope
 * do not exist for the caller. Every evidence file served is audited (`evidence.download`), except a
 * revalidation answered 304 (nothing was sent).
 */
const eventRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireUser);
  app.addHook('onRequest', app.requirePermission('events.read'));

  app.get(
    '/api/events',
    { schema: { querystring: EventListQuery, response: { 200: EventListResponse, '4xx': ErrorReply } } },
    async (request) => {
      const { limit = DEFAULT_EVENT_PAGE_SIZE, cursor, cameraId, type, siteId, from, to } = request.query;
      const { scope } = request;
      if (from !== undefined && to !== undefined && from >= to) {
        throw new CodedError('BAD_REQUEST', `from (${from}) must be before to (${to})`);
      }
      if (siteId !== undefined && !scope.seesSite(siteId)) throw new CodedError('NOT_FOUND', `no site ${siteId}`);
      if (cameraId !== undefined && !scope.seesCamera(cameraId)) throw new CodedError('NOT_FOUND', `no camera ${cameraId}`);
      const after = cursor === undefined ? undefined : decodeCursor(cursor);
      const siteIds = siteId !== undefined ? [siteId] : (scope.siteIds() ?? undefined);
      const page = app.repos.events.list({ limit, after, cameraId, type, from, to, siteIds });
      const last = page.items.at(-1);
      return { items: page.items, nextCursor: page.hasMore && last ? encodeCursor(last) : null };
    },
  );

  app.get(
    '/api/events/:id',
    { schema: { params: EventParams, response: { 200: EventItem, '4xx': ErrorReply } } },
    async (request) => {
      const item = app.repos.events.get(request.params.id);
      if (!item || !request.scope.seesCamera(item.cameraId)) throw new CodedError('NOT_FOUND', `no event ${request.params.id}`);
      return item;
    },
  );

  const sendEvidence = async (kind: EvidenceKind, id: string, request: FastifyRequest, reply: FastifyReply) => {
    const ref = app.repos.events.evidenceOf(id, kind);
    if (!ref || !request.scope.seesCamera(ref.cameraId)) throw new CodedError('NOT_FOUND', `no event ${id}`);
    const file = ref.sha256 === null ? undefined : await app.evidence.get(ref.sha256);
    if (!ref.sha256 || !file) throw new CodedError('NOT_FOUND', `event ${id} has no ${kind} yet`);
    // The URL is per event while the file may change with later phases: revalidate by content hash.
    const etag = `"${ref.sha256}"`;
    reply.header('etag', etag).header('cache-control', 'private, no-cache');
    if (request.headers['if-none-match'] === etag) return reply.code(304).send();
    app.audit.request(request, {
      action: 'evidence.download',
      targetKind: 'event',
      targetId: id,
      detail: { kind, sha256: ref.sha256, range: request.headers.range ?? null },
    });
    return reply.type(file.contentType).sendFile(path.relative(app.evidence.dir, file.path), app.evidence.dir);
  };

  // No response schemas: the bodies are the files' bytes (or an error body from the error handler).
  for (const kind of ['snapshot', 'thumbnail', 'clip'] as const) {
    app.get(`/api/events/:id/${kind}`, { schema: { params: EventParams } }, (request, reply) =>
      sendEvidence(kind, request.params.id, request, reply),
    );
  }
};
export default eventRoutes;
