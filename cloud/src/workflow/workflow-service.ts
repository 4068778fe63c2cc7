import type { FastifyBaseLogger } from 'fastify';
import {
  CodedError,
  type AcceptRequest,
  type DispatchRequest,
  type EventItem,
  type FalseAlarmRequest,
  type HandleRequest,
  type NoticeItem,
  type RecheckRequest,
  type Severity,
  type SuperviseRequest,
  type TimelineEntry,
  type WorkflowAction,
  type WorkflowAttachment,
  type WorkflowDetail,
  type WorkflowItem,
  type WorkflowUpdate,
} from '../../../protocol/index.js';
import type { AccessScope, AuthUser } from '../access/access-scope.js';
import type { ScopeResolver } from '../access/scope-resolver.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { CloudBus } from '../bus.js';
import type { Repositories } from '../db/repositories.js';
import type { NoticeDraft } from '../db/notices-repo.js';
import type { AttachmentRecord, ItemChanges, TransitionRecord, WorkflowRecord } from '../db/workflow-repo.js';
import { decideTransition, USER_ACTIONS } from './state-machine.js';
import { tierMs, type WorkflowConfig } from './workflow-config.js';
import { noticesFor, toOrg, toSite, toUser } from './workflow-notices.js';

/** Dependencies of {@link WorkflowService}. */
export interface WorkflowServiceDeps {
  repos: Repositories;
  bus: CloudBus;
  scopes: ScopeResolver;
  audit: AuditTrail;
  config: WorkflowConfig;
  log: FastifyBaseLogger;
  /** The clock deadlines and escalations are measured by (tests move it). */
  now: () => number;
}

/** What a step changes besides its state, and whom it tells. */
interface StepPlan {
  set: ItemChanges;
  note: string | null;
  detail: Record<string, unknown> | null;
  attachments?: readonly string[];
  /** The notices of the step, from the item as it is after the step. */
  notices: (after: WorkflowRecord, at: number) => NoticeDraft[];
}

/** The URL of an uploaded photo (bearer token needed, like every API URL). */
export function attachmentUrl(eventId: string, sha256: string): string {
  return `/api/events/${eventId}/attachments/${sha256}`;
}

/**
 * The closed loop of every event (发现 → 受理 → 分拨 → 处置 → 督办 → 评估): opens an item when an event is
 * first stored, applies the steps people take (checked against the state machine, the caller's role and
 * scope), escalates overdue items, and tells the right orgs, sites and users. Every step commits the
 * item, its timeline entry and its notices together, then publishes `workflow` and `notice` on the bus.
 */
export class WorkflowService {
  constructor(private readonly deps: WorkflowServiceDeps) {}

  /** The time by the workflow's clock (deadlines, overdue flags). */
  clock(): number {
    return this.deps.now();
  }

  /**
   * Opens the item of an event just stored, inside the transaction that stored it (see
   * EdgeIngest.onDiscovered), with its 双推送 notices to the site and to the site's org.
   * @returns the publishing to do after the commit, or undefined when the event already had an item
   */
  discoverInTransaction(event: EventItem, now: number): (() => void) | undefined {
    const { repos } = this.deps;
    const created = repos.workflow.discover(
      { eventId: event.id, cameraId: event.cameraId, eventType: event.type, severity: event.severity },
      now,
    );
    if (!created) return undefined;
    const notices = noticesFor('new_event', created.record, now, [toSite(created.record.siteId), toOrg(created.record.orgId)]).map(
      (n) => repos.notices.add(n),
    );
    return () => this.publish(created.record, created.entry, notices);
  }

  /** Opens items for stored events that have none (events stored before the workflow existed). */
  backfill(): number {
    return this.deps.repos.workflow.backfill(this.deps.now());
  }

  /** The item, its timeline and what the caller may do now. @throws NOT_FOUND out of scope or missing */
  detail(eventId: string, scope: AccessScope): WorkflowDetail {
    const record = this.load(eventId, scope);
    const uploads = this.deps.repos.workflow.attachments(eventId);
    const now = this.deps.now();
    return {
      item: this.toItem(record, now),
      timeline: this.deps.repos.workflow.timeline(eventId).map((t) => this.toEntry(t, uploads)),
      allowedActions: this.allowedActions(record, scope.user, now),
    };
  }

