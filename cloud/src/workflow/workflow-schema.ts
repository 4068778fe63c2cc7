/**
 * Schema of the closed-loop workflow: migration step 5 of cloud/src/db/migrations.ts (editable until
 * first shipped). One `workflow_items` row per event, created with the event (发现); every transition
 * appends a `workflow_transitions` row (the timeline); rectification photos are evidence files (by
 * sha256) uploaded per event into `workflow_attachments` and named by the transition that uses them;
 * notices go to an org, a site or a user.
 */
export const WORKFLOW_MIGRATION_SQL = `
  CREATE TABLE workflow_items (
    event_id          TEXT PRIMARY KEY REFERENCES events(id),
    state             TEXT NOT NULL CHECK (state IN ('new', 'accepted', 'dispatched', 'handled', 'closed', 'false_alarm')),
    -- Where the event happened when it was discovered: the camera's site and that site's org.
    site_id           INTEGER REFERENCES sites(id),
    org_id            INTEGER REFERENCES orgs(id),
    camera_id         TEXT NOT NULL,
    event_type        TEXT NOT NULL,
    severity          INTEGER NOT NULL,
    assignee_org_id   INTEGER REFERENCES orgs(id),
    assignee_user_id  INTEGER REFERENCES users(id),
    deadline_at       INTEGER,
    escalation_level  INTEGER NOT NULL DEFAULT 0,
    escalated_at      INTEGER,
    -- When the sweeper escalates next (督办): the deadline, then one more tier period after each
    -- escalation; null when nothing is due (no deadline, or past the highest level).
    next_escalation_at INTEGER,
    -- When the standing rectification was handled (处置) and when the item closed. A failed re-check
    -- clears handled_at: the item counts as not rectified until it is handled again.
    handled_at        INTEGER,
    closed_at         INTEGER,
    -- Whether the standing rectification was handled by the deadline in force then (null while not
    -- handled; cleared by a failed re-check with handled_at).
    handled_on_time   INTEGER,
    evaluation_pass   INTEGER,
    evaluation_score  INTEGER,
    evaluation_note   TEXT,
    discovered_at     INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    -- Optimistic concurrency: every transition is UPDATE … WHERE state = ? AND version = ?.
    version           INTEGER NOT NULL DEFAULT 0
  ) STRICT;
  CREATE INDEX workflow_items_state ON workflow_items(state, deadline_at);
  CREATE INDEX workflow_items_site ON workflow_items(site_id, discovered_at);
  CREATE INDEX workflow_items_org ON workflow_items(org_id, discovered_at);
  CREATE INDEX workflow_items_discovered ON workflow_items(discovered_at);
  -- The overdue sweep walks open items with a deadline.
  CREATE INDEX workflow_items_due ON workflow_items(deadline_at) WHERE state IN ('accepted', 'dispatched') AND deadline_at IS NOT NULL;
  CREATE INDEX workflow_items_escalation ON workflow_items(next_escalation_at) WHERE next_escalation_at IS NOT NULL;
  -- The scope filter of listings goes through the camera's directory record.
  CREATE INDEX workflow_items_camera ON workflow_items(camera_id, discovered_at);

  CREATE TABLE workflow_transitions (
    id          INTEGER PRIMARY KEY,
    event_id    TEXT NOT NULL REFERENCES workflow_items(event_id),
    action      TEXT NOT NULL,
    from_state  TEXT,
    to_state    TEXT NOT NULL,
    at          INTEGER NOT NULL,
    user_id     INTEGER REFERENCES users(id),
    username    TEXT,
    role        TEXT,
    note        TEXT,
    detail_json TEXT,
    -- JSON array of the sha256 of this step's photos (uploads of the same event), null for none.
    attachments_json TEXT
  ) STRICT;
  CREATE INDEX workflow_transitions_event ON workflow_transitions(event_id, id);
  CREATE INDEX workflow_transitions_at ON workflow_transitions(at);

  -- Photos uploaded for an event (the file is evidence, by sha256); a transition names the ones it uses.
  CREATE TABLE workflow_attachments (
    id            INTEGER PRIMARY KEY,
    event_id      TEXT NOT NULL REFERENCES workflow_items(event_id),
    sha256        TEXT NOT NULL,
    name          TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size          INTEGER NOT NULL,
    uploaded_by   INTEGER REFERENCES users(id),
    uploaded_at   INTEGER NOT NULL
  ) STRICT;
  CREATE UNIQUE INDEX workflow_attachments_event_sha ON workflow_attachments(event_id, sha256);
  CREATE INDEX workflow_attachments_sha ON workflow_attachments(sha256);

  CREATE TABLE notices (
    id          INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    event_id    TEXT NOT NULL,
    to_org_id   INTEGER,
    to_site_id  INTEGER,
    to_user_id  INTEGER,
    message     TEXT NOT NULL
  ) STRICT;
  CREATE INDEX notices_org ON notices(to_org_id, id) WHERE to_org_id IS NOT NULL;
  CREATE INDEX notices_site ON notices(to_site_id, id) WHERE to_site_id IS NOT NULL;
  CREATE INDEX notices_user ON notices(to_user_id, id) WHERE to_user_id IS NOT NULL;
`;
