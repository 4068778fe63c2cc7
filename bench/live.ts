/**
 * `npm run bench:live`: concurrent HTTP-FLV viewers of one camera through the whole product — simulated
 * RTSP camera → edge relay (ffmpeg -c copy) → cloud (fastify + socket.io) → media child
 * (node-media-server) → viewers on loopback. Each viewer asks the cloud for a live view
 * (`POST /api/live/:cameraId`) and reads the signed HTTP-FLV URL; time to first frame (TTFF) runs from
 * the request to the first keyframe read. Viewers are added in steps (100, 250, 500, 1000 by default),
 * bounded in time; at the end every viewer must still be receiving.
 *
 * Figures go to bench/results/live.md; the last line of output is one JSON object
 * `{"viewers":…, "allReceiving":…, "ttffP50Ms":…, "ttffP95Ms":…}`.
 *
 * Environment: BENCH_LIVE_VIEWERS (default 1000), BENCH_LIVE_SECONDS (ramp time limit, default 30),
 * LOG_LEVEL (default silent). A thousand viewers need about 2 100 file descriptors in this process and
 * 1 100 in the media child (`ulimit -n`).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { io } from 'socket.io-client';
import { repoRoot } from '../common/env.js';
import { buildApp } from '../cloud/src/app.js';
import { parseCloudConfig } from '../cloud/src/config.js';
import { attachRelayCommands, createRelayController, type EdgeCommandSocket } from '../edge/src/relay/index.js';
import { EDGE_NAMESPACE, LIVE_PATH, type Ack, type LiveViewResponse } from '../protocol/index.js';
import { startCameraSimulator } from '../streams/simulator.js';
import { readHttpFlv, type FlvRead } from './live-flv.js';
import { descendantsCpu, selfCpu } from './proc-cpu.js';

const MAX_VIEWERS = Number(process.env.BENCH_LIVE_VIEWERS ?? 1000);
const RAMP_SECONDS = Number(process.env.BENCH_LIVE_SECONDS ?? 30);
const STEPS = [100, 250, 500, 1000, 2000].filter((n) => n < MAX_VIEWERS).concat(MAX_VIEWERS);
/** Viewers asking at the same moment: a wall of monitors opening together, not one request at a time. */
const CONCURRENCY = 100;
const CHECK_SECONDS = 3;
const CLIP = 'videos/intel-person-bicycle-car-gop1s-noaudio.ts';
const CAMERA = 'bench-cam';
const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
const say = (s: string): void => void process.stderr.write(`[bench:live] ${s}\n`);