  /** 受理: new → accepted; the item is due (dispatched and fixed) within its severity tier. */
  accept(eventId: string, scope: AccessScope, req: AcceptRequest): WorkflowUpdate {
    const record = this.loadFor(eventId, scope, 'accept');
    const now = this.deps.now();
    const deadlineAt = now + tierMs(this.deps.config, record.severity);
    return this.step(record, scope.user, 'accept', {
      set: { deadlineAt, nextEscalationAt: this.nextEscalation(record.escalationLevel, deadlineAt) },
      note: req.note ?? null,
      detail: { deadlineAt },
      notices: () => [],
    });
  }

  /** 分拨: new/accepted → dispatched to an org (default the site's org) or a user, with a deadline. */
  dispatch(eventId: string, scope: AccessScope, req: DispatchRequest): WorkflowUpdate {
    const record = this.loadFor(eventId, scope, 'dispatch');
    const { repos } = this.deps;
    const now = this.deps.now();
    let assigneeUserId: number | null = null;
    let userOrgId: number | null = null;
    if (req.userId !== undefined) {
      const user = repos.users.findById(req.userId);
      if (!user || user.disabledAt !== null) throw new CodedError('BAD_REQUEST', `user ${req.userId} does not exist or is disabled`);
      if (!this.deps.scopes.resolve(user).seesCamera(record.cameraId)) {
        throw new CodedError('BAD_REQUEST', `user ${user.username} cannot see this event's site; dispatch to someone whose scope covers it`);
      }
      assigneeUserId = user.id;
      userOrgId = user.orgId ?? (user.siteId === null ? null : (repos.sites.get(user.siteId)?.orgId ?? null));
    }
    if (req.orgId !== undefined) {
      // Another org's id is answered as if it did not exist, like every out-of-scope id.
      scope.requireOrg(req.orgId);
      if (!repos.orgs.get(req.orgId)) throw new CodedError('NOT_FOUND', `no org ${req.orgId}`);
    }
    const assigneeOrgId = req.orgId ?? (assigneeUserId !== null ? userOrgId : record.orgId);
    if (assigneeOrgId === null && assigneeUserId === null) {
      throw new CodedError('BAD_REQUEST', "the event's camera is at no site; name the orgId or userId to dispatch to");
    }
    const deadlineAt = this.deadline(req.deadlineAt, record, now);
    return this.step(record, scope.user, 'dispatch', {
      set: { assigneeOrgId, assigneeUserId, deadlineAt, nextEscalationAt: this.nextEscalation(record.escalationLevel, deadlineAt) },
      note: req.note ?? null,
      detail: { assigneeOrgId, assigneeUserId, deadlineAt },
      notices: (after, at) =>
        noticesFor('dispatched', after, at, [toOrg(after.assigneeOrgId), toUser(after.assigneeUserId), toSite(after.siteId)]),
    });
  }

  /** 处置: dispatched → handled, with a note and photos uploaded for this event before. */
  handle(eventId: string, scope: AccessScope, req: HandleRequest): WorkflowUpdate {
    const record = this.loadFor(eventId, scope, 'handle');
    const attachments = [...new Set(req.attachments)];
    for (const sha256 of attachments) {
      if (!this.deps.repos.workflow.attachment(eventId, sha256)) {
        throw new CodedError('BAD_REQUEST', `attachment ${sha256} was not uploaded for this event; upload it first`);
      }
    }
    const now = this.deps.now();
    return this.step(record, scope.user, 'handle', {
      set: { handledAt: now, handledOnTime: record.deadlineAt === null || now <= record.deadlineAt, nextEscalationAt: null },
      note: req.note,
      detail: { onTime: record.deadlineAt === null || now <= record.deadlineAt },
      attachments,
      notices: (after, at) => noticesFor('handled', after, at, [toOrg(after.orgId)]),
    });
  }

