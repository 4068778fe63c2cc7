import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { EvidenceStore } from '../evidence/evidence-store.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Content-addressed evidence files (snapshots, clips). */
    evidence: EvidenceStore;
  }
}

/** Options of the evidence plugin. */
export interface EvidencePluginOptions {
  dataDir: string;
}

/**
 * Decorates `evidence`, a store under `<dataDir>/evidence`, after clearing a crash's temporary files,
 * and `reply.sendFile(file, root)` (@fastify/static without routes) so evidence is served with HTTP
 * Range, conditional requests and the right headers — a browser's <video> seeks in a clip with Range.
 */
export default fp(
  async function evidencePlugin(app: FastifyInstance, opts: EvidencePluginOptions) {
    const store = new EvidenceStore(path.join(opts.dataDir, 'evidence'), app.repos.evidence);
    const removed = await store.init();
    if (removed > 0) app.log.warn({ removed }, 'removed unfinished evidence uploads');
    app.decorate('evidence', store);
    // contentType off: evidence files have no extension; the route sets the stored content type.
    await app.register(fastifyStatic, { root: store.dir, serve: false, cacheControl: false, etag: false, lastModified: false, contentType: false });
  },
  { name: 'mingliang-evidence', fastify: '5.x', dependencies: ['mingliang-db'] },
);
