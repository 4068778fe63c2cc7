import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** Repository root (works from sources and from dist/). */
export const repoRoot = (() => {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const up = path.resolve(here, '..');
  return path.basename(up) === 'dist' ? path.resolve(up, '..') : up;
})();

/** Directory holding model weights: `MINGLIANG_MODELS_DIR`, else `models/` in the repo. */
export function modelsDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.MINGLIANG_MODELS_DIR || path.join(repoRoot, 'models'));
}

/** Directory holding footage for the camera simulator: `MINGLIANG_MEDIA_DIR`, else `../shared/media`. */
export function mediaDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.MINGLIANG_MEDIA_DIR || path.join(repoRoot, '..', 'shared', 'media'));
}
