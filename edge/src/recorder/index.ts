/** Recording: a per-camera rolling buffer of stream-copied MPEG-TS segments, and clips with pre- and post-capture. */
export * from './clip-assembler.js';
export * from './clip-requests.js';
export * from './packet-heartbeat.js';
export * from './recorder-error.js';
export * from './recorder-status.js';
export * from './segment-args.js';
export * from './segment-files.js';
export * from './segment-index.js';
export * from './segment-recorder.js';
export * from './segment-run.js';
export * from './segment-store.js';
