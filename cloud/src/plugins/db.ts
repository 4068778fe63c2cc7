import type { Database } from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { openDatabase } from '../db/database.js';
import { createRepositories, type Repositories } from '../db/repositories.js';
import { startWalCheckpointer } from '../db/wal-checkpointer.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The SQLite handle; prefer {@link FastifyInstance.repos}. */
    db: Database;
    repos: Repositories;
  }
}

/** Options of the db plugin. */
export interface DbPluginOptions {
  /** Absolute data directory; the database file is created inside it. */
  dataDir: string;
}

/** How often the background thread checkpoints the WAL into the database file. */
const CHECKPOINT_EVERY_MS = 250;

/**
 * Opens and migrates the database, decorates `db` and `repos`, checkpoints the WAL from a worker
 * thread (so ingest commits never pay for it), and closes the database last on shutdown.
 */
export default fp(
  async function dbPlugin(app: FastifyInstance, opts: DbPluginOptions) {
    const db = openDatabase(opts.dataDir);
    app.decorate('db', db);
    app.decorate('repos', createRepositories(db));
    const checkpointer = startWalCheckpointer(db, {
      everyMs: CHECKPOINT_EVERY_MS,
      onError: (err) => app.log.error({ err }, 'background WAL checkpoint failed; SQLite checkpoints on its own again'),
    });
    app.addHook('onClose', async () => {
      await checkpointer.stop();
      db.close();
    });
  },
  { name: 'mingliang-db', fastify: '5.x' },
);
