import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CodedError } from '../../../protocol/index.js';

/**
 * Prepares a route plugin for raw uploads from edges: credentials are checked before the body is read
 * (a stranger cannot make us store anything), the body is left unparsed for the handler to stream from
 * `request.raw`, and a refusal sent before the body was read closes the connection instead of leaving
 * Node to read and discard the rest of a large upload.
 */
export function acceptEdgeUploads(app: FastifyInstance): void {
  app.addHook('onRequest', app.requireEdge);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));
  app.addHook('onSend', async (request, reply) => {
    if (!request.raw.complete) reply.header('connection', 'close');
  });
}

/** What {@link checkEdgeUpload} found acceptable about an upload. */
export interface EdgeUpload {
  edgeId: string;
  contentType: string;
  /** The declared content-length, when the edge sent one. */
  declaredBytes: number | undefined;
}

/**
 * Checks an upload's headers before its body is read.
 * @param what what is uploaded, for messages ("evidence", "recording")
 * @throws CodedError 415 BAD_REQUEST for another content type, PAYLOAD_TOO_LARGE over `maxBytes`
 */
export function checkEdgeUpload(request: FastifyRequest, contentTypes: readonly string[], maxBytes: number, what: string): EdgeUpload {
  const contentType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (!contentTypes.includes(contentType)) {
    throw new CodedError('BAD_REQUEST', `content-type must be ${contentTypes.length === 1 ? '' : 'one of '}${contentTypes.join(', ')}`, 415);
  }
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw new CodedError('PAYLOAD_TOO_LARGE', `${what} larger than ${maxBytes} bytes`);
  if (request.edgeId === null) throw new CodedError('UNAUTHORIZED', 'edge credentials missing');
  return { edgeId: request.edgeId, contentType, declaredBytes: Number.isFinite(declared) ? declared : undefined };
}
