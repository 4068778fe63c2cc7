import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import multipart from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import sharp from 'sharp';
import Type from 'typebox';
import {
  AcceptRequest,
  CodedError,
  DispatchRequest,
  ErrorReply,
  EventId,
  FalseAlarmRequest,
  HandleRequest,
  NoticeListQuery,
  NoticeListResponse,
  RecheckRequest,
  Sha256,
  SuperviseRequest,
  WorkflowAttachment,
  WorkflowDetail,
  WorkflowListQuery,
  WorkflowListResponse,
  type WorkflowUpdate,
} from '../../../protocol/index.js';
import type { WorkflowService } from '../workflow/workflow-service.js';
import { decodeCursor, encodeCursor } from './event-cursor.js';

/** Options of the workflow routes. */
export interface WorkflowRouteOptions {
  service: WorkflowService;
  /** Largest accepted photo upload, in bytes. */
  maxPhotoBytes: number;
}

/** The photo formats accepted as rectification evidence, by what sharp reads from the file's header. */
const PHOTO_TYPES: Readonly<Record<string, string>> = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp' };

const Params = Type.Object({ id: EventId }, { additionalProperties: false });
const AttachmentParams = Type.Object({ id: EventId, sha256: Sha256 }, { additionalProperties: false });
const DetailReply = { 200: WorkflowDetail, '4xx': ErrorReply };

/** The format of an image by its content (magic bytes), never by its name or declared type. */
async function photoType(data: Buffer): Promise<string | undefined> {
  try {
    const { format } = await sharp(data).metadata();
    return format === undefined ? undefined : PHOTO_TYPES[format];
  } catch {
    // Not an image sharp can read at all: refused below like any other format.
    return undefined;
  }
}

/** A file name fit for display: no path, no control characters, bounded. */
function displayName(name: string | undefined, fallback: string): string {
  // eslint-disable-next-line no-control-regex
  const base = (name ?? '').split(/[\\/]/).pop()?.replace(/[\u0000-\u001f\u007f]/g, '').trim() ?? '';
  return (base || fallback).slice(0, 200);
}

/**
 * The closed-loop workflow for signed-in users:
 * `GET /api/events/:id/workflow` (item, timeline, allowed actions),
 * `POST /api/events/:id/workflow/{accept,dispatch,handle,recheck,false-alarm,supervise}`,
 * `POST /api/events/:id/attachments` (multipart photo upload), `GET /api/events/:id/attachments/:sha256`,
 * `GET /api/workflow` (items in scope), `GET /api/notices` (the caller's notices).
 * Every event is scope-checked through its camera (out of scope: NOT_FOUND); every step is audited.
 */
