import type { EventItem } from '../../../../protocol/rest.js';

/** Most alerts the wall keeps in memory; older ones are in the event review. */
export const MAX_ALERTS = 500;

function newestFirst(a: EventItem, b: EventItem): number {
  return b.startedAt - a.startedAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

/**
 * Merges events into a newest-first list. A version older than the one held is ignored: a page load
 * can return a newer version than a push still in flight.
 * @returns the new list (the same array when nothing changed)
 */
export function mergeAlerts(list: readonly EventItem[], incoming: readonly EventItem[]): readonly EventItem[] {
  if (incoming.length === 0) return list;
  const byId = new Map(list.map((e) => [e.id, e]));
  let changed = false;
  for (const item of incoming) {
    const held = byId.get(item.id);
    if (held && held.updatedAt > item.updatedAt) continue;
    byId.set(item.id, item);
    changed = true;
  }
  if (!changed) return list;
  return [...byId.values()].sort(newestFirst).slice(0, MAX_ALERTS);
}
