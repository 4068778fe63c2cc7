import BetterSqlite3 from 'better-sqlite3';

/** True when `err` is SQLite refusing a write because it would repeat a UNIQUE or PRIMARY KEY value. */
export function isUniqueViolation(err: unknown): boolean {
  return (
    err instanceof BetterSqlite3.SqliteError &&
    (err.code === 'SQLITE_CONSTRAINT_UNIQUE' || err.code === 'SQLITE_CONSTRAINT_PRIMARYKEY')
  );
}

/** True when `err` is SQLite refusing a write whose reference (a parent org, a site) does not exist. */
export function isForeignKeyViolation(err: unknown): boolean {
  return err instanceof BetterSqlite3.SqliteError && err.code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}
