import type { RuleName, Severity } from '../../../protocol/index.js';
import type { RuleConfig } from './rule-config.js';

/**
 * Default event names {zh, en} and severities. The names are the ones regulators' platforms use
 * (明厨亮灶, 智慧工地, 雪亮工程), so an operator reads the same words as on the paper checklist. Rules
 * that check attributes or classes are named by what they look for, so a future chef-hat or rodent
 * model gets the right name from its labels without code.
 */

/** What a class name is about, from words in the label (labels differ per model: NO-Hardhat, no_mask, head …). */
export type Topic = 'helmet' | 'mask' | 'vest' | 'chef_hat' | 'phone' | 'smoking' | 'fire' | 'smoke' | 'rodent';

const TOPIC_WORDS: readonly (readonly [Topic, RegExp])[] = [
  ['chef_hat', /chef|hairnet/],
  ['helmet', /helmet|hardhat|hard_hat|hard hat|^head$|safety_hat/],
  ['vest', /vest|reflective/],
  ['mask', /mask|^face$/],
  ['phone', /phone/],
  ['smoking', /cigarette|smok(ing|er)/],
  ['fire', /fire|flame/],
  ['smoke', /smoke/],
  // Not "mouse": in COCO that is a computer mouse.
  ['rodent', /rodent|\brats?\b/],
];

/** The topic of a label, or undefined. */
export function topicOf(label: string): Topic | undefined {
  const l = label.toLowerCase();
  return TOPIC_WORDS.find(([, re]) => re.test(l))?.[0];
}

const TOPIC_NAMES: Readonly<Record<Topic, { missing?: RuleName; present: RuleName }>> = {
  helmet: { missing: { zh: '未戴安全帽', en: 'No helmet' }, present: { zh: '未戴安全帽', en: 'No helmet' } },
  mask: { missing: { zh: '未戴口罩', en: 'No mask' }, present: { zh: '未戴口罩', en: 'No mask' } },
  vest: { missing: { zh: '未穿反光衣', en: 'No vest' }, present: { zh: '未穿反光衣', en: 'No vest' } },
  chef_hat: { missing: { zh: '未戴厨师帽', en: 'No chef hat' }, present: { zh: '未戴厨师帽', en: 'No chef hat' } },
  phone: { present: { zh: '玩手机', en: 'Phone use' } },
  smoking: { present: { zh: '吸烟', en: 'Smoking' } },
  fire: { present: { zh: '明火', en: 'Fire' } },
  smoke: { present: { zh: '烟雾', en: 'Smoke' } },
  rodent: { present: { zh: '老鼠', en: 'Rodent' } },
};

const TYPE_NAMES: Readonly<Record<RuleConfig['type'], RuleName>> = {
  intrusion: { zh: '区域入侵', en: 'Intrusion' },
  loitering: { zh: '徘徊', en: 'Loitering' },
  crowd: { zh: '人员聚集', en: 'Crowd' },
  line_crossing: { zh: '越线', en: 'Line crossing' },
  stationary: { zh: '违停', en: 'Illegal parking' },
  missing_attribute: { zh: '着装不规范', en: 'Missing protective equipment' },
  forbidden_object: { zh: '违规物品', en: 'Forbidden object' },
  absence: { zh: '脱岗', en: 'Off duty' },
  class_present: { zh: '目标出现', en: 'Object present' },
  presence: { zh: '目标出现', en: 'Object present' },
};

function topicsOf(labels: readonly string[]): Topic[] {
  return [...new Set(labels.map(topicOf).filter((t): t is Topic => t !== undefined))];
}

/** The default name of a rule: by what it looks for, else by its type. */
export function defaultRuleName(rule: RuleConfig): RuleName {
  let topics: Topic[] = [];
  switch (rule.type) {
    case 'missing_attribute':
      // The required class says best what is missing; a direct violation class (head, no_mask) otherwise.
      topics = topicsOf(rule.required.length > 0 ? rule.required : rule.subject);
      if (topics.length === 1 && topics[0]) return { ...(TOPIC_NAMES[topics[0]].missing ?? TYPE_NAMES[rule.type]) };
      break;
    case 'forbidden_object':
    case 'class_present':
      topics = topicsOf(rule.type === 'forbidden_object' ? rule.objects : rule.classes);
      if (topics.length === 1 && topics[0]) return { ...TOPIC_NAMES[topics[0]].present };
      if (topics.length === 2 && topics.includes('fire') && topics.includes('smoke')) return { zh: '烟火', en: 'Fire or smoke' };
      break;
    default:
      break;
  }
  return { ...TYPE_NAMES[rule.type] };
}

/**
 * The default severity: 1 (immediate) for what endangers people now — fire, smoke, intrusion into a
 * danger zone, a crowd; 3 (guidance) for what a reminder fixes — phone use, line-crossing counts;
 * 2 (fix by a deadline) for the rest, smoking included (a fire risk in a kitchen or on a site).
 */
export function defaultSeverity(rule: RuleConfig): Severity {
  switch (rule.type) {
    case 'intrusion':
    case 'crowd':
      return 1;
    case 'class_present': {
      const topics = topicsOf(rule.classes);
      return topics.includes('fire') || topics.includes('smoke') ? 1 : 2;
    }
    case 'forbidden_object':
      return topicsOf(rule.objects).every((t) => t === 'phone') ? 3 : 2;
    case 'line_crossing':
      return 3;
    case 'presence':
      return rule.severity;
    default:
      return 2;
  }
}
