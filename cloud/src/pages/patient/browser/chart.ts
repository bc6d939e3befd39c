/**
 * One vital's uPlot chart: its series (blood pressure: systolic and diastolic together), the x axis
 * on the period asked, the y axis wide enough for the threshold lines, drawn dashed across.
 */
import type { Formats } from './formats.js';
import type { Texts, VitalTrendView } from './summary.js';
import { seriesName } from './summary.js';
import type { UPlot } from './uplot-global.js';

const COLORS = ['#0b5cad', '#b35900'];
export const CHART_HEIGHT = 220;
export const CHART_MIN_WIDTH = 260;

export interface ChartInput {
  vt: VitalTrendView;
  /** The vital's label. */
  vital: string;
  /** Threshold lines of the vital. */
  refs: readonly number[];
  /** The period, ms since the epoch. */
  from: number;
  to: number;
  timeZone: string;
}

export function drawChart(uPlot: typeof UPlot, c: ChartInput, box: HTMLElement, t: Texts, f: Formats): UPlot {
  const { vt, refs } = c;
  const color = (i: number) => COLORS[i % COLORS.length] ?? '#0b5cad';
  const data: UPlot.AlignedData = [
    vt.points.map((p) => Date.parse(p.t) / 1000),
    ...vt.series.map((_, i) => vt.points.map((p) => p.v[i] ?? null)),
  ];
  const series: UPlot.Series[] = [
    { label: t.colTime, value: (_u, ts) => (ts == null ? '—' : f.when.format(new Date(ts * 1000))) },
    ...vt.series.map(
      (name, i): UPlot.Series => ({
        label: vt.series.length > 1 ? seriesName(t, name) : c.vital,
        stroke: color(i),
        width: 2,
        points: { show: true, size: 6, fill: color(i) },
        value: (_u, v) => (v == null ? '—' : `${f.value(vt.key, v)} ${vt.unitDisplay}`),
      }),
    ),
  ];
  return new uPlot(
    {
      width: Math.max(CHART_MIN_WIDTH, box.clientWidth),
      height: CHART_HEIGHT,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), c.timeZone),
      scales: {
        x: { time: true, range: () => [c.from / 1000, c.to / 1000] },
        y: {
          range: (_u, dataMin, dataMax) => {
            let min = dataMin;
            let max = dataMax;
            for (const r of refs) {
              min = Math.min(min, r);
              max = Math.max(max, r);
            }
            const pad = Math.max((max - min) * 0.1, 1);
            return [min - pad, max + pad];
          },
        },
      },
      axes: [
        {
          space: 70,
          values: (_u, splits, _ax, _space, incr) =>
            splits.map((s) => {
              const d = new Date(s * 1000);
              return incr >= 86400 ? f.tickDay.format(d) : `${f.tickDay.format(d)}\n${f.tickHour.format(d)}`;
            }),
        },
        { size: 56, values: (_u, splits) => splits.map((v) => f.value(vt.key, v)) },
      ],
      series,
      hooks: {
        draw: [
          (u) => {
            const ctx = u.ctx;
            ctx.save();
            ctx.strokeStyle = '#cf222e';
            ctx.lineWidth = Math.max(1, devicePixelRatio);
            ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
            for (const r of refs) {
              const y = Math.round(u.valToPos(r, 'y', true));
              ctx.beginPath();
              ctx.moveTo(u.bbox.left, y);
              ctx.lineTo(u.bbox.left + u.bbox.width, y);
              ctx.stroke();
            }
            ctx.restore();
          },
        ],
      },
    },
    data,
    box,
  );
}
