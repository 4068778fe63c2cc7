/**
 * `npm run demo`: the whole system on 127.0.0.1 on embedded defaults — simulated RTSP cameras serving
 * real footage, the cloud (SQLite in the data directory) and one edge analysing the cameras with
 * YOLOX-Nano and the scene models. Seeds a demo programme (an org tree, one site of each kind with its
 * cameras, one account per role, each with a fresh password printed at start), prints the viewer URL and
 * every alert as it arrives; Ctrl-C stops every child process.
 *
 * Environment: MINGLIANG_PORT (8080), MINGLIANG_ADMIN_PASSWORD (else random, printed once),
 * MINGLIANG_DATA_DIR (./data), MINGLIANG_MODELS_DIR, MINGLIANG_MEDIA_DIR, MINGLIANG_RTSP_PORT (free port).
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { io, type Socket } from 'socket.io-client';
import { ConfigError } from '../common/config-loader.js';
import { modelsDir, repoRoot } from '../common/env.js';
import { loadManifest } from '../models/manifest.js';
import { buildApp } from '../cloud/src/app.js';
import { hashPassword, randomPassword } from '../cloud/src/auth/passwords.js';
import { loadCloudConfig } from '../cloud/src/config.js';
import { seedDemo } from '../cloud/src/demo/demo-seed.js';
import { loadEdgeConfig } from '../edge/src/config.js';
import { startEdgeNode, type EdgeNode } from '../edge/src/edge-node.js';
import { VIEWER_NAMESPACE, type CloudToViewerEvents, type EventItem, type ViewerToCloudEvents } from '../protocol/index.js';
import { loadStreamsConfig } from '../streams/config.js';
import { startCameraSimulator, type CameraSimulator } from '../streams/simulator.js';

const t0 = Date.now();
const since = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
const say = (msg: string) => process.stdout.write(`[demo ${since()}] ${msg}\n`);

async function main(): Promise<void> {
  const logger = pino({ name: 'mingliang', level: process.env.LOG_LEVEL ?? 'warn' });
  const env: Record<string, string | undefined> = { ...process.env };
  env.MINGLIANG_EDGE_TOKEN ||= randomBytes(24).toString('base64url');
  // Without MINGLIANG_MODELS_DIR the weights belong in models/ (npm run models:fetch puts them there); a
  // checkout beside the shared assets finds them in ../shared/models, as it finds its footage.
  if (!env.MINGLIANG_MODELS_DIR) {
    const weights = loadManifest('coco-yolox-nano').weights;
    const shared = path.join(repoRoot, '..', 'shared', 'models');
    if (!existsSync(path.join(modelsDir(env), weights)) && existsSync(path.join(shared, weights))) {
      env.MINGLIANG_MODELS_DIR = shared;
      say(`models: ${shared} (MINGLIANG_MODELS_DIR not set and models/ has no weights)`);
    }
  }

  const streamsCfg = loadStreamsConfig(path.join(repoRoot, 'streams', 'cameras.yaml'), { env });
  const cloudCfg = loadCloudConfig(path.join(repoRoot, 'cloud', 'config.example.yaml'), env);

  const stops: (() => Promise<void>)[] = [];
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping…');
    for (const stop of stops.reverse()) {
      await stop().catch((err: unknown) => logger.error({ err }, 'stop failed'));
    }
    process.exit(code);
  };
  process.once('SIGINT', () => void stopAll(0));
  process.once('SIGTERM', () => void stopAll(0));

  try {
    say(`starting ${streamsCfg.cameras.length} simulated RTSP cameras from real footage…`);
    const sim: CameraSimulator = await startCameraSimulator({
      cameras: streamsCfg.cameras,
      host: streamsCfg.host,
      rtspPort: env.MINGLIANG_RTSP_PORT ? Number(env.MINGLIANG_RTSP_PORT) : 0,
      logger: logger.child({ part: 'streams' }),
    });
    stops.push(() => sim.stop());
    for (const [name, url] of Object.entries(sim.urls)) say(`  camera ${name}: ${url}`);
    env.MINGLIANG_RTSP_PORT = String(sim.port);

    const app = await buildApp(cloudCfg, { logger: { level: process.env.LOG_LEVEL ?? 'warn' } });
    stops.push(() => app.close());
    await app.listen({ host: cloudCfg.server.host, port: cloudCfg.server.port });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : cloudCfg.server.port;
    const base = `http://127.0.0.1:${port}`;
    env.MINGLIANG_CLOUD_URL = base;
    // Before the edge connects, so its first events already belong to their sites.
    const accounts = await seedDemo(app.mingliang.repos);

    const edgeCfg = loadEdgeConfig(path.join(repoRoot, 'edge', 'config.example.yaml'), { env });
    say(`loading models and starting the edge (${edgeCfg.cameras.map((c) => c.id).join(', ')})…`);
    const edge: EdgeNode = await startEdgeNode(edgeCfg, logger.child({ part: 'edge' }));
    stops.push(() => edge.stop());

    const admin = cloudCfg.auth.admin;
    const { repos } = app.mingliang;
    // A demo is for logging in at once: without MINGLIANG_ADMIN_PASSWORD the admin, like every demo
    // account, gets a fresh password on every start, printed below.
    let password = admin.password || app.mingliang.initialAdminPassword;
    if (!password) {
      password = randomPassword();
      const adminUser = repos.users.findByUsername(admin.username);
      if (adminUser) repos.users.setPasswordHash(adminUser.id, await hashPassword(password), Date.now());
    }
    const rows: [string, string, string, string][] = [
      [admin.username, password, 'admin', '全部 everything'],
      ...accounts.map((a): [string, string, string, string] => [a.username, a.password, a.role, `${a.displayName} · ${a.scope}`]),
    ];
    process.stdout.write(
      [
        '',
        `  Viewer:   ${base}/`,
        `  API docs: ${base}/docs`,
        '  Accounts (fresh passwords on every demo start):',
        ...rows.map(([u, p, r, s]) => `    ${u.padEnd(11)} ${p.padEnd(22)} ${r.padEnd(10)} ${s}`),
        `  Data:     ${app.mingliang.dataDir}`,
        '  Stop:     Ctrl-C',
        '',
      ].join('\n') + '\n',
    );

    await followAlerts(base, admin.username, password, edge, stops);
  } catch (err) {
    if (err instanceof ConfigError) process.stderr.write(`${err.message}\n`);
    else process.stderr.write(`demo failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    await stopAll(1);
  }
}

/** Prints alerts as a viewer receives them, and the edge's inference figures now and then. */
async function followAlerts(base: string, username: string, password: string | null, edge: EdgeNode, stops: (() => Promise<void>)[]) {
  let first = true;
  const show = (item: EventItem) => {
    if (first) {
      first = false;
      say(`first alert received ${since()} after start`);
    }
    const score = item.topScore.toFixed(2);
    const snap = item.snapshotUrl ? ` snapshot ${base}${item.snapshotUrl}` : '';
    say(`ALERT ${item.phase.padEnd(6)} ${item.cameraId} ${item.type}/${item.label} ${score}${item.endReason ? ` (${item.endReason})` : ''}${snap}`);
  };
  const stats = setInterval(() => {
    for (const s of edge.pipeline.status()) {
      say(`camera ${s.cameraId}: ${s.state}, capture ${s.captureFps} fps, analysed ${s.analysedFps} fps, dropped ${s.droppedFrames}, inference p50 ${s.inferenceMsP50 ?? '-'} ms p95 ${s.inferenceMsP95 ?? '-'} ms`);
    }
  }, 30_000);
  stats.unref();
  stops.push(async () => clearInterval(stats));

  if (!password) {
    // Without the admin password the demo cannot log a viewer in; print what the edge sends instead.
    edge.pipeline.onMessage((m) => say(`EVENT ${m.phase.padEnd(6)} ${m.cameraId} ${m.type}/${m.label} ${m.topScore.toFixed(2)}`));
    return;
  }
  const res = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (!res.ok) throw new Error(`demo viewer login failed: HTTP ${res.status}`);
  const { token } = (await res.json()) as { token: string };
  const viewer: Socket<CloudToViewerEvents, ViewerToCloudEvents> = io(`${base}${VIEWER_NAMESPACE}`, { auth: { token }, transports: ['websocket'], forceNew: true });
  viewer.on('event', show);
  stops.push(async () => {
    viewer.disconnect();
  });
}

void main();
