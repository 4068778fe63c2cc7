import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import pino, { type Logger } from 'pino';
import { mediaDir } from '../common/env.js';
import { describeExit, findExecutable, ManagedChild } from './child-process.js';
import { GST_APT_INSTALL, SimulatorError } from './errors.js';
import { buildFeederArgs, buildProbeArgs } from './feeder-args.js';
import { Feeder, type FeederBackoff } from './feeder.js';
import { startRtspServer, type VideoCodec } from './rtsp-server-process.js';

const execFileAsync = promisify(execFile);

export { GST_APT_INSTALL, SimulatorError, type SimulatorErrorCode } from './errors.js';

/** Mount names the server accepts: URL- and log-safe. */
export const CAMERA_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$';
const CAMERA_NAME = new RegExp(CAMERA_NAME_PATTERN);
const FIRST_FEED_FALLBACK_MS = 2000;

/** One simulated camera: its mount name and the clip it loops. */
export interface SimulatedCamera {
  /** Mount name: the URL path, e.g. `street-1`. */
  readonly name: string;
  /** Clip path; a relative path is resolved against the media directory (`MINGLIANG_MEDIA_DIR`). */
  readonly clip: string;
}

/** Options of {@link startCameraSimulator}. */
export interface CameraSimulatorOptions {
  readonly cameras: readonly SimulatedCamera[];
  /** RTSP port; 0 (the default) lets the OS choose one, see {@link CameraSimulator.port}. */
  readonly rtspPort?: number;
  /**
   * Listen address of the RTSP port. Default `127.0.0.1`; a container serving other containers uses
   * `0.0.0.0`. The RTP feeds between feeders and server always stay on loopback.
   */
  readonly host?: string;
  readonly logger?: Logger;
  /** Resolve only once every mount answers an RTSP probe with video. Default true. */
  readonly waitReadable?: boolean;
  /**
   * Per-camera limit of that wait. Default 30 000 ms: a mount is readable at the clip's next
   * keyframe, and some clips have one keyframe every 10 s.
   */
  readonly readableTimeoutMs?: number;
  /** Limit for the RTSP server to start listening. Default 20 000 ms (a first GStreamer run scans plugins). */
  readonly serverStartTimeoutMs?: number;
  /** Environment used for `MINGLIANG_MEDIA_DIR` and PATH lookups. Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Default `ffmpeg` on PATH. */
  readonly ffmpegPath?: string;
  /** Default `ffprobe` on PATH. */
  readonly ffprobePath?: string;
  /** Interpreter with the GStreamer GI bindings. Default `/usr/bin/python3`. */
  readonly pythonPath?: string;
  /** Restart pacing of feeders that exit on their own. */
  readonly feederBackoff?: FeederBackoff;
  /** Aborting stops the simulator; during start-up the promise then rejects. */
  readonly signal?: AbortSignal;
}

/** How the simulator ended. */
export interface SimulatorClosed {
  readonly reason: 'stopped' | 'server-exited';
  readonly detail?: string;
}

/** Pids of the simulator's child processes, for leak checks. */
export interface SimulatorPids {
  readonly server: number | undefined;
  readonly feeders: Readonly<Record<string, number | undefined>>;
}

/** A running set of simulated RTSP cameras on 127.0.0.1. */
export interface CameraSimulator {
  /** Camera name → `rtsp://127.0.0.1:<port>/<name>`. */
  readonly urls: Readonly<Record<string, string>>;
  /** The RTSP port actually bound. */
  readonly port: number;
  /** Camera name → loopback UDP port its feeder sends RTP to (chosen and held by the server). */
  readonly rtpPorts: Readonly<Record<string, number>>;
  /** Resolves when the simulator has stopped, by {@link stop} or because the server died. */
  readonly closed: Promise<SimulatorClosed>;
  /** Stops one camera's feeder (an outage: clients stay connected but get no video); resolves once ffmpeg exited. */
  stopFeeder(name: string): Promise<void>;
  /** Starts a stopped feeder again; video resumes at the clip's next keyframe. */
  startFeeder(name: string): void;
  /** Resolves once `name` (or every camera) answers an RTSP probe with video; rejects after the timeout. */
  waitUntilReadable(name?: string, timeoutMs?: number): Promise<void>;
  pids(): SimulatorPids;
  /** Stops every feeder and the server; idempotent. */
  stop(): Promise<void>;
}

