import type { OrgItem, OrgKind } from '../../../protocol/index.js';

/** Depth of each kind in the tree: a child's level is always greater than its parent's. */
export const ORG_LEVEL: Readonly<Record<OrgKind, number>> = Object.freeze({ city: 0, district: 1, street: 2, bureau: 2 });

/**
 * Why an org cannot have this kind under this parent, or undefined when it can. Levels strictly grow
 * downwards (city → district → street/bureau), which also rules out cycles.
 * @param id the org being changed, undefined when it is being created
 */
export function placementProblem(
  orgs: readonly OrgItem[],
  id: number | undefined,
  parentId: number | null,
  kind: OrgKind,
): string | undefined {
  if (parentId !== null) {
    if (parentId === id) return 'an org cannot be its own parent';
    const parent = orgs.find((o) => o.id === parentId);
    if (!parent) return `parent org ${parentId} does not exist`;
    if (ORG_LEVEL[kind] <= ORG_LEVEL[parent.kind]) return `a ${kind} cannot be placed under a ${parent.kind}`;
  }
  if (id !== undefined) {
    const child = orgs.find((o) => o.parentId === id && ORG_LEVEL[o.kind] <= ORG_LEVEL[kind]);
    if (child) return `org ${child.id} (${child.kind}) below it cannot be under a ${kind}`;
  }
  return undefined;
}

/** For every org, the ids of the orgs in its subtree (itself included). */
export function subtrees(orgs: readonly OrgItem[]): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const o of orgs) {
    if (o.parentId === null) continue;
    const list = children.get(o.parentId);
    if (list) list.push(o.id);
    else children.set(o.parentId, [o.id]);
  }
  const out = new Map<number, number[]>();
  for (const o of orgs) {
    const ids: number[] = [];
    const stack = [o.id];
    // Levels grow strictly downwards, so the walk cannot loop; the guard is for a corrupt table.
    while (stack.length > 0 && ids.length <= orgs.length) {
      const next = stack.pop();
      if (next === undefined) break;
      ids.push(next);
      stack.push(...(children.get(next) ?? []));
    }
    out.set(o.id, ids);
  }
  return out;
}
