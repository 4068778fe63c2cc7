import {
  CodedError,
  compileValidator,
  formatIssues,
  RecordingFetchAck,
  RecordingListAck,
  type RecordingFetchCommand,
  type RecordingListCommand,
} from '../../../protocol/index.js';
import type { EdgeNamespace, EdgeSocket } from '../sockets/socket-types.js';

/** How the archive reaches an edge's recordings. */
export interface EdgeRecordings {
  /** Whether the edge has a connection whose hello was accepted. */
  isOnline(edgeId: string): boolean;
  /** Sends `recording:list`; rejects NOT_READY (503/504) when the edge is offline or silent. */
  list(edgeId: string, cmd: RecordingListCommand, timeoutMs: number): Promise<RecordingListAck>;
  /** Sends `recording:fetch` and waits for the answer (sent after the upload); same failures as `list`. */
  fetch(edgeId: string, cmd: RecordingFetchCommand, timeoutMs: number): Promise<RecordingFetchAck>;
}

const listAck = compileValidator(RecordingListAck);
const fetchAck = compileValidator(RecordingFetchAck);

/**
 * {@link EdgeRecordings} over the /edge namespace: a command goes to the edge's newest connection whose
 * hello was accepted, and its answer is checked like any message from an edge.
 */
export function socketEdgeRecordings(nsp: EdgeNamespace): EdgeRecordings {
  const socketOf = (edgeId: string): EdgeSocket | undefined => {
    let newest: EdgeSocket | undefined;
    for (const s of nsp.sockets.values()) if (s.data.edgeId === edgeId && s.data.helloDone) newest = s;
    return newest;
  };
  const online = (edgeId: string): EdgeSocket => {
    const socket = socketOf(edgeId);
    if (!socket) throw new CodedError('NOT_READY', `the camera's edge ${edgeId} is offline; recordings can be reached only while it is connected`, 503);
    return socket;
  };
  const silent = (edgeId: string, event: string, timeoutMs: number) =>
    new CodedError('NOT_READY', `edge ${edgeId} did not answer ${event} within ${Math.round(timeoutMs / 1000)} s`, 504);
  const invalid = (edgeId: string, issues: string) => new CodedError('NOT_READY', `edge ${edgeId} sent an invalid answer: ${issues}`, 502);

  return {
    isOnline: (edgeId) => socketOf(edgeId) !== undefined,
    async list(edgeId, cmd, timeoutMs) {
      const socket = online(edgeId);
      let raw: unknown;
      try {
        raw = await socket.timeout(timeoutMs).emitWithAck('recording:list', cmd);
      } catch {
        // socket.io rejects with a bare "operation has timed out" when the edge does not answer.
        throw silent(edgeId, 'recording:list', timeoutMs);
      }
      const checked = listAck.check(raw);
      if (!checked.ok) throw invalid(edgeId, formatIssues(checked.issues));
      return checked.value;
    },
    async fetch(edgeId, cmd, timeoutMs) {
      const socket = online(edgeId);
      let raw: unknown;
      try {
        raw = await socket.timeout(timeoutMs).emitWithAck('recording:fetch', cmd);
      } catch {
        // As above; also when the edge went away mid-fetch (the answer can no longer come).
        throw silent(edgeId, 'recording:fetch', timeoutMs);
      }
      const checked = fetchAck.check(raw);
      if (!checked.ok) throw invalid(edgeId, formatIssues(checked.issues));
      return checked.value;
    },
  };
}
