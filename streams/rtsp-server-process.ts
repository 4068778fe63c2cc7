import path from 'node:path';
import type { Logger } from 'pino';
import { repoRoot } from '../common/env.js';
import { describeExit, ManagedChild } from './child-process.js';
import { GST_APT_INSTALL, SimulatorError } from './errors.js';

/** What the server reports once it listens. */
export interface ServerReady {
  port: number;
  rtpPorts: Record<string, number>;
}

/** Video codecs the RTSP server can relay. */
export type VideoCodec = 'h264' | 'h265';

/** The spec `rtsp-server.py` takes; port 0 lets it choose. */
export interface ServerSpec {
  port: number;
  /** Listen address of the RTSP port (the RTP feeds stay on loopback). */
  address: string;
  mounts: { name: string; rtpPort: number; codec: VideoCodec }[];
}

/**
 * Spawns `rtsp-server.py` with one mount per camera and waits for its `{"ready":true}` line. On
 * failure the process is stopped and a {@link SimulatorError} says what to install or fix.
 */
export async function startRtspServer(o: {
  python: string;
  spec: ServerSpec;
  logger: Logger;
  timeoutMs: number;
  /** A mount's pipeline was built for its first client and now reads the feeder's port. */
  onConfigured: (mount: string) => void;
}): Promise<{ child: ManagedChild; ready: ServerReady }> {
  const script = path.join(repoRoot, 'streams', 'rtsp-server.py');
  let settle: ((r: { ready: ServerReady } | { error: SimulatorError }) => void) | undefined;
  const outcome = new Promise<{ ready: ServerReady } | { error: SimulatorError }>((resolve) => (settle = resolve));
  const child = new ManagedChild({
    command: o.python,
    args: [script, JSON.stringify(o.spec)],
    logger: o.logger,
    onStdoutLine: (line) => {
      const msg = parseServerLine(line);
      if (!msg) {
        o.logger.warn({ line }, 'unexpected line from RTSP server');
      } else if ('event' in msg) {
        o.onConfigured(msg.mount);
      } else if (msg.ready) {
        settle?.({ ready: { port: msg.port, rtpPorts: msg.rtpPorts } });
      } else {
        const code = msg.code === 'NO_GI' ? 'PYTHON_GI_MISSING' : 'SERVER_FAILED';
        settle?.({ error: new SimulatorError(code, `RTSP server: ${msg.error}`) });
      }
    },
  });
  void child.exited.then((e) => {
    if (e.error && (e.error as NodeJS.ErrnoException).code === 'ENOENT') {
      settle?.({ error: new SimulatorError('PYTHON_GI_MISSING', `${o.python} not found; install with: ${GST_APT_INSTALL}`) });
      return;
    }
    settle?.({ error: new SimulatorError('SERVER_FAILED', `RTSP server exited before it was ready (${describeExit(e, child.stderrTail())})`) });
  });
  const timer = setTimeout(
    () => settle?.({ error: new SimulatorError('SERVER_FAILED', `RTSP server not ready within ${o.timeoutMs} ms`) }),
    o.timeoutMs,
  );
  const r = await outcome;
  settle = undefined;
  clearTimeout(timer);
  if ('error' in r) {
    await child.stop({ termGraceMs: 3000 });
    throw r.error;
  }
  o.logger.debug({ serverPid: child.pid, port: r.ready.port, rtpPorts: r.ready.rtpPorts }, 'RTSP server ready');
  return { child, ready: r.ready };
}

/** A status line of `rtsp-server.py`. */
export type ServerLine =
  | { ready: true; port: number; rtpPorts: Record<string, number> }
  | { ready: false; code: string; error: string }
  | { event: 'configured'; mount: string };

/** Parses one stdout line of `rtsp-server.py`; undefined for anything that is not a status line. */
export function parseServerLine(line: string): ServerLine | undefined {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    // Not JSON: the caller logs it as unexpected.
    return undefined;
  }
  if (!v || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  if (o.ready === true && typeof o.port === 'number' && o.rtpPorts && typeof o.rtpPorts === 'object') {
    const rtpPorts: Record<string, number> = {};
    for (const [k, p] of Object.entries(o.rtpPorts)) if (typeof p === 'number') rtpPorts[k] = p;
    return { ready: true, port: o.port, rtpPorts };
  }
  if (o.ready === false) return { ready: false, code: String(o.code ?? ''), error: String(o.error ?? 'unknown error') };
  if (o.event === 'configured' && typeof o.mount === 'string') return { event: 'configured', mount: o.mount };
  return undefined;
}
