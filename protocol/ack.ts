import Type, { type Static } from 'typebox';
import { ERROR_CODES, type ErrorCode } from './errors.js';

const codes = Object.keys(ERROR_CODES) as ErrorCode[];

export const ErrorBody = Type.Object(
  {
    code: Type.Enum(codes),
    message: Type.String(),
  },
  { additionalProperties: false },
);
export type ErrorBody = Static<typeof ErrorBody>;

/** The answer to every acknowledged socket.io message. */
export const Ack = Type.Union([
  Type.Object({ ok: Type.Literal(true) }, { additionalProperties: false }),
  Type.Object({ ok: Type.Literal(false), error: ErrorBody }, { additionalProperties: false }),
]);
export type Ack = Static<typeof Ack>;

export const ackOk = (): Ack => ({ ok: true });
export const ackError = (code: ErrorCode, message: string): Ack => ({ ok: false, error: { code, message } });
