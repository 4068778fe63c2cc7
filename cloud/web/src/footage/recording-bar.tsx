import type { ReactNode } from 'react';
import { useI18n } from '../i18n/i18n.js';
import type { BarPart } from './recording-runs.js';

/** A gap narrower than this share of the bar has no room for its label (the colour still shows it). */
const LABEL_MIN_PERCENT = 7;
const TICKS = 4;

/**
 * The timeline of a camera's recordings over a window: recorded runs in green, gaps in red hatching
 * marked 无录像, ticks with the time of day below.
 */
export function RecordingBar({ from, to, parts }: { from: number; to: number; parts: readonly BarPart[] }): ReactNode {
  const { t, time, shortTime } = useI18n();
  const ticks = Array.from({ length: TICKS + 1 }, (_, i) => from + ((to - from) * i) / TICKS);
  return (
    <div className="rec-timeline" data-testid="recording-bar">
      <div className="rec-bar">
        {parts.map((p) => (
          <span
            key={`${p.kind}-${p.from}`}
            className={`rec-part ${p.kind}`}
            style={{ left: `${p.left}%`, width: `${p.width}%` }}
            title={`${p.kind === 'gap' ? t('footage.noRecording') : t('footage.recorded')} ${time(p.from)} – ${time(p.to)}`}
            data-testid={p.kind === 'gap' ? 'rec-gap' : 'rec-run'}
          >
            {p.kind === 'gap' && p.width >= LABEL_MIN_PERCENT && <span className="rec-gap-label">{t('footage.noRecording')}</span>}
          </span>
        ))}
      </div>
      <div className="rec-ticks">
        {ticks.map((ms, i) => (
          <span key={i} style={{ left: `${(i / TICKS) * 100}%` }} className={i === 0 ? 'first' : i === TICKS ? 'last' : ''}>
            {shortTime(ms)}
          </span>
        ))}
      </div>
      <div className="rec-legend small muted">
        <span className="rec-swatch recorded" /> {t('footage.recorded')}
        <span className="rec-swatch gap" /> {t('footage.noRecording')}
        <span className="rec-swatch unknown" /> {t('footage.unknown')}
      </div>
    </div>
  );
}
