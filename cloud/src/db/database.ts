import { mkdirSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { migrate } from './migrations.js';

/** File name of the cloud database inside the data directory. */
export const DATABASE_FILE = 'mingliang.sqlite';

/**
 * Opens (creating if needed) the cloud database in `dataDir` and migrates it to the latest schema.
 * WAL lets the REST readers run while ingest writes; `synchronous=NORMAL` in WAL mode still never
 * corrupts the database and only risks the last commits on power loss, not on a process crash.
 */
export function openDatabase(dataDir: string): Database {
  mkdirSync(dataDir, { recursive: true });
  const db = new BetterSqlite3(path.join(dataDir, DATABASE_FILE));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    // A second process (a backup, the sqlite3 shell) may hold the lock briefly; wait instead of failing.
    db.pragma('busy_timeout = 5000');
    migrate(db);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}
