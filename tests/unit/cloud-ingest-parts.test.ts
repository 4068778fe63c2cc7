import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { boundedValidator } from '../../cloud/src/ingest/bounded-validator.js';
import { IngestBatcher, type IngestJob } from '../../cloud/src/ingest/ingest-batcher.js';
import { EdgeRateLimiter } from '../../cloud/src/ingest/rate-limiter.js';
import { CodedError, EventMessage, type Ack } from '../../protocol/index.js';

const event = (): EventMessage => ({
  id: uuidv7(),
  seq: 0,
  phase: 'start',
  edgeId: 'edge-1',
  cameraId: 'cam-1',
  ruleId: 'r',
  type: 'presence',
  severity: 2,
  label: 'person',
  topScore: 0.9,
  startedAt: 1,
  at: 1,
  detections: [{ label: 'person', score: 0.9, box: { x: 0.1, y: 0.1, w: 0.2, h: 0.2 } }],
});

describe('bounded validator', () => {
  const check = boundedValidator(EventMessage);

  it('accepts a valid message and names the paths of an invalid one', () => {
    expect(check.check(event()).ok).toBe(true);
    const res = check.check({ ...event(), topScore: 2 });
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.issues.map((i) => i.path)).toContain('/topScore');
  });

  it('refuses a hostile 100 000-item array or 50 000-key object by its size, without visiting its items', () => {
    const hugeArray = { ...event(), detections: Array.from({ length: 100_000 }, () => ({ label: 5 })) };
    const hugeAttributes = { ...event(), attributes: Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`k${i}`, i])) };
    const hugeObject = { ...Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`x${i}`, i])), ...event() };
    for (const [what, value, message] of [
      ['array', hugeArray, /^\/detections must have at most 200 items, has 100000$/],
      ['record', hugeAttributes, /^\/attributes must have at most 16 keys, has 50000$/],
      ['object', hugeObject, new RegExp(`^ has ${50_000 + Object.keys(event()).length} keys, only ${Object.keys(EventMessage.properties).length} are defined$`)],
    ] as const) {
      const res = check.check(value);
      expect(res.ok, what).toBe(false);
      // The size message is the pre-check's: the per-item errors (100 000 of them) were never listed.
      if (!res.ok) expect(res.issues.map((i) => `${i.path} ${i.message}`), what).toEqual([expect.stringMatching(message)]);
    }
  });

  it('refuses prototype-pollution keys as unknown keys without touching any prototype', () => {
    const parsed: unknown = JSON.parse(`{"__proto__": {"polluted": true}, ${JSON.stringify(event()).slice(1)}`);
    const res = check.check(parsed);
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.issues).toContainEqual({ path: '', message: 'unknown key(s): __proto__' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses record keys outside the protocol\'s name pattern, which plain JSON Schema would let through', () => {
    for (const attributes of [JSON.parse('{"__proto__": {"polluted": true}}') as unknown, { _hidden: 1 }, { 'with space': 1 }]) {
      const res = check.check({ ...event(), attributes });
      expect(res.ok, JSON.stringify(attributes)).toBe(false);
      // Refused by the protocol schema itself (additionalProperties: false) or by the ingest's key check.
      if (!res.ok) expect(res.issues[0]).toMatchObject({ path: expect.stringMatching(/^\/attributes/), message: expect.stringMatching(/is not an allowed (name|key)/) });
    }
    expect(check.check({ ...event(), attributes: { direction: 'in', count: 3, dwell_ms: 1500, crowded: true } }).ok).toBe(true);
  });
});

describe('per-edge rate limiter', () => {
  it('allows a burst, then the sustained rate, per edge', () => {
    const limiter = new EdgeRateLimiter({ perSecond: 10, burst: 5 });
    const taken = Array.from({ length: 8 }, () => limiter.take('a', 1000));
    expect(taken).toEqual([true, true, true, true, true, false, false, false]);
    expect(limiter.take('b', 1000)).toBe(true); // another edge has its own bucket
    expect(limiter.take('a', 1100)).toBe(true); // 100 ms at 10/s = one token
    expect(limiter.take('a', 1100)).toBe(false);
    expect(limiter.take('a', 10_000)).toBe(true);
    expect([1, 2, 3, 4, 5].map(() => limiter.take('a', 10_000))).toEqual([true, true, true, true, false]);
  });
});

describe('ingest batcher', () => {
  const log = pino({ level: 'silent' });

  function harness(opts: { failOnce?: boolean; revoked?: string[] } = {}) {
    const committed: string[][] = [];
    let failures = opts.failOnce ? 1 : 0;
    const batcher = new IngestBatcher({
      transaction: <T>(fn: () => T): T => {
        const pending: string[] = [];
        current = pending;
        const result = fn();
        current = undefined;
        if (failures > 0 && pending.length > 1) {
          failures -= 1;
          throw new Error('disk full');
        }
        committed.push(pending);
        return result;
      },
      isEdgeActive: (edgeId) => !(opts.revoked ?? []).includes(edgeId),
      maxBatch: 3,
      log,
    });
    let current: string[] | undefined;
    const acks: [string, Ack][] = [];
    const job = (name: string, edgeId = 'e', refuse = false): IngestJob => ({
      edgeId,
      apply: () => {
        if (refuse) throw new CodedError('FORBIDDEN', `no ${name}`);
        current?.push(name);
        return undefined;
      },
      done: (ack) => acks.push([name, ack]),
    });
    return { batcher, committed, acks, job };
  }

  const settle = (): Promise<void> => new Promise((r) => setImmediate(() => setImmediate(r)));

  it('commits what arrives in one turn together, in order, at most maxBatch per transaction, acking after commit', async () => {
    const { batcher, committed, acks, job } = harness();
    for (const n of ['a', 'b', 'c', 'd', 'e']) batcher.submit(job(n));
    expect(acks).toEqual([]); // nothing acknowledged before a commit
    await settle();
    expect(committed).toEqual([['a', 'b', 'c'], ['d', 'e']]);
    expect(acks.map(([n, a]) => `${n}:${a.ok}`)).toEqual(['a:true', 'b:true', 'c:true', 'd:true', 'e:true']);
  });

  it('refuses one job with its code without failing the others, and refuses a revoked edge', async () => {
    const { batcher, committed, acks, job } = harness({ revoked: ['gone'] });
    batcher.submit(job('a'));
    batcher.submit(job('b', 'e', true));
    batcher.submit(job('c', 'gone'));
    await settle();
    expect(committed).toEqual([['a']]);
    expect(acks).toEqual([
      ['a', { ok: true }],
      ['b', { ok: false, error: { code: 'FORBIDDEN', message: 'no b' } }],
      ['c', { ok: false, error: { code: 'UNAUTHORIZED', message: 'edge revoked' } }],
    ]);
  });

  it('retries a failed batch job by job, and refuses everything after close once the queue is flushed', async () => {
    const { batcher, committed, acks, job } = harness({ failOnce: true });
    batcher.submit(job('a'));
    batcher.submit(job('b'));
    await settle();
    expect(committed).toEqual([['a'], ['b']]);
    expect(acks.map(([, a]) => a.ok)).toEqual([true, true]);
    batcher.submit(job('c'));
    batcher.close(); // flushes c synchronously
    expect(committed.at(-1)).toEqual(['c']);
    batcher.submit(job('d'));
    expect(acks.at(-1)).toEqual(['d', { ok: false, error: { code: 'INTERNAL', message: 'the cloud is shutting down; retry later' } }]);
  });
});