interface Viewer {
  readonly t0: number;
  /** When the cloud answered the POST. */
  answeredAt: number | undefined;
  read: FlvRead | undefined;
  error: string | undefined;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

function postJson(url: string, token: string, agent: http.Agent): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(parts).toString('utf8')) as unknown }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function main(): Promise<void> {
  const started = new Date();
  const dataDir = path.join(os.tmpdir(), `ml-bench-live-${process.pid}`);
  const edgeToken = randomBytes(24).toString('base64url');
  const password = randomBytes(12).toString('base64url');
  say(
    `up to ${MAX_VIEWERS} viewers in steps ${STEPS.join(', ')}, ramp limit ${RAMP_SECONDS} s; ${os.cpus().length} cores, ` +
      `load average ${loadAverage()}, ulimit -n ${ulimit()}`,
  );

  const sim = await startCameraSimulator({ cameras: [{ name: CAMERA, clip: CLIP }], logger });
  const app = await buildApp(
    parseCloudConfig(
      {
        server: { port: 0 },
        dataDir,
        auth: { admin: { password } },
        edges: [{ id: 'bench-edge', token: edgeToken }],
        media: { enabled: true, rtmpPort: 0, httpPort: 0, lingerSeconds: 5 },
      },
      {},
    ),
  );
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const relay = createRelayController({ edgeId: 'bench-edge', cameras: [{ id: CAMERA, url: sim.urls[CAMERA] ?? '' }], logger });
  const edge: EdgeCommandSocket = io(`${base}${EDGE_NAMESPACE}`, { auth: { edgeId: 'bench-edge', token: edgeToken }, transports: ['websocket'], forceNew: true });
  attachRelayCommands(edge, relay);
  await new Promise<void>((resolve, reject) => {
    edge.once('connect', () => resolve());
    edge.once('connect_error', reject);
  });
  const hello = (await edge.timeout(5000).emitWithAck('hello', { edgeId: 'bench-edge', version: 'bench', cameras: [{ id: CAMERA, name: 'Bench', rules: [] }] })) as Ack;
  if (!hello.ok) throw new Error(`hello refused: ${hello.error.message}`);
  const login = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password }),
  });
  const { token } = (await login.json()) as { token: string };

  const apiAgent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  // One connection per viewer, as separate players would have.
  const flvAgent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  const viewers: Viewer[] = [];
  const addViewer = async (): Promise<void> => {
    const v: Viewer = { t0: performance.now(), answeredAt: undefined, read: undefined, error: undefined };
    viewers.push(v);
    try {
      const res = await postJson(`${base}${LIVE_PATH}/${CAMERA}`, token, apiAgent);
      if (res.status !== 200) throw new Error(`POST answered ${res.status}: ${JSON.stringify(res.body)}`);
      v.answeredAt = performance.now();
      v.read = readHttpFlv((res.body as LiveViewResponse).url, flvAgent, () => performance.now());
    } catch (err) {
      v.error = (err as Error).message;
    }
  };
  const ttff = (v: Viewer): number | undefined => (v.read?.stats.firstKeyframeAt === undefined ? undefined : v.read.stats.firstKeyframeAt - v.t0);

  const rampDeadline = performance.now() + RAMP_SECONDS * 1000;
  const stepLines: string[] = [];
  let reached = 0;
  for (const target of STEPS) {
    if (performance.now() > rampDeadline) break;
    const first = viewers.length;
    while (viewers.length < target && performance.now() < rampDeadline) {
      const batch = Math.min(CONCURRENCY, target - viewers.length);
      await Promise.all(Array.from({ length: batch }, addViewer));
    }
    const added = viewers.slice(first);
    const waitUntil = Math.min(rampDeadline, performance.now() + 10_000);
    while (performance.now() < waitUntil && added.some((v) => !v.error && ttff(v) === undefined && !v.read?.stats.error)) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const times = added.map(ttff).filter((t): t is number => t !== undefined).sort((a, b) => a - b);
    const answers = added.map((v) => (v.answeredAt === undefined ? undefined : v.answeredAt - v.t0)).filter((t): t is number => t !== undefined).sort((a, b) => a - b);
    // The media child is this process's only node descendant (the simulator and relay are python and ffmpeg).
    const cpu0 = { media: descendantsCpu(process.pid, 'node'), self: selfCpu(), t: performance.now() };
    await new Promise((r) => setTimeout(r, 1000));
    const secs = (performance.now() - cpu0.t) / 1000;
    const mediaCpu = ((descendantsCpu(process.pid, 'node') - cpu0.media) / secs) * 100;
    const selfCpuPct = ((selfCpu() - cpu0.self) / secs) * 100;
    const line =
      `${viewers.length} viewers: ${times.length}/${added.length} new ones got a keyframe, POST answered p50 ${percentile(answers, 50).toFixed(0)} ms, ` +
      `TTFF p50 ${percentile(times, 50).toFixed(0)} ms, ` +
      `p95 ${percentile(times, 95).toFixed(0)} ms, max ${percentile(times, 100).toFixed(0)} ms; then streaming to all: media child ` +
      `${mediaCpu.toFixed(0)}% of a core, bench process (cloud + edge control + readers) ${selfCpuPct.toFixed(0)}%`;
    say(line);
    stepLines.push(line);
    reached = viewers.length;
    if (times.length < added.length) break;
  }

  // Every viewer still receiving: bytes grow over a few seconds, no errors, no early end.
  const before = viewers.map((v) => v.read?.stats.bytes ?? 0);
  await new Promise((r) => setTimeout(r, CHECK_SECONDS * 1000));
  const stalled = viewers.filter((v, i) => !v.read || v.error || v.read.stats.error || v.read.stats.bytes <= (before[i] ?? 0));
  const allReceiving = stalled.length === 0 && viewers.length > 0;
  const all = viewers.map(ttff).filter((t): t is number => t !== undefined).sort((a, b) => a - b);
  const cold = ttff(viewers[0] as Viewer);
  // Viewers after the first step found the camera already pushing.
  const warm = viewers.slice(STEPS[0]).map(ttff).filter((t): t is number => t !== undefined).sort((a, b) => a - b);
  const warmLine = `viewers joining a running stream (all after the first ${STEPS[0]}): TTFF p50 ${percentile(warm, 50).toFixed(0)} ms, p95 ${percentile(warm, 95).toFixed(0)} ms`;
  say(warmLine);
  const bytes = viewers.reduce((sum, v) => sum + (v.read?.stats.bytes ?? 0), 0);
  say(
    `${viewers.length} viewers, ${stalled.length} not receiving over ${CHECK_SECONDS} s${stalled[0] ? ` (first: ${stalled[0].error ?? stalled[0].read?.stats.error ?? 'no new bytes'})` : ''}; ` +
      `cold-start TTFF ${cold?.toFixed(0)} ms; ${(bytes / 1e6).toFixed(0)} MB read in total`,
  );

  for (const v of viewers) v.read?.close();
  flvAgent.destroy();
  apiAgent.destroy();
  edge.disconnect();
  await relay.stop();
  await app.close();
  await sim.stop();
  rmSync(dataDir, { recursive: true, force: true });

  const figures = {
    viewers: allReceiving ? reached : viewers.length - stalled.length,
    allReceiving,
    ttffP50Ms: Math.round(percentile(all, 50)),
    ttffP95Ms: Math.round(percentile(all, 95)),
  };
  writeResults(started, figures, [...stepLines, warmLine], cold);
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

