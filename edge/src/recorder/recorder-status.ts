/** `stopped` (not started, or stopped) → `starting` (ffmpeg runs, no packet yet) → `recording` → `stalled`/`offline` → `starting` … */
export type RecorderState = 'stopped' | 'starting' | 'recording' | 'stalled' | 'offline';

/** Where a recorder is, and why it is not recording. */
export interface RecorderStatus {
  readonly cameraId: string;
  readonly state: RecorderState;
  /** Why not recording (redacted). */
  readonly reason?: string;
  /** Epoch ms of the last state change. */
  readonly since: number;
}

/** Counters and facts of a recorder, for metrics and the health view. */
export interface RecorderStats {
  /** Finished segments in the buffer, and their bytes. */
  readonly segments: number;
  readonly bytes: number;
  /** Start of the oldest and end of the newest segment, epoch ms. */
  readonly oldestAt?: number;
  readonly newestAt?: number;
  /** Video packets seen since start, over all ffmpeg runs. */
  readonly packets: number;
  /** ffmpeg restarts after an exit or a stall. */
  readonly restarts: number;
  /** Last measured keyframe interval. */
  readonly gopMs?: number;
  /** Longest segment so far: at least the GOP, whatever `segmentSeconds` says. */
  readonly longestSegmentMs?: number;
  /** Protections held. */
  readonly protections: number;
  /** Segments found on disk from earlier runs that had to be pieced together at start or exit. */
  readonly recovered: number;
  /** Totals of every pruning pass. */
  readonly pruned: { readonly byAge: number; readonly byQuota: number; readonly bytes: number };
  /** Last pass: segments past the limits that protections kept, and the bytes above quota they hold. */
  readonly keptProtected: number;
  readonly overQuotaBytes: number;
}
