import type { OutboundMessage } from './outbound-feed.js';

/** One MQTT publication. */
export interface MqttMessage {
  topic: string;
  payload: string;
  retain: boolean;
  /** Messages with the same key supersede each other while queued (a camera's state). */
  key?: string;
}

/** Topic of the cloud's availability (`online` retained while connected, `offline` as the last will). */
export function availabilityTopic(prefix: string): string {
  return `${prefix}/available`;
}

/**
 * The MQTT form of an outbound message:
 * - `<prefix>/events`: `{type: 'new'|'update'|'end', before, after}` (Frigate style; `after` is the
 *   event as the REST API shows it, `before` the previous publication or null);
 * - `<prefix>/cameras/<id>/state`: the camera (id, edgeId, name, rules, state, stateSince, lastSeenAt),
 *   retained when `retainCameraState`;
 * - `<prefix>/workflow`: `{item, entry, cameraId, eventType}` after every workflow transition.
 * Camera ids cannot hold `/`, `+` or `#` (protocol Id pattern), so they are safe as a topic level.
 */
export function mqttMessageFor(message: OutboundMessage, prefix: string, retainCameraState: boolean): MqttMessage {
  switch (message.kind) {
    case 'event':
      return { topic: `${prefix}/events`, payload: JSON.stringify(message.change), retain: false };
    case 'camera':
      return {
        topic: `${prefix}/cameras/${message.camera.id}/state`,
        payload: JSON.stringify(message.camera),
        retain: retainCameraState,
        key: `camera:${message.camera.id}`,
      };
    case 'workflow':
      return { topic: `${prefix}/workflow`, payload: JSON.stringify(message.update), retain: false };
  }
}
