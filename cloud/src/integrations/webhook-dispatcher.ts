import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { WebhookBody, WebhookEventName } from '../../../protocol/index.js';
import type { IntegrationsConfig, WebhookTopic } from './integrations-config.js';
import type { OutboundMessage } from './outbound-feed.js';
import type { NewDelivery, WebhookDeliveriesRepository } from './webhook-deliveries-repo.js';
import { attemptVerdict, retryDelayMs } from './webhook-retry.js';
import { signWebhook, WEBHOOK_HEADERS } from './webhook-signature.js';

type WebhooksConfig = IntegrationsConfig['webhooks'];
type Endpoint = WebhooksConfig['endpoints'][number];

/** What {@link WebhookDispatcher} needs besides its config. */
export interface WebhookDispatcherDeps {
  repo: WebhookDeliveriesRepository;
  log: FastifyBaseLogger;
  registry: Registry;
  now?: () => number;
  random?: () => number;
}

/** Longest sleep of the dispatcher between two looks at the table (a safety net against clock jumps). */
const MAX_SLEEP_MS = 60_000;
/** How often finished deliveries older than `keepDays` are deleted. */
const PRUNE_EVERY_MS = 3600_000;
/** Longest error text kept per delivery. */
const MAX_ERROR_LENGTH = 500;

/** The delivery name of an outbound message. */
export function webhookEventOf(message: OutboundMessage): WebhookEventName {
  switch (message.kind) {
    case 'event':
      return `event.${message.change.type}`;
    case 'camera':
      return 'camera.state';
    case 'workflow':
      return 'workflow.update';
  }
}

/** Whether an endpoint subscribed to this delivery name (`*`, the family like `event`, or the name). */
export function subscribes(topics: readonly WebhookTopic[], event: WebhookEventName): boolean {
  const family = event.split('.')[0];
  return topics.some((t) => t === '*' || t === event || t === family);
}

function dataOf(message: OutboundMessage): unknown {
  switch (message.kind) {
    case 'event':
      return message.change;
    case 'camera':
      return message.camera;
    case 'workflow':
      return message.update;
  }
}

/**
 * Outgoing webhooks: every outbound message becomes one stored delivery per subscribed endpoint,
 * POSTed as signed JSON and retried with exponential backoff and jitter until delivered, refused
 * (a 4xx other than 408/429) or out of attempts. Deliveries live in SQLite, so what is pending at
 * shutdown (or interrupted by it) is sent after the next start; receivers deduplicate on
 * `x-mingliang-delivery`. Order between deliveries is not guaranteed.
 */
export class WebhookDispatcher {
  private readonly endpoints: Map<string, Endpoint>;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly abort = new AbortController();
  private buffer: NewDelivery[] = [];
  private flushScheduled = false;
  private timer: NodeJS.Timeout | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly outcomes: Counter<'outcome'>;

  constructor(
    private readonly config: WebhooksConfig,
    private readonly deps: WebhookDispatcherDeps,
  ) {
    this.endpoints = new Map(config.endpoints.map((e) => [e.url, e]));
    this.now = deps.now ?? Date.now;
    this.random = deps.random ?? Math.random;
    this.outcomes = new Counter({
      name: 'mingliang_webhook_attempts_total',
      help: 'Webhook delivery attempts by outcome: delivered, retry (will try again), failed (given up).',
      labelNames: ['outcome'] as const,
      registers: [deps.registry],
    });
    const { repo } = deps;
    new Gauge({
      name: 'mingliang_webhook_deliveries',
      help: 'Stored webhook deliveries by state (finished ones are kept for integrations.webhooks.keepDays).',
      labelNames: ['state'] as const,
      registers: [deps.registry],
      collect() {
        for (const [state, n] of Object.entries(repo.counts())) this.set({ state }, n);
      },
    });
  }

  /** Gives up deliveries to endpoints no longer configured, prunes old ones, and starts sending. */
  start(): void {
    const now = this.now();
    const orphans = this.deps.repo.failOrphans([...this.endpoints.keys()], now);
    if (orphans > 0) this.deps.log.warn({ orphans }, 'gave up pending webhook deliveries to endpoints no longer configured');
    this.prune();
    this.pruneTimer = setInterval(() => this.prune(), PRUNE_EVERY_MS);
    this.pruneTimer.unref();
    this.pump();
  }

  /** Queues a delivery of the message to every endpoint that subscribed to it; stored at the next tick. */
  enqueue(message: OutboundMessage): void {
    if (this.closed) return;
    const event = webhookEventOf(message);
    const at = this.now();
    for (const endpoint of this.endpoints.values()) {
      if (!subscribes(endpoint.events, event)) continue;
      const id = randomUUID();
      const body: WebhookBody = { id, event, at, data: dataOf(message) };
      this.buffer.push({ id, endpointUrl: endpoint.url, event, body: JSON.stringify(body) });
    }
    if (this.buffer.length > 0 && !this.flushScheduled) {
      this.flushScheduled = true;
      // One transaction for everything a batch of ingest published, instead of one commit per message.
      setImmediate(() => {
        this.flushScheduled = false;
        this.flush();
        this.pump();
      });
    }
  }

