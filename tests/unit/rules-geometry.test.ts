import { describe, expect, it } from 'vitest';
import {
  anchorPoint,
  bestInRegion,
  boxInZone,
  boxOverlapsPolygon,
  compileSchedule,
  coverage,
  isMasked,
  median,
  parseClock,
  passesFilters,
  pointInPolygon,
  regionOfBox,
  segmentsIntersect,
  signedDistance,
  type FilterSpec,
  type Polygon,
} from '../../edge/src/rules/index.js';

const square: Polygon = [
  [0.2, 0.2],
  [0.6, 0.2],
  [0.6, 0.6],
  [0.2, 0.6],
];
// An L shape: the notch at the top right is outside.
const ell: Polygon = [
  [0, 0],
  [0.5, 0],
  [0.5, 0.5],
  [1, 0.5],
  [1, 1],
  [0, 1],
];

describe('point in polygon', () => {
  it('answers inside and outside for convex and concave polygons, either winding', () => {
    expect(pointInPolygon([0.4, 0.4], square)).toBe(true);
    expect(pointInPolygon([0.7, 0.4], square)).toBe(false);
    expect(pointInPolygon([0.4, 0.4], [...square].reverse())).toBe(true);
    expect(pointInPolygon([0.25, 0.25], ell)).toBe(true);
    expect(pointInPolygon([0.75, 0.25], ell)).toBe(false);
    expect(pointInPolygon([0.75, 0.75], ell)).toBe(true);
  });
});

describe('anchors', () => {
  // A tall person whose head is in the zone but whose feet are below it.
  const person = { x: 0.35, y: 0.3, w: 0.1, h: 0.5 };

  it('bottom-centre tests the feet, centre the middle, any-overlap any part', () => {
    const [fx, fy] = anchorPoint(person, 'bottom-centre');
    expect([fx, fy].map((v) => Math.round(v * 1000) / 1000)).toEqual([0.4, 0.8]);
    const [cx, cy] = anchorPoint(person, 'centre');
    expect([cx, cy].map((v) => Math.round(v * 1000) / 1000)).toEqual([0.4, 0.55]);
    expect(boxInZone(person, square, 'bottom-centre')).toBe(false);
    expect(boxInZone(person, square, 'centre')).toBe(true);
    expect(boxInZone(person, square, 'any-overlap')).toBe(true);
  });

  it('any-overlap sees a box crossing a zone edge with no corner inside, and a zone inside a box', () => {
    const bar = { x: 0.1, y: 0.35, w: 0.6, h: 0.05 };
    expect(boxOverlapsPolygon(bar, square)).toBe(true);
    expect(boxOverlapsPolygon({ x: 0, y: 0, w: 1, h: 1 }, square)).toBe(true);
    expect(boxOverlapsPolygon({ x: 0.7, y: 0.7, w: 0.1, h: 0.1 }, square)).toBe(false);
  });
});

describe('lines', () => {
  const line = { a: [0, 0.5] as const, b: [1, 0.5] as const };

  it('side A is left of a→b on screen (above a left-to-right line), side B right (below)', () => {
    expect(signedDistance(line, [0.5, 0.4])).toBeCloseTo(-0.1);
    expect(signedDistance(line, [0.5, 0.7])).toBeCloseTo(0.2);
  });

  it('segments intersect only within both segments', () => {
    expect(segmentsIntersect([0.5, 0.4], [0.5, 0.6], [0, 0.5], [1, 0.5])).toBe(true);
    expect(segmentsIntersect([0.5, 0.4], [0.5, 0.6], [0.6, 0.5], [1, 0.5])).toBe(false);
    expect(segmentsIntersect([0.5, 0.4], [0.5, 0.5], [0, 0.5], [1, 0.5])).toBe(true);
  });
});

describe('regions and association', () => {
  const person = { x: 0.4, y: 0.2, w: 0.2, h: 0.6 };

  it('cuts a part of a box, also beyond its sides', () => {
    const head = regionOfBox(person, { top: 0, bottom: 0.3, left: 0, right: 1 });
    expect(head.x).toBeCloseTo(0.4);
    expect(head.y).toBeCloseTo(0.2);
    expect(head.w).toBeCloseTo(0.2);
    expect(head.h).toBeCloseTo(0.18);
    expect(regionOfBox(person, { top: 0, bottom: 1, left: -0.25, right: 1.25 }).w).toBeCloseTo(0.3);
  });

  it('associates the candidate lying mostly inside the region', () => {
    const helmet = { label: 'helmet', box: { x: 0.45, y: 0.18, w: 0.1, h: 0.08 } };
    const shoe = { label: 'helmet', box: { x: 0.45, y: 0.75, w: 0.1, h: 0.05 } };
    expect(coverage(helmet.box, regionOfBox(person, { top: 0, bottom: 0.3, left: 0, right: 1 }))).toBeCloseTo(0.75);
    expect(bestInRegion(person, { top: 0, bottom: 0.3, left: 0, right: 1 }, [shoe, helmet], 0.5)).toBe(helmet);
    expect(bestInRegion(person, { top: 0, bottom: 0.3, left: 0, right: 1 }, [shoe], 0.5)).toBeUndefined();
  });
});

