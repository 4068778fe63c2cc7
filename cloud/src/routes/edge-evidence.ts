import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import {
  CodedError,
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
  // Credentials are checked before the body is read, so a stranger cannot make us store anything.
  app.addHook('onRequest', app.requireEdge);
  // Leave the body unread here; the handler streams request.raw through the hash into a file.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));
  // A refusal sent before the body was read (bad credentials, too large) would otherwise leave Node
  // reading and discarding the rest of the upload to keep the connection: close it instead.
  app.addHook('onSend', async (request, reply) => {
    if (!request.raw.complete) reply.header('connection', 'close');
  });

  app.put(
    `${EVIDENCE_UPLOAD_PATH}/:sha256`,
    { schema: { params: Params, response: { 200: EvidenceUploadReply, 201: EvidenceUploadReply, '4xx': ErrorReply } } },
    async (request, reply) => {
      const contentType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
      if (!EVIDENCE_CONTENT_TYPES.includes(contentType)) {
        throw new CodedError('BAD_REQUEST', `content-type must be one of ${EVIDENCE_CONTENT_TYPES.join(', ')}`, 415);
      }
      const declared = Number(request.headers['content-length']);
      if (Number.isFinite(declared) && declared > opts.maxBytes) {
        throw new CodedError('PAYLOAD_TOO_LARGE', `evidence larger than ${opts.maxBytes} bytes`);
      }
      const edgeId = request.edgeId;
      if (edgeId === null) throw new CodedError('UNAUTHORIZED', 'edge credentials missing');
      const { sha256 } = request.params;
      const result = await app.evidence.put({ sha256, contentType, edgeId, body: request.raw, maxBytes: opts.maxBytes });
      request.log.info({ edgeId, sha256, size: result.size, stored: result.stored }, 'evidence upload');
      return reply.code(result.stored ? 201 : 200).send({ ok: true as const, sha256, stored: result.stored });
    },
  );
};
export default edgeEvidenceRoutes;
