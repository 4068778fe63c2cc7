/**
 * `npm run bench:ingest`: edge events acknowledged per second by the cloud (each ack sent only after
 * the event's commit), for many concurrent edges, ÷ the rate of the same clients against a bare
 * socket.io server that acknowledges without validating or storing. Both servers run in a child
 * process of their own, one after the other, alternating for BENCH_ROUNDS rounds in this one run;
 * the clients are the same code in this process. Prints the figures, writes them to
 * bench/results/ingest.md, and prints one JSON object as the last line.
 *
 * BENCH_EDGES (20) edges × BENCH_CAMERAS (4) cameras, BENCH_LANES (8) events in flight per edge,
 * BENCH_UPDATES (2) updates per event, BENCH_SECONDS (8) measured after BENCH_WARMUP (2) s, BENCH_ROUNDS (3).
 * BENCH_SERVER_NODE_ARGS passes node flags to the server processes (e.g. `--cpu-prof --cpu-prof-dir=/tmp/p`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { repoRoot } from '../common/env.js';
import { runLoad, type LoadEdge, type LoadResult } from './ingest-load.js';
import { descendantsCpu } from './proc-cpu.js';

const num = (name: string, fallback: number): number => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
};
const EDGES = num('BENCH_EDGES', 20);
const CAMERAS = num('BENCH_CAMERAS', 4);
const LANES = num('BENCH_LANES', 8);
const UPDATES = num('BENCH_UPDATES', 2);
const SECONDS = num('BENCH_SECONDS', 8);
const WARMUP = num('BENCH_WARMUP', 2);
const ROUNDS = num('BENCH_ROUNDS', 3);
const say = (s: string): void => void process.stderr.write(`[bench:ingest] ${s}\n`);

type Mode = 'bare' | 'cloud';

interface Measured extends LoadResult {
  mode: Mode;
  round: number;
  /** CPU milliseconds of the server process per acknowledged event. */
  serverCpuMsPerEvent: number;
  /** CPU milliseconds of the client (this) process per acknowledged event. */
  clientCpuMsPerEvent: number;
  /** Cores' worth of CPU used by server and clients during the measurement. */
  serverCores: number;
  clientCores: number;
  serverStats: Record<string, number>;
}

/** Starts the server child and resolves with it and its port once it prints READY. */
function startServer(mode: Mode, edgesFile: string, dataDir: string): Promise<{ child: ChildProcess; port: number; stats: Promise<Record<string, number>> }> {
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'ingest-server.js');
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
  const child = spawn(process.execPath, [...nodeArgs, script, mode, edgesFile, dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  let onStats: (s: Record<string, number>) => void = () => undefined;
  const stats = new Promise<Record<string, number>>((resolve) => (onStats = resolve));
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout ?? process.stdin });
    lines.on('line', (line) => {
      if (process.env.BENCH_DEBUG) say(`${mode} server: ${line.slice(0, 80)}`);
      const [word, rest = ''] = line.split(' ', 2);
      if (word === 'READY') resolve({ child, port: Number(rest), stats });
      else if (word === 'STATS') onStats(JSON.parse(line.slice('STATS '.length)) as Record<string, number>);
    });
    // stdout closes after the last line was read, unlike 'exit', which can overtake it.
    lines.once('close', () => {
      reject(new Error(`${mode} server ended before it was ready`));
      onStats({});
    });
    child.once('exit', (code, signal) => {
      if (code !== 0) say(`${mode} server exited with ${code ?? signal}`);
    });
  });
}

