import type { Database, Statement } from 'better-sqlite3';

/** A camera's directory record (目录) as stored. */
export interface DirectoryEntry {
  cameraId: string;
  gbId: string | null;
  name: string;
  siteId: number;
  longitude: number | null;
  latitude: number | null;
  createdAt: number;
  updatedAt: number;
}

/** The fields an administrator sets. */
export type DirectoryFields = Omit<DirectoryEntry, 'createdAt' | 'updatedAt'>;

interface DirectoryRow {
  camera_id: string;
  gb_id: string | null;
  name: string;
  site_id: number;
  longitude: number | null;
  latitude: number | null;
  created_at: number;
  updated_at: number;
}

const COLUMNS = 'camera_id, gb_id, name, site_id, longitude, latitude, created_at, updated_at';

function toEntry(row: DirectoryRow): DirectoryEntry {
  return {
    cameraId: row.camera_id,
    gbId: row.gb_id,
    name: row.name,
    siteId: row.site_id,
    longitude: row.longitude,
    latitude: row.latitude,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Camera directory records, keyed by camera id; a GB/T 28181 id belongs to at most one camera. */
export class DirectoryRepository {
  private readonly getStmt: Statement<[string], DirectoryRow>;
  private readonly listStmt: Statement<[], DirectoryRow>;
  private readonly upsertStmt: Statement<[DirectoryFields & { now: number }]>;

  constructor(db: Database) {
    this.getStmt = db.prepare(`SELECT ${COLUMNS} FROM camera_directory WHERE camera_id = ?`);
    this.listStmt = db.prepare(`SELECT ${COLUMNS} FROM camera_directory ORDER BY camera_id`);
    this.upsertStmt = db.prepare(`
      INSERT INTO camera_directory (camera_id, gb_id, name, site_id, longitude, latitude, created_at, updated_at)
      VALUES (@cameraId, @gbId, @name, @siteId, @longitude, @latitude, @now, @now)
      ON CONFLICT (camera_id) DO UPDATE SET gb_id = excluded.gb_id, name = excluded.name, site_id = excluded.site_id,
        longitude = excluded.longitude, latitude = excluded.latitude, updated_at = excluded.updated_at`);
  }

  get(cameraId: string): DirectoryEntry | undefined {
    const row = this.getStmt.get(cameraId);
    return row && toEntry(row);
  }

  list(): DirectoryEntry[] {
    return this.listStmt.all().map(toEntry);
  }

  /**
   * Creates or replaces a record. Throws a UNIQUE violation when the GB id is another camera's and a
   * FOREIGN KEY violation when the site does not exist.
   * @returns whether the record was created (rather than replaced)
   */
  put(fields: DirectoryFields, now: number): boolean {
    // One process owns the database and this runs synchronously: nothing can slip in between.
    const existed = this.getStmt.get(fields.cameraId) !== undefined;
    this.upsertStmt.run({ ...fields, now });
    return !existed;
  }
}
