import type { Detection, EventMessage } from '../../../protocol/index.js';
import type { Detections, Frame, Tracks } from '../types.js';
import type { Point, Polygon } from './geometry.js';
import type { ResolvedCameraRules } from './resolved-rule.js';

/** Shapes to draw on a snapshot so a reviewer sees what the rule watched (normalised coordinates). */
export interface SnapshotOverlay {
  readonly zones: readonly OverlayZone[];
  readonly lines: readonly OverlayLine[];
}

/** A zone outline; `highlight` is the zone the event is about. */
export interface OverlayZone {
  readonly id: string;
  readonly label: string;
  readonly points: Polygon;
  readonly highlight: boolean;
}

/** A counting line from `a` to `b`; side A is on the left of a→b on screen. */
export interface OverlayLine {
  readonly id: string;
  readonly label: string;
  readonly a: Point;
  readonly b: Point;
  /** Direction that raises events, for an arrow across the line. */
  readonly direction: 'a_to_b' | 'b_to_a' | 'both';
}

/** Wall-clock span the evidence clip should cover, before the recorder adds its own pre/post roll. */
export interface ClipRange {
  /** When the condition was first seen (before confirmation), epoch ms. */
  readonly startAt: number;
  /** Set on the end hit: when the event ended. */
  readonly endAt?: number;
}

/**
 * One event transition decided by a rule. The pipeline turns it into an {@link EventMessage} by adding
 * the edge id and, when `snapshotFrame` is set, a rendered snapshot of that frame.
 */
export interface RuleHit {
  readonly message: Omit<EventMessage, 'edgeId' | 'snapshot'>;
  /** The best frame so far when it changed since the last hit of this event; the snapshot is drawn from it. */
  readonly snapshotFrame?: Frame;
  /** Detections to draw on the snapshot (the ones that matched the rule on that frame). */
  readonly snapshotDetections?: readonly Detection[];
  /** Zones and lines of the rule, drawn under the boxes. */
  readonly overlay?: SnapshotOverlay;
  /** Span for the evidence clip. */
  readonly clipRange?: ClipRange;
}

/** What the rules see of one analysed frame. */
export interface RuleInput {
  readonly frame: Frame;
  /** Every detection of the frame (all of the camera's models merged); `trackId` set where the tracker matched one. */
  readonly detections: Detections;
  /** The tracker's answer for the same frame. */
  readonly tracks: Tracks;
}

/** Stage interface: one camera's frames, detections and tracks in, event transitions out. */
export interface RuleEngine {
  process(input: RuleInput): RuleHit[];
  /** Ends every open event (shutdown, camera removed) with the given reason. */
  flush(reason: string, at: number): RuleHit[];
  /**
   * Runs `plan` from the next frame on. A rule whose id, config and geometry are unchanged keeps its
   * state (an open event goes on); the open events of the others end, reason `rule_removed` or
   * `rule_changed`. Call between frames.
   * @returns the end hits of the events it closed
   */
  replace(plan: ResolvedCameraRules, at: number): RuleHit[];
  /** Running counters per rule id (line_crossing: countAtoB, countBtoA), for status and tests. */
  counters(): Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Every zone and line of the camera, for a live overlay. */
  readonly overlay: SnapshotOverlay;
}
