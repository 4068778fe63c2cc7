import { useEffect, useState, type ReactNode } from 'react';
import type { RuleSetProblem } from '../../../../protocol/camera-rules.js';
import { useI18n } from '../i18n/i18n.js';
import type { MessageKey } from '../i18n/messages.js';
import { LABEL_LIST_FIELDS, labelsOf, parseRuleJson, problemsUnder, RULE_FIELDS, type RuleDraft, type RuleFieldKey, type RuleSetDraft } from './rule-set-draft.js';

/** Problems of one key path, shown under the field they are about. */
export function Problems({ problems, base }: { problems: readonly RuleSetProblem[]; base?: string }): ReactNode {
  if (problems.length === 0) return null;
  return (
    <ul className="rules-problems" role="alert" data-testid="field-problems">
      {problems.map((p, i) => (
        <li key={i}>
          {p.path !== '' && <span className="mono">{base !== undefined && p.path.startsWith(base) ? p.path.slice(base.length).replace(/^\./, '') || p.path : p.path}</span>} {p.message}
        </li>
      ))}
    </ul>
  );
}

/** A list of labels typed as "person, car"; the rule gets the parsed list as the user types. */
function LabelsInput({ value, onChange, testId }: { value: readonly string[]; onChange: (labels: string[]) => void; testId: string }): ReactNode {
  const [text, setText] = useState(value.join(', '));
  // Follow a change from elsewhere (the rule's JSON), but not the one this input just made.
  useEffect(() => {
    setText((cur) => (JSON.stringify(labelsOf(cur)) === JSON.stringify(value) ? cur : value.join(', ')));
  }, [value]);
  return (
    <input
      value={text}
      data-testid={testId}
      onChange={(e) => {
        setText(e.target.value);
        onChange(labelsOf(e.target.value));
      }}
    />
  );
}

const NUMBER_STEP: Partial<Record<RuleFieldKey, number>> = { minScore: 0.05, cooldownMs: 1000, dwellMs: 1000, absentMs: 1000 };

export interface RuleEditorProps {
  rule: RuleDraft;
  index: number;
  draft: RuleSetDraft;
  problems: readonly RuleSetProblem[];
  onField: (key: string, value: unknown) => void;
  onReplace: (rule: RuleDraft) => void;
  onRemove: () => void;
}

/**
 * One rule: its id, the common fields of its type (classes, zones or line, thresholds) and its JSON
 * for every other key. A field left empty takes the schema's default in the cloud. Problems the cloud
 * named are shown under the field at their key path; the rest at the foot of the card.
 */