async function measure(mode: Mode, round: number, edges: LoadEdge[], edgesFile: string, work: string): Promise<Measured> {
  const dataDir = path.join(work, `${mode}-${round}`);
  const { child, port, stats } = await startServer(mode, edgesFile, dataDir);
  let cpuAtStart = 0;
  let cpu = 0;
  let clientAtStart = process.cpuUsage();
  let clientCpu = 0;
  let wallAtStart = 0;
  let wall = 0;
  try {
    const result = await runLoad({
      url: `http://127.0.0.1:${port}`,
      edges,
      lanes: LANES,
      updates: UPDATES,
      warmupMs: WARMUP * 1000,
      measureMs: SECONDS * 1000,
      onMeasure: (phase) => {
        // The server child is this process's only node descendant.
        if (phase === 'start') {
          cpuAtStart = descendantsCpu(process.pid, 'node');
          clientAtStart = process.cpuUsage();
          wallAtStart = performance.now();
        } else {
          cpu = descendantsCpu(process.pid, 'node') - cpuAtStart;
          const used = process.cpuUsage(clientAtStart);
          clientCpu = (used.user + used.system) / 1e6;
          wall = (performance.now() - wallAtStart) / 1000;
        }
      },
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const serverStats = await stats;
    // Let it finish exiting (a --cpu-prof profile is written then), but not forever.
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    const perEvent = (seconds: number): number => (result.acked > 0 ? (seconds * 1000) / result.acked : 0);
    return {
      ...result,
      mode,
      round,
      serverCpuMsPerEvent: perEvent(cpu),
      clientCpuMsPerEvent: perEvent(clientCpu),
      serverCores: wall > 0 ? cpu / wall : 0,
      clientCores: wall > 0 ? clientCpu / wall : 0,
      serverStats,
    };
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const r3 = (v: number): number => Math.round(v * 1000) / 1000;

async function main(): Promise<void> {
  const started = new Date();
  const work = mkdtempSync(path.join(os.tmpdir(), 'ml-bench-ingest-'));
  try {
    const edges: LoadEdge[] = Array.from({ length: EDGES }, (_, i) => ({
      id: `bench-edge-${i + 1}`,
      token: randomBytes(24).toString('base64url'),
      cameras: Array.from({ length: CAMERAS }, (_, c) => `bench-${i + 1}-cam-${c + 1}`),
    }));
    const edgesFile = path.join(work, 'edges.json');
    writeFileSync(edgesFile, JSON.stringify(edges.map(({ id, token }) => ({ id, token }))));
    say(`${EDGES} edges × ${CAMERAS} cameras, ${LANES} events in flight per edge, start + ${UPDATES} updates + end per event; ${WARMUP} s warm-up, ${SECONDS} s measured, ${ROUNDS} rounds; ${os.cpus().length} cores`);

    const runs: Measured[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      for (const mode of ['bare', 'cloud'] as const) {
        const m = await measure(mode, round, edges, edgesFile, work);
        runs.push(m);
        say(
          `round ${round} ${mode.padEnd(5)} ${m.eventsPerSecond.toFixed(0).padStart(6)} events/s acked` +
            `  (ack p50 ${m.ackMsP50.toFixed(1)} ms, p99 ${m.ackMsP99.toFixed(1)} ms; CPU-ms/event server ${m.serverCpuMsPerEvent.toFixed(3)},` +
            ` clients ${m.clientCpuMsPerEvent.toFixed(3)}; cores busy server ${m.serverCores.toFixed(2)}, clients ${m.clientCores.toFixed(2)};` +
            ` refused ${JSON.stringify(m.refused)}, timeouts ${m.timeouts})` +
            (mode === 'cloud' ? `  batches: ${JSON.stringify(m.serverStats)}` : ''),
        );
      }
    }
    const bare = mean(runs.filter((r) => r.mode === 'bare').map((r) => r.eventsPerSecond));
    const cloud = mean(runs.filter((r) => r.mode === 'cloud').map((r) => r.eventsPerSecond));
    const figures = { eventsPerSecond: Math.round(cloud), ratioToBareTransport: r3(cloud / bare) };
    // Each round's own ratio shows how much the shared machine moved the figures between rounds.
    const paired = Array.from({ length: ROUNDS }, (_, i) => {
      const b = runs.find((r) => r.round === i + 1 && r.mode === 'bare');
      const c = runs.find((r) => r.round === i + 1 && r.mode === 'cloud');
      return b && c ? r3(c.eventsPerSecond / b.eventsPerSecond) : 0;
    });
    say(`cloud ${cloud.toFixed(0)} events/s ÷ bare socket.io ${bare.toFixed(0)} events/s = ${figures.ratioToBareTransport} (per round: ${paired.join(', ')})`);
    writeResults(started, figures, bare, runs, paired);
    process.stdout.write(`${JSON.stringify(figures)}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function writeResults(
  started: Date,
  figures: { eventsPerSecond: number; ratioToBareTransport: number },
  bare: number,
  runs: Measured[],
  paired: number[],
): void {
  const dir = path.join(repoRoot, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const rows = runs.map(
    (r) =>
      `| ${r.round} | ${r.mode} | ${r.eventsPerSecond.toFixed(0)} | ${r.ackMsP50.toFixed(1)} | ${r.ackMsP99.toFixed(1)} | ${r.serverCpuMsPerEvent.toFixed(3)} | ${r.clientCpuMsPerEvent.toFixed(3)} | ${r.serverCores.toFixed(2)} / ${r.clientCores.toFixed(2)} | ${JSON.stringify(r.refused)} / ${r.timeouts} |`,
  );
  const text = [
    '# bench:ingest results',
    '',
    `Measured ${started.toISOString()} by \`npm run bench:ingest\` (\`npm run build && node dist/bench/ingest.js\`;`,
    `BENCH_EDGES=${EDGES} BENCH_CAMERAS=${CAMERAS} BENCH_LANES=${LANES} BENCH_UPDATES=${UPDATES} BENCH_SECONDS=${SECONDS} BENCH_WARMUP=${WARMUP} BENCH_ROUNDS=${ROUNDS}).`,
    `Machine: ${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.type()} ${os.release()}; shared with other work, so figures vary run to run.`,
    '',
    `${EDGES} socket.io clients, each an edge with its own token and ${CAMERAS} cameras, keep ${LANES} events each in flight`,
    `(start, ${UPDATES} updates, end; every message waits for its ack before the next phase of its event) and send a`,
    'heartbeat a second. The cloud validates each message against its schema, stores it idempotently in SQLite',
    '(WAL) and acknowledges it only after the transaction holding it committed; the bare server is socket.io',
    'acknowledging every message unread. Servers run in their own process, alternately, clients in the bench process.',
    '',
    '| figure | value | goal |',
    '|---|---|---|',
    `| eventsPerSecond (cloud, acked after commit) | ${figures.eventsPerSecond} | ≥ 5000 |`,
    `| bare socket.io events/s | ${Math.round(bare)} | |`,
    `| ratioToBareTransport (mean cloud ÷ mean bare) | ${figures.ratioToBareTransport} | ≥ 0.5 |`,
    `| ratio per round | ${paired.join(', ')} | |`,
    '',
    '| round | server | events/s | ack p50 ms | ack p99 ms | server CPU-ms/event | clients CPU-ms/event | cores busy server / clients | refused / timeouts |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    'Cloud batch counters per run: ' + runs.filter((r) => r.mode === 'cloud').map((r) => JSON.stringify(r.serverStats)).join(', '),
    '',
  ].join('\n');
  writeFileSync(path.join(dir, 'ingest.md'), text);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:ingest failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