describe('filters', () => {
  const spec: FilterSpec = {
    minScore: 0.5,
    minMedianScore: 0.6,
    medianFrames: 3,
    filters: { car: { minArea: 0.01, maxAspect: 3, minScore: 0.3 } },
  };

  it('median of odd and even lists', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('applies the frame score, the median over the last frames and per-class size, shape and score', () => {
    const person = { label: 'person', score: 0.7, box: { x: 0, y: 0, w: 0.1, h: 0.3 } };
    expect(passesFilters(spec, person, 640, 480)).toBe(true);
    expect(passesFilters(spec, { ...person, score: 0.45 }, 640, 480)).toBe(false);
    // One confident frame after weak ones: the median of the last three is 0.4.
    expect(passesFilters(spec, { ...person, recentScores: [0.9, 0.4, 0.4, 0.7] }, 640, 480)).toBe(false);
    expect(passesFilters(spec, { ...person, recentScores: [0.2, 0.7, 0.6, 0.7] }, 640, 480)).toBe(true);
    const car = { label: 'car', score: 0.35, box: { x: 0, y: 0, w: 0.2, h: 0.1 } };
    expect(passesFilters(spec, car, 640, 480)).toBe(true);
    expect(passesFilters(spec, { ...car, box: { x: 0, y: 0, w: 0.05, h: 0.1 } }, 640, 480)).toBe(false); // too small
    expect(passesFilters(spec, { ...car, box: { x: 0, y: 0, w: 0.5, h: 0.1 } }, 640, 480)).toBe(false); // 320x48 px: too wide
  });

  it('masks hide objects whose centre lies in them, for their classes only', () => {
    const masks = [{ polygon: square, classes: new Set(['person']) }];
    expect(isMasked('person', { x: 0.3, y: 0.3, w: 0.1, h: 0.1 }, masks)).toBe(true);
    expect(isMasked('car', { x: 0.3, y: 0.3, w: 0.1, h: 0.1 }, masks)).toBe(false);
    expect(isMasked('person', { x: 0.7, y: 0.7, w: 0.1, h: 0.1 }, masks)).toBe(false);
    expect(isMasked('car', { x: 0.3, y: 0.3, w: 0.1, h: 0.1 }, [{ polygon: square, classes: null }])).toBe(true);
  });
});

describe('schedules', () => {
  // 2024-03-04 is a Monday. 09:30 in Shanghai is 01:30 UTC.
  const shanghai = (iso: string) => Date.parse(`${iso}+08:00`);

  it('arms a rule in local weekday windows of its timezone', () => {
    const s = compileSchedule({ timezone: 'Asia/Shanghai', windows: [{ days: [1, 2, 3, 4, 5], start: '09:00', end: '18:00' }] });
    expect(s.isActive(shanghai('2024-03-04T09:30:00'))).toBe(true);
    expect(s.isActive(shanghai('2024-03-04T08:59:00'))).toBe(false);
    expect(s.isActive(shanghai('2024-03-04T18:00:00'))).toBe(false);
    expect(s.isActive(shanghai('2024-03-09T10:00:00'))).toBe(false); // Saturday
  });

  it('runs a window past midnight into the next day', () => {
    const s = compileSchedule({ timezone: 'Asia/Shanghai', windows: [{ days: [5], start: '22:00', end: '06:00' }] });
    expect(s.isActive(shanghai('2024-03-08T23:00:00'))).toBe(true); // Friday night
    expect(s.isActive(shanghai('2024-03-09T05:59:00'))).toBe(true); // Saturday early morning
    expect(s.isActive(shanghai('2024-03-09T06:00:00'))).toBe(false);
    expect(s.isActive(shanghai('2024-03-07T23:00:00'))).toBe(false); // Thursday night
  });

  it('treats equal start and end as the whole day and refuses bad times and zones', () => {
    expect(compileSchedule({ timezone: 'UTC', windows: [{ days: [1], start: '00:00', end: '00:00' }] }).isActive(Date.parse('2024-03-04T23:59:00Z'))).toBe(true);
    expect(parseClock('24:00')).toBe(1440);
    expect(() => parseClock('24:30')).toThrow(RangeError);
    expect(() => compileSchedule({ timezone: 'Mars/Olympus', windows: [] })).toThrow(RangeError);
  });
});
