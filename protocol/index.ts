export * from './errors.js';
export * from './ack.js';
export * from './edge-messages.js';
export * from './rest.js';
export * from './socket-events.js';
export * from './validate.js';
