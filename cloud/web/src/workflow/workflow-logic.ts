import type { Permission } from '../../../../protocol/access.js';
import type { WorkflowAction, WorkflowItem, WorkflowState } from '../../../../protocol/workflow.js';

/** The forms of the event review, one per kind of request (re-check pass and fail share one). */
export type WorkflowForm = 'accept' | 'dispatch' | 'handle' | 'recheck' | 'false_alarm' | 'supervise';

/** Form order on the page: the usual next step first. */
const FORM_ORDER: readonly WorkflowForm[] = ['accept', 'dispatch', 'handle', 'recheck', 'supervise', 'false_alarm'];

const FORM_OF: Readonly<Record<WorkflowAction, WorkflowForm | null>> = {
  discover: null,
  accept: 'accept',
  dispatch: 'dispatch',
  handle: 'handle',
  recheck_pass: 'recheck',
  recheck_fail: 'recheck',
  escalate: 'supervise',
  false_alarm: 'false_alarm',
};

/** The permission each form needs (protocol/access.ts); the server checks it again. */
export const FORM_PERMISSION: Readonly<Record<WorkflowForm, Permission>> = {
  accept: 'workflow.accept',
  dispatch: 'workflow.dispatch',
  handle: 'workflow.handle',
  recheck: 'workflow.recheck',
  false_alarm: 'workflow.falseAlarm',
  supervise: 'workflow.supervise',
};

/** URL segment of each form's route: `POST /api/events/:id/workflow/<segment>`. */
const SEGMENT: Readonly<Record<WorkflowForm, string>> = {
  accept: 'accept',
  dispatch: 'dispatch',
  handle: 'handle',
  recheck: 'recheck',
  false_alarm: 'false-alarm',
  supervise: 'supervise',
};

/**
 * The forms to show: the actions the cloud allows now (role, scope and state), narrowed to those the
 * user's permissions name, so a stale or odd answer never offers a button the role cannot use.
 */
export function formsFor(allowed: readonly WorkflowAction[], permissions: readonly Permission[]): WorkflowForm[] {
  const wanted = new Set<WorkflowForm>();
  for (const action of allowed) {
    const form = FORM_OF[action];
    if (form !== null && permissions.includes(FORM_PERMISSION[form])) wanted.add(form);
  }
  return FORM_ORDER.filter((f) => wanted.has(f));
}

export function actionPath(eventId: string, form: WorkflowForm): string {
  return `/api/events/${encodeURIComponent(eventId)}/workflow/${SEGMENT[form]}`;
}

export function workflowPath(eventId: string): string {
  return `/api/events/${encodeURIComponent(eventId)}/workflow`;
}

export function attachmentUploadPath(eventId: string): string {
  return `/api/events/${encodeURIComponent(eventId)}/attachments`;
}

/**
 * Whether the alert wall offers one-click 受理: the user may accept and the event waits for it. An
 * event the index does not hold yet (just discovered) counts as waiting.
 */
export function canAcceptFromWall(state: WorkflowState | undefined, permissions: readonly Permission[]): boolean {
  return permissions.includes('workflow.accept') && (state === undefined || state === 'new');
}

/** A state ends the loop: nothing more happens to the event. */
export function isFinal(state: WorkflowState): boolean {
  return state === 'closed' || state === 'false_alarm';
}

/** How a deadline stands now: passed, within the last quarter of a day, or comfortable. */
export function deadlineStatus(item: Pick<WorkflowItem, 'deadlineAt' | 'overdue' | 'state'>, now: number): 'overdue' | 'soon' | 'ok' | null {
  if (item.deadlineAt === null || isFinal(item.state) || item.state === 'handled') return null;
  if (item.overdue || item.deadlineAt <= now) return 'overdue';
  return item.deadlineAt - now < 6 * 3600_000 ? 'soon' : 'ok';
}

/** Best-effort reading of an action's answer: a WorkflowDetail, a WorkflowItem, or neither. */
export function workflowItemOf(answer: unknown): WorkflowItem | null {
  if (typeof answer !== 'object' || answer === null) return null;
  const a = answer as Record<string, unknown>;
  const candidate = typeof a.item === 'object' && a.item !== null ? (a.item as Record<string, unknown>) : a;
  return typeof candidate.eventId === 'string' && typeof candidate.state === 'string' ? (candidate as unknown as WorkflowItem) : null;
}

/**
 * Newer wins: merges items into an index by event id, keeping a held item whose `updatedAt` is later
 * (a list fetched before a push can arrive after it).
 * @returns the same map when nothing changed
 */
export function mergeWorkflow(index: ReadonlyMap<string, WorkflowItem>, items: readonly WorkflowItem[]): ReadonlyMap<string, WorkflowItem> {
  let next: Map<string, WorkflowItem> | null = null;
  for (const item of items) {
    const held = (next ?? index).get(item.eventId);
    if (held && held.updatedAt > item.updatedAt) continue;
    if (held === item) continue;
    next ??= new Map(index);
    next.set(item.eventId, item);
  }
  return next ?? index;
}

/** A `datetime-local` input value → epoch ms (local time), or null when empty or invalid. */
export function parseLocalDateTime(value: string): number | null {
  if (value.trim() === '') return null;
  const ms = new Date(value).getTime();
  return Number.isFinite(ms) ? ms : null;
}

/** Epoch ms → a `datetime-local` input value in local time. */
export function toLocalDateTime(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
