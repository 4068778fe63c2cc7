import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import Type from 'typebox';
import { CodedError, EDGE_NAMESPACE, ErrorReply, type CameraItem, type WorkflowState } from '../../../protocol/index.js';
import type { IntegrationsConfig } from '../integrations/integrations-config.js';
import { MetricsAccess } from '../integrations/metrics-access.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** This app's Prometheus registry (never prom-client's global one: a process may hold several apps). */
    metrics: Registry;
  }
}

/** Options of the metrics plugin. */
export interface MetricsPluginOptions {
  metrics: IntegrationsConfig['metrics'];
}

/** Where the scrape endpoint is. */
export const METRICS_PATH = '/metrics';

/** Every camera state, so a state with no camera reads 0 instead of vanishing from the scrape. */
const CAMERA_STATES: Record<CameraItem['state'], true> = { unknown: true, connecting: true, streaming: true, stalled: true, offline: true };
const WORKFLOW_STATES: Record<WorkflowState, true> = {
  new: true,
  accepted: true,
  dispatched: true,
  handled: true,
  closed: true,
  false_alarm: true,
};

/**
 * Plugin: Prometheus metrics at `GET /metrics` — connected edges, events ingested, camera states,
 * workflow backlog, HTTP request durations and the process metrics. Gauges of stored state are
 * counted by SQL at scrape time, so they are true whatever changed them. Other integrations add
 * their own metrics to `app.metrics`.
 */
export default fp(
  async function metricsPlugin(app: FastifyInstance, opts: MetricsPluginOptions) {
    const registry = new Registry();
    app.decorate('metrics', registry);
    if (!opts.metrics.enabled) return;

    collectDefaultMetrics({ register: registry });
    const { db, bus } = app;

    new Gauge({
      name: 'mingliang_edges_connected',
      help: 'Edges with at least one connection whose hello was accepted.',
      registers: [registry],
      collect() {
        const edges = new Set<string>();
        // The namespace exists once the sockets plugin ran; before that no edge can be connected.
        for (const socket of app.hasDecorator('io') ? app.io.of(EDGE_NAMESPACE).sockets.values() : []) {
          const data = socket.data as { edgeId?: string; helloDone?: boolean };
          if (data.helloDone === true && data.edgeId !== undefined) edges.add(data.edgeId);
        }
        this.set(edges.size);
      },
    });

    const ingested = new Counter({
      name: 'mingliang_events_ingested_total',
      help: 'Event messages stored (each phase of an event counts once), by event type and the phase stored.',
      labelNames: ['type', 'phase'] as const,
      registers: [registry],
    });
    const offEvent = bus.on('event', (item) => ingested.inc({ type: item.type, phase: item.phase }));

    const cameraCounts = db.prepare<[], { state: string; n: number }>('SELECT state, COUNT(*) AS n FROM cameras GROUP BY state');
    new Gauge({
      name: 'mingliang_cameras',
      help: 'Cameras by their current state.',
      labelNames: ['state'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const state of Object.keys(CAMERA_STATES)) this.set({ state }, 0);
        for (const row of cameraCounts.all()) this.set({ state: row.state }, row.n);
      },
    });

    const workflowCounts = db.prepare<[], { state: string; n: number }>('SELECT state, COUNT(*) AS n FROM workflow_items GROUP BY state');
    new Gauge({
      name: 'mingliang_workflow_items',
      help: 'Workflow items (one per event) by state; all but closed and false_alarm are the backlog.',
      labelNames: ['state'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const state of Object.keys(WORKFLOW_STATES)) this.set({ state }, 0);
        for (const row of workflowCounts.all()) this.set({ state: row.state }, row.n);
      },
    });
    const overdueCount = db
      .prepare<[number], number>(
        "SELECT COUNT(*) FROM workflow_items WHERE state IN ('accepted', 'dispatched') AND deadline_at IS NOT NULL AND deadline_at < ?",
      )
      .pluck();
    new Gauge({
      name: 'mingliang_workflow_overdue',
      help: 'Open workflow items past their deadline.',
      registers: [registry],
      collect() {
        this.set(overdueCount.get(Date.now()) ?? 0);
      },
    });

    const httpDuration = new Histogram({
      name: 'mingliang_http_request_duration_seconds',
      help: 'HTTP request durations by method, route pattern and status code.',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
    app.addHook('onResponse', async (request, reply) => {
      // The route pattern, never the raw URL: ids in paths would make a time series per id.
      const route = request.routeOptions.url ?? 'unmatched';
      httpDuration.observe({ method: request.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
    });

    const access = new MetricsAccess(opts.metrics.allow, opts.metrics.token);
    app.get(
      METRICS_PATH,
      {
        schema: {
          description:
            'Prometheus text exposition. Readable from the addresses in integrations.metrics.allow (default ' +
            'loopback) or with `authorization: Bearer <integrations.metrics.token>`; others get 403.',
          response: {
            200: { description: 'Prometheus text format 0.0.4', content: { 'text/plain': { schema: Type.String() } } },
            '4xx': ErrorReply,
          },
        },
        onRequest: async (request) => {
          if (!access.allows(request.ip, request.headers.authorization)) {
            throw new CodedError('FORBIDDEN', 'metrics are readable from the allowed addresses or with the metrics token');
          }
        },
      },
      async (_request, reply) => {
        const text = await registry.metrics();
        return reply.type(registry.contentType).serializer((payload) => String(payload)).send(text);
      },
    );

    app.addHook('onClose', async () => {
      offEvent();
      registry.clear();
    });
  },
  { name: 'mingliang-metrics', fastify: '5.x', dependencies: ['mingliang-db', 'mingliang-bus'] },
);
