import {
  roleCan,
  type Permission,
  type UserRole,
  type WorkflowAction,
  type WorkflowState,
} from '../../../protocol/index.js';

/** Who acts: a user of a role, or the cloud itself (discovery, automatic escalation). */
export type WorkflowActor = UserRole | 'system';

/** The outcome of asking the table: the state after the action, or why it is refused. */
export type TransitionDecision =
  | { ok: true; to: WorkflowState }
  | { ok: false; code: 'CONFLICT' | 'FORBIDDEN'; message: string };

/** One row of the table. */
interface TransitionRule {
  /** States the action applies in. */
  from: readonly WorkflowState[];
  /** The state after it; undefined: the state does not change (escalation). */
  to: WorkflowState | undefined;
  /** The permission a user needs; null: only the system takes this action. */
  permission: Permission | null;
  /** Whether the system (no user) may take it. */
  system: boolean;
  /** What the action is called in messages. */
  verb: string;
  /** Why other states do not allow it: what has to happen first. */
  requires: string;
}

/** States nothing leaves: 已办结 and 误报. */
export const TERMINAL_STATES: readonly WorkflowState[] = ['closed', 'false_alarm'];

/** The actions a user can take (all but discovery). */
export const USER_ACTIONS: readonly Exclude<WorkflowAction, 'discover'>[] = [
  'accept',
  'dispatch',
  'handle',
  'recheck_pass',
  'recheck_fail',
  'false_alarm',
  'escalate',
];

/**
 * The closed loop as a table (发现 → 受理 → 分拨 → 处置 → 督办 → 评估). Roles come from the protocol's
 * permission table so the viewer and the server agree on who may do what.
 */
const TABLE: Readonly<Record<WorkflowAction, TransitionRule>> = {
  discover: { from: [], to: 'new', permission: null, system: true, verb: 'discover', requires: 'an event is discovered once' },
  accept: {
    from: ['new'],
    to: 'accepted',
    permission: 'workflow.accept',
    system: false,
    verb: 'accept',
    requires: 'only a new item can be accepted',
  },
  dispatch: {
    from: ['new', 'accepted'],
    to: 'dispatched',
    permission: 'workflow.dispatch',
    system: false,
    verb: 'dispatch',
    requires: 'only a new or accepted item can be dispatched (a handled one goes back through a failed re-check)',
  },
  handle: {
    from: ['dispatched'],
    to: 'handled',
    permission: 'workflow.handle',
    system: false,
    verb: 'handle',
    requires: 'it must be dispatched first',
  },
  recheck_pass: {
    from: ['handled'],
    to: 'closed',
    permission: 'workflow.recheck',
    system: false,
    verb: 're-check',
    requires: 'it must be handled first',
  },
  recheck_fail: {
    from: ['handled'],
    to: 'dispatched',
    permission: 'workflow.recheck',
    system: false,
    verb: 're-check',
    requires: 'it must be handled first',
  },
  false_alarm: {
    from: ['new', 'accepted', 'dispatched'],
    to: 'false_alarm',
    permission: 'workflow.falseAlarm',
    system: false,
    verb: 'mark as a false alarm',
    requires: 'only an item not yet handled can be marked a false alarm',
  },
  escalate: {
    from: ['accepted', 'dispatched'],
    to: undefined,
    permission: 'workflow.supervise',
    system: true,
    verb: 'escalate (supervise)',
    requires: 'only an accepted or dispatched item can be escalated',
  },
};

/**
 * Whether `actor` may take `action` on an item in `state` (null: no item yet), and the state after it.
 * The role is checked before the state, so a role that may never take an action hears so whatever
 * the state. Conditions beyond the table (deadlines, notes, scope) are the caller's.
 */
export function decideTransition(state: WorkflowState | null, action: WorkflowAction, actor: WorkflowActor): TransitionDecision {
  const rule = TABLE[action];
  if (actor === 'system') {
    if (!rule.system) return { ok: false, code: 'FORBIDDEN', message: `the system may not ${rule.verb} an item` };
  } else if (rule.permission === null || !roleCan(actor, rule.permission)) {
    return { ok: false, code: 'FORBIDDEN', message: `the ${actor} role may not ${rule.verb} an item` };
  }
  if (action === 'discover') {
    return state === null
      ? { ok: true, to: 'new' }
      : { ok: false, code: 'CONFLICT', message: `the event was already discovered (state ${state})` };
  }
  if (state === null) return { ok: false, code: 'CONFLICT', message: `cannot ${rule.verb}: the event has no workflow item` };
  if (TERMINAL_STATES.includes(state)) {
    return { ok: false, code: 'CONFLICT', message: `cannot ${rule.verb} an item in state ${state}; ${state} is final` };
  }
  if (!rule.from.includes(state)) {
    return { ok: false, code: 'CONFLICT', message: `cannot ${rule.verb} an item in state ${state}; ${rule.requires}` };
  }
  return { ok: true, to: rule.to ?? state };
}

/** The states an action applies in (for queries such as the overdue sweep). */
export function statesAllowing(action: WorkflowAction): readonly WorkflowState[] {
  return TABLE[action].from;
}