  /** 复核 → 评估: pass closes the item with the evaluation; fail sends it back with a new deadline. */
  recheck(eventId: string, scope: AccessScope, req: RecheckRequest): WorkflowUpdate {
    const action = req.pass ? 'recheck_pass' : 'recheck_fail';
    const record = this.loadFor(eventId, scope, action);
    const now = this.deps.now();
    const score = req.score ?? null;
    if (req.pass) {
      if (req.deadlineAt !== undefined) throw new CodedError('BAD_REQUEST', 'deadlineAt applies to a failed re-check only');
      return this.step(record, scope.user, action, {
        set: { closedAt: now, evaluationPass: true, evaluationScore: score, evaluationNote: req.note, nextEscalationAt: null },
        note: req.note,
        detail: { pass: true, score },
        notices: (after, at) => noticesFor('closed', after, at, [toSite(after.siteId)]),
      });
    }
    const deadlineAt = this.deadline(req.deadlineAt, record, now);
    return this.step(record, scope.user, action, {
      // Not rectified after all: it counts as open again until it is handled anew.
      set: {
        handledAt: null,
        handledOnTime: null,
        deadlineAt,
        nextEscalationAt: this.nextEscalation(record.escalationLevel, deadlineAt),
        evaluationPass: false,
        evaluationScore: score,
        evaluationNote: req.note,
      },
      note: req.note,
      detail: { pass: false, score, deadlineAt },
      notices: (after, at) =>
        noticesFor('recheck_failed', after, at, [toSite(after.siteId) ?? toOrg(after.assigneeOrgId), toUser(after.assigneeUserId)], {
          note: req.note,
        }),
    });
  }

  /** 误报: new/accepted/dispatched → false_alarm, with the reason. */
  falseAlarm(eventId: string, scope: AccessScope, req: FalseAlarmRequest): WorkflowUpdate {
    const record = this.loadFor(eventId, scope, 'false_alarm');
    return this.step(record, scope.user, 'false_alarm', {
      set: { nextEscalationAt: null },
      note: req.reason,
      detail: null,
      notices: () => [],
    });
  }

  /** 督办 by a regulator: escalates an overdue item one level up. */
  supervise(eventId: string, scope: AccessScope, req: SuperviseRequest): WorkflowUpdate {
    const record = this.loadFor(eventId, scope, 'escalate');
    return this.escalate(record, scope.user, req.note);
  }

  /**
   * Escalates every item whose next escalation is due (overdue, or overdue for one more tier period
   * since its last escalation). Each item is its own step: one that changed meanwhile is skipped.
   * @returns how many items were escalated
   */
  sweep(): number {
    const due = this.deps.repos.workflow.dueForEscalation(this.deps.now(), 500);
    let escalated = 0;
    for (const record of due) {
      try {
        const update = this.escalate(record, null, null);
        escalated += 1;
        this.deps.audit.record(null, null, {
          action: 'workflow.escalate',
          targetKind: 'event',
          targetId: record.eventId,
          detail: update.entry.detail,
        });
      } catch (err) {
        if (!(err instanceof CodedError)) throw err;
        this.deps.log.info({ eventId: record.eventId, reason: err.message }, 'overdue item not escalated');
      }
    }
    return escalated;
  }

  /** Records a photo stored in the evidence store as uploaded for this event. */
  addAttachment(eventId: string, scope: AccessScope, file: Omit<AttachmentRecord, 'eventId' | 'uploadedBy' | 'uploadedAt'>): WorkflowAttachment {
    const record = this.loadFor(eventId, scope, 'handle');
    const stored = this.deps.repos.workflow.putAttachment({
      ...file,
      eventId: record.eventId,
      uploadedBy: scope.user.id,
      uploadedAt: this.deps.now(),
    });
    return toAttachment(stored);
  }

  /** Checks that the caller may upload photos for this event now (before the body is stored). */
  assertCanUpload(eventId: string, scope: AccessScope): void {
    this.loadFor(eventId, scope, 'handle');
  }

