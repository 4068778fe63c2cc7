import { createReadStream } from 'node:fs';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import {
  CodedError,
  ErrorReply,
  EventId,
  EventItem,
  EventListQuery,
  EventListResponse,
} from '../../../protocol/index.js';
import { decodeCursor, encodeCursor } from './event-cursor.js';

/** Page size when the query names none (the protocol's documented default). */
export const DEFAULT_EVENT_PAGE_SIZE = 50;

const EventParams = Type.Object({ id: EventId }, { additionalProperties: false });

/**
 * Events for signed-in users: `GET /api/events` (newest first, keyset-paginated by an opaque cursor),
 * `GET /api/events/:id`, `GET /api/events/:id/snapshot` (the JPEG).
 */
const eventRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireUser);

  app.get(
    '/api/events',
    { schema: { querystring: EventListQuery, response: { 200: EventListResponse, '4xx': ErrorReply } } },
    async (request) => {
      const { limit = DEFAULT_EVENT_PAGE_SIZE, cursor, cameraId, type } = request.query;
      const after = cursor === undefined ? undefined : decodeCursor(cursor);
      const page = app.repos.events.list({ limit, after, cameraId, type });
      const last = page.items.at(-1);
      return { items: page.items, nextCursor: page.hasMore && last ? encodeCursor(last) : null };
    },
  );

  app.get(
    '/api/events/:id',
    { schema: { params: EventParams, response: { 200: EventItem, '4xx': ErrorReply } } },
    async (request) => {
      const item = app.repos.events.get(request.params.id);
      if (!item) throw new CodedError('NOT_FOUND', `no event ${request.params.id}`);
      return item;
    },
  );

  app.get(
    '/api/events/:id/snapshot',
    // No response schema: the body is the file's bytes (or an error body from the error handler).
    { schema: { params: EventParams } },
    async (request, reply) => {
      const sha256 = app.repos.events.snapshotOf(request.params.id);
      if (sha256 === undefined) throw new CodedError('NOT_FOUND', `no event ${request.params.id}`);
      const file = sha256 === null ? undefined : await app.evidence.get(sha256);
      if (!sha256 || !file) throw new CodedError('NOT_FOUND', `event ${request.params.id} has no snapshot yet`);
      // The URL is per event while the snapshot may change with later phases: revalidate by content hash.
      const etag = `"${sha256}"`;
      reply.header('etag', etag).header('cache-control', 'private, no-cache');
      if (request.headers['if-none-match'] === etag) return reply.code(304).send();
      return reply
        .type(file.contentType)
        .header('content-length', file.size)
        .send(createReadStream(file.path));
    },
  );
};
export default eventRoutes;
