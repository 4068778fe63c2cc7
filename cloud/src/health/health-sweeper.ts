import type { FastifyBaseLogger } from 'fastify';

/** A running sweeper; `stop` clears its timer. */
export interface HealthSweeper {
  stop(): void;
}

/**
 * Runs `sweep` every `everyMs` (and once at start, so cameras left "streaming" by a previous run of
 * the cloud go offline promptly). A failing sweep is logged and the next tick tries again.
 */
export function startHealthSweeper(sweep: () => string[], everyMs: number, log: FastifyBaseLogger): HealthSweeper {
  const tick = (): void => {
    try {
      const changed = sweep();
      if (changed.length > 0) log.info({ cameras: changed }, 'cameras offline: heartbeats stopped');
    } catch (err) {
      log.error({ err }, 'camera health sweep failed');
    }
  };
  tick();
  const timer = setInterval(tick, everyMs);
  // The sweeper alone never keeps the process alive.
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
