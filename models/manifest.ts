import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import Type, { type Static } from 'typebox';
import { ConfigError, loadConfigFile, type ConfigProblem } from '../common/config-loader.js';
import { modelsDir as defaultModelsDir, repoRoot } from '../common/env.js';
import { Id, Sha256 } from '../protocol/index.js';

/**
 * A model manifest (`models/<id>.yaml`) says everything the edge needs to run one ONNX detector:
 * where its weights live and how to check them, how to turn a frame into its input tensor, how to read
 * its output, and its class names. The weights themselves are not in the repository; they live in the
 * models directory (`MINGLIANG_MODELS_DIR`, default `models/` in the repo) under the same relative path
 * as in `../shared/models`.
 */

const Probability = Type.Number({ minimum: 0, maximum: 1 });
const Triple = Type.Tuple([Type.Number(), Type.Number(), Type.Number()]);

const Normalise = Type.Object(
  {
    scale: Type.Number({
      exclusiveMinimum: 0,
      default: 1,
      description: 'multiplies the 0..255 pixel first: 1 for raw pixels, 1/255 (0.00392156862745098) for 0..1',
    }),
    mean: Type.Optional(Triple),
    std: Type.Optional(Triple),
  },
  {
    additionalProperties: false,
    default: {},
    description: 'tensor value = (pixel * scale - mean[c]) / std[c], with mean/std in tensor channel order',
  },
);

const ModelInput = Type.Object(
  {
    name: Type.String({ minLength: 1, default: 'images', description: 'ONNX input name' }),
    width: Type.Integer({ minimum: 16, maximum: 4096 }),
    height: Type.Integer({ minimum: 16, maximum: 4096 }),
    channelOrder: Type.Union([Type.Literal('rgb'), Type.Literal('bgr')], {
      description: 'channel order of the tensor; frames are RGB and are swapped for bgr',
    }),
    normalise: Normalise,
    letterbox: Type.Union([Type.Literal('top-left'), Type.Literal('centre'), Type.Literal('stretch')], {
      description:
        'top-left: keep aspect, image at the top-left (YOLOX); centre: keep aspect, centred (YOLOv5/v8); ' +
        'stretch: resize to the input size ignoring aspect (AIZOO SSD)',
    }),
    padValue: Type.Integer({ minimum: 0, maximum: 255, default: 114, description: 'pixel value of the padding, before normalisation' }),
  },
  { additionalProperties: false },
);

const ModelOutput = Type.Object(
  {
    name: Type.String({ minLength: 1, description: 'ONNX output name' }),
    family: Type.Union([Type.Literal('yolox'), Type.Literal('yolov5'), Type.Literal('yolov8')], {
      description:
        'yolox: [1,N,5+nc] raw head needing the grid decode; yolov5: [1,N,5+nc] decoded cx,cy,w,h,obj,cls; ' +
        'yolov8: [1,4+nc,N] decoded cx,cy,w,h,cls without objectness',
    }),
    strides: Type.Optional(
      Type.Array(Type.Integer({ minimum: 1, maximum: 256 }), { minItems: 1, maxItems: 8, description: 'yolox only: head strides in row order' }),
    ),
  },
  { additionalProperties: false },
);

const Nms = Type.Object(
  {
    iou: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.45 }),
    classAgnostic: Type.Boolean({
      default: false,
      description: 'true: a box suppresses overlapping boxes of every class (one label per object)',
    }),
  },
  { additionalProperties: false, default: {} },
);

const Download = Type.Object(
  {
    url: Type.String({ pattern: '^https://' }),
    sha256: Type.Optional(Sha256),
    note: Type.Optional(Type.String({ maxLength: 500 })),
  },
  {
    additionalProperties: false,
    description: 'a source of the weights file; entries without sha256 cannot be verified and are never fetched automatically',
  },
);

