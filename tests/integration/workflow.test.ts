import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Socket } from 'socket.io-client';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  AuditListResponse,
  ErrorReply,
  EventItem,
  NoticeItem,
  NoticeListResponse,
  TimelineEntry,
  WorkflowAttachment,
  WorkflowDetail,
  WorkflowListResponse,
  WorkflowUpdate,
} from '../../protocol/index.js';
import { CloudUnderTest, eventMessage, send, testCloudConfig, type ApiReply } from '../support/cloud-under-test.js';
import { tempDir, testMediaDir, waitFor } from '../support/harness.js';

const ADMIN_PASSWORD = 'workflow-test-admin-pw';
const EDGE_TOKEN = 'workflow-test-edge-token-0123456789';
const USER_PASSWORD = 'workflow-user-pw-0123';
const HOUR = 3600_000;

type Role = 'operator' | 'regulator' | 'cityRegulator' | 'site1' | 'site2';

describe('closed-loop workflow', () => {
  const tmp = tempDir('workflow');
  /** The workflow's clock: the test moves it instead of waiting for deadlines. */
  let clock = Date.now();
  let cloud: CloudUnderTest;
  let edge: Socket;
  const tokens = {} as Record<Role, string>;
  const userIds = {} as Record<Role, number>;
  const orgs = { city: 0, districtA: 0, streetA1: 0, districtB: 0 };
  const sites = { s1: 0, s2: 0 };
  const updates: WorkflowUpdate[] = [];
  const pushedNotices: NoticeItem[] = [];
  const photoFile = path.join(testMediaDir(), 'images', 'kitchen_cctv_kfc_hairnet_mask.jpg');
  const photo = readFileSync(photoFile);
  const photoSha = createHash('sha256').update(photo).digest('hex');
  const eventId = uuidv7();
  const falseAlarmId = uuidv7();

  const as = <T>(role: Role | 'admin', method: string, url: string, body?: unknown): Promise<ApiReply<T>> =>
    cloud.api<T>(method, url, body, role === 'admin' ? cloud.userToken : tokens[role]);
  const wf = (id: string) => `/api/events/${id}/workflow`;
  /** POSTs as the admin and returns the id of what was created. */
  const created = async (url: string, body: unknown): Promise<number> => {
    const r = await cloud.api<{ id: number }>('POST', url, body);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.id;
  };
  const detailOf = async (id: string, role: Role | 'admin' = 'admin'): Promise<WorkflowDetail> => {
    const r = await as<WorkflowDetail>(role, 'GET', wf(id));
    expect(r.status).toBe(200);
    return r.body;
  };
  const noticesOf = async (role: Role | 'admin'): Promise<NoticeItem[]> => {
    const r = await as<NoticeListResponse>(role, 'GET', '/api/notices?after=0');
    expect(r.status).toBe(200);
    return r.body.items;
  };
  /** A refused step: its code and message, and nothing about the item changed. */
  const refused = async (role: Role | 'admin', url: string, body: unknown, status: number, code: string): Promise<string> => {
    const before = await detailOf(eventId);
    const r = await as<ErrorReply>(role, 'POST', url, body);
    expect(r.status, JSON.stringify(r.body)).toBe(status);
    expect(r.body.error.code).toBe(code);
    const after = await detailOf(eventId);
    expect(after.item).toEqual(before.item);
    expect(after.timeline).toEqual(before.timeline);
    return r.body.error.message;
  };
  const upload = async (role: Role | 'admin', id: string, data: Buffer, name: string, type: string): Promise<ApiReply<unknown>> => {
    const form = new FormData();
    form.append('photo', new Blob([new Uint8Array(data)], { type }), name);
    const res = await fetch(`${cloud.base}/api/events/${id}/attachments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${role === 'admin' ? cloud.userToken : tokens[role]}` },
      body: form,
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  };

  beforeAll(async () => {
    const config = testCloudConfig(`${tmp.dir}/cloud`, ADMIN_PASSWORD, {
      edges: [{ id: 'edge-1', token: EDGE_TOKEN }],
      workflow: { sweepIntervalMs: 50 },
    });
    cloud = await CloudUnderTest.start(config, ADMIN_PASSWORD, { workflowNow: () => clock });
    cloud.app.bus.on('workflow', (u) => updates.push(u));
    cloud.app.bus.on('notice', (n) => pushedNotices.push(n));

    // city → district A → street A1 (site 1); city → district B (site 2)
    orgs.city = await created('/api/orgs', { name: 'City', kind: 'city' });
    orgs.districtA = await created('/api/orgs', { name: 'District A', kind: 'district', parentId: orgs.city });
    orgs.streetA1 = await created('/api/orgs', { name: 'Street A1', kind: 'street', parentId: orgs.districtA });
    orgs.districtB = await created('/api/orgs', { name: 'District B', kind: 'district', parentId: orgs.city });
    sites.s1 = await created('/api/sites', { orgId: orgs.streetA1, name: 'Canteen 1', kind: 'school_canteen' });
    sites.s2 = await created('/api/sites', { orgId: orgs.districtB, name: 'Restaurant 2', kind: 'restaurant' });
    expect((await cloud.api('PUT', '/api/cameras/cam-1/directory', { name: 'Kitchen 1', siteId: sites.s1 })).status).toBe(201);
    expect((await cloud.api('PUT', '/api/cameras/cam-2/directory', { name: 'Kitchen 2', siteId: sites.s2 })).status).toBe(201);

    const users: Record<Role, { role: string; orgId?: number; siteId?: number }> = {
      operator: { role: 'operator', orgId: orgs.districtA },
      regulator: { role: 'regulator', orgId: orgs.districtA },
      cityRegulator: { role: 'regulator', orgId: orgs.city },
      site1: { role: 'site', siteId: sites.s1 },
      site2: { role: 'site', siteId: sites.s2 },
    };
    for (const [name, fields] of Object.entries(users) as [Role, (typeof users)[Role]][]) {
      userIds[name] = await created('/api/users', { username: name, password: USER_PASSWORD, ...fields });
      const login = await cloud.api<{ token: string }>('POST', '/api/auth/login', { username: name, password: USER_PASSWORD }, null);
      expect(login.status).toBe(200);
      tokens[name] = login.body.token;
    }

    edge = await cloud.helloEdge('edge-1', EDGE_TOKEN, ['cam-1', 'cam-2']);
    for (const id of [eventId, falseAlarmId]) {
      const ack = await send(edge, 'event', eventMessage({ id, seq: 0, phase: 'start', cameraId: 'cam-1', edgeId: 'edge-1', severity: 1 }));
      expect(ack).toEqual({ ok: true });
    }
  });

  afterAll(async () => {
    await cloud?.close();
    tmp.remove();
  });

  it('opens an item when the event is stored, and tells both the site and its org (双推送)', async () => {
    const detail = await detailOf(eventId, 'operator');
    expect(detail.item).toMatchObject({
      eventId,
      state: 'new',
      cameraId: 'cam-1',
      eventType: 'helmet',
      severity: 1,
      siteId: sites.s1,
      orgId: orgs.streetA1,
      assigneeOrgId: null,
      deadlineAt: null,
      escalationLevel: 0,
      overdue: false,
      evaluation: null,
      closedAt: null,
    });
    expect(detail.timeline).toEqual([
      expect.objectContaining({ action: 'discover', fromState: null, toState: 'new', user: null, note: null, attachments: [] }),
    ]);
    expect(detail.allowedActions).toEqual(['accept', 'dispatch', 'false_alarm']);
    expect((await detailOf(eventId, 'site1')).allowedActions).toEqual([]);

    const event = await as<EventItem>('operator', 'GET', `/api/events/${eventId}`);
    expect(event.body.workflowState).toBe('new');

    const toSite = (await noticesOf('site1')).filter((n) => n.eventId === eventId);
    expect(toSite).toEqual([expect.objectContaining({ kind: 'new_event', toSiteId: sites.s1, toOrgId: null, toUserId: null })]);
    const toOrg = (await noticesOf('operator')).filter((n) => n.eventId === eventId);
    expect(toOrg).toEqual([expect.objectContaining({ kind: 'new_event', toOrgId: orgs.streetA1, toSiteId: null })]);
    expect((await noticesOf('regulator')).filter((n) => n.eventId === eventId)).toHaveLength(1);
    expect((await noticesOf('site2')).filter((n) => n.eventId === eventId)).toEqual([]);
    // Published on the bus as well, for the viewer sockets.
    expect(updates.filter((u) => u.item.eventId === eventId).map((u) => u.entry.action)).toEqual(['discover']);
    expect(pushedNotices.filter((n) => n.eventId === eventId && n.kind === 'new_event')).toHaveLength(2);
  });

  it('refuses illegal steps with clear errors and changes nothing', async () => {
    expect(await refused('site1', `${wf(eventId)}/handle`, { note: 'fixed', attachments: [] }, 409, 'CONFLICT')).toBe(
      'cannot handle an item in state new; it must be dispatched first',
    );
    expect(await refused('site1', `${wf(eventId)}/accept`, {}, 403, 'FORBIDDEN')).toBe('the site role may not accept an item');
    expect(await refused('regulator', `${wf(eventId)}/recheck`, { pass: true, note: 'ok' }, 409, 'CONFLICT')).toBe(
      'cannot re-check an item in state new; it must be handled first',
    );
    expect(await refused('regulator', `${wf(eventId)}/supervise`, { note: 'hurry' }, 409, 'CONFLICT')).toContain(
      'only an accepted or dispatched item can be escalated',
    );
    await refused('operator', `${wf(eventId)}/false-alarm`, {}, 400, 'BAD_REQUEST');
    await refused('operator', `${wf(eventId)}/accept`, { note: 'x', extra: 1 }, 400, 'BAD_REQUEST');
  });

  it('lets exactly one of two simultaneous 受理 win', async () => {
    const replies = await Promise.all([
      as<WorkflowDetail | ErrorReply>('operator', 'POST', `${wf(eventId)}/accept`, { note: 'on it' }),
      as<WorkflowDetail | ErrorReply>('admin', 'POST', `${wf(eventId)}/accept`, { note: 'me too' }),
    ]);
    expect(replies.map((r) => r.status).sort()).toEqual([200, 409]);
    const loser = replies.find((r) => r.status === 409)?.body as ErrorReply;
    expect(loser.error.code).toBe('CONFLICT');
    const detail = await detailOf(eventId);
    expect(detail.item.state).toBe('accepted');
    expect(detail.timeline.filter((t) => t.action === 'accept')).toHaveLength(1);
    // Accepted: due within the severity-1 tier (2 h) of acceptance.
    expect(detail.item.deadlineAt).toBe(clock + 2 * HOUR);
  });

  it('dispatches to the site org by default, checking the target against the caller scope', async () => {
    expect(await refused('operator', `${wf(eventId)}/dispatch`, { orgId: orgs.districtB }, 404, 'NOT_FOUND')).toBe(
      `no org ${orgs.districtB}`,
    );
    expect(await refused('operator', `${wf(eventId)}/dispatch`, { userId: userIds.site2 }, 400, 'BAD_REQUEST')).toContain(
      "cannot see this event's site",
    );
    await refused('operator', `${wf(eventId)}/dispatch`, { deadlineAt: clock - 1 }, 400, 'BAD_REQUEST');

    const r = await as<WorkflowDetail>('operator', 'POST', `${wf(eventId)}/dispatch`, { note: 'please fix the hairnets' });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.item).toMatchObject({
      state: 'dispatched',
      assigneeOrgId: orgs.streetA1,
      assigneeUserId: null,
      deadlineAt: clock + 2 * HOUR,
    });
    expect(r.body.allowedActions).toEqual(['false_alarm']);
    expect((await detailOf(eventId, 'site1')).allowedActions).toEqual(['handle']);
    const dispatched = (await noticesOf('admin')).filter((n) => n.eventId === eventId && n.kind === 'dispatched');
    expect(dispatched.map((n) => [n.toOrgId, n.toSiteId, n.toUserId])).toEqual([
      [orgs.streetA1, null, null],
      [null, sites.s1, null],
    ]);
  });

  it('takes rectification photos only as real images, and only from the site', async () => {
    const text = await upload('site1', eventId, Buffer.from('not a photo at all'), 'fake.jpg', 'image/jpeg');
    expect(text.status).toBe(400);
    expect((text.body as ErrorReply).error).toEqual({ code: 'BAD_REQUEST', message: 'only JPEG, PNG or WebP photos are accepted' });
    expect((await upload('operator', eventId, photo, 'fix.jpg', 'image/jpeg')).status).toBe(403);
    const ok = await upload('site1', eventId, photo, 'after-fix.jpg', 'image/jpeg');
    expect(ok.status).toBe(201);
    expect(ok.body).toEqual({
      sha256: photoSha,
      name: 'after-fix.jpg',
      contentType: 'image/jpeg',
      size: photo.length,
      url: `/api/events/${eventId}/attachments/${photoSha}`,
    } satisfies WorkflowAttachment);
  });

  it('walks handled → failed re-check → dispatched → overdue escalation → handled → closed', async () => {
    await refused('site1', `${wf(eventId)}/handle`, { note: 'fixed', attachments: ['0'.repeat(64)] }, 400, 'BAD_REQUEST');
    const handled = await as<WorkflowDetail>('site1', 'POST', `${wf(eventId)}/handle`, { note: 'hairnets on', attachments: [photoSha] });
    expect(handled.status, JSON.stringify(handled.body)).toBe(200);
    expect(handled.body.item.state).toBe('handled');
    const handledNotices = (await noticesOf('regulator')).filter((n) => n.eventId === eventId && n.kind === 'handled');
    expect(handledNotices).toEqual([expect.objectContaining({ toOrgId: orgs.streetA1 })]);
    expect((await detailOf(eventId, 'regulator')).allowedActions).toEqual(['recheck_pass', 'recheck_fail']);

    clock += 10 * 60_000;
    const failed = await as<WorkflowDetail>('regulator', 'POST', `${wf(eventId)}/recheck`, { pass: false, note: 'still no masks', score: 40 });
    expect(failed.status, JSON.stringify(failed.body)).toBe(200);
    expect(failed.body.item).toMatchObject({
      state: 'dispatched',
      deadlineAt: clock + 2 * HOUR,
      evaluation: { pass: false, score: 40, comment: 'still no masks' },
    });
    expect((await noticesOf('site1')).filter((n) => n.eventId === eventId && n.kind === 'recheck_failed')).toEqual([
      expect.objectContaining({ toSiteId: sites.s1 }),
    ]);

    // Not overdue yet: supervision is refused.
    await refused('regulator', `${wf(eventId)}/supervise`, { note: 'hurry' }, 409, 'CONFLICT');

    // Three hours later the sweeper escalates it one level up: street A1 → district A.
    clock += 3 * HOUR;
    const escalated = await waitFor(
      'the automatic escalation',
      async () => {
        const d = await detailOf(eventId);
        return d.item.escalationLevel === 1 ? d : undefined;
      },
      20_000,
    );
    expect(escalated.item).toMatchObject({ state: 'dispatched', overdue: true, escalationLevel: 1 });
    expect((await noticesOf('regulator')).filter((n) => n.eventId === eventId && n.kind === 'escalated')).toEqual([
      expect.objectContaining({ toOrgId: orgs.districtA }),
    ]);
    const overdueList = await as<WorkflowListResponse>('operator', 'GET', '/api/workflow?overdue=true&escalated=true');
    expect(overdueList.body.items.map((i) => i.eventId)).toEqual([eventId]);
    expect((await as<WorkflowListResponse>('operator', 'GET', '/api/workflow?overdue=false')).body.items.map((i) => i.eventId)).toEqual([
      falseAlarmId,
    ]);

    // A regulator supervises it further by hand: district A → city.
    expect((await detailOf(eventId, 'regulator')).allowedActions).toEqual(['escalate']);
    const supervised = await as<WorkflowDetail>('regulator', 'POST', `${wf(eventId)}/supervise`, { note: '限期整改' });
    expect(supervised.status, JSON.stringify(supervised.body)).toBe(200);
    expect(supervised.body.item.escalationLevel).toBe(2);
    expect((await noticesOf('cityRegulator')).filter((n) => n.eventId === eventId && n.kind === 'escalated')).toEqual([
      expect.objectContaining({ toOrgId: orgs.districtA }),
      expect.objectContaining({ toOrgId: orgs.city }),
    ]);
    // The district regulator does not read what goes to the city above it.
    expect((await noticesOf('regulator')).filter((n) => n.eventId === eventId && n.kind === 'escalated')).toHaveLength(1);

    clock += 5 * 60_000;
    const again = await as<WorkflowDetail>('site1', 'POST', `${wf(eventId)}/handle`, { note: 'masks and hairnets on', attachments: [photoSha] });
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    const closed = await as<WorkflowDetail>('regulator', 'POST', `${wf(eventId)}/recheck`, { pass: true, note: '整改到位', score: 90 });
    expect(closed.status, JSON.stringify(closed.body)).toBe(200);
    expect(closed.body.item).toMatchObject({
      state: 'closed',
      closedAt: clock,
      overdue: false,
      evaluation: { pass: true, score: 90, comment: '整改到位' },
    });
    expect(closed.body.allowedActions).toEqual([]);
    expect((await noticesOf('site1')).filter((n) => n.eventId === eventId && n.kind === 'closed')).toHaveLength(1);
    expect(await refused('operator', `${wf(eventId)}/false-alarm`, { reason: 'oops' }, 409, 'CONFLICT')).toBe(
      'cannot mark as a false alarm an item in state closed; closed is final',
    );
    expect((await as<EventItem>('admin', 'GET', `/api/events/${eventId}`)).body.workflowState).toBe('closed');
  });

  it('records every step on the timeline: who, what, from/to, note, attachments', async () => {
    const { timeline } = await detailOf(eventId, 'regulator');
    const who = (t: TimelineEntry) => t.user?.username ?? null;
    expect(timeline.map((t) => [t.action, t.fromState, t.toState, who(t), t.note])).toEqual([
      ['discover', null, 'new', null, null],
      ['accept', 'new', 'accepted', expect.stringMatching(/^(operator|admin)$/), expect.any(String)],
      ['dispatch', 'accepted', 'dispatched', 'operator', 'please fix the hairnets'],
      ['handle', 'dispatched', 'handled', 'site1', 'hairnets on'],
      ['recheck_fail', 'handled', 'dispatched', 'regulator', 'still no masks'],
      ['escalate', 'dispatched', 'dispatched', null, null],
      ['escalate', 'dispatched', 'dispatched', 'regulator', '限期整改'],
      ['handle', 'dispatched', 'handled', 'site1', 'masks and hairnets on'],
      ['recheck_pass', 'handled', 'closed', 'regulator', '整改到位'],
    ]);
    const [, , dispatch, handle, fail, auto, manual, , pass] = timeline;
    expect(dispatch?.detail).toMatchObject({ assigneeOrgId: orgs.streetA1, assigneeUserId: null });
    expect(handle?.attachments).toEqual([expect.objectContaining({ sha256: photoSha, contentType: 'image/jpeg', size: photo.length })]);
    expect(handle?.user).toEqual({ id: userIds.site1, username: 'site1', role: 'site' });
    expect(fail?.detail).toMatchObject({ pass: false, score: 40 });
    expect(auto?.detail).toEqual({ level: 1, toOrgId: orgs.districtA, automatic: true });
    expect(manual?.detail).toEqual({ level: 2, toOrgId: orgs.city, automatic: false });
    expect(pass?.detail).toEqual({ pass: true, score: 90 });
    expect(timeline.map((t) => t.id)).toEqual([...timeline.map((t) => t.id)].sort((a, b) => a - b));
    // Every step was published once, in order.
    expect(updates.filter((u) => u.item.eventId === eventId).map((u) => u.entry.action)).toEqual(timeline.map((t) => t.action));

    const audit = await cloud.api<AuditListResponse>('GET', `/api/audit?targetId=${eventId}&limit=100`);
    const actions = audit.body.items.filter((a) => a.outcome === 'ok').map((a) => a.action).reverse();
    expect(actions).toEqual([
      'workflow.accept',
      'workflow.dispatch',
      'workflow.attachment_upload',
      'workflow.handle',
      'workflow.recheck_fail',
      'workflow.escalate',
      'workflow.escalate',
      'workflow.handle',
      'workflow.recheck_pass',
    ]);
  });

  it('serves the photo to those in scope and audits the download', async () => {
    const res = await fetch(`${cloud.base}/api/events/${eventId}/attachments/${photoSha}`, {
      headers: { authorization: `Bearer ${tokens.regulator}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await res.arrayBuffer()).equals(photo)).toBe(true);
    const audit = await cloud.api<AuditListResponse>('GET', `/api/audit?action=evidence.download&userId=${userIds.regulator}`);
    expect(audit.body.items).toEqual([expect.objectContaining({ targetKind: 'attachment', targetId: photoSha, outcome: 'ok' })]);
  });

  it('marks a false alarm with its reason', async () => {
    const r = await as<WorkflowDetail>('operator', 'POST', `${wf(falseAlarmId)}/false-alarm`, { reason: '厨师帽被识别为未戴帽' });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.item.state).toBe('false_alarm');
    expect(r.body.timeline.at(-1)).toMatchObject({ action: 'false_alarm', fromState: 'new', toState: 'false_alarm', note: '厨师帽被识别为未戴帽' });
    const accept = await as<ErrorReply>('operator', 'POST', `${wf(falseAlarmId)}/accept`, {});
    expect(accept.status).toBe(409);
    expect(accept.body.error.message).toBe('cannot accept an item in state false_alarm; false_alarm is final');
    const list = await as<WorkflowListResponse>('regulator', 'GET', '/api/workflow?state=false_alarm');
    expect(list.body.items.map((i) => i.eventId)).toEqual([falseAlarmId]);
  });

  it('escalates once per tier period while overdue, up to the highest level', async () => {
    const id = uuidv7();
    // Stored around ingest (as a restored backup would be): the start-up backfill opens its item.
    cloud.app.mingliang.repos.events.insert(
      eventMessage({ id, seq: 0, phase: 'start', cameraId: 'cam-1', edgeId: 'edge-1', severity: 2 }),
      clock,
    );
    expect(cloud.app.workflow.backfill()).toBe(1);
    expect(cloud.app.workflow.backfill()).toBe(0);
    expect((await detailOf(id)).timeline.map((t) => [t.action, t.user])).toEqual([['discover', null]]);

    const deadlineAt = clock + 60_000;
    const dispatched = await as<WorkflowDetail>('operator', 'POST', `${wf(id)}/dispatch`, { userId: userIds.site1, deadlineAt });
    expect(dispatched.status, JSON.stringify(dispatched.body)).toBe(200);
    expect(dispatched.body.item).toMatchObject({ assigneeUserId: userIds.site1, assigneeOrgId: orgs.streetA1, deadlineAt });
    expect((await noticesOf('site1')).filter((n) => n.eventId === id && n.kind === 'dispatched').map((n) => [n.toUserId, n.toSiteId])).toEqual([
      [userIds.site1, null],
      [null, sites.s1],
    ]);

    const levelAfter = async (advanceMs: number): Promise<number> => {
      clock += advanceMs;
      // Sweep right here too, so the check does not depend on the timer having run since the move.
      cloud.app.workflow.sweep();
      return (await detailOf(id)).item.escalationLevel;
    };
    const tier = 24 * HOUR; // severity 2
    expect(await levelAfter(0)).toBe(0);
    expect(await levelAfter(2 * 60_000)).toBe(1);
    expect(await levelAfter(tier / 2)).toBe(1);
    expect(await levelAfter(tier / 2)).toBe(2);
    expect(await levelAfter(tier)).toBe(3);
    expect(await levelAfter(10 * tier)).toBe(3);
    const r = await as<ErrorReply>('regulator', 'POST', `${wf(id)}/supervise`, { note: 'again' });
    expect(r.status).toBe(409);
    expect(r.body.error.message).toBe('the item is already escalated to the highest level (3)');
    const escalations = (await detailOf(id)).timeline.filter((t) => t.action === 'escalate').map((t) => t.detail);
    expect(escalations).toEqual([
      { level: 1, toOrgId: orgs.districtA, automatic: true },
      { level: 2, toOrgId: orgs.city, automatic: true },
      // The tree ends at the city: the top level hears it again.
      { level: 3, toOrgId: orgs.city, automatic: true },
    ]);
  });

  it('hides the event from a site user of another site on every workflow route', async () => {
    const urls: [string, string, unknown][] = [
      ['GET', wf(eventId), undefined],
      ['POST', `${wf(eventId)}/accept`, {}],
      ['POST', `${wf(eventId)}/dispatch`, {}],
      ['POST', `${wf(eventId)}/handle`, { note: 'x', attachments: [] }],
      ['POST', `${wf(eventId)}/recheck`, { pass: true, note: 'x' }],
      ['POST', `${wf(eventId)}/false-alarm`, { reason: 'x' }],
      ['POST', `${wf(eventId)}/supervise`, { note: 'x' }],
      ['GET', `/api/events/${eventId}/attachments/${photoSha}`, undefined],
    ];
    for (const [method, url, body] of urls) {
      const r = await as<ErrorReply>('site2', method, url, body);
      expect([url, r.status, r.body.error.code]).toEqual([url, 404, 'NOT_FOUND']);
      expect(r.body.error.message).toBe(`no event ${eventId}`);
    }
    const up = await upload('site2', eventId, photo, 'x.jpg', 'image/jpeg');
    expect(up.status).toBe(404);
    expect((await as<WorkflowListResponse>('site2', 'GET', '/api/workflow')).body.items).toEqual([]);
    expect((await noticesOf('site2')).filter((n) => n.eventId === eventId)).toEqual([]);
  });
});
