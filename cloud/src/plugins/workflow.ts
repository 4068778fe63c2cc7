import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import workflowRoutes from '../routes/workflow.js';
import type { WorkflowConfig } from '../workflow/workflow-config.js';
import { WorkflowService } from '../workflow/workflow-service.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The closed-loop workflow of every event. */
    workflow: WorkflowService;
  }
}

/** Options of the workflow plugin. */
export interface WorkflowPluginOptions {
  workflow: WorkflowConfig;
  /** The clock of deadlines and escalations; default Date.now (tests move it). */
  now?: (() => number) | undefined;
}

/**
 * Decorates `workflow`: opens an item for every event in the transaction that first stores it (and,
 * at start, for stored events that have none), serves the workflow routes, and runs the sweeper that
 * escalates overdue items; the sweeper stops when the app closes, before the database does.
 */
export default fp(
  async function workflowPlugin(app: FastifyInstance, opts: WorkflowPluginOptions) {
    const now = opts.now ?? Date.now;
    const log = app.log.child({ part: 'workflow' });
    const service = new WorkflowService({
      repos: app.repos,
      bus: app.bus,
      scopes: app.scopes,
      audit: app.audit,
      config: opts.workflow,
      log,
      now,
    });
    app.decorate('workflow', service);
    const backfilled = service.backfill();
    if (backfilled > 0) log.info({ items: backfilled }, 'opened workflow items for events stored without one');
    const stopDiscovery = app.ingest.messages.onDiscovered((item) => service.discoverInTransaction(item, now()));

    const sweep = (): void => {
      try {
        const escalated = service.sweep();
        if (escalated > 0) log.info({ escalated }, 'escalated overdue workflow items');
      } catch (err) {
        log.error({ err }, 'workflow overdue sweep failed');
      }
    };
    sweep();
    const timer = setInterval(sweep, opts.workflow.sweepIntervalMs);
    // The sweeper alone never keeps the process alive.
    timer.unref();
    app.addHook('preClose', async () => clearInterval(timer));
    app.addHook('onClose', async () => {
      clearInterval(timer);
      stopDiscovery();
    });

    await app.register(workflowRoutes, { service, maxPhotoBytes: opts.workflow.maxPhotoBytes });
  },
  {
    name: 'mingliang-workflow',
    fastify: '5.x',
    dependencies: ['mingliang-db', 'mingliang-bus', 'mingliang-auth', 'mingliang-evidence', 'mingliang-ingest'],
  },
);
