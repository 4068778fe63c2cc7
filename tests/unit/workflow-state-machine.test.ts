import { describe, expect, it } from 'vitest';
import { decideTransition, TERMINAL_STATES, type WorkflowActor } from '../../cloud/src/workflow/state-machine.js';
import type { WorkflowAction, WorkflowState } from '../../protocol/index.js';

const STATES: readonly (WorkflowState | null)[] = [null, 'new', 'accepted', 'dispatched', 'handled', 'closed', 'false_alarm'];
const ACTIONS: readonly WorkflowAction[] = [
  'discover',
  'accept',
  'dispatch',
  'handle',
  'recheck_pass',
  'recheck_fail',
  'false_alarm',
  'escalate',
];
const ACTORS: readonly WorkflowActor[] = ['admin', 'operator', 'regulator', 'site', 'system'];

/**
 * The specification of the closed loop (issue 6), written out independently of the implementation:
 * which actors may take each action, and from which states to which.
 */
const SPEC: Record<WorkflowAction, { actors: readonly WorkflowActor[]; moves: Partial<Record<WorkflowState | 'none', WorkflowState>> }> = {
  discover: { actors: ['system'], moves: { none: 'new' } },
  accept: { actors: ['operator', 'admin'], moves: { new: 'accepted' } },
  dispatch: { actors: ['operator', 'admin'], moves: { new: 'dispatched', accepted: 'dispatched' } },
  handle: { actors: ['site', 'admin'], moves: { dispatched: 'handled' } },
  recheck_pass: { actors: ['regulator', 'admin'], moves: { handled: 'closed' } },
  recheck_fail: { actors: ['regulator', 'admin'], moves: { handled: 'dispatched' } },
  false_alarm: { actors: ['operator', 'admin'], moves: { new: 'false_alarm', accepted: 'false_alarm', dispatched: 'false_alarm' } },
  escalate: { actors: ['regulator', 'admin', 'system'], moves: { accepted: 'accepted', dispatched: 'dispatched' } },
};

describe('workflow state machine', () => {
  const cases = STATES.flatMap((state) => ACTIONS.flatMap((action) => ACTORS.map((actor) => ({ state, action, actor }))));

  it('covers every state × action × actor', () => {
    expect(cases).toHaveLength(7 * 8 * 5);
  });

  it.each(cases)('$state × $action × $actor follows the specification', ({ state, action, actor }) => {
    const spec = SPEC[action];
    const decision = decideTransition(state, action, actor);
    if (!spec.actors.includes(actor)) {
      expect(decision).toMatchObject({ ok: false, code: 'FORBIDDEN' });
      return;
    }
    const to = spec.moves[state ?? 'none'];
    if (to === undefined) {
      expect(decision).toMatchObject({ ok: false, code: 'CONFLICT' });
      if (!decision.ok) expect(decision.message).toContain(state === null ? 'no workflow item' : `state ${state}`);
    } else {
      expect(decision).toEqual({ ok: true, to });
    }
  });

  it('explains a refusal by what has to happen first', () => {
    expect(decideTransition('new', 'handle', 'site')).toEqual({
      ok: false,
      code: 'CONFLICT',
      message: 'cannot handle an item in state new; it must be dispatched first',
    });
    expect(decideTransition('dispatched', 'recheck_pass', 'regulator')).toMatchObject({
      message: 'cannot re-check an item in state dispatched; it must be handled first',
    });
    expect(decideTransition('closed', 'dispatch', 'operator')).toMatchObject({
      message: 'cannot dispatch an item in state closed; closed is final',
    });
    expect(decideTransition('new', 'accept', 'site')).toEqual({
      ok: false,
      code: 'FORBIDDEN',
      message: 'the site role may not accept an item',
    });
  });

  it('lets nothing leave a terminal state', () => {
    for (const state of TERMINAL_STATES) {
      for (const action of ACTIONS) {
        for (const actor of ACTORS) expect(decideTransition(state, action, actor).ok).toBe(false);
      }
    }
  });
});
