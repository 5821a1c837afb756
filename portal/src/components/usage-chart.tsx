// Usage over time with uPlot (small, fast, canvas). The canvas is decorative for screen readers: the
// figure's caption and the table beside it say the same in text.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { useI18n } from '../i18n';

export interface Series {
  label: string;
  points: Array<{ at: string; bytes: number }>;
}

const COLORS = ['#1d4ed8', '#b45309', '#047857', '#7c3aed', '#be123c'];

export function UsageChart({ series, title }: { series: Series[]; title: string }) {
  const { bytes, date, t } = useI18n();
  const box = useRef<HTMLDivElement>(null);
  const withData = series.filter((s) => s.points.length > 0);

  useEffect(() => {
    const el = box.current;
    if (!el || withData.length === 0) return;
    // one x axis: every sample time of every series, each series null where it has no sample
    const times = [...new Set(withData.flatMap((s) => s.points.map((p) => Date.parse(p.at) / 1000)))].sort((a, b) => a - b);
    const ys = withData.map((s) => {
      const m = new Map(s.points.map((p) => [Date.parse(p.at) / 1000, p.bytes]));
      return times.map((x) => m.get(x) ?? null);
    });
    const width = () => Math.max(280, el.clientWidth);
    const plot = new uPlot(
      {
        width: width(),
        height: 220,
        series: [{}, ...withData.map((s, i) => ({ label: s.label, stroke: COLORS[i % COLORS.length], width: 2, spanGaps: true }))],
        axes: [{}, { values: (_u, vals) => vals.map((v) => bytes(v)), size: 80 }],
        legend: { show: true },
      },
      [times, ...ys] as uPlot.AlignedData,
      el,
    );
    const onResize = () => plot.setSize({ width: width(), height: 220 });
    window.addEventListener('resize', onResize);
    return () => {
      window.removeEventListener('resize', onResize);
      plot.destroy();
    };
  }, [JSON.stringify(withData)]);

  if (withData.length === 0) return <p>{t('usageChartEmpty')}</p>;
  const last = (s: Series) => s.points[s.points.length - 1]!;
  return (
    <figure class="chart">
      <div ref={box} aria-hidden="true" />
      <figcaption>
        {title}: {withData.map((s) => `${s.label} ${bytes(last(s).bytes)} (${date(last(s).at)})`).join('; ')}
      </figcaption>
    </figure>
  );
}
