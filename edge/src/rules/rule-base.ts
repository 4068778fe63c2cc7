import type { Detection, EventAttributes } from '../../../protocol/index.js';
import type { Frame, Track } from '../types.js';
import { keepFrame } from '../frame-lease.js';
import { passesFilters } from './filters.js';
import { boxInZone, clampToFrame, type Anchor } from './geometry.js';
import type { SceneRuleConfig } from './rule-config.js';
import type { ResolvedRule, ResolvedZone } from './resolved-rule.js';
import type { RuleHit, SnapshotOverlay } from './types.js';

/**
 * The base every rule type shares: object eligibility (classes, filters, zones) and the event
 * lifecycle of each subject — multi-frame confirmation, start / update / end with a stable UUIDv7 id
 * and a growing seq, the best frame for the snapshot, cooldown per (rule, subject), max duration, and
 * schedules. A rule type only decides, frame by frame, which subjects meet its condition.
 */

/** What the rules see of one analysed frame, after masks. */
export interface FrameContext {
  readonly frame: Frame;
  /** Capture time of the frame, epoch ms: the rules' clock. */
  readonly at: number;
  /** Tracks matched on this frame (not lost), masks applied. */
  readonly tracks: readonly Track[];
  /** The same tracks by id. */
  readonly trackById: ReadonlyMap<number, Track>;
  /** Ids of every track the tracker still holds, matched or lost. */
  readonly liveTrackIds: ReadonlySet<number>;
  /** The frame's detections, masks applied. */
  readonly detections: readonly Detection[];
}

/** A subject meeting the rule's condition on this frame. */
export interface Observation {
  /** Stable id of the subject within the rule: zone and track, or the zone for counting rules. */
  readonly key: string;
  readonly label: string;
  readonly score: number;
  /** What to draw and send: the subject first. */
  readonly detections: readonly Detection[];
  readonly trackIds: readonly number[];
  readonly zoneId?: string;
  readonly attributes?: EventAttributes;
  /** Orders evidence for the snapshot (higher is better); default `score`. A crowd ranks by its count. */
  readonly rank?: number;
  /** When the condition began, if earlier than the first observation (a dwell clock); for the clip range. */
  readonly since?: number;
}

interface OpenEvent {
  readonly id: string;
  seq: number;
  readonly startedAt: number;
  readonly since: number;
  best: Observation;
  bestRank: number;
  bestFrame: Frame;
  bestDirty: boolean;
  latest: Observation;
  topScore: number;
  lastSentAt: number;
  readonly trackIds: Set<number>;
}

interface SubjectState {
  hits: number;
  misses: number;
  readonly firstAt: number;
  open?: OpenEvent;
}

const MAX_LIST = 200;

/** The detection drawn and sent for a track. */
export function trackDetection(t: Track): Detection {
  return { label: t.label, score: t.score, box: clampToFrame(t.box), trackId: t.id };
}

/** The subject key of a track in a zone (`null` = the whole frame). */
export function trackKey(trackId: number, zone: ResolvedZone | null): string {
  return zone ? `${trackId}@${zone.id}` : String(trackId);
}

/** Options every rule gets from the engine. */
export interface RuleDeps {
  readonly cameraId: string;
  readonly newId: () => string;
}

/** Base of the rule types; see the module comment. */
export abstract class SceneRule<C extends SceneRuleConfig = SceneRuleConfig> {
  protected readonly cfg: C;
  private readonly states = new Map<string, SubjectState>();
  private readonly cooldownUntil = new Map<string, number>();
  private armed = true;

  constructor(
    protected readonly rule: ResolvedRule<C>,
    private readonly deps: RuleDeps,
  ) {
    this.cfg = rule.config;
  }

  get id(): string {
    return this.cfg.id;
  }

  /**
   * Runs the rule on one frame. When its schedule disarms it, a rule ends its events and forgets every
   * subject and clock, so the next window starts afresh (an off-duty clock must not carry the night over).
   */
  process(ctx: FrameContext): RuleHit[] {
    if (this.rule.schedule && !this.rule.schedule.isActive(ctx.at)) {
      if (!this.armed) return [];
      this.armed = false;
      const hits = this.endAll(ctx.at, 'schedule_end');
      this.states.clear();
      this.resetState();
      return hits;
    }
    this.armed = true;
    return this.evaluate(ctx);
  }

  /** Ends every open event with `reason` and forgets all state. */
  flush(reason: string, at: number): RuleHit[] {
    const hits = this.endAll(at, reason);
    this.states.clear();
    this.cooldownUntil.clear();
    this.resetState();
    return hits;
  }

  /** Running counters of the rule (line crossing counts), if it keeps any. */
  counters(): Readonly<Record<string, number>> | undefined {
    return undefined;
  }

