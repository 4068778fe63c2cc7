import type { ExtendedError } from 'socket.io';
import { CodedError, type ErrorBody } from '../../../protocol/index.js';

/**
 * The error handed to a socket.io middleware's `next`: the client sees `message` and `data` in its
 * `connect_error` event, so `data` carries the protocol error body.
 */
export function handshakeError(err: unknown): ExtendedError {
  const body: ErrorBody =
    err instanceof CodedError ? { code: err.code, message: err.message } : { code: 'INTERNAL', message: 'internal error' };
  const error: ExtendedError = new Error(body.message);
  error.data = body;
  return error;
}