/** Schema of `models/<id>.yaml`. */
export const ModelManifest = Type.Object(
  {
    id: Id,
    description: Type.String({ minLength: 1, maxLength: 500 }),
    licence: Type.String({ minLength: 1, maxLength: 1000, description: 'licence of the weights, and any restriction on their use' }),
    weights: Type.String({
      minLength: 1,
      pattern: '^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*\\.onnx$',
      description: 'path of the .onnx file relative to the models directory',
    }),
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'sha256 of the exact file the settings here were validated with' }),
    input: ModelInput,
    output: ModelOutput,
    nms: Nms,
    scoreThreshold: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.3 }),
    classThresholds: Type.Optional(
      Type.Record(Type.String({ minLength: 1 }), Probability, { description: 'per-label score thresholds overriding scoreThreshold' }),
    ),
    maxDetections: Type.Integer({ minimum: 1, maximum: 200, default: 100, description: 'cap after NMS, highest scores kept' }),
    labels: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 1000 }),
    download: Type.Optional(Type.Array(Download, { maxItems: 8 })),
  },
  { additionalProperties: false },
);
export type ModelManifest = Static<typeof ModelManifest>;

/** Options of {@link loadManifest} and {@link loadAllManifests}. */
export interface ManifestLoadOptions {
  /** Where the `<id>.yaml` files are; default `models/` in the repository. */
  manifestsDir?: string;
  /** When given, loading also checks that the weights file exists there (see {@link resolveWeights}). */
  modelsDir?: string;
  /** Environment used for `${VAR}` interpolation and for naming `MINGLIANG_MODELS_DIR` in errors. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** Default location of the manifests: `models/` in the repository (also when running from `dist/`). */
export function defaultManifestsDir(): string {
  return path.join(repoRoot, 'models');
}

/** Cross-field checks the schema cannot express; each problem names its key path. */
export function checkManifest(manifest: ModelManifest, expectedId?: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (expectedId !== undefined && manifest.id !== expectedId) {
    problems.push({ path: 'id', message: `must equal the file name "${expectedId}", is "${manifest.id}"` });
  }
  if (manifest.weights.split('/').some((seg) => seg === '..' || seg === '.')) {
    problems.push({ path: 'weights', message: 'must stay inside the models directory (no . or .. segments)' });
  }
  if (manifest.output.family === 'yolox' && !manifest.output.strides) {
    problems.push({ path: 'output.strides', message: 'is required for family yolox' });
  }
  if (manifest.output.family !== 'yolox' && manifest.output.strides) {
    problems.push({ path: 'output.strides', message: `is only used by family yolox, not ${manifest.output.family}` });
  }
  for (const s of manifest.output.strides ?? []) {
    if (manifest.input.width % s !== 0 || manifest.input.height % s !== 0) {
      problems.push({ path: 'output.strides', message: `stride ${s} does not divide the input size ${manifest.input.width}x${manifest.input.height}` });
    }
  }
  const { std } = manifest.input.normalise;
  std?.forEach((v, i) => {
    if (v === 0) problems.push({ path: `input.normalise.std[${i}]`, message: 'must not be 0' });
  });
  const seen = new Set<string>();
  manifest.labels.forEach((label, i) => {
    if (seen.has(label)) problems.push({ path: `labels[${i}]`, message: `duplicate label "${label}"` });
    seen.add(label);
  });
  for (const label of Object.keys(manifest.classThresholds ?? {})) {
    if (!seen.has(label)) problems.push({ path: `classThresholds.${label}`, message: `"${label}" is not one of the model's labels` });
  }
  manifest.download?.forEach((d, i) => {
    if (d.sha256 !== undefined && d.sha256 !== manifest.sha256) {
      problems.push({ path: `download[${i}].sha256`, message: 'differs from the manifest sha256: a download must give the validated file' });
    }
  });
  return problems;
}

/**
 * Loads and validates `models/<id>.yaml`. Errors are {@link ConfigError}s listing every problem by key
 * path. Pass `modelsDir` to also fail early when the weights are missing.
 */
export function loadManifest(id: string, opts: ManifestLoadOptions = {}): ModelManifest {
  const dir = opts.manifestsDir ?? defaultManifestsDir();
  const file = path.join(dir, `${id}.yaml`);
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(id) || !existsSync(file)) {
    const known = listManifestIds(dir);
    throw new ConfigError(file, [
      { path: '', message: `no manifest for model "${id}" in ${dir}; known models: ${known.join(', ') || '(none)'}` },
    ]);
  }
  const manifest = loadConfigFile(ModelManifest, file, {
    ...(opts.env ? { env: opts.env } : {}),
    refine: (m) => checkManifest(m as ModelManifest, id),
  });
  if (opts.modelsDir !== undefined) resolveWeights(manifest, opts.modelsDir, opts.env);
  return manifest;
}