  /** An uploaded photo of an event in the caller's scope. @throws NOT_FOUND */
  attachment(eventId: string, sha256: string, scope: AccessScope): AttachmentRecord {
    this.load(eventId, scope);
    const found = this.deps.repos.workflow.attachment(eventId, sha256);
    if (!found) throw new CodedError('NOT_FOUND', `event ${eventId} has no attachment ${sha256}`);
    return found;
  }

  /** The item as the API shows it. */
  toItem(r: WorkflowRecord, now: number): WorkflowItem {
    return {
      eventId: r.eventId,
      state: r.state,
      cameraId: r.cameraId,
      eventType: r.eventType,
      // Stored from schema-checked events, so this narrowing holds.
      severity: r.severity as Severity,
      siteId: r.siteId,
      orgId: r.orgId,
      assigneeOrgId: r.assigneeOrgId,
      assigneeUserId: r.assigneeUserId,
      deadlineAt: r.deadlineAt,
      escalationLevel: r.escalationLevel,
      overdue: isOverdue(r, now),
      evaluation:
        r.evaluationPass === null ? null : { pass: r.evaluationPass, score: r.evaluationScore, comment: r.evaluationNote ?? '' },
      createdAt: r.discoveredAt,
      updatedAt: r.updatedAt,
      closedAt: r.closedAt,
    };
  }

  /** The actions a user may take on the item now (role, state, deadline and level all allow them). */
  allowedActions(r: WorkflowRecord, user: AuthUser, now: number): WorkflowAction[] {
    return USER_ACTIONS.filter((action) => {
      if (!decideTransition(r.state, action, user.role).ok) return false;
      if (action === 'escalate') return isOverdue(r, now) && r.escalationLevel < this.deps.config.maxEscalationLevel;
      return true;
    });
  }

  private escalate(record: WorkflowRecord, user: AuthUser | null, note: string | null): WorkflowUpdate {
    const now = this.deps.now();
    const decision = decideTransition(record.state, 'escalate', user?.role ?? 'system');
    if (!decision.ok) throw new CodedError(decision.code, decision.message);
    if (!isOverdue(record, now)) {
      const due = record.deadlineAt === null ? 'it has no deadline' : `its deadline is ${new Date(record.deadlineAt).toISOString()}`;
      throw new CodedError('CONFLICT', `cannot escalate an item that is not overdue; ${due}`);
    }
    const { maxEscalationLevel } = this.deps.config;
    if (record.escalationLevel >= maxEscalationLevel) {
      throw new CodedError('CONFLICT', `the item is already escalated to the highest level (${maxEscalationLevel})`);
    }
    const level = record.escalationLevel + 1;
    const toOrgId = this.orgLevelsUp(record.assigneeOrgId ?? record.orgId, level);
    const nextEscalationAt = level < maxEscalationLevel ? now + tierMs(this.deps.config, record.severity) : null;
    return this.step(record, user, 'escalate', {
      set: { escalationLevel: level, escalatedAt: now, nextEscalationAt },
      note,
      detail: { level, toOrgId, automatic: user === null },
      notices: (after, at) => noticesFor('escalated', after, at, [toOrg(toOrgId)], { level }),
    });
  }

  /** Applies one step atomically (item, entry, notices), then publishes it. */
  private step(record: WorkflowRecord, user: AuthUser | null, action: WorkflowAction, plan: StepPlan): WorkflowUpdate {
    const decision = decideTransition(record.state, action, user?.role ?? 'system');
    if (!decision.ok) throw new CodedError(decision.code, decision.message);
    const { repos } = this.deps;
    const at = this.deps.now();
    const { record: after, entry, notices } = repos.transaction(() => {
      const applied = repos.workflow.apply({
        eventId: record.eventId,
        expectState: record.state,
        expectVersion: record.version,
        action,
        to: decision.to,
        at,
        user: user && { id: user.id, username: user.username, role: user.role },
        note: plan.note,
        detail: plan.detail,
        attachments: plan.attachments ?? [],
        set: plan.set,
      });
      return { ...applied, notices: plan.notices(applied.record, at).map((n) => repos.notices.add(n)) };
    });
    return this.publish(after, entry, notices);
  }

