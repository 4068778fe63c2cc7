import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { CodedError, type LiveViewResponse, type RelayStartCommand } from '../../../protocol/index.js';
import type { AuthUser } from '../auth/user-auth.js';
import type { EdgeCommands } from './edge-commands.js';
import type { CanViewCamera } from './live-access.js';
import type { LiveViewsRepository } from './live-views-repo.js';
import { streamPathOf } from './media-ipc.js';
import type { MediaEvent, MediaRelay } from './media-relay.js';
import { signGrant } from './stream-signing.js';
import { hostnameOf, playUrls, publishUrl, streamKeyFor } from './stream-urls.js';

/** Timing and addressing of live view (the `media` config section, in milliseconds). */
export interface LiveSettings {
  /** A relay keeps pushing this long after its last viewer left. */
  readonly lingerMs: number;
  /** A play URL must be opened within this time. */
  readonly playUrlTtlMs: number;
  /** A publish signature is accepted this long (it is checked when a push connects). */
  readonly publishSignTtlMs: number;
  /** How long a view request waits for the edge and the first video before giving up. */
  readonly startTimeoutMs: number;
  /** Period of the reconciliation pass (always-on cameras, lost pushes, stale publishers). */
  readonly reconcileIntervalMs: number;
  /** Cameras pushed all the time, watched or not. */
  readonly alwaysOnCameras: readonly string[];
  /** `rtmp://host[:port]/live` edges publish to; empty: the host each edge reached the cloud at. */
  readonly rtmpBaseUrl: string;
  /** `http(s)://host[:port]` players fetch from; empty: the host each viewer reached the cloud at. */
  readonly playBaseUrl: string;
}

/** A live view started or ended (also written to `live_views`); for the audit log. */
export interface LiveViewEvent {
  readonly type: 'view-start' | 'view-end';
  readonly cameraId: string;
  readonly userId: number;
  readonly username: string | null;
  readonly viewId: string;
  readonly sessionId: string;
  readonly at: number;
  /** view-end only. */
  readonly durationMs?: number;
  readonly reason?: string;
}

/** Dependencies of {@link LiveManager}. */
export interface LiveManagerDeps {
  readonly media: MediaRelay;
  readonly edges: EdgeCommands;
  /** The edge a camera belongs to, undefined for an unknown camera. */
  readonly cameraOwner: (cameraId: string) => string | undefined;
  /** Every known camera id (to recognise a stream key nobody asked for in this process's life). */
  readonly cameraIds: () => readonly string[];
  readonly usernameOf: (userId: number) => string | null;
  readonly views: LiveViewsRepository;
  readonly canView: CanViewCamera;
  readonly signingKey: Buffer;
  readonly settings: LiveSettings;
  readonly log: FastifyBaseLogger;
  readonly onViewEvent?: (ev: LiveViewEvent) => void;
  readonly now?: () => number;
}

/** A camera's live state, for status pages and tests. */
export interface LiveStreamStatus {
  readonly cameraId: string;
  readonly streamKey: string;
  readonly publishing: boolean;
  readonly viewers: number;
  /** The last command sent to the edge. */
  readonly commanded: 'none' | 'started' | 'stopped';
}

interface ActiveView {
  readonly rowId: number;
  readonly userId: number;
  readonly username: string | null;
  readonly viewId: string;
  readonly startedAt: number;
}

interface Stream {
  readonly cameraId: string;
  readonly streamKey: string;
  edgeId: string;
  readonly viewers: Map<string, ActiveView>;
  publisher: { sessionId: string; edgeId: string; since: number } | undefined;
  /** View requests waiting for the push to start. */
  pendingRequests: number;
  /** Demand from answered view requests and the linger after the last viewer. */
  wantedUntil: number;
  commanded: 'none' | 'started' | 'stopped';
  starting: Promise<void> | undefined;
  lastStartAt: number;
  lastStopAt: number;
  /** When the publisher went away (or the start was sent), for re-asking an edge that gave up. */
  unpublishedSince: number;
  timer: NodeJS.Timeout | undefined;
  readonly publishWaiters: Set<() => void>;
}

