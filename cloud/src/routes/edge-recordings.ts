import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { ArchiveId, CodedError, ErrorReply, RECORDING_UPLOAD_PATH, Sha256 } from '../../../protocol/index.js';

/** Options of the recording upload route. */
export interface EdgeRecordingRouteOptions {
  maxBytes: number;
}

const Params = Type.Object({ requestId: ArchiveId, sha256: Sha256 }, { additionalProperties: false });
const Reply = Type.Object({ ok: Type.Literal(true), size: Type.Integer({ minimum: 1 }) }, { additionalProperties: false });

/**
 * `PUT /api/edge/recordings/:requestId/:sha256` (edge credentials): the edge delivers the MP4 of a
 * pending recording request of its own camera. The body streams to disk and is kept only if it
 * hashes to the address; progress is visible on the request meanwhile.
 */
const edgeRecordingRoutes: FastifyPluginAsyncTypebox<EdgeRecordingRouteOptions> = async (app, opts) => {
  app.addHook('onRequest', app.requireEdge);
  // The handler streams request.raw itself.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));
  // A refusal before the body was read would leave Node draining the rest of a large upload: close instead.
  app.addHook('onSend', async (request, reply) => {
    if (!request.raw.complete) reply.header('connection', 'close');
  });

  app.put(
    `${RECORDING_UPLOAD_PATH}/:requestId/:sha256`,
    { schema: { params: Params, response: { 201: Reply, '4xx': ErrorReply } } },
    async (request, reply) => {
      const contentType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
      if (contentType !== 'video/mp4') throw new CodedError('BAD_REQUEST', 'content-type must be video/mp4', 415);
      const declared = Number(request.headers['content-length']);
      if (Number.isFinite(declared) && declared > opts.maxBytes) throw new CodedError('PAYLOAD_TOO_LARGE', `recording larger than ${opts.maxBytes} bytes`);
      const edgeId = request.edgeId;
      if (edgeId === null) throw new CodedError('UNAUTHORIZED', 'edge credentials missing');
      const { requestId, sha256 } = request.params;
      const size = await app.archive.recordings.receiveUpload(edgeId, requestId, sha256, request.raw, Number.isFinite(declared) ? declared : undefined);
      request.log.info({ edgeId, requestId, size }, 'recording upload');
      return reply.code(201).send({ ok: true as const, size });
    },
  );
};
export default edgeRecordingRoutes;
