import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../common/config-loader.js';
import { EventMessage, type Detection } from '../../protocol/index.js';
import { compileValidator } from '../../protocol/validate.js';
import { CameraRulesConfig, createRuleEngine, planCameraRules, type RuleEngine, type RuleHit } from '../../edge/src/rules/index.js';
import type { Frame, Track } from '../../edge/src/types.js';

// Rule logic on synthetic tracks: every frame is 200 ms apart (5 fps), tracks are built by hand so
// each test says exactly what the tracker saw.
const T0 = Date.parse('2024-03-04T02:00:00Z'); // Monday 10:00 in Shanghai
const STEP = 200;
const LABELS = new Map<string, readonly string[]>([
  ['coco', ['person', 'car', 'truck', 'bus', 'cell phone', 'dog']],
  ['helmet', ['helmet', 'head']],
  ['mask', ['mask', 'no_mask']],
  ['fire', ['small_flame', 'smoke']],
]);
const checkMessage = compileValidator(EventMessage);

function engineFor(doc: Record<string, unknown>): RuleEngine {
  const cam = parseConfig(CameraRulesConfig, { id: 'cam', models: ['coco', 'helmet', 'mask', 'fire'], ...doc }, 'test');
  return createRuleEngine(planCameraRules(cam, LABELS));
}

interface T {
  id: number;
  label?: string;
  box: Detection['box'];
  score?: number;
  state?: Track['state'];
}

/** Box of a person standing with feet at (x, y). */
const feet = (x: number, y: number, h = 0.3): Detection['box'] => ({ x: x - 0.05, y: y - h, w: 0.1, h });

class Clip {
  seq = 0;
  readonly hits: RuleHit[] = [];
  constructor(readonly engine: RuleEngine) {}

  get at(): number {
    return T0 + this.seq * STEP;
  }

  /** One analysed frame with these tracks (matched unless state says lost) and extra detections. */
  frame(tracks: T[], extra: Detection[] = [], at = this.at): RuleHit[] {
    const frame: Frame = { cameraId: 'cam', seq: this.seq, capturedAt: at, width: 640, height: 480, data: Buffer.alloc(0) };
    const items: Track[] = tracks.map((t) => ({
      id: t.id,
      label: t.label ?? 'person',
      state: t.state ?? 'confirmed',
      box: t.box,
      score: t.score ?? 0.9,
      recentScores: [t.score ?? 0.9],
      age: 1,
      hits: 1,
      lostFrames: t.state === 'lost' ? 1 : 0,
      firstSeenAt: T0,
      lastSeenAt: at,
    }));
    const dets: Detection[] = [
      ...items.filter((t) => t.state !== 'lost').map((t) => ({ label: t.label, score: t.score, box: t.box, trackId: t.id })),
      ...extra,
    ];
    const out = this.engine.process({
      frame,
      detections: { cameraId: 'cam', frameSeq: this.seq, capturedAt: at, modelId: 'm', items: dets, inferenceMs: 1 },
      tracks: { cameraId: 'cam', frameSeq: this.seq, capturedAt: at, items },
    });
    this.seq += 1;
    for (const h of out) {
      const checked = checkMessage.check({ ...h.message, edgeId: 'edge' });
      if (!checked.ok) throw new Error(`invalid message: ${JSON.stringify(checked.issues)}`);
    }
    this.hits.push(...out);
    return out;
  }

  frames(n: number, tracks: T[] | ((i: number) => T[]), extra: Detection[] = []): RuleHit[] {
    const out: RuleHit[] = [];
    for (let i = 0; i < n; i++) out.push(...this.frame(typeof tracks === 'function' ? tracks(i) : tracks, extra));
    return out;
  }
}

const phases = (hits: readonly RuleHit[]) => hits.map((h) => `${h.message.ruleId}:${h.message.phase}`);
const zone = (id: string, x0: number, y0: number, x1: number, y1: number, tags: string[] = []) => ({
  id,
  tags,
  points: [
    [x0, y0],
    [x1, y0],
    [x1, y1],
    [x0, y1],
  ],
});

