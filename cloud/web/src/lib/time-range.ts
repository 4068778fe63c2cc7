import type { StatsBucket } from '../../../../protocol/violation-stats.js';

/** A half-open window [from, to) in epoch ms, as every statistics and footage query takes it. */
export interface TimeRange {
  from: number;
  to: number;
}

const DAY_MS = 86_400_000;

/** The quick choices of the range picker: today (since local midnight) and the last N days. */
export const RANGE_PRESETS = ['today', '7d', '30d', '90d', '365d'] as const;
export type RangePreset = (typeof RANGE_PRESETS)[number];
/** A preset, or two calendar days picked by hand. */
export type RangeChoice = RangePreset | 'custom';

const PRESET_DAYS: Readonly<Record<Exclude<RangePreset, 'today'>, number>> = { '7d': 7, '30d': 30, '90d': 90, '365d': 365 };

/** The window of a preset ending at `now` (local time for "today"). */
export function presetRange(preset: RangePreset, now: number): TimeRange {
  if (preset === 'today') {
    const midnight = new Date(now);
    midnight.setHours(0, 0, 0, 0);
    // `to` is exclusive: a window that starts this very millisecond still holds it.
    return { from: midnight.getTime(), to: Math.max(now, midnight.getTime() + 1) };
  }
  return { from: now - PRESET_DAYS[preset] * DAY_MS, to: now };
}

/** `YYYY-MM-DD` → local midnight of that day, or null. */
function dayStart(value: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return null;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return Number.isFinite(d.getTime()) && d.getDate() === Number(m[3]) ? d.getTime() : null;
}

/**
 * Two calendar days picked by hand (`YYYY-MM-DD`, local), both included: from the first day's
 * midnight to the midnight after the last. Null when either is malformed or they are out of order.
 */
export function customRange(fromDay: string, toDay: string): TimeRange | null {
  const from = dayStart(fromDay);
  const last = dayStart(toDay);
  if (from === null || last === null || last < from) return null;
  const after = new Date(last);
  after.setDate(after.getDate() + 1);
  return { from, to: after.getTime() };
}

/** Epoch ms → `YYYY-MM-DD` in local time (the value of a date input). */
export function toDay(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** A trend bucket that gives a readable number of points: days up to two months, then weeks, then months. */
export function defaultBucket(range: TimeRange): StatsBucket {
  const days = (range.to - range.from) / DAY_MS;
  return days <= 62 ? 'day' : days <= 366 ? 'week' : 'month';
}

/** The range a page's query names (`range=7d`, or `range=custom&from=…&to=…`), else `fallback`. */
export function rangeFromQuery(query: URLSearchParams, now: number, fallback: RangePreset): { choice: RangeChoice; range: TimeRange | null } {
  const choice = query.get('range');
  if (choice === 'custom') return { choice, range: customRange(query.get('from') ?? '', query.get('to') ?? '') };
  const preset = RANGE_PRESETS.find((p) => p === choice) ?? fallback;
  return { choice: preset, range: presetRange(preset, now) };
}
