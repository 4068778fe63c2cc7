import type { Permission, UserRole } from '../../../../protocol/access.js';

/** What role-based navigation needs to know of a page. */
export interface PageAccess {
  path: string;
  /** Permissions the user must all hold (see protocol/access.ts ROLE_PERMISSIONS). */
  permissions: readonly Permission[];
  /**
   * When given, only these roles see the page even with the permissions: views made for one kind of
   * user (本单位 for site users, the regulator dashboard). The cloud checks every route regardless.
   */
  roles?: readonly UserRole[];
}

/** The part of the signed-in user that decides navigation. */
export interface Viewer {
  role: UserRole;
  permissions: readonly Permission[];
}

export function canSee(page: PageAccess, viewer: Viewer): boolean {
  return (page.roles === undefined || page.roles.includes(viewer.role)) && page.permissions.every((p) => viewer.permissions.includes(p));
}

/** The pages a user sees, in the given (navigation) order. */
export function pagesFor<P extends PageAccess>(pages: readonly P[], viewer: Viewer): P[] {
  return pages.filter((p) => canSee(p, viewer));
}

/** Where each role starts: site users their own site, operators the wall, regulators the dashboard. */
export const HOME_BY_ROLE: Readonly<Record<UserRole, string>> = {
  admin: '/alerts',
  operator: '/alerts',
  regulator: '/dashboard',
  site: '/my-site',
};

/** The page answering a path, with the decoded rest of the path after its prefix (an event id). */
export function matchPage<P extends PageAccess>(pages: readonly P[], path: string): { page: P; rest: string } | null {
  for (const page of pages) {
    if (path === page.path) return { page, rest: '' };
    if (path.startsWith(`${page.path}/`)) {
      try {
        return { page, rest: decodeURIComponent(path.slice(page.path.length + 1)) };
      } catch {
        // A malformed %-escape names no page.
        return null;
      }
    }
  }
  return null;
}

/** What to show for a path. */
export type Route<P> =
  | { kind: 'page'; page: P; rest: string }
  /** `/`, `/login`: go to the role's home page (null: the role has none). */
  | { kind: 'home'; to: string | null }
  /** A page exists there, but not for this user. */
  | { kind: 'forbidden' }
  | { kind: 'notFound' };

/**
 * Resolves a path for a user: one of the user's pages, a redirect home, "no access" for another
 * role's page typed in by hand, or "not found".
 */
export function resolveRoute<P extends PageAccess>(all: readonly P[], viewer: Viewer, path: string): Route<P> {
  const mine = pagesFor(all, viewer);
  if (path === '/' || path === '/login' || path === '') {
    const preferred = HOME_BY_ROLE[viewer.role];
    const home = mine.find((p) => p.path === preferred) ?? mine[0];
    return { kind: 'home', to: home?.path ?? null };
  }
  const match = matchPage(mine, path);
  if (match) return { kind: 'page', ...match };
  return matchPage(all, path) ? { kind: 'forbidden' } : { kind: 'notFound' };
}
