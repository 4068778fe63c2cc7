import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { repoRoot } from '../../../common/env.js';
import { CodedError } from '../../../protocol/index.js';

/** Where `npm run build:web` (vite build) puts the viewer. */
export const DEFAULT_WEB_ROOT = path.join(repoRoot, 'cloud', 'web', 'dist');

/** Options of the web plugin. */
export interface WebPluginOptions {
  /** Absolute directory of the built viewer (vite's outDir, holding index.html and assets/). */
  root: string;
}

/**
 * Paths that belong to the server, never to the viewer: an unknown path below them is a JSON 404,
 * not the SPA. (socket.io answers its own path before fastify routes, but a stray request that
 * reaches fastify must not get HTML either.)
 */
const SERVER_PATH = /^\/(?:api|socket\.io|healthz|docs|metrics)(?:[/?]|$)/;
/** A file name (`/favicon.ico`, `/assets/x.js`) rather than a client route (`/events/<id>`). */
const FILE_PATH = /\/[^/]*\.[A-Za-z0-9]+$/;

/** True for a GET that the SPA's client-side router answers. */
export function isClientRoute(url: string): boolean {
  const pathname = url.split('?')[0] ?? '/';
  return !SERVER_PATH.test(pathname) && !FILE_PATH.test(pathname);
}

function notFound(request: FastifyRequest): CodedError {
  return new CodedError('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0] ?? ''}`);
}

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>明亮 Mingliang · 503</title>
<style>body{font:15px/1.6 "PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif;background:#0b1018;color:#dbe4f0;padding:48px}code{background:#182233;padding:2px 6px;border-radius:4px}</style>
</head><body>
<h1>前端尚未构建 · The viewer is not built</h1>
<p>请在仓库目录运行 <code>npm run build</code>（或只构建前端：<code>npm run build:web</code>），然后重启云端服务。</p>
<p>Run <code>npm run build</code> (or <code>npm run build:web</code> for the viewer alone) in the repository, then restart the cloud.</p>
<p>The REST API (<code>/api</code>) and <code>/healthz</code> work meanwhile.</p>
</body></html>
`;

/**
 * Serves the built viewer SPA at `/`: its files, and index.html for every client route (/alerts,
 * /events/<id>…) so a reload or a bookmark lands on the right page. Hashed assets are cached for
 * good; index.html is revalidated so a deployment takes effect at the next load. Without a build the
 * same paths answer a 503 page that says how to build, and the API keeps working.
 */
export default fp(
  async function webPlugin(app: FastifyInstance, opts: WebPluginOptions) {
    const built = existsSync(path.join(opts.root, 'index.html'));
    if (!built) {
      app.log.warn({ root: opts.root }, 'viewer not built: run `npm run build`; / answers 503 until then');
      const answer503 = async (request: FastifyRequest, reply: FastifyReply) => {
        if (!isClientRoute(request.url)) throw notFound(request);
        return reply.code(503).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(NOT_BUILT_PAGE);
      };
      app.get('/', answer503);
      app.get('/*', answer503);
      return;
    }

    await app.register(fastifyStatic, {
      root: opts.root,
      prefix: '/',
      index: 'index.html',
      // Only the files present at start are routes; everything else reaches the fallback below.
      wildcard: false,
      // reply.sendFile comes from the evidence plugin's registration (one decorator per app).
      decorateReply: false,
      cacheControl: false,
      setHeaders(res, filePath) {
        // Vite puts a content hash in every name under assets/: such a file never changes.
        const immutable = path.relative(opts.root, filePath).startsWith(`assets${path.sep}`);
        res.header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });

    app.get('/*', async (request, reply) => {
      if (!isClientRoute(request.url)) throw notFound(request);
      // The shared sendFile (evidence plugin) is registered with contentType: false: name the type here.
      return reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').sendFile('index.html', opts.root);
    });
  },
  { name: 'mingliang-web', fastify: '5.x' },
);
