import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { io, type Socket } from 'socket.io-client';
import { buildApp } from '../../cloud/src/app.js';
import { parseCloudConfig, type CloudConfig } from '../../cloud/src/config.js';
import { EDGE_NAMESPACE, type Ack, type EdgeHello, type EventMessage } from '../../protocol/index.js';

/** The answer of a REST call: status and parsed JSON body (undefined when there is none). */
export interface ApiReply<T = unknown> {
  status: number;
  body: T;
}

/** A cloud config for tests: loopback, port 0, the given admin password, edges and overrides. */
export function testCloudConfig(dataDir: string, adminPassword: string, extra: Record<string, unknown> = {}): CloudConfig {
  return parseCloudConfig({ server: { host: '127.0.0.1', port: 0 }, dataDir, auth: { admin: { password: adminPassword } }, ...extra }, {});
}

/**
 * A real cloud listening on an ephemeral loopback port, with a signed-in admin and helpers to talk
 * to it as an edge (socket.io) and over REST.
 */
export class CloudUnderTest {
  readonly sockets: Socket[] = [];
  base = '';
  userToken = '';

  private constructor(readonly app: FastifyInstance) {}

  static async start(config: CloudConfig, adminPassword: string, deps?: Parameters<typeof buildApp>[1]): Promise<CloudUnderTest> {
    const app = await buildApp(config, deps);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const cloud = new CloudUnderTest(app);
    cloud.base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const login = await cloud.api<{ token: string }>('POST', '/api/auth/login', { username: 'admin', password: adminPassword }, null);
    if (login.status !== 200) throw new Error(`login failed: ${login.status}`);
    cloud.userToken = login.body.token;
    return cloud;
  }

  /** A REST call as the signed-in admin (or with `bearer`, or without credentials when null). */
  async api<T = unknown>(method: string, url: string, body?: unknown, bearer: string | null = this.userToken): Promise<ApiReply<T>> {
    const headers: Record<string, string> = {};
    if (bearer !== null) headers.authorization = `Bearer ${bearer}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${this.base}${url}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  /** Connects to /edge; resolves once connected or with the handshake error. */
  async edge(edgeId: string, token: string): Promise<{ socket: Socket; error?: { message: string; data?: unknown } }> {
    const socket = io(`${this.base}${EDGE_NAMESPACE}`, { auth: { edgeId, token }, transports: ['websocket'], reconnection: false, forceNew: true });
    this.sockets.push(socket);
    return new Promise((resolve) => {
      socket.once('connect', () => resolve({ socket }));
      socket.once('connect_error', (err: Error & { data?: unknown }) => resolve({ socket, error: { message: err.message, data: err.data } }));
    });
  }

  /** Connects as an edge and says hello with the given cameras; throws on any refusal. */
  async helloEdge(edgeId: string, token: string, cameras: string[], over: Partial<EdgeHello> = {}): Promise<Socket> {
    const { socket, error } = await this.edge(edgeId, token);
    if (error) throw new Error(`edge ${edgeId} refused: ${error.message}`);
    const ack = await send(socket, 'hello', { edgeId, version: 'test', cameras: cameras.map((id) => ({ id, name: `Camera ${id}`, rules: ['r'] })), ...over });
    if (!ack.ok) throw new Error(`hello of ${edgeId} refused: ${ack.error.code} ${ack.error.message}`);
    return socket;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.disconnect();
    await this.app.close();
  }
}

/** Emits with an ack and a 5 s limit. */
export async function send(socket: Socket, name: string, ...args: unknown[]): Promise<Ack> {
  return (await socket.timeout(5000).emitWithAck(name, ...args)) as Ack;
}

/** A valid event message with what a test does not care about filled in. */
export function eventMessage(
  over: Partial<EventMessage> & Pick<EventMessage, 'id' | 'seq' | 'phase' | 'cameraId' | 'edgeId'>,
): EventMessage {
  const startedAt = over.startedAt ?? 1_700_000_000_000;
  return {
    ruleId: 'helmet-rule',
    type: 'helmet',
    severity: 1,
    label: 'head',
    topScore: 0.5,
    startedAt,
    at: startedAt + over.seq * 1000,
    detections: [{ label: 'head', score: 0.5, box: { x: 0.2, y: 0.2, w: 0.1, h: 0.2 }, trackId: 7 }],
    ...over,
  };
}
