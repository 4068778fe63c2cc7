import { lazy, type ComponentType, type LazyExoticComponent } from 'react';
import { PAGE_TABLE, type PageEntry, type PageId } from './page-table.js';

/** Props every routed page gets: the part of the path after the page's own prefix (an event id). */
export interface PageProps {
  rest: string;
}

/** One page of the viewer: its table entry (see page-table.ts) and its lazily loaded component. */
export interface PageDef extends PageEntry {
  component: LazyExoticComponent<ComponentType<PageProps>>;
}

// Each page is its own chunk: the health page pulls in ECharts and the camera grid mpegts.js, which
// a wall showing only alerts never needs.
const COMPONENTS: Readonly<Record<PageId, PageDef['component']>> = {
  'my-site': lazy(() => import('../pages/my-site-page.js')),
  dashboard: lazy(() => import('../pages/dashboard-page.js')),
  alerts: lazy(() => import('../pages/alert-wall-page.js')),
  cameras: lazy(() => import('../pages/camera-grid-page.js')),
  events: lazy(() => import('../pages/event-review-page.js')),
  footage: lazy(() => import('../pages/footage-page.js')),
  health: lazy(() => import('../pages/camera-health-page.js')),
  admin: lazy(() => import('../pages/admin-page.js')),
};

export const PAGES: readonly PageDef[] = PAGE_TABLE.map((p) => ({ ...p, component: COMPONENTS[p.id] }));
