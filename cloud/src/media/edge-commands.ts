import {
  Ack,
  CodedError,
  compileValidator,
  formatIssues,
  type RelayStartCommand,
  type RelayStopCommand,
} from '../../../protocol/index.js';
import type { EdgeNamespace } from '../sockets/socket-types.js';

/** How the live manager reaches edges. */
export interface EdgeCommands {
  /** Whether the edge has a connection whose hello was accepted. */
  isOnline(edgeId: string): boolean;
  /** The `Host` the edge connected to, i.e. a name of this cloud the edge can reach. */
  hostSeenBy(edgeId: string): string | undefined;
  /** Sends `relay:start`; resolves with the edge's answer, rejects if it is offline or does not answer in time. */
  start(edgeId: string, cmd: RelayStartCommand, timeoutMs: number): Promise<Ack>;
  /** Sends `relay:stop`; same contract as {@link start}. */
  stop(edgeId: string, cmd: RelayStopCommand, timeoutMs: number): Promise<Ack>;
}

const ackValidator = compileValidator(Ack);

/**
 * {@link EdgeCommands} over the /edge namespace: a command goes to the edge's newest connection whose
 * hello was accepted (an older one is a reconnect the server has not noticed dying yet).
 */
export function socketEdgeCommands(nsp: EdgeNamespace): EdgeCommands {
  const socketOf = (edgeId: string) => {
    let newest;
    for (const s of nsp.sockets.values()) if (s.data.edgeId === edgeId && s.data.helloDone) newest = s;
    return newest;
  };
  const check = (raw: unknown, edgeId: string): Ack => {
    // The edge's answer is as untrusted as any message from it.
    const checked = ackValidator.check(raw);
    if (!checked.ok) throw new CodedError('NOT_READY', `edge ${edgeId} sent an invalid answer: ${formatIssues(checked.issues)}`, 502);
    return checked.value;
  };
  const send = async (
    edgeId: string,
    event: 'relay:start' | 'relay:stop',
    cmd: RelayStartCommand | RelayStopCommand,
    timeoutMs: number,
  ): Promise<Ack> => {
    const socket = socketOf(edgeId);
    if (!socket) throw new CodedError('NOT_READY', `edge ${edgeId} is offline`, 503);
    let raw: unknown;
    try {
      raw =
        event === 'relay:start'
          ? await socket.timeout(timeoutMs).emitWithAck('relay:start', cmd as RelayStartCommand)
          : await socket.timeout(timeoutMs).emitWithAck('relay:stop', cmd as RelayStopCommand);
    } catch {
      // socket.io rejects with a bare "operation has timed out" when the edge does not answer.
      throw new CodedError('NOT_READY', `edge ${edgeId} did not answer ${event} within ${timeoutMs} ms`, 504);
    }
    return check(raw, edgeId);
  };
  return {
    isOnline: (edgeId) => socketOf(edgeId) !== undefined,
    hostSeenBy: (edgeId) => socketOf(edgeId)?.handshake.headers.host,
    start: (edgeId, cmd, timeoutMs) => send(edgeId, 'relay:start', cmd, timeoutMs),
    stop: (edgeId, cmd, timeoutMs) => send(edgeId, 'relay:stop', cmd, timeoutMs),
  };
}
