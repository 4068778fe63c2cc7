import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../common/config-loader.js';
import { describeFetchError, downloadVerified, formatBytes, formatProgress, planFetch, selectManifests } from '../../models/fetch.js';
import {
  loadAllManifests,
  loadManifest,
  resolveWeights,
  verifyWeights,
  WeightsMismatchError,
  WeightsMissingError,
  type ModelManifest,
} from '../../models/manifest.js';

const MODEL_IDS = [
  'coco-yolo11n-int8-320',
  'coco-yolov5n-320',
  'coco-yolox-nano',
  'face-mask-aizoo-ssd-360',
  'face-mask-yolov5n-pruned-320',
  'fire-smoke-yolov8n-w8-416',
  'ppe-helmet-head-yolox',
  'ppe-vest-hardhat-mask-yolov8n-w8-320',
];

const tmp = mkdtempSync(path.join(tmpdir(), 'mingliang-manifests-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function problemsOf(fn: () => unknown): { path: string; message: string }[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  throw new Error('expected a ConfigError');
}

const GOOD_YAML = `
id: tiny
description: test model
licence: test only
weights: tiny/tiny.onnx
sha256: ${'a'.repeat(64)}
input: { width: 64, height: 64, channelOrder: rgb, normalise: { scale: 1 }, letterbox: centre }
output: { name: output0, family: yolov8 }
labels: [a, b]
`;

describe('the shipped manifests', () => {
  const all = loadAllManifests();

  it('exist for every model in ../shared/models and load', () => {
    expect(all.map((m) => m.id)).toEqual(MODEL_IDS);
  });

  it('keep the shared folder layout and fill defaults', () => {
    for (const m of all) {
      expect(m.weights.startsWith(`${m.id}/`)).toBe(true);
      expect(m.nms.iou).toBeGreaterThan(0);
      expect(m.maxDetections).toBe(100);
      if (m.output.family === 'yolox') expect(m.output.strides).toEqual([8, 16, 32]);
    }
  });

  it('have the class lists their outputs need', () => {
    const byId = new Map(all.map((m) => [m.id, m]));
    expect(byId.get('coco-yolox-nano')?.labels).toHaveLength(80);
    expect(byId.get('coco-yolox-nano')?.labels[0]).toBe('person');
    expect(byId.get('coco-yolox-nano')?.labels[79]).toBe('toothbrush');
    expect(byId.get('ppe-helmet-head-yolox')?.labels).toEqual(['helmet', 'head']);
    expect(byId.get('ppe-vest-hardhat-mask-yolov8n-w8-320')?.labels).toHaveLength(14);
  });

  it('only offer downloads that can be verified, except sources marked as provenance', () => {
    const yolox = all.find((m) => m.id === 'coco-yolox-nano');
    expect(yolox?.download?.[0]).toMatchObject({ sha256: yolox?.sha256 });
    expect(yolox?.download?.[0]?.url).toContain('raw.githubusercontent.com/hamacom2004jp/iinfer/c7f9a3c5');
    // The official Megvii release has no known sha256 and must stay unverified.
    expect(yolox?.download?.find((d) => d.url.includes('Megvii'))?.sha256).toBeUndefined();
  });
});

describe('manifest validation', () => {
  it('loads a minimal manifest and applies defaults', () => {
    const dir = path.join(tmp, 'good');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'tiny.yaml'), GOOD_YAML);
    const m = loadManifest('tiny', { manifestsDir: dir });
    expect(m).toMatchObject({ scoreThreshold: 0.3, nms: { iou: 0.45, classAgnostic: false }, input: { name: 'images', padValue: 114 } });
    expect(Object.isFrozen(m)).toBe(true);
  });

  it('names the key path of every schema problem', () => {
    const dir = path.join(tmp, 'bad-schema');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path.join(dir, 'tiny.yaml'),
      GOOD_YAML.replace('channelOrder: rgb', 'channelOrder: rgba')
        .replace(`sha256: ${'a'.repeat(64)}`, 'sha256: not-a-hash')
        .replace('labels: [a, b]', 'labels: [a, b]\nthreshold: 0.5')
        .replace('{ name: output0, family: yolov8 }', '{ name: output0, family: yolov9 }'),
    );
    const paths = problemsOf(() => loadManifest('tiny', { manifestsDir: dir })).map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['input.channelOrder', 'sha256', 'output.family']));
    const all = problemsOf(() => loadManifest('tiny', { manifestsDir: dir }));
    expect(all.some((p) => p.message.includes('threshold'))).toBe(true);
  });

  it('reports cross-field problems with their key paths', () => {
    const dir = path.join(tmp, 'bad-refine');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path.join(dir, 'tiny.yaml'),
      GOOD_YAML.replace('id: tiny', 'id: other')
        .replace('family: yolov8', 'family: yolox')
        .replace('labels: [a, b]', 'labels: [a, b, a]\nclassThresholds: { c: 0.5 }')
        .replace('weights: tiny/tiny.onnx', 'weights: tiny/../../etc/x.onnx'),
    );
    const problems = problemsOf(() => loadManifest('tiny', { manifestsDir: dir }));
    expect(problems.map((p) => p.path).sort()).toEqual(['classThresholds.c', 'id', 'labels[2]', 'output.strides', 'weights']);
  });

  it('lists the known models for an unknown id', () => {
    const problems = problemsOf(() => loadManifest('no-such-model'));
    expect(problems[0]?.message).toContain('coco-yolox-nano');
  });
});

