import path from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { ConfigError } from '../../common/config-loader.js';
import { repoRoot } from '../../common/env.js';
import { loadEdgeConfig } from './config.js';
import { checkConfigModels } from './config-models.js';
import { startEdgeNode } from './edge-node.js';

/** Edge process: config, logging, signals and shutdown order. */
async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { config: { type: 'string', default: path.join(repoRoot, 'edge', 'config.example.yaml') }, 'check-config': { type: 'boolean' } },
  });
  const file = values.config ?? '';
  let config;
  try {
    config = loadEdgeConfig(file);
    checkConfigModels(config);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      return 1;
    }
    throw err;
  }
  if (values['check-config']) {
    console.log(`${file}: OK (${config.cameras.length} cameras)`);
    return 0;
  }
  const logger = pino({ name: 'edge', level: process.env.LOG_LEVEL ?? 'info' });
  const node = await startEdgeNode(config, logger);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  logger.info('stopping');
  // Stop capture first, then let rules close open events into the outbox, then drop the uplink.
  await node.stop();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
