import type { StatsBucket } from '../../../protocol/index.js';

/**
 * Calendar buckets in China Standard Time (Asia/Shanghai). China has used UTC+8 all year since 1991
 * (no daylight saving), so a fixed offset is exact for every date this system will see, and it keeps
 * the arithmetic in SQL and here free of a time-zone database.
 *
 * A "CST day number" is the number of whole CST days since 1970-01-01 00:00 CST: the UTC fields of
 * `dayNumber × 86 400 000` are that day's CST calendar date.
 */
export const CST_OFFSET_MS = 8 * 3_600_000;
export const DAY_MS = 86_400_000;

/** The CST day an instant falls on. */
export function cstDay(epochMs: number): number {
  return Math.floor((epochMs + CST_OFFSET_MS) / DAY_MS);
}

/** The instant a CST day starts (00:00 CST = 16:00 UTC the day before). */
export function cstDayStart(day: number): number {
  return day * DAY_MS - CST_OFFSET_MS;
}

/** The day number of the Monday starting the ISO week of `day` (1970-01-01 was a Thursday). */
function mondayOf(day: number): number {
  return day - (((day + 3) % 7) + 7) % 7;
}

/** The day number of the 1st of the month of `day`. */
function firstOfMonth(day: number): number {
  const d = new Date(day * DAY_MS);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) / DAY_MS;
}

/** The day number of the 1st of the month after the month of `day`. */
function firstOfNextMonth(day: number): number {
  const d = new Date(day * DAY_MS);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) / DAY_MS;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** `2024-03-05` for a day number. */
function dateLabel(day: number): string {
  const d = new Date(day * DAY_MS);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** `2024-W10`: the ISO week (the year is the one its Thursday falls in). */
function isoWeekLabel(monday: number): string {
  const thursday = monday + 3;
  const year = new Date(thursday * DAY_MS).getUTCFullYear();
  const jan1 = Date.UTC(year, 0, 1) / DAY_MS;
  return `${year}-W${pad(Math.floor((thursday - jan1) / 7) + 1)}`;
}

/** One calendar bucket: CST days `[firstDay, endDay)`. */
export interface CalendarBucket {
  firstDay: number;
  endDay: number;
  start: number;
  end: number;
  label: string;
}

/** The bucket of a CST day. */
export function bucketOfDay(day: number, bucket: StatsBucket): CalendarBucket {
  let firstDay: number;
  let endDay: number;
  let label: string;
  switch (bucket) {
    case 'day':
      firstDay = day;
      endDay = day + 1;
      label = dateLabel(day);
      break;
    case 'week':
      firstDay = mondayOf(day);
      endDay = firstDay + 7;
      label = isoWeekLabel(firstDay);
      break;
    case 'month':
      firstDay = firstOfMonth(day);
      endDay = firstOfNextMonth(day);
      label = dateLabel(firstDay).slice(0, 7);
      break;
  }
  return { firstDay, endDay, start: cstDayStart(firstDay), end: cstDayStart(endDay), label };
}

/** Every bucket the window `[from, to)` touches, in order (from < to). */
export function bucketsOf(from: number, to: number, bucket: StatsBucket): CalendarBucket[] {
  const lastDay = cstDay(to - 1);
  const out: CalendarBucket[] = [];
  for (let b = bucketOfDay(cstDay(from), bucket); b.firstDay <= lastDay; b = bucketOfDay(b.endDay, bucket)) out.push(b);
  return out;
}
