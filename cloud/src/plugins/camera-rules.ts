import { TypeBoxValidatorCompiler, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import {
  CameraRulesParams,
  CameraRulesResponse,
  CameraSnapshotResponse,
  CodedError,
  EDGE_NAMESPACE,
  ErrorReply,
  PutCameraRulesBody,
  RulesReport,
} from '../../../protocol/index.js';
import { requireAdmin } from '../auth/require-admin.js';
import { CameraRulesRepository } from '../camera-rules/camera-rules-repo.js';
import { CameraRulesService } from '../camera-rules/camera-rules-service.js';
import { socketEdgeRulesCommands } from '../camera-rules/edge-rules-commands.js';
import { boundedValidator } from '../ingest/bounded-validator.js';
import { ackedHandler } from '../sockets/acked-handler.js';
import { edgeNamespace } from '../sockets/socket-types.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Camera rules managed in the cloud and pushed to edges. */
    cameraRules: CameraRulesService;
  }
}

/** How long an edge may take to check and swap a rule set, or to encode a snapshot. */
const EDGE_COMMAND_TIMEOUT_MS = 15_000;

const reportValidator = boundedValidator(RulesReport);

const routes =
  (service: CameraRulesService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.addHook('onRequest', app.requireUser);

    app.get(
      '/api/cameras/:id/rules',
      { schema: { params: CameraRulesParams, response: { 200: CameraRulesResponse, '4xx': ErrorReply } } },
      async (request) => {
        request.scope.requireCamera(request.params.id);
        return service.state(request.params.id);
      },
    );

    app.put(
      '/api/cameras/:id/rules',
      {
        preHandler: requireAdmin,
        // The body is documented by its schema but checked by the handler: defaults are filled in first
        // (fastify's TypeBox validator does not) and every problem is named by its key path.
        validatorCompiler: (req) => (req.httpPart === 'body' ? (value: unknown) => ({ value }) : TypeBoxValidatorCompiler(req)),
        schema: {
          params: CameraRulesParams,
          body: PutCameraRulesBody,
          response: { 200: CameraRulesResponse, 202: CameraRulesResponse, '4xx': ErrorReply, '5xx': ErrorReply },
        },
      },
      async (request, reply) => {
        const cameraId = request.params.id;
        request.scope.requireCamera(cameraId);
        const body: unknown = request.body;
        try {
          const out = await service.save(cameraId, body, request.scope.user);
          app.audit.request(request, {
            action: 'camera.rules_update',
            targetKind: 'camera',
            targetId: cameraId,
            detail: { revision: out.revision, applied: out.applied },
          });
          // 202: stored, and sent when the edge is back.
          return reply.code(out.applied ? 200 : 202).send(out.state);
        } catch (err) {
          if (err instanceof CodedError && err.code !== 'NOT_FOUND') {
            app.audit.request(request, {
              action: 'camera.rules_update',
              targetKind: 'camera',
              targetId: cameraId,
              outcome: 'failed',
              detail: { reason: err.message.slice(0, 1000) },
            });
          }
          throw err;
        }
      },
    );

    app.get(
      '/api/cameras/:id/snapshot',
      {
        preHandler: app.requirePermission('live.view'),
        // The 200 body is the JPEG's bytes: a Buffer is sent as is, never serialised.
        schema: { params: CameraRulesParams, response: { 200: CameraSnapshotResponse, '4xx': ErrorReply, '5xx': ErrorReply } },
      },
      async (request, reply) => {
        const cameraId = request.params.id;
        request.scope.requireCamera(cameraId);
        const snap = await service.snapshot(cameraId);
        app.audit.request(request, { action: 'camera.snapshot', targetKind: 'camera', targetId: cameraId });
        return reply
          .type('image/jpeg')
          .header('cache-control', 'no-store')
          .header('x-captured-at', String(snap.capturedAt))
          .header('x-frame-width', String(snap.width))
          .header('x-frame-height', String(snap.height))
          .send(snap.jpeg);
      },
    );
  };

/**
 * Plugin: camera rules edited in the cloud and pushed to edges. Decorates `cameraRules`, serves
 * `GET/PUT /api/cameras/:id/rules` and `GET /api/cameras/:id/snapshot`, and takes each edge's
 * `rules:report` (sent after its hello) to record what runs and send the desired revision where it differs.
 */
export default fp(
  async function plugin(app: FastifyInstance) {
    const rulesRepo = new CameraRulesRepository(app.db);
    const service = new CameraRulesService({
      repos: app.repos,
      rules: rulesRepo,
      edges: socketEdgeRulesCommands(app.edgeConnections),
      publishCamera: (id) => app.cameraHealth.publish([id]),
      log: app.log.child({ component: 'camera-rules' }),
      commandTimeoutMs: EDGE_COMMAND_TIMEOUT_MS,
    });
    app.decorate('cameraRules', service);

    const nsp = edgeNamespace(app.io, EDGE_NAMESPACE);
    const { limiter } = app.ingest;
    const log = app.log.child({ ns: EDGE_NAMESPACE, component: 'camera-rules' });
    nsp.on('connection', (socket) => {
      const { edgeId } = socket.data;
      socket.on(
        'rules:report',
        ackedHandler({
          name: 'rules:report',
          validator: reportValidator,
          log,
          admit: () =>
            !limiter.take(edgeId, Date.now())
              ? new CodedError('RATE_LIMITED', 'too many messages from this edge; retry later')
              : socket.data.helloDone
                ? undefined
                : new CodedError('NOT_READY', 'send hello before other messages'),
          accept: (msg, done) => {
            service.report(edgeId, msg);
            done({ ok: true });
          },
        }),
      );
    });

    await app.register(routes(service));
  },
  {
    name: 'mingliang-camera-rules',
    fastify: '5.x',
    dependencies: ['mingliang-db', 'mingliang-auth', 'mingliang-ingest', 'mingliang-sockets', 'mingliang-camera-health'],
  },
);