describe('intrusion', () => {
  const doc = { zones: [zone('yard', 0.5, 0.5, 1, 0.92)], rules: [{ id: 'in', type: 'intrusion', zones: ['yard'], cooldownMs: 5000, clearFrames: 2 }] };

  it('starts after confirmFrames in the zone (by the feet), carries name, GB alarm, zone and track; ends left_zone', () => {
    const clip = new Clip(engineFor(doc));
    // Head in the zone, feet outside: not an intruder.
    expect(clip.frames(4, [{ id: 7, box: { x: 0.6, y: 0.6, w: 0.1, h: 0.37 } }])).toEqual([]);
    expect(clip.frames(2, [{ id: 7, box: feet(0.7, 0.8) }])).toEqual([]);
    const [start] = clip.frame([{ id: 7, box: feet(0.7, 0.8), score: 0.8 }]);
    expect(start?.message).toMatchObject({
      phase: 'start',
      seq: 0,
      type: 'intrusion',
      ruleId: 'in',
      severity: 1,
      label: 'person',
      zoneId: 'yard',
      trackIds: [7],
      name: { zh: '区域入侵', en: 'Intrusion' },
      gbAlarm: { method: 5, type: 6 },
    });
    expect(start?.snapshotFrame?.seq).toBe(6);
    expect(start?.clipRange?.startAt).toBe(T0 + 4 * STEP);
    expect(start?.overlay?.zones).toEqual([expect.objectContaining({ id: 'yard', highlight: true })]);
    expect(clip.frame([{ id: 7, box: feet(0.3, 0.8) }])).toEqual([]);
    const [end] = clip.frame([{ id: 7, box: feet(0.3, 0.8) }]);
    expect(end?.message).toMatchObject({ phase: 'end', seq: 1, id: start?.message.id, endReason: 'left_zone', endedAt: clip.at - STEP });
    expect(end?.clipRange).toEqual({ startAt: T0 + 4 * STEP, endAt: clip.at - STEP });
  });

  it('keeps one event per track, applies the cooldown per (rule, track), and ends track_lost', () => {
    const clip = new Clip(engineFor(doc));
    const starts = clip.frames(3, [
      { id: 1, box: feet(0.6, 0.9) },
      { id: 2, box: feet(0.8, 0.9) },
    ]);
    expect(phases(starts)).toEqual(['in:start', 'in:start']);
    expect(starts.map((h) => h.message.trackIds)).toEqual([[1], [2]]);
    // Track 1 is gone from the tracker; track 2 steps out.
    const ends = clip.frames(2, [{ id: 2, box: feet(0.2, 0.9) }]);
    expect(ends.map((h) => [h.message.trackIds, h.message.endReason])).toEqual([
      [[1], 'track_lost'],
      [[2], 'left_zone'],
    ]);
    // Track 2 comes back within the 5 s cooldown: no event; a new track 3 is not in cooldown.
    expect(phases(clip.frames(5, [{ id: 2, box: feet(0.8, 0.9) }, { id: 3, box: feet(0.9, 0.9) }]))).toEqual(['in:start']);
    clip.frames(25, [{ id: 2, box: feet(0.8, 0.9) }, { id: 3, box: feet(0.9, 0.9) }]);
    // Past the cooldown track 2, still there, gets its event.
    expect(clip.hits.filter((h) => h.message.phase === 'start' && h.message.trackIds?.[0] === 2)).toHaveLength(2);
  });

  it('tolerates a gap shorter than clearFrames during confirmation and lets a lost track end the event', () => {
    const clip = new Clip(engineFor({ ...doc, rules: [{ ...doc.rules[0], clearFrames: 3 }] }));
    clip.frames(2, [{ id: 1, box: feet(0.7, 0.9) }]);
    clip.frames(2, []); // missed twice: fewer than clearFrames
    expect(phases(clip.frame([{ id: 1, box: feet(0.7, 0.9) }]))).toEqual(['in:start']);
    const ends = clip.frames(3, [{ id: 1, box: feet(0.7, 0.9), state: 'lost' }]);
    expect(ends.map((h) => h.message.endReason)).toEqual(['track_lost']);
  });

  it('is armed only inside its schedule and ends open events when the window closes', () => {
    const scheduled = { ...doc.rules[0], schedule: { timezone: 'Asia/Shanghai', windows: [{ days: [1], start: '09:00', end: '10:00' }] } };
    const clip = new Clip(engineFor({ ...doc, rules: [scheduled] }));
    // 09:59:59.2 local: armed; the start happens on the third frame at 09:59:59.6.
    clip.seq = 0;
    const before = T0 - 800;
    const hits = [0, 1, 2].flatMap((i) => clip.frame([{ id: 1, box: feet(0.7, 0.9) }], [], before + i * STEP));
    expect(phases(hits)).toEqual(['in:start']);
    const [end] = clip.frame([{ id: 1, box: feet(0.7, 0.9) }], [], T0); // 10:00: disarmed
    expect(end?.message).toMatchObject({ phase: 'end', endReason: 'schedule_end' });
    expect(clip.frames(10, [{ id: 1, box: feet(0.7, 0.9) }])).toEqual([]);
  });

  it('ignores objects under a mask', () => {
    const masked = { ...doc, masks: [{ points: zone('m', 0.6, 0.4, 0.8, 0.9).points, classes: ['person'] }] };
    const clip = new Clip(engineFor(masked));
    expect(clip.frames(5, [{ id: 1, box: feet(0.7, 0.8) }])).toEqual([]);
    expect(phases(clip.frames(3, [{ id: 1, box: feet(0.9, 0.8) }]))).toEqual(['in:start']);
  });
});

