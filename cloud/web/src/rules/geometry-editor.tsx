import type { ReactNode } from 'react';
import type { RuleSetProblem } from '../../../../protocol/camera-rules.js';
import type { ZoneTag } from '../../../../protocol/rule-geometry.js';
import { useI18n } from '../i18n/i18n.js';
import { Problems } from './rule-editor.js';
import { problemsUnder, removeLine, removeZone, updateLine, updateZone, type RuleSetDraft } from './rule-set-draft.js';
import { zoneColour, type Selection } from './rules-canvas.js';

const TAGS: readonly ZoneTag[] = ['restricted', 'watch', 'no_parking', 'duty'];

export interface GeometryEditorProps {
  draft: RuleSetDraft;
  selection: Selection;
  problems: readonly RuleSetProblem[];
  onChange: (draft: RuleSetDraft) => void;
  /** A structural change (a zone or line removed): problems found by index no longer line up. */
  onRemoved: (draft: RuleSetDraft) => void;
  onSelect: (selection: Selection) => void;
}

/** The zones and lines of the set as lists: id, name, scene tags; select to edit on the picture; delete. */
export function GeometryEditor({ draft, selection, problems, onChange, onRemoved, onSelect }: GeometryEditorProps): ReactNode {
  const { t } = useI18n();
  return (
    <>
      <section className="card rules-section" data-testid="zones-editor">
        <h2>
          {t('rules.zones')}
          <span className="count">{draft.zones.length}</span>
        </h2>
        {draft.zones.length === 0 && <p className="muted small">{t('rules.noZones')}</p>}
        {draft.zones.map((z, i) => {
          const selected = selection?.kind === 'zone' && selection.index === i;
          const mine = problemsUnder(problems, `zones[${i}]`);
          return (
            <div
              key={i}
              className={`rules-item${selected ? ' selected' : ''}${mine.length > 0 ? ' invalid' : ''}`}
              data-testid="zone-card"
              data-zone-id={z.id}
              onFocus={() => !selected && onSelect({ kind: 'zone', index: i })}
            >
              <div className="rules-item-head">
                <span className="swatch" style={{ background: zoneColour(i) }} />
                <input className="mono rules-id" value={z.id} aria-label={t('rules.id')} onChange={(e) => onChange(updateZone(draft, i, { id: e.target.value }))} data-testid="zone-id" />
                <input
                  className="rules-name"
                  value={z.name ?? ''}
                  placeholder={t('rules.name')}
                  aria-label={t('rules.name')}
                  maxLength={64}
                  onChange={(e) => onChange(updateZone(draft, i, { name: e.target.value }))}
                  data-testid="zone-name"
                />
                <button type="button" className={selected ? 'ghost active' : 'ghost'} onClick={() => onSelect(selected ? null : { kind: 'zone', index: i })}>
                  {t('rules.points', { n: z.points.length })}
                </button>
                <button type="button" className="ghost danger" onClick={() => onRemoved(removeZone(draft, i))} data-testid="zone-delete">
                  {t('rules.delete')}
                </button>
              </div>
              <div className="rules-chips" aria-label={t('rules.tags')}>
                <span className="muted small">{t('rules.tags')}</span>
                {TAGS.map((tag) => (
                  <label key={tag} className="chip">
                    <input
                      type="checkbox"
                      checked={z.tags.includes(tag)}
                      onChange={(e) => onChange(updateZone(draft, i, { tags: e.target.checked ? [...z.tags, tag] : z.tags.filter((x) => x !== tag) }))}
                    />
                    {t(`rules.tag.${tag}`)}
                  </label>
                ))}
              </div>
              <Problems problems={mine} base={`zones[${i}].`} />
            </div>
          );
        })}
        {draft.masks.length > 0 && <p className="muted small">{t('rules.masks', { n: draft.masks.length })}</p>}
      </section>
      <section className="card rules-section" data-testid="lines-editor">
        <h2>
          {t('rules.lines')}
          <span className="count">{draft.lines.length}</span>
        </h2>
        {draft.lines.length === 0 && <p className="muted small">{t('rules.noLines')}</p>}
        {draft.lines.map((l, i) => {
          const selected = selection?.kind === 'line' && selection.index === i;
          const mine = problemsUnder(problems, `lines[${i}]`);
          return (
            <div key={i} className={`rules-item${selected ? ' selected' : ''}${mine.length > 0 ? ' invalid' : ''}`} data-testid="line-card" data-line-id={l.id}>
              <div className="rules-item-head">
                <span className="swatch line" />
                <input className="mono rules-id" value={l.id} aria-label={t('rules.id')} onChange={(e) => onChange(updateLine(draft, i, { id: e.target.value }))} data-testid="line-id" />
                <input
                  className="rules-name"
                  value={l.name ?? ''}
                  placeholder={t('rules.name')}
                  aria-label={t('rules.name')}
                  maxLength={64}
                  onChange={(e) => onChange(updateLine(draft, i, { name: e.target.value }))}
                />
                <button type="button" className={selected ? 'ghost active' : 'ghost'} onClick={() => onSelect(selected ? null : { kind: 'line', index: i })}>
                  A→B
                </button>
                <button type="button" className="ghost danger" onClick={() => onRemoved(removeLine(draft, i))} data-testid="line-delete">
                  {t('rules.delete')}
                </button>
              </div>
              <Problems problems={mine} base={`lines[${i}].`} />
            </div>
          );
        })}
      </section>
    </>
  );
}
