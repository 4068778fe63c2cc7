import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/** Options of the web plugin. */
export interface WebPluginOptions {
  /** Absolute directory of the viewer's static files. */
  root: string;
}

/** Serves the browser viewer (cloud/web) at `/`. */
export default fp(
  async function webPlugin(app: FastifyInstance, opts: WebPluginOptions) {
    await app.register(fastifyStatic, {
      root: opts.root,
      prefix: '/',
      index: 'index.html',
      // Only the files present at start are routes, so unknown paths reach the JSON not-found handler.
      wildcard: false,
      // The viewer is small and changes with deployments: always revalidate instead of caching stale code.
      cacheControl: true,
      maxAge: 0,
    });
  },
  { name: 'mingliang-web', fastify: '5.x' },
);
