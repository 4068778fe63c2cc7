import type { Box, Detection } from '../../../protocol/index.js';
import type { Detections, Track, Tracker, Tracks, TrackState } from '../types.js';
import { AssignmentSolver } from './assignment.js';
import { boxIou, clampBox } from './box-iou.js';
import { KalmanBox, type KalmanBoxOptions } from './kalman-box.js';

/** Options of {@link ByteTracker}; every field has a default in {@link BYTE_TRACKER_DEFAULTS}. */
export interface ByteTrackerOptions {
  /** Detections scoring at least this are "high": they match first and may start tracks. Default 0.5. */
  readonly highThreshold?: number;
  /** Detections below this are ignored; between this and `highThreshold` they only keep tracks alive. Default 0.1. */
  readonly lowThreshold?: number;
  /** An unmatched high detection starts a track only from this score on. Default: `highThreshold`. */
  readonly newTrackThreshold?: number;
  /** First stage: least IoU between a track's predicted box and a high detection. Default 0.2. */
  readonly matchIou?: number;
  /** Second stage: least IoU to a low detection; stricter, since low scores are often clutter. Default 0.5. */
  readonly lowMatchIou?: number;
  /** Least IoU for a tentative track (one seen once, with no velocity yet) to its next detection. Default 0.3. */
  readonly tentativeMatchIou?: number;
  /** Matched frames before a tentative track is confirmed. Default 2. */
  readonly minHits?: number;
  /** A lost track is kept this many frames for recovery, then removed (30 at 5 fps = 6 s). Default 30. */
  readonly maxLostFrames?: number;
  /** Length of `Track.recentScores`. Default 30. */
  readonly recentScoresLength?: number;
  /** Only detections of a track's own label may match it. Default true. */
  readonly classAware?: boolean;
  /** Motion-model noise; `KALMAN_BOX_DEFAULTS` (ByteTrack's, with a wider initial velocity for ~5 fps). */
  readonly kalman?: KalmanBoxOptions;
}

/**
 * Defaults of {@link ByteTrackerOptions}. The IoU limits are ByteTrack's (its cost limits 0.8, 0.5
 * and 0.7 on 1 − IoU). The first stage's 0.2 rather than 0.3 because frames come at ~5 fps, not 30:
 * a walking person's box moves half its width between frames, and when the prediction lags after a
 * turn or a stop the right pair's IoU falls to 0.2-0.4. Measured on the PETS walkway (40 s, YOLOX-Nano,
 * tests/integration/track-pets-walkway.test.ts): 0.2 → 8 handovers (one person, new id), 1 reversal
 * (an id hopping between people); 0.3 → 13 and 1; 0.1 → 5 and 3.
 */
export const BYTE_TRACKER_DEFAULTS = {
  highThreshold: 0.5,
  lowThreshold: 0.1,
  newTrackThreshold: 0.5,
  matchIou: 0.2,
  lowMatchIou: 0.5,
  tentativeMatchIou: 0.3,
  minHits: 2,
  maxLostFrames: 30,
  recentScoresLength: 30,
  classAware: true,
} as const;

/** {@link Tracks} plus the frame's detections, each carrying the `trackId` of the confirmed track it matched. */
export interface TrackUpdate extends Tracks {
  /**
   * The input detections in their order, copied; a detection that matched a confirmed track (this
   * frame's state) carries its `trackId`. Tentative tracks' ids are not handed out: they may vanish.
   */
  readonly detections: readonly Detection[];
}

/** The tracker's own, mutable record of one track. */
interface TrackRecord {
  readonly id: number;
  label: string;
  state: TrackState;
  readonly kf: KalmanBox;
  /** Latest matched box, or the clamped prediction while lost. */
  box: Box;
  score: number;
  /** Replaced (never mutated) on each match, so snapshots handed out stay as they were. */
  recentScores: readonly number[];
  hits: number;
  /** Tracker clock (frames) at creation and at the latest match. */
  readonly bornAt: number;
  matchedAt: number;
  readonly firstSeenAt: number;
  lastSeenAt: number;
}

/**
 * A ByteTrack-style multi-object tracker for one camera (Zhang et al., "ByteTrack: Multi-Object
 * Tracking by Associating Every Detection Box", ECCV 2022):
 *
 * 1. every track's box is predicted by a constant-velocity Kalman filter ({@link KalmanBox});
 * 2. confirmed and lost tracks are matched to high-score detections on IoU;
 * 3. confirmed tracks still unmatched get a second chance with the low-score detections — a person
 *    half hidden behind a post scores low but is still there, and this keeps the id through it;
 *    tracks missed again become lost;
 * 4. tentative tracks are matched to the remaining high detections; unmatched ones are dropped;
 * 5. remaining high detections start tentative tracks, confirmed after `minHits` matches;
 * 6. lost tracks are kept `maxLostFrames` frames (predicted, so a person walking behind a van can be
 *    picked up on the other side) and then removed.
 *
 * Each stage is a minimum-cost assignment on 1 − IoU with the stage's limit ({@link AssignmentSolver}),
 * class-aware unless configured otherwise. Ids count from 1 and are never reused, not even after
 * `reset()`.
 *
 * Frames: the tracker's clock is the capture's `frameSeq`, so when the motion gate skips detection on
 * some frames the prediction still advances by the frames in between, and `maxLostFrames` means the
 * same time span either way. A seq that does not increase (another source, a test) counts as one frame.
 */