export function RuleEditor({ rule, index, draft, problems, onField, onReplace, onRemove }: RuleEditorProps): ReactNode {
  const { t, tKnown } = useI18n();
  const [json, setJson] = useState<string | null>(null);
  const [jsonError, setJsonError] = useState<string | null>(null);
  const base = `rules[${index}]`;
  const fields = RULE_FIELDS[rule.type] ?? [];
  const at = (key: string): RuleSetProblem[] => problemsUnder(problems, `${base}.${key}`);
  const shown = new Set<string>(['id', 'type', ...fields]);
  const rest = problemsUnder(problems, base).filter((p) => {
    const key = /^\.([^.[]+)/.exec(p.path.slice(base.length))?.[1];
    return key === undefined || !shown.has(key);
  });

  const field = (key: RuleFieldKey): ReactNode => {
    const label = t(`rules.field.${key}` as MessageKey);
    const value = rule[key];
    const testId = `rule-${key}`;
    let input: ReactNode;
    if (key === 'enabled') {
      return (
        <label key={key} className="switch rules-enabled">
          <input type="checkbox" checked={value !== false} onChange={(e) => onField(key, e.target.checked ? undefined : false)} data-testid={testId} />
          <span>{label}</span>
        </label>
      );
    } else if (LABEL_LIST_FIELDS.has(key)) {
      input = <LabelsInput value={Array.isArray(value) ? (value as string[]) : []} onChange={(labels) => onField(key, labels)} testId={testId} />;
    } else if (key === 'severity') {
      input = (
        <select value={typeof value === 'number' ? String(value) : ''} onChange={(e) => onField(key, e.target.value === '' ? undefined : Number(e.target.value))} data-testid={testId}>
          <option value="">{t('rules.default')}</option>
          {[1, 2, 3].map((s) => (
            <option key={s} value={String(s)}>
              {tKnown(`severity.${s}`, String(s))}
            </option>
          ))}
        </select>
      );
    } else if (key === 'zones') {
      const chosen = Array.isArray(value) ? (value as string[]) : [];
      const ids = [...draft.zones.map((z) => z.id), ...chosen.filter((id) => !draft.zones.some((z) => z.id === id))];
      input = (
        <div className="rules-chips" data-testid={testId}>
          {ids.length === 0 && <span className="muted small">{t('rules.zonesAll')}</span>}
          {ids.map((id) => {
            const missing = !draft.zones.some((z) => z.id === id);
            return (
              <label key={id} className={missing ? 'chip missing' : 'chip'}>
                <input
                  type="checkbox"
                  checked={chosen.includes(id)}
                  data-zone-id={id}
                  onChange={(e) => onField(key, e.target.checked ? [...chosen, id] : chosen.filter((z) => z !== id))}
                />
                {missing ? t('rules.missing', { id }) : id}
              </label>
            );
          })}
        </div>
      );
    } else if (key === 'line') {
      const cur = typeof value === 'string' ? value : '';
      const ids = draft.lines.map((l) => l.id);
      input = (
        <select value={cur} onChange={(e) => onField(key, e.target.value)} data-testid={testId}>
          {!ids.includes(cur) && <option value={cur}>{cur === '' ? '—' : t('rules.missing', { id: cur })}</option>}
          {ids.map((id) => (
            <option key={id} value={id}>
              {id}
            </option>
          ))}
        </select>
      );
    } else if (key === 'direction') {
      input = (
        <select value={typeof value === 'string' ? value : ''} onChange={(e) => onField(key, e.target.value === '' ? undefined : e.target.value)} data-testid={testId}>
          <option value="">{t('rules.default')}</option>
          {(['both', 'a_to_b', 'b_to_a'] as const).map((d) => (
            <option key={d} value={d}>
              {t(`rules.dir.${d}`)}
            </option>
          ))}
        </select>
      );
    } else {
      input = (
        <input
          type="number"
          step={NUMBER_STEP[key] ?? 1}
          placeholder={t('rules.default')}
          value={typeof value === 'number' ? String(value) : ''}
          onChange={(e) => onField(key, e.target.value === '' ? undefined : Number(e.target.value))}
          data-testid={testId}
        />
      );
    }
    const wide = key === 'zones' || LABEL_LIST_FIELDS.has(key);
    return (
      <label key={key} className={`field${wide ? ' wide' : ''}${at(key).length > 0 ? ' invalid' : ''}`} data-field={key}>
        <span>{label}</span>
        {input}
        <Problems problems={at(key)} base={`${base}.`} />
      </label>
    );
  };

  return (
    <div className={`rules-item rule-card${problemsUnder(problems, base).length > 0 ? ' invalid' : ''}`} data-testid="rule-card" data-rule-id={rule.id}>
      <div className="rules-item-head">
        <span className="badge">{tKnown(`type.${rule.type}`, rule.type)}</span>
        <input className="mono rules-id" value={rule.id} aria-label={t('rules.id')} onChange={(e) => onField('id', e.target.value)} data-testid="rule-id" />
        <button type="button" className="ghost" onClick={() => setJson(json === null ? JSON.stringify(rule, null, 2) : null)} data-testid="rule-json-toggle">
          {t('rules.json')}
        </button>
        <button type="button" className="ghost danger" onClick={onRemove} data-testid="rule-delete">
          {t('rules.delete')}
        </button>
      </div>
      <Problems problems={at('id')} base={`${base}.`} />
      <div className="form-grid rules-fields">{fields.map(field)}</div>
      {json !== null && (
        <div className="rules-json">
          <textarea rows={Math.min(18, json.split('\n').length + 1)} value={json} onChange={(e) => setJson(e.target.value)} spellCheck={false} className="mono" data-testid="rule-json" />
          <div className="form-footer">
            <button
              type="button"
              onClick={() => {
                const parsed = parseRuleJson(json);
                if (!parsed.ok) {
                  setJsonError(t('rules.jsonBad', { message: parsed.message }));
                  return;
                }
                setJsonError(null);
                setJson(null);
                onReplace(parsed.rule);
              }}
              data-testid="rule-json-apply"
            >
              {t('rules.jsonApply')}
            </button>
            {jsonError !== null && <p className="error">{jsonError}</p>}
          </div>
        </div>
      )}
      <Problems problems={rest} base={`${base}.`} />
    </div>
  );
}
