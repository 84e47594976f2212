/**
 * The line plots of the live pages that draw a density as a line (nnlif, elapsed): the runs' N(t) over a
 * scrolling window with the exact steady rates as grey lines under them. The run is drawn in the colours of
 * the series cycle (as playback), the exact steady states in grey.
 */
import { SERIES_COLORS } from '../../src/render/canvas/axes';
import { drawLinePlot, type PlotSeries } from '../../src/render/canvas/linePlot';
import type { ActivityHistory } from './liveLoop';

/** the colour of run k (population k) */
export const runColor = (k: number): string => SERIES_COLORS[k % SERIES_COLORS.length]!;
/** the exact steady states, under the run */
export const STEADY_COLOR = '#a0a0a0';
/** 4 significant digits, no trailing zeros */
export const fixed = (x: number) => String(Number(x.toPrecision(4)));

export interface LiveActivityPlot {
  t: number;
  history: ActivityHistory;
  /** the span of time shown (≤ 0: since the start) */
  window: number;
  /** the labels of history.series, in order (the first is the probe's N) */
  runs: string[];
  /** exact steady rates, each a horizontal grey line with its label */
  steady: { N: number; label: string }[];
  title: string;
}

/**
 * N(t) of every run over the last `window` time units. The y axis is [0, 1.15 × the largest N shown]: a
 * constant N(t) is a line inside the plot, not on its frame; the steady rates count up to 3 × that N (an
 * unstable one far above would squash the run; its legend stays).
 */
export function drawLiveActivity(canvas: HTMLCanvasElement, p: LiveActivityPlot): void {
  const span = p.window > 0 ? p.window : Math.max(p.t, 1e-9);
  const x = { min: Math.max(0, p.t - span), max: Math.max(p.t, span), label: 't' };
  const { history } = p;
  let top = 0;
  for (const N of history.series) for (let k = 0; k < N.length; k++) if (history.t[k]! >= x.min && N[k]! > top) top = N[k]!;
  const runTop = top;
  for (const s of p.steady) if (s.N <= 3 * runTop || runTop === 0) top = Math.max(top, s.N);
  const steady: PlotSeries[] = p.steady.map((s) => ({ x: [x.min, x.max], y: [s.N, s.N], label: s.label, color: STEADY_COLOR }));
  drawLinePlot(canvas, {
    series: [...steady, ...history.series.map((N, k) => ({ x: history.t, y: N, label: p.runs[k], color: runColor(k) }))],
    x,
    y: { label: 'N(t)', min: 0, max: Number.isFinite(top) && top > 0 ? 1.15 * top : 1 },
    title: p.title,
  });
}