/** The codec of a clip's first video stream; only H.264 and H.265 can be served. */
export async function probeVideoCodec(ffprobe: string, clip: string): Promise<VideoCodec> {
  const { stdout } = await execFileAsync(ffprobe, ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name', '-of', 'csv=p=0', clip], {
    timeout: 15_000,
  });
  // MPEG-TS lists the stream under its program too: the first non-empty line is the answer.
  const codec = stdout.split('\n').map((l) => l.trim()).find((l) => l !== '') ?? '';
  if (codec === 'h264') return 'h264';
  if (codec === 'hevc') return 'h265';
  throw new SimulatorError('BAD_OPTIONS', `clip ${clip} is ${codec || 'not a video'}: only H.264 and H.265 clips can be served`);
}

/** Absolute path of a clip: relative names are resolved against {@link mediaDir}. */
export function resolveClip(clip: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.isAbsolute(clip) ? clip : path.resolve(mediaDir(env), clip);
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    // Missing or unreadable: both mean the clip cannot be used.
    return false;
  }
}

function validate(opts: CameraSimulatorOptions): void {
  if (opts.cameras.length === 0) throw new SimulatorError('BAD_OPTIONS', 'cameras must not be empty');
  const seen = new Set<string>();
  for (const c of opts.cameras) {
    if (!CAMERA_NAME.test(c.name)) {
      throw new SimulatorError('BAD_OPTIONS', `camera name "${c.name}" must match ${CAMERA_NAME_PATTERN}`);
    }
    if (seen.has(c.name)) throw new SimulatorError('BAD_OPTIONS', `camera name "${c.name}" is repeated`);
    seen.add(c.name);
  }
  const port = opts.rtspPort ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new SimulatorError('BAD_OPTIONS', `rtspPort must be an integer 0..65535, got ${port}`);
  }
  const host = opts.host ?? '127.0.0.1';
  if (!/^(\d{1,3}\.){3}\d{1,3}$/.test(host)) throw new SimulatorError('BAD_OPTIONS', `host must be an IPv4 address, got '${host}'`);
}

/**
 * Starts real RTSP cameras on 127.0.0.1 that loop real footage: a gst-rtsp-server process
 * (`rtsp-server.py`) with one shared mount per camera, fed by one ffmpeg per camera that sends the
 * clip's H.264 as RTP over loopback UDP without re-encoding. Resolves once the server listens and,
 * unless `waitReadable` is false, once every mount serves video. On failure everything already
 * started is stopped before the promise rejects with a {@link SimulatorError}.
 */
