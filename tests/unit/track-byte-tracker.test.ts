import { describe, expect, it } from 'vitest';
import { ByteTracker, createFakeTracker, KalmanBox, type TrackUpdate } from '../../edge/src/track/index.js';
import type { Detections, Track } from '../../edge/src/types.js';
import type { Detection } from '../../protocol/index.js';

const CAM = 'cam-1';
const T0 = 1_700_000_000_000;

function det(x: number, y: number, score = 0.9, label = 'person', w = 0.08, h = 0.2): Detection {
  return { label, score, box: { x, y, w, h } };
}

function frame(seq: number, items: readonly Detection[]): Detections {
  return { cameraId: CAM, frameSeq: seq, capturedAt: T0 + seq * 200, modelId: 'test', items, inferenceMs: 1 };
}

const centreX = (t: Track): number => t.box.x + t.box.w / 2;
const byId = (u: TrackUpdate, id: number): Track | undefined => u.items.find((t) => t.id === id);

describe('ByteTracker', () => {
  it('keeps the ids of two objects that cross each other', () => {
    const tracker = new ByteTracker();
    // A walks right, B walks left, slightly lower; their boxes overlap heavily for several frames.
    let u: TrackUpdate | undefined;
    let idA = -1;
    let idB = -1;
    for (let seq = 0; seq <= 30; seq++) {
      const a = det(0.1 + 0.025 * seq, 0.4);
      const b = det(0.85 - 0.025 * seq, 0.43);
      u = tracker.update(frame(seq, [a, b]));
      if (seq === 2) {
        idA = u.detections[0]?.trackId ?? -1;
        idB = u.detections[1]?.trackId ?? -1;
        expect(idA).toBeGreaterThan(0);
        expect(idB).toBeGreaterThan(0);
      }
      if (seq > 2) expect(u.detections.map((d) => d.trackId)).toEqual([idA, idB]);
    }
    // A ended on the right, B on the left, and no other track was ever made.
    const ta = byId(u as TrackUpdate, idA);
    const tb = byId(u as TrackUpdate, idB);
    expect(ta && centreX(ta)).toBeGreaterThan(0.8);
    expect(tb && centreX(tb)).toBeLessThan(0.2);
    expect(u?.items).toHaveLength(2);
  });

  it('keeps a track alive on low-score detections (partial occlusion) and never starts one from them', () => {
    const tracker = new ByteTracker();
    let id = -1;
    for (let seq = 0; seq < 12; seq++) {
      // Frames 4..7: the person is half hidden, the detector scores 0.3 (below highThreshold 0.5).
      const score = seq >= 4 && seq < 8 ? 0.3 : 0.9;
      const u = tracker.update(frame(seq, [det(0.2 + 0.01 * seq, 0.4, score), det(0.7, 0.1, 0.35)]));
      const [person, clutter] = u.detections;
      if (seq === 1) id = person?.trackId ?? -1;
      if (seq >= 1) {
        expect(person?.trackId).toBe(id);
        expect(byId(u, id)).toMatchObject({ state: 'confirmed', lostFrames: 0 });
      }
      // A low-score box with no track is never a track of its own.
      expect(clutter?.trackId).toBeUndefined();
      expect(u.items).toHaveLength(1);
    }
    // The same scenario without the second stage's low scores would lose the track: check the contrast.
    const strict = new ByteTracker({ lowThreshold: 0.5 });
    let state: string | undefined;
    for (let seq = 0; seq < 6; seq++) {
      const score = seq >= 4 ? 0.3 : 0.9;
      state = strict.update(frame(seq, [det(0.2 + 0.01 * seq, 0.4, score)])).items[0]?.state;
    }
    expect(state).toBe('lost');
  });

  it('recovers the same id when an object reappears after a few frames unseen, on its predicted path', () => {
    const tracker = new ByteTracker();
    const x = (seq: number): number => 0.1 + 0.03 * seq;
    let id = -1;
    for (let seq = 0; seq < 8; seq++) id = tracker.update(frame(seq, [det(x(seq), 0.4)])).detections[0]?.trackId ?? -1;
    expect(id).toBeGreaterThan(0);
    // Hidden behind a van for 6 frames: lost, its box predicted onwards.
    let lastPredicted = 0;
    for (let seq = 8; seq < 14; seq++) {
      const u = tracker.update(frame(seq, []));
      const t = byId(u, id);
      expect(t).toMatchObject({ state: 'lost', lostFrames: seq - 7 });
      expect(centreX(t as Track)).toBeGreaterThan(lastPredicted);
      lastPredicted = centreX(t as Track);
    }
    // After 6 frames it has moved 0.18 (more than two box widths): only the prediction can match it.
    const u = tracker.update(frame(14, [det(x(14), 0.4)]));
    expect(u.detections[0]?.trackId).toBe(id);
    expect(byId(u, id)).toMatchObject({ state: 'confirmed', lostFrames: 0, hits: 9 });
    expect(u.items).toHaveLength(1);
  });

  it('goes tentative → confirmed → lost → removed, keeping a lost track exactly maxLostFrames frames', () => {
    const tracker = new ByteTracker({ maxLostFrames: 5, minHits: 3 });
    const d = det(0.5, 0.5);
    let u = tracker.update(frame(0, [d]));
    expect(u.items[0]).toMatchObject({ id: 1, state: 'tentative', hits: 1, age: 0 });
    expect(u.detections[0]?.trackId).toBeUndefined();
    u = tracker.update(frame(1, [d]));
    expect(u.items[0]).toMatchObject({ state: 'tentative', hits: 2, age: 1 });
    u = tracker.update(frame(2, [d]));
    expect(u.items[0]).toMatchObject({ state: 'confirmed', hits: 3, age: 2 });
    expect(u.detections[0]?.trackId).toBe(1);
    for (let seq = 3; seq <= 7; seq++) {
      u = tracker.update(frame(seq, []));
      expect(u.items[0]).toMatchObject({ id: 1, state: 'lost', lostFrames: seq - 2, lastSeenAt: T0 + 400 });
    }
    u = tracker.update(frame(8, []));
    expect(u.items).toEqual([]);
  });

  it('drops a tentative track that misses its second frame', () => {
    const tracker = new ByteTracker();
    tracker.update(frame(0, [det(0.5, 0.5)]));
    expect(tracker.update(frame(1, [])).items).toEqual([]);
  });

  it('never reuses an id, not even after reset()', () => {
    const tracker = new ByteTracker({ maxLostFrames: 2 });
    const seen: number[] = [];
    let seq = 0;
    for (let round = 0; round < 3; round++) {
      for (let k = 0; k < 3; k++) tracker.update(frame(seq++, [det(0.3, 0.3)]));
      const id = tracker.update(frame(seq++, [det(0.3, 0.3)])).detections[0]?.trackId;
      expect(id).toBeDefined();
      seen.push(id as number);
      // Let it expire: 3 empty frames > maxLostFrames.
      for (let k = 0; k < 3; k++) tracker.update(frame(seq++, []));
      expect(tracker.size).toBe(0);
    }
    tracker.reset();
    tracker.update(frame(0, [det(0.3, 0.3)]));
    seen.push(tracker.update(frame(1, [det(0.3, 0.3)])).detections[0]?.trackId as number);
    expect(seen).toEqual([1, 2, 3, 4]);
  });

  it('matches only detections of the track label', () => {
    const tracker = new ByteTracker();
    tracker.update(frame(0, [det(0.4, 0.4)]));
    tracker.update(frame(1, [det(0.4, 0.4)]));
    const u = tracker.update(frame(2, [det(0.4, 0.4, 0.9, 'dog')]));
    expect(u.items.map((t) => [t.id, t.label, t.state])).toEqual([
      [1, 'person', 'lost'],
      [2, 'dog', 'tentative'],
    ]);
    const agnostic = new ByteTracker({ classAware: false });
    agnostic.update(frame(0, [det(0.4, 0.4)]));
    agnostic.update(frame(1, [det(0.4, 0.4)]));
    expect(agnostic.update(frame(2, [det(0.4, 0.4, 0.9, 'dog')])).items).toMatchObject([{ id: 1, label: 'dog', state: 'confirmed' }]);
  });

  it('bounds recentScores to the newest scores, oldest first', () => {
    const tracker = new ByteTracker({ recentScoresLength: 4 });
    let u: TrackUpdate | undefined;
    const kept: (readonly number[])[] = [];
    for (let seq = 0; seq < 10; seq++) {
      u = tracker.update(frame(seq, [det(0.4, 0.4, 0.5 + seq / 100)]));
      kept.push(u.items[0]?.recentScores ?? []);
    }
    const rounded = (s: readonly number[] | undefined): number[] => (s ?? []).map((v) => Math.round(v * 100) / 100);
    expect(rounded(u?.items[0]?.recentScores)).toEqual([0.56, 0.57, 0.58, 0.59]);
    // Snapshots handed out earlier do not change afterwards.
    expect(rounded(kept[1])).toEqual([0.5, 0.51]);
  });

  it('predicts across frames the detector skipped (seq gaps), counting lost frames in captured frames', () => {
    const tracker = new ByteTracker();
    // 0.03 per frame; a box is 0.08 wide, so a 4-frame jump (0.12) has no overlap without prediction.
    const x = (seq: number): number => 0.1 + 0.03 * seq;
    for (let seq = 0; seq < 6; seq++) tracker.update(frame(seq, [det(x(seq), 0.4)]));
    let u = tracker.update(frame(10, [det(x(10), 0.4)]));
    expect(u.detections[0]?.trackId).toBe(1);
    u = tracker.update(frame(14, [det(x(14), 0.4)]));
    expect(u.detections[0]?.trackId).toBe(1);
    u = tracker.update(frame(20, []));
    expect(u.items[0]).toMatchObject({ state: 'lost', lostFrames: 6, age: 20 });
  });

  it('follows a fast walker at 5 fps with one id from its second frame on', () => {
    // Real YOLOX-Nano boxes (pixels of a 480×360 frame) of one person crossing the PETS walkway,
    // frames 57-64 at 5 fps: ~17-25 px wide, moving 3-18 px per frame.
    const boxes = [
      [287, 128, 17, 49],
      [290, 131, 25, 49],
      [308, 130, 17, 53],
      [320, 133, 18, 51],
      [329, 134, 23, 52],
      [340, 135, 19, 52],
      [348, 136, 19, 54],
      [361, 138, 18, 53],
    ] as const;
    const walk = (tracker: ByteTracker): (number | undefined)[] =>
      boxes.map(([x, y, w, h], seq) => tracker.update(frame(seq, [det(x / 480, y / 360, 0.8, 'person', w / 480, h / 360)])).detections[0]?.trackId);
    expect(walk(new ByteTracker())).toEqual([undefined, 1, 1, 1, 1, 1, 1, 1]);
    // ByteTrack's own velocity prior (made for 30 fps) learns the speed too slowly: the walker gets new ids.
    expect(new Set(walk(new ByteTracker({ kalman: { initialVelocityStd: 0.0625 } }))).size).toBeGreaterThan(2);
  });

  it('refuses detections of another camera and bad options', () => {
    const tracker = new ByteTracker();
    tracker.update(frame(0, []));
    expect(() => tracker.update({ ...frame(1, []), cameraId: 'other' })).toThrow(/camera/);
    expect(() => new ByteTracker({ lowThreshold: 0.6 })).toThrow(/lowThreshold/);
    expect(() => new ByteTracker({ matchIou: 1.5 })).toThrow(/matchIou/);
    expect(() => new ByteTracker({ minHits: 0 })).toThrow(/minHits/);
    expect(() => new ByteTracker({ newTrackThreshold: 0.3 })).toThrow(/newTrackThreshold/);
  });

  it('keeps boxes of lost tracks inside the picture', () => {
    const tracker = new ByteTracker();
    // Walking out at the right edge, then unseen: the prediction carries on past the border.
    for (let seq = 0; seq < 5; seq++) tracker.update(frame(seq, [det(0.7 + 0.04 * seq, 0.4, 0.9, 'person', 0.1)]));
    for (let seq = 5; seq < 12; seq++) {
      const t = tracker.update(frame(seq, [])).items[0];
      expect(t?.state).toBe('lost');
      expect(t && t.box.x >= 0 && t.box.x + t.box.w <= 1 + 1e-12 && t.box.w >= 0).toBe(true);
    }
  });
});

