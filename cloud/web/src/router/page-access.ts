/** What role-based navigation needs to know of a page. */
export interface PageAccess {
  path: string;
  /**
   * Roles besides `admin` that see the page. A page lists its roles explicitly, so a new role sees
   * nothing until its pages are chosen; the cloud checks access on every route regardless.
   */
  roles: readonly string[];
}

/** The pages a role sees, in the given (navigation) order. */
export function pagesFor<P extends PageAccess>(pages: readonly P[], role: string): P[] {
  return pages.filter((p) => role === 'admin' || p.roles.includes(role));
}

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
