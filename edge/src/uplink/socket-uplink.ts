import { createReadStream, existsSync } from 'node:fs';
import { Readable } from 'node:stream';
import { io, type Socket } from 'socket.io-client';
import type { Logger } from 'pino';
import {
  EDGE_NAMESPACE,
  EVIDENCE_UPLOAD_PATH,
  type Ack,
  type CloudToEdgeEvents,
  type EdgeHello,
  type EdgeToCloudEvents,
  type ErrorCode,
  type Heartbeat,
} from '../../../protocol/index.js';
import type { Outbox, OutboxItem } from '../outbox/index.js';

export interface UplinkOptions {
  cloudUrl: string;
  edgeId: string;
  token: string;
  outbox: Outbox;
  /** Called on every (re)connection; the answer is sent as the hello. */
  hello: () => EdgeHello;
  /** Called after every accepted hello (the cloud now takes this connection's other messages). */
  onReady?: () => void;
  ackTimeoutMs: number;
  retryMaxMs: number;
  logger: Logger;
}

export interface UplinkStats {
  connected: boolean;
  sent: number;
  rejected: number;
  retries: number;
}

/** Codes that will never succeed on resend: the message is moved aside instead of blocking the queue. */
const PERMANENT: ReadonlySet<ErrorCode> = new Set(['BAD_MESSAGE', 'FORBIDDEN', 'CONFLICT', 'EVIDENCE_MISMATCH', 'PAYLOAD_TOO_LARGE']);

type EdgeSocket = Socket<CloudToEdgeEvents, EdgeToCloudEvents>;

/** How many uploaded sha256s the uplink remembers to skip re-uploads. */
const UPLOADED_MEMORY = 4096;

/** Pause before reconnecting after the cloud closed the connection: it is usually still shutting down. */
const SERVER_DISCONNECT_RETRY_MS = 1000;

/**
 * Drains the outbox to the cloud over socket.io: evidence first over HTTP, then the message with an ack.
 * One message in flight at a time keeps per-event order; anything not acknowledged is resent after a
 * backoff, and the cloud's idempotent store makes a resend harmless.
 */
export class SocketUplink {
  private readonly socket: EdgeSocket;
  private ready = false;
  private draining = false;
  private stopped = false;
  private wake: (() => void) | null = null;
  private readonly stats: UplinkStats = { connected: false, sent: 0, rejected: 0, retries: 0 };
  private readonly uploaded = new Set<string>();
  private loop: Promise<void> | null = null;

  constructor(private readonly opts: UplinkOptions) {
    this.socket = io(new URL(EDGE_NAMESPACE, opts.cloudUrl).toString(), {
      auth: { edgeId: opts.edgeId, token: opts.token },
      transports: ['websocket'],
      // Never multiplexed with other sockets of this process (a demo or test viewer on the same host).
      forceNew: true,
      reconnectionDelayMax: Math.min(opts.retryMaxMs, 10_000),
      autoConnect: false,
    });
    this.socket.on('connect', () => {
      this.stats.connected = true;
      opts.logger.info('uplink connected');
      void this.sayHello();
    });
    this.socket.on('disconnect', (reason) => {
      this.stats.connected = false;
      this.ready = false;
      opts.logger.warn({ reason }, 'uplink disconnected');
      // socket.io reconnects by itself after a lost connection but not after the server closed the
      // socket, which the cloud does to every edge when it shuts down (a restart, a deploy): without
      // this the edge would queue forever. A revoked edge is refused at the next handshake (see connect_error).
      if (reason === 'io server disconnect' && !this.stopped) {
        setTimeout(() => {
          if (!this.stopped && !this.socket.active) this.socket.connect();
        }, SERVER_DISCONNECT_RETRY_MS).unref();
      }
    });
    this.socket.on('connect_error', (err) => {
      opts.logger.warn({ err: err.message }, 'uplink cannot connect');
      // socket.io retries a failed connection by itself, but not a handshake the cloud refused (an edge not
      // yet registered, a token being rotated, a revoked edge): retry slowly so the edge comes back once
      // the cloud admits it, without a restart on site.
      if (!this.socket.active && !this.stopped) {
        setTimeout(() => {
          if (!this.stopped && !this.socket.active) this.socket.connect();
        }, opts.retryMaxMs).unref();
      }
    });
  }

  start(): void {
    this.socket.connect();
    this.loop = this.run();
  }

  /**
   * The connection to the cloud, for command handlers (live relay) to listen on. Commands ride the same
   * authenticated connection as events, so the cloud reaches an edge behind NAT without a port of its own.
   */
  get commands(): EdgeSocket {
    return this.socket;
  }

  /** Tells the drain loop that the outbox has something new. */
  notify(): void {
    this.wake?.();
  }

  getStats(): UplinkStats {
    return { ...this.stats };
  }