  private publish(record: WorkflowRecord, entry: TransitionRecord, notices: readonly NoticeItem[]): WorkflowUpdate {
    const uploads = entry.attachments.length > 0 ? this.deps.repos.workflow.attachments(record.eventId) : [];
    const update: WorkflowUpdate = {
      item: this.toItem(record, this.deps.now()),
      entry: this.toEntry(entry, uploads),
      cameraId: record.cameraId,
      eventType: record.eventType,
    };
    this.deps.bus.publish('workflow', update);
    for (const n of notices) this.deps.bus.publish('notice', n);
    return update;
  }

  /**
   * The item of an event the caller can see; an event stored around ingest (seeded, or before the
   * workflow existed) gets its item now.
   * @throws CodedError NOT_FOUND when there is no such event or it is out of the caller's scope
   */
  private load(eventId: string, scope: AccessScope): WorkflowRecord {
    const { repos } = this.deps;
    let record = repos.workflow.get(eventId);
    if (!record) {
      const event = repos.events.get(eventId);
      if (event && scope.seesCamera(event.cameraId)) {
        const after = repos.transaction(() => this.discoverInTransaction(event, this.deps.now()));
        after?.();
        record = repos.workflow.get(eventId);
      }
    }
    if (!record || !scope.seesCamera(record.cameraId)) throw new CodedError('NOT_FOUND', `no event ${eventId}`);
    return record;
  }

  /** {@link load}, then the role and state check of the action, before any other check. */
  private loadFor(eventId: string, scope: AccessScope, action: WorkflowAction): WorkflowRecord {
    const record = this.load(eventId, scope);
    const decision = decideTransition(record.state, action, scope.user.role);
    if (!decision.ok) throw new CodedError(decision.code, decision.message);
    return record;
  }

  /** A deadline the caller named (it must be in the future), or the severity tier's from now. */
  private deadline(requested: number | undefined, record: WorkflowRecord, now: number): number {
    if (requested === undefined) return now + tierMs(this.deps.config, record.severity);
    if (requested <= now) throw new CodedError('BAD_REQUEST', `deadlineAt must be in the future (now is ${new Date(now).toISOString()})`);
    return requested;
  }

  private nextEscalation(level: number, deadlineAt: number): number | null {
    return level < this.deps.config.maxEscalationLevel ? deadlineAt : null;
  }

  /** The org `levels` steps above `orgId`, or the root when the tree is not that deep. */
  private orgLevelsUp(orgId: number | null, levels: number): number | null {
    let current = orgId === null ? undefined : this.deps.repos.orgs.get(orgId);
    for (let i = 0; i < levels; i += 1) {
      const parentId = current?.parentId ?? null;
      if (parentId === null) break;
      const parent = this.deps.repos.orgs.get(parentId);
      if (!parent) break;
      current = parent;
    }
    return current?.id ?? null;
  }

  private toEntry(t: TransitionRecord, uploads: readonly AttachmentRecord[]): TimelineEntry {
    return {
      id: t.id,
      action: t.action,
      fromState: t.fromState,
      toState: t.toState,
      at: t.at,
      user: t.user,
      note: t.note,
      attachments: t.attachments.flatMap((sha) => {
        const found = uploads.find((u) => u.sha256 === sha);
        return found ? [toAttachment(found)] : [];
      }),
      detail: t.detail,
    };
  }
}

/** Accepted or dispatched, and past its deadline. */
export function isOverdue(r: WorkflowRecord, now: number): boolean {
  return (r.state === 'accepted' || r.state === 'dispatched') && r.deadlineAt !== null && r.deadlineAt < now;
}

function toAttachment(a: AttachmentRecord): WorkflowAttachment {
  return { sha256: a.sha256, name: a.name, contentType: a.contentType, size: a.size, url: attachmentUrl(a.eventId, a.sha256) };
}
