import type { UserRole } from '../../../../protocol/access.js';

/**
 * The roles in the order the user form offers them. Re-declared rather than imported: protocol/access.ts
 * is a TypeBox module, and the viewer keeps TypeBox out of its bundle; `satisfies` keeps the list honest.
 */
export const USER_ROLES_VIEW = ['operator', 'regulator', 'site', 'admin'] as const satisfies readonly UserRole[];