describe('event lifecycle', () => {
  it('sends an update with a new snapshot when a better detection is seen, at most once per interval', () => {
    const clip = new Clip(engineFor({ rules: [{ id: 'fire', type: 'class_present', classes: ['small_flame'], updateIntervalMs: 1000 }] }));
    const flame = (score: number): Detection => ({ label: 'small_flame', score, box: { x: 0.1, y: 0.1, w: 0.2, h: 0.2 } });
    expect(phases(clip.frames(3, [], [flame(0.5)]))).toEqual(['fire:start']);
    expect(clip.frame([], [flame(0.7)])).toEqual([]); // better, but within the interval
    clip.frames(3, [], [flame(0.6)]);
    const [update] = clip.frame([], [flame(0.6)]);
    expect(update?.message).toMatchObject({ phase: 'update', seq: 1, topScore: 0.7, name: { zh: '明火', en: 'Fire' }, severity: 1 });
    expect(update?.snapshotFrame?.seq).toBe(3);
    expect(update?.message.gbAlarm).toBeUndefined();
    expect(update?.message.attributes).toEqual({ count: 1 });
  });

  it('ends after maxDurationMs and starts a fresh event at once while the condition holds', () => {
    const clip = new Clip(engineFor({ rules: [{ id: 'fire', type: 'class_present', classes: ['small_flame'], maxDurationMs: 1000 }] }));
    const flame: Detection = { label: 'small_flame', score: 0.8, box: { x: 0.1, y: 0.1, w: 0.2, h: 0.2 } };
    clip.frames(13, [], [flame]);
    const ids = new Set(clip.hits.map((h) => h.message.id));
    expect(phases(clip.hits)).toEqual(['fire:start', 'fire:end', 'fire:start', 'fire:end', 'fire:start']);
    expect(clip.hits[1]?.message.endReason).toBe('max_duration');
    expect(ids.size).toBe(3);
  });

  it('needs confirmFrames frames: two frames of a flame and then none raise nothing; flush ends open events', () => {
    const engine = engineFor({ rules: [{ id: 'fire', type: 'class_present', classes: ['small_flame'] }] });
    const clip = new Clip(engine);
    const flame: Detection = { label: 'small_flame', score: 0.8, box: { x: 0.1, y: 0.1, w: 0.2, h: 0.2 } };
    clip.frames(2, [], [flame]);
    clip.frames(6, []);
    clip.frames(2, [], [flame]);
    expect(clip.hits).toEqual([]);
    clip.frame([], [flame]);
    const [end] = engine.flush('edge_stopped', clip.at);
    expect(end?.message).toMatchObject({ phase: 'end', endReason: 'edge_stopped', seq: 1 });
    expect(engine.flush('edge_stopped', clip.at)).toEqual([]);
  });

  it('runs a legacy presence rule as class_present with its own type', () => {
    const clip = new Clip(engineFor({ rules: [{ id: 'p', type: 'presence', classes: ['dog'], enterFrames: 2, exitFrames: 2 }] }));
    const dog: Detection = { label: 'dog', score: 0.9, box: { x: 0.1, y: 0.1, w: 0.2, h: 0.2 } };
    clip.frames(2, [], [dog]);
    clip.frames(2, []);
    expect(clip.hits.map((h) => [h.message.type, h.message.phase, h.message.endReason])).toEqual([
      ['presence', 'start', undefined],
      ['presence', 'end', 'cleared'],
    ]);
  });
});