/** An edge asked to push but not publishing after this long is asked again (its push may have given up). */
const REASK_AFTER_MS = 15_000;
/** A stop that did not end the publish is repeated after this long. */
const RESTOP_AFTER_MS = 10_000;
/** Longest wait for an edge's answer to `relay:stop`. */
const STOP_ACK_TIMEOUT_MS = 5_000;
const REFUSED_LOG_WINDOW_MS = 10_000;
const REFUSED_LOG_LIMIT = 20;

/**
 * Live view on demand. A permitted viewer's request makes the camera's edge push it to the media
 * server (`relay:start`), and is answered with signed, expiring play URLs once video arrives. The
 * media server reports who plays; `lingerMs` after the last viewer leaves, the edge is told to stop
 * (`relay:stop`). Always-on cameras are pushed regardless. Every view is recorded in `live_views`.
 *
 * All state is per camera; events from the media server and a periodic pass converge it, so lost
 * commands, edge reconnects and media-server restarts heal without special cases.
 */
export class LiveManager {
  private readonly streams = new Map<string, Stream>();
  private readonly byKey = new Map<string, Stream>();
  private readonly alwaysOn: ReadonlySet<string>;
  private readonly now: () => number;
  private readonly settings: LiveSettings;
  private readonly log: FastifyBaseLogger;
  private tick: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private closed = false;
  private refusedWindowStart = 0;
  private refusedInWindow = 0;

  constructor(private readonly deps: LiveManagerDeps) {
    this.now = deps.now ?? Date.now;
    this.settings = deps.settings;
    this.alwaysOn = new Set(deps.settings.alwaysOnCameras);
    this.log = deps.log;
  }

  /** Subscribes to the media server and starts the reconciliation pass. Closes views a crash left open. */
  start(): void {
    const leftOpen = this.deps.views.endAllOpen(this.now(), 'cloud-restart');
    if (leftOpen > 0) this.log.warn({ views: leftOpen }, 'closed live views left open by the previous run');
    this.unsubscribe = this.deps.media.onEvent((ev) => this.onMedia(ev));
    this.tick = setInterval(() => this.reconcile(), this.settings.reconcileIntervalMs);
    this.tick.unref();
    this.reconcile();
  }

  /**
   * Opens a live view: checks the user may view the camera, makes sure its edge pushes it, and signs
   * play URLs for the user.
   * @param requestHost the `Host` the viewer used, for URLs on the same name
   * @throws CodedError NOT_FOUND (unknown camera), FORBIDDEN, NOT_READY (503/504: media server down,
   *   edge offline, or no video in time)
   */
  async openView(user: AuthUser, cameraId: string, requestHost: string | undefined): Promise<LiveViewResponse> {
    if (this.closed) throw new CodedError('NOT_READY', 'shutting down', 503);
    const edgeId = this.deps.cameraOwner(cameraId);
    if (edgeId === undefined) throw new CodedError('NOT_FOUND', `camera ${cameraId} does not exist`);
    if (!(await this.deps.canView(user, cameraId))) throw new CodedError('FORBIDDEN', `you may not view camera ${cameraId}`);
    const endpoint = this.deps.media.endpoint;
    if (!endpoint) throw new CodedError('NOT_READY', 'live video is unavailable: the media server is starting', 503);
    const s = this.stream(cameraId, edgeId);
    // The request holds the push while it waits, and for the linger after its answer, so a player that
    // never connects does not keep the camera pushing for long.
    s.pendingRequests++;
    try {
      if (!this.isPublishing(s)) await this.ensurePublishing(s);
    } finally {
      s.pendingRequests--;
      s.wantedUntil = Math.max(s.wantedUntil, this.now() + this.settings.lingerMs);
      this.schedule(s);
    }

    const expiresAt = this.now() + this.settings.playUrlTtlMs;
    const token = signGrant(this.deps.signingKey, streamPathOf(s.streamKey), {
      kind: 'play',
      userId: user.id,
      viewId: randomUUID(),
      expiresAt,
    });
    const urls = playUrls(s.streamKey, token, {
      base: this.settings.playBaseUrl,
      host: hostnameOf(requestHost),
      httpPort: endpoint.httpPort,
    });
    return { cameraId, ...urls, expiresAt };
  }

  /** The live state of one camera, or undefined if nobody asked for it yet. */
  status(cameraId: string): LiveStreamStatus | undefined {
    const s = this.streams.get(cameraId);
    if (!s) return undefined;
    return {
      cameraId,
      streamKey: s.streamKey,
      publishing: this.isPublishing(s),
      viewers: s.viewers.size,
      commanded: s.commanded,
    };
  }

