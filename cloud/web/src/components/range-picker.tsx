import type { ReactNode } from 'react';
import { useI18n } from '../i18n/i18n.js';
import { useLocation } from '../router/location.js';
import { RANGE_PRESETS, toDay, type RangeChoice, type TimeRange } from '../lib/time-range.js';

/**
 * The time-range picker of the statistics pages: presets as a segmented control, and two date inputs
 * for a custom range. The choice lives in the page's URL (`range`, `from`, `to`), so a view can be
 * bookmarked and shared.
 */
export function RangePicker({
  choice,
  range,
  onChange,
}: {
  choice: RangeChoice;
  range: TimeRange | null;
  onChange: (changes: Record<string, string | null>) => void;
}): ReactNode {
  const { t } = useI18n();
  const { query } = useLocation();
  const last = range === null ? null : toDay(range.to - 1);
  return (
    <div className="range-picker" data-testid="range-picker">
      <div className="segmented" role="group" aria-label={t('range.label')}>
        <span className="seg-label">{t('range.label')}</span>
        {RANGE_PRESETS.map((p) => (
          <button key={p} type="button" className={p === choice ? 'active' : ''} aria-pressed={p === choice} data-testid={`range-${p}`} onClick={() => onChange({ range: p, from: null, to: null })}>
            {t(`range.${p}`)}
          </button>
        ))}
        <button
          type="button"
          className={choice === 'custom' ? 'active' : ''}
          aria-pressed={choice === 'custom'}
          data-testid="range-custom"
          onClick={() => onChange({ range: 'custom', from: range ? toDay(range.from) : null, to: last })}
        >
          {t('range.custom')}
        </button>
      </div>
      {choice === 'custom' && (
        <span className="range-days">
          <input type="date" aria-label={t('range.from')} value={query.get('from') ?? ''} onChange={(e) => onChange({ from: e.target.value })} data-testid="range-from" />
          <span className="muted">–</span>
          <input type="date" aria-label={t('range.to')} value={query.get('to') ?? ''} onChange={(e) => onChange({ to: e.target.value })} data-testid="range-to" />
          {range === null && <span className="error small">{t('range.invalid')}</span>}
        </span>
      )}
    </div>
  );
}
