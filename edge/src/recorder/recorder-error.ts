/** Why a recorder operation failed. */
export type RecorderErrorCode =
  /** fromMs/toMs are not finite or not in order. */
  | 'BAD_RANGE'
  /** No recorded segment overlaps the requested range (pruned, or the camera was down). */
  | 'NO_FOOTAGE'
  /** ffmpeg could not join the segments. */
  | 'ASSEMBLY_FAILED';

/** A recorder failure. Local to the edge: the lead maps it to a wire code where one is needed. */
export class RecorderError extends Error {
  constructor(
    readonly code: RecorderErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RecorderError';
  }
}
