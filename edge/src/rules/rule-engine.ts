import type { CameraConfig } from '../config.js';
import type { Detections, Frame } from '../types.js';
import { PresenceRule } from './presence-rule.js';
import type { RuleEngine, RuleHit } from './types.js';

/** The rules of one camera, run in configuration order on every analysed frame. */
export function createRuleEngine(camera: CameraConfig): RuleEngine {
  const rules = camera.rules.map((r) => new PresenceRule(camera.id, r));
  return {
    process(detections: Detections, frame: Frame): RuleHit[] {
      return rules.flatMap((r) => r.process(detections, frame));
    },
    flush(reason: string, at: number): RuleHit[] {
      return rules.flatMap((r) => r.flush(reason, at));
    },
  };
}
