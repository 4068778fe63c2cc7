import type { FastifyInstance } from 'fastify';

/** Timing of {@link drainConnectionsOnClose}. */
export interface DrainOptions {
  /** How often idle connections are closed again while draining. */
  everyMs: number;
  /** After this long, connections still busy (a stalled upload, a slow reader) are cut. */
  graceMs: number;
}

/**
 * Lets in-flight requests finish on close, then closes their keep-alive connections. Node closes the
 * connections that are idle when `server.close()` is called, but one whose response is still being
 * written at that moment stays open after it, holding `close()` until the keep-alive timeout (72 s
 * in fastify). Re-closing idle connections until the server reports closed ends that wait, and after
 * a grace period whatever is left is cut so shutdown always finishes.
 */
export function drainConnectionsOnClose(app: FastifyInstance, opts: DrainOptions = { everyMs: 50, graceMs: 5000 }): void {
  app.addHook('preClose', async () => {
    const server = app.server;
    const idle = setInterval(() => server.closeIdleConnections(), opts.everyMs);
    const cut = setTimeout(() => server.closeAllConnections(), opts.graceMs);
    // Neither timer is ever the reason the process stays alive.
    idle.unref();
    cut.unref();
    server.once('close', () => {
      clearInterval(idle);
      clearTimeout(cut);
    });
  });
}
