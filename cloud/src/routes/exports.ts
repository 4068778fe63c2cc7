import { existsSync } from 'node:fs';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { ArchiveIdParams, CodedError, ErrorReply, ExportItem, ExportRequestBody } from '../../../protocol/index.js';
import type { ExportRecord } from '../archive/archive-repo.js';

/** Options of the export routes. */
export interface ExportRouteOptions {
  /** Where built zips are kept. */
  dir: string;
}

/**
 * Evidence exports for users with `evidence.export`:
 * - `POST /api/exports {eventIds?, cameraId?, from?, to?}`: every event and the camera must be in the
 *   caller's scope (else 404, and nothing is created); the zip is built in the background (202);
 * - `GET /api/exports/:id`: state and progress (files done of total, bytes written);
 * - `GET /api/exports/:id/download`: the zip (audited `evidence.export`).
 * Only the user who asked (or an administrator) sees an export.
 */
const exportRoutes: FastifyPluginAsyncTypebox<ExportRouteOptions> = async (app, opts) => {
  await app.register(fastifyStatic, { root: opts.dir, serve: false });
  app.addHook('onRequest', app.requireUser);
  app.addHook('onRequest', app.requirePermission('evidence.export'));
  const { exports } = app.archive;

  const visible = (request: FastifyRequest, id: string): ExportRecord => {
    const r = exports.get(id);
    if (!r || (r.userId !== request.scope.user.id && !request.scope.isAll)) throw new CodedError('NOT_FOUND', `no export ${id}`);
    return r;
  };

  app.post(
    '/api/exports',
    { schema: { body: ExportRequestBody, response: { 202: ExportItem, '4xx': ErrorReply, '5xx': ErrorReply } } },
    async (request, reply) => {
      const user = request.authUser;
      if (!user) throw new CodedError('UNAUTHORIZED', 'no signed-in user');
      const r = exports.create(user, request.scope, request.body);
      app.audit.request(request, {
        action: 'export.create',
        targetKind: 'export',
        targetId: r.id,
        detail: { eventIds: r.eventIds, cameraId: r.cameraId, from: r.from, to: r.to },
      });
      return reply.code(202).send(exports.item(r));
    },
  );

  app.get(
    '/api/exports/:id',
    { schema: { params: ArchiveIdParams, response: { 200: ExportItem, '4xx': ErrorReply } } },
    async (request) => exports.item(visible(request, request.params.id)),
  );

  app.get(
    '/api/exports/:id/download',
    { schema: { params: ArchiveIdParams } },
    async (request, reply) => {
      const r = visible(request, request.params.id);
      const file = exports.filePath(r.id);
      if (r.state !== 'ready' || !existsSync(file)) {
        throw new CodedError(r.state === 'building' ? 'NOT_READY' : 'NOT_FOUND', `export ${r.id} has no file (${r.state})`);
      }
      app.audit.request(request, { action: 'evidence.export', targetKind: 'export', targetId: r.id, detail: { sha256: r.sha256, bytes: r.bytes, eventIds: r.eventIds.length } });
      reply.header('content-disposition', `attachment; filename="mingliang-export-${r.id}.zip"`).header('cache-control', 'private, no-store');
      return reply.sendFile(`${r.id}.zip`, opts.dir);
    },
  );
};
export default exportRoutes;
