import { describe, expect, it } from 'vitest';
import { auditQuery, EMPTY_AUDIT_FILTER } from '../../cloud/web/src/admin/audit-query.js';
import { cameraRows } from '../../cloud/web/src/admin/camera-rows.js';
import { orgPathName, orgTreeRows, subtreeIds } from '../../cloud/web/src/admin/org-tree.js';
import { ApiError } from '../../cloud/web/src/api/api-client.js';
import { errorText } from '../../cloud/web/src/api/error-text.js';
import { en, zh, type MessageKey } from '../../cloud/web/src/i18n/messages.js';
import { MAX_ALERTS, mergeAlerts } from '../../cloud/web/src/live/alert-list.js';
import { matchPage, pagesFor, resolveRoute, type PageAccess } from '../../cloud/web/src/router/page-access.js';
import { PAGE_TABLE as PAGES } from '../../cloud/web/src/router/page-table.js';
import {
  actionPath,
  canAcceptFromWall,
  deadlineStatus,
  formsFor,
  mergeWorkflow,
  workflowItemOf,
} from '../../cloud/web/src/workflow/workflow-logic.js';
import { ROLE_PERMISSIONS, USER_ROLES, type DirectoryRecord, type EventItem, type OrgItem, type UserRole, type WorkflowItem } from '../../protocol/index.js';

const viewer = (role: UserRole): { role: UserRole; permissions: readonly (typeof ROLE_PERMISSIONS)[UserRole][number][] } => ({ role, permissions: ROLE_PERMISSIONS[role] });