export class ByteTracker implements Tracker {
  private readonly o: Required<Omit<ByteTrackerOptions, 'kalman'>>;
  private readonly kalman: KalmanBoxOptions;
  private readonly solver = new AssignmentSolver();
  private tracks: TrackRecord[] = [];
  private nextId = 1;
  private clock = 0;
  private lastSeq: number | undefined;
  private cameraId: string | undefined;
  // Per-frame scratch, grown on demand and reused.
  private cost = new Float64Array(64);
  private detTrack = new Int32Array(16);
  private trackDet = new Int32Array(16);
  private readonly rows: number[] = [];
  private readonly cols: number[] = [];

  constructor(opts: ByteTrackerOptions = {}) {
    const { kalman, ...rest } = opts;
    const o = { ...BYTE_TRACKER_DEFAULTS, ...stripUndefined(rest) };
    o.newTrackThreshold = opts.newTrackThreshold ?? o.highThreshold;
    checkOptions(o);
    this.o = o;
    this.kalman = kalman ?? {};
  }

  /** Associates one frame's detections; returns every live track and the detections with their track ids. */
  update(detections: Detections): TrackUpdate {
    if (this.cameraId === undefined) this.cameraId = detections.cameraId;
    else if (this.cameraId !== detections.cameraId) {
      throw new Error(`tracker of camera ${this.cameraId} was given detections of camera ${detections.cameraId}`);
    }
    const steps = this.advanceClock(detections.frameSeq);
    const now = detections.capturedAt;
    const items = detections.items;
    const o = this.o;

    this.ensureScratch(items.length, this.tracks.length);
    const detTrack = this.detTrack;
    detTrack.fill(-1, 0, items.length);
    this.trackDet.fill(-1, 0, this.tracks.length);

    for (const t of this.tracks) t.kf.predict(steps, t.state !== 'confirmed');

    // 1. Confirmed and lost tracks ↔ high detections.
    this.associate(items, 'confirmed-or-lost', 'high', o.matchIou, now);
    // 2. Confirmed tracks still unmatched ↔ low detections. Lost tracks are left out, as in ByteTrack:
    //    low-score boxes are often clutter, and only a track followed until now is likely behind one.
    //    (Stage 1 turns only matched tracks from lost to confirmed, so "confirmed and unmatched" here
    //    means "confirmed on the previous frame".)
    this.associate(items, 'confirmed', 'low', o.lowMatchIou, now);
    // 3. Tentative tracks ↔ the high detections nobody took.
    this.associate(items, 'tentative', 'high', o.tentativeMatchIou, now);

    // Unmatched: confirmed → lost, tentative → dropped, lost too long → removed.
    const kept: TrackRecord[] = [];
    for (let i = 0; i < this.tracks.length; i++) {
      const t = this.tracks[i] as TrackRecord;
      if (this.trackDet[i] === -1) {
        if (t.state === 'tentative') continue;
        if (this.clock - t.matchedAt > o.maxLostFrames) continue;
        t.state = 'lost';
        t.box = clampBox(t.kf.box());
      }
      kept.push(t);
    }
    this.tracks = kept;

    // 4. New tentative tracks from high detections still unmatched.
    for (let j = 0; j < items.length; j++) {
      const d = items[j] as Detection;
      if (detTrack[j] !== -1 || d.score < o.newTrackThreshold) continue;
      const kf = new KalmanBox(d.box, this.kalman);
      const t: TrackRecord = {
        id: this.nextId++,
        label: d.label,
        state: o.minHits <= 1 ? 'confirmed' : 'tentative',
        kf,
        box: d.box,
        score: d.score,
        recentScores: [d.score],
        hits: 1,
        bornAt: this.clock,
        matchedAt: this.clock,
        firstSeenAt: now,
        lastSeenAt: now,
      };
      this.tracks.push(t);
      detTrack[j] = t.id;
    }

    const byId = new Map<number, TrackRecord>();
    for (const t of this.tracks) byId.set(t.id, t);
    const out: Detection[] = items.map((d, j) => {
      const copy: Detection = { ...d, box: { ...d.box } };
      const t = byId.get(detTrack[j] as number);
      if (t !== undefined && t.state === 'confirmed') copy.trackId = t.id;
      else delete copy.trackId;
      return copy;
    });
    return {
      cameraId: detections.cameraId,
      frameSeq: detections.frameSeq,
      capturedAt: detections.capturedAt,
      items: this.tracks.map((t) => this.snapshot(t)),
      detections: out,
    };
  }

  /** Forgets every track (e.g. after the camera was offline); ids keep counting so none is ever reused. */
  reset(): void {
    this.tracks = [];
    this.clock = 0;
    this.lastSeq = undefined;
    this.cameraId = undefined;
  }

  /** Live tracks right now (same as the latest `update` answered). */
  get size(): number {
    return this.tracks.length;
  }

