import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Socket } from 'socket.io-client';
import { v7 as uuidv7 } from 'uuid';
import { mediaDir } from '../../common/env.js';
import { EVIDENCE_UPLOAD_PATH, type UserRole } from '../../protocol/index.js';
import type { BuildAppOptions } from '../../cloud/src/app.js';
import { CloudUnderTest, eventMessage, send, testCloudConfig } from './cloud-under-test.js';

export const ADMIN_PASSWORD = 'scoped-fixture-admin-pw';
export const EDGE_ID = 'edge-scope';
export const EDGE_TOKEN = 'edge-scope-token-0123456789abcdef';
/** The password of every fixture user (`fixture-<role>`). */
export const USER_PASSWORD = 'fixture-user-password';

/** The two sides of every check: A is the scope of the non-admin users, B is someone else's. */
export type Side = 'A' | 'B';

/** Ids of what the fixture created on one side. */
export interface SideIds {
  orgId: number;
  siteId: number;
  cameraId: string;
  eventId: string;
}

/** A cloud with two districts of one city, a site and a camera with one event (and its evidence) in each. */
export interface ScopedFixture {
  cloud: CloudUnderTest;
  edge: Socket;
  cityOrgId: number;
  side: Record<Side, SideIds>;
  /** Access tokens per role; the operator, the regulator (both district A) and the site user (site A). */
  tokens: Record<UserRole, string>;
  userIds: Record<UserRole, number>;
  /** A real JPEG (snapshot and thumbnail) and a real MP4 (clip) stored as evidence. */
  jpeg: Buffer;
  mp4: Buffer;
  close(): Promise<void>;
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Builds the fixture: real cloud on an ephemeral port, real SQLite, real socket.io edge client. */
export async function startScopedFixture(extra: Record<string, unknown> = {}, opts: BuildAppOptions = {}): Promise<ScopedFixture> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ml-scope-'));
  // The fake edge answers no footage queries: time them out quickly.
  const config = testCloudConfig(path.join(dir, 'cloud'), ADMIN_PASSWORD, {
    edges: [{ id: EDGE_ID, token: EDGE_TOKEN }],
    archive: { listTimeoutMs: 500, fetchTimeoutSeconds: 5 },
    ...extra,
  });
  const cloud = await CloudUnderTest.start(config, ADMIN_PASSWORD, opts);
  const must = async <T>(method: string, url: string, body?: unknown): Promise<T> => {
    const res = await cloud.api<T>(method, url, body);
    if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };

  const city = await must<{ id: number }>('POST', '/api/orgs', { name: '测试市', kind: 'city' });
  const orgA = await must<{ id: number }>('POST', '/api/orgs', { name: '甲区', kind: 'district', parentId: city.id });
  const orgB = await must<{ id: number }>('POST', '/api/orgs', { name: '乙区', kind: 'district', parentId: city.id });
  const siteA = await must<{ id: number }>('POST', '/api/sites', { orgId: orgA.id, name: '甲小学食堂', kind: 'school_canteen' });
  const siteB = await must<{ id: number }>('POST', '/api/sites', { orgId: orgB.id, name: '乙餐厅', kind: 'restaurant' });

  const edge = await cloud.helloEdge(EDGE_ID, EDGE_TOKEN, ['cam-a', 'cam-b']);
  await must('PUT', '/api/cameras/cam-a/directory', { name: '甲 操作间', siteId: siteA.id });
  await must('PUT', '/api/cameras/cam-b/directory', { name: '乙 后厨', siteId: siteB.id });

  const jpeg = readFileSync(path.join(mediaDir(), 'images', 'kitchen_cctv_kfc_hairnet_mask.jpg'));
  const mp4 = readFileSync(path.join(mediaDir(), 'videos', 'worksite-intel-worker-zone-detection-10s.mp4'));
  for (const [body, type] of [[jpeg, 'image/jpeg'], [mp4, 'video/mp4']] as const) {
    const res = await fetch(`${cloud.base}${EVIDENCE_UPLOAD_PATH}/${sha(body)}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${EDGE_TOKEN}`, 'x-edge-id': EDGE_ID, 'content-type': type },
      body: new Uint8Array(body),
    });
    if (!res.ok) throw new Error(`evidence upload: ${res.status}`);
  }
  const ref = { sha256: sha(jpeg), contentType: 'image/jpeg' as const, size: jpeg.length, width: 1280, height: 720 };
  const clip = { sha256: sha(mp4), contentType: 'video/mp4' as const, size: mp4.length, startAt: 1_700_000_000_000, endAt: 1_700_000_010_000 };
  const events: Record<Side, string> = { A: uuidv7(), B: uuidv7() };
  for (const [s, cameraId] of [['A', 'cam-a'], ['B', 'cam-b']] as const) {
    const ack = await send(
      edge,
      'event',
      eventMessage({ id: events[s], seq: 0, phase: 'start', edgeId: EDGE_ID, cameraId, snapshot: ref, thumbnail: ref, clip }),
    );
    if (!ack.ok) throw new Error(`event refused: ${ack.error.message}`);
  }

  const tokens: Record<UserRole, string> = { admin: cloud.userToken, operator: '', regulator: '', site: '' };
  const userIds: Record<UserRole, number> = { admin: 1, operator: 0, regulator: 0, site: 0 };
  const me = await must<{ id: number }>('GET', '/api/auth/me');
  userIds.admin = me.id;
  const scoped: [UserRole, Record<string, unknown>][] = [
    ['operator', { orgId: orgA.id }],
    ['regulator', { orgId: orgA.id }],
    ['site', { siteId: siteA.id }],
  ];
  for (const [role, scope] of scoped) {
    const user = await must<{ id: number }>('POST', '/api/users', { username: `fixture-${role}`, password: USER_PASSWORD, role, ...scope });
    userIds[role] = user.id;
    const login = await cloud.api<{ token: string }>('POST', '/api/auth/login', { username: `fixture-${role}`, password: USER_PASSWORD }, null);
    if (login.status !== 200) throw new Error(`login of ${role}: ${login.status}`);
    tokens[role] = login.body.token;
  }

  return {
    cloud,
    edge,
    cityOrgId: city.id,
    side: {
      A: { orgId: orgA.id, siteId: siteA.id, cameraId: 'cam-a', eventId: events.A },
      B: { orgId: orgB.id, siteId: siteB.id, cameraId: 'cam-b', eventId: events.B },
    },
    tokens,
    userIds,
    jpeg,
    mp4,
    async close() {
      await cloud.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
