export * from './socket-uplink.js';
