import { BarChart, GaugeChart, LineChart, type BarSeriesOption, type GaugeSeriesOption, type LineSeriesOption } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent, type GridComponentOption, type LegendComponentOption, type TooltipComponentOption } from 'echarts/components';
import { init, use, type ComposeOption, type ECharts } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

// Only the charts the viewer draws: the full ECharts build is several times larger.
use([GaugeChart, BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

export type ChartOption = ComposeOption<GaugeSeriesOption | BarSeriesOption | LineSeriesOption | GridComponentOption | LegendComponentOption | TooltipComponentOption>;

/** Text and line colours of the dark theme, shared by every chart. */
export const CHART_COLOURS = {
  text: '#c9d4e3',
  muted: '#7f8ea3',
  line: '#2a3648',
  series: ['#3aa0ff', '#35c48b', '#f0a030', '#a37bff'],
  good: '#35c48b',
  warn: '#f0a030',
  bad: '#f04b4b',
};

export function createChart(el: HTMLElement): ECharts {
  return init(el, undefined, { renderer: 'canvas' });
}
export type { ECharts };
