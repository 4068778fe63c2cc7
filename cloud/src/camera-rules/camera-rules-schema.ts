/** Schema of camera rules edited in the cloud: migration step of cloud/src/db/migrations.ts (edit until first shipped). */
export const CAMERA_RULES_MIGRATION_SQL = `
  -- One row per camera whose rules the cloud manages or whose edge reported them. The desired
  -- revision (revision, rules_json) is what administrators saved; applied_* is what the edge runs
  -- (applied_revision NULL = the rules of its own config file); reported_* is the rule set and the
  -- detectable labels the edge last reported, so a rule set can be checked while the edge is away.
  CREATE TABLE camera_rules (
    camera_id        TEXT PRIMARY KEY REFERENCES cameras(id),
    revision         INTEGER CHECK (revision IS NULL OR revision >= 1),
    rules_json       TEXT,
    updated_by       INTEGER REFERENCES users(id),
    updated_at       INTEGER,
    applied_revision INTEGER,
    applied_at       INTEGER,
    apply_error      TEXT,
    reported_json    TEXT,
    classes_json     TEXT,
    reported_at      INTEGER,
    CHECK ((revision IS NULL) = (rules_json IS NULL))
  ) STRICT;
`;
