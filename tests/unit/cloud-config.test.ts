import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../common/config-loader.js';
import { repoRoot } from '../../common/env.js';
import { CloudConfigSchema, loadCloudConfig, parseCloudConfig } from '../../cloud/src/config.js';

const dir = mkdtempSync(path.join(tmpdir(), 'ml-cloud-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeYaml(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

function problemsOf(fn: () => unknown): { path: string; message: string }[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return [...(err as ConfigError).problems];
  }
  throw new Error('expected a ConfigError');
}

const TOKEN = 'edge-token-0123456789abcdef';

describe('cloud config', () => {
  it('fills every default from an empty file and freezes the result', () => {
    const config = loadCloudConfig(writeYaml('empty.yaml', ''), {});
    expect(config).toEqual({
      server: { host: '127.0.0.1', port: 8080 },
      dataDir: './data/cloud',
      logLevel: 'info',
      auth: { jwtSecret: '', tokenTtlSeconds: 900, refreshTtlSeconds: 604_800, admin: { username: 'admin', password: '' } },
      edges: [],
      evidence: { maxBytes: 64 * 1024 * 1024 },
      health: { heartbeatIntervalMs: 5000, missedHeartbeats: 3, sweepIntervalMs: 1000 },
      ingest: { maxMessagesPerSecond: 2000, burst: 4000, maxConnectionsPerEdge: 4, maxBatch: 1000, maxMessageBytes: 1048576 },
      media: {
        enabled: false,
        host: '127.0.0.1',
        rtmpPort: 1935,
        httpPort: 8000,
        rtmpBaseUrl: '',
        playBaseUrl: '',
        signingKey: '',
        playUrlTtlSeconds: 60,
        publishSignTtlSeconds: 3600,
        lingerSeconds: 30,
        startTimeoutMs: 10_000,
        reconcileIntervalMs: 5000,
        alwaysOnCameras: [],
        logLevel: 'warn',
      },
      workflow: {},
      integrations: {
        metrics: { enabled: true, token: '', allow: ['127.0.0.1/8', '::1/128'] },
        mqtt: { url: '', username: '', password: '', clientId: '', topicPrefix: 'mingliang', qos: 1, retainCameraState: true, reconnectPeriodMs: 5000, maxQueue: 10_000 },
        webhooks: { endpoints: [], maxAttempts: 10, timeoutMs: 10_000, backoffBaseMs: 2000, backoffMaxMs: 600_000, concurrency: 4, keepDays: 14 },
      },
      archive: {
        maxRangeSeconds: 3600,
        maxListRangeSeconds: 604_800,
        maxEventsPerExport: 200,
        maxRecordingBytes: 2 * 1024 * 1024 * 1024,
        fetchTimeoutSeconds: 600,
        listTimeoutMs: 10_000,
        retentionHours: 24,
        sweepIntervalSeconds: 300,
      },
    });
    expect(Object.isFrozen(config.server)).toBe(true);
  });

  it('documents every key of the schema with a description', () => {
    const undocumented: string[] = [];
    const walk = (schema: unknown, at: string): void => {
      const s = schema as { properties?: Record<string, unknown>; items?: unknown; description?: string };
      for (const [key, child] of Object.entries(s.properties ?? {})) {
        const keyPath = at ? `${at}.${key}` : key;
        if (!(child as { description?: string }).description) undocumented.push(keyPath);
        walk(child, keyPath);
      }
      if (s.items) walk(s.items, `${at}[]`);
    };
    walk(CloudConfigSchema, '');
    expect(undocumented).toEqual([]);
  });

  it('names unknown keys with their key path, and lists every problem at once', () => {
    const problems = problemsOf(() =>
      parseCloudConfig(
        {
          server: { prot: 8081 },
          auth: { admin: { pasword: 'x' } },
          edges: [{ id: 'edge-1', token: TOKEN, tokn: 'y' }],
          extra: true,
        },
        {},
      ),
    );
    const text = problems.map((p) => `${p.path}: ${p.message}`);
    expect(text).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^server: .*prot/),
        expect.stringMatching(/^auth\.admin: .*pasword/),
        expect.stringMatching(/^edges\[0\]: .*tokn/),
        expect.stringMatching(/^: .*extra|^\(root\).*extra/),
      ]),
    );
  });

  it('rejects wrong types and values with their key paths', () => {
    const problems = problemsOf(() =>
      parseCloudConfig(
        {
          server: { port: 70_000 },
          auth: { tokenTtlSeconds: 'soon', jwtSecret: 'short', admin: { password: 'abc' } },
          edges: [
            { id: 'edge-1', token: 'too-short' },
            { id: 'bad id!', token: TOKEN },
            { id: 'edge-1', token: TOKEN },
          ],
        },
        {},
      ),
    );
    const paths = problems.map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining(['server.port', 'auth.tokenTtlSeconds', 'edges[0].token', 'edges[1].id']),
    );
    // Cross-field checks run only once the shape is right; check them on a well-shaped document.
    const refined = problemsOf(() =>
      parseCloudConfig(
        {
          auth: { jwtSecret: 'short', admin: { password: 'abc' } },
          edges: [
            { id: 'edge-1', token: TOKEN },
            { id: 'edge-1', token: TOKEN },
          ],
        },
        {},
      ),
    ).map((p) => p.path);
    expect(refined).toEqual(expect.arrayContaining(['auth.jwtSecret', 'auth.admin.password', 'edges[1].id']));
  });

  it('interpolates ${ENV:-default}, keeps numbers numeric, and requires ${ENV} without default', () => {
    const file = writeYaml(
      'env.yaml',
      [
        'server:',
        '  port: ${ML_PORT:-8080}',
        'dataDir: ${ML_DATA:-./data}/cloud',
        'auth:',
        '  admin:',
        '    password: ${ML_ADMIN_PW:-}',
        'edges:',
        '  - id: edge-1',
        '    token: ${ML_EDGE_TOKEN}',
      ].join('\n'),
    );
    const withEnv = loadCloudConfig(file, { ML_PORT: '9443', ML_DATA: '/srv/ml', ML_EDGE_TOKEN: TOKEN });
    expect(withEnv.server.port).toBe(9443);
    expect(withEnv.dataDir).toBe('/srv/ml/cloud');
    expect(withEnv.auth.admin.password).toBe('');
    expect(withEnv.edges).toEqual([{ id: 'edge-1', token: TOKEN }]);

    const defaults = loadCloudConfig(file, { ML_EDGE_TOKEN: TOKEN });
    expect(defaults.server.port).toBe(8080);
    expect(defaults.dataDir).toBe('./data/cloud');

    const missing = problemsOf(() => loadCloudConfig(file, {}));
    expect(missing).toContainEqual({
      path: 'edges[0].token',
      message: expect.stringContaining('ML_EDGE_TOKEN is not set') as unknown as string,
    });
  });

  it('accepts the shipped example with the demo environment', () => {
    const example = path.join(repoRoot, 'cloud', 'config.example.yaml');
    const config = loadCloudConfig(example, {
      MINGLIANG_PORT: '0',
      MINGLIANG_DATA_DIR: '/tmp/ml-demo',
      MINGLIANG_EDGE_TOKEN: TOKEN,
    });
    expect(config.server.port).toBe(0);
    expect(config.dataDir).toBe('/tmp/ml-demo/cloud');
    expect(config.auth.admin.password).toBe('');
    expect(config.edges).toEqual([{ id: 'edge-1', token: TOKEN }]);
    const unset = problemsOf(() => loadCloudConfig(example, {}));
    expect(new Set(unset.map((p) => p.path))).toEqual(new Set(['edges[0].token']));
    expect(unset.map((p) => p.message).join('; ')).toMatch(/MINGLIANG_EDGE_TOKEN is not set/);
  });

  it('reports an unreadable file and a YAML syntax error as problems', () => {
    expect(problemsOf(() => loadCloudConfig(path.join(dir, 'missing.yaml'), {}))[0]?.message).toMatch(/cannot read/);
    expect(problemsOf(() => loadCloudConfig(writeYaml('bad.yaml', 'server: [1,\n'), {}))[0]?.message).toMatch(/YAML/);
  });
});