const workflowRoutes: FastifyPluginAsyncTypebox<WorkflowRouteOptions> = async (app, opts) => {
  const { service } = opts;
  app.addHook('onRequest', app.requireUser);
  await app.register(multipart, { limits: { fileSize: opts.maxPhotoBytes, files: 1, fields: 10, parts: 11 } });

  /** Runs a step, audits it (or its refusal), and answers with the item as it is now. */
  const step = (request: FastifyRequest, action: string, eventId: string, run: () => WorkflowUpdate): WorkflowDetail => {
    try {
      const { entry } = run();
      app.audit.request(request, {
        action: `workflow.${entry.action}`,
        targetKind: 'event',
        targetId: eventId,
        detail: { from: entry.fromState, to: entry.toState, ...(entry.detail ?? {}) },
      });
    } catch (err) {
      if (err instanceof CodedError && (err.code === 'FORBIDDEN' || err.code === 'CONFLICT')) {
        app.audit.request(request, {
          action: `workflow.${action}`,
          targetKind: 'event',
          targetId: eventId,
          outcome: 'denied',
          detail: { code: err.code, reason: err.message },
        });
      }
      throw err;
    }
    return service.detail(eventId, request.scope);
  };

  app.get('/api/events/:id/workflow', { schema: { params: Params, response: DetailReply } }, async (request) =>
    service.detail(request.params.id, request.scope),
  );

  app.post(
    '/api/events/:id/workflow/accept',
    { schema: { params: Params, body: AcceptRequest, response: DetailReply }, bodyLimit: 8192 },
    async (request) => {
      const { id } = request.params;
      return step(request, 'accept', id, () => service.accept(id, request.scope, request.body));
    },
  );

  app.post(
    '/api/events/:id/workflow/dispatch',
    { schema: { params: Params, body: DispatchRequest, response: DetailReply }, bodyLimit: 8192 },
    async (request) => {
      const { id } = request.params;
      return step(request, 'dispatch', id, () => service.dispatch(id, request.scope, request.body));
    },
  );

  app.post(
    '/api/events/:id/workflow/handle',
    { schema: { params: Params, body: HandleRequest, response: DetailReply }, bodyLimit: 8192 },
    async (request) => {
      const { id } = request.params;
      return step(request, 'handle', id, () => service.handle(id, request.scope, request.body));
    },
  );

  app.post(
    '/api/events/:id/workflow/recheck',
    { schema: { params: Params, body: RecheckRequest, response: DetailReply }, bodyLimit: 8192 },
    async (request) => {
      const { id } = request.params;
      const action = request.body.pass ? 'recheck_pass' : 'recheck_fail';
      return step(request, action, id, () => service.recheck(id, request.scope, request.body));
    },
  );

  app.post(
    '/api/events/:id/workflow/false-alarm',
    { schema: { params: Params, body: FalseAlarmRequest, response: DetailReply }, bodyLimit: 8192 },
    async (request) => {
      const { id } = request.params;
      return step(request, 'false_alarm', id, () => service.falseAlarm(id, request.scope, request.body));
    },
  );

  app.post(
    '/api/events/:id/workflow/supervise',
    { schema: { params: Params, body: SuperviseRequest, response: DetailReply }, bodyLimit: 8192 },
    async (request) => {
      const { id } = request.params;
      return step(request, 'escalate', id, () => service.supervise(id, request.scope, request.body));
    },
  );

  app.post(
    '/api/events/:id/attachments',
    {
      // No body schema: a multipart/form-data body with one file part (the photo).
      schema: { params: Params, response: { 201: WorkflowAttachment, '4xx': ErrorReply } },
      bodyLimit: opts.maxPhotoBytes + 64 * 1024,
    },
    async (request, reply) => {
      const { id } = request.params;
      // Who may upload, for which event and in which state, is settled before the body is read.
      service.assertCanUpload(id, request.scope);
      if (!request.isMultipart()) throw new CodedError('BAD_REQUEST', 'send the photo as multipart/form-data');
      const part = await request.file();
      if (!part) throw new CodedError('BAD_REQUEST', 'the form has no file part');
      const data = await part.toBuffer();
      const contentType = await photoType(data);
      if (!contentType) throw new CodedError('BAD_REQUEST', 'only JPEG, PNG or WebP photos are accepted');
      const sha256 = createHash('sha256').update(data).digest('hex');
      await app.evidence.put({ sha256, contentType, edgeId: null, body: Readable.from([data]), maxBytes: opts.maxPhotoBytes });
      const attachment = service.addAttachment(id, request.scope, {
        sha256,
        name: displayName(part.filename, `${sha256.slice(0, 12)}.${contentType.split('/')[1] ?? 'img'}`),
        contentType,
        size: data.length,
      });
      app.audit.request(request, {
        action: 'workflow.attachment_upload',
        targetKind: 'event',
        targetId: id,
        detail: { sha256, size: data.length, contentType },
      });
      return reply.code(201).send(attachment);
    },
  );

  app.get(
    '/api/events/:id/attachments/:sha256',
    // No response schema: the body is the photo's bytes (or an error body from the error handler).
    { schema: { params: AttachmentParams } },
    async (request, reply) => {
      const { id, sha256 } = request.params;
      const attachment = service.attachment(id, sha256, request.scope);
      const file = await app.evidence.get(sha256);
      if (!file) throw new CodedError('NOT_FOUND', `attachment ${sha256} is missing from the evidence store`);
      app.audit.request(request, {
        action: 'evidence.download',
        targetKind: 'attachment',
        targetId: sha256,
        detail: { eventId: id, name: attachment.name },
      });
      return reply
        .type(file.contentType)
        .header('content-length', file.size)
        .header('cache-control', 'private, max-age=3600, immutable')
        .send(createReadStream(file.path));
    },
  );

  app.get(
    '/api/workflow',
    { schema: { querystring: WorkflowListQuery, response: { 200: WorkflowListResponse, '4xx': ErrorReply } } },
    async (request) => {
      const { limit = 50, cursor, state, siteId, orgId, overdue, escalated } = request.query;
      const now = service.clock();
      const page = app.repos.workflow.list({
        limit,
        after: cursor === undefined ? undefined : decodeCursor(cursor),
        state,
        siteId,
        orgId,
        overdue: overdue === undefined ? undefined : overdue === 'true',
        escalated: escalated === undefined ? undefined : escalated === 'true',
        now,
        scopeSiteIds: request.scope.siteIds(),
      });
      const last = page.items.at(-1);
      return {
        items: page.items.map((r) => service.toItem(r, now)),
        nextCursor: page.hasMore && last ? encodeCursor({ startedAt: last.discoveredAt, id: last.eventId }) : null,
      };
    },
  );

  app.get(
    '/api/notices',
    { schema: { querystring: NoticeListQuery, response: { 200: NoticeListResponse, '4xx': ErrorReply } } },
    async (request) => {
      const { after, before, limit = 100 } = request.query;
      const { scope } = request;
      if (after !== undefined && before !== undefined) throw new CodedError('BAD_REQUEST', 'give after or before, not both');
      const user = scope.user;
      const items = app.repos.notices.list({
        userId: user.id,
        // Site users read what goes to their site; operators and regulators what goes to their orgs.
        siteIds: scope.isAll ? null : user.role === 'site' && user.siteId !== null ? [user.siteId] : [],
        orgIds: scope.isAll ? null : (scope.orgIds() ?? []),
        after,
        before,
        limit,
      });
      return { items };
    },
  );
};
export default workflowRoutes;
