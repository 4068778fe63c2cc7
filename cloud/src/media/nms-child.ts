/**
 * Entry of the media child process: node-media-server 4 (RTMP in, HTTP-FLV and WS-FLV out) behind the
 * cloud's signed grants. Started by `media-process.ts` with `child_process.fork`; talks to it over IPC
 * only (`media-ipc.ts`). node-media-server keeps its state in module globals and exits the process on
 * some errors, which is why it lives here and nowhere else: this file is the only one that loads it.
 *
 * Written against node-media-server 4.4.3. Besides the documented API (`new NodeMediaServer(config)`,
 * `run()`, `stop()`, the pre/post/done events) it relies on a few session and server fields, all listed
 * in {@link NmsSession}, {@link NmsBroadcast} and {@link NmsServer}; a version without them fails at
 * start with a clear message.
 */
import { randomBytes } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { Server as NetServer, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ChildMessage, ParentMessage, StartMessage } from './media-ipc.js';
import { decidePlay, decidePublish, isPlayRequestPath, nmsNativeSign, streamKeyOf } from './nms-gate.js';

/** The fields of a node-media-server session this file reads or writes. */
interface NmsSession {
  readonly id: string;
  /** `address:port`; empty for internal sessions, which never reach the hooks. */
  readonly ip: string;
  /** `rtmp` or `flv` (HTTP-FLV and WS-FLV). */
  readonly protocol: string;
  readonly streamPath: string;
  /** Parsed URL query; rewritten by the gate (see `nmsNativeSign`). */
  streamQuery: Record<string, unknown>;
  readonly inBytes: number;
  readonly outBytes: number;
  /** The stream's broadcast; replaced by an inert one on a refused session. */
  broadcast: NmsBroadcast | typeof INERT_BROADCAST;
  /** RTMP sessions: the TCP connection. */
  readonly socket?: Socket;
  /** FLV sessions: the HTTP response or the WebSocket. */
  readonly res?: unknown;
}

/** The fields of a stream's broadcast (its publisher and players) this file reads or writes. */
interface NmsBroadcast {
  readonly publisher: unknown;
  /** `reconnecting` while a gone publisher's grace window runs. */
  getPublishStatus?: () => 'publishing' | 'reconnecting' | 'idle';
  /** How long a gone publisher may come back and continue the stream (4.4: 30 s). */
  publishGraceMs?: number;
}

type NmsEvent = 'prePublish' | 'postPublish' | 'donePublish' | 'prePlay' | 'postPlay' | 'donePlay';

/** node-media-server's instance, with the listeners this file guards. */
interface NmsServer {
  on(event: NmsEvent, listener: (session: NmsSession) => void): void;
  run(): void | Promise<void>;
  stop?: () => Promise<void>;
  readonly httpServer?: { readonly httpServer?: HttpServer; readonly wsServer?: EventEmitter };
  readonly rtmpServer?: { readonly tcpServer?: NetServer };
}

interface NmsConfig {
  bind: string;
  rtmp: { port: number };
  http: { port: number };
  auth: { play: boolean; publish: boolean; secret: string };
  store: { path: string };
  webadmin: { enable: boolean };
}

type NmsConstructor = new (config: NmsConfig) => NmsServer;

const requireCjs = createRequire(import.meta.url);

/**
 * How long a publisher that dropped (the edge's ffmpeg restarting) may come back and continue the
 * stream for the viewers still attached. node-media-server 4.4 holds 30 s, during which it reports the
 * stream neither published nor ended; a relay restart takes 1-3 s, so this is plenty and keeps the
 * cloud's view of the stream fresh.
 */
const PUBLISH_GRACE_MS = 10_000;
/** `stop()` flushes the store; a stuck flush must not keep the process alive. */
const STOP_TIMEOUT_MS = 2_000;

/**
 * What a refused session's broadcast becomes: node-media-server hands every media packet an RTMP
 * session parses to its broadcast, whatever the session was allowed to do, so a refused publisher or
 * RTMP player would otherwise inject video into the stream its viewers watch until its socket closed.
 */
const INERT_BROADCAST = {
  publisher: null,
  subscribers: new Map<string, unknown>(),
  postPlay: (): null => null,
  donePlay: (): void => undefined,
  postPublish: (): null => null,
  donePublish: (): void => undefined,
  broadcastMessage: (): void => undefined,
};

function send(msg: ChildMessage, then?: () => void): void {
  try {
    if (process.send) process.send(msg, undefined, {}, () => then?.());
    else then?.();
  } catch {
    // The IPC channel is closed: the parent is gone and 'disconnect' is about to end this process.
    then?.();
  }
}

/** Reports a failure and exits once the report is on its way (IPC sends are asynchronous). */
function fail(message: string): void {
  send({ type: 'failed', message }, () => process.exit(1));
}

