import Type, { type Static } from 'typebox';

/**
 * The closed loop of every event (发现 → 受理 → 分拨 → 处置 → 督办 → 评估):
 * `new` 待受理 → `accepted` 已受理 → `dispatched` 已分拨 (to an org or user, with a deadline from the
 * severity tier) → `handled` 已处置 (note + rectification photos by the site) → re-check (复核) by the
 * regulator: pass → `closed` 已办结 with an evaluation, fail → back to `dispatched`. An operator can mark
 * `false_alarm` 误报 (with a reason) before the item is handled. Supervision (督办) is not a state: an
 * overdue item is escalated (automatically, or by a regulator) and stays where it is, flagged, with a
 * notice to the next level up.
 */
export const WorkflowState = Type.Union([
  Type.Literal('new'),
  Type.Literal('accepted'),
  Type.Literal('dispatched'),
  Type.Literal('handled'),
  Type.Literal('closed'),
  Type.Literal('false_alarm'),
]);
export type WorkflowState = Static<typeof WorkflowState>;
