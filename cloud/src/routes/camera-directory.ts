import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import {
  CodedError,
  DirectoryListResponse,
  DirectoryRecord,
  DirectoryRecordInput,
  ErrorReply,
  Id,
} from '../../../protocol/index.js';
import { requireAdmin } from '../auth/require-admin.js';
import type { DirectoryEntry } from '../db/directory-repo.js';
import type { Repositories } from '../db/repositories.js';
import { isUniqueViolation } from '../db/sqlite-errors.js';
import { directoryProblems } from '../directory/directory-rules.js';
import { checkCameraGbId } from '../directory/gb28181-id.js';

const Params = Type.Object({ id: Id }, { additionalProperties: false });

/** A stored entry as the API shows it, with what keeps it from being compliant. */
export function directoryRecord(repos: Repositories, entry: DirectoryEntry): DirectoryRecord {
  return { ...entry, problems: directoryProblems(entry, repos.sites.get(entry.siteId) !== undefined) };
}

/**
 * The camera directory (目录): `GET /api/directory`, `GET /api/cameras/:id/directory`,
 * `PUT /api/cameras/:id/directory` (create or replace; 201 when created). A record may name a camera
 * no edge has declared yet. Writes are validated: an existing site, a non-blank name, a GB/T 28181 id
 * that is a camera's (see directory/gb28181-id.ts) and no other camera's, coordinates in range and
 * given as a pair. A GB id or coordinates may be left out while unknown; the record then counts as
 * not compliant.
 */
const cameraDirectoryRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // Everyone signed in reads the records in scope; only administrators change them.
  app.addHook('onRequest', app.requireUser);
  const { repos } = app;

  app.get('/api/directory', { schema: { response: { 200: DirectoryListResponse, '4xx': ErrorReply } } }, async (request) => ({
    items: repos.directory
      .list()
      .filter((e) => request.scope.seesSite(e.siteId))
      .map((e) => directoryRecord(repos, e)),
  }));

  app.get(
    '/api/cameras/:id/directory',
    { schema: { params: Params, response: { 200: DirectoryRecord, '4xx': ErrorReply } } },
    async (request) => {
      const entry = repos.directory.get(request.params.id);
      if (entry && !request.scope.seesSite(entry.siteId)) throw new CodedError('NOT_FOUND', `camera ${request.params.id} has no directory record`);
      if (!entry) throw new CodedError('NOT_FOUND', `camera ${request.params.id} has no directory record`);
      return directoryRecord(repos, entry);
    },
  );

  app.put(
    '/api/cameras/:id/directory',
    {
      onRequest: requireAdmin,
      schema: { params: Params, body: DirectoryRecordInput, response: { 200: DirectoryRecord, 201: DirectoryRecord, '4xx': ErrorReply } },
      bodyLimit: 4096,
    },
    async (request, reply) => {
      const { name, siteId, gbId = null, longitude = null, latitude = null } = request.body;
      if (gbId !== null) {
        const gb = checkCameraGbId(gbId);
        if (!gb.ok) throw new CodedError('BAD_REQUEST', `gbId ${gbId}: ${gb.problem}`);
      }
      if ((longitude === null) !== (latitude === null)) {
        throw new CodedError('BAD_REQUEST', 'give longitude and latitude together, or neither');
      }
      const cameraId = request.params.id;
      const created = repos.transaction(() => {
        if (!repos.sites.get(siteId)) throw new CodedError('BAD_REQUEST', `site ${siteId} does not exist`);
        try {
          return repos.directory.put({ cameraId, gbId, name: name.trim(), siteId, longitude, latitude }, Date.now());
        } catch (err) {
          if (isUniqueViolation(err)) throw new CodedError('CONFLICT', `GB/T 28181 id ${gbId ?? ''} belongs to another camera`);
          throw err;
        }
      });
      const entry = repos.directory.get(cameraId);
      if (!entry) throw new Error(`directory record of ${cameraId} vanished after saving`);
      request.log.info({ cameraId, created, by: request.user.username }, 'directory record saved');
      app.audit.request(request, { action: 'directory.put', targetKind: 'camera', targetId: cameraId, detail: { ...request.body, created } });
      return reply.code(created ? 201 : 200).send(directoryRecord(repos, entry));
    },
  );
};
export default cameraDirectoryRoutes;
