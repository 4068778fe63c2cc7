import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { acceptEdgeUploads, checkEdgeUpload } from '../http/edge-upload.js';
import {
  ErrorReply,
  EVIDENCE_UPLOAD_PATH,
  EvidenceUploadReply,
  Sha256,
} from '../../../protocol/index.js';

/** Content types edges may upload. */
export const EVIDENCE_CONTENT_TYPES: readonly string[] = ['image/jpeg', 'video/mp4'];

/** Options of the evidence upload route. */
export interface EdgeEvidenceRouteOptions {
  maxBytes: number;
}

const Params = Type.Object({ sha256: Sha256 }, { additionalProperties: false });

/**
 * `PUT /api/edge/evidence/:sha256` (edge credentials): the raw body is streamed to disk and kept only
 * if it hashes to the address. 201 when stored now, 200 when it already was.
 */
const edgeEvidenceRoutes: FastifyPluginAsyncTypebox<EdgeEvidenceRouteOptions> = async (app, opts) => {
  acceptEdgeUploads(app);

  app.put(
    `${EVIDENCE_UPLOAD_PATH}/:sha256`,
    { schema: { params: Params, response: { 200: EvidenceUploadReply, 201: EvidenceUploadReply, '4xx': ErrorReply } } },
    async (request, reply) => {
      const { edgeId, contentType } = checkEdgeUpload(request, EVIDENCE_CONTENT_TYPES, opts.maxBytes, 'evidence');
      const { sha256 } = request.params;
      const result = await app.evidence.put({ sha256, contentType, edgeId, body: request.raw, maxBytes: opts.maxBytes });
      request.log.info({ edgeId, sha256, size: result.size, stored: result.stored }, 'evidence upload');
      return reply.code(result.stored ? 201 : 200).send({ ok: true as const, sha256, stored: result.stored });
    },
  );
};
export default edgeEvidenceRoutes;
