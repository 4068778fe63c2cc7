import type { Ack } from './ack.js';
import type { EdgeHello, EventMessage, Heartbeat } from './edge-messages.js';
import type { CameraItem, EventItem } from './rest.js';

/** socket.io namespace the edges connect to, with `auth: EdgeAuth`. */
export const EDGE_NAMESPACE = '/edge';
/** socket.io namespace browsers connect to, with `auth: ViewerAuth`. */
export const VIEWER_NAMESPACE = '/viewer';

export interface EdgeAuth {
  edgeId: string;
  token: string;
}
export interface ViewerAuth {
  token: string;
}

/**
 * Edge → cloud. Payloads arrive as `unknown` on the cloud and are checked against the schema of the same
 * name before use; every message is answered with an {@link Ack}.
 */
export interface EdgeToCloudEvents {
  hello: (msg: EdgeHello, ack: (res: Ack) => void) => void;
  heartbeat: (msg: Heartbeat, ack: (res: Ack) => void) => void;
  event: (msg: EventMessage, ack: (res: Ack) => void) => void;
}
/** Cloud → edge (commands grow here: live relay, recordings). */
export type CloudToEdgeEvents = Record<string, never>;

/** Cloud → viewer. */
export interface CloudToViewerEvents {
  event: (item: EventItem) => void;
  camera: (item: CameraItem) => void;
}
export type ViewerToCloudEvents = Record<string, never>;
