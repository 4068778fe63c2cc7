import { useEffect, useRef, type ReactNode } from 'react';
import { createChart, type ChartOption, type ECharts } from './echarts.js';

/** An ECharts chart that follows its option and its box's size. */
export function Chart({ option, className, label }: { option: ChartOption; className?: string; label: string }): ReactNode {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<ECharts | null>(null);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const c = createChart(el);
    chart.current = c;
    const resize = new ResizeObserver(() => c.resize());
    resize.observe(el);
    return () => {
      resize.disconnect();
      c.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    chart.current?.setOption(option, { notMerge: true });
  }, [option]);

  return <div ref={box} className={className} role="img" aria-label={label} />;
}
