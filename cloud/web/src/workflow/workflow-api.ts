import type { NoticeItem, WorkflowItem } from '../../../../protocol/workflow.js';

/**
 * `GET /api/workflow?state=&overdue=`: the workflow items the caller may see. The protocol module has
 * no list type yet; this is the shape every list of the cloud uses (`items`, optional cursor).
 */
export interface WorkflowListResponse {
  items: WorkflowItem[];
  nextCursor?: string | null;
}

/** `GET /api/notices`, shaped like the other lists. */
export interface NoticeListResponse {
  items: NoticeItem[];
}

/** The answer of `POST /api/events/:id/attachments`. */
export interface UploadedAttachment {
  sha256: string;
  name: string;
  contentType: string;
  size: number;
  url: string;
}

export function workflowListPath(filter: { state?: string; overdue?: boolean } = {}): string {
  const q = new URLSearchParams();
  if (filter.state !== undefined) q.set('state', filter.state);
  if (filter.overdue !== undefined) q.set('overdue', String(filter.overdue));
  const qs = q.toString();
  return qs ? `/api/workflow?${qs}` : '/api/workflow';
}
