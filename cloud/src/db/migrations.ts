import type { Database } from 'better-sqlite3';
import { MEDIA_ARCHIVE_MIGRATION_SQL } from '../archive/archive-schema.js';
import { CAMERA_RULES_MIGRATION_SQL } from '../camera-rules/camera-rules-schema.js';
import { WEBHOOKS_MIGRATION_SQL } from '../integrations/webhooks-schema.js';
import { WORKFLOW_MIGRATION_SQL } from '../workflow/workflow-schema.js';

/** One schema step. Versions are 1, 2, 3, … in order; a shipped migration is never edited, only followed. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * The schema, as numbered steps. `PRAGMA user_version` holds the last applied version; the
 * `schema_migrations` table keeps when each step ran, for operators.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'foundation: edges, cameras, users, evidence, events',
    sql: `
      CREATE TABLE edges (
        id           TEXT PRIMARY KEY,
        token_hash   TEXT NOT NULL,
        source       TEXT NOT NULL CHECK (source IN ('config', 'api')),
        created_at   INTEGER NOT NULL,
        revoked_at   INTEGER,
        last_seen_at INTEGER
      ) STRICT;

      CREATE TABLE cameras (
        id           TEXT PRIMARY KEY,
        edge_id      TEXT NOT NULL REFERENCES edges(id),
        name         TEXT NOT NULL,
        rules_json   TEXT NOT NULL,
        state        TEXT NOT NULL DEFAULT 'unknown',
        state_since  INTEGER,
        state_reason TEXT,
        status_json  TEXT,
        last_seen_at INTEGER,
        created_at   INTEGER NOT NULL,
        updated_at   INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX cameras_edge ON cameras(edge_id);

      CREATE TABLE users (
        id            INTEGER PRIMARY KEY,
        username      TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        role          TEXT NOT NULL,
        created_at    INTEGER NOT NULL,
        updated_at    INTEGER NOT NULL,
        disabled_at   INTEGER
      ) STRICT;

      CREATE TABLE evidence (
        sha256       TEXT PRIMARY KEY,
        rel_path     TEXT NOT NULL,
        size         INTEGER NOT NULL,
        content_type TEXT NOT NULL,
        edge_id      TEXT REFERENCES edges(id),
        created_at   INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE events (
        id              TEXT PRIMARY KEY,
        seq             INTEGER NOT NULL,
        edge_id         TEXT NOT NULL REFERENCES edges(id),
        camera_id       TEXT NOT NULL REFERENCES cameras(id),
        rule_id         TEXT NOT NULL,
        type            TEXT NOT NULL,
        severity        INTEGER NOT NULL,
        label           TEXT NOT NULL,
        top_score       REAL NOT NULL,
        phase           TEXT NOT NULL,
        started_at      INTEGER NOT NULL,
        updated_at      INTEGER NOT NULL,
        ended_at        INTEGER,
        end_reason      TEXT,
        detections_json TEXT NOT NULL,
        -- No foreign keys to evidence: the edge may send the event before its uploads finish.
        snapshot_sha256 TEXT,
        clip_json       TEXT,
        zone_id         TEXT,
        rule_name_json  TEXT,
        gb_alarm_json   TEXT,
        track_ids_json  TEXT,
        attributes_json TEXT,
        received_at     INTEGER NOT NULL
      ) STRICT;
      -- Keyset pagination walks (started_at, id) newest first, optionally within a camera or a type.
      CREATE INDEX events_started ON events(started_at, id);
      CREATE INDEX events_camera_started ON events(camera_id, started_at, id);
      CREATE INDEX events_type_started ON events(type, started_at, id);
    `,
  },
  {
    version: 2,
    name: 'camera health history, directory (orgs, sites, GB/T 28181 ids), sticky edge revocation',
    sql: `
      -- An edge revoked through the admin API stays revoked when the config file still lists it with
      -- the same token (the config re-activates only what it revoked itself, or a new token).
      ALTER TABLE edges ADD COLUMN revoked_by TEXT CHECK (revoked_by IN ('config', 'api'));
      UPDATE edges SET revoked_by = 'config' WHERE revoked_at IS NOT NULL;

      -- The moment after which a camera nobody reports counts as offline; refreshed by every
      -- heartbeat that reports it, cleared once it is marked offline. The sweeper walks this index.
      ALTER TABLE cameras ADD COLUMN stale_after INTEGER;
      -- Cameras a previous build left online were reported before this column existed: due now.
      UPDATE cameras SET stale_after = 0 WHERE state NOT IN ('offline', 'unknown');
      CREATE INDEX cameras_stale ON cameras(stale_after) WHERE stale_after IS NOT NULL;

      -- Organisation tree (city → district → street/bureau). Sibling names are unique.
      CREATE TABLE orgs (
        id         INTEGER PRIMARY KEY,
        parent_id  INTEGER REFERENCES orgs(id),
        name       TEXT NOT NULL,
        kind       TEXT NOT NULL CHECK (kind IN ('city', 'district', 'street', 'bureau')),
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX orgs_parent ON orgs(parent_id);
      CREATE UNIQUE INDEX orgs_sibling_name ON orgs(COALESCE(parent_id, 0), name);

      CREATE TABLE sites (
        id         INTEGER PRIMARY KEY,
        org_id     INTEGER NOT NULL REFERENCES orgs(id),
        name       TEXT NOT NULL,
        kind       TEXT NOT NULL CHECK (kind IN ('restaurant', 'school_canteen', 'worksite', 'public_area')),
        address    TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
      CREATE UNIQUE INDEX sites_org_name ON sites(org_id, name);

      -- The directory record (目录) of a camera, kept by administrators. Not a foreign key to cameras:
      -- a camera is usually entered in the directory before its edge first declares it.
      CREATE TABLE camera_directory (
        camera_id  TEXT PRIMARY KEY,
        gb_id      TEXT UNIQUE,
        name       TEXT NOT NULL,
        site_id    INTEGER NOT NULL REFERENCES sites(id),
        longitude  REAL,
        latitude   REAL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX camera_directory_site ON camera_directory(site_id);

      -- Health history: one row per change of (state, quality issue kinds, analysis enabled/running);
      -- each row holds from \`at\` (cloud clock) until the camera's next row.
      CREATE TABLE camera_states (
        id               INTEGER PRIMARY KEY,
        camera_id        TEXT NOT NULL REFERENCES cameras(id),
        at               INTEGER NOT NULL,
        state            TEXT NOT NULL,
        reason           TEXT,
        quality          TEXT NOT NULL,
        analysis_enabled INTEGER,
        analysis_running INTEGER,
        recorded_at      INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX camera_states_camera_at ON camera_states(camera_id, at, id);
      CREATE INDEX camera_states_at ON camera_states(at);
    `,
  },
  {
    version: 3,
    name: 'live view audit',
    sql: `
      -- One row per live-view connection to the media server (a viewer's player reconnecting makes a
      -- new row). Written when the media server admits the signed URL and when the connection ends.
      CREATE TABLE live_views (
        id          INTEGER PRIMARY KEY,
        camera_id   TEXT NOT NULL,
        user_id     INTEGER,
        username    TEXT,
        view_id     TEXT NOT NULL,
        session_id  TEXT NOT NULL,
        protocol    TEXT NOT NULL,
        client_ip   TEXT NOT NULL,
        started_at  INTEGER NOT NULL,
        ended_at    INTEGER,
        duration_ms INTEGER,
        bytes_out   INTEGER,
        end_reason  TEXT
      ) STRICT;
      CREATE INDEX live_views_camera_started ON live_views(camera_id, started_at);
      CREATE INDEX live_views_user_started ON live_views(user_id, started_at);
      CREATE INDEX live_views_open ON live_views(ended_at) WHERE ended_at IS NULL;
    `,
  },
  {
    version: 4,
    name: 'roles and scopes, refresh tokens, append-only audit log',
    sql: `
      -- A user's scope: operators and regulators see the subtree of org_id, site users only site_id.
      -- ALTER TABLE cannot add a CHECK on role; the repository admits only the protocol's roles.
      ALTER TABLE users ADD COLUMN org_id INTEGER REFERENCES orgs(id);
      ALTER TABLE users ADD COLUMN site_id INTEGER REFERENCES sites(id);
      ALTER TABLE users ADD COLUMN display_name TEXT;
      ALTER TABLE users ADD COLUMN phone TEXT;
      CREATE INDEX users_org ON users(org_id) WHERE org_id IS NOT NULL;
      CREATE INDEX users_site ON users(site_id) WHERE site_id IS NOT NULL;

      -- The object thumbnail the edge sends with an event (stored, not only announced, from now on).
      ALTER TABLE events ADD COLUMN thumbnail_sha256 TEXT;

      -- Refresh tokens: opaque, stored as SHA-256, rotated on every use. Presenting a token that was
      -- already rotated revokes its whole family (a stolen token replayed after the owner used it).
      CREATE TABLE refresh_tokens (
        id          INTEGER PRIMARY KEY,
        user_id     INTEGER NOT NULL REFERENCES users(id),
        family      TEXT NOT NULL,
        token_hash  TEXT NOT NULL UNIQUE,
        created_at  INTEGER NOT NULL,
        expires_at  INTEGER NOT NULL,
        used_at     INTEGER,
        revoked_at  INTEGER
      ) STRICT;
      CREATE INDEX refresh_tokens_family ON refresh_tokens(family);
      CREATE INDEX refresh_tokens_user ON refresh_tokens(user_id);

      -- Who did what: logins, live views, evidence downloads, exports, workflow and admin changes.
      CREATE TABLE audit_log (
        id          INTEGER PRIMARY KEY,
        at          INTEGER NOT NULL,
        user_id     INTEGER,
        username    TEXT,
        role        TEXT,
        action      TEXT NOT NULL,
        target_kind TEXT,
        target_id   TEXT,
        outcome     TEXT NOT NULL CHECK (outcome IN ('ok', 'denied', 'failed')),
        client_ip   TEXT,
        detail_json TEXT
      ) STRICT;
      CREATE INDEX audit_log_at ON audit_log(at, id);
      CREATE INDEX audit_log_user_at ON audit_log(user_id, at);
      CREATE INDEX audit_log_action_at ON audit_log(action, at);
      -- Append-only: the database itself refuses to rewrite history.
      CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
      CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
    `,
  },
  { version: 5, name: 'closed-loop workflow', sql: WORKFLOW_MIGRATION_SQL },
  { version: 6, name: 'recording requests and evidence exports', sql: MEDIA_ARCHIVE_MIGRATION_SQL },
  { version: 7, name: 'camera rules managed in the cloud', sql: CAMERA_RULES_MIGRATION_SQL },
  { version: 8, name: 'outgoing webhook deliveries', sql: WEBHOOKS_MIGRATION_SQL },
];

/** The schema version this build expects. */
export const LATEST_SCHEMA_VERSION = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);

/**
 * Brings the database to {@link LATEST_SCHEMA_VERSION}, each step in its own transaction. Refuses a
 * database written by a newer build instead of running against a schema it does not know.
 * @returns the versions applied by this call
 */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS, now: () => number = Date.now): number[] {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration #${i} has version ${m.version}, expected ${i + 1}`);
  });
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  ) STRICT`);
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = migrations.length;
  if (current > latest) {
    throw new Error(`database schema version ${current} is newer than this build supports (${latest})`);
  }
  const record = db.prepare<[number, string, number]>('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  const applied: number[] = [];
  for (const m of migrations.slice(current)) {
    db.transaction(() => {
      db.exec(m.sql);
      record.run(m.version, m.name, now());
      // PRAGMA does not take bound parameters; the version is an integer from this file.
      db.pragma(`user_version = ${m.version}`);
    })();
    applied.push(m.version);
  }
  return applied;
}
