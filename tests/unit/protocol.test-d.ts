import { describe, expectTypeOf, it } from 'vitest';
import type { Static } from 'typebox';
import type { Ack, EdgeToCloudEvents, EventMessage, CloudToViewerEvents, EventItem } from '../../protocol/index.js';
import type { EventMessage as EventMessageSchema } from '../../protocol/edge-messages.js';

describe('protocol types come from the schemas', () => {
  it('socket.io maps carry the Static<> types', () => {
    expectTypeOf<Parameters<EdgeToCloudEvents['event']>[0]>().toEqualTypeOf<Static<typeof EventMessageSchema>>();
    expectTypeOf<Parameters<EdgeToCloudEvents['event']>[1]>().toEqualTypeOf<(res: Ack) => void>();
    expectTypeOf<Parameters<CloudToViewerEvents['event']>[0]>().toEqualTypeOf<EventItem>();
  });

  it('an ack is a discriminated union on ok', () => {
    const a = {} as Ack;
    if (!a.ok) expectTypeOf(a.error.code).toEqualTypeOf<'BAD_MESSAGE' | 'BAD_REQUEST' | 'UNAUTHORIZED' | 'FORBIDDEN' | 'NOT_FOUND' | 'CONFLICT' | 'EVIDENCE_MISMATCH' | 'PAYLOAD_TOO_LARGE' | 'RATE_LIMITED' | 'NOT_READY' | 'INTERNAL'>();
    expectTypeOf<EventMessage['phase']>().toEqualTypeOf<'start' | 'update' | 'end'>();
  });
});
