import type { ViolationTrendResponse } from '../../../../protocol/violation-stats.js';
import { CHART_COLOURS, type ChartOption } from '../health/echarts.js';

/** Types beyond this many share one "other" series, so the legend stays readable. */
export const MAX_TREND_SERIES = 6;

/** Distinct, dark-theme-readable colours for the type series (the last one is "other"). */
const SERIES_COLOURS = ['#3aa0ff', '#f0a030', '#35c48b', '#f04b4b', '#a37bff', '#2ec7c9', '#7f8ea3'];

export interface TrendSeries {
  /** The event type, or null for the "other" series. */
  type: string | null;
  counts: number[];
}

/**
 * The series to draw: one per type, most frequent first (the cloud's order), the rest summed into
 * one; without any type (no violations) one all-zero series, so the axis still shows the window.
 */
export function trendSeries(trend: Pick<ViolationTrendResponse, 'buckets' | 'series'>): TrendSeries[] {
  const n = trend.buckets.length;
  if (trend.series.length === 0) return [{ type: null, counts: trend.buckets.map((b) => b.count) }];
  const shown = trend.series.slice(0, trend.series.length > MAX_TREND_SERIES ? MAX_TREND_SERIES - 1 : MAX_TREND_SERIES);
  const rest = trend.series.slice(shown.length);
  const out: TrendSeries[] = shown.map((s) => ({ type: s.type, counts: s.counts.slice(0, n) }));
  if (rest.length > 0) out.push({ type: null, counts: Array.from({ length: n }, (_, i) => rest.reduce((sum, s) => sum + (s.counts[i] ?? 0), 0)) });
  return out;
}

/** Violations per bucket as stacked bars by type, with the total as a line over them. */
export function trendOption(
  trend: Pick<ViolationTrendResponse, 'buckets' | 'series'>,
  names: { type: (type: string) => string; other: string; total: string },
): ChartOption {
  const series = trendSeries(trend);
  return {
    // A wall display refreshes the chart every minute: growing bars each time only distract.
    animation: false,
    color: SERIES_COLOURS,
    tooltip: { trigger: 'axis' },
    legend: { top: 0, textStyle: { color: CHART_COLOURS.text }, type: 'scroll', pageTextStyle: { color: CHART_COLOURS.text } },
    grid: { left: 44, right: 16, top: 40, bottom: 28 },
    xAxis: {
      type: 'category',
      data: trend.buckets.map((b) => b.label),
      axisLabel: { color: CHART_COLOURS.text, hideOverlap: true },
      axisLine: { lineStyle: { color: CHART_COLOURS.line } },
    },
    yAxis: {
      type: 'value',
      minInterval: 1,
      axisLabel: { color: CHART_COLOURS.muted },
      splitLine: { lineStyle: { color: CHART_COLOURS.line } },
    },
    series: [
      ...series.map((s) => ({
        type: 'bar' as const,
        stack: 'types',
        name: s.type === null ? names.other : names.type(s.type),
        barMaxWidth: 28,
        data: s.counts,
      })),
      {
        type: 'line' as const,
        name: names.total,
        data: trend.buckets.map((b) => b.count),
        symbolSize: 5,
        lineStyle: { color: CHART_COLOURS.text, width: 1.5 },
        itemStyle: { color: CHART_COLOURS.text },
      },
    ],
  };
}