export async function startCameraSimulator(opts: CameraSimulatorOptions): Promise<CameraSimulator> {
  validate(opts);
  const env = opts.env ?? process.env;
  const log = opts.logger ?? pino({ level: 'silent' });
  const clips = new Map<string, string>();
  for (const c of opts.cameras) {
    const clip = resolveClip(c.clip, env);
    if (!isFile(clip)) {
      const setting = env.MINGLIANG_MEDIA_DIR ? `MINGLIANG_MEDIA_DIR=${env.MINGLIANG_MEDIA_DIR}` : 'MINGLIANG_MEDIA_DIR is not set';
      throw new SimulatorError(
        'CLIP_MISSING',
        `clip of camera "${c.name}" not found: ${clip} (media directory ${mediaDir(env)}; ${setting})`,
      );
    }
    clips.set(c.name, clip);
  }
  const waitReadable = opts.waitReadable ?? true;
  const ffmpeg = requireExecutable(opts.ffmpegPath ?? 'ffmpeg', env);
  const ffprobe = waitReadable || opts.ffprobePath ? requireExecutable(opts.ffprobePath ?? 'ffprobe', env) : undefined;
  const python = opts.pythonPath ?? '/usr/bin/python3';
  if (!findExecutable(python, env)) {
    throw new SimulatorError(
      'PYTHON_GI_MISSING',
      `Python interpreter ${python} not found; the RTSP server needs it with the GStreamer bindings: ${GST_APT_INSTALL}`,
    );
  }

  const host = opts.host ?? '127.0.0.1';
  const names = opts.cameras.map((c) => c.name);
  const feeders = new Map<string, Feeder>();
  // Feeders waiting for their first start (see below); started early by the server's event.
  const pendingStart = new Map<string, NodeJS.Timeout>();
  const startPending = (name: string): void => {
    const timer = pendingStart.get(name);
    if (timer === undefined) return;
    clearTimeout(timer);
    pendingStart.delete(name);
    feeders.get(name)?.start();
  };
  // The server needs each clip's codec to build the right depayloader/payloader chain.
  const codecs = new Map<string, VideoCodec>();
  const ffprobeForCodecs = ffprobe ?? requireExecutable('ffprobe', env);
  for (const name of names) codecs.set(name, await probeVideoCodec(ffprobeForCodecs, clips.get(name) ?? ''));
  const { child: server, ready } = await startRtspServer({
    python,
    spec: { port: opts.rtspPort ?? 0, address: host, mounts: names.map((name) => ({ name, rtpPort: 0, codec: codecs.get(name) ?? 'h264' })) },
    logger: log.child({ component: 'rtsp-server' }),
    timeoutMs: opts.serverStartTimeoutMs ?? 20_000,
    onConfigured: (mount) => {
      log.debug({ camera: mount }, 'first client is watching');
      startPending(mount);
    },
  });
  const urls: Record<string, string> = {};
  const rtpPorts: Record<string, number> = {};
  for (const name of names) {
    const rtpPort = ready.rtpPorts[name];
    const clip = clips.get(name);
    if (rtpPort === undefined || clip === undefined) {
      await server.stop({ termGraceMs: 3000 });
      throw new SimulatorError('SERVER_FAILED', `RTSP server did not report an RTP port for "${name}"`);
    }
    // Clients on this machine reach a wildcard listener through loopback.
    urls[name] = `rtsp://${host === '0.0.0.0' ? '127.0.0.1' : host}:${ready.port}/${name}`;
    rtpPorts[name] = rtpPort;
    feeders.set(
      name,
      new Feeder({
        name,
        ffmpegPath: ffmpeg,
        args: buildFeederArgs({ clip, rtpPort }),
        logger: log.child({ component: 'feeder' }),
        ...(opts.feederBackoff ? { backoff: opts.feederBackoff } : {}),
      }),
    );
  }

  const probes = new Set<ManagedChild>();
  const closing = new AbortController();
  let resolveClosed!: (c: SimulatorClosed) => void;
  const closed = new Promise<SimulatorClosed>((resolve) => (resolveClosed = resolve));
  // Last resort when the host process exits without calling stop(): no orphaned ffmpeg or server.
  const killAll = (): void => {
    for (const f of feeders.values()) f.killNow();
    for (const p of probes) p.killNow();
    server.killNow();
  };
  process.on('exit', killAll);

  let stopping: Promise<void> | undefined;
  const shutdown = (why: SimulatorClosed): Promise<void> => {
    stopping ??= (async () => {
      closing.abort();
      for (const t of pendingStart.values()) clearTimeout(t);
      pendingStart.clear();
      await Promise.all([...feeders.values()].map((f) => f.stop()));
      await Promise.all([...probes].map((p) => p.stop({ termGraceMs: 1000 })));
      await server.stop({ termGraceMs: 3000 });
      process.removeListener('exit', killAll);
      log.info({ reason: why.reason }, 'camera simulator stopped');
      resolveClosed(why);
    })();
    return stopping;
  };
  let serverDied: string | undefined;
  void server.exited.then((e) => {
    if (stopping) return;
    const detail = describeExit(e, server.stderrTail());
    serverDied = detail;
    log.error({ detail }, 'RTSP server exited unexpectedly; stopping the simulator');
    void shutdown({ reason: 'server-exited', detail });
  });

  const onAbort = (): void => void shutdown({ reason: 'stopped', detail: 'aborted' });
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  void closed.then(() => opts.signal?.removeEventListener('abort', onAbort));

  const feeder = (name: string): Feeder => {
    const f = feeders.get(name);
    if (!f) throw new SimulatorError('UNKNOWN_CAMERA', `no simulated camera "${name}" (have ${names.join(', ')})`);
    return f;
  };

  const waitOne = async (name: string, timeoutMs: number): Promise<void> => {
    const url = urls[name] ?? '';
    if (!ffprobe) throw new SimulatorError('FFMPEG_MISSING', 'ffprobe is needed to check readability');
    const deadline = Date.now() + timeoutMs;
    let last = 'no probe ran';
    while (!closing.signal.aborted) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      const r = await probe(ffprobe, url, Math.min(remaining, 20_000), log, probes);
      if (r.ok) {
        log.debug({ camera: name, width: r.width, height: r.height }, 'camera readable');
        return;
      }
      last = r.reason;
      await sleep(Math.min(300, Math.max(0, deadline - Date.now())));
    }
    if (closing.signal.aborted) {
      const why = serverDied ? `the RTSP server exited (${serverDied})` : 'the simulator was stopped';
      throw new SimulatorError(serverDied ? 'SERVER_FAILED' : 'STOPPED', `${why} while waiting for "${name}"`);
    }
    const feederTail = feeder(name).stderrTail().slice(-3).join(' | ');
    throw new SimulatorError(
      'NOT_READABLE',
      `camera "${name}" (${url}, clip ${clips.get(name) ?? '?'}) not readable within ${timeoutMs} ms: ${last}` +
        (feederTail ? `; feeder stderr: ${feederTail}` : ''),
    );
  };

  const sim: CameraSimulator = {
    urls,
    port: ready.port,
    rtpPorts,
    closed,
    stopFeeder: async (name) => {
      const f = feeder(name);
      clearTimeout(pendingStart.get(name));
      pendingStart.delete(name);
      await f.stop();
    },
    startFeeder: (name) => {
      const f = feeder(name);
      if (stopping) throw new SimulatorError('STOPPED', `cannot start camera "${name}": the simulator has stopped`);
      clearTimeout(pendingStart.get(name));
      pendingStart.delete(name);
      f.start();
    },
    waitUntilReadable: async (name, timeoutMs) => {
      if (name !== undefined) feeder(name); // an unknown name is an error, not an empty wait
      const t = timeoutMs ?? opts.readableTimeoutMs ?? 30_000;
      await Promise.all((name === undefined ? names : [name]).map((n) => waitOne(n, t)));
    },
    pids: () => ({
      server: server.pid,
      feeders: Object.fromEntries(names.map((n) => [n, feeders.get(n)?.pid])),
    }),
    stop: () => shutdown({ reason: 'stopped' }),
  };

  if (opts.signal?.aborted) {
    await sim.stop();
    throw new SimulatorError('STOPPED', 'start-up aborted');
  }
  if (waitReadable) {
    // The probes connect first and each feeder starts once its mount's pipeline is reading, so the
    // clip's opening keyframe is caught instead of waiting up to a GOP (10 s on some clips) for the
    // next one. The timer starts a feeder anyway should the event not come.
    for (const name of names) pendingStart.set(name, setTimeout(() => startPending(name), FIRST_FEED_FALLBACK_MS));
  } else {
    for (const f of feeders.values()) f.start();
  }
  log.info({ port: ready.port, cameras: names }, 'camera simulator listening');
  if (waitReadable) {
    try {
      await sim.waitUntilReadable();
    } catch (err) {
      await sim.stop();
      throw err;
    }
  }
  return sim;
}

