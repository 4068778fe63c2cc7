import { lazy, type ComponentType, type LazyExoticComponent } from 'react';
import type { MessageKey } from '../i18n/messages.js';
import type { PageAccess } from './page-access.js';

/** Props every routed page gets: the part of the path after the page's own prefix (an event id). */
export interface PageProps {
  rest: string;
}

/** One page of the viewer and who may see it (see {@link PageAccess}). */
export interface PageDef extends PageAccess {
  id: string;
  nav: MessageKey;
  component: LazyExoticComponent<ComponentType<PageProps>>;
}

// Each page is its own chunk: the health page pulls in ECharts and the camera grid mpegts.js, which
// a wall showing only alerts never needs. Navigation order: the role-specific home views first.
export const PAGES: readonly PageDef[] = [
  { id: 'my-site', path: '/my-site', nav: 'nav.mySite', permissions: ['events.read', 'live.view'], roles: ['site'], component: lazy(() => import('../pages/my-site-page.js')) },
  { id: 'dashboard', path: '/dashboard', nav: 'nav.dashboard', permissions: ['stats.read'], roles: ['regulator', 'admin'], component: lazy(() => import('../pages/dashboard-page.js')) },
  { id: 'alerts', path: '/alerts', nav: 'nav.alerts', permissions: ['events.read'], roles: ['admin', 'operator', 'regulator'], component: lazy(() => import('../pages/alert-wall-page.js')) },
  { id: 'cameras', path: '/cameras', nav: 'nav.cameras', permissions: ['live.view'], roles: ['admin', 'operator', 'regulator'], component: lazy(() => import('../pages/camera-grid-page.js')) },
  { id: 'events', path: '/events', nav: 'nav.events', permissions: ['events.read'], component: lazy(() => import('../pages/event-review-page.js')) },
  { id: 'health', path: '/health', nav: 'nav.health', permissions: ['stats.read', 'directory.read'], roles: ['admin', 'operator', 'regulator'], component: lazy(() => import('../pages/camera-health-page.js')) },
  { id: 'admin', path: '/admin', nav: 'nav.admin', permissions: ['admin'], component: lazy(() => import('../pages/admin-page.js')) },
];
