import type { Database } from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { openDatabase } from '../db/database.js';
import { createRepositories, type Repositories } from '../db/repositories.js';

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

/** Opens and migrates the database, decorates `db` and `repos`, closes the database last on shutdown. */
export default fp(
  async function dbPlugin(app: FastifyInstance, opts: DbPluginOptions) {
    const db = openDatabase(opts.dataDir);
    app.decorate('db', db);
    app.decorate('repos', createRepositories(db));
    app.addHook('onClose', () => {
      db.close();
    });
  },
  { name: 'mingliang-db', fastify: '5.x' },
);
