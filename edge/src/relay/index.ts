/** Live view on the edge: pushes cameras to the cloud's media server (RTMP) while someone watches. */
export * from './push-args.js';
export * from './relay-push.js';
export * from './relay-controller.js';
