import type { Logger } from 'pino';
import type { Socket } from 'socket.io-client';
import {
  ackError,
  ackOk,
  compileValidator,
  formatIssues,
  RelayStartCommand,
  RelayStopCommand,
  type Ack,
  type CloudToEdgeEvents,
  type EdgeToCloudEvents,
} from '../../../protocol/index.js';
import { RelayPush, RelayPushError, type RelayCamera, type RelayPushState, type RelayPushTuning } from './relay-push.js';

/** A command from the cloud, as received (checked by {@link RelayController.handle}). */
export type RelayCommand = { type: 'start'; payload: unknown } | { type: 'stop'; payload: unknown };

/** One camera's push, for status pages and tests. */
export interface RelayStatus {
  readonly cameraId: string;
  readonly state: RelayPushState;
  readonly mode: 'copy' | 'h264';
  /** ffmpeg's process id while one runs. */
  readonly pid: number | undefined;
  readonly restarts: number;
  readonly lastError: string | undefined;
}

/** Options of {@link createRelayController}. */
export interface RelayControllerOptions extends RelayPushTuning {
  readonly edgeId: string;
  /** The cameras this edge may push; a command for any other camera is refused. */
  readonly cameras: readonly RelayCamera[];
  readonly logger: Logger;
  /**
   * How long `relay:start` waits for video to reach the media server before answering with an error
   * (the push keeps trying in the background). Default 8000 ms, below the cloud's own wait.
   */
  readonly startTimeoutMs?: number;
}

/** The edge side of live view: pushes cameras to the cloud's media server on command. */
export interface RelayController {
  /** Applies one command; never throws, always answers an {@link Ack}. */
  handle(command: RelayCommand): Promise<Ack>;
  /** The pushes that exist now (running, retrying or given up). */
  status(): RelayStatus[];
  /** Stops every push (e.g. when the cloud closed the connection on purpose) but keeps accepting commands. */
  stopAll(): Promise<void>;
  /** Stops every push and refuses further commands. */
  stop(): Promise<void>;
}

const startValidator = compileValidator(RelayStartCommand);
const stopValidator = compileValidator(RelayStopCommand);

/**
 * Creates the relay controller of one edge. Each started camera gets one supervised ffmpeg
 * (`RelayPush`); a repeated start of a running camera answers at once, a start with a new media-server
 * URL moves the push, and a stop ends it.
 */
export function createRelayController(opts: RelayControllerOptions): RelayController {
  const cameras = new Map(opts.cameras.map((c) => [c.id, c]));
  const pushes = new Map<string, RelayPush>();
  const log = opts.logger.child({ component: 'relay' });
  const startTimeoutMs = opts.startTimeoutMs ?? 8_000;
  let stopped = false;

  const stopPush = async (cameraId: string): Promise<void> => {
    const push = pushes.get(cameraId);
    if (!push) return;
    pushes.delete(cameraId);
    await push.stop();
    log.info({ cameraId }, 'relay stopped');
  };

  const start = async (payload: unknown): Promise<Ack> => {
    const checked = startValidator.check(payload);
    if (!checked.ok) return ackError('BAD_MESSAGE', formatIssues(checked.issues));
    const cmd = checked.value;
    const camera = cameras.get(cmd.cameraId);
    if (!camera) return ackError('NOT_FOUND', `camera ${cmd.cameraId} is not on edge ${opts.edgeId}`);
    const target = { rtmpUrl: cmd.rtmpUrl, sign: cmd.sign };
    let push = pushes.get(camera.id);
    if (push && (push.state === 'failed' || push.state === 'stopped')) {
      // Given up earlier: the cloud asking again is the signal to try afresh.
      await stopPush(camera.id);
      push = undefined;
    }
    if (push) {
      push.retarget(target);
    } else {
      log.info({ cameraId: camera.id, streamKey: cmd.streamKey }, 'relay starting');
      push = new RelayPush(camera, target, log.child({ cameraId: camera.id }), opts);
      pushes.set(camera.id, push);
    }
    try {
      await push.whenRunning(startTimeoutMs);
      return ackOk();
    } catch (err) {
      const message = err instanceof RelayPushError ? err.message : String(err);
      // NOT_READY: the camera cannot be shown yet; the cloud decides whether to ask again.
      return ackError('NOT_READY', `camera ${camera.id}: ${message}`);
    }
  };

  const stopCmd = async (payload: unknown): Promise<Ack> => {
    const checked = stopValidator.check(payload);
    if (!checked.ok) return ackError('BAD_MESSAGE', formatIssues(checked.issues));
    await stopPush(checked.value.cameraId);
    return ackOk();
  };

  const stopAll = async (): Promise<void> => {
    await Promise.all([...pushes.keys()].map((id) => stopPush(id)));
  };

  return {
    async handle(command) {
      if (stopped) return ackError('NOT_READY', 'the relay is shutting down');
      try {
        return command.type === 'start' ? await start(command.payload) : await stopCmd(command.payload);
      } catch (err) {
        log.error({ err }, 'relay command failed');
        return ackError('INTERNAL', 'internal error');
      }
    },
    status: () =>
      [...pushes.entries()].map(([cameraId, p]) => ({
        cameraId,
        state: p.state,
        mode: p.mode,
        pid: p.pid,
        restarts: p.restarts,
        lastError: p.lastError,
      })),
    stopAll,
    async stop() {
      stopped = true;
      await stopAll();
    },
  };
}

/** The edge's socket.io connection to the cloud's /edge namespace. */
export type EdgeCommandSocket = Socket<CloudToEdgeEvents, EdgeToCloudEvents>;

/**
 * Routes the cloud's `relay:start` / `relay:stop` on `socket` to `controller` and acknowledges each.
 * When the cloud disconnects this edge on purpose (it is shutting down, so its media server is going
 * away), every push is stopped instead of retrying against a server that is gone.
 * @returns a function that removes the listeners
 */
export function attachRelayCommands(socket: EdgeCommandSocket, controller: RelayController): () => void {
  const reply = (ack: unknown, res: Ack): void => {
    if (typeof ack === 'function') (ack as (res: Ack) => void)(res);
  };
  // Payloads are typed by the event map but arrive from the network: the controller checks them.
  const onStart = (cmd: unknown, ack: unknown): void => {
    void controller.handle({ type: 'start', payload: cmd }).then((res) => reply(ack, res));
  };
  const onStop = (cmd: unknown, ack: unknown): void => {
    void controller.handle({ type: 'stop', payload: cmd }).then((res) => reply(ack, res));
  };
  const onDisconnect = (reason: string): void => {
    if (reason === 'io server disconnect') void controller.stopAll();
  };
  socket.on('relay:start', onStart);
  socket.on('relay:stop', onStop);
  socket.on('disconnect', onDisconnect);
  return () => {
    socket.off('relay:start', onStart);
    socket.off('relay:stop', onStop);
    socket.off('disconnect', onDisconnect);
  };
}
