import Type from 'typebox';
import { CodedError, compileValidator, EpochMs, EventId } from '../../../protocol/index.js';
import type { EventPosition } from '../db/events-repo.js';

const CursorTuple = Type.Tuple([EpochMs, EventId]);
const cursorValidator = compileValidator(CursorTuple);

/** Encodes a listing position as an opaque, URL-safe cursor. */
export function encodeCursor(pos: EventPosition): string {
  return Buffer.from(JSON.stringify([pos.startedAt, pos.id]), 'utf8').toString('base64url');
}

/**
 * Decodes a cursor made by {@link encodeCursor}.
 * @throws CodedError BAD_REQUEST for anything else
 */
export function decodeCursor(cursor: string): EventPosition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    // Not JSON after decoding: the same answer as any other foreign cursor, below.
    parsed = undefined;
  }
  const checked = cursorValidator.check(parsed);
  if (!checked.ok) throw new CodedError('BAD_REQUEST', 'invalid cursor; pass nextCursor from a previous page unchanged');
  const [startedAt, id] = checked.value;
  return { startedAt, id };
}
