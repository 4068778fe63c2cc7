import type { KpiGroup, KpiName, SiteKpi } from '../../../../protocol/rest.js';
import type { MessageKey } from '../i18n/messages.js';
import { CHART_COLOURS, type ChartOption } from './echarts.js';

/** The four KPIs with the rate field each reads. */
export const KPIS: readonly { kpi: KpiName; key: MessageKey; rate: (g: KpiGroup) => number | null }[] = [
  { kpi: 'online', key: 'kpi.online', rate: (g) => g.onlineRate },
  { kpi: 'picture', key: 'kpi.picture', rate: (g) => g.pictureRate },
  { kpi: 'aiCoverage', key: 'kpi.aiCoverage', rate: (g) => g.aiCoverageRate },
  { kpi: 'directoryCompliance', key: 'kpi.directoryCompliance', rate: (g) => g.directoryComplianceRate },
];

/** Red below 80 %, orange below 95 %: the bands regulators grade 完好率 and 出图率 by. */
export function rateColour(rate: number | null): string {
  if (rate === null) return CHART_COLOURS.muted;
  return rate >= 0.95 ? CHART_COLOURS.good : rate >= 0.8 ? CHART_COLOURS.warn : CHART_COLOURS.bad;
}

/** One KPI as a gauge, 0–100 %. */
export function gaugeOption(title: string, rate: number | null): ChartOption {
  const value = rate === null ? 0 : Math.round(rate * 1000) / 10;
  const colour = rateColour(rate);
  return {
    series: [
      {
        type: 'gauge',
        min: 0,
        max: 100,
        startAngle: 210,
        endAngle: -30,
        radius: '92%',
        progress: { show: true, width: 10, itemStyle: { color: colour } },
        axisLine: { lineStyle: { width: 10, color: [[1, CHART_COLOURS.line]] } },
        axisTick: { show: false },
        splitLine: { show: false },
        axisLabel: { show: false },
        pointer: { show: false },
        anchor: { show: false },
        title: { show: true, offsetCenter: [0, '62%'], color: CHART_COLOURS.text, fontSize: 13 },
        detail: {
          valueAnimation: false,
          offsetCenter: [0, '0%'],
          fontSize: 24,
          fontWeight: 600,
          color: colour,
          formatter: rate === null ? '—' : '{value}%',
        },
        data: [{ value, name: title }],
      },
    ],
  };
}

/** The four rates of every site side by side. */
export function siteBarsOption(sites: readonly SiteKpi[], names: Record<KpiName, string>): ChartOption {
  return {
    color: CHART_COLOURS.series,
    tooltip: { trigger: 'axis', valueFormatter: (v) => (typeof v === 'number' ? `${v.toFixed(1)}%` : String(v)) },
    legend: { top: 0, textStyle: { color: CHART_COLOURS.text } },
    grid: { left: 48, right: 16, top: 36, bottom: 28 },
    xAxis: {
      type: 'category',
      data: sites.map((s) => s.name),
      axisLabel: { color: CHART_COLOURS.text, interval: 0, overflow: 'truncate', width: 120 },
      axisLine: { lineStyle: { color: CHART_COLOURS.line } },
    },
    yAxis: {
      type: 'value',
      min: 0,
      max: 100,
      axisLabel: { color: CHART_COLOURS.muted, formatter: '{value}%' },
      splitLine: { lineStyle: { color: CHART_COLOURS.line } },
    },
    series: KPIS.map(({ kpi, rate }) => ({
      type: 'bar' as const,
      name: names[kpi],
      barMaxWidth: 18,
      data: sites.map((s) => {
        const r = rate(s);
        return r === null ? null : Math.round(r * 1000) / 10;
      }),
    })),
  };
}
