import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { userInfo } from 'node:os';
import path from 'node:path';
import { connect, type MqttClient } from 'mqtt';
import { freePort } from './processes.js';

/** Debian's broker (package `mosquitto`, installed by scripts/setup.mjs). */
export const MOSQUITTO_BIN = '/usr/sbin/mosquitto';

/**
 * A real mosquitto on 127.0.0.1, anonymous, with persistence in its own directory so subscriptions
 * of persistent sessions and retained messages survive {@link Mosquitto.stop} + {@link Mosquitto.start}
 * on the same port. Every wait is bounded; the process is killed when the test process exits.
 */
export class Mosquitto {
  private child: ChildProcess | undefined;
  private output = '';

  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  /** Starts a broker on a free port with its config and data under `dir`. */
  static async launch(dir: string): Promise<Mosquitto> {
    mkdirSync(dir, { recursive: true });
    const broker = new Mosquitto(await freePort(), dir);
    await broker.start();
    return broker;
  }

  /** (Re)starts the broker on its port and waits until it accepts TCP connections. */
  async start(): Promise<void> {
    if (this.child) throw new Error('mosquitto already running');
    const conf = path.join(this.dir, 'mosquitto.conf');
    writeFileSync(
      conf,
      [
        `listener ${this.port} 127.0.0.1`,
        'allow_anonymous true',
        // Started as root, mosquitto would switch to the `mosquitto` user, who cannot write our temp dir.
        `user ${userInfo().username}`,
        'persistence true',
        `persistence_location ${this.dir}/`,
        'log_dest stderr',
        'log_type error',
        'log_type warning',
        '',
      ].join('\n'),
    );
    const child = spawn(MOSQUITTO_BIN, ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const kill = (): void => {
      if (child.exitCode === null) child.kill('SIGKILL');
    };
    process.once('exit', kill);
    child.once('exit', () => process.removeListener('exit', kill));
    child.stdout?.on('data', (b: Buffer) => (this.output += b.toString()));
    child.stderr?.on('data', (b: Buffer) => (this.output += b.toString()));
    const deadline = Date.now() + 15_000;
    while (!(await accepts(this.port))) {
      if (child.exitCode !== null) throw new Error(`mosquitto exited with ${child.exitCode}: ${this.output}`);
      if (Date.now() > deadline) throw new Error(`mosquitto did not listen on ${this.port} within 15 s: ${this.output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Stops the broker (SIGTERM, so it saves its persistence file) and waits for it to exit. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** One message a test subscriber received. */
export interface Received {
  topic: string;
  payload: string;
  retain: boolean;
}

/**
 * A test subscriber: a persistent session (fixed client id, clean: false, QoS 1), so messages
 * published while it is away from a restarted broker are kept for it.
 */
export async function subscriber(url: string, clientId: string, topics: string[]): Promise<{ client: MqttClient; received: Received[] }> {
  const received: Received[] = [];
  const client = connect(url, { clientId, clean: false, reconnectPeriod: 200, connectTimeout: 5000 });
  client.on('message', (topic, payload, packet) => received.push({ topic, payload: payload.toString('utf8'), retain: packet.retain }));
  client.on('error', () => {
    // Refused while the broker restarts; mqtt.js retries.
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`subscriber ${clientId} did not connect within 10 s`)), 10_000);
    client.once('connect', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  await client.subscribeAsync(topics, { qos: 1 });
  return { client, received };
}
