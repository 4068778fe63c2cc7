/** The capture stage: cameras in, packed RGB24 frames out, one supervised ffmpeg per camera. */
export * from './capture.js';
export * from './camera-capture.js';
export * from './fake-capture.js';
export * from './ffmpeg-args.js';
export * from './ffmpeg-log.js';
export * from './ffmpeg-process.js';
export * from './frame-fifo.js';
export * from './frame-pool.js';
export * from './frame-reader.js';
export * from './latest-frame-slot.js';
export * from './rate-meter.js';
export * from './restart-backoff.js';
