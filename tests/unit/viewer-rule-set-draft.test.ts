import { describe, expect, it } from 'vitest';
import {
  addLine,
  addRule,
  addZone,
  bodyOf,
  draftOf,
  EMPTY_DRAFT,
  labelsOf,
  newRule,
  parseRuleJson,
  problemsOf,
  problemsUnder,
  removeZone,
  roundCoord,
  RULE_FIELDS,
  RULE_TYPES,
  setRuleField,
  updateLine,
  updateZone,
  type RuleSetDraft,
} from '../../cloud/web/src/rules/rule-set-draft.js';
import { formatRuleSetProblems, parseCameraRuleSet, ruleSetProblems, RULE_SCHEMAS } from '../../protocol/index.js';

const SQUARE: [number, number][] = [
  [0.3, 0.36],
  [0.78, 0.36],
  [0.78, 0.6],
  [0.3, 0.6],
];

/** Checks a draft as the cloud does on save: schema with defaults, then geometry and references. */
function cloudCheck(draft: RuleSetDraft) {
  const parsed = parseCameraRuleSet(bodyOf(draft));
  if (!parsed.ok) return { ok: false as const, message: `invalid rule set: ${formatRuleSetProblems(parsed.problems)}` };
  const problems = ruleSetProblems(parsed.value);
  return problems.length === 0 ? { ok: true as const, value: parsed.value } : { ok: false as const, message: `invalid rule set: ${formatRuleSetProblems(problems)}` };
}

describe('the viewer rule-set draft', () => {
  it('builds a set the cloud accepts: a drawn zone, a line and a new rule of every type', () => {
    let draft = addZone(EMPTY_DRAFT, SQUARE).draft;
    draft = addLine(draft, [0.1, 0.8], [0.6, 0.9]).draft;
    for (const type of RULE_TYPES) draft = addRule(draft, newRule(type, draft, 'zone-1'));
    const checked = cloudCheck(draft);
    expect(checked.ok ? [] : checked.message).toEqual([]);
    if (!checked.ok) return;
    expect(checked.value.zones).toEqual([{ id: 'zone-1', points: SQUARE, tags: [] }]);
    expect(checked.value.rules.map((r) => r.id)).toEqual([
      'intrusion-1',
      'loitering-1',
      'crowd-1',
      'line-crossing-1',
      'stationary-1',
      'absence-1',
      'class-present-1',
      'missing-attribute-1',
      'forbidden-object-1',
    ]);
    expect(checked.value.rules.find((r) => r.type === 'line_crossing')).toMatchObject({ line: 'line-1' });
    expect(checked.value.rules.find((r) => r.type === 'intrusion')).toMatchObject({ zones: ['zone-1'], confirmFrames: 3 });
  });

  it('offers only keys that exist in the schema of each rule type', () => {
    for (const [type, fields] of Object.entries(RULE_FIELDS)) {
      const keys = Object.keys(RULE_SCHEMAS[type as keyof typeof RULE_SCHEMAS].properties);
      for (const f of fields) expect(keys, `${type}.${f}`).toContain(f);
    }
  });

  it('keeps rule references when a zone or line is renamed, and leaves a removed zone for the cloud to name', () => {
    let draft = addZone(EMPTY_DRAFT, SQUARE).draft;
    draft = addLine(draft, [0.1, 0.8], [0.6, 0.9]).draft;
    draft = addRule(draft, newRule('intrusion', draft, 'zone-1'));
    draft = addRule(draft, newRule('line_crossing', draft));
    draft = updateZone(draft, 0, { id: 'walkway', name: '人行道' });
    draft = updateLine(draft, 0, { id: 'gate' });
    expect(draft.rules.map((r) => r['zones'] ?? r['line'])).toEqual([['walkway'], 'gate']);
    expect(cloudCheck(draft).ok).toBe(true);

    const removed = removeZone(draft, 0);
    expect(removed.rules[0]?.['zones']).toEqual(['walkway']);
    const refused = cloudCheck(removed);
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(problemsOf(refused.message)).toEqual([{ path: 'rules[0].zones[0]', message: "rule 'intrusion-1' refers to zone 'walkway', which the set does not define" }]);
  });

  it('reads the key paths of the cloud refusal, including an edge refusal and a message of another shape', () => {
    let draft = addZone(EMPTY_DRAFT, [
      [0.1, 0.1],
      [0.5, 0.5],
    ]).draft;
    draft = addRule(draft, { ...newRule('intrusion', draft, 'zone-1'), confirmFrame: 3 });
    const refused = cloudCheck(draft);
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    const problems = problemsOf(refused.message);
    expect(problems.map((p) => p.path).sort()).toEqual(['rules[0]', 'rules[0].confirmFrame', 'zones[0].points']);
    expect(problems.find((p) => p.path === 'zones[0].points')?.message).toBe('must not have fewer than 3 items');
    expect(problemsUnder(problems, 'zones[0]')).toHaveLength(1);
    expect(problemsUnder(problems, 'zones[1]')).toHaveLength(0);
    expect(problemsUnder(problems, 'rules[0]').map((p) => p.path).sort()).toEqual(['rules[0]', 'rules[0].confirmFrame']);
    expect(problemsUnder(problems, 'rules[0].confirmFrames')).toEqual([]);

    expect(problemsOf("edge e1 refused the rule set: rules[1].classes[0]: rule 'r' needs class 'rodent', which the camera's models do not detect")).toEqual([
      { path: 'rules[1].classes[0]', message: "rule 'r' needs class 'rodent', which the camera's models do not detect" },
    ]);
    expect(problemsOf('invalid rule set: (root): must be object')).toEqual([{ path: '', message: 'must be object' }]);
    expect(problemsOf('edge e1 cannot apply rules to camera c1: timeout')).toEqual([{ path: '', message: 'edge e1 cannot apply rules to camera c1: timeout' }]);
  });

  it('edits rule keys, leaving an emptied key to the default, and takes a rule from JSON', () => {
    let draft = addRule(EMPTY_DRAFT, newRule('crowd', EMPTY_DRAFT));
    draft = setRuleField(draft, 0, 'minCount', 3);
    expect(draft.rules[0]).toMatchObject({ minCount: 3 });
    draft = setRuleField(draft, 0, 'minCount', undefined);
    expect(draft.rules[0]).not.toHaveProperty('minCount');
    expect(parseRuleJson('{"id":"x","type":"intrusion","zones":[]}')).toEqual({ ok: true, rule: { id: 'x', type: 'intrusion', zones: [] } });
    expect(parseRuleJson('[1]')).toMatchObject({ ok: false });
    expect(parseRuleJson('{"id":"x"}')).toMatchObject({ ok: false });
    expect(parseRuleJson('{oops')).toMatchObject({ ok: false });
  });

  it('parses label lists, rounds coordinates into the frame, and drops empty names from the body', () => {
    expect(labelsOf(' person, car，  ,truck ')).toEqual(['person', 'car', 'truck']);
    expect([roundCoord(-0.2), roundCoord(0.123456), roundCoord(1.5)]).toEqual([0, 0.1235, 1]);
    const draft = updateZone(addZone(EMPTY_DRAFT, SQUARE).draft, 0, { name: '  ' });
    expect((bodyOf(draft) as { zones: object[] }).zones[0]).not.toHaveProperty('name');
    expect(draftOf(null)).toBe(EMPTY_DRAFT);
  });
});
