import { describe, expect, it } from 'vitest';
import { parseCameraRuleSet, polygonArea, ruleSetProblems, selfIntersection, type CameraRuleSet } from '../../protocol/index.js';

// The checks the cloud runs on a rule set an administrator saves (the edge runs them again, plus its
// model checks): schema with defaults, key paths, geometry sanity, references, classes.

const square = [[0.1, 0.1], [0.4, 0.1], [0.4, 0.4], [0.1, 0.4]];

function parsed(doc: unknown): CameraRuleSet {
  const r = parseCameraRuleSet(doc);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.value;
}

const paths = (doc: unknown): string[] => {
  const r = parseCameraRuleSet(doc);
  return r.ok ? [] : r.problems.map((p) => p.path);
};

describe('parseCameraRuleSet', () => {
  it('fills in the edge config defaults of every key', () => {
    const set = parsed({ zones: [{ id: 'z', points: square }], rules: [{ id: 'r', type: 'intrusion', zones: ['z'] }] });
    expect(set).toMatchObject({ scene: 'none', lines: [], masks: [], disabledRules: [] });
    expect(set.zones[0]).toEqual({ id: 'z', points: square, tags: [] });
    expect(set.rules[0]).toMatchObject({ id: 'r', type: 'intrusion', classes: ['person'], confirmFrames: 3, cooldownMs: 30_000, anchor: 'bottom-centre', enabled: true });
    expect(parsed({})).toEqual({ scene: 'none', zones: [], lines: [], masks: [], rules: [], disabledRules: [] });
  });

  it('does not change the value it is given', () => {
    const doc = { rules: [{ id: 'r', type: 'crowd' }] };
    parsed(doc);
    expect(doc).toEqual({ rules: [{ id: 'r', type: 'crowd' }] });
  });

  it('names a misspelt key of one rule by its path, not as ten union mismatches', () => {
    const r = parseCameraRuleSet({ rules: [{ id: 'ok', type: 'crowd' }, { id: 'r', type: 'intrusion', confirmFrame: 3 }] });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => p.path)).toContain('rules[1].confirmFrame');
    expect(r.problems.every((p) => p.path.startsWith('rules[1]'))).toBe(true);
    expect(r.problems.some((p) => /union|anyOf/i.test(p.message))).toBe(false);
  });

  it('names an unknown rule type and lists the known ones', () => {
    const r = parseCameraRuleSet({ rules: [{ id: 'r', type: 'teleport' }] });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const msg = r.problems.map((p) => `${p.path}: ${p.message}`).join('\n');
    expect(msg).toContain('rules[0]');
    expect(msg).toContain('intrusion, loitering');
  });

  it('refuses polygons of fewer than 3 points, coordinates outside 0..1 and unknown top-level keys', () => {
    expect(paths({ zones: [{ id: 'z', points: [[0, 0], [1, 1]] }] })).toContain('zones[0].points');
    expect(paths({ zones: [{ id: 'z', points: [[0, 0], [1.2, 0], [1, 1]] }] })).toContain('zones[0].points[1][0]');
    expect(paths({ zones: [{ id: 'z', points: [[0, 0], [0.5, -0.1], [1, 1]] }] })).toContain('zones[0].points[1][1]');
    expect(paths({ masks: [{ points: [[0, 0], [1, 1]] }] })).toContain('masks[0].points');
    expect(paths({ zonez: [] })).toContain('zonez');
    expect(paths('not an object').length).toBeGreaterThan(0);
  });
});

