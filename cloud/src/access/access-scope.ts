import { CodedError, roleCan, type Permission, type UserRole } from '../../../protocol/index.js';

/** The user a request or viewer socket acts as. */
export interface AuthUser {
  id: number;
  username: string;
  role: UserRole;
  orgId: number | null;
  siteId: number | null;
}

/** Where a camera belongs, from the directory; undefined for a camera nobody placed at a site yet. */
export type CameraSiteLookup = (cameraId: string) => number | undefined;

/**
 * What one user may see and do, resolved once per request (or socket) from the user's role and scope.
 * Administrators see everything. Operators and regulators see the sites of their org subtree; site users
 * see their own site. A camera is seen through its site (the directory record); a camera nobody placed
 * at a site yet is seen by administrators only.
 *
 * Anything out of scope is reported as not found, never as forbidden, so ids of other sites' cameras and
 * events cannot be probed.
 */
export class AccessScope {
  private constructor(
    readonly user: AuthUser,
    /** null: everything (administrators). */
    private readonly orgs: ReadonlySet<number> | null,
    private readonly sites: ReadonlySet<number> | null,
    private readonly cameraSite: CameraSiteLookup,
  ) {}

  /** Everything, for administrators. */
  static all(user: AuthUser, cameraSite: CameraSiteLookup): AccessScope {
    return new AccessScope(user, null, null, cameraSite);
  }

  /** Exactly these orgs and sites. */
  static limited(user: AuthUser, orgIds: Iterable<number>, siteIds: Iterable<number>, cameraSite: CameraSiteLookup): AccessScope {
    return new AccessScope(user, new Set(orgIds), new Set(siteIds), cameraSite);
  }

  /** True for administrators: no filter applies. */
  get isAll(): boolean {
    return this.sites === null;
  }

  can(permission: Permission): boolean {
    return roleCan(this.user.role, permission);
  }

  /** @throws CodedError FORBIDDEN when the role lacks the permission */
  require(permission: Permission): void {
    if (!this.can(permission)) throw new CodedError('FORBIDDEN', `the ${this.user.role} role may not ${permission}`);
  }

  seesOrg(orgId: number): boolean {
    return this.orgs === null || this.orgs.has(orgId);
  }

  seesSite(siteId: number): boolean {
    return this.sites === null || this.sites.has(siteId);
  }

  seesCamera(cameraId: string): boolean {
    if (this.sites === null) return true;
    const siteId = this.cameraSite(cameraId);
    return siteId !== undefined && this.sites.has(siteId);
  }

  /** @throws CodedError NOT_FOUND when the camera is out of scope (as if it did not exist) */
  requireCamera(cameraId: string): void {
    if (!this.seesCamera(cameraId)) throw new CodedError('NOT_FOUND', `no camera ${cameraId}`);
  }

  /** @throws CodedError NOT_FOUND when the site is out of scope */
  requireSite(siteId: number): void {
    if (!this.seesSite(siteId)) throw new CodedError('NOT_FOUND', `no site ${siteId}`);
  }

  /** @throws CodedError NOT_FOUND when the org is out of scope */
  requireOrg(orgId: number): void {
    if (!this.seesOrg(orgId)) throw new CodedError('NOT_FOUND', `no org ${orgId}`);
  }

  /** The site ids for SQL filters (`site_id IN json_each(?)`), null when no filter applies. */
  siteIds(): number[] | null {
    return this.sites === null ? null : [...this.sites];
  }

  /** The org ids in scope, null when no filter applies. Site users have none (they see only their site). */
  orgIds(): number[] | null {
    return this.orgs === null ? null : [...this.orgs];
  }
}
