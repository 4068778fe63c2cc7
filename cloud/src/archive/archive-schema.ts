/**
 * Schema of recording requests and evidence exports: migration step 6 of cloud/src/db/migrations.ts
 * (editable until first shipped). Files live under `<dataDir>/archive/{recordings,exports}/<id>.*`;
 * a row outlives its file (state `expired`) so the audit trail can still name what was delivered.
 */
export const MEDIA_ARCHIVE_MIGRATION_SQL = `
  -- A time range of a camera fetched from its edge for playback (or for an export).
  CREATE TABLE recording_requests (
    id          TEXT PRIMARY KEY,
    camera_id   TEXT NOT NULL,
    edge_id     TEXT NOT NULL,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    from_at     INTEGER NOT NULL,
    to_at       INTEGER NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('pending', 'ready', 'failed', 'expired')),
    gaps_json   TEXT NOT NULL DEFAULT '[]',
    start_at    INTEGER,
    end_at      INTEGER,
    segments    INTEGER,
    -- Set by the upload (sha256 checked on arrival); the request is ready once the edge also answered.
    size        INTEGER,
    sha256      TEXT,
    error       TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX recording_requests_user ON recording_requests(user_id, created_at);
  CREATE INDEX recording_requests_camera ON recording_requests(camera_id, created_at);
  CREATE INDEX recording_requests_expiry ON recording_requests(expires_at) WHERE state <> 'expired';

  -- A zip of events' evidence and/or a recorded range, built in the background.
  CREATE TABLE evidence_exports (
    id           TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    event_ids    TEXT NOT NULL,
    camera_id    TEXT,
    from_at      INTEGER,
    to_at        INTEGER,
    state        TEXT NOT NULL CHECK (state IN ('building', 'ready', 'failed', 'expired')),
    files_done   INTEGER NOT NULL DEFAULT 0,
    files_total  INTEGER NOT NULL DEFAULT 0,
    bytes        INTEGER NOT NULL DEFAULT 0,
    sha256       TEXT,
    error        TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX evidence_exports_user ON evidence_exports(user_id, created_at);
  CREATE INDEX evidence_exports_expiry ON evidence_exports(expires_at) WHERE state <> 'expired';
`;
