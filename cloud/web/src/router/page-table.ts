import type { MessageKey } from '../i18n/messages.js';
import type { PageAccess } from './page-access.js';

export type PageId = 'my-site' | 'dashboard' | 'alerts' | 'cameras' | 'events' | 'footage' | 'health' | 'admin';

/** A page's id, navigation label and who may see it (see {@link PageAccess}). */
export interface PageEntry extends PageAccess {
  id: PageId;
  nav: MessageKey;
}

/**
 * Every page, in navigation order (the role-specific home views first). Kept apart from the page
 * components so the access rules can be tested without a bundler.
 */
export const PAGE_TABLE: readonly PageEntry[] = [
  { id: 'my-site', path: '/my-site', nav: 'nav.mySite', permissions: ['events.read', 'live.view'], roles: ['site'] },
  { id: 'dashboard', path: '/dashboard', nav: 'nav.dashboard', permissions: ['stats.read'], roles: ['regulator', 'admin'] },
  { id: 'alerts', path: '/alerts', nav: 'nav.alerts', permissions: ['events.read'], roles: ['admin', 'operator', 'regulator'] },
  { id: 'cameras', path: '/cameras', nav: 'nav.cameras', permissions: ['live.view'], roles: ['admin', 'operator', 'regulator'] },
  { id: 'events', path: '/events', nav: 'nav.events', permissions: ['events.read'] },
  { id: 'footage', path: '/footage', nav: 'nav.footage', permissions: ['footage.review'], roles: ['admin', 'operator', 'regulator'] },
  { id: 'health', path: '/health', nav: 'nav.health', permissions: ['stats.read', 'directory.read'], roles: ['admin', 'operator', 'regulator'] },
  { id: 'admin', path: '/admin', nav: 'nav.admin', permissions: ['admin'] },
];