describe('loitering', () => {
  it('raises an event once a track has stayed dwellMs in the zone, with its dwell time', () => {
    const clip = new Clip(
      engineFor({ zones: [zone('gate', 0, 0, 0.5, 1)], rules: [{ id: 'loiter', type: 'loitering', zones: ['gate'], dwellMs: 3000 }] }),
    );
    // Walks through in 2 s: no event. Track 2 stays 4 s, with a lost spell that keeps its clock.
    clip.frames(10, (i) => [{ id: 1, box: feet(0.05 * i, 0.9) }]);
    clip.frames(5, [{ id: 2, box: feet(0.2, 0.9) }]);
    clip.frames(8, [{ id: 2, box: feet(0.2, 0.9), state: 'lost' }]);
    expect(clip.hits).toEqual([]);
    const [start] = clip.frames(3, [{ id: 2, box: feet(0.25, 0.9) }]);
    expect(start?.message).toMatchObject({ phase: 'start', type: 'loitering', trackIds: [2], zoneId: 'gate', gbAlarm: { method: 5, type: 8 } });
    expect(start?.message.attributes?.dwellS).toBeGreaterThanOrEqual(3);
    expect(start?.clipRange?.startAt).toBe(T0 + 10 * STEP);
  });
});

describe('crowd', () => {
  it('raises an event for minCount people held dwellMs, updates on a bigger crowd, ends dispersed', () => {
    const clip = new Clip(
      engineFor({
        zones: [zone('square', 0, 0, 1, 1)],
        rules: [{ id: 'crowd', type: 'crowd', zones: ['square'], minCount: 3, dwellMs: 1000, updateIntervalMs: 0, clearFrames: 2 }],
      }),
    );
    const people = (n: number) => Array.from({ length: n }, (_, i) => ({ id: i + 1, box: feet(0.1 + i * 0.1, 0.9) }));
    clip.frames(10, people(2));
    expect(clip.hits).toEqual([]);
    clip.frames(5, people(3));
    const [start] = clip.frame(people(3));
    expect(start?.message).toMatchObject({ phase: 'start', attributes: { count: 3, maxCount: 3, minCount: 3 }, gbAlarm: { method: 5, type: 10 } });
    const [update] = clip.frame(people(5));
    expect(update?.message).toMatchObject({ phase: 'update', attributes: { count: 5, maxCount: 5 }, trackIds: [1, 2, 3, 4, 5] });
    expect(update?.snapshotDetections).toHaveLength(5);
    const [end] = clip.frames(2, people(1));
    expect(end?.message).toMatchObject({ phase: 'end', endReason: 'dispersed' });
  });
});

