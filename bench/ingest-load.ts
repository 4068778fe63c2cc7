import { performance } from 'node:perf_hooks';
import { io, type Socket } from 'socket.io-client';
import { v7 as uuidv7 } from 'uuid';
import { EDGE_NAMESPACE, type Ack, type EventMessage, type Heartbeat } from '../protocol/index.js';

/** One simulated edge. */
export interface LoadEdge {
  id: string;
  token: string;
  cameras: string[];
}

/** Shape of the load. */
export interface LoadOptions {
  url: string;
  edges: readonly LoadEdge[];
  /** Events each edge keeps going at once; each lane sends its event's phases in order, one ack at a time. */
  lanes: number;
  /** Updates between an event's start and end. */
  updates: number;
  warmupMs: number;
  measureMs: number;
  /** Called when the measured interval starts and ends (to read the server's CPU). */
  onMeasure?: (phase: 'start' | 'end') => void;
}

/** What a run measured. */
export interface LoadResult {
  /** Event messages acknowledged `{ok:true}` per second within the measured interval. */
  eventsPerSecond: number;
  acked: number;
  refused: Record<string, number>;
  timeouts: number;
  ackMsP50: number;
  ackMsP99: number;
}

const ACK_TIMEOUT_MS = 10_000;

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

function connect(url: string, edge: LoadEdge): Promise<Socket> {
  const socket = io(`${url}${EDGE_NAMESPACE}`, { auth: { edgeId: edge.id, token: edge.token }, transports: ['websocket'], forceNew: true, reconnection: false });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

/** A realistic message: two detections with tracks, the snapshot on the start, the end's reason. */
function message(edge: LoadEdge, id: string, cameraId: string, seq: number, phase: EventMessage['phase'], startedAt: number): EventMessage {
  const now = Date.now();
  const score = 0.5 + (seq % 5) / 10;
  return {
    id,
    seq,
    phase,
    edgeId: edge.id,
    cameraId,
    ruleId: 'no-helmet',
    type: 'missing_attribute',
    severity: 1,
    label: 'head',
    topScore: score,
    startedAt,
    at: now,
    ...(phase === 'end' ? { endedAt: now, endReason: 'cleared' } : {}),
    detections: [
      { label: 'head', score, box: { x: 0.21, y: 0.12, w: 0.06, h: 0.09 }, trackId: 17 },
      { label: 'person', score: 0.88, box: { x: 0.18, y: 0.1, w: 0.14, h: 0.52 }, trackId: 17 },
    ],
    trackIds: [17],
    zoneId: 'gate',
    ...(phase === 'start'
      ? { snapshot: { sha256: 'c'.repeat(64), contentType: 'image/jpeg' as const, size: 48_213, width: 768, height: 432 } }
      : {}),
  };
}

/**
 * Drives `edges` socket.io clients against a server: each says hello, then keeps `lanes` events
 * going (start, updates, end; each message waits for its ack before the next of the same event)
 * and a heartbeat a second. Counts acknowledged event messages during the measured interval.
 */
export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const sockets = await Promise.all(opts.edges.map((e) => connect(opts.url, e)));
  await Promise.all(
    sockets.map(async (socket, i) => {
      const edge = opts.edges[i];
      if (!edge) return;
      const hello = { edgeId: edge.id, version: 'bench', cameras: edge.cameras.map((id) => ({ id, name: `Bench ${id}`, rules: ['no-helmet'] })) };
      const ack = (await socket.timeout(ACK_TIMEOUT_MS).emitWithAck('hello', hello)) as Ack;
      if (!ack.ok) throw new Error(`hello of ${edge.id} refused: ${ack.error.code} ${ack.error.message}`);
    }),
  );

  let measuring = false;
  let stopping = false;
  let acked = 0;
  let timeouts = 0;
  const refused: Record<string, number> = {};
  const latencies: number[] = [];

  const send = async (socket: Socket, msg: EventMessage): Promise<void> => {
    const t0 = performance.now();
    try {
      const res = (await socket.timeout(ACK_TIMEOUT_MS).emitWithAck('event', msg)) as Ack;
      if (!measuring) return;
      if (res.ok) {
        acked += 1;
        latencies.push(performance.now() - t0);
      } else refused[res.error.code] = (refused[res.error.code] ?? 0) + 1;
    } catch {
      // No ack within the limit: counted, and the lane moves on as an edge would retry later.
      if (measuring) timeouts += 1;
    }
  };

  const lanes = sockets.flatMap((socket, i) => {
    const edge = opts.edges[i];
    if (!edge) return [];
    return Array.from({ length: opts.lanes }, async (_, lane) => {
      let n = 0;
      while (!stopping) {
        const id = uuidv7();
        const cameraId = edge.cameras[(lane + n++) % edge.cameras.length] ?? '';
        const startedAt = Date.now();
        await send(socket, message(edge, id, cameraId, 0, 'start', startedAt));
        for (let u = 1; u <= opts.updates && !stopping; u++) await send(socket, message(edge, id, cameraId, u, 'update', startedAt));
        if (!stopping) await send(socket, message(edge, id, cameraId, opts.updates + 1, 'end', startedAt));
      }
    });
  });
  const heartbeats = setInterval(() => {
    sockets.forEach((socket, i) => {
      const edge = opts.edges[i];
      if (!edge) return;
      const now = Date.now();
      const hb: Heartbeat = {
        edgeId: edge.id,
        at: now,
        backlog: 0,
        cameras: edge.cameras.map((cameraId) => ({ cameraId, state: 'streaming', since: now - 60_000, captureFps: 5, analysedFps: 5, droppedFrames: 0, restarts: 0 })),
      };
      socket.emit('heartbeat', hb, () => undefined);
    });
  }, 1000);

  await new Promise((r) => setTimeout(r, opts.warmupMs));
  opts.onMeasure?.('start');
  measuring = true;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, opts.measureMs));
  measuring = false;
  const seconds = (performance.now() - t0) / 1000;
  opts.onMeasure?.('end');
  stopping = true;
  clearInterval(heartbeats);
  await Promise.all(lanes);
  for (const s of sockets) s.disconnect();

  latencies.sort((a, b) => a - b);
  return {
    eventsPerSecond: acked / seconds,
    acked,
    refused,
    timeouts,
    ackMsP50: percentile(latencies, 50),
    ackMsP99: percentile(latencies, 99),
  };
}