describe('weights', () => {
  const manifest = loadManifest('coco-yolox-nano');
  const emptyDir = path.join(tmp, 'empty-models');
  mkdirSync(emptyDir, { recursive: true });

  it('explains a missing file: the file, the directory, MINGLIANG_MODELS_DIR and models:fetch', () => {
    let err: unknown;
    try {
      resolveWeights(manifest, emptyDir, { MINGLIANG_MODELS_DIR: emptyDir });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(WeightsMissingError);
    const msg = (err as Error).message;
    expect(msg).toContain(path.join(emptyDir, 'coco-yolox-nano', 'yolox_nano.onnx'));
    expect(msg).toContain(`MINGLIANG_MODELS_DIR is set to "${emptyDir}"`);
    expect(msg).toContain('npm run models:fetch -- coco-yolox-nano');
  });

  it('says when MINGLIANG_MODELS_DIR is not set, and when a model cannot be downloaded', () => {
    const repaired = loadManifest('fire-smoke-yolov8n-w8-416');
    expect(() => resolveWeights(repaired, emptyDir, {})).toThrow(/MINGLIANG_MODELS_DIR is not set.*no download source/s);
  });

  it('fails early from loadManifest when modelsDir is given', () => {
    expect(() => loadManifest('coco-yolox-nano', { modelsDir: emptyDir })).toThrow(WeightsMissingError);
  });

  it('detects a file with the wrong sha256', async () => {
    const dir = path.join(tmp, 'wrong-models');
    mkdirSync(path.join(dir, 'coco-yolox-nano'), { recursive: true });
    writeFileSync(path.join(dir, manifest.weights), 'truncated');
    const file = resolveWeights(manifest, dir);
    await expect(verifyWeights(manifest, file)).rejects.toThrow(WeightsMismatchError);
  });
});

describe('models:fetch planning and progress', () => {
  const all = loadAllManifests();
  const dir = path.join(tmp, 'fetch-plan');
  const yolox = all.find((m) => m.id === 'coco-yolox-nano') as ModelManifest;
  const fire = all.find((m) => m.id === 'fire-smoke-yolov8n-w8-416') as ModelManifest;

  it('fetches what is missing or wrong, skips what is right, and explains what cannot be fetched', () => {
    const yoloxFile = path.join(dir, yolox.weights);
    const plan = planFetch([yolox, fire], dir, new Map());
    expect(plan[0]).toMatchObject({ kind: 'fetch', id: 'coco-yolox-nano', file: yoloxFile, replacing: false });
    // Only the verified mirror is a source; the Megvii URL without a hash is not.
    expect(plan[0]?.kind === 'fetch' && plan[0].sources.map((s) => s.url)).toEqual([yolox.download?.[0]?.url]);
    expect(plan[1]).toMatchObject({ kind: 'unavailable', id: 'fire-smoke-yolov8n-w8-416' });
    expect(plan[1]?.kind === 'unavailable' && plan[1].reason).toMatch(/missing.*no verified download source/);

    expect(planFetch([yolox], dir, new Map([[yoloxFile, yolox.sha256]]))[0]?.kind).toBe('present');
    expect(planFetch([yolox], dir, new Map([[yoloxFile, 'f'.repeat(64)]]))[0]).toMatchObject({ kind: 'fetch', replacing: true });
  });

  it('selects models by id and reports unknown ids', () => {
    expect(selectManifests(all, []).selected).toHaveLength(8);
    const { selected, unknown } = selectManifests(all, ['coco-yolox-nano', 'nope']);
    expect(selected.map((m) => m.id)).toEqual(['coco-yolox-nano']);
    expect(unknown).toEqual(['nope']);
  });

  it('formats progress with and without a known total', () => {
    expect(formatBytes(3_713_911)).toBe('3.7 MB');
    expect(formatBytes(512_000)).toBe('512 kB');
    expect(formatProgress('m', 1_200_000, 3_700_000, 1000)).toBe('m: 1.2 MB / 3.7 MB (32%) 1.2 MB/s');
    expect(formatProgress('m', 1_200_000, undefined, 0)).toBe('m: 1.2 MB');
  });

  it('recognises an offline machine from the cause of "fetch failed"', () => {
    const err = new TypeError('fetch failed', { cause: Object.assign(new Error('getaddrinfo ENOTFOUND raw.githubusercontent.com'), { code: 'ENOTFOUND' }) });
    expect(describeFetchError(err, 'https://raw.githubusercontent.com/x')).toMatch(/cannot reach raw\.githubusercontent\.com \(ENOTFOUND\).*offline/);
  });
});

describe('downloadVerified', () => {
  const body = Buffer.from('fake onnx weights '.repeat(1000));
  const sha = createHash('sha256').update(body).digest('hex');
  let server: Server;
  let base = '';

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/ok') {
        res.writeHead(200, { 'content-length': String(body.length) });
        res.end(body);
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('writes the file only after the sha256 matches, reporting progress', async () => {
    const file = path.join(tmp, 'dl', 'm', 'w.onnx');
    const seen: [number, number | undefined][] = [];
    await downloadVerified(`${base}/ok`, file, sha, (r, t) => seen.push([r, t]));
    expect(existsSync(file)).toBe(true);
    expect(seen.at(-1)).toEqual([body.length, body.length]);
    expect(readdirSync(path.dirname(file))).toEqual(['w.onnx']);
  });

  it('leaves nothing behind on a hash mismatch or an HTTP error', async () => {
    const file = path.join(tmp, 'dl2', 'w.onnx');
    await expect(downloadVerified(`${base}/ok`, file, 'b'.repeat(64), () => undefined)).rejects.toThrow(/sha256 mismatch/);
    await expect(downloadVerified(`${base}/missing`, file, sha, () => undefined)).rejects.toThrow(/HTTP 404/);
    expect(readdirSync(path.dirname(file))).toEqual([]);
  });

  it('explains an unreachable host as offline', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const url = `http://127.0.0.1:${port}/x`;
    const err = await downloadVerified(url, path.join(tmp, 'dl3', 'w.onnx'), sha, () => undefined).catch((e: unknown) => e);
    expect(describeFetchError(err, url)).toMatch(/ECONNREFUSED.*offline/);
  });
});
