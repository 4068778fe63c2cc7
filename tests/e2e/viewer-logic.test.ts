import { describe, expect, it } from 'vitest';
import { sessionFromToken } from '../../cloud/web/src/api/session.js';
import { en, zh, type MessageKey } from '../../cloud/web/src/i18n/messages.js';
import { MAX_ALERTS, mergeAlerts } from '../../cloud/web/src/live/alert-list.js';
import { matchPage, pagesFor, type PageAccess } from '../../cloud/web/src/router/page-access.js';
import type { EventItem } from '../../protocol/index.js';

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

  it('shows admins every page and other roles only the pages that list them', () => {
    const pages: (PageAccess & { id: string })[] = [
      { id: 'alerts', path: '/alerts', roles: ['operator'] },
      { id: 'events', path: '/events', roles: ['operator', 'regulator'] },
      { id: 'admin', path: '/admin', roles: [] },
    ];
    expect(pagesFor(pages, 'admin').map((p) => p.id)).toEqual(['alerts', 'events', 'admin']);
    expect(pagesFor(pages, 'regulator').map((p) => p.id)).toEqual(['events']);
    expect(pagesFor(pages, 'someone-new')).toEqual([]);
    expect(matchPage(pages, '/events')).toMatchObject({ page: { id: 'events' }, rest: '' });
    expect(matchPage(pages, '/events/ab%20c')).toMatchObject({ page: { id: 'events' }, rest: 'ab c' });
    expect(matchPage(pages, '/eventsx')).toBeNull();
    expect(matchPage(pages, '/events/%E0%A4%A')).toBeNull();
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

  it('reads username, role and expiry from a token, and refuses what is not a JWT', () => {
    const b64 = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
    const token = `${b64({ alg: 'HS256' })}.${b64({ sub: '1', username: '管理员', role: 'admin', exp: 2_000_000_000 })}.sig`;
    expect(sessionFromToken(token)).toEqual({ token, username: '管理员', role: 'admin', expiresAt: 2_000_000_000_000 });
    expect(sessionFromToken('not-a-token')).toBeNull();
    expect(sessionFromToken(`${b64({})}.${b64({ username: 'x' })}.s`)).toBeNull();
    expect(sessionFromToken('a.@@@.c')).toBeNull();
  });
});
