import type { ReactNode } from 'react';
import type { ViolationCounts } from '../../../../protocol/violation-stats.js';
import { useI18n } from '../i18n/i18n.js';
import type { MessageKey } from '../i18n/messages.js';

type Tone = 'good' | 'warn' | 'bad' | 'plain';

/** A rate's band: green from `good`, orange from `warn`, red below (inverted when less is better). */
function rateTone(rate: number | null, good: number, warn: number, lowerIsBetter = false): Tone {
  if (rate === null) return 'plain';
  const r = lowerIsBetter ? 1 - rate : rate;
  return r >= good ? 'good' : r >= warn ? 'warn' : 'bad';
}

interface Tile {
  id: string;
  label: MessageKey;
  hint: MessageKey;
  /** The figure as shown, and as a raw value for tests and tooltips. */
  text: string;
  raw: number | null;
  tone: Tone;
}

/**
 * The summary tiles of the supervision dashboard: violations, 整改率, 按时处置率, 误报率, overdue now and
 * escalated (督办), each with the counts it is made of.
 */
export function SummaryTiles({ totals }: { totals: ViolationCounts }): ReactNode {
  const { t, percent } = useI18n();
  const tiles: Tile[] = [
    { id: 'events', label: 'dash.tile.events', hint: 'dash.tile.eventsHint', text: String(totals.events), raw: totals.events, tone: 'plain' },
    { id: 'rectification', label: 'dash.tile.rectification', hint: 'dash.tile.rectificationHint', text: percent(totals.rectificationRate), raw: totals.rectificationRate, tone: rateTone(totals.rectificationRate, 0.9, 0.7) },
    { id: 'onTime', label: 'dash.tile.onTime', hint: 'dash.tile.onTimeHint', text: percent(totals.onTimeRate), raw: totals.onTimeRate, tone: rateTone(totals.onTimeRate, 0.9, 0.7) },
    { id: 'falseAlarm', label: 'dash.tile.falseAlarm', hint: 'dash.tile.falseAlarmHint', text: percent(totals.falseAlarmRate), raw: totals.falseAlarmRate, tone: rateTone(totals.falseAlarmRate, 0.9, 0.8, true) },
    { id: 'overdue', label: 'dash.tile.overdue', hint: 'dash.tile.overdueHint', text: String(totals.overdueNow), raw: totals.overdueNow, tone: totals.overdueNow > 0 ? 'bad' : 'good' },
    { id: 'escalated', label: 'dash.tile.escalated', hint: 'dash.tile.escalatedHint', text: String(totals.escalated), raw: totals.escalated, tone: totals.escalated > 0 ? 'warn' : 'good' },
  ];
  const vars = { closed: totals.closed, handled: totals.handled, onTime: totals.handledOnTime, falseAlarms: totals.falseAlarms, unrectified: totals.unrectified, events: totals.events };
  return (
    <div className="stat-tiles" data-testid="summary-tiles">
      {tiles.map((tile) => (
        <div key={tile.id} className="card stat-tile" data-tone={tile.tone} data-testid={`tile-${tile.id}`} data-value={tile.raw === null ? '' : String(tile.raw)}>
          <span className="stat-label">{t(tile.label)}</span>
          <span className="stat-value">{tile.text}</span>
          <span className="stat-hint muted small">{t(tile.hint, vars)}</span>
        </div>
      ))}
    </div>
  );
}
