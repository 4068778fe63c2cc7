/**
 * The server side of `npm run bench:ingest`, run in its own process so the clients (in the bench
 * process) and the server do not share an event loop:
 *   node dist/bench/ingest-server.js bare  <edges.json>            socket.io only: acks every message unread
 *   node dist/bench/ingest-server.js cloud <edges.json> <dataDir>  the real cloud (buildApp, default limits)
 * Prints `READY <port>` once listening; on SIGTERM closes, prints `STATS <json>` and exits.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { buildApp } from '../cloud/src/app.js';
import { parseCloudConfig } from '../cloud/src/config.js';
import { EDGE_NAMESPACE } from '../protocol/index.js';

interface BenchEdge {
  id: string;
  token: string;
}

const OK = Object.freeze({ ok: true });

/** socket.io with nothing behind it: every message is acknowledged without being looked at. */
async function startBare(): Promise<{ port: number; close: () => Promise<Record<string, number>> }> {
  const http = createServer();
  const io = new Server(http, { serveClient: false });
  let messages = 0;
  io.of(EDGE_NAMESPACE).on('connection', (socket) => {
    const answer = (...args: unknown[]): void => {
      messages += 1;
      const ack = args.at(-1);
      if (typeof ack === 'function') (ack as (res: unknown) => void)(OK);
    };
    socket.on('hello', answer);
    socket.on('event', answer);
    socket.on('heartbeat', answer);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    port: (http.address() as AddressInfo).port,
    close: async () => {
      io.local.disconnectSockets(true);
      await io.close();
      return { messages };
    },
  };
}

/** The real cloud, as `main.ts` builds it, with its default ingest limits. */
async function startCloud(edges: BenchEdge[], dataDir: string): Promise<{ port: number; close: () => Promise<Record<string, number>> }> {
  const config = parseCloudConfig(
    {
      server: { host: '127.0.0.1', port: 0 },
      dataDir,
      logLevel: 'silent',
      auth: { admin: { password: 'bench-admin-password' } },
      edges,
      ...(process.env.BENCH_INGEST_JSON ? { ingest: JSON.parse(process.env.BENCH_INGEST_JSON) as unknown } : {}),
    },
    {},
  );
  const app = await buildApp(config);
  await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    port: (app.server.address() as AddressInfo).port,
    close: async () => {
      const stats = app.ingest.batcher.stats();
      await app.close();
      return { ...stats };
    },
  };
}

async function main(): Promise<void> {
  const [mode, edgesFile, dataDir] = process.argv.slice(2);
  const edges = JSON.parse(readFileSync(edgesFile ?? '', 'utf8')) as BenchEdge[];
  const server = mode === 'cloud' ? await startCloud(edges, dataDir ?? '') : await startBare();
  process.stdout.write(`READY ${server.port}\n`);
  process.once('SIGTERM', () => {
    server.close().then(
      (stats) => {
        process.stdout.write(`STATS ${JSON.stringify(stats)}\n`);
        process.exit(0);
      },
      (err: unknown) => {
        process.stderr.write(`close failed: ${String(err)}\n`);
        process.exit(1);
      },
    );
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`ingest bench server failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
