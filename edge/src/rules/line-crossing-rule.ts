import { anchorPoint, segmentsIntersect, signedDistance, type Point } from './geometry.js';
import type { LineCrossingRuleConfig } from './rule-config.js';
import { SceneRule, trackDetection, type FrameContext } from './rule-base.js';
import type { ResolvedLine } from './resolved-rule.js';
import type { RuleHit } from './types.js';

type Side = -1 | 1;

interface TrackSide {
  /** Side the track's anchor was last confirmed on: -1 = A (left of a→b on screen), 1 = B. */
  side: Side;
  /** Latest anchor position on that side. */
  pos: Point;
  /** A move to the other side waiting for confirmation. */
  pending?: { side: Side; frames: number; pos: Point };
}

/**
 * Line crossing (越线) with direction and counts. A track's anchor is on side A (left of a→b as seen
 * on screen) or B; within `minOffset` of the line it is on neither, so a person standing on the line
 * does not flicker across it. A crossing is decided when the anchor has been on the other side for
 * `confirmFrames` frames and the move from its last position on the old side to its first position on
 * the new side passes through the segment a–b (not beside its ends). Both directions are always
 * counted (`countAtoB`, `countBtoA`); events are raised for `direction`, at most one per track per
 * `cooldownMs`. A crossing is a moment: its event starts and ends on the same frame (reason `crossed`).
 */
export class LineCrossingRule extends SceneRule<LineCrossingRuleConfig> {
  private readonly classes = new Set(this.cfg.classes);
  private readonly sides = new Map<number, TrackSide>();
  private countAtoB = 0;
  private countBtoA = 0;

  protected evaluate(ctx: FrameContext): RuleHit[] {
    const line = this.rule.line;
    if (!line) return [];
    const out: RuleHit[] = [];
    for (const t of this.eligibleTracks(ctx, this.classes)) {
      const p = anchorPoint(t.box, this.cfg.anchor);
      const side = this.sideOf(line, p);
      if (side === 0) continue;
      const state = this.sides.get(t.id);
      if (!state) {
        this.sides.set(t.id, { side, pos: p });
        continue;
      }
      if (side === state.side) {
        state.pos = p;
        delete state.pending;
        continue;
      }
      const pending = state.pending?.side === side ? state.pending : { side, frames: 0, pos: p };
      pending.frames += 1;
      state.pending = pending;
      if (pending.frames < this.cfg.confirmFrames) continue;
      const from = state.pos;
      const crossed = segmentsIntersect(from, pending.pos, line.a, line.b);
      this.sides.set(t.id, { side, pos: p });
      if (!crossed) continue;
      const direction = side === 1 ? 'a_to_b' : 'b_to_a';
      if (direction === 'a_to_b') this.countAtoB += 1;
      else this.countBtoA += 1;
      if (this.cfg.direction !== 'both' && this.cfg.direction !== direction) continue;
      out.push(
        ...this.instant(
          ctx,
          {
            key: String(t.id),
            label: t.label,
            score: t.score,
            detections: [trackDetection(t)],
            trackIds: [t.id],
            attributes: { direction, countAtoB: this.countAtoB, countBtoA: this.countBtoA },
          },
          'crossed',
        ),
      );
    }
    // Forget tracks the tracker has dropped; a lost track keeps its side so a crossing hidden behind
    // a van still counts when the track is picked up again on the other side.
    for (const id of this.sides.keys()) if (!ctx.liveTrackIds.has(id)) this.sides.delete(id);
    return out;
  }

  private sideOf(line: ResolvedLine, p: Point): Side | 0 {
    const d = signedDistance(line, p);
    if (Math.abs(d) <= this.cfg.minOffset) return 0;
    return d > 0 ? 1 : -1;
  }

  override counters(): Readonly<Record<string, number>> {
    return { countAtoB: this.countAtoB, countBtoA: this.countBtoA };
  }

  protected override resetState(): void {
    this.sides.clear();
  }
}
