import path from 'node:path';
import Type, { type Static } from 'typebox';
import { loadConfigFile, parseConfig, type ConfigProblem, type LoadOptions } from '../common/config-loader.js';
import { repoRoot } from '../common/env.js';
import { CAMERA_NAME_PATTERN } from './simulator.js';

/** The config file `main.ts` reads when no `--config` is given. */
export const DEFAULT_STREAMS_CONFIG_FILE = path.join(repoRoot, 'streams', 'cameras.yaml');

/** One simulated camera. */
export const SimCameraConfig = Type.Object(
  {
    name: Type.String({
      pattern: CAMERA_NAME_PATTERN,
      default: 'camera-1',
      description: 'mount name, the path of rtsp://127.0.0.1:<rtspPort>/<name>; unique',
    }),
    clip: Type.String({
      minLength: 1,
      default: 'videos/intel-person-bicycle-car-gop1s-noaudio.ts',
      description:
        'H.264 clip looped by the camera; a relative path is resolved against the media directory (MINGLIANG_MEDIA_DIR, default ../shared/media)',
    }),
  },
  { additionalProperties: false },
);
export type SimCameraConfig = Static<typeof SimCameraConfig>;

/** Config of the camera simulator (`streams/cameras.yaml`). */
export const StreamsConfig = Type.Object(
  {
    host: Type.String({
      pattern: '^(\\d{1,3}\\.){3}\\d{1,3}$',
      default: '127.0.0.1',
      description: 'listen address of the RTSP port; 0.0.0.0 to serve other machines (containers)',
    }),
    rtspPort: Type.Integer({
      minimum: 0,
      maximum: 65535,
      default: 8554,
      description: 'RTSP port; 0 lets the OS choose a free one',
    }),
    cameras: Type.Array(SimCameraConfig, {
      minItems: 1,
      maxItems: 64,
      default: [
        { name: 'street-1', clip: 'videos/intel-person-bicycle-car-gop1s-noaudio.ts' },
        { name: 'walkway-1', clip: 'videos/public-pets2009-s2l1-vtest-480p.mp4' },
        { name: 'worksite-1', clip: 'videos/worksite-intel-worker-zone-detection-10s.mp4' },
      ],
      description: 'the simulated cameras, each looping one clip',
    }),
  },
  { additionalProperties: false, default: {}, description: 'camera simulator' },
);
export type StreamsConfig = Static<typeof StreamsConfig>;

function refine(value: unknown): ConfigProblem[] {
  const config = value as StreamsConfig;
  const problems: ConfigProblem[] = [];
  const seen = new Map<string, number>();
  config.cameras.forEach((c, i) => {
    const first = seen.get(c.name);
    if (first !== undefined) {
      problems.push({ path: `cameras[${i}].name`, message: `"${c.name}" is already used by cameras[${first}]` });
    } else {
      seen.set(c.name, i);
    }
  });
  return problems;
}

/** Validates an already parsed document (defaults applied, every problem listed, result frozen). */
export function parseStreamsConfig(doc: unknown, source = '<inline>', opts: LoadOptions = {}): StreamsConfig {
  return parseConfig(StreamsConfig, doc, source, { ...opts, refine });
}

/** Reads and validates a camera-simulator YAML file. */
export function loadStreamsConfig(file: string, opts: LoadOptions = {}): StreamsConfig {
  return loadConfigFile(StreamsConfig, file, { ...opts, refine });
}
