import { describe, expect, it } from 'vitest';
import { CHINA_EXTENT, directoryProblems } from '../../cloud/src/directory/directory-rules.js';
import { checkCameraGbId, GB_TYPE_CODES, PROVINCE_CODES } from '../../cloud/src/directory/gb28181-id.js';
import { placementProblem, subtrees } from '../../cloud/src/directory/org-tree.js';
import type { OrgItem } from '../../protocol/index.js';

/** centre (8) + industry (2) + type (3) + network (1) + serial (6). */
const gb = (centre: string, type = '132', industry = '00', network = '0', serial = '000001'): string =>
  `${centre}${industry}${type}${network}${serial}`;

describe('GB/T 28181 camera ids', () => {
  it.each([
    ['the common test id', '34020000001320000001'],
    ['a Beijing district camera (131)', gb('11010500', '131')],
    ['a Shenzhen Nanshan street unit', gb('44030501', '132', '50', '7')],
    ['a province-level centre', gb('32000000')],
    ['a provincially administered county (Xiantao 4290)', gb('42900400')],
    ['Hong Kong', gb('81000000')],
  ])('accepts %s', (_what, id) => {
    expect(checkCameraGbId(id)).toMatchObject({ ok: true });
  });

  it('splits a valid id into its fields', () => {
    expect(checkCameraGbId('44030501501327000123')).toEqual({
      ok: true,
      parts: { division: '440305', province: '44', unit: '01', industry: '50', type: '132', network: '7', serial: '000123' },
    });
  });

  it.each([
    ['19 digits', '3402000000132000001', /20 digits/],
    ['letters', '3402000000132000000A', /20 digits/],
    ['province 10 (not a province)', gb('10010100'), /10 is not a province-level/],
    ['province 99', gb('99010100'), /99 is not a province-level/],
    ['province 16 (unassigned)', gb('16010100'), /16 is not a province-level/],
    ['a Beijing prefecture 05 (municipalities have 01/02)', gb('11050100'), /not a prefecture-level code/],
    ['a prefecture code 80', gb('44800100'), /not a prefecture-level code/],
    ['a district without its prefecture', gb('44000500'), /needs its prefecture/],
    ['a grass-roots unit without its district', gb('44030001'), /needs its county-level division/],
    ['a subdivision of Macao', gb('82010000'), /no subdivisions/],
    ['an NVR (118)', gb('34020000', '118'), /118 is a NVR/],
    ['a DVR (111)', gb('34020000', '111'), /111 is a DVR/],
    ['an encoder (113)', gb('34020000', '113'), /encoder/],
    ['an alarm input (134)', gb('34020000', '134'), /alarm input/],
    ['a mobile transmission device (138)', gb('34020000', '138'), /mobile transmission/],
    ['an extension main-device type (125)', gb('34020000', '125'), /extension front-end main device/],
    ['an extension peripheral type (150)', gb('34020000', '150'), /extension front-end peripheral/],
    ['a platform server (200)', gb('34020000', '200'), /platform device/],
  ])('refuses %s', (_what, id, why) => {
    const res = checkCameraGbId(id);
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.problem).toMatch(why);
  });

  it('knows the 34 province-level divisions and only 131/132 as cameras', () => {
    expect(PROVINCE_CODES.size).toBe(34);
    expect([...PROVINCE_CODES.keys()].every((c) => Number(c) >= 11 && Number(c) <= 82)).toBe(true);
    expect([...GB_TYPE_CODES].filter(([, t]) => t.camera).map(([code]) => code)).toEqual(['131', '132']);
  });
});

describe('directory compliance', () => {
  const entry = {
    cameraId: 'cam-1',
    gbId: '34020000001320000001',
    name: 'Gate',
    siteId: 1,
    longitude: 117.28,
    latitude: 31.86,
    createdAt: 1,
    updatedAt: 1,
  };

  it('passes a complete, valid record', () => {
    expect(directoryProblems(entry, true)).toEqual([]);
  });

  it('lists every problem of a missing, incomplete or invalid record', () => {
    expect(directoryProblems(undefined, false)).toEqual(['no directory record']);
    expect(directoryProblems({ ...entry, gbId: null, longitude: null, latitude: null }, true)).toEqual(['no GB/T 28181 id', 'no coordinates']);
    expect(directoryProblems({ ...entry, gbId: '34020000001180000001' }, false)).toEqual([
      expect.stringMatching(/not a camera/),
      'site 1 does not exist',
    ]);
  });

  it('refuses coordinates outside China (0,0; swapped latitude and longitude)', () => {
    expect(directoryProblems({ ...entry, longitude: 0, latitude: 0 }, true)).toEqual([expect.stringMatching(/outside China/)]);
    expect(directoryProblems({ ...entry, longitude: 31.86, latitude: 117.28 }, true)).toEqual([expect.stringMatching(/outside China/)]);
    expect(directoryProblems({ ...entry, longitude: CHINA_EXTENT.maxLongitude, latitude: CHINA_EXTENT.minLatitude }, true)).toEqual([]);
  });
});

describe('org tree', () => {
  const org = (id: number, parentId: number | null, kind: OrgItem['kind']): OrgItem => ({
    id,
    parentId,
    kind,
    name: `org-${id}`,
    createdAt: 1,
    updatedAt: 1,
  });
  const orgs = [org(1, null, 'city'), org(2, 1, 'district'), org(3, 2, 'street'), org(4, 1, 'bureau'), org(5, null, 'city')];

  it('only places a child below a parent of a higher level', () => {
    expect(placementProblem(orgs, undefined, 2, 'street')).toBeUndefined();
    expect(placementProblem(orgs, undefined, 1, 'bureau')).toBeUndefined();
    expect(placementProblem(orgs, undefined, null, 'city')).toBeUndefined();
    expect(placementProblem(orgs, undefined, 3, 'bureau')).toMatch(/cannot be placed under a street/);
    expect(placementProblem(orgs, undefined, 2, 'district')).toMatch(/cannot be placed under a district/);
    expect(placementProblem(orgs, undefined, 99, 'street')).toMatch(/does not exist/);
  });

  it('refuses a change that would strand the org\'s children or make it its own parent (no cycles)', () => {
    expect(placementProblem(orgs, 2, 1, 'street')).toMatch(/org 3 \(street\) below it/);
    expect(placementProblem(orgs, 1, 1, 'city')).toMatch(/its own parent/);
    // Moving a city below its own street would need a city under a street: refused by the levels.
    expect(placementProblem(orgs, 1, 3, 'city')).toMatch(/cannot be placed under a street/);
    expect(placementProblem(orgs, 2, 5, 'district')).toBeUndefined();
  });

  it('lists each org\'s subtree including itself', () => {
    const trees = subtrees(orgs);
    expect(trees.get(1)?.sort()).toEqual([1, 2, 3, 4]);
    expect(trees.get(2)?.sort()).toEqual([2, 3]);
    expect(trees.get(3)).toEqual([3]);
    expect(trees.get(5)).toEqual([5]);
  });
});
