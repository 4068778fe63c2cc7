import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../cloud/src/app.js';
import { testCloudConfig } from '../support/cloud-under-test.js';
import { tempDir } from '../support/harness.js';

interface Operation {
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: { in: string; name: string; schema?: unknown }[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: unknown }> }>;
}
interface OpenApiDoc {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  security: Record<string, string[]>[];
  components: { securitySchemes: Record<string, { type: string; scheme?: string }> };
}

const METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

/** Fastify's `/a/:id` as OpenAPI's `/a/{id}`. */
const openapiPath = (url: string): string => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

/**
 * Structural problems of the document: the parts of OpenAPI 3.1 a generator can get wrong — path
 * templates and their parameters, response keys, security names, and non-JSON leftovers.
 */
function structuralProblems(doc: OpenApiDoc): string[] {
  const problems: string[] = [];
  if (!/^3\.1\.\d+$/.test(doc.openapi)) problems.push(`openapi version ${doc.openapi}`);
  if (!doc.info?.title || !doc.info?.version) problems.push('info.title/version missing');
  const schemes = new Set(Object.keys(doc.components.securitySchemes));
  const checkSecurity = (where: string, reqs: Record<string, string[]>[] | undefined): void => {
    for (const req of reqs ?? []) for (const name of Object.keys(req)) if (!schemes.has(name)) problems.push(`${where}: unknown security scheme ${name}`);
  };
  checkSecurity('root', doc.security);
  for (const [path, item] of Object.entries(doc.paths)) {
    if (!path.startsWith('/')) problems.push(`${path}: does not start with /`);
    if (path.includes(':')) problems.push(`${path}: fastify parameter syntax left in`);
    const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
    for (const [method, op] of Object.entries(item)) {
      const where = `${method.toUpperCase()} ${path}`;
      if (!METHODS.has(method)) problems.push(`${where}: not an HTTP method`);
      const pathParams = (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
      for (const name of templated) if (!pathParams.includes(name ?? '')) problems.push(`${where}: path parameter ${name} not declared`);
      for (const p of op.parameters ?? []) {
        if (!['path', 'query', 'header', 'cookie'].includes(p.in)) problems.push(`${where}: parameter ${p.name} in ${p.in}`);
        if (p.schema === undefined) problems.push(`${where}: parameter ${p.name} has no schema`);
      }
      if (Object.keys(op.responses ?? {}).length === 0) problems.push(`${where}: no responses`);
      for (const [code, res] of Object.entries(op.responses ?? {})) {
        if (!/^(default|[1-5](\d\d|XX))$/.test(code)) problems.push(`${where}: response key ${code}`);
        if (typeof res.description !== 'string') problems.push(`${where} ${code}: no description`);
      }
      checkSecurity(where, op.security);
    }
  }
  const text = JSON.stringify(doc);
  if (text.includes('"~') || text.includes('"$id"')) problems.push('TypeBox internals ($id or ~kind) left in the document');
  return problems;
}

interface ServedRoute {
  url: string;
  methods: string[];
}

/**
 * The routes the app serves, from fastify's own router: `printRoutes({commonPrefix: false})` draws a
 * tree whose lines are `<indent>├── <segment> (<METHODS>)`, each segment continuing its parent's path.
 */
function servedRoutes(tree: string): ServedRoute[] {
  const out: ServedRoute[] = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const at = line.indexOf('── ');
    if (at < 0) continue;
    const depth = Math.floor(at / 4);
    const m = /^(.*?)(?: \(([A-Z, ]+)\))?$/.exec(line.slice(at + 3));
    const segment = m?.[1] ?? '';
    const full = (depth > 0 ? (stack[depth - 1] ?? '') : '') + segment;
    stack[depth] = full;
    stack.length = depth + 1;
    if (m?.[2]) out.push({ url: full, methods: m[2].split(', ') });
  }
  return out;
}

