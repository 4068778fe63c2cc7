import path from 'node:path';
import { parseArgs } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { ConfigError } from '../../common/config-loader.js';
import { repoRoot } from '../../common/env.js';
import { buildApp } from './app.js';
import { loadCloudConfig, type CloudConfig } from './config.js';

const USAGE = `usage: mingliang-cloud [--config <file>] [--check-config]
  --config <file>   cloud YAML config (default cloud/config.example.yaml)
  --check-config    validate the config, print OK or every problem, exit 0/1
`;

/** How long a graceful close may take before the process gives up on it. */
const CLOSE_TIMEOUT_MS = 10_000;

function parseCli(argv: string[]): { config: string; checkConfig: boolean } {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string', default: path.join(repoRoot, 'cloud', 'config.example.yaml') },
      'check-config': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  return { config: path.resolve(values.config), checkConfig: values['check-config'] };
}

function loadOrExit(file: string): CloudConfig {
  try {
    return loadCloudConfig(file);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

/** SIGINT/SIGTERM close the app gracefully; a second signal or a stuck close exits at once. */
function closeOnSignals(app: FastifyInstance): void {
  let closing = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (closing) {
      app.log.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(1);
    }
    closing = true;
    app.log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      app.log.error('graceful close timed out');
      process.exit(1);
    }, CLOSE_TIMEOUT_MS);
    timer.unref();
    app.close().then(
      () => {
        clearTimeout(timer);
        process.exitCode = 0;
      },
      (err: unknown) => {
        app.log.error({ err }, 'close failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

async function main(): Promise<void> {
  const cli = parseCli(process.argv.slice(2));
  const config = loadOrExit(cli.config);
  if (cli.checkConfig) {
    process.stdout.write(`OK ${cli.config}\n`);
    return;
  }
  const app = await buildApp(config, { logger: { level: config.logLevel } });
  closeOnSignals(app);
  const url = await app.listen({ host: config.server.host, port: config.server.port });
  process.stdout.write(`Mingliang cloud listening on ${url}\n`);
  const password = app.mingliang.initialAdminPassword;
  if (password !== null) {
    // Printed once, outside the structured log, so it does not end up in log storage.
    process.stdout.write(
      `Initial admin password for '${config.auth.admin.username}': ${password}\n` +
        '  (shown only now; set auth.admin.password in the config to replace it)\n',
    );
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`mingliang cloud failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
