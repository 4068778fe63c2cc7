import { ConfigError, type ConfigProblem } from '../../common/config-loader.js';
import { loadManifest, type ModelManifest } from '../../models/manifest.js';
import { cameraModelIds, planCameraRules, type CameraRulesInput, type ModelLabels, type ResolvedCameraRules } from './rules/index.js';

/** The part of the edge config checked here: each camera's id, models (`models`, or the older single `model`) and scene rules. */
export interface ConfigModelsInput {
  readonly cameras: readonly CameraRulesInput[];
}

/** Loads the manifest of every model a camera lists; problems are named by key path. */
function loadCameraManifests(
  config: ConfigModelsInput,
  load: (id: string) => ModelManifest,
  problems: ConfigProblem[],
): Map<string, ModelManifest> {
  const manifests = new Map<string, ModelManifest>();
  const failed = new Set<string>();
  config.cameras.forEach((cam, i) => {
    cameraModelIds(cam).forEach((id, k) => {
      if (manifests.has(id) || failed.has(id)) return;
      try {
        manifests.set(id, load(id));
      } catch (err) {
        failed.add(id);
        const detail = err instanceof ConfigError ? err.problems.map((p) => p.message).join('; ') : (err as Error).message;
        problems.push({ path: cam.models ? `cameras[${i}].models[${k}]` : `cameras[${i}].model`, message: detail });
      }
    });
  });
  return manifests;
}

function labelsOf(manifests: ReadonlyMap<string, ModelManifest>): ModelLabels {
  return new Map([...manifests].map(([id, m]) => [id, m.labels]));
}

/**
 * Checks every camera's models exist and resolves its scene preset and rules against their labels,
 * so a rule that could never fire is refused up front: an explicit rule asking for a class none of
 * the camera's models provides fails naming the rule, the class and the models. Scene-preset rules
 * that no model supports are skipped instead (see rules/presets.ts); {@link resolveConfigRules} lists
 * them for the start-up log. Run when the config loads (and by `--check-config`).
 */
export function checkConfigModels(config: ConfigModelsInput, load: (id: string) => ModelManifest = (id) => loadManifest(id)): Map<string, ModelManifest> {
  const problems: ConfigProblem[] = [];
  const manifests = loadCameraManifests(config, load, problems);
  const labels = labelsOf(manifests);
  config.cameras.forEach((cam, i) => {
    // A camera whose model failed to load is already reported; its rules would only repeat that.
    if (cameraModelIds(cam).some((id) => !manifests.has(id))) return;
    try {
      planCameraRules(cam, labels);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(...err.problems.map((p) => ({ path: p.path ? `cameras[${i}].${p.path}` : `cameras[${i}]`, message: p.message })));
    }
  });
  if (problems.length > 0) throw new ConfigError('edge config (models)', problems);
  return manifests;
}

/**
 * The runnable rules of every camera, by camera id, from manifests that {@link checkConfigModels}
 * returned (so nothing here can fail for a checked config). Each entry's `skipped` lists the
 * scene-preset rules the camera does not get, with the reason, for a warning at start-up.
 */
export function resolveConfigRules(config: ConfigModelsInput, manifests: ReadonlyMap<string, ModelManifest>): Map<string, ResolvedCameraRules> {
  const labels = labelsOf(manifests);
  return new Map(config.cameras.map((cam) => [cam.id, planCameraRules(cam, labels)]));
}