/** The viewer's pure parts, without a browser: dictionaries, role-based pages, the alert list, token claims. */
describe('viewer logic', () => {
  it('has every message in both languages with the same placeholders', () => {
    const vars = (s: string): string[] => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '').sort();
    for (const key of Object.keys(zh) as MessageKey[]) {
      expect(en[key].trim(), key).not.toBe('');
      expect(vars(en[key]), key).toEqual(vars(zh[key]));
    }
    expect(Object.keys(en).sort()).toEqual(Object.keys(zh).sort());
  });

  it('shows a page to users holding all its permissions, narrowed to its roles when it names them', () => {
    const pages: (PageAccess & { id: string })[] = [
      { id: 'alerts', path: '/alerts', permissions: ['events.read'], roles: ['admin', 'operator'] },
      { id: 'events', path: '/events', permissions: ['events.read'] },
      { id: 'admin', path: '/admin', permissions: ['admin'] },
    ];
    expect(pagesFor(pages, viewer('admin')).map((p) => p.id)).toEqual(['alerts', 'events', 'admin']);
    expect(pagesFor(pages, viewer('regulator')).map((p) => p.id)).toEqual(['events']);
    expect(pagesFor(pages, { role: 'site', permissions: [] })).toEqual([]);
    expect(matchPage(pages, '/events')).toMatchObject({ page: { id: 'events' }, rest: '' });
    expect(matchPage(pages, '/events/ab%20c')).toMatchObject({ page: { id: 'events' }, rest: 'ab c' });
    expect(matchPage(pages, '/eventsx')).toBeNull();
    expect(matchPage(pages, '/events/%E0%A4%A')).toBeNull();
  });

  it('gives each role its pages and home, and answers another role\'s page with "no access"', () => {
    const ids = (role: UserRole): string[] => pagesFor(PAGES, viewer(role)).map((p) => p.id);
    expect(ids('site')).toEqual(['my-site', 'events']);
    expect(ids('operator')).toEqual(['alerts', 'cameras', 'events', 'footage', 'health']);
    expect(ids('regulator')).toEqual(['dashboard', 'alerts', 'cameras', 'events', 'footage', 'health']);
    expect(ids('admin')).toEqual(['dashboard', 'alerts', 'cameras', 'events', 'footage', 'health', 'admin']);
    const home = (role: UserRole): unknown => resolveRoute(PAGES, viewer(role), '/');
    expect(home('site')).toEqual({ kind: 'home', to: '/my-site' });
    expect(home('operator')).toEqual({ kind: 'home', to: '/alerts' });
    expect(home('regulator')).toEqual({ kind: 'home', to: '/dashboard' });
    expect(home('admin')).toEqual({ kind: 'home', to: '/alerts' });
    expect(resolveRoute(PAGES, viewer('site'), '/login')).toEqual({ kind: 'home', to: '/my-site' });
    for (const path of ['/admin', '/admin/users', '/alerts', '/cameras?layout=4', '/health', '/dashboard']) {
      expect(resolveRoute(PAGES, viewer('site'), path.split('?')[0] ?? path), path).toEqual({ kind: 'forbidden' });
    }
    expect(resolveRoute(PAGES, viewer('operator'), '/admin/audit')).toEqual({ kind: 'forbidden' });
    expect(resolveRoute(PAGES, viewer('site'), '/nonsense')).toEqual({ kind: 'notFound' });
    expect(resolveRoute(PAGES, viewer('site'), '/events/e-1')).toMatchObject({ kind: 'page', page: { id: 'events' }, rest: 'e-1' });
    expect(resolveRoute(PAGES, viewer('admin'), '/admin/orgs')).toMatchObject({ kind: 'page', page: { id: 'admin' }, rest: 'orgs' });
    // Every role reaches at least its home page.
    for (const role of USER_ROLES) expect(resolveRoute(PAGES, viewer(role), '/')).not.toEqual({ kind: 'home', to: null });
  });

  it('keeps alerts newest first, one per id, ignoring a version older than the one held', () => {
    const ev = (id: string, startedAt: number, updatedAt = startedAt, phase: EventItem['phase'] = 'start'): EventItem => ({
      id, edgeId: 'e', cameraId: 'c', ruleId: 'r', type: 'presence', severity: 2, label: 'person', topScore: 0.9, phase,
      startedAt, updatedAt, endedAt: null, endReason: null, detections: [], snapshotUrl: null,
      thumbnailUrl: null, clipUrl: null, clip: null, zoneId: null, name: null,
    });
    let list = mergeAlerts([], [ev('a', 1000), ev('b', 3000), ev('c', 2000)]);
    expect(list.map((e) => e.id)).toEqual(['b', 'c', 'a']);
    list = mergeAlerts(list, [ev('c', 2000, 5000, 'end')]);
    expect(list.find((e) => e.id === 'c')?.phase).toBe('end');
    const same = mergeAlerts(list, [ev('c', 2000, 4000, 'update')]);
    expect(same).toBe(list);
    const many = mergeAlerts([], Array.from({ length: MAX_ALERTS + 10 }, (_, i) => ev(`x${i}`, i)));
    expect(many).toHaveLength(MAX_ALERTS);
    expect(many[0]?.id).toBe(`x${MAX_ALERTS + 9}`);
  });

  it('offers the workflow forms the cloud allows and the role holds, in working order', () => {
    expect(formsFor(['recheck_fail', 'accept', 'false_alarm', 'dispatch', 'recheck_pass', 'escalate', 'discover'], ROLE_PERMISSIONS.admin)).toEqual([
      'accept', 'dispatch', 'recheck', 'supervise', 'false_alarm',
    ]);
    // A stale or odd answer never offers what the role cannot do.
    expect(formsFor(['accept', 'handle', 'recheck_pass'], ROLE_PERMISSIONS.site)).toEqual(['handle']);
    expect(formsFor(['accept', 'dispatch', 'false_alarm', 'escalate'], ROLE_PERMISSIONS.operator)).toEqual(['accept', 'dispatch', 'false_alarm']);
    expect(formsFor(['recheck_pass', 'recheck_fail', 'escalate'], ROLE_PERMISSIONS.regulator)).toEqual(['recheck', 'supervise']);
    expect(formsFor([], ROLE_PERMISSIONS.admin)).toEqual([]);
    expect(actionPath('e 1/x', 'false_alarm')).toBe('/api/events/e%201%2Fx/workflow/false-alarm');
    expect(actionPath('e1', 'supervise')).toBe('/api/events/e1/workflow/supervise');
    expect(actionPath('e1', 'recheck')).toBe('/api/events/e1/workflow/recheck');
  });

  it('offers one-click 受理 only to roles that accept, on events waiting for it', () => {
    expect(canAcceptFromWall(undefined, ROLE_PERMISSIONS.operator)).toBe(true);
    expect(canAcceptFromWall('new', ROLE_PERMISSIONS.operator)).toBe(true);
    expect(canAcceptFromWall('accepted', ROLE_PERMISSIONS.operator)).toBe(false);
    expect(canAcceptFromWall('new', ROLE_PERMISSIONS.regulator)).toBe(false);
    expect(canAcceptFromWall('new', ROLE_PERMISSIONS.site)).toBe(false);
  });

  it('keeps the newer version of a workflow item, reads action answers and judges deadlines', () => {
    const wf = (eventId: string, state: WorkflowItem['state'], updatedAt: number, over: Partial<WorkflowItem> = {}): WorkflowItem => ({
      eventId, cameraId: 'c', eventType: 'helmet', severity: 1, state, siteId: 1, orgId: 1, assigneeOrgId: null, assigneeUserId: null, deadlineAt: null, escalationLevel: 0,
      overdue: false, evaluation: null, createdAt: 0, updatedAt, closedAt: null, ...over,
    });
    const a1 = wf('a', 'new', 1);
    let index = mergeWorkflow(new Map(), [a1, wf('b', 'new', 1)]);
    expect([...index.keys()]).toEqual(['a', 'b']);
    index = mergeWorkflow(index, [wf('a', 'accepted', 5)]);
    expect(index.get('a')?.state).toBe('accepted');
    const same = mergeWorkflow(index, [wf('a', 'new', 2)]);
    expect(same).toBe(index);
    expect(workflowItemOf({ item: a1, timeline: [], allowedActions: [] })).toBe(a1);
    expect(workflowItemOf(a1)).toBe(a1);
    expect(workflowItemOf({ ok: true })).toBeNull();
    expect(workflowItemOf(null)).toBeNull();
    const now = 1_000_000_000;
    expect(deadlineStatus(wf('c', 'dispatched', 1, { deadlineAt: now - 1 }), now)).toBe('overdue');
    expect(deadlineStatus(wf('c', 'dispatched', 1, { deadlineAt: now + 3600_000 }), now)).toBe('soon');
    expect(deadlineStatus(wf('c', 'dispatched', 1, { deadlineAt: now + 86_400_000 }), now)).toBe('ok');
    expect(deadlineStatus(wf('c', 'dispatched', 1, { deadlineAt: now + 86_400_000, overdue: true }), now)).toBe('overdue');
    expect(deadlineStatus(wf('c', 'closed', 1, { deadlineAt: now - 1 }), now)).toBeNull();
    expect(deadlineStatus(wf('c', 'new', 1), now)).toBeNull();
  });

  it('shows the org tree depth-first, names paths, and knows which orgs lie below one', () => {
    const org = (id: number, name: string, parentId: number | null, kind: OrgItem['kind']): OrgItem => ({ id, name, parentId, kind, createdAt: 0, updatedAt: 0 });
    const orgs = [org(3, '朝阳区', 1, 'district'), org(1, '北京市', null, 'city'), org(4, '望京街道', 3, 'street'), org(2, '东城区', 1, 'district'), org(9, '孤儿', 77, 'bureau')];
    // Siblings in pinyin order (朝 chao before 东 dong), as Chinese lists are read.
    expect(orgTreeRows(orgs).map((r) => `${r.depth}:${r.org.name}`)).toEqual(['0:北京市', '1:朝阳区', '2:望京街道', '1:东城区', '0:孤儿']);
    expect(orgPathName(orgs, 4)).toBe('北京市 / 朝阳区 / 望京街道');
    expect(orgPathName(orgs, 123)).toBe('#123');
    expect([...subtreeIds(orgs, 1)].sort()).toEqual([1, 2, 3, 4]);
    expect([...subtreeIds(orgs, 3)].sort()).toEqual([3, 4]);
    // A cycle in a bad answer must not hang the page.
    expect(orgTreeRows([org(1, 'a', 2, 'city'), org(2, 'b', 1, 'city')])).toEqual([]);
  });

  it('builds audit queries from the filled-in filters only, and lists declared and catalogued cameras once', () => {
    expect(auditQuery(EMPTY_AUDIT_FILTER, null)).toBe('/api/audit?limit=100');
    const q = new URL(auditQuery({ ...EMPTY_AUDIT_FILTER, userId: '7', action: ' user.create ', targetKind: 'user', from: '2024-05-01T08:00' }, 42), 'http://x');
    expect(Object.fromEntries(q.searchParams)).toEqual({ limit: '100', userId: '7', action: 'user.create', targetKind: 'user', from: String(new Date('2024-05-01T08:00').getTime()), before: '42' });
    const rec = (cameraId: string): DirectoryRecord => ({ cameraId, name: `目录 ${cameraId}`, siteId: 1, gbId: null, longitude: null, latitude: null, createdAt: 0, updatedAt: 0, problems: [] });
    const rows = cameraRows(new Map([['cam-b', { name: 'B' }], ['cam-a', { name: 'A' }]]), [rec('cam-a'), rec('cam-z')]);
    expect(rows.map((r) => [r.cameraId, r.declaredName, r.record?.name ?? null])).toEqual([
      ['cam-a', 'A', '目录 cam-a'],
      ['cam-b', 'B', null],
      ['cam-z', null, '目录 cam-z'],
    ]);
  });

  it('words a refusal of the cloud with its kind and the cloud\'s message', () => {
    const t = (key: MessageKey, vars?: Record<string, string | number>): string => zh[key].replace(/\{(\w+)\}/g, (w, n: string) => String(vars?.[n] ?? w));
    const tKnown = (key: string, fallback: string): string => (key in zh ? zh[key as MessageKey] : fallback);
    expect(errorText(new ApiError(409, 'CONFLICT', 'event is closed'), { t, tKnown })).toBe('与现有数据或当前状态冲突：event is closed');
    expect(errorText(new ApiError(418, 'TEAPOT', 'short and stout'), { t, tKnown })).toBe('TEAPOT：short and stout');
    expect(errorText(new Error('boom'), { t, tKnown })).toBe('出错了：boom');
  });
});
