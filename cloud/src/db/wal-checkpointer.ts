import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Database } from 'better-sqlite3';

/** Options of {@link startWalCheckpointer}. */
export interface WalCheckpointerOptions {
  /** How often the worker checkpoints. */
  everyMs: number;
  /** Told when the worker fails; the database then checkpoints on its own again. */
  onError: (err: Error) => void;
}

/** A running background checkpointer. */
export interface WalCheckpointer {
  /** Stops the worker (its connection closes); the main connection checkpoints on its own again. */
  stop(): Promise<void>;
}

/**
 * The worker: its own connection to the same file, a PASSIVE checkpoint every `everyMs`. A passive
 * checkpoint never blocks the writer; it copies what the WAL holds into the database file and syncs
 * it, which is the slow part of a commit-heavy load, so it runs here and not on the event loop.
 * Plain CommonJS evaluated in the worker: nothing to compile, the same from sources and from dist/.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 1000');
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.message ? err.message : err) });
  }
}, workerData.everyMs);
parentPort.on('message', (msg) => {
  if (msg !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/**
 * Moves WAL checkpoints off the event loop: turns off SQLite's automatic checkpoint on `db` (which
 * runs inside whichever commit crosses 1000 pages) and checkpoints from a worker thread instead. If
 * the worker fails, automatic checkpoints are turned back on so the WAL cannot grow without bound.
 */
export function startWalCheckpointer(db: Database, opts: WalCheckpointerOptions): WalCheckpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver, file: db.name, everyMs: opts.everyMs } });
  // The worker alone never keeps the process alive.
  worker.unref();
  let stopped = false;
  const fallBack = (err: Error): void => {
    if (stopped || !db.open) return;
    db.pragma('wal_autocheckpoint = 1000');
    opts.onError(err);
  };
  worker.on('message', (msg: { error?: string }) => {
    if (msg.error) opts.onError(new Error(`background checkpoint failed: ${msg.error}`));
  });
  worker.on('error', fallBack);
  worker.on('exit', (code) => {
    if (!stopped) fallBack(new Error(`checkpoint worker exited with code ${code}`));
  });
  db.pragma('wal_autocheckpoint = 0');
  return {
    async stop() {
      if (stopped) return;
      stopped = true;
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      // Referenced again while it closes, or a process with nothing else left would exit before
      // its database is closed.
      worker.ref();
      worker.postMessage('stop');
      await exited;
      if (db.open) db.pragma('wal_autocheckpoint = 1000');
    },
  };
}