describe('KalmanBox', () => {
  it('learns a constant velocity and predicts with it', () => {
    const kf = new KalmanBox({ x: 0.1, y: 0.2, w: 0.1, h: 0.2 });
    for (let k = 1; k <= 20; k++) {
      kf.predict();
      kf.update({ x: 0.1 + 0.02 * k, y: 0.2, w: 0.1, h: 0.2 });
    }
    expect(kf.velocity().vx).toBeCloseTo(0.02, 3);
    expect(kf.velocity().vy).toBeCloseTo(0, 6);
    kf.predict(5);
    const b = kf.box();
    expect(b.x).toBeCloseTo(0.1 + 0.02 * 25, 2);
    expect(b.w).toBeCloseTo(0.1, 3);
    expect(b.h).toBeCloseTo(0.2, 3);
  });
});

describe('createFakeTracker', () => {
  it('answers one confirmed track per detection and records its inputs', () => {
    const fake = createFakeTracker();
    const input = frame(3, [det(0.1, 0.1), { ...det(0.5, 0.5), trackId: 42 }]);
    const out = fake.update(input);
    expect(out.items.map((t) => [t.id, t.state])).toEqual([
      [1, 'confirmed'],
      [42, 'confirmed'],
    ]);
    expect(fake.calls).toEqual([input]);
    fake.reset();
    expect(fake.resets).toBe(1);
  });
});
