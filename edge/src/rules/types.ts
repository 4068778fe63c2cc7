import type { Detection, EventMessage } from '../../../protocol/index.js';
import type { Detections, Frame } from '../types.js';

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
}

/** Stage interface: detections of one camera in, event transitions out. */
export interface RuleEngine {
  process(detections: Detections, frame: Frame): RuleHit[];
  /** Ends every open event (shutdown, camera removed) with the given reason. */
  flush(reason: string, at: number): RuleHit[];
}
