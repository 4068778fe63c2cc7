/**
 * When a rule is armed: time windows by weekday and local time in a configured IANA timezone. Edges
 * run in UTC containers while the hours that matter (a canteen's opening hours, a site's night shift)
 * are local, so the zone is part of the config rather than taken from the host.
 */

/** One window: on the listed ISO weekdays (1 = Monday … 7 = Sunday), from `start` (inclusive) to `end` (exclusive). */
export interface ScheduleWindow {
  readonly days: readonly number[];
  /** `HH:MM`, 24-hour. */
  readonly start: string;
  /** `HH:MM`, 24-hour, `24:00` allowed. Earlier than `start` = the window runs past midnight into the next day. */
  readonly end: string;
}

/** A timezone and the windows in which the rule is armed. */
export interface ScheduleSpec {
  readonly timezone: string;
  readonly windows: readonly ScheduleWindow[];
}

/** A compiled schedule. */
export interface Schedule {
  /** True when `at` (epoch ms) falls in one of the windows. */
  isActive(at: number): boolean;
}

interface CompiledWindow {
  readonly days: ReadonlySet<number>;
  readonly start: number;
  readonly end: number;
}

const WEEKDAYS: Readonly<Record<string, number>> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

/** Minutes since midnight of `HH:MM`; throws a RangeError naming the value when it is not a valid time. */
export function parseClock(text: string): number {
  const m = /^([01]\d|2[0-4]):([0-5]\d)$/.exec(text);
  const h = Number(m?.[1]);
  const min = Number(m?.[2]);
  if (!m || (h === 24 && min !== 0)) throw new RangeError(`'${text}' is not a time of day (HH:MM, 00:00 to 24:00)`);
  return h * 60 + min;
}

/** Local ISO weekday and minute of day of an instant in a timezone. */
export interface LocalTime {
  readonly weekday: number;
  readonly minute: number;
}

/** A function giving the local weekday and minute of an instant; throws a RangeError for an unknown timezone. */
export function localClock(timezone: string): (at: number) => LocalTime {
  const fmt = new Intl.DateTimeFormat('en-US', { timeZone: timezone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  // Every zone's offset is a whole number of minutes, so one answer holds for the whole UTC minute;
  // rules ask on every analysed frame, several times per second.
  let cachedMinute = Number.NaN;
  let cached: LocalTime = { weekday: 1, minute: 0 };
  return (at) => {
    const utcMinute = Math.floor(at / 60_000);
    if (utcMinute === cachedMinute) return cached;
    let weekday = 0;
    let hour = 0;
    let minute = 0;
    for (const part of fmt.formatToParts(at)) {
      if (part.type === 'weekday') weekday = WEEKDAYS[part.value] ?? 0;
      else if (part.type === 'hour') hour = Number(part.value);
      else if (part.type === 'minute') minute = Number(part.value);
    }
    cachedMinute = utcMinute;
    cached = { weekday, minute: hour * 60 + minute };
    return cached;
  };
}

/**
 * Compiles a schedule. A window with `start` equal to `end` covers the whole day. Throws a RangeError
 * for an unknown timezone, a bad time or a weekday outside 1..7, so config loading can name the key.
 */
export function compileSchedule(spec: ScheduleSpec): Schedule {
  const clock = localClock(spec.timezone);
  const windows: CompiledWindow[] = spec.windows.map((w) => {
    for (const d of w.days) if (!Number.isInteger(d) || d < 1 || d > 7) throw new RangeError(`weekday ${d} is not 1 (Monday) … 7 (Sunday)`);
    return { days: new Set(w.days), start: parseClock(w.start), end: parseClock(w.end) };
  });
  return {
    isActive(at) {
      const { weekday, minute } = clock(at);
      const yesterday = weekday === 1 ? 7 : weekday - 1;
      return windows.some((w) => {
        if (w.start === w.end) return w.days.has(weekday);
        if (w.start < w.end) return w.days.has(weekday) && minute >= w.start && minute < w.end;
        // Overnight: the evening part belongs to the listed day, the early-morning part to the day after it.
        return (w.days.has(weekday) && minute >= w.start) || (w.days.has(yesterday) && minute < w.end);
      });
    },
  };
}