describe('line crossing', () => {
  // A vertical line at x = 0.5 from top to near the bottom, drawn downwards: side A (left of a→b on
  // screen) is the right half of the picture, side B the left half.
  const doc = {
    lines: [{ id: 'door', a: [0.5, 0.1], b: [0.5, 0.9] }],
    rules: [{ id: 'cross', type: 'line_crossing', line: 'door', cooldownMs: 0 }],
  };
  const walk = (id: number, from: number, to: number, y = 0.8, frames = 10) => (i: number) => [{ id, box: feet(from + ((to - from) * i) / (frames - 1), y) }];

  it('counts crossings in both directions and raises an instant event with direction and counts', () => {
    const engine = engineFor(doc);
    const clip = new Clip(engine);
    clip.frames(10, walk(1, 0.8, 0.2)); // A → B
    clip.frames(10, walk(2, 0.2, 0.8)); // B → A
    clip.frames(10, walk(3, 0.9, 0.1)); // A → B
    expect(engine.counters()).toEqual({ cross: { countAtoB: 2, countBtoA: 1 } });
    expect(phases(clip.hits)).toEqual(['cross:start', 'cross:end', 'cross:start', 'cross:end', 'cross:start', 'cross:end']);
    expect(clip.hits.map((h) => h.message.attributes)).toEqual([
      { direction: 'a_to_b', countAtoB: 1, countBtoA: 0 },
      { direction: 'a_to_b', countAtoB: 1, countBtoA: 0 },
      { direction: 'b_to_a', countAtoB: 1, countBtoA: 1 },
      { direction: 'b_to_a', countAtoB: 1, countBtoA: 1 },
      { direction: 'a_to_b', countAtoB: 2, countBtoA: 1 },
      { direction: 'a_to_b', countAtoB: 2, countBtoA: 1 },
    ]);
    expect(clip.hits[1]?.message).toMatchObject({ endReason: 'crossed', gbAlarm: { method: 5, type: 5 }, name: { en: 'Line crossing' } });
    expect(clip.hits[0]?.overlay?.lines).toEqual([expect.objectContaining({ id: 'door', direction: 'both' })]);
  });

  it('raises events for the configured direction only, but counts both', () => {
    const engine = engineFor({ ...doc, rules: [{ ...doc.rules[0], direction: 'b_to_a' }] });
    const clip = new Clip(engine);
    clip.frames(10, walk(1, 0.8, 0.2));
    clip.frames(10, walk(2, 0.2, 0.8));
    expect(engine.counters()).toEqual({ cross: { countAtoB: 1, countBtoA: 1 } });
    expect(clip.hits.map((h) => h.message.attributes?.direction)).toEqual(['b_to_a', 'b_to_a']);
  });

  it('ignores jitter on the line, moves beside the segment, and unconfirmed steps across', () => {
    const engine = engineFor(doc);
    const clip = new Clip(engine);
    // Swaying within the dead band around the line.
    clip.frames(10, (i) => [{ id: 1, box: feet(0.5 + (i % 2 === 0 ? 0.005 : -0.005), 0.5) }]);
    // Walking across below the segment's lower end (y = 0.95 > 0.9).
    clip.frames(10, walk(2, 0.8, 0.2, 0.95));
    // One frame across, then back: not confirmed (confirmFrames 2).
    clip.frame([{ id: 3, box: feet(0.6, 0.5) }]);
    clip.frame([{ id: 3, box: feet(0.4, 0.5) }]);
    clip.frames(2, [{ id: 3, box: feet(0.6, 0.5) }]);
    expect(engine.counters()).toEqual({ cross: { countAtoB: 0, countBtoA: 0 } });
    expect(clip.hits).toEqual([]);
  });

  it('applies the cooldown per track to events, not to counts', () => {
    const engine = engineFor({ ...doc, rules: [{ ...doc.rules[0], cooldownMs: 60_000 }] });
    const clip = new Clip(engine);
    clip.frames(10, walk(1, 0.8, 0.2));
    clip.frames(10, walk(1, 0.2, 0.8));
    expect(engine.counters()).toEqual({ cross: { countAtoB: 1, countBtoA: 1 } });
    expect(clip.hits).toHaveLength(2);
  });
});