describe('OpenAPI document and /docs', () => {
  const tmp = tempDir('openapi');
  let app: FastifyInstance;
  let doc: OpenApiDoc;
  const routes: ServedRoute[] = [];

  beforeAll(async () => {
    app = await buildApp(testCloudConfig(`${tmp.dir}/cloud`, 'openapi-admin-pw'));
    await app.ready();
    const res = await app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    doc = res.json<OpenApiDoc>();
    routes.push(...servedRoutes(app.printRoutes({ commonPrefix: false })));
  });

  afterAll(async () => {
    await app?.close();
    tmp.remove();
  });

  it('documents every /api route the app serves, with every method', () => {
    const apiRoutes = routes.filter((r) => r.url.startsWith('/api/'));
    expect(apiRoutes.length).toBeGreaterThan(20);
    for (const route of apiRoutes) {
      for (const method of route.methods) {
        if (method === 'HEAD' || method === 'OPTIONS') continue;
        expect(doc.paths[openapiPath(route.url)]?.[method.toLowerCase()], `${method} ${route.url}`).toBeDefined();
      }
    }
    // And nothing else: the viewer's files and fallback stay out.
    for (const path of Object.keys(doc.paths)) expect(path === '/healthz' || path === '/metrics' || path.startsWith('/api/'), path).toBe(true);
  });

  it('is structurally valid OpenAPI 3.1', () => {
    expect(structuralProblems(doc)).toEqual([]);
  });

  it('carries request and response schemas from the TypeBox route schemas', () => {
    const login = doc.paths['/api/auth/login']?.post;
    expect(login?.requestBody?.content['application/json']?.schema).toMatchObject({
      type: 'object',
      required: ['username', 'password'],
      properties: { username: { type: 'string' }, password: { type: 'string' } },
    });
    expect(login?.responses['200']?.content?.['application/json']?.schema).toMatchObject({ type: 'object' });
    expect(login?.responses['4XX']?.content?.['application/json']?.schema).toMatchObject({ required: ['error'] });
    const list = doc.paths['/api/events']?.get;
    expect(list?.parameters?.map((p) => `${p.in}:${p.name}`)).toEqual(expect.arrayContaining(['query:limit', 'query:cursor', 'query:cameraId', 'query:type']));
    const one = doc.paths['/api/events/{id}']?.get;
    expect(one?.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ in: 'path', name: 'id' })]));
    // Every operation that takes a body documents it, and every one documents a success answer.
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        expect(Object.keys(op.responses).some((c) => c.startsWith('2')), `${method} ${path}`).toBe(true);
      }
    }
  });

  it('tags operations by feature and requires a bearer token except on public routes', () => {
    expect(doc.components.securitySchemes.userToken).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.security).toEqual([{ userToken: [] }]);
    expect(doc.paths['/api/events']?.get?.tags).toEqual(['events']);
    expect(doc.paths['/api/orgs/{id}']?.patch?.tags).toEqual(['orgs']);
    expect(doc.paths['/api/integrations/webhooks/deliveries']?.get?.tags).toEqual(['integrations']);
    expect(doc.paths['/api/auth/login']?.post?.security).toEqual([]);
    expect(doc.paths['/healthz']?.get?.security).toEqual([]);
    expect(doc.paths['/api/events']?.get?.security).toBeUndefined(); // the document default: userToken
    expect(doc.paths['/api/edge/evidence/{sha256}']?.put?.security).toEqual([{ edgeToken: [], edgeId: [] }]);
  });

  it('serves the Swagger UI at /docs, not the viewer fallback', async () => {
    const res = await app.inject({ method: 'GET', url: '/docs' });
    const page = res.statusCode === 302 ? await app.inject({ method: 'GET', url: String(res.headers.location) }) : res;
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('swagger-ui');
    const missing = await app.inject({ method: 'GET', url: '/docs/no-such-file' });
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['content-type']).not.toMatch(/html/);
  });
});
