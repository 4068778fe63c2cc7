import type { Frame } from './types.js';

/**
 * The claim a frame's producer keeps on its buffer (see `FramePool`): once the frame's analysis has ended
 * and a later frame is the camera's latest, the buffer may be refilled with a later picture, unless some
 * stage kept the frame.
 */
export interface FrameLease {
  /** Marks the frame as kept: its buffer is never reused. Idempotent. */
  keep(): void;
  readonly kept: boolean;
}

/**
 * Call before holding on to a frame past its own analysis (an event's best frame, a picture encoded
 * while analysis goes on). Frames without a lease (tests, replays, stdout capture) are unaffected.
 * @returns the same frame
 */
export function keepFrame(frame: Frame): Frame {
  frame.lease?.keep();
  return frame;
}