/** Other work on the machine skews every figure here: the results say how busy it was. */
function loadAverage(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

function ulimit(): string {
  try {
    return execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim();
  } catch {
    // Not a POSIX shell: the figure is only informative.
    return '?';
  }
}

function writeResults(
  started: Date,
  figures: { viewers: number; allReceiving: boolean; ttffP50Ms: number; ttffP95Ms: number },
  steps: readonly string[],
  coldMs: number | undefined,
): void {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const text = [
    '# Live view benchmark',
    '',
    `Run ${started.toISOString()} with \`npm run bench:live\` (\`npm run build && node dist/bench/live.js\`; ` +
      `BENCH_LIVE_VIEWERS=${MAX_VIEWERS}, BENCH_LIVE_SECONDS=${RAMP_SECONDS}) ` +
      `on ${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.type()} ${os.release()}, ulimit -n ${ulimit()}; ` +
      `load average at the end ${loadAverage()} (the machine is shared: other work skews these figures).`,
    '',
    'One simulated RTSP camera (Intel parking-lot clip, H.264 768x432, 12 fps, 1 s GOP, ~1.2 Mbit/s) → edge relay',
    '(ffmpeg -c copy, RTMP) → media child (node-media-server 4) → viewers on loopback, each of them',
    '`POST /api/live/:cameraId` then a plain HTTP-FLV read. TTFF = from the POST to the first keyframe read.',
    `Viewers are added ${CONCURRENCY} at a time; the first step asks for a camera nobody watches yet, so all of it waits for the edge's push.`,
    'CPU figures are for one second of streaming to all viewers after each step.',
    'Everything (camera simulator, edge ffmpeg, cloud, media child, readers) shares the same cores.',
    '',
    ...steps.map((s) => `- ${s}`),
    `- cold start (first viewer, includes the edge starting its push): TTFF ${coldMs?.toFixed(0) ?? 'n/a'} ms`,
    '',
    '```json',
    JSON.stringify(figures),
    '```',
    '',
  ].join('\n');
  const dir = path.join(repoRoot, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'live.md'), text);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:live failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
