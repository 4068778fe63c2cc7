import path from 'node:path';
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

/** Decorates `evidence`, a store under `<dataDir>/evidence`, after clearing a crash's temporary files. */
export default fp(
  async function evidencePlugin(app: FastifyInstance, opts: EvidencePluginOptions) {
    const store = new EvidenceStore(path.join(opts.dataDir, 'evidence'), app.repos.evidence);
    const removed = await store.init();
    if (removed > 0) app.log.warn({ removed }, 'removed unfinished evidence uploads');
    app.decorate('evidence', store);
  },
  { name: 'mingliang-evidence', fastify: '5.x', dependencies: ['mingliang-db'] },
);