describe('stationary', () => {
  it('raises illegal parking after dwellMs standing still, ends moved when the car drives off', () => {
    const clip = new Clip(
      engineFor({
        zones: [zone('curb', 0, 0.5, 1, 1)],
        rules: [{ id: 'park', type: 'stationary', zones: ['curb'], dwellMs: 2000, clearFrames: 2 }],
      }),
    );
    const car = (x: number) => [{ id: 4, label: 'car', box: { x, y: 0.6, w: 0.2, h: 0.15 } }];
    // Creeping forward faster than the tolerance: never parked.
    clip.frames(15, (i) => car(0.1 + i * 0.04));
    expect(clip.hits).toEqual([]);
    // Stops, with a little detector jitter.
    clip.frames(10, (i) => car(0.7 + (i % 2) * 0.005));
    const [start] = clip.frame(car(0.7));
    expect(start?.message).toMatchObject({ phase: 'start', type: 'stationary', label: 'car', name: { zh: '违停', en: 'Illegal parking' } });
    expect(start?.message.gbAlarm).toBeUndefined();
    const ends = clip.frames(2, car(0.4));
    expect(ends.map((h) => h.message.endReason)).toEqual(['moved']);
  });
});

describe('missing attribute', () => {
  it('person without a helmet in the head region (generic association) is a violation; with one it is not', () => {
    const clip = new Clip(
      engineFor({ rules: [{ id: 'helmet', type: 'missing_attribute', subject: ['person'], required: ['helmet'], region: { top: 0, bottom: 0.3 } }] }),
    );
    const worker = (id: number, x: number) => ({ id, box: { x, y: 0.2, w: 0.1, h: 0.6 } });
    const helmetOn = (x: number): Detection => ({ label: 'helmet', score: 0.6, box: { x: x + 0.02, y: 0.19, w: 0.06, h: 0.06 } });
    // Worker 1 wears a helmet; worker 2's "helmet" is the one held at hip height.
    const hits = clip.frames(4, [worker(1, 0.1), worker(2, 0.5)], [helmetOn(0.1), { label: 'helmet', score: 0.7, box: { x: 0.52, y: 0.5, w: 0.06, h: 0.06 } }]);
    expect(hits.map((h) => [h.message.phase, h.message.trackIds, h.message.name])).toEqual([['start', [2], { zh: '未戴安全帽', en: 'No helmet' }]]);
    expect(hits[0]?.message.attributes).toEqual({ missing: 'helmet' });
    // Worker 2 puts it on: the event clears.
    const ends = clip.frames(5, [worker(1, 0.1), worker(2, 0.5)], [helmetOn(0.1), helmetOn(0.5)]);
    expect(ends.map((h) => h.message.endReason)).toEqual(['cleared']);
  });

  it('direct violation classes: a bare head with no overlapping helmet, and no_mask with required empty', () => {
    const clip = new Clip(
      engineFor({
        rules: [
          { id: 'head', type: 'missing_attribute', subject: ['head'], required: ['helmet'] },
          { id: 'mask', type: 'missing_attribute', subject: ['no_mask'] },
        ],
      }),
    );
    const head = (id: number, x: number) => ({ id, label: 'head', box: { x, y: 0.2, w: 0.05, h: 0.06 } });
    const hits = clip.frames(3, [head(1, 0.1), head(2, 0.5), { id: 3, label: 'no_mask', box: { x: 0.8, y: 0.2, w: 0.05, h: 0.06 } }], [
      // A helmet box on head 1 (a double detection of one head): head 1 complies.
      { label: 'helmet', score: 0.5, box: { x: 0.1, y: 0.19, w: 0.05, h: 0.06 } },
    ]);
    expect(hits.map((h) => [h.message.ruleId, h.message.trackIds, h.message.name?.en])).toEqual([
      ['head', [2], 'No helmet'],
      ['mask', [3], 'No mask'],
    ]);
  });
});

