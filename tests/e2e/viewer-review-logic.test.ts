import { describe, expect, it } from 'vitest';
import { trendSeries, MAX_TREND_SERIES } from '../../cloud/web/src/dashboard/trend-option.js';
import { recordedMs, recordingBar } from '../../cloud/web/src/footage/recording-runs.js';
import { formatBytes } from '../../cloud/web/src/lib/format-bytes.js';
import { customRange, defaultBucket, presetRange, rangeFromQuery } from '../../cloud/web/src/lib/time-range.js';
import { isUnread, markAllRead, markRead, mergeNotices, NOTHING_READ, parseReadState, unreadCount } from '../../cloud/web/src/live/notice-list.js';
import type { NoticeItem } from '../../protocol/index.js';

const DAY = 86_400_000;

describe('viewer review logic', () => {
  it('turns range choices into half-open windows', () => {
    const now = new Date(2024, 2, 5, 15, 30).getTime();
    expect(presetRange('7d', now)).toEqual({ from: now - 7 * DAY, to: now });
    expect(presetRange('today', now)).toEqual({ from: new Date(2024, 2, 5).getTime(), to: now });
    // Both days included: to is the midnight after the last day (a leap day in between).
    expect(customRange('2024-02-28', '2024-03-01')).toEqual({ from: new Date(2024, 1, 28).getTime(), to: new Date(2024, 2, 2).getTime() });
    expect(customRange('2024-03-02', '2024-03-01')).toBeNull();
    expect(customRange('2024-02-30', '2024-03-01')).toBeNull();
    expect(customRange('', '2024-03-01')).toBeNull();
    expect(rangeFromQuery(new URLSearchParams('range=bogus'), now, '30d')).toEqual({ choice: '30d', range: { from: now - 30 * DAY, to: now } });
    expect(rangeFromQuery(new URLSearchParams('range=custom&from=2024-03-01'), now, '30d')).toEqual({ choice: 'custom', range: null });
    expect(defaultBucket({ from: 0, to: 30 * DAY })).toBe('day');
    expect(defaultBucket({ from: 0, to: 90 * DAY })).toBe('week');
    expect(defaultBucket({ from: 0, to: 700 * DAY })).toBe('month');
  });

  it('joins adjacent segments into runs and clips runs and gaps to the window', () => {
    const parts = recordingBar(
      1000,
      11_000,
      [
        { startAt: 0, endAt: 2000, bytes: 1 },
        { startAt: 2000, endAt: 4000, bytes: 1 },
        { startAt: 4500, endAt: 5000, bytes: 1 },
        { startAt: 8000, endAt: 12_000, bytes: 1 },
      ],
      [{ from: 5000, to: 8000 }],
    );
    expect(parts).toEqual([
      { kind: 'recorded', from: 1000, to: 5000, left: 0, width: 40 },
      { kind: 'gap', from: 5000, to: 8000, left: 40, width: 30 },
      { kind: 'recorded', from: 8000, to: 11_000, left: 70, width: 30 },
    ]);
    expect(recordedMs(parts)).toBe(7000);
    expect(recordingBar(5, 5, [], [])).toEqual([]);
  });

  it('keeps the most frequent types as series and sums the rest into one', () => {
    const buckets = [0, 1].map((i) => ({ start: i, end: i + 1, label: `d${i}`, count: 0 }));
    expect(trendSeries({ buckets, series: [] })).toEqual([{ type: null, counts: [0, 0] }]);
    const series = Array.from({ length: MAX_TREND_SERIES + 2 }, (_, i) => ({ type: `t${i}`, total: 10 - i, counts: [i, 1] }));
    const out = trendSeries({ buckets, series });
    expect(out).toHaveLength(MAX_TREND_SERIES);
    expect(out.at(-1)).toEqual({ type: null, counts: [5 + 6 + 7, 3] });
  });

  it('counts unread notices per id and watermark, and survives a bad stored state', () => {
    const n = (id: number): NoticeItem => ({ id, at: id, kind: 'dispatched', eventId: `e${id}`, toOrgId: null, toSiteId: 1, toUserId: null, message: '' });
    const list = mergeNotices(mergeNotices([], [n(1), n(3)]), [n(2), n(3)]);
    expect(list.map((x) => x.id)).toEqual([3, 2, 1]);
    expect(mergeNotices(list, [n(2)])).toBe(list);
    const one = markRead(NOTHING_READ, 2);
    expect(unreadCount(list, one)).toBe(2);
    expect(isUnread(n(2), one)).toBe(false);
    const all = markAllRead(one, list);
    expect(all).toEqual({ upTo: 3, ids: [] });
    expect(unreadCount(mergeNotices(list, [n(4)]), all)).toBe(1);
    expect(parseReadState(JSON.stringify(all))).toEqual(all);
    expect(parseReadState('{bad')).toEqual(NOTHING_READ);
    expect(parseReadState('{"upTo":"x","ids":[]}')).toEqual(NOTHING_READ);
  });

  it('writes byte counts for people', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(2.5 * 1024 * 1024)).toBe('2.5 MB');
  });
});