/** Loads every `*.yaml` manifest in the manifests directory, sorted by id. */
export function loadAllManifests(opts: ManifestLoadOptions = {}): ModelManifest[] {
  const dir = opts.manifestsDir ?? defaultManifestsDir();
  return listManifestIds(dir).map((id) => loadManifest(id, { ...opts, manifestsDir: dir }));
}

function listManifestIds(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    throw new ConfigError(dir, [{ path: '', message: `cannot read the manifests directory: ${(err as Error).message}` }]);
  }
  return names
    .filter((n) => n.endsWith('.yaml'))
    .map((n) => n.slice(0, -'.yaml'.length))
    .sort();
}

/** Thrown when a model's weights file is not in the models directory. */
export class WeightsMissingError extends Error {
  constructor(
    readonly modelId: string,
    readonly file: string,
    readonly modelsDir: string,
    message: string,
  ) {
    super(message);
    this.name = 'WeightsMissingError';
  }
}

/** Thrown when a weights file's sha256 is not the one its manifest was validated with. */
export class WeightsMismatchError extends Error {
  constructor(
    readonly modelId: string,
    readonly file: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(
      `weights of model "${modelId}" at ${file} have sha256 ${actual}, expected ${expected}: the file is damaged, ` +
        `incomplete or a different export. Delete it and run \`npm run models:fetch -- ${modelId}\`, or copy the right file there.`,
    );
    this.name = 'WeightsMismatchError';
  }
}

/**
 * Absolute path of the model's weights in `modelsDir`. Throws {@link WeightsMissingError} naming the file,
 * the directory, how the directory was chosen (`MINGLIANG_MODELS_DIR`) and how to get the file.
 */
export function resolveWeights(
  manifest: ModelManifest,
  modelsDir: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): string {
  const dir = path.resolve(modelsDir);
  const file = path.join(dir, manifest.weights);
  let isFile = false;
  try {
    isFile = statSync(file).isFile();
  } catch {
    // A missing or unreadable file is reported below with the full explanation.
  }
  if (isFile) return file;
  const setting = env.MINGLIANG_MODELS_DIR
    ? `MINGLIANG_MODELS_DIR is set to "${env.MINGLIANG_MODELS_DIR}"`
    : `MINGLIANG_MODELS_DIR is not set, so the default ${defaultModelsDir({})} is used`;
  const verified = (manifest.download ?? []).filter((d) => d.sha256 !== undefined);
  const howToGet =
    verified.length > 0
      ? `Run \`npm run models:fetch -- ${manifest.id}\` to download it, or set MINGLIANG_MODELS_DIR to a directory that has ${manifest.weights}.`
      : `This model has no download source (it was converted or repaired for this project); copy ${manifest.weights} ` +
        `(sha256 ${manifest.sha256}) into that directory, or set MINGLIANG_MODELS_DIR to a directory that has it ` +
        `(\`npm run models:fetch\` cannot get it).`;
  throw new WeightsMissingError(
    manifest.id,
    file,
    dir,
    `weights of model "${manifest.id}" not found: ${file} does not exist (models directory ${dir}; ${setting}). ${howToGet}`,
  );
}

/** sha256 of a file, hex. Streams, so the whole file is never held in memory. */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Checks the weights file against the manifest's sha256 and throws {@link WeightsMismatchError} if it
 * differs. Hashing a 3-8 MB model takes about 10-30 ms, so this runs at every detector start instead of
 * keeping a cache that could go stale.
 */
export async function verifyWeights(manifest: ModelManifest, file: string): Promise<void> {
  const actual = await sha256File(file);
  if (actual !== manifest.sha256) throw new WeightsMismatchError(manifest.id, file, manifest.sha256, actual);
}