describe('forbidden object', () => {
  it('a phone in the hands region of a person is phone use; a phone on the counter is not', () => {
    const clip = new Clip(engineFor({ rules: [{ id: 'phone', type: 'forbidden_object' }] }));
    const cook = { id: 1, box: { x: 0.2, y: 0.2, w: 0.15, h: 0.6 } };
    const phoneOnCounter: Detection = { label: 'cell phone', score: 0.6, box: { x: 0.7, y: 0.7, w: 0.04, h: 0.03 } };
    expect(clip.frames(5, [cook], [phoneOnCounter])).toEqual([]);
    const phoneInHand: Detection = { label: 'cell phone', score: 0.55, box: { x: 0.3, y: 0.45, w: 0.04, h: 0.05 } };
    const [start] = clip.frames(3, [cook], [phoneInHand]);
    expect(start?.message).toMatchObject({ label: 'cell phone', topScore: 0.55, trackIds: [1], severity: 3, name: { zh: '玩手机', en: 'Phone use' } });
    expect(start?.snapshotDetections?.map((d) => d.label)).toEqual(['person', 'cell phone']);
  });
});

describe('absence', () => {
  it('raises off duty when the post is empty for absentMs, and ends when someone returns', () => {
    const clip = new Clip(
      engineFor({
        zones: [zone('post', 0, 0, 0.5, 1, ['duty'])],
        rules: [{ id: 'duty', type: 'absence', zones: ['post'], absentMs: 2000, clearFrames: 2 }],
      }),
    );
    clip.frames(20, [{ id: 1, box: feet(0.2, 0.9) }]);
    // A few missed frames are not an absence.
    clip.frames(3, []);
    clip.frames(5, [{ id: 1, box: feet(0.2, 0.9) }]);
    expect(clip.hits).toEqual([]);
    clip.frames(10, [{ id: 1, box: feet(0.8, 0.9) }]); // left the post
    const [start] = clip.frame([]);
    expect(start?.message).toMatchObject({ phase: 'start', type: 'absence', zoneId: 'post', name: { zh: '脱岗', en: 'Off duty' }, topScore: 0 });
    expect(start?.message.attributes).toMatchObject({ count: 0, minCount: 1 });
    const [end] = clip.frames(2, [{ id: 1, box: feet(0.2, 0.9) }]);
    expect(end?.message).toMatchObject({ phase: 'end', endReason: 'returned' });
  });

  it('counts absence only inside the staffed hours: each window starts a fresh clock', () => {
    // Two windows, 10:00-10:01 and 10:02-11:00 local; the post stays empty.
    const schedule = { timezone: 'Asia/Shanghai', windows: [{ days: [1], start: '10:00', end: '10:01' }, { days: [1], start: '10:02', end: '11:00' }] };
    const clip = new Clip(engineFor({ rules: [{ id: 'duty', type: 'absence', absentMs: 2000, schedule }] }));
    for (let i = 0; i < 5; i++) clip.frame([], [], T0 - 10_000 + i * STEP); // 09:59:50: disarmed
    for (let i = 0; i < 5; i++) clip.frame([], [], T0 + 59_000 + i * STEP); // 10:00:59-59.8: empty for 0.8 s
    clip.frame([], [], T0 + 90_000); // 10:01:30: disarmed
    for (let i = 0; i < 10; i++) clip.frame([], [], T0 + 120_000 + i * STEP); // 10:02:00-01.8: 1.8 s into the new window
    expect(clip.hits).toEqual([]);
    const [start] = clip.frame([], [], T0 + 122_000);
    expect(start?.message).toMatchObject({ phase: 'start', attributes: { absentS: 2 } });
  });
});