  /** The rule's decision for one frame: usually `step(ctx, observations, reason)`. */
  protected abstract evaluate(ctx: FrameContext): RuleHit[];

  /** Clears the rule type's own state (dwell clocks, sides); called when the schedule disarms and on flush. */
  protected resetState(): void {
    // Most rule types keep nothing beyond the base's subject states.
  }

  /** Tracks of the given classes that pass the rule's filters. */
  protected eligibleTracks(ctx: FrameContext, classes: ReadonlySet<string>): Track[] {
    const { width, height } = ctx.frame;
    return ctx.tracks.filter((t) => classes.has(t.label) && passesFilters(this.cfg, t, width, height));
  }

  /** Detections of the given classes that pass the rule's filters (with `minScore` replaced when given). */
  protected eligibleDetections(ctx: FrameContext, classes: ReadonlySet<string>, minScore?: number): Detection[] {
    const { width, height } = ctx.frame;
    const spec = minScore === undefined ? this.cfg : { ...this.cfg, minScore, minMedianScore: 0 };
    return ctx.detections.filter((d) => classes.has(d.label) && passesFilters(spec, d, width, height));
  }

  /** The rule's zones holding the box (`[null]` = the whole frame when the rule has no zones). */
  protected zonesOf(box: Detection['box'], anchor: Anchor): (ResolvedZone | null)[] {
    if (this.rule.zones.length === 0) return [null];
    return this.rule.zones.filter((z) => boxInZone(box, z.polygon, anchor));
  }

  /** The track id and zone of a {@link trackKey}. */
  protected parseTrackKey(key: string): { trackId: number; zone: ResolvedZone | null } {
    const at = key.indexOf('@');
    const trackId = Number(at < 0 ? key : key.slice(0, at));
    const zoneId = at < 0 ? undefined : key.slice(at + 1);
    return { trackId, zone: this.rule.zones.find((z) => z.id === zoneId) ?? null };
  }

  /**
   * Why a track-in-zone subject stopped meeting the condition: its track is gone or not matched
   * (`track_lost`), it is outside the zone (`left_zone`), or it is there but the condition no longer
   * holds (`cleared`: a helmet is seen now, the phone is put away).
   */
  protected trackEndReason(ctx: FrameContext, key: string, anchor: Anchor): string {
    const { trackId, zone } = this.parseTrackKey(key);
    const t = ctx.trackById.get(trackId);
    if (!t) return 'track_lost';
    if (zone && !boxInZone(t.box, zone.polygon, anchor)) return 'left_zone';
    return 'cleared';
  }

  /**
   * Advances every subject by one frame. A subject observed on `confirmFrames` frames, with no gap of
   * `clearFrames` frames, starts an event unless in cooldown; an open event gets an update when a
   * better snapshot was seen (at most one per `updateIntervalMs`) and ends after `clearFrames` frames
   * without the condition (reason from `endReason`) or after `maxDurationMs`.
   */
  protected step(ctx: FrameContext, observations: readonly Observation[], endReason: (key: string) => string): RuleHit[] {
    const { at } = ctx;
    const out: RuleHit[] = [];
    for (const [key, until] of this.cooldownUntil) if (until <= at) this.cooldownUntil.delete(key);
    const seen = new Set<string>();
    for (const obs of observations) {
      if (seen.has(obs.key)) continue;
      seen.add(obs.key);
      let s = this.states.get(obs.key);
      if (s?.open && at - s.open.startedAt >= this.cfg.maxDurationMs) {
        out.push(this.end(s, at, 'max_duration'));
        // Still there: the next event starts at once, not after another confirmation.
        s = { hits: this.cfg.confirmFrames - 1, misses: 0, firstAt: at };
        this.states.set(obs.key, s);
      }
      if (!s) {
        s = { hits: 0, misses: 0, firstAt: obs.since ?? at };
        this.states.set(obs.key, s);
      }
      s.hits += 1;
      s.misses = 0;
      if (s.open) {
        const hit = this.observe(s.open, obs, ctx);
        if (hit) out.push(hit);
      } else if (s.hits >= this.cfg.confirmFrames && !this.cooldownUntil.has(obs.key)) {
        out.push(this.start(s, obs, ctx));
      }
    }
    for (const [key, s] of this.states) {
      if (seen.has(key)) continue;
      s.misses += 1;
      if (s.open && at - s.open.startedAt >= this.cfg.maxDurationMs) {
        out.push(this.end(s, at, 'max_duration'));
      } else if (s.misses >= this.cfg.clearFrames) {
        if (s.open) {
          out.push(this.end(s, at, endReason(key)));
          if (this.cfg.cooldownMs > 0) this.cooldownUntil.set(key, at + this.cfg.cooldownMs);
        }
        this.states.delete(key);
      }
    }
    return out;
  }

