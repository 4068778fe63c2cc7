import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { acceptEdgeUploads, checkEdgeUpload } from '../http/edge-upload.js';
import { ArchiveId, ErrorReply, RECORDING_UPLOAD_PATH, Sha256 } from '../../../protocol/index.js';

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
  acceptEdgeUploads(app);

  app.put(
    `${RECORDING_UPLOAD_PATH}/:requestId/:sha256`,
    { schema: { params: Params, response: { 201: Reply, '4xx': ErrorReply } } },
    async (request, reply) => {
      const { edgeId, declaredBytes } = checkEdgeUpload(request, ['video/mp4'], opts.maxBytes, 'recording');
      const { requestId, sha256 } = request.params;
      const size = await app.archive.recordings.receiveUpload(edgeId, requestId, sha256, request.raw, declaredBytes);
      request.log.info({ edgeId, requestId, size }, 'recording upload');
      return reply.code(201).send({ ok: true as const, size });
    },
  );
};
export default edgeRecordingRoutes;
