import Type, { type Static } from 'typebox';

/**
 * Who a user is in the programme:
 * - `admin`: everything, including users, orgs, sites, cameras and the audit log;
 * - `operator`: a monitoring centre — live alerts and the workflow (受理, 分拨, 误报) of its org subtree;
 * - `regulator`: market supervision or a construction authority — its jurisdiction's (org subtree's)
 *   sites, footage review, re-check (复核) and supervision (督办);
 * - `site`: a school canteen, restaurant or worksite — its own site only, its own alerts and
 *   rectifications (处置).
 */
export const UserRole = Type.Union(
  [Type.Literal('admin'), Type.Literal('operator'), Type.Literal('regulator'), Type.Literal('site')],
  { description: 'admin | operator (monitoring centre) | regulator | site (school, restaurant, worksite)' },
);
export type UserRole = Static<typeof UserRole>;

export const USER_ROLES: readonly UserRole[] = ['admin', 'operator', 'regulator', 'site'];

/**
 * What a role may do, checked on the server for every request; the viewer uses the same table to
 * show only the actions a user can take. Scope (which orgs, sites and cameras) is checked separately.
 */
export const Permission = Type.Union([
  Type.Literal('events.read'),
  Type.Literal('live.view'),
  Type.Literal('footage.review'),
  Type.Literal('evidence.export'),
  Type.Literal('stats.read'),
  Type.Literal('workflow.accept'),
  Type.Literal('workflow.dispatch'),
  Type.Literal('workflow.falseAlarm'),
  Type.Literal('workflow.handle'),
  Type.Literal('workflow.recheck'),
  Type.Literal('workflow.supervise'),
  Type.Literal('directory.read'),
  Type.Literal('admin'),
  Type.Literal('audit.read'),
]);
export type Permission = Static<typeof Permission>;

export const ROLE_PERMISSIONS: Readonly<Record<UserRole, readonly Permission[]>> = Object.freeze({
  admin: [
    'events.read', 'live.view', 'footage.review', 'evidence.export', 'stats.read',
    'workflow.accept', 'workflow.dispatch', 'workflow.falseAlarm', 'workflow.handle', 'workflow.recheck',
    'workflow.supervise', 'directory.read', 'admin', 'audit.read',
  ],
  operator: [
    'events.read', 'live.view', 'footage.review', 'evidence.export', 'stats.read',
    'workflow.accept', 'workflow.dispatch', 'workflow.falseAlarm', 'directory.read',
  ],
  regulator: [
    'events.read', 'live.view', 'footage.review', 'evidence.export', 'stats.read',
    'workflow.recheck', 'workflow.supervise', 'directory.read',
  ],
  site: ['events.read', 'live.view', 'stats.read', 'workflow.handle', 'directory.read'],
});

/** Whether a role has a permission. */
export function roleCan(role: UserRole, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}