  /**
   * Stops reconciling, closes the open views (`shutdown`) and asks the edges to stop pushing (best
   * effort, bounded by `waitMs`).
   */
  async close(waitMs = 1000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.tick);
    this.unsubscribe?.();
    const stops: Promise<void>[] = [];
    for (const s of this.streams.values()) {
      clearTimeout(s.timer);
      this.endViews(s, 'shutdown');
      if (s.commanded === 'started' || s.publisher) stops.push(this.stopRelay(s));
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(stops), new Promise((resolve) => (timer = setTimeout(resolve, waitMs)))]);
    clearTimeout(timer);
  }

  private stream(cameraId: string, edgeId: string): Stream {
    let s = this.streams.get(cameraId);
    if (!s) {
      s = {
        cameraId,
        streamKey: streamKeyFor(cameraId),
        edgeId,
        viewers: new Map(),
        publisher: undefined,
        pendingRequests: 0,
        wantedUntil: 0,
        commanded: 'none',
        starting: undefined,
        lastStartAt: 0,
        lastStopAt: 0,
        unpublishedSince: 0,
        timer: undefined,
        publishWaiters: new Set(),
      };
      this.streams.set(cameraId, s);
      this.byKey.set(s.streamKey, s);
    }
    // A camera can move to another edge (re-declared there); commands follow it.
    s.edgeId = edgeId;
    return s;
  }

  /** The stream of a key the media server reported; recognises keys this process never handed out. */
  private streamByKey(streamKey: string): Stream | undefined {
    const known = this.byKey.get(streamKey);
    if (known) return known;
    const cameraId = this.deps.cameraIds().find((id) => streamKeyFor(id) === streamKey);
    const edgeId = cameraId === undefined ? undefined : this.deps.cameraOwner(cameraId);
    return cameraId === undefined || edgeId === undefined ? undefined : this.stream(cameraId, edgeId);
  }

  /** A publisher counts only while the edge is meant to push: after a stop it may linger in the media server's grace window. */
  private isPublishing(s: Stream): boolean {
    return s.publisher !== undefined && s.commanded !== 'stopped';
  }

  private wanted(s: Stream): boolean {
    return this.alwaysOn.has(s.cameraId) || s.viewers.size > 0 || s.pendingRequests > 0 || this.now() < s.wantedUntil;
  }

  /**
   * Resolves once the camera publishes: usually before the edge's answer, which waits for ffmpeg's
   * first progress report, while the media server already has the stream's headers.
   */
  private async ensurePublishing(s: Stream): Promise<void> {
    if (!this.deps.edges.isOnline(s.edgeId)) {
      throw new CodedError('NOT_READY', `camera ${s.cameraId} is unavailable: its edge ${s.edgeId} is offline`, 503);
    }
    const starting = s.starting ?? this.startRelay(s);
    await new Promise<void>((resolve, reject) => {
      const finish = (err?: Error): void => {
        clearTimeout(timer);
        s.publishWaiters.delete(onPublish);
        if (err) reject(err);
        else resolve();
      };
      const onPublish = (): void => finish();
      const timer = setTimeout(
        () => finish(new CodedError('NOT_READY', `no video from camera ${s.cameraId} within ${this.settings.startTimeoutMs} ms`, 504)),
        this.settings.startTimeoutMs,
      );
      s.publishWaiters.add(onPublish);
      starting.then(
        () => {
          if (this.isPublishing(s)) finish();
        },
        (err: unknown) => finish(err instanceof Error ? err : new Error(String(err))),
      );
    });
  }

  /** Sends `relay:start` (with a fresh publish signature); resolves when the edge reports video flowing. */
  private startRelay(s: Stream): Promise<void> {
    const run = async (): Promise<void> => {
      const endpoint = this.deps.media.endpoint;
      if (!endpoint) throw new CodedError('NOT_READY', 'the media server is starting', 503);
      const now = this.now();
      const signExpiresAt = now + this.settings.publishSignTtlMs;
      const streamPath = streamPathOf(s.streamKey);
      const cmd: RelayStartCommand = {
        cameraId: s.cameraId,
        streamKey: s.streamKey,
        rtmpUrl: publishUrl(s.streamKey, {
          base: this.settings.rtmpBaseUrl,
          host: hostnameOf(this.deps.edges.hostSeenBy(s.edgeId)),
          rtmpPort: endpoint.rtmpPort,
        }),
        sign: signGrant(this.deps.signingKey, streamPath, { kind: 'publish', edgeId: s.edgeId, expiresAt: signExpiresAt }),
        signExpiresAt,
      };
      s.commanded = 'started';
      s.lastStartAt = now;
      if (!s.publisher) s.unpublishedSince = now;
      this.log.info({ cameraId: s.cameraId, edgeId: s.edgeId, streamKey: s.streamKey }, 'asking edge to push camera');
      const ack = await this.deps.edges.start(s.edgeId, cmd, this.settings.startTimeoutMs);
      if (!ack.ok) {
        throw new CodedError('NOT_READY', `edge ${s.edgeId} could not push camera ${s.cameraId}: ${ack.error.message}`, 503);
      }
    };
    const p = run();
    s.starting = p;
    p.then(
      () => undefined,
      (err: unknown) => {
        // `commanded` stays `started`: the edge may still be trying, and is told to stop once nobody
        // wants the camera. The next view request asks again; so does the reconciliation pass for an
        // always-on camera.
        this.log.warn({ cameraId: s.cameraId, err: (err as Error).message }, 'relay start failed');
      },
    ).finally(() => {
      if (s.starting === p) s.starting = undefined;
    });
    return p;
  }

  private async stopRelay(s: Stream): Promise<void> {
    s.commanded = 'stopped';
    s.lastStopAt = this.now();
    if (!this.deps.edges.isOnline(s.edgeId)) return;
    this.log.info({ cameraId: s.cameraId, edgeId: s.edgeId }, 'asking edge to stop pushing camera');
    try {
      const ack = await this.deps.edges.stop(s.edgeId, { cameraId: s.cameraId, streamKey: s.streamKey }, STOP_ACK_TIMEOUT_MS);
      if (!ack.ok) this.log.warn({ cameraId: s.cameraId, error: ack.error }, 'edge refused relay:stop');
    } catch (err) {
      this.log.warn({ cameraId: s.cameraId, err: (err as Error).message }, 'relay:stop not delivered; will repeat');
    }
  }

  /** Arms the stream's timer for the end of its wanted window (the linger), replacing any earlier one. */
  private schedule(s: Stream): void {
    clearTimeout(s.timer);
    s.timer = undefined;
    const due = s.wantedUntil - this.now();
    if (due > 0 && s.viewers.size === 0 && s.pendingRequests === 0) {
      s.timer = setTimeout(() => this.evaluate(s), due + 5);
      s.timer.unref();
    }
  }

  /** Moves one stream toward what it should be: pushing while wanted, stopped otherwise. */
  private evaluate(s: Stream): void {
    if (this.closed) return;
    const now = this.now();
    if (this.wanted(s)) {
      const lost = s.commanded === 'started' && !s.publisher && now - s.unpublishedSince >= REASK_AFTER_MS;
      if (this.deps.media.endpoint && !s.starting && this.deps.edges.isOnline(s.edgeId) && (s.commanded !== 'started' || lost)) {
        // Errors are logged by startRelay; here nobody waits for the outcome.
        this.startRelay(s).catch(() => undefined);
      }
      this.schedule(s);
    } else if (s.commanded === 'started' || (s.publisher && now - s.lastStopAt >= RESTOP_AFTER_MS)) {
      void this.stopRelay(s);
    }
  }

  private reconcile(): void {
    for (const cameraId of this.alwaysOn) {
      const edgeId = this.deps.cameraOwner(cameraId);
      if (edgeId !== undefined) this.stream(cameraId, edgeId);
    }
    for (const s of this.streams.values()) this.evaluate(s);
  }

  private endViews(s: Stream, reason: string, bytesOut: (sessionId: string) => number | null = () => null): void {
    const at = this.now();
    for (const [sessionId, v] of s.viewers) {
      this.deps.views.end(v.rowId, at, reason, bytesOut(sessionId));
      this.emitView({ type: 'view-end', cameraId: s.cameraId, userId: v.userId, username: v.username, viewId: v.viewId, sessionId, at, durationMs: at - v.startedAt, reason });
    }
    s.viewers.clear();
  }

  private emitView(ev: LiveViewEvent): void {
    try {
      this.deps.onViewEvent?.(ev);
    } catch (err) {
      this.log.error({ err }, 'live view event listener failed');
    }
  }

  private onMedia(ev: MediaEvent): void {
    if (this.closed) return;
    switch (ev.type) {
      case 'ready':
        // Pushes wanted during the outage are asked for again at once (same ports: most reconnect anyway).
        for (const s of this.streams.values()) {
          if (s.commanded === 'started') s.unpublishedSince = 0;
          this.evaluate(s);
        }
        return;
      case 'down':
        for (const s of this.streams.values()) {
          // Viewers were cut off; give their players the linger to come back before the push stops.
          if (s.viewers.size > 0) s.wantedUntil = Math.max(s.wantedUntil, this.now() + this.settings.lingerMs);
          this.endViews(s, 'media-restart');
          s.publisher = undefined;
          s.unpublishedSince = this.now();
          this.schedule(s);
        }
        return;
      case 'publish': {
        const s = this.streamByKey(ev.streamKey);
        if (!s) {
          this.log.warn({ streamKey: ev.streamKey, edgeId: ev.edgeId }, 'publish of an unknown stream');
          return;
        }
        if (ev.edgeId !== s.edgeId) this.log.warn({ cameraId: s.cameraId, owner: s.edgeId, publisher: ev.edgeId }, 'camera published by another edge than its owner');
        s.publisher = { sessionId: ev.sessionId, edgeId: ev.edgeId, since: this.now() };
        this.log.info({ cameraId: s.cameraId, edgeId: ev.edgeId, ip: ev.ip }, 'camera publishing');
        for (const w of [...s.publishWaiters]) w();
        this.evaluate(s);
        return;
      }
      case 'publish-done': {
        const s = this.byKey.get(ev.streamKey);
        if (!s || s.publisher?.sessionId !== ev.sessionId) return;
        s.publisher = undefined;
        s.unpublishedSince = this.now();
        this.log.info({ cameraId: s.cameraId, bytesIn: ev.bytesIn }, 'camera stopped publishing');
        this.evaluate(s);
        return;
      }
      case 'play': {
        const s = this.streamByKey(ev.streamKey);
        if (!s) return;
        const at = this.now();
        const username = this.deps.usernameOf(ev.userId);
        const rowId = this.deps.views.start({
          cameraId: s.cameraId,
          userId: ev.userId,
          username,
          viewId: ev.viewId,
          sessionId: ev.sessionId,
          protocol: ev.protocol,
          clientIp: ev.ip,
          startedAt: at,
        });
        s.viewers.set(ev.sessionId, { rowId, userId: ev.userId, username, viewId: ev.viewId, startedAt: at });
        this.schedule(s);
        this.emitView({ type: 'view-start', cameraId: s.cameraId, userId: ev.userId, username, viewId: ev.viewId, sessionId: ev.sessionId, at });
        return;
      }
      case 'play-done': {
        const s = this.byKey.get(ev.streamKey);
        const v = s?.viewers.get(ev.sessionId);
        if (!s || !v) return;
        const at = this.now();
        s.viewers.delete(ev.sessionId);
        this.deps.views.end(v.rowId, at, 'closed', ev.bytesOut);
        this.emitView({ type: 'view-end', cameraId: s.cameraId, userId: v.userId, username: v.username, viewId: v.viewId, sessionId: ev.sessionId, at, durationMs: at - v.startedAt, reason: 'closed' });
        if (s.viewers.size === 0) s.wantedUntil = Math.max(s.wantedUntil, at + this.settings.lingerMs);
        this.evaluate(s);
        return;
      }
      case 'refused': {
        // Anyone can knock on the media ports: log the first few per window, count the rest.
        const now = this.now();
        if (now - this.refusedWindowStart >= REFUSED_LOG_WINDOW_MS) {
          if (this.refusedInWindow > REFUSED_LOG_LIMIT) {
            this.log.warn({ refused: this.refusedInWindow - REFUSED_LOG_LIMIT }, 'more media connections refused (not logged)');
          }
          this.refusedWindowStart = now;
          this.refusedInWindow = 0;
        }
        if (++this.refusedInWindow <= REFUSED_LOG_LIMIT) {
          this.log.warn({ action: ev.action, streamPath: ev.streamPath, reason: ev.reason, ip: ev.ip }, 'media server refused a connection');
        }
        return;
      }
    }
  }
}
