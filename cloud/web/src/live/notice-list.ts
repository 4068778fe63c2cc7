import type { NoticeItem } from '../../../../protocol/workflow.js';

/** Notices held in the bell's list; older ones are in the event review anyway. */
export const MAX_NOTICES = 100;
/** Notices read one by one are remembered up to this many (the watermark covers the rest). */
const MAX_READ_IDS = 200;

/** What this user has read: everything up to a watermark id, and single notices above it. */
export interface NoticeReadState {
  upTo: number;
  ids: readonly number[];
}

export const NOTHING_READ: NoticeReadState = { upTo: 0, ids: [] };

/** Newest (highest id) first, one entry per id, at most {@link MAX_NOTICES}. @returns the same array when nothing changed */
export function mergeNotices(list: readonly NoticeItem[], incoming: readonly NoticeItem[]): readonly NoticeItem[] {
  const known = new Set(list.map((n) => n.id));
  const fresh = incoming.filter((n) => !known.has(n.id));
  if (fresh.length === 0) return list;
  return [...list, ...fresh].sort((a, b) => b.id - a.id).slice(0, MAX_NOTICES);
}

export function isUnread(notice: Pick<NoticeItem, 'id'>, read: NoticeReadState): boolean {
  return notice.id > read.upTo && !read.ids.includes(notice.id);
}

export function unreadCount(list: readonly NoticeItem[], read: NoticeReadState): number {
  return list.filter((n) => isUnread(n, read)).length;
}

export function markRead(read: NoticeReadState, id: number): NoticeReadState {
  if (!isUnread({ id }, read)) return read;
  return { upTo: read.upTo, ids: [...read.ids, id].slice(-MAX_READ_IDS) };
}

/** Everything held is read: the watermark moves to the newest id. */
export function markAllRead(read: NoticeReadState, list: readonly NoticeItem[]): NoticeReadState {
  const newest = list.reduce((max, n) => Math.max(max, n.id), read.upTo);
  return { upTo: newest, ids: read.ids.filter((id) => id > newest) };
}

/** A stored read state, or nothing read when it is missing or malformed. */
export function parseReadState(raw: string | null): NoticeReadState {
  if (raw === null) return NOTHING_READ;
  try {
    const v = JSON.parse(raw) as unknown;
    if (typeof v !== 'object' || v === null) return NOTHING_READ;
    const { upTo, ids } = v as { upTo?: unknown; ids?: unknown };
    if (typeof upTo !== 'number' || !Array.isArray(ids)) return NOTHING_READ;
    return { upTo, ids: ids.filter((x): x is number => typeof x === 'number') };
  } catch {
    // Someone else's or an old format: start over rather than fail.
    return NOTHING_READ;
  }
}
