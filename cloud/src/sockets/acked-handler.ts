import type { FastifyBaseLogger } from 'fastify';
import type { TSchema, Static } from 'typebox';
import { ackError, CodedError, formatIssues, type Ack, type Validator } from '../../../protocol/index.js';

/** What an acked handler needs to know about one message. */
export interface AckedHandlerOptions<S extends TSchema> {
  /** Event name, for logs. */
  name: string;
  validator: Validator<S>;
  log: FastifyBaseLogger;
  /**
   * Checked before the schema (so a refused flood costs no validation): rate limits, the hello
   * handshake. A refusal here is answered like a thrown CodedError.
   */
  admit?: () => CodedError | undefined;
  /**
   * Takes a schema-valid message; calls `done` once it is committed (or refused). May call it at
   * once or later; may throw CodedError to refuse synchronously.
   */
  accept: (msg: Static<S>, done: (ack: Ack) => void) => void;
}

/**
 * Wraps a socket.io listener so that whatever the peer sends (no payload, a string, extra arguments,
 * no ack callback) the listener never throws, always answers an {@link Ack} when it can, and passes
 * on only schema-valid messages.
 */
export function ackedHandler<S extends TSchema>(opts: AckedHandlerOptions<S>): (...args: unknown[]) => void {
  const reply = (ack: ((res: Ack) => void) | undefined, res: Ack): void => {
    if (!res.ok) {
      // A flood is refused message by message: one warning per refusal would be a flood of its own.
      const level = res.error.code === 'RATE_LIMITED' ? 'debug' : 'warn';
      opts.log[level]({ event: opts.name, code: res.error.code, reason: res.error.message }, 'edge message refused');
    }
    if (!ack) return;
    try {
      ack(res);
    } catch (err) {
      // socket.io ack callbacks only write to the connection; a throw here means the socket is gone.
      opts.log.debug({ err, event: opts.name }, 'could not send ack');
    }
  };
  return (...args: unknown[]) => {
    const last = args.at(-1);
    const ack = typeof last === 'function' ? (last as (res: Ack) => void) : undefined;
    const payload = ack && args.length === 1 ? undefined : args[0];
    try {
      const refused = opts.admit?.();
      if (refused) return reply(ack, ackError(refused.code, refused.message));
      const checked = opts.validator.check(payload);
      if (!checked.ok) return reply(ack, ackError('BAD_MESSAGE', formatIssues(checked.issues)));
      opts.accept(checked.value, (res) => reply(ack, res));
    } catch (err) {
      if (err instanceof CodedError) return reply(ack, ackError(err.code, err.message));
      opts.log.error({ err, event: opts.name }, 'edge message handler failed');
      reply(ack, ackError('INTERNAL', 'internal error'));
    }
  };
}