function requireExecutable(command: string, env: NodeJS.ProcessEnv): string {
  const found = findExecutable(command, env);
  if (!found) {
    throw new SimulatorError('FFMPEG_MISSING', `${command} not found: install it (Debian: apt-get install -y ffmpeg) or pass its path`);
  }
  return found;
}


type ProbeResult = { ok: true; width: number; height: number } | { ok: false; reason: string };

/** One ffprobe of `url`, killed after `timeoutMs`. */
async function probe(ffprobe: string, url: string, timeoutMs: number, log: Logger, running: Set<ManagedChild>): Promise<ProbeResult> {
  const out: string[] = [];
  const child = new ManagedChild({
    command: ffprobe,
    args: buildProbeArgs(url),
    logger: log.child({ component: 'probe' }),
    onStdoutLine: (l) => out.push(l),
  });
  running.add(child);
  const timer = setTimeout(() => void child.stop({ termGraceMs: 1000 }), timeoutMs);
  const e = await child.exited;
  clearTimeout(timer);
  running.delete(child);
  if (e.code !== 0) return { ok: false, reason: `ffprobe ${describeExit(e, child.stderrTail())}` };
  try {
    const parsed = JSON.parse(out.join('\n')) as { streams?: { width?: number; height?: number }[] };
    const s = parsed.streams?.[0];
    if (s?.width && s.height) return { ok: true, width: s.width, height: s.height };
    return { ok: false, reason: 'ffprobe found no video stream' };
  } catch {
    // Output cut short (killed mid-write): report it like any failed probe.
    return { ok: false, reason: 'ffprobe printed no JSON' };
  }
}