  /** A momentary event (a line crossing): start and end on the same frame, cooldown per subject. */
  protected instant(ctx: FrameContext, obs: Observation, reason: string): RuleHit[] {
    if (this.cooldownUntil.has(obs.key)) return [];
    const s: SubjectState = { hits: 1, misses: 0, firstAt: obs.since ?? ctx.at };
    const start = this.start(s, obs, ctx);
    const end = this.end(s, ctx.at, reason);
    if (this.cfg.cooldownMs > 0) this.cooldownUntil.set(obs.key, ctx.at + this.cfg.cooldownMs);
    return [start, end];
  }

  private endAll(at: number, reason: string): RuleHit[] {
    const out: RuleHit[] = [];
    for (const s of this.states.values()) if (s.open) out.push(this.end(s, at, reason));
    return out;
  }

  private start(s: SubjectState, obs: Observation, ctx: FrameContext): RuleHit {
    const ev: OpenEvent = {
      id: this.deps.newId(),
      seq: 0,
      startedAt: ctx.at,
      since: Math.min(s.firstAt, ctx.at),
      best: obs,
      bestRank: obs.rank ?? obs.score,
      bestFrame: keepFrame(ctx.frame),
      bestDirty: false,
      latest: obs,
      topScore: obs.score,
      lastSentAt: ctx.at,
      trackIds: new Set(obs.trackIds),
    };
    s.open = ev;
    return this.hit(ev, 'start', ctx.at, true);
  }

  /** Folds one more observation into an open event; returns an update when one is due. */
  private observe(ev: OpenEvent, obs: Observation, ctx: FrameContext): RuleHit | undefined {
    ev.latest = obs;
    ev.topScore = Math.max(ev.topScore, obs.score);
    for (const id of obs.trackIds) if (ev.trackIds.size < MAX_LIST) ev.trackIds.add(id);
    const rank = obs.rank ?? obs.score;
    if (rank > ev.bestRank) {
      ev.best = obs;
      ev.bestRank = rank;
      ev.bestFrame = keepFrame(ctx.frame);
      ev.bestDirty = true;
    }
    if (!ev.bestDirty || ctx.at - ev.lastSentAt < this.cfg.updateIntervalMs) return undefined;
    ev.seq += 1;
    ev.lastSentAt = ctx.at;
    ev.bestDirty = false;
    return this.hit(ev, 'update', ctx.at, true);
  }

  private end(s: SubjectState, at: number, reason: string): RuleHit {
    const ev = s.open;
    if (!ev) throw new Error(`rule ${this.cfg.id}: no open event to end`);
    s.open = undefined;
    ev.seq += 1;
    // A better frame not yet sent goes out with the end, so the stored snapshot is the best one seen.
    const hit = this.hit(ev, 'end', at, ev.bestDirty);
    return { ...hit, message: { ...hit.message, endedAt: at, endReason: reason } };
  }

  private hit(ev: OpenEvent, phase: 'start' | 'update' | 'end', at: number, withSnapshot: boolean): RuleHit {
    const { best, latest } = ev;
    const zoneId = best.zoneId ?? latest.zoneId;
    const message: RuleHit['message'] = {
      id: ev.id,
      seq: ev.seq,
      phase,
      cameraId: this.deps.cameraId,
      ruleId: this.cfg.id,
      type: this.rule.eventType,
      severity: this.rule.severity,
      label: best.label,
      topScore: ev.topScore,
      startedAt: ev.startedAt,
      at,
      detections: best.detections.slice(0, MAX_LIST),
      trackIds: [...ev.trackIds].slice(0, MAX_LIST),
      name: this.rule.name,
      ...(zoneId !== undefined ? { zoneId } : {}),
      ...(this.rule.gbAlarm ? { gbAlarm: this.rule.gbAlarm } : {}),
      ...(latest.attributes ? { attributes: latest.attributes } : {}),
    };
    const clipRange = phase === 'end' ? { startAt: ev.since, endAt: at } : { startAt: ev.since };
    const snapshot = withSnapshot ? { snapshotFrame: ev.bestFrame, snapshotDetections: best.detections } : {};
    return { message, ...snapshot, overlay: this.overlayFor(zoneId), clipRange };
  }

  /** The rule's own zones (the event's zone highlighted) and line. */
  private overlayFor(zoneId: string | undefined): SnapshotOverlay {
    const line = this.rule.line;
    return {
      zones: this.rule.zones.map((z) => ({ id: z.id, label: z.label, points: z.polygon, highlight: z.id === zoneId })),
      lines:
        line && this.cfg.type === 'line_crossing' ? [{ id: line.id, label: line.label, a: line.a, b: line.b, direction: this.cfg.direction }] : [],
    };
  }
}