  private advanceClock(seq: number): number {
    const prev = this.lastSeq;
    this.lastSeq = seq;
    // Capping the step keeps a long gap (camera offline) from spinning the filter for nothing: past
    // maxLostFrames every unmatched track is removed anyway.
    const steps = prev === undefined || seq <= prev ? 1 : Math.min(seq - prev, this.o.maxLostFrames + 1);
    this.clock += steps;
    return steps;
  }

  /**
   * One association stage: the unmatched tracks in state `which` against the unmatched detections in
   * the score `band`, minimum total (1 − IoU) with pairs below `minIou` never matched.
   */
  private associate(items: readonly Detection[], which: 'confirmed-or-lost' | 'confirmed' | 'tentative', band: 'high' | 'low', minIou: number, now: number): void {
    const rows = this.rows;
    const cols = this.cols;
    rows.length = 0;
    cols.length = 0;
    for (let i = 0; i < this.tracks.length; i++) {
      const state = (this.tracks[i] as TrackRecord).state;
      const wanted = which === 'confirmed-or-lost' ? state !== 'tentative' : state === which;
      if (wanted && this.trackDet[i] === -1) rows.push(i);
    }
    const { highThreshold, lowThreshold } = this.o;
    for (let j = 0; j < items.length; j++) {
      const score = (items[j] as Detection).score;
      const inBand = band === 'high' ? score >= highThreshold : score >= lowThreshold && score < highThreshold;
      if (inBand && this.detTrack[j] === -1) cols.push(j);
    }
    if (rows.length === 0 || cols.length === 0) return;

    if (this.cost.length < rows.length * cols.length) this.cost = new Float64Array(rows.length * cols.length * 2);
    const cost = this.cost;
    for (let r = 0; r < rows.length; r++) {
      const t = this.tracks[rows[r] as number] as TrackRecord;
      const predicted = t.kf.box();
      for (let c = 0; c < cols.length; c++) {
        const d = items[cols[c] as number] as Detection;
        const sameClass = !this.o.classAware || d.label === t.label;
        cost[r * cols.length + c] = sameClass ? 1 - boxIou(predicted, d.box) : 2;
      }
    }
    const assignment = this.solver.solve(cost, rows.length, cols.length, 1 - minIou);
    for (let r = 0; r < rows.length; r++) {
      const c = assignment[r] as number;
      if (c < 0) continue;
      const ti = rows[r] as number;
      const dj = cols[c] as number;
      this.trackDet[ti] = dj;
      const t = this.tracks[ti] as TrackRecord;
      this.detTrack[dj] = t.id;
      this.matched(t, items[dj] as Detection, now);
    }
  }

  private matched(t: TrackRecord, d: Detection, now: number): void {
    t.kf.update(d.box);
    t.box = d.box;
    t.score = d.score;
    t.label = d.label;
    const max = this.o.recentScoresLength;
    const prev = t.recentScores;
    t.recentScores = prev.length >= max ? [...prev.slice(prev.length - max + 1), d.score] : [...prev, d.score];
    t.hits++;
    t.matchedAt = this.clock;
    t.lastSeenAt = now;
    if (t.state === 'lost') t.state = 'confirmed';
    else if (t.state === 'tentative' && t.hits >= this.o.minHits) t.state = 'confirmed';
  }

  private snapshot(t: TrackRecord): Track {
    return {
      id: t.id,
      label: t.label,
      state: t.state,
      box: { ...t.box },
      score: t.score,
      recentScores: t.recentScores,
      age: this.clock - t.bornAt,
      hits: t.hits,
      lostFrames: this.clock - t.matchedAt,
      firstSeenAt: t.firstSeenAt,
      lastSeenAt: t.lastSeenAt,
    };
  }

  private ensureScratch(dets: number, tracks: number): void {
    if (this.detTrack.length < dets) this.detTrack = new Int32Array(dets * 2);
    if (this.trackDet.length < tracks) this.trackDet = new Int32Array(tracks * 2);
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function checkOptions(o: Required<Omit<ByteTrackerOptions, 'kalman'>>): void {
  const unit = ['highThreshold', 'lowThreshold', 'newTrackThreshold', 'matchIou', 'lowMatchIou', 'tentativeMatchIou'] as const;
  for (const k of unit) {
    if (!(o[k] >= 0 && o[k] <= 1)) throw new RangeError(`${k} must be within 0..1, got ${o[k]}`);
  }
  if (o.lowThreshold > o.highThreshold) throw new RangeError(`lowThreshold (${o.lowThreshold}) must not exceed highThreshold (${o.highThreshold})`);
  if (o.newTrackThreshold < o.highThreshold) {
    throw new RangeError(`newTrackThreshold (${o.newTrackThreshold}) must not be below highThreshold (${o.highThreshold})`);
  }
  const ints = ['minHits', 'maxLostFrames', 'recentScoresLength'] as const;
  for (const k of ints) {
    if (!Number.isInteger(o[k]) || o[k] < (k === 'maxLostFrames' ? 0 : 1)) throw new RangeError(`${k} must be a positive integer, got ${o[k]}`);
  }
}
