import {
  CameraSnapshotAck,
  CodedError,
  compileValidator,
  formatIssues,
  MAX_CAMERA_SNAPSHOT_BYTES,
  RulesApplyAck,
  type CameraSnapshotCommand,
  type RulesApplyCommand,
} from '../../../protocol/index.js';
import type { EdgeConnections } from '../sockets/edge-connections.js';
import type { EdgeSocket } from '../sockets/socket-types.js';

/** A camera's JPEG as the edge sent it. */
export interface CameraSnapshot {
  jpeg: Buffer;
  width: number;
  height: number;
  capturedAt: number;
}

/** How camera rules reach edges. */
export interface EdgeRulesCommands {
  /** Whether the edge has a connection whose hello was accepted. */
  isOnline(edgeId: string): boolean;
  /** Sends `rules:apply`; resolves with the edge's answer; rejects (NOT_READY) when it is offline or silent. */
  apply(edgeId: string, cmd: RulesApplyCommand, timeoutMs: number): Promise<RulesApplyAck>;
  /** Asks for a current JPEG of a camera; rejects with the edge's refusal, or NOT_READY when offline or silent. */
  snapshot(edgeId: string, cmd: CameraSnapshotCommand, timeoutMs: number): Promise<CameraSnapshot>;
}

const applyAckValidator = compileValidator(RulesApplyAck);
const snapshotAckValidator = compileValidator(CameraSnapshotAck);

const isJpeg = (b: Uint8Array) => b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;

/**
 * {@link EdgeRulesCommands} over the /edge namespace: a command goes to the edge's newest connection
 * whose hello was accepted, and its answer is checked like any message from the edge.
 */
export function socketEdgeRulesCommands(connections: EdgeConnections<EdgeSocket>): EdgeRulesCommands {
  const socketOf = (edgeId: string): EdgeSocket => {
    const socket = connections.ready(edgeId);
    if (!socket) throw new CodedError('NOT_READY', `edge ${edgeId} is offline`, 503);
    return socket;
  };
  const silent = (edgeId: string, event: string, timeoutMs: number) =>
    new CodedError('NOT_READY', `edge ${edgeId} did not answer ${event} within ${timeoutMs} ms`, 504);
  const invalid = (edgeId: string, detail: string) => new CodedError('NOT_READY', `edge ${edgeId} sent an invalid answer: ${detail}`, 502);
  return {
    isOnline: (edgeId) => connections.ready(edgeId) !== undefined,
    async apply(edgeId, cmd, timeoutMs) {
      const socket = socketOf(edgeId);
      let raw: unknown;
      try {
        raw = await socket.timeout(timeoutMs).emitWithAck('rules:apply', cmd);
      } catch {
        // socket.io rejects with a bare "operation has timed out" when the edge does not answer.
        throw silent(edgeId, 'rules:apply', timeoutMs);
      }
      const checked = applyAckValidator.check(raw);
      if (!checked.ok) throw invalid(edgeId, formatIssues(checked.issues));
      return checked.value;
    },
    async snapshot(edgeId, cmd, timeoutMs) {
      const socket = socketOf(edgeId);
      let raw: unknown;
      try {
        raw = await socket.timeout(timeoutMs).emitWithAck('camera:snapshot', cmd);
      } catch {
        throw silent(edgeId, 'camera:snapshot', timeoutMs);
      }
      const checked = snapshotAckValidator.check(raw);
      if (!checked.ok) throw invalid(edgeId, formatIssues(checked.issues));
      const ack = checked.value;
      if (!ack.ok) {
        // The edge's own refusal (no frame yet, unknown camera): passed on with its code.
        throw new CodedError(ack.error.code, `edge ${edgeId}: ${ack.error.message}`, ack.error.code === 'NOT_READY' ? 503 : undefined);
      }
      const bytes: unknown = ack.jpeg;
      if (!(bytes instanceof Uint8Array) || bytes.length > MAX_CAMERA_SNAPSHOT_BYTES || !isJpeg(bytes)) {
        throw invalid(edgeId, 'the snapshot is not a JPEG of an acceptable size');
      }
      return { jpeg: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), width: ack.width, height: ack.height, capturedAt: ack.capturedAt };
    },
  };
}
