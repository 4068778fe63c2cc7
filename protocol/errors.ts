/**
 * Every error code the system puts on the wire (socket.io acks and REST error bodies), with the
 * sentence that documents it. A unit test checks that each code used in the code base is listed here.
 */
export const ERROR_CODES = {
  BAD_MESSAGE: 'The message does not match its protocol schema; nothing was changed.',
  BAD_REQUEST: 'The request body, query or parameters are invalid; nothing was changed.',
  UNAUTHORIZED: 'No valid credentials were presented (missing, malformed, expired or revoked token).',
  FORBIDDEN: 'The caller is authenticated but its role or scope does not allow this.',
  NOT_FOUND: 'The addressed resource does not exist or is not visible to the caller.',
  CONFLICT: 'The request conflicts with stored state (for example a camera id owned by another edge).',
  EVIDENCE_MISMATCH: 'Uploaded evidence does not match the SHA-256 it was announced with.',
  PAYLOAD_TOO_LARGE: 'The body exceeds the configured size limit.',
  RATE_LIMITED: 'Too many attempts; retry later.',
  NOT_READY: 'The peer has not completed its hello handshake yet.',
  INTERNAL: 'An unexpected server error; details are in the server log, not in the response.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** An error carrying a wire error code; thrown inside handlers and turned into an ack or HTTP reply. */
export class CodedError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly statusCode: number = httpStatusFor(code),
  ) {
    super(message);
    this.name = 'CodedError';
  }
}

/** The HTTP status that goes with each code on REST routes. */
export function httpStatusFor(code: ErrorCode): number {
  switch (code) {
    case 'BAD_MESSAGE':
    case 'BAD_REQUEST':
    case 'EVIDENCE_MISMATCH':
      return 400;
    case 'UNAUTHORIZED':
      return 401;
    case 'FORBIDDEN':
      return 403;
    case 'NOT_FOUND':
      return 404;
    case 'CONFLICT':
    case 'NOT_READY':
      return 409;
    case 'PAYLOAD_TOO_LARGE':
      return 413;
    case 'RATE_LIMITED':
      return 429;
    case 'INTERNAL':
      return 500;
  }
}
