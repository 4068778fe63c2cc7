/** Debian packages that provide gst-rtsp-server and its Python bindings. */
export const GST_APT_INSTALL =
  'apt-get install -y python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad';

/** Why the simulator could not start or serve. */
export type SimulatorErrorCode =
  | 'BAD_OPTIONS'
  | 'CLIP_MISSING'
  | 'FFMPEG_MISSING'
  | 'PYTHON_GI_MISSING'
  | 'SERVER_FAILED'
  | 'NOT_READABLE'
  | 'UNKNOWN_CAMERA'
  | 'STOPPED';

/** A simulator failure whose message says what to fix. */
export class SimulatorError extends Error {
  constructor(
    readonly code: SimulatorErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SimulatorError';
  }
}
