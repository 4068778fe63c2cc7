import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../cloud/src/app.js';
import { isClientRoute } from '../../cloud/src/plugins/web.js';
import { testCloudConfig } from '../support/cloud-under-test.js';
import { tempDir } from '../support/harness.js';

/** How the cloud serves the viewer SPA: files, client-route fallback, no shadowing of the API, 503 unbuilt. */
describe('viewer serving', () => {
  const tmp = tempDir('web-serve');
  const dist = path.join(tmp.dir, 'dist');
  let built: FastifyInstance;
  let unbuilt: FastifyInstance;

  beforeAll(async () => {
    mkdirSync(path.join(dist, 'assets'), { recursive: true });
    writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>明亮</title><div id="root"></div>');
    writeFileSync(path.join(dist, 'assets', 'index-abc123.js'), 'console.log(1)');
    built = await buildApp(testCloudConfig(path.join(tmp.dir, 'cloud-a'), 'serve-admin-pw'), { webRoot: dist });
    unbuilt = await buildApp(testCloudConfig(path.join(tmp.dir, 'cloud-b'), 'serve-admin-pw'), { webRoot: path.join(tmp.dir, 'nothing-here') });
  });

  afterAll(async () => {
    await built?.close();
    await unbuilt?.close();
    tmp.remove();
  });

  it('tells client routes from server paths and file names', () => {
    expect(['/', '/alerts', '/events/0190abcd-0000-7000-8000-000000000000', '/cameras?layout=9'].map(isClientRoute)).toEqual([true, true, true, true]);
    expect(['/api', '/api/nope', '/socket.io/x', '/healthz', '/favicon.ico', '/assets/x.js', '/apis'].map(isClientRoute)).toEqual([false, false, false, false, false, false, true]);
  });

  it('serves index.html at / and at every client route, revalidated; hashed assets immutable', async () => {
    for (const url of ['/', '/alerts', '/events/some-id?range=7d']) {
      const res = await built.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toMatch(/text\/html/);
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.body).toContain('<div id="root">');
    }
    const asset = await built.inject({ url: '/assets/index-abc123.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it('never shadows the API: unknown API paths and missing files stay JSON 404s', async () => {
    for (const url of ['/api/nope', '/api', '/assets/missing.js', '/favicon.ico']) {
      const res = await built.inject({ url });
      expect(res.statusCode, url).toBe(404);
      expect(res.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
    }
    expect((await built.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await built.inject({ url: '/api/events' })).statusCode).toBe(401);
    expect((await built.inject({ method: 'POST', url: '/alerts' })).statusCode).toBe(404);
  });

  it('answers 503 with build instructions when the viewer is not built, and the API still works', async () => {
    for (const url of ['/', '/alerts']) {
      const res = await unbuilt.inject({ url });
      expect(res.statusCode, url).toBe(503);
      expect(res.headers['content-type']).toMatch(/text\/html/);
      expect(res.body).toContain('npm run build');
    }
    expect((await unbuilt.inject({ url: '/api/nope' })).statusCode).toBe(404);
    expect((await unbuilt.inject({ url: '/healthz' })).statusCode).toBe(200);
  });
});
