import type { OrgItem } from '../../../../protocol/rest.js';

/** An org in tree order with its depth (0 for a root). */
export interface OrgRow {
  org: OrgItem;
  depth: number;
}

/**
 * The orgs depth-first, siblings by name, so a flat list reads as the tree (indent by depth). An org
 * whose parent is missing from the list is shown as a root rather than lost.
 */
export function orgTreeRows(orgs: readonly OrgItem[]): OrgRow[] {
  const ids = new Set(orgs.map((o) => o.id));
  const children = new Map<number | null, OrgItem[]>();
  for (const o of orgs) {
    const parent = o.parentId !== null && ids.has(o.parentId) ? o.parentId : null;
    const list = children.get(parent) ?? [];
    list.push(o);
    children.set(parent, list);
  }
  for (const list of children.values()) list.sort((a, b) => a.name.localeCompare(b.name, 'zh-CN') || a.id - b.id);
  const rows: OrgRow[] = [];
  const seen = new Set<number>();
  const walk = (parent: number | null, depth: number): void => {
    for (const o of children.get(parent) ?? []) {
      // The cloud keeps the tree acyclic; guard anyway so a bad answer cannot hang the page.
      if (seen.has(o.id)) continue;
      seen.add(o.id);
      rows.push({ org: o, depth });
      walk(o.id, depth + 1);
    }
  };
  walk(null, 0);
  return rows;
}

/** "市 / 区 / 街道": the names from the root down to an org. */
export function orgPathName(orgs: readonly OrgItem[], id: number | null): string {
  if (id === null) return '';
  const byId = new Map(orgs.map((o) => [o.id, o]));
  const names: string[] = [];
  const seen = new Set<number>();
  for (let cur = byId.get(id); cur && !seen.has(cur.id); cur = cur.parentId === null ? undefined : byId.get(cur.parentId)) {
    seen.add(cur.id);
    names.unshift(cur.name);
  }
  return names.length === 0 ? `#${id}` : names.join(' / ');
}

/** The ids of an org and everything below it: an org cannot move under one of these. */
export function subtreeIds(orgs: readonly OrgItem[], id: number): Set<number> {
  const out = new Set<number>([id]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const o of orgs) {
      if (o.parentId !== null && out.has(o.parentId) && !out.has(o.id)) {
        out.add(o.id);
        grew = true;
      }
    }
  }
  return out;
}
