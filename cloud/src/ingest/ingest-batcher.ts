import type { FastifyBaseLogger } from 'fastify';
import { ackError, ackOk, CodedError, type Ack } from '../../../protocol/index.js';
import type { AfterCommit } from './edge-ingest.js';

/** One edge message waiting to be applied. */
export interface IngestJob {
  /** The authenticated edge that sent it. */
  edgeId: string;
  /**
   * Applies the message inside the batch's transaction. Throws a CodedError to refuse this message
   * alone (before writing anything); any other error fails the batch, which is then retried job by job.
   */
  apply(): AfterCommit | undefined;
  /** Receives the answer after the commit (or the failure) of the transaction that held the job. */
  done(ack: Ack): void;
}

/** Dependencies and limits of {@link IngestBatcher}. */
export interface IngestBatcherOptions {
  /** Runs `fn` in one transaction; commits when it returns, rolls back when it throws. */
  transaction<T>(fn: () => T): T;
  /** Whether the edge may still write (not revoked since its message arrived). */
  isEdgeActive(edgeId: string): boolean;
  /** Most jobs per transaction. */
  maxBatch: number;
  log: FastifyBaseLogger;
}

/** Counters for benchmarks and logs. */
export interface IngestBatcherStats {
  batches: number;
  jobs: number;
  largestBatch: number;
  failedBatches: number;
}

interface Settled {
  ack: Ack;
  after?: AfterCommit | undefined;
}

const OK: Ack = Object.freeze(ackOk());

/**
 * Group commit for edge messages: everything that arrives during one turn of the event loop is
 * applied in one SQLite transaction, and only after that transaction committed does each sender get
 * its ack. A commit is the expensive part of a write, so sharing it among many messages multiplies
 * throughput without weakening the promise the ack makes. Jobs run in arrival order, so the messages
 * of one connection keep their order.
 */
export class IngestBatcher {
  private queue: IngestJob[] = [];
  private scheduled: NodeJS.Immediate | undefined;
  private closed = false;
  private readonly counters: IngestBatcherStats = { batches: 0, jobs: 0, largestBatch: 0, failedBatches: 0 };

  constructor(private readonly opts: IngestBatcherOptions) {}

  /** Queues a job for the next batch; after {@link close} it is refused at once (retryable). */
  submit(job: IngestJob): void {
    if (this.closed) {
      job.done(ackError('INTERNAL', 'the cloud is shutting down; retry later'));
      return;
    }
    this.queue.push(job);
    this.schedule();
  }

  /** Number of the batch being applied (or last applied): lets jobs share lookups within one batch. */
  get batchNumber(): number {
    return this.counters.batches;
  }

  stats(): IngestBatcherStats {
    return { ...this.counters };
  }

  /** Applies what is queued now and refuses anything submitted later. Call before the database closes. */
  close(): void {
    this.closed = true;
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    while (this.queue.length > 0) this.flush();
  }

  private schedule(): void {
    // setImmediate runs after the I/O phase: every message read from the sockets in this turn joins.
    this.scheduled ??= setImmediate(() => {
      this.scheduled = undefined;
      this.flush();
      if (this.queue.length > 0) this.schedule();
    });
  }

  private flush(): void {
    let jobs: IngestJob[];
    if (this.queue.length <= this.opts.maxBatch) {
      jobs = this.queue;
      this.queue = [];
    } else {
      jobs = this.queue.splice(0, this.opts.maxBatch);
    }
    if (jobs.length === 0) return;
    this.counters.batches += 1;
    this.counters.jobs += jobs.length;
    this.counters.largestBatch = Math.max(this.counters.largestBatch, jobs.length);

    let results: Settled[];
    try {
      const active = new Map<string, boolean>();
      results = this.opts.transaction(() => jobs.map((job) => this.applyOne(job, active)));
    } catch (err) {
      // Storage failed or one job hit a bug: nothing of the batch was kept. Retry each job in its own
      // transaction so a single poisonous message cannot keep failing the others.
      this.counters.failedBatches += 1;
      this.opts.log.error({ err, jobs: jobs.length }, 'ingest batch failed; retrying its messages one by one');
      results = jobs.map((job) => this.applyAlone(job));
    }
    // The commit is done: now, and only now, the senders may hear that their messages are stored.
    jobs.forEach((job, i) => job.done(results[i]?.ack ?? ackError('INTERNAL', 'internal error')));
    for (const r of results) {
      if (!r.after) continue;
      try {
        r.after();
      } catch (err) {
        this.opts.log.error({ err }, 'after-commit step failed');
      }
    }
  }

  private applyAlone(job: IngestJob): Settled {
    try {
      return this.opts.transaction(() => this.applyOne(job, new Map()));
    } catch (err) {
      this.opts.log.error({ err, edgeId: job.edgeId }, 'edge message failed');
      return { ack: ackError('INTERNAL', 'internal error') };
    }
  }

  private applyOne(job: IngestJob, active: Map<string, boolean>): Settled {
    let allowed = active.get(job.edgeId);
    if (allowed === undefined) {
      allowed = this.opts.isEdgeActive(job.edgeId);
      active.set(job.edgeId, allowed);
    }
    if (!allowed) return { ack: ackError('UNAUTHORIZED', 'edge revoked') };
    try {
      return { ack: OK, after: job.apply() };
    } catch (err) {
      if (err instanceof CodedError) return { ack: ackError(err.code, err.message) };
      throw err;
    }
  }
}
