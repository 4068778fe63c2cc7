import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { ConfigError } from '../common/config-loader.js';
import { mediaDir } from '../common/env.js';
import { DEFAULT_STREAMS_CONFIG_FILE, loadStreamsConfig } from './config.js';
import { resolveClip, SimulatorError, startCameraSimulator } from './simulator.js';

const USAGE = `usage: node dist/streams/main.js [--config streams/cameras.yaml] [--check-config]
  --config FILE    camera list (default ${DEFAULT_STREAMS_CONFIG_FILE})
  --check-config   validate the file and that every clip exists, then exit`;

/** Camera-simulator process: config, logging, signals and shutdown order. */
async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        config: { type: 'string', default: DEFAULT_STREAMS_CONFIG_FILE },
        'check-config': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const file = values.config;
  let config;
  try {
    config = loadStreamsConfig(file);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      return 1;
    }
    throw err;
  }
  if (values['check-config']) {
    const missing = config.cameras.map((c) => ({ ...c, path: resolveClip(c.clip) })).filter((c) => !existsSync(c.path));
    for (const c of missing) console.error(`camera ${c.name}: clip not found: ${c.path}`);
    if (missing.length > 0) {
      console.error(`media directory: ${mediaDir()} (MINGLIANG_MEDIA_DIR=${process.env.MINGLIANG_MEDIA_DIR ?? '(unset)'})`);
      return 1;
    }
    console.log(`${file}: OK (${config.cameras.length} cameras, RTSP port ${config.rtspPort})`);
    return 0;
  }

  const logger = pino({ name: 'streams', level: process.env.LOG_LEVEL ?? 'info' });
  // Signals are caught from the start so that Ctrl-C during start-up still stops the children.
  const aborter = new AbortController();
  const onSignal = new Promise<NodeJS.Signals>((resolve) => {
    const handler = (s: NodeJS.Signals): void => {
      aborter.abort();
      resolve(s);
    };
    process.once('SIGINT', handler);
    process.once('SIGTERM', handler);
  });

  let sim;
  try {
    sim = await startCameraSimulator({ cameras: config.cameras, rtspPort: config.rtspPort, host: config.host, logger, signal: aborter.signal });
  } catch (err) {
    if (aborter.signal.aborted) return 0; // stopped by a signal while starting; children are gone
    if (err instanceof SimulatorError) {
      console.error(`camera simulator failed to start [${err.code}]: ${err.message}`);
      return 1;
    }
    throw err;
  }
  for (const [name, url] of Object.entries(sim.urls)) console.log(`${name}\t${url}`);

  const outcome = await Promise.race([onSignal.then((s) => ({ signal: s })), sim.closed.then((c) => ({ closed: c }))]);
  if ('closed' in outcome) {
    console.error(`camera simulator ended: ${outcome.closed.reason}${outcome.closed.detail ? ` (${outcome.closed.detail})` : ''}`);
    return 1;
  }
  logger.info({ signal: outcome.signal }, 'stopping');
  await sim.stop();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
