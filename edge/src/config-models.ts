import { ConfigError, type ConfigProblem } from '../../common/config-loader.js';
import { loadManifest, type ModelManifest } from '../../models/manifest.js';
import type { EdgeConfig } from './config.js';

/**
 * Checks every camera's model exists and every rule asks only for classes that model provides. Run when
 * the config loads (and by `--check-config`) so a rule that could never fire is refused up front.
 */
export function checkConfigModels(config: EdgeConfig, load: (id: string) => ModelManifest = (id) => loadManifest(id)): Map<string, ModelManifest> {
  const manifests = new Map<string, ModelManifest>();
  const problems: ConfigProblem[] = [];
  config.cameras.forEach((cam, i) => {
    let manifest = manifests.get(cam.model);
    if (!manifest) {
      try {
        manifest = load(cam.model);
        manifests.set(cam.model, manifest);
      } catch (err) {
        const detail = err instanceof ConfigError ? err.problems.map((p) => p.message).join('; ') : (err as Error).message;
        problems.push({ path: `cameras[${i}].model`, message: detail });
        return;
      }
    }
    const labels = new Set(manifest.labels);
    cam.rules.forEach((rule, j) => {
      rule.classes.forEach((cls, k) => {
        if (!labels.has(cls)) {
          problems.push({
            path: `cameras[${i}].rules[${j}].classes[${k}]`,
            message: `rule '${rule.id}' needs class '${cls}', which model '${manifest.id}' does not provide (it has: ${manifest.labels.slice(0, 12).join(', ')}${manifest.labels.length > 12 ? ', …' : ''})`,
          });
        }
      });
    });
  });
  if (problems.length > 0) throw new ConfigError('edge config (models)', problems);
  return manifests;
}