  /** Best effort: a heartbeat is stale by the next one, so it is never queued. */
  async sendHeartbeat(hb: Heartbeat): Promise<void> {
    if (!this.ready) return;
    try {
      const res = (await this.socket.timeout(this.opts.ackTimeoutMs).emitWithAck('heartbeat', hb)) as Ack;
      if (!res.ok) this.opts.logger.warn({ error: res.error }, 'heartbeat refused');
    } catch (err) {
      this.opts.logger.debug({ err: (err as Error).message }, 'heartbeat not acknowledged');
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
    this.socket.disconnect();
  }

  private async sayHello(): Promise<void> {
    try {
      const res = (await this.socket.timeout(this.opts.ackTimeoutMs).emitWithAck('hello', this.opts.hello())) as Ack;
      if (res.ok) {
        this.ready = true;
        this.wake?.();
        this.opts.onReady?.();
      } else {
        this.opts.logger.error({ error: res.error }, 'cloud refused hello');
      }
    } catch (err) {
      this.opts.logger.warn({ err: (err as Error).message }, 'hello not acknowledged; retrying on reconnect');
      // The connection is up but the hello got lost: retry shortly instead of waiting for a reconnect.
      setTimeout(() => {
        if (this.socket.connected && !this.ready && !this.stopped) void this.sayHello();
      }, 1000).unref();
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      t.unref();
      const wake = () => done();
      this.wake = wake;
      function done() {
        clearTimeout(t);
        resolve();
      }
    });
  }

  private async run(): Promise<void> {
    let backoff = 250;
    while (!this.stopped) {
      const item = this.ready ? this.opts.outbox.peek() : undefined;
      if (!item) {
        await this.sleep(1000);
        continue;
      }
      const outcome = await this.deliver(item);
      if (outcome === 'retry') {
        this.stats.retries += 1;
        await this.sleep(backoff + Math.random() * backoff * 0.2);
        backoff = Math.min(backoff * 2, this.opts.retryMaxMs);
      } else {
        backoff = 250;
      }
    }
  }

  private async deliver(item: OutboxItem): Promise<'done' | 'retry'> {
    const { outbox, logger } = this.opts;
    try {
      for (const ev of item.evidence) {
        if (this.uploaded.has(ev.sha256)) continue;
        if (!existsSync(outbox.evidencePath(ev.sha256))) {
          logger.error({ eventId: item.message.id, sha256: ev.sha256 }, 'queued evidence file is missing; sending the event without it');
          outbox.dropMissingEvidence(ev.sha256);
          continue;
        }
        await this.upload(ev.sha256, ev.contentType, ev.bytes);
        // Only a hint to skip re-uploads within this run (the cloud stores each sha256 once anyway): bounded.
        if (this.uploaded.size >= UPLOADED_MEMORY) this.uploaded.clear();
        this.uploaded.add(ev.sha256);
      }
      const res = (await this.socket.timeout(this.opts.ackTimeoutMs).emitWithAck('event', item.message)) as Ack;
      if (res.ok) {
        outbox.ack(item.id);
        this.stats.sent += 1;
        return 'done';
      }
      if (PERMANENT.has(res.error.code)) {
        logger.error({ eventId: item.message.id, error: res.error }, 'cloud refused event for good; moved aside');
        outbox.reject(item.id, `${res.error.code}: ${res.error.message}`);
        this.stats.rejected += 1;
        return 'done';
      }
      if (res.error.code === 'NOT_READY') {
        this.ready = false;
        void this.sayHello();
      }
      outbox.noteAttempt(item.id, `${res.error.code}: ${res.error.message}`);
      return 'retry';
    } catch (err) {
      const message = (err as Error).message;
      if (err instanceof PermanentUploadError) {
        logger.error({ eventId: item.message.id, err: message }, 'evidence refused for good; moved aside');
        outbox.reject(item.id, message);
        this.stats.rejected += 1;
        return 'done';
      }
      outbox.noteAttempt(item.id, message);
      logger.debug({ eventId: item.message.id, err: message }, 'delivery failed; will retry');
      return 'retry';
    }
  }

  /** Streams one file from the outbox; the cloud hashes it on arrival and keeps nothing partial. */
  private async upload(sha256: string, contentType: string, bytes: number): Promise<void> {
    const body = Readable.toWeb(createReadStream(this.opts.outbox.evidencePath(sha256))) as ReadableStream<Uint8Array>;
    const res = await fetch(new URL(`${EVIDENCE_UPLOAD_PATH}/${sha256}`, this.opts.cloudUrl), {
      method: 'PUT',
      headers: {
        authorization: `Bearer ${this.opts.token}`,
        'x-edge-id': this.opts.edgeId,
        'content-type': contentType,
        'content-length': String(bytes),
      },
      body,
      duplex: 'half',
      // Large clips on a slow link: allow ~100 kB/s before giving up on this attempt.
      signal: AbortSignal.timeout(Math.max(this.opts.ackTimeoutMs, 30_000, bytes / 100)),
    } as RequestInit);
    if (res.ok) return;
    const text = await res.text();
    if (res.status === 400 || res.status === 413) throw new PermanentUploadError(`evidence upload ${res.status}: ${text.slice(0, 200)}`);
    throw new Error(`evidence upload ${res.status}: ${text.slice(0, 200)}`);
  }
}

class PermanentUploadError extends Error {}
