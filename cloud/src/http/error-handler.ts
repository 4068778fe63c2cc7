import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CodedError, httpStatusFor, type ErrorBody, type ErrorCode } from '../../../protocol/index.js';

/** A REST error answer: the HTTP status and the `{error}` body. */
export interface ErrorAnswer {
  statusCode: number;
  body: ErrorBody;
}

interface ValidationIssue {
  instancePath?: string;
  message?: string;
  params?: { allowedValues?: unknown };
}

/** The validator's message, with the allowed values of an enum spelled out (`…: day, week, month`). */
function issueMessage(v: ValidationIssue): string {
  const allowed = v.params?.allowedValues;
  const message = v.message ?? 'invalid';
  return Array.isArray(allowed) ? `${message}: ${allowed.map(String).join(', ')}` : message;
}

function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 401:
      return 'UNAUTHORIZED';
    case 403:
      return 'FORBIDDEN';
    case 404:
      return 'NOT_FOUND';
    case 409:
      return 'CONFLICT';
    case 413:
      return 'PAYLOAD_TOO_LARGE';
    case 429:
      return 'RATE_LIMITED';
    default:
      return 'BAD_REQUEST';
  }
}

/**
 * Maps anything a handler threw to a wire error. Coded errors keep their code; fastify's own 4xx errors
 * (validation, bad JSON, wrong media type) get the closest code and keep their status; everything else
 * is a 500 whose details stay in the log.
 */
export function toErrorAnswer(err: unknown): ErrorAnswer {
  if (err instanceof CodedError) return { statusCode: err.statusCode, body: { code: err.code, message: err.message } };
  const e = err as Partial<FastifyError> | undefined;
  if (e && Array.isArray(e.validation)) {
    const where = e.validationContext ?? 'request';
    const issues = (e.validation as ValidationIssue[])
      .slice(0, 10)
      .map((v) => `${where}${v.instancePath ?? ''}: ${issueMessage(v)}`);
    return { statusCode: 400, body: { code: 'BAD_REQUEST', message: issues.join('; ') } };
  }
  const status = typeof e?.statusCode === 'number' ? e.statusCode : 500;
  if (status >= 400 && status < 500) {
    return { statusCode: status, body: { code: codeForStatus(status), message: e?.message || 'bad request' } };
  }
  return { statusCode: httpStatusFor('INTERNAL'), body: { code: 'INTERNAL', message: 'internal server error' } };
}

/**
 * Installs the one error handler and the not-found handler of the app: every error reply is
 * `{error:{code,message}}`; 5xx are logged with the request context and answered without details.
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler(function errorHandler(err: FastifyError, request: FastifyRequest, reply: FastifyReply) {
    const { statusCode, body } = toErrorAnswer(err);
    const context = { method: request.method, url: request.url, reqId: request.id, statusCode, code: body.code };
    if (statusCode >= 500) request.log.error({ ...context, err }, 'request failed');
    else request.log.info({ ...context, reason: body.message }, 'request refused');
    return reply.code(statusCode).send({ error: body });
  });
  app.setNotFoundHandler(function notFound(request: FastifyRequest, reply: FastifyReply) {
    const body: ErrorBody = { code: 'NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0] ?? ''}` };
    return reply.code(404).send({ error: body });
  });
}
