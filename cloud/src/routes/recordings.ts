import { existsSync } from 'node:fs';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import {
  ArchiveIdParams,
  CameraIdParams,
  CodedError,
  ErrorReply,
  RecordingListing,
  RecordingListQuery,
  RecordingRequestBody,
  RecordingRequestItem,
} from '../../../protocol/index.js';
import type { RecordingRequestRecord } from '../archive/archive-repo.js';

/** Options of the recording routes. */
export interface RecordingRouteOptions {
  /** Where fetched recordings are kept. */
  dir: string;
}

/** True for a request that starts reading a file (no Range, or one from byte 0): a download or a playback. */
export function startsReading(request: FastifyRequest): boolean {
  const range = request.headers.range;
  return range === undefined || /^bytes=0-/.test(range);
}

/**
 * Recording playback for users with `footage.review`, within their scope:
 * - `GET /api/cameras/:id/recordings?from&to`: the camera's recorded segments and gaps, asked of its edge;
 * - `POST /api/cameras/:id/recordings/requests {from, to}`: fetch a range from the edge (202, pending);
 * - `GET /api/recordings/requests/:id`: state, upload progress, gaps, and the file URL once ready;
 * - `GET /api/recordings/requests/:id/file`: the MP4, with HTTP Range so a <video> can seek.
 * A request is visible to the user who made it and to administrators. An edge that is offline
 * answers 503 NOT_READY.
 */
const recordingRoutes: FastifyPluginAsyncTypebox<RecordingRouteOptions> = async (app, opts) => {
  // sendFile (Range, conditional requests, content types) in this context only; nothing is served by path.
  await app.register(fastifyStatic, { root: opts.dir, serve: false });
  app.addHook('onRequest', app.requireUser);
  app.addHook('onRequest', app.requirePermission('footage.review'));
  const { recordings } = app.archive;

  /** The request if the caller may see it; NOT_FOUND otherwise, as if it did not exist. */
  const visible = (request: FastifyRequest, id: string): RecordingRequestRecord => {
    const r = recordings.get(id);
    const scope = request.scope;
    if (!r || (r.userId !== scope.user.id && !scope.isAll) || !scope.seesCamera(r.cameraId)) throw new CodedError('NOT_FOUND', `no recording request ${id}`);
    return r;
  };

  app.get(
    '/api/cameras/:id/recordings',
    { schema: { params: CameraIdParams, querystring: RecordingListQuery, response: { 200: RecordingListing, '4xx': ErrorReply, '5xx': ErrorReply } } },
    async (request) => {
      request.scope.requireCamera(request.params.id);
      return recordings.list(request.params.id, request.query.from, request.query.to);
    },
  );

  app.post(
    '/api/cameras/:id/recordings/requests',
    { schema: { params: CameraIdParams, body: RecordingRequestBody, response: { 202: RecordingRequestItem, '4xx': ErrorReply, '5xx': ErrorReply } } },
    async (request, reply) => {
      const cameraId = request.params.id;
      request.scope.requireCamera(cameraId);
      const { from, to } = request.body;
      const r = recordings.create(request.scope.user.id, cameraId, from, to);
      app.audit.request(request, { action: 'footage.request', targetKind: 'camera', targetId: cameraId, detail: { requestId: r.id, from, to } });
      return reply.code(202).send(recordings.item(r));
    },
  );

  app.get(
    '/api/recordings/requests/:id',
    { schema: { params: ArchiveIdParams, response: { 200: RecordingRequestItem, '4xx': ErrorReply } } },
    async (request) => recordings.item(visible(request, request.params.id)),
  );

  app.get(
    '/api/recordings/requests/:id/file',
    // No response schema: the body is the file (or an error body from the error handler).
    { schema: { params: ArchiveIdParams } },
    async (request, reply) => {
      const r = visible(request, request.params.id);
      const file = recordings.filePath(r.id);
      if (r.state !== 'ready' || !existsSync(file)) {
        throw new CodedError(r.state === 'pending' ? 'NOT_READY' : 'NOT_FOUND', `recording request ${r.id} has no file (${r.state})`);
      }
      // A seeking player sends many range requests: the download or playback is audited once, at its start.
      if (startsReading(request)) {
        app.audit.request(request, { action: 'evidence.download', targetKind: 'recording', targetId: r.id, detail: { cameraId: r.cameraId, from: r.from, to: r.to, sha256: r.sha256 } });
      }
      reply.header('cache-control', 'private, no-cache');
      return reply.sendFile(`${r.id}.mp4`, opts.dir);
    },
  );
};
export default recordingRoutes;