  /**
   * Stores what is buffered, stops sending and waits for the attempts in flight. An attempt cut off
   * here is not counted; its delivery stays pending for the next start.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    clearTimeout(this.timer);
    clearInterval(this.pruneTimer);
    this.abort.abort(new Error('shutting down'));
    await Promise.allSettled(this.inFlight.values());
  }

  private flush(): void {
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    try {
      this.deps.repo.insertMany(batch, this.now());
    } catch (err) {
      this.deps.log.error({ err, deliveries: batch.length }, 'storing webhook deliveries failed; they are lost');
    }
  }

  /** Starts the due deliveries that fit in the concurrency, then sleeps until the next is due. */
  private pump(): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    const free = this.config.concurrency - this.inFlight.size;
    if (free > 0) {
      const now = this.now();
      for (const delivery of this.deps.repo.due(now, free, this.inFlight.keys())) {
        const attempt = this.attempt(delivery).finally(() => {
          this.inFlight.delete(delivery.id);
          this.pump();
        });
        this.inFlight.set(delivery.id, attempt);
      }
    }
    if (this.inFlight.size >= this.config.concurrency) return; // the next to finish pumps again
    const next = this.deps.repo.nextDueAt();
    if (next === undefined) return; // enqueue pumps when there is something new
    const delay = Math.min(MAX_SLEEP_MS, Math.max(0, next - this.now()));
    // A due delivery that is in flight keeps the minimum at "now": wait for the attempt, not the clock.
    if (delay === 0 && this.inFlight.size > 0) return;
    this.timer = setTimeout(() => this.pump(), delay);
  }

  private async attempt(delivery: { id: string; endpointUrl: string; event: WebhookEventName; body: string; attempts: number }): Promise<void> {
    const { repo, log } = this.deps;
    const endpoint = this.endpoints.get(delivery.endpointUrl);
    if (!endpoint) {
      repo.markFailed(delivery.id, null, 'endpoint no longer configured', this.now());
      return;
    }
    const timestamp = Math.floor(this.now() / 1000);
    let status: number | undefined;
    let error: string | null = null;
    try {
      const res = await fetch(endpoint.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'mingliang-cloud-webhooks',
          [WEBHOOK_HEADERS.event]: delivery.event,
          [WEBHOOK_HEADERS.delivery]: delivery.id,
          [WEBHOOK_HEADERS.timestamp]: String(timestamp),
          [WEBHOOK_HEADERS.signature]: signWebhook(endpoint.secret, timestamp, delivery.body),
        },
        body: delivery.body,
        redirect: 'manual',
        signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.config.timeoutMs)]),
      });
      status = res.status;
      // The answer's body is of no use; reading it to the end frees the connection for reuse.
      await res.arrayBuffer().catch(() => undefined);
    } catch (err) {
      if (this.closed) return; // cut off by close(): not an attempt, stays pending
      error = errorText(err, this.config.timeoutMs);
    }
    if (this.closed && status === undefined) return;
    const now = this.now();
    const attempts = delivery.attempts + 1;
    const verdict = attemptVerdict(status);
    if (verdict === 'delivered' && status !== undefined) {
      repo.markDelivered(delivery.id, status, now);
      this.outcomes.inc({ outcome: 'delivered' });
      return;
    }
    const reason = error ?? `HTTP ${status ?? '?'}`;
    if (verdict === 'refused' || attempts >= this.config.maxAttempts) {
      repo.markFailed(delivery.id, status ?? null, verdict === 'refused' ? `refused: ${reason}` : `gave up after ${attempts} attempts: ${reason}`, now);
      this.outcomes.inc({ outcome: 'failed' });
      log.warn({ delivery: delivery.id, event: delivery.event, attempts, reason }, 'webhook delivery failed');
      return;
    }
    repo.markRetry(delivery.id, status ?? null, reason, now + retryDelayMs(attempts, this.config, this.random), now);
    this.outcomes.inc({ outcome: 'retry' });
    log.debug({ delivery: delivery.id, attempts, reason }, 'webhook delivery will be retried');
  }

  private prune(): void {
    try {
      this.deps.repo.prune(this.now() - this.config.keepDays * 86_400_000);
    } catch (err) {
      this.deps.log.error({ err }, 'pruning old webhook deliveries failed');
    }
  }
}

function errorText(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return `no answer within ${timeoutMs} ms`;
  const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
  const text = err instanceof Error ? `${err.message}${cause}` : String(err);
  return text.slice(0, MAX_ERROR_LENGTH);
}
