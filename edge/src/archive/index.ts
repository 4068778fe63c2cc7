/** Playback of recorded ranges: the edge side of `recording:list` and `recording:fetch`. */
export * from './recording-commands.js';
export * from './recording-upload.js';
