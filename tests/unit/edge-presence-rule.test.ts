import { describe, expect, it } from 'vitest';
import { PresenceRule } from '../../edge/src/rules/index.js';
import type { Detection } from '../../protocol/index.js';
import type { Detections, Frame } from '../../edge/src/types.js';
import type { PresenceRuleConfig } from '../../edge/src/config.js';

const cfg: PresenceRuleConfig = {
  id: 'person-present',
  type: 'presence',
  classes: ['person'],
  minScore: 0.5,
  enterFrames: 3,
  exitFrames: 2,
  updateIntervalMs: 0,
  maxDurationMs: 60_000,
  severity: 2,
};

const person = (score: number): Detection => ({ label: 'person', score, box: { x: 0.1, y: 0.1, w: 0.2, h: 0.5 } });
const car: Detection = { label: 'car', score: 0.9, box: { x: 0.5, y: 0.5, w: 0.3, h: 0.2 } };

function step(rule: PresenceRule, seq: number, items: Detection[]) {
  const frame: Frame = { cameraId: 'cam', seq, capturedAt: 1000 + seq * 200, width: 4, height: 4, data: Buffer.alloc(48) };
  const d: Detections = { cameraId: 'cam', frameSeq: seq, capturedAt: frame.capturedAt, modelId: 'm', items, inferenceMs: 1 };
  return rule.process(d, frame);
}

describe('presence rule', () => {
  it('opens after enterFrames consecutive matches, updates on a better detection, ends after exitFrames misses', () => {
    const rule = new PresenceRule('cam', cfg);
    expect(step(rule, 0, [person(0.6)])).toEqual([]);
    expect(step(rule, 1, [person(0.6), car])).toEqual([]);
    const [start] = step(rule, 2, [person(0.7)]);
    expect(start?.message).toMatchObject({ phase: 'start', seq: 0, label: 'person', topScore: 0.7, cameraId: 'cam', ruleId: 'person-present' });
    expect(start?.snapshotFrame?.seq).toBe(2);
    expect(start?.message.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);

    expect(step(rule, 3, [person(0.65)])).toEqual([]); // not better: no update
    const [update] = step(rule, 4, [person(0.9), person(0.55)]);
    expect(update?.message).toMatchObject({ phase: 'update', seq: 1, topScore: 0.9, id: start?.message.id });
    expect(update?.message.detections).toHaveLength(2);
    expect(update?.snapshotFrame?.seq).toBe(4);

    expect(step(rule, 5, [car])).toEqual([]);
    const [end] = step(rule, 6, []);
    expect(end?.message).toMatchObject({ phase: 'end', seq: 2, endReason: 'absent', topScore: 0.9, endedAt: 1000 + 6 * 200 });
    expect(end?.snapshotFrame).toBeUndefined();
  });

  it('ignores low scores and other classes, and a gap resets the entry count', () => {
    const rule = new PresenceRule('cam', cfg);
    expect(step(rule, 0, [person(0.4), car])).toEqual([]);
    expect(step(rule, 1, [person(0.8)])).toEqual([]);
    expect(step(rule, 2, [person(0.8)])).toEqual([]);
    expect(step(rule, 3, [])).toEqual([]);
    expect(step(rule, 4, [person(0.8)])).toEqual([]);
    expect(step(rule, 5, [person(0.8)])).toEqual([]);
    expect(step(rule, 6, [person(0.8)])[0]?.message.phase).toBe('start');
  });

  it('sends a better frame found after the last update with the end, and flush ends open events', () => {
    const rule = new PresenceRule('cam', { ...cfg, updateIntervalMs: 10_000 });
    step(rule, 0, [person(0.6)]);
    step(rule, 1, [person(0.6)]);
    const [start] = step(rule, 2, [person(0.6)]);
    expect(step(rule, 3, [person(0.95)])).toEqual([]); // throttled
    const [end] = rule.flush('edge_stopped', 5000);
    expect(end?.message).toMatchObject({ id: start?.message.id, phase: 'end', endReason: 'edge_stopped', topScore: 0.95 });
    expect(end?.snapshotFrame?.seq).toBe(3);
    expect(rule.flush('again', 6000)).toEqual([]);
  });

  it('ends an event at maxDurationMs and starts a new one while the object stays', () => {
    const rule = new PresenceRule('cam', { ...cfg, maxDurationMs: 1000 });
    for (let i = 0; i < 3; i++) step(rule, i, [person(0.8)]);
    const hits = [];
    for (let i = 3; i < 12; i++) hits.push(...step(rule, i, [person(0.8)]));
    const phases = hits.map((h) => h.message.phase);
    expect(phases).toContain('end');
    expect(hits.find((h) => h.message.phase === 'end')?.message.endReason).toBe('max_duration');
    expect(phases.filter((p) => p === 'start')).toHaveLength(1);
  });
});
