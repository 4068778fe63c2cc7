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
// a wall showing only alerts never needs. Regulator, school and site pages join with their roles.
export const PAGES: readonly PageDef[] = [
  { id: 'alerts', path: '/alerts', nav: 'nav.alerts', roles: [], component: lazy(() => import('../pages/alert-wall-page.js')) },
  { id: 'cameras', path: '/cameras', nav: 'nav.cameras', roles: [], component: lazy(() => import('../pages/camera-grid-page.js')) },
  { id: 'events', path: '/events', nav: 'nav.events', roles: [], component: lazy(() => import('../pages/event-review-page.js')) },
  { id: 'health', path: '/health', nav: 'nav.health', roles: [], component: lazy(() => import('../pages/camera-health-page.js')) },
];
