import type { Database, Statement } from 'better-sqlite3';
import type { WebhookDeliveryItem, WebhookDeliveryState, WebhookEventName } from '../../../protocol/index.js';

/** A delivery as the dispatcher needs it to make an attempt. */
export interface DueDelivery {
  id: string;
  endpointUrl: string;
  event: WebhookEventName;
  body: string;
  attempts: number;
}

/** A new delivery. */
export interface NewDelivery {
  id: string;
  endpointUrl: string;
  event: WebhookEventName;
  body: string;
}

interface Row {
  id: string;
  endpoint_url: string;
  event: string;
  state: string;
  attempts: number;
  next_attempt_at: number | null;
  last_status: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  delivered_at: number | null;
}

/** The endpoint without credentials, query or fragment: they may hold secrets. */
export function displayEndpoint(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    // Config validation admits only http(s) URLs; anything else is shown as nothing rather than leaked.
    return '(invalid url)';
  }
}

/** Storage of webhook deliveries (table `webhook_deliveries`, migration 8). */
export class WebhookDeliveriesRepository {
  private readonly insertStmt: Statement<[string, string, string, string, number, number, number]>;
  private readonly dueStmt: Statement<[number, string, number], DueDelivery>;
  private readonly nextDueStmt: Statement<[], number | null>;
  private readonly deliveredStmt: Statement<[number, number, number, string]>;
  private readonly retryStmt: Statement<[number | null, string | null, number, number, string]>;
  private readonly failedStmt: Statement<[number | null, string, number, string]>;
  private readonly orphanStmt: Statement<[string, number, string]>;
  private readonly countsStmt: Statement<[], { state: string; n: number }>;
  private readonly pruneStmt: Statement<[number]>;
  private readonly listStmt: Statement<[string | null, string | null, number], Row>;

  constructor(private readonly db: Database) {
    this.insertStmt = db.prepare(
      `INSERT INTO webhook_deliveries (id, endpoint_url, event, body, state, attempts, next_attempt_at, created_at, updated_at)
       VALUES (?, ?, ?, ?, 'pending', 0, ?, ?, ?)`,
    );
    this.dueStmt = db.prepare(
      `SELECT id, endpoint_url AS endpointUrl, event, body, attempts FROM webhook_deliveries
       WHERE state = 'pending' AND next_attempt_at <= ? AND id NOT IN (SELECT value FROM json_each(?))
       ORDER BY next_attempt_at, created_at LIMIT ?`,
    );
    this.nextDueStmt = db.prepare<[], number | null>(`SELECT MIN(next_attempt_at) FROM webhook_deliveries WHERE state = 'pending'`).pluck();
    this.deliveredStmt = db.prepare(
      `UPDATE webhook_deliveries SET state = 'delivered', attempts = attempts + 1, next_attempt_at = NULL,
         last_status = ?, last_error = NULL, delivered_at = ?, updated_at = ? WHERE id = ? AND state = 'pending'`,
    );
    this.retryStmt = db.prepare(
      `UPDATE webhook_deliveries SET attempts = attempts + 1, last_status = ?, last_error = ?, next_attempt_at = ?,
         updated_at = ? WHERE id = ? AND state = 'pending'`,
    );
    this.failedStmt = db.prepare(
      `UPDATE webhook_deliveries SET state = 'failed', attempts = attempts + 1, next_attempt_at = NULL, last_status = ?,
         last_error = ?, updated_at = ? WHERE id = ? AND state = 'pending'`,
    );
    this.orphanStmt = db.prepare(
      `UPDATE webhook_deliveries SET state = 'failed', next_attempt_at = NULL, last_error = ?, updated_at = ?
       WHERE state = 'pending' AND endpoint_url NOT IN (SELECT value FROM json_each(?))`,
    );
    this.countsStmt = db.prepare(`SELECT state, COUNT(*) AS n FROM webhook_deliveries GROUP BY state`);
    this.pruneStmt = db.prepare(`DELETE FROM webhook_deliveries WHERE state <> 'pending' AND updated_at < ?`);
    this.listStmt = db.prepare(
      `SELECT id, endpoint_url, event, state, attempts, next_attempt_at, last_status, last_error, created_at, updated_at, delivered_at
       FROM webhook_deliveries WHERE (? IS NULL OR state = ?) ORDER BY created_at DESC, id DESC LIMIT ?`,
    );
  }

  /** Stores new deliveries, due at `now`, in one transaction. */
  insertMany(deliveries: readonly NewDelivery[], now: number): void {
    this.db.transaction(() => {
      for (const d of deliveries) this.insertStmt.run(d.id, d.endpointUrl, d.event, d.body, now, now, now);
    })();
  }

  /** Pending deliveries due at `now`, oldest due first, except those in `excluding` (in flight). */
  due(now: number, limit: number, excluding: Iterable<string>): DueDelivery[] {
    return this.dueStmt.all(now, JSON.stringify([...excluding]), limit);
  }

  /** When the earliest pending delivery is due; undefined when none is pending. */
  nextDueAt(): number | undefined {
    return this.nextDueStmt.get() ?? undefined;
  }

  markDelivered(id: string, status: number, now: number): void {
    this.deliveredStmt.run(status, now, now, id);
  }

  markRetry(id: string, status: number | null, error: string | null, nextAttemptAt: number, now: number): void {
    this.retryStmt.run(status, error, nextAttemptAt, now, id);
  }

  markFailed(id: string, status: number | null, error: string, now: number): void {
    this.failedStmt.run(status, error, now, id);
  }

  /** Gives up pending deliveries to endpoints no longer configured. @returns how many */
  failOrphans(configuredUrls: readonly string[], now: number): number {
    return this.orphanStmt.run('endpoint no longer configured', now, JSON.stringify(configuredUrls)).changes;
  }

  counts(): Record<WebhookDeliveryState, number> {
    const counts: Record<WebhookDeliveryState, number> = { pending: 0, delivered: 0, failed: 0 };
    for (const row of this.countsStmt.all()) {
      if (row.state === 'pending' || row.state === 'delivered' || row.state === 'failed') counts[row.state] = row.n;
    }
    return counts;
  }

  /** Newest first, optionally in one state. */
  list(state: WebhookDeliveryState | undefined, limit: number): WebhookDeliveryItem[] {
    const rows = this.listStmt.all(state ?? null, state ?? null, limit);
    return rows.map((r) => ({
      id: r.id,
      endpoint: displayEndpoint(r.endpoint_url),
      event: r.event as WebhookEventName,
      state: r.state as WebhookDeliveryState,
      attempts: r.attempts,
      nextAttemptAt: r.next_attempt_at,
      lastStatus: r.last_status,
      lastError: r.last_error,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      deliveredAt: r.delivered_at,
    }));
  }

  /** Deletes finished deliveries last touched before `before`. @returns how many */
  prune(before: number): number {
    return this.pruneStmt.run(before).changes;
  }
}
