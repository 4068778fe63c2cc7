import { v7 as uuidv7 } from 'uuid';
import type { Detection } from '../../../protocol/index.js';
import type { PresenceRuleConfig } from './rule-config.js';
import type { Detections, Frame } from '../types.js';
import type { RuleHit } from './types.js';

interface OpenEvent {
  id: string;
  seq: number;
  startedAt: number;
  best: Detection;
  bestDetections: Detection[];
  bestFrame: Frame;
  /** True when `best` changed since the last message, so the next update carries a new snapshot. */
  bestDirty: boolean;
  lastSentAt: number;
}

/**
 * @deprecated The rule engine runs `presence` rules as `class_present` (see resolve-rules.ts); this
 * class is kept only until tests/unit/edge-presence-rule.test.ts is removed.
 *
 * Presence: a configured class seen in `enterFrames` consecutive analysed frames opens an event, absence
 * for `exitFrames` frames ends it. Counting analysed frames (not seconds) keeps the rule independent of the
 * analysis rate, which drops under load.
 */
export class PresenceRule {
  private hits = 0;
  private misses = 0;
  private open: OpenEvent | null = null;
  private readonly classes: ReadonlySet<string>;

  constructor(
    private readonly cameraId: string,
    private readonly cfg: PresenceRuleConfig,
  ) {
    this.classes = new Set(cfg.classes);
  }

  process(d: Detections, frame: Frame): RuleHit[] {
    const matches = d.items.filter((x) => this.classes.has(x.label) && x.score >= this.cfg.minScore);
    const at = d.capturedAt;
    const out: RuleHit[] = [];
    if (this.open && at - this.open.startedAt >= this.cfg.maxDurationMs) {
      out.push(this.end(at, 'max_duration'));
      // The object is still there: let the next matching frames open a fresh event straight away.
      this.hits = Math.max(0, this.cfg.enterFrames - 1);
    }
    if (matches.length === 0) {
      this.hits = 0;
      this.misses += 1;
      if (this.open && this.misses >= this.cfg.exitFrames) out.push(this.end(at, 'absent'));
      return out;
    }
    this.misses = 0;
    this.hits += 1;
    const top = matches.reduce((a, b) => (b.score > a.score ? b : a));
    if (!this.open) {
      if (this.hits >= this.cfg.enterFrames) out.push(this.start(at, top, matches, frame));
      return out;
    }
    const ev = this.open;
    if (top.score > ev.best.score) {
      ev.best = top;
      ev.bestDetections = matches;
      ev.bestFrame = frame;
      ev.bestDirty = true;
    }
    if (ev.bestDirty && at - ev.lastSentAt >= this.cfg.updateIntervalMs) out.push(this.update(at));
    return out;
  }

  flush(reason: string, at: number): RuleHit[] {
    this.hits = 0;
    this.misses = 0;
    return this.open ? [this.end(at, reason)] : [];
  }

  private start(at: number, top: Detection, matches: Detection[], frame: Frame): RuleHit {
    const ev: OpenEvent = {
      id: uuidv7(),
      seq: 0,
      startedAt: at,
      best: top,
      bestDetections: matches,
      bestFrame: frame,
      bestDirty: false,
      lastSentAt: at,
    };
    this.open = ev;
    return { message: this.message(ev, 'start', at), snapshotFrame: frame, snapshotDetections: matches };
  }

  private update(at: number): RuleHit {
    const ev = this.requireOpen();
    ev.seq += 1;
    ev.lastSentAt = at;
    ev.bestDirty = false;
    return { message: this.message(ev, 'update', at), snapshotFrame: ev.bestFrame, snapshotDetections: ev.bestDetections };
  }

  private end(at: number, reason: string): RuleHit {
    const ev = this.requireOpen();
    ev.seq += 1;
    this.open = null;
    // A better frame not yet sent goes out with the end so the stored snapshot is the best one seen.
    const snapshot = ev.bestDirty ? { snapshotFrame: ev.bestFrame, snapshotDetections: ev.bestDetections } : {};
    return { message: { ...this.message(ev, 'end', at), endedAt: at, endReason: reason }, ...snapshot };
  }

  private requireOpen(): OpenEvent {
    if (!this.open) throw new Error('presence rule: no open event');
    return this.open;
  }

  private message(ev: OpenEvent, phase: 'start' | 'update' | 'end', at: number): RuleHit['message'] {
    return {
      id: ev.id,
      seq: ev.seq,
      phase,
      cameraId: this.cameraId,
      ruleId: this.cfg.id,
      type: this.cfg.type,
      severity: this.cfg.severity,
      label: ev.best.label,
      topScore: ev.best.score,
      startedAt: ev.startedAt,
      at,
      detections: ev.bestDetections,
    };
  }
}
