import type { OrgKind, SiteKind, UserRole } from '../../../protocol/index.js';
import { hashPassword, randomPassword } from '../auth/passwords.js';
import type { Repositories } from '../db/repositories.js';

/** One demo org, by path of names from the root. */
interface DemoOrg {
  name: string;
  kind: OrgKind;
  parent: string | null;
}

/** One demo site with the cameras (edge camera ids) it owns. */
interface DemoSite {
  name: string;
  kind: SiteKind;
  org: string;
  address: string;
  cameras: { id: string; name: string; gbId: string }[];
}

/** One demo account. */
interface DemoUser {
  username: string;
  displayName: string;
  role: UserRole;
  org?: string;
  site?: string;
}

/**
 * The demo's programme: a city monitoring centre above a district, whose street hosts one site of each
 * kind, each with the simulated cameras of `streams/cameras.yaml` that the demo edge analyses.
 * GB/T 28181 ids: 330106 (杭州市西湖区) + grass-roots unit 01 + industry 00 + type 132 (IPC) + network 0.
 */
const ORGS: readonly DemoOrg[] = [
  { name: '示范市', kind: 'city', parent: null },
  { name: '示范区', kind: 'district', parent: '示范市' },
  { name: '示范街道', kind: 'street', parent: '示范区' },
];

const SITES: readonly DemoSite[] = [
  {
    name: '阳光餐厅',
    kind: 'restaurant',
    org: '示范街道',
    address: '示范街道 1 号',
    cameras: [{ id: 'kitchen-1', name: '阳光餐厅 后厨烤炉', gbId: '33010601001320000001' }],
  },
  {
    name: '实验小学食堂',
    kind: 'school_canteen',
    org: '示范街道',
    address: '示范街道 2 号',
    cameras: [{ id: 'canteen-1', name: '实验小学 食堂操作间', gbId: '33010601001320000002' }],
  },
  {
    name: '滨江工地',
    kind: 'worksite',
    org: '示范街道',
    address: '滨江路 88 号',
    cameras: [{ id: 'worksite-1', name: '滨江工地 作业面', gbId: '33010601001320000003' }],
  },
  {
    name: '中心广场',
    kind: 'public_area',
    org: '示范街道',
    address: '中心广场',
    cameras: [
      { id: 'street-1', name: '中心广场 停车场入口', gbId: '33010601001320000004' },
      { id: 'walkway-1', name: '中心广场 步道', gbId: '33010601001320000005' },
    ],
  },
];

const USERS: readonly DemoUser[] = [
  { username: 'operator', displayName: '市监控中心值班员', role: 'operator', org: '示范市' },
  { username: 'regulator', displayName: '示范区市场监管员', role: 'regulator', org: '示范区' },
  { username: 'school', displayName: '实验小学食堂管理员', role: 'site', site: '实验小学食堂' },
  { username: 'restaurant', displayName: '阳光餐厅店长', role: 'site', site: '阳光餐厅' },
  { username: 'worksite', displayName: '滨江工地安全员', role: 'site', site: '滨江工地' },
];

/** A demo account and the password it has now. */
export interface DemoAccount {
  username: string;
  password: string;
  role: UserRole;
  displayName: string;
  scope: string;
}

/**
 * Seeds (or completes) the demo org tree, sites, directory and accounts, and gives every demo account a
 * fresh random password, returned so the demo can print it: demo accounts exist to be logged into at
 * once, and a password shown only on the first run would lock a second run out. Idempotent otherwise:
 * existing orgs, sites and directory records are kept as they are.
 */
export async function seedDemo(repos: Repositories, now: () => number = Date.now): Promise<DemoAccount[]> {
  const orgIds = new Map<string, number>();
  for (const org of ORGS) {
    const parentId = org.parent === null ? null : (orgIds.get(org.parent) ?? null);
    const existing = repos.orgs.list().find((o) => o.name === org.name && o.parentId === parentId);
    orgIds.set(org.name, existing?.id ?? repos.orgs.create({ name: org.name, kind: org.kind, parentId }, now()));
  }
  const siteIds = new Map<string, number>();
  for (const site of SITES) {
    const orgId = orgIds.get(site.org);
    if (orgId === undefined) throw new Error(`demo site ${site.name}: unknown org ${site.org}`);
    const existing = repos.sites.list().find((s) => s.orgId === orgId && s.name === site.name);
    const siteId = existing?.id ?? repos.sites.create({ orgId, name: site.name, kind: site.kind, address: site.address }, now());
    siteIds.set(site.name, siteId);
    for (const cam of site.cameras) {
      if (!repos.directory.get(cam.id)) {
        repos.directory.put({ cameraId: cam.id, gbId: cam.gbId, name: cam.name, siteId, longitude: 120.13, latitude: 30.25 }, now());
      }
    }
  }
  const accounts: DemoAccount[] = [];
  for (const u of USERS) {
    const orgId = u.org === undefined ? null : (orgIds.get(u.org) ?? null);
    const siteId = u.site === undefined ? null : (siteIds.get(u.site) ?? null);
    const fields = { role: u.role, orgId, siteId, displayName: u.displayName, phone: null };
    const password = randomPassword();
    const hash = await hashPassword(password);
    const existing = repos.users.findByUsername(u.username);
    if (existing) {
      repos.users.update(existing.id, fields, now());
      repos.users.setPasswordHash(existing.id, hash, now());
      repos.users.setDisabled(existing.id, false, now());
    } else {
      repos.users.create(u.username, hash, fields, now());
    }
    accounts.push({ username: u.username, password, role: u.role, displayName: u.displayName, scope: u.site ?? u.org ?? '' });
  }
  return accounts;
}
