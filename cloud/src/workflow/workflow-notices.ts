import type { NoticeItem } from '../../../protocol/index.js';
import type { NoticeDraft } from '../db/notices-repo.js';
import type { WorkflowRecord } from '../db/workflow-repo.js';

/** One recipient: an org (its operators and regulators), a site (its users) or one user. */
export type NoticeRecipient = { orgId: number } | { siteId: number } | { userId: number };

/** What a notice says, by kind; Chinese first (what the programmes use), then English. */
function messageFor(kind: NoticeItem['kind'], item: WorkflowRecord, extra: { level?: number; note?: string | null }): string {
  const what = `${item.eventType} event at camera ${item.cameraId}`;
  const due = item.deadlineAt === null ? '' : `, due ${new Date(item.deadlineAt).toISOString()}`;
  switch (kind) {
    case 'new_event':
      return `新告警 待受理: new ${what}`;
    case 'dispatched':
      return `已分拨 请整改: ${what} dispatched for rectification${due}`;
    case 'handled':
      return `已处置 待复核: ${what} handled, awaiting re-check`;
    case 'recheck_failed':
      return `复核未通过 请重新整改: ${what} failed its re-check${extra.note ? ` (${extra.note})` : ''}${due}`;
    case 'escalated':
      return `督办 (第${extra.level ?? 1}级): ${what} is overdue${due}`;
    case 'closed':
      return `已办结: ${what} closed after re-check`;
  }
}

/**
 * The notices of one step, one per recipient (a repeated recipient is left out), so every reader
 * filter (by user, site or org) is a plain column match.
 */
export function noticesFor(
  kind: NoticeItem['kind'],
  item: WorkflowRecord,
  at: number,
  recipients: readonly (NoticeRecipient | null)[],
  extra: { level?: number; note?: string | null } = {},
): NoticeDraft[] {
  const message = messageFor(kind, item, extra);
  const seen = new Set<string>();
  const drafts: NoticeDraft[] = [];
  for (const r of recipients) {
    if (r === null) continue;
    const key = JSON.stringify(r);
    if (seen.has(key)) continue;
    seen.add(key);
    drafts.push({
      at,
      kind,
      eventId: item.eventId,
      toOrgId: 'orgId' in r ? r.orgId : null,
      toSiteId: 'siteId' in r ? r.siteId : null,
      toUserId: 'userId' in r ? r.userId : null,
      message,
    });
  }
  return drafts;
}

/** `{orgId}` or null for a missing id. */
export const toOrg = (orgId: number | null): NoticeRecipient | null => (orgId === null ? null : { orgId });
/** `{siteId}` or null for a missing id. */
export const toSite = (siteId: number | null): NoticeRecipient | null => (siteId === null ? null : { siteId });
/** `{userId}` or null for a missing id. */
export const toUser = (userId: number | null): NoticeRecipient | null => (userId === null ? null : { userId });
