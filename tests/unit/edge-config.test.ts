import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../common/config-loader.js';
import { loadEdgeConfig, parseEdgeConfig } from '../../edge/src/config.js';

const camera = { id: 'cam-1', name: 'Gate', url: 'rtsp://user:pw@10.0.0.2/ch1', rules: [{ id: 'p', type: 'presence' }] };

function problems(doc: unknown): string[] {
  try {
    parseEdgeConfig(doc, 'test', { env: {} });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => `${p.path}: ${p.message}`);
    throw err;
  }
  return [];
}

describe('edge config', () => {
  it('fills defaults and freezes the result', () => {
    const cfg = parseEdgeConfig({ cloud: { token: 't' }, cameras: [camera] }, 'test', { env: {} });
    expect(cfg.edgeId).toBe('edge-1');
    expect(cfg.cameras[0]?.detect).toEqual({ width: 768, height: 432, fps: 5, framesInFlight: 2 });
    expect(cfg.cameras[0]?.rules[0]).toMatchObject({ classes: ['person'], enterFrames: 3, exitFrames: 10, severity: 2 });
    expect(Object.isFrozen(cfg.cameras[0]?.detect)).toBe(true);
  });

  it('lists every problem with its key path, unknown keys included', () => {
    const list = problems({
      cloud: { token: 't', colour: 'red' },
      cameras: [
        { ...camera, detect: { fps: 0, framesInFlight: 3 } },
        { ...camera, url: 'http://x', rules: [{ id: 'p', type: 'presence', enterFrames: 0 }] },
      ],
    });
    expect(list).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^cloud: unknown key\(s\): colour/),
        expect.stringMatching(/^cameras\[0\]\.detect\.fps: /),
        expect.stringMatching(/^cameras\[0\]\.detect\.framesInFlight: /),
        expect.stringMatching(/^cameras\[1\]\.url: /),
        expect.stringMatching(/^cameras\[1\]\.rules\[0\]\.enterFrames: /),
      ]),
    );
  });

  it('refuses duplicate camera ids and a missing token', () => {
    expect(problems({ cameras: [camera, camera] })).toEqual(
      expect.arrayContaining(['cameras[1].id: duplicate camera id \'cam-1\' (also cameras[0])', 'cloud.token: an edge token is required']),
    );
  });

  it('refuses a re-detect backoff ceiling below the re-detect interval, naming the key', () => {
    expect(problems({ cloud: { token: 't' }, cameras: [{ ...camera, motion: { redetectIntervalMs: 5000, redetectMaxIntervalMs: 3000 } }] })).toEqual([
      'cameras[0].motion.redetectMaxIntervalMs: must be at least redetectIntervalMs (5000), got 3000',
    ]);
  });

  it('interpolates environment variables and names the file when it is missing', () => {
    const cfg = parseEdgeConfig(
      { cloud: { token: '${TOK}', heartbeatIntervalMs: '${HB:-2000}' }, cameras: [{ ...camera, url: 'rtsp://127.0.0.1:${P:-8554}/a' }] },
      'test',
      { env: { TOK: 'secret' } },
    );
    expect(cfg.cloud.token).toBe('secret');
    expect(cfg.cloud.heartbeatIntervalMs).toBe(2000);
    expect(cfg.cameras[0]?.url).toBe('rtsp://127.0.0.1:8554/a');
    expect(() => loadEdgeConfig('/nonexistent/edge.yaml')).toThrow(/edge\.yaml[\s\S]*cannot read file/);
  });
});
