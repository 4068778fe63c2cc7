import { parseLocalDateTime } from '../workflow/workflow-logic.js';

/** Records per page of the audit log. */
export const AUDIT_PAGE = 100;

/** The audit page's filter fields, as typed (datetime-local strings, ids as text). */
export interface AuditFilter {
  from: string;
  to: string;
  userId: string;
  action: string;
  targetKind: string;
  targetId: string;
}

export const EMPTY_AUDIT_FILTER: AuditFilter = { from: '', to: '', userId: '', action: '', targetKind: '', targetId: '' };

/** The query of `GET /api/audit` for a filter and page; fields left empty are left out. */
export function auditQuery(f: AuditFilter, before: number | null): string {
  const q = new URLSearchParams({ limit: String(AUDIT_PAGE) });
  const from = parseLocalDateTime(f.from);
  const to = parseLocalDateTime(f.to);
  if (from !== null) q.set('from', String(from));
  if (to !== null) q.set('to', String(to));
  if (f.userId !== '') q.set('userId', f.userId);
  if (f.action.trim() !== '') q.set('action', f.action.trim());
  if (f.targetKind.trim() !== '') q.set('targetKind', f.targetKind.trim());
  if (f.targetId.trim() !== '') q.set('targetId', f.targetId.trim());
  if (before !== null) q.set('before', String(before));
  return `/api/audit?${q.toString()}`;
}
