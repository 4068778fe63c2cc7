import type { GbAlarm, RuleName, Severity } from '../../../protocol/index.js';
import type { ResolvedMask } from './filters.js';
import type { Point, Polygon } from './geometry.js';
import type { Scene, SceneRuleConfig } from './rule-config.js';
import type { Schedule } from './schedule.js';
import type { SnapshotOverlay } from './types.js';

/** A zone with its polygon, as a rule uses it. */
export interface ResolvedZone {
  readonly id: string;
  /** Name for drawing: the configured name, else the id. */
  readonly label: string;
  readonly polygon: Polygon;
}

/** A line, as a rule uses it; side A is on the left of a→b on screen. */
export interface ResolvedLine {
  readonly id: string;
  readonly label: string;
  readonly a: Point;
  readonly b: Point;
}

/** Where a rule came from. */
export type RuleOrigin = { readonly kind: 'preset'; readonly scene: Scene } | { readonly kind: 'explicit'; readonly index: number };

/**
 * A rule ready to run: its config with every default applied (a legacy `presence` rule arrives as
 * `class_present`), its name, severity and GB/T 28181 alarm decided, and its zones, line and schedule
 * looked up and compiled.
 */
export interface ResolvedRule<C extends SceneRuleConfig = SceneRuleConfig> {
  readonly config: C;
  /** The event `type`: the rule type, or `presence` for a legacy rule. */
  readonly eventType: string;
  readonly name: RuleName;
  readonly severity: Severity;
  readonly gbAlarm?: GbAlarm;
  /** Zones watched; empty = the whole frame. */
  readonly zones: readonly ResolvedZone[];
  /** The line of a line_crossing rule. */
  readonly line?: ResolvedLine;
  readonly schedule?: Schedule;
  readonly origin: RuleOrigin;
}

/** A scene-preset rule the camera does not get, and why (to log at start-up). */
export interface SkippedRule {
  readonly ruleId: string;
  readonly scene: Scene;
  /** classes: no model of the camera gives what it needs; zones/lines: nothing tagged for it; disabled: in disabledRules. */
  readonly reason: 'classes' | 'zones' | 'lines' | 'disabled';
  /** One line naming the rule, what is missing and the camera's models. */
  readonly message: string;
}

/** Everything the rule engine of one camera needs. */
export interface ResolvedCameraRules {
  readonly cameraId: string;
  readonly rules: readonly ResolvedRule[];
  readonly masks: readonly ResolvedMask[];
  readonly skipped: readonly SkippedRule[];
  /** Every zone and line of the camera, for drawing. */
  readonly overlay: SnapshotOverlay;
}
