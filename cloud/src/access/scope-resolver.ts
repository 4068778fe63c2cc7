import type { Repositories } from '../db/repositories.js';
import { subtrees } from '../directory/org-tree.js';
import { AccessScope, type AuthUser } from './access-scope.js';

/**
 * Builds the {@link AccessScope} of a user from the current org tree, sites and directory. Read per
 * request: a site moved to another org, or a camera placed at a site, counts from the next request.
 */
export class ScopeResolver {
  constructor(private readonly repos: Repositories) {}

  resolve(user: AuthUser): AccessScope {
    const cameraSite = (cameraId: string): number | undefined => this.repos.directory.get(cameraId)?.siteId;
    switch (user.role) {
      case 'admin':
        return AccessScope.all(user, cameraSite);
      case 'site':
        return AccessScope.limited(user, [], user.siteId === null ? [] : [user.siteId], cameraSite);
      case 'operator':
      case 'regulator': {
        if (user.orgId === null) return AccessScope.limited(user, [], [], cameraSite);
        const orgIds = subtrees(this.repos.orgs.list()).get(user.orgId) ?? [];
        const siteIds = this.repos.sites.listInOrgs(orgIds).map((s) => s.id);
        return AccessScope.limited(user, orgIds, siteIds, cameraSite);
      }
    }
  }
}
