import type { NoticeListResponse, WorkflowAttachment, WorkflowListQuery, WorkflowListResponse } from '../../../../protocol/workflow.js';

export type { NoticeListResponse, WorkflowListResponse };

/** The answer of `POST /api/events/:id/attachments`. */
export type UploadedAttachment = WorkflowAttachment;

/** What the viewer filters the workflow list by (a subset of {@link WorkflowListQuery}). */
export interface WorkflowFilter {
  state?: WorkflowListQuery['state'];
  overdue?: boolean;
  escalated?: boolean;
  siteId?: number;
  limit?: number;
}

/** `GET /api/workflow?state=&overdue=&escalated=&siteId=&limit=`: the workflow items the caller may see. */
export function workflowListPath(filter: WorkflowFilter = {}): string {
  const q = new URLSearchParams();
  if (filter.state !== undefined) q.set('state', filter.state);
  if (filter.overdue !== undefined) q.set('overdue', String(filter.overdue));
  if (filter.escalated !== undefined) q.set('escalated', String(filter.escalated));
  if (filter.siteId !== undefined) q.set('siteId', String(filter.siteId));
  if (filter.limit !== undefined) q.set('limit', String(filter.limit));
  const qs = q.toString();
  return qs ? `/api/workflow?${qs}` : '/api/workflow';
}

/** `GET /api/notices?after=&limit=`: the caller's notices, newest first (or those after an id, oldest first). */
export function noticeListPath(opts: { after?: number; limit?: number } = {}): string {
  const q = new URLSearchParams();
  if (opts.after !== undefined) q.set('after', String(opts.after));
  if (opts.limit !== undefined) q.set('limit', String(opts.limit));
  const qs = q.toString();
  return qs ? `/api/notices?${qs}` : '/api/notices';
}
