import type { Detection } from '../../../protocol/index.js';
import { boxInZone } from './geometry.js';
import type { ClassPresentRuleConfig } from './rule-config.js';
import { SceneRule, type FrameContext, type Observation } from './rule-base.js';
import type { RuleHit } from './types.js';

/**
 * Class present (明火, 烟雾, 老鼠 …): a detection of the classes, in a zone or anywhere, on
 * `confirmFrames` frames. It works on detections, not tracks: flames and smoke change shape from frame
 * to frame and a tracker splits them into many short tracks. One event per zone; the snapshot is the
 * frame with the most confident detection.
 */
export class ClassPresentRule extends SceneRule<ClassPresentRuleConfig> {
  private readonly classes = new Set(this.cfg.classes);

  protected evaluate(ctx: FrameContext): RuleHit[] {
    const found = this.eligibleDetections(ctx, this.classes).sort((a, b) => b.score - a.score);
    const groups = new Map<string, Detection[]>();
    if (this.rule.zones.length === 0) {
      if (found.length > 0) groups.set('*', found);
    } else {
      for (const z of this.rule.zones) {
        const inside = found.filter((d) => boxInZone(d.box, z.polygon, this.cfg.anchor));
        if (inside.length > 0) groups.set(z.id, inside);
      }
    }
    const obs: Observation[] = [];
    for (const [key, dets] of groups) {
      const top = dets[0];
      if (!top) continue;
      obs.push({
        key,
        label: top.label,
        score: top.score,
        detections: dets,
        trackIds: dets.flatMap((d) => (d.trackId !== undefined ? [d.trackId] : [])),
        ...(key !== '*' ? { zoneId: key } : {}),
        attributes: { count: dets.length },
      });
    }
    return this.step(ctx, obs, () => 'cleared');
  }
}
