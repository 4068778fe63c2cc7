import { describe, expect, it } from 'vitest';
import { v7 as uuidv7, v4 as uuidv4 } from 'uuid';
import { Ack, EdgeHello, EventMessage, Heartbeat, compileValidator, formatIssues } from '../../protocol/index.js';

const event = (): EventMessage => ({
  id: uuidv7(),
  seq: 0,
  phase: 'start',
  edgeId: 'edge-1',
  cameraId: 'cam-1',
  ruleId: 'person-present',
  type: 'presence',
  severity: 2,
  label: 'person',
  topScore: 0.91,
  startedAt: 1_700_000_000_000,
  at: 1_700_000_000_000,
  detections: [{ label: 'person', score: 0.91, box: { x: 0.1, y: 0.2, w: 0.3, h: 0.4 }, trackId: 3 }],
  snapshot: { sha256: 'f'.repeat(64), contentType: 'image/jpeg', size: 1000, width: 768, height: 432 },
});

describe('protocol schemas', () => {
  const checkEvent = compileValidator(EventMessage);

  it('accepts a well-formed event', () => {
    expect(checkEvent.check(event())).toEqual({ ok: true, value: expect.any(Object) });
  });

  it.each([
    ['a UUIDv4 id', { id: uuidv4() }, '/id'],
    ['an unknown phase', { phase: 'begin' }, '/phase'],
    ['a box outside the image', { detections: [{ label: 'person', score: 0.5, box: { x: 1.2, y: 0, w: 0.1, h: 0.1 } }] }, '/detections/0/box/x'],
    ['a score above 1', { topScore: 1.5 }, '/topScore'],
    ['an extra key', { hacked: true }, ''],
    ['a camera id with a slash', { cameraId: '../etc' }, '/cameraId'],
    ['a negative seq', { seq: -1 }, '/seq'],
    ['an attribute key outside the name pattern', { attributes: JSON.parse('{"__proto__": 1}') as Record<string, number> }, '/attributes'],
  ])('refuses %s and names the path', (_name, patch, path) => {
    const res = checkEvent.check({ ...event(), ...patch });
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.issues.map((i) => i.path)).toContain(path);
  });

  it('formats issues with their paths', () => {
    const res = checkEvent.check({ ...event(), severity: 7 });
    expect(res.ok).toBe(false);
    if (!res.ok) expect(formatIssues(res.issues)).toMatch(/^\/severity: /);
  });

  it('checks hello, heartbeat and acks', () => {
    expect(compileValidator(EdgeHello).check({ edgeId: 'e', version: '1', cameras: [{ id: 'c', name: 'C', rules: [] }] }).ok).toBe(true);
    expect(compileValidator(Heartbeat).check({ edgeId: 'e', at: 1, cameras: [], backlog: -1 }).ok).toBe(false);
    const ack = compileValidator(Ack);
    expect(ack.check({ ok: true }).ok).toBe(true);
    expect(ack.check({ ok: false, error: { code: 'BAD_MESSAGE', message: 'x' } }).ok).toBe(true);
    expect(ack.check({ ok: false, error: { code: 'NO_SUCH_CODE', message: 'x' } }).ok).toBe(false);
  });
});