function loadNms(): { NodeMediaServer: NmsConstructor; version: string; logger: { level: string } | undefined } {
  let NodeMediaServer: NmsConstructor;
  try {
    NodeMediaServer = requireCjs('node-media-server') as NmsConstructor;
  } catch (err) {
    throw new Error(`node-media-server is not installed (npm install node-media-server@4.4.3): ${(err as Error).message}`);
  }
  const version = (requireCjs('node-media-server/package.json') as { version?: unknown }).version;
  let logger: { level: string } | undefined;
  try {
    logger = requireCjs('node-media-server/src/core/logger.js') as { level: string };
  } catch {
    // Not part of the package's API: without it the server only logs more.
    logger = undefined;
  }
  return { NodeMediaServer, version: typeof version === 'string' ? version : 'unknown', logger };
}

function listening(server: EventEmitter & { listening: boolean }, what: string, timeoutMs: number): Promise<void> {
  if (server.listening) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start listening within ${timeoutMs} ms`)), timeoutMs);
    server.once('listening', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Lets only `GET|HEAD|OPTIONS /live/<key>.flv` requests and WebSocket upgrades reach the server. */
function guardHttp(server: HttpServer, refuse: (ip: string, url: string) => void): void {
  const onRequest = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  const onUpgrade = server.listeners('upgrade') as ((req: IncomingMessage, socket: Duplex, head: Buffer) => void)[];
  server.removeAllListeners('request');
  server.removeAllListeners('upgrade');
  const allowed = (req: IncomingMessage): boolean =>
    isPlayRequestPath(req.url) && (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (allowed(req)) {
      for (const l of onRequest) l.call(server, req, res);
      return;
    }
    refuse(req.socket.remoteAddress ?? '', req.url ?? '');
    res.writeHead(404, { 'content-type': 'text/plain', connection: 'close' }).end('not found\n');
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (allowed(req)) {
      for (const l of onUpgrade) l.call(server, req, socket, head);
      return;
    }
    refuse(req.socket.remoteAddress ?? '', req.url ?? '');
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });
}

/**
 * Closes an RTMP connection whose data makes node-media-server throw (a `connect` without `tcUrl`
 * does) instead of letting the exception end the process and every viewer's stream with it.
 */
function guardRtmp(server: NetServer, refuse: (ip: string, reason: string) => void): void {
  const onConnection = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => {
    for (const l of onConnection) l.call(server, socket);
    const onData = socket.listeners('data') as ((chunk: Buffer) => void)[];
    socket.removeAllListeners('data');
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const l of onData) l.call(socket, chunk);
      } catch (err) {
        refuse(socket.remoteAddress ?? '', `malformed RTMP data: ${(err as Error).message}`);
        socket.destroy();
      }
    });
  });
}

function isHttpResponse(res: unknown): res is ServerResponse {
  return typeof res === 'object' && res !== null && 'writeHead' in res && 'headersSent' in res;
}

function isWebSocket(res: unknown): res is { close(code: number, reason: string): void } {
  return typeof res === 'object' && res !== null && 'readyState' in res && 'close' in res && !('writeHead' in res);
}

/** Turns a session away: no valid native signature, an inert broadcast, and a closed connection. */
function refuseSession(session: NmsSession, action: 'play' | 'publish', reason: string): void {
  session.streamQuery = { ...session.streamQuery, sign: '' };
  session.broadcast = INERT_BROADCAST;
  const { res } = session;
  if (isHttpResponse(res)) {
    // The server ends the response right after its own check fails; this makes it a 403, not an empty 200.
    if (!res.headersSent) {
      res.statusCode = 403;
      res.setHeader('connection', 'close');
    }
  } else if (isWebSocket(res)) {
    res.close(4403, 'forbidden');
  }
  // destroy, not end: a half-closed RTMP socket is still read, and its packets still parsed.
  session.socket?.destroy();
  send({ type: 'refused', action, streamPath: session.streamPath.slice(0, 200), reason, ip: session.ip });
}

async function start(msg: StartMessage): Promise<void> {
  const { NodeMediaServer, version, logger } = loadNms();
  const key = Buffer.from(msg.signingKey, 'base64');
  // The server's own check only ever sees signatures this process wrote (see nmsNativeSign).
  const nativeSecret = randomBytes(24).toString('hex');
  const nms = new NodeMediaServer({
    bind: msg.host,
    rtmp: { port: msg.rtmpPort },
    http: { port: msg.httpPort },
    auth: { play: true, publish: true, secret: nativeSecret },
    // Its default is ./data in whatever directory the cloud was started from.
    store: { path: msg.storeDir },
    webadmin: { enable: false },
  });
  server = nms;
  // The constructor sets its logger to debug; lower it once constructed.
  if (logger) logger.level = msg.nmsLogLevel;

  const http = nms.httpServer?.httpServer;
  const ws = nms.httpServer?.wsServer;
  const rtmp = nms.rtmpServer?.tcpServer;
  if (!http || !ws || !rtmp) {
    throw new Error(`node-media-server ${version} does not expose the HTTP, WebSocket and RTMP servers this adapter guards; use 4.4.3`);
  }
  const onListenError = (what: string) => (err: Error) => fail(`${what} on ${msg.host}: ${err.message}`);
  // Without these a taken port is an unhandled 'error' event (the ws server re-emits the HTTP server's).
  http.on('error', onListenError(`HTTP-FLV port ${msg.httpPort}`));
  ws.on('error', onListenError(`HTTP-FLV port ${msg.httpPort}`));
  rtmp.on('error', onListenError(`RTMP port ${msg.rtmpPort}`));
  guardHttp(http, (ip, url) => send({ type: 'refused', action: 'request', streamPath: url.slice(0, 200), reason: 'not a stream URL', ip }));
  guardRtmp(rtmp, (ip, reason) => send({ type: 'refused', action: 'request', streamPath: '', reason, ip }));

  /** Sessions the gate admitted, by session id: only their post/done events are reported. */
  const admitted = new Map<string, { streamKey: string; edgeId?: string; userId?: number; viewId?: string }>();

  nms.on('prePublish', (s) => {
    const broadcast = s.broadcast as NmsBroadcast;
    // A publisher in its grace window may be replaced: that is the edge coming back.
    const hasPublisher = broadcast.getPublishStatus ? broadcast.getPublishStatus() === 'publishing' : broadcast.publisher != null;
    const d = decidePublish(key, { protocol: s.protocol, streamPath: s.streamPath, query: s.streamQuery, hasPublisher }, Date.now());
    const streamKey = streamKeyOf(s.streamPath);
    if (!d.ok || streamKey === undefined) return refuseSession(s, 'publish', d.ok ? 'not a stream path' : d.reason);
    if (typeof broadcast.publishGraceMs === 'number') broadcast.publishGraceMs = PUBLISH_GRACE_MS;
    admitted.set(s.id, { streamKey, edgeId: d.grant.edgeId });
    s.streamQuery = { ...s.streamQuery, sign: nmsNativeSign(s.streamPath, nativeSecret, Date.now()) };
  });
  nms.on('postPublish', (s) => {
    const a = admitted.get(s.id);
    if (a?.edgeId === undefined) return;
    // A publisher resuming within the grace window supersedes the old session without a donePublish.
    for (const [id, other] of admitted) if (id !== s.id && other.edgeId !== undefined && other.streamKey === a.streamKey) admitted.delete(id);
    send({ type: 'publish', sessionId: s.id, streamKey: a.streamKey, edgeId: a.edgeId, ip: s.ip });
  });
  nms.on('donePublish', (s) => {
    const a = admitted.get(s.id);
    if (!a) return;
    admitted.delete(s.id);
    send({ type: 'publish-done', sessionId: s.id, streamKey: a.streamKey, bytesIn: s.inBytes });
  });
  nms.on('prePlay', (s) => {
    const d = decidePlay(key, { protocol: s.protocol, streamPath: s.streamPath, query: s.streamQuery }, Date.now());
    const streamKey = streamKeyOf(s.streamPath);
    if (!d.ok || streamKey === undefined) return refuseSession(s, 'play', d.ok ? 'not a stream path' : d.reason);
    admitted.set(s.id, { streamKey, userId: d.grant.userId, viewId: d.grant.viewId });
    s.streamQuery = { ...s.streamQuery, sign: nmsNativeSign(s.streamPath, nativeSecret, Date.now()) };
  });
  nms.on('postPlay', (s) => {
    const a = admitted.get(s.id);
    if (a?.userId === undefined || a.viewId === undefined) return;
    const protocol = isWebSocket(s.res) ? 'ws-flv' : 'http-flv';
    send({ type: 'play', sessionId: s.id, streamKey: a.streamKey, userId: a.userId, viewId: a.viewId, protocol, ip: s.ip });
  });
  nms.on('donePlay', (s) => {
    const a = admitted.get(s.id);
    if (!a) return;
    admitted.delete(s.id);
    send({ type: 'play-done', sessionId: s.id, streamKey: a.streamKey, bytesOut: s.outBytes });
  });

  void Promise.resolve(nms.run()).catch((err: unknown) => fail(`media server run failed: ${(err as Error).message}`));
  await Promise.all([listening(http, 'HTTP-FLV server', 10_000), listening(rtmp, 'RTMP server', 10_000)]);
  send({ type: 'ready', nmsVersion: version, rtmpPort: msg.rtmpPort, httpPort: msg.httpPort });
}

let server: NmsServer | undefined;

/** Stops the server (flushing its store), bounded in time, then exits. */
function shutdown(): void {
  const timer = setTimeout(() => process.exit(0), STOP_TIMEOUT_MS);
  void Promise.resolve(server?.stop?.())
    // Exiting anyway: a failed flush loses at most the server's own stream history.
    .catch(() => undefined)
    .finally(() => {
      clearTimeout(timer);
      process.exit(0);
    });
}

// The parent going away (crash included) closes the IPC channel: never outlive it.
process.on('disconnect', shutdown);
process.on('message', (raw: unknown) => {
  const msg = raw as ParentMessage;
  if (msg.type === 'stop') shutdown();
  if (msg.type === 'start') {
    start(msg).catch((err: unknown) => fail(err instanceof Error ? err.message : String(err)));
  }
});