describe('ruleSetProblems', () => {
  it('accepts a sound set', () => {
    const set = parsed({
      zones: [{ id: 'z', points: square }],
      lines: [{ id: 'l', a: [0.5, 0.1], b: [0.5, 0.9] }],
      rules: [
        { id: 'in', type: 'intrusion', zones: ['z'] },
        { id: 'cross', type: 'line_crossing', line: 'l' },
      ],
    });
    expect(ruleSetProblems(set, { labels: new Set(['person']) })).toEqual([]);
  });

  it('finds self-crossing and flat zones and masks, duplicate ids and lines with one end', () => {
    const set = parsed({
      zones: [
        { id: 'bow', points: [[0.1, 0.1], [0.6, 0.6], [0.6, 0.1], [0.1, 0.3]] },
        { id: 'flat', points: [[0.1, 0.1], [0.2, 0.2], [0.3, 0.3]] },
        { id: 'bow', points: square },
      ],
      masks: [{ id: 'm', points: [[0.1, 0.1], [0.6, 0.6], [0.6, 0.1], [0.1, 0.3]] }],
      lines: [{ id: 'dot', a: [0.2, 0.2], b: [0.2, 0.2] }],
    });
    const problems = ruleSetProblems(set);
    expect(problems).toEqual(
      expect.arrayContaining([
        { path: 'zones[0].points', message: "zone 'bow' crosses itself (edges 0 and 2)" },
        { path: 'zones[1].points', message: "zone 'flat' has no area" },
        { path: 'zones[2].id', message: "duplicate zone id 'bow' (also zones[0])" },
        { path: 'masks[0].points', message: "mask 'm' crosses itself (edges 0 and 2)" },
        { path: 'lines[0]', message: "line 'dot' has the same two ends" },
      ]),
    );
    expect(problems).toHaveLength(5);
  });

  it('finds references to zones and lines the set does not define, and duplicate rule ids', () => {
    const set = parsed({
      zones: [{ id: 'z', points: square }],
      rules: [
        { id: 'a', type: 'intrusion', zones: ['z', 'nowhere'] },
        { id: 'a', type: 'line_crossing', line: 'missing' },
      ],
    });
    expect(ruleSetProblems(set).map((p) => p.path)).toEqual(['rules[0].zones[1]', 'rules[1].id', 'rules[1].line']);
  });

  it('checks classes only when the camera labels are known, and not for disabled rules', () => {
    const set = parsed({
      masks: [{ points: square, classes: ['tv'] }],
      rules: [
        { id: 'rats', type: 'class_present', classes: ['rodent'] },
        { id: 'helmets', type: 'missing_attribute', subject: ['person'], required: ['helmet'], filters: { dog: { minArea: 0.1 } } },
        { id: 'off', type: 'class_present', classes: ['unicorn'], enabled: false },
      ],
    });
    expect(ruleSetProblems(set)).toEqual([]);
    const problems = ruleSetProblems(set, { labels: new Set(['person', 'car']) });
    expect(problems.map((p) => p.path)).toEqual(['rules[0].classes[0]', 'rules[1].required[0]', 'rules[1].filters.dog', 'masks[0].classes[0]']);
    expect(problems[0]?.message).toBe("rule 'rats' needs class 'rodent', which the camera's models do not detect");
  });
});

describe('polygon geometry', () => {
  it('tells simple polygons from self-crossing ones', () => {
    expect(selfIntersection(square as [number, number][])).toBeUndefined();
    // Concave (an L) but simple.
    expect(selfIntersection([[0, 0], [0.6, 0], [0.6, 0.2], [0.2, 0.2], [0.2, 0.6], [0, 0.6]])).toBeUndefined();
    expect(selfIntersection([[0, 0], [1, 1], [1, 0], [0, 1]])).toEqual([0, 2]);
    // A vertex touching a non-adjacent edge counts as crossing.
    expect(selfIntersection([[0, 0], [1, 0], [0.5, 0], [0.5, 1]])).toBeDefined();
    expect(selfIntersection([[0, 0], [1, 0], [0, 1]])).toBeUndefined();
  });

  it('computes a signed area', () => {
    expect(polygonArea([[0, 0], [1, 0], [1, 1], [0, 1]])).toBeCloseTo(1);
    expect(polygonArea([[0, 0], [0, 1], [1, 1], [1, 0]])).toBeCloseTo(-1);
    expect(polygonArea([[0, 0], [0.5, 0.5], [1, 1]])).toBeCloseTo(0);
  });
});
