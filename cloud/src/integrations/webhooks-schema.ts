/**
 * Schema of outgoing webhook deliveries: migration step 8 of cloud/src/db/migrations.ts. One row per
 * (message, endpoint); a row stays `pending` until delivered or given up (`failed`), so deliveries
 * pending at shutdown are resumed at the next start. The body is stored exactly as signed and sent.
 */
export const WEBHOOKS_MIGRATION_SQL = `
  CREATE TABLE webhook_deliveries (
    id              TEXT PRIMARY KEY,
    endpoint_url    TEXT NOT NULL,
    event           TEXT NOT NULL,
    body            TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    -- When the next attempt is due; null once the delivery is no longer pending.
    next_attempt_at INTEGER,
    last_status     INTEGER,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    delivered_at    INTEGER
  ) STRICT;
  CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at) WHERE state = 'pending';
  CREATE INDEX webhook_deliveries_created ON webhook_deliveries(created_at, id);
  CREATE INDEX webhook_deliveries_state_updated ON webhook_deliveries(state, updated_at);
`;
