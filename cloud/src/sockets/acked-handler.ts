import type { FastifyBaseLogger } from 'fastify';
import type { TSchema, Static } from 'typebox';
import { ackError, ackOk, CodedError, formatIssues, type Ack, type Validator } from '../../../protocol/index.js';

/** What an acked handler needs to know about one message. */
export interface AckedHandlerOptions<S extends TSchema> {
  /** Event name, for logs. */
  name: string;
  validator: Validator<S>;
  log: FastifyBaseLogger;
  /** Checked after the schema; a refusal here is answered like a thrown CodedError. */
  precondition?: () => CodedError | undefined;
  /** Applies the message; returns when its change is committed; throws CodedError to refuse. */
  apply: (msg: Static<S>) => void;
}

/**
 * Wraps a socket.io listener so that whatever the peer sends (no payload, a string, extra arguments,
 * no ack callback) the listener never throws, always answers an {@link Ack} when it can, and applies
 * only schema-valid messages.
 */
export function ackedHandler<S extends TSchema>(opts: AckedHandlerOptions<S>): (...args: unknown[]) => void {
  return (...args: unknown[]) => {
    const last = args.at(-1);
    const ack = typeof last === 'function' ? (last as (res: Ack) => void) : undefined;
    const payload = ack && args.length === 1 ? undefined : args[0];
    const res = answer(opts, payload);
    if (!res.ok) opts.log.warn({ event: opts.name, code: res.error.code, reason: res.error.message }, 'edge message refused');
    if (!ack) return;
    try {
      ack(res);
    } catch (err) {
      // socket.io ack callbacks only write to the connection; a throw here means the socket is gone.
      opts.log.debug({ err, event: opts.name }, 'could not send ack');
    }
  };
}

function answer<S extends TSchema>(opts: AckedHandlerOptions<S>, payload: unknown): Ack {
  try {
    const checked = opts.validator.check(payload);
    if (!checked.ok) return ackError('BAD_MESSAGE', formatIssues(checked.issues));
    const refused = opts.precondition?.();
    if (refused) return ackError(refused.code, refused.message);
    opts.apply(checked.value);
    return ackOk();
  } catch (err) {
    if (err instanceof CodedError) return ackError(err.code, err.message);
    opts.log.error({ err, event: opts.name }, 'edge message handler failed');
    return ackError('INTERNAL', 'internal error');
  }
}
