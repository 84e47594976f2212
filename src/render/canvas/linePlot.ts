/**
 * Line plots on a 2D canvas for the viewer: N(t) with a cursor at the time shown, the marginal n(v)
 * with markers at VR, VF, V*, the traces of a study. Axes have ticks in model units (as the PNG
 * figures); long series are reduced to their per-pixel-column envelope, so a trace of 10⁵ steps
 * draws as fast as one of 10³ and looks the same.
 */
import {
  type Axis,
  type AxisSpec,
  drawFrame,
  drawGrid,
  drawMarkers,
  drawTitle,
  drawXAxis,
  drawYAxis,
  FONT,
  FONT_PX,
  INK,
  makeAxis,
  type Marker,
  prepareCanvas,
  SERIES_COLORS,
} from './axes';
import type { Rect } from './layout';

export interface PlotSeries {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  color?: string;
  label?: string;
}

export interface LinePlotSpec {
  series: PlotSeries[];
  x: AxisSpec;
  /** y range automatic (from the data inside the x range, padded) for whichever of min/max is absent */
  y?: Partial<AxisSpec> & { label: string };
  /** vertical line at this x */
  cursor?: number;
  markers?: Marker[];
  title?: string;
}

const RIGHT = 20;
const BOTTOM = 46;

export function drawLinePlot(canvas: HTMLCanvasElement, spec: LinePlotSpec): void {
  const { ctx, width, height } = prepareCanvas(canvas);
  const yScale = spec.y?.scale ?? 'linear';
  const auto = dataRange(spec.series, spec.x, yScale);
  const ySpec: AxisSpec = { label: spec.y?.label ?? '', scale: yScale, min: spec.y?.min ?? auto.min, max: spec.y?.max ?? auto.max };

  const top = (spec.title ? FONT_PX + 10 : 8) + (spec.markers?.length ? FONT_PX + 4 : 0);
  const plotHeight = Math.max(1, height - top - BOTTOM);
  // The left margin follows the widest y label, so short labels leave more room for the data.
  const probe = makeAxis(ctx, ySpec, top + plotHeight, top, 'y');
  const widest = Math.max(0, ...probe.labels.map((l) => ctx.measureText(l).width));
  const left = Math.ceil(widest + 5 + 4 + 6 + FONT_PX + 4);
  const plot: Rect = { left, top, width: Math.max(1, width - left - RIGHT), height: plotHeight };

  const x = makeAxis(ctx, spec.x, plot.left, plot.left + plot.width, 'x');
  const y = makeAxis(ctx, ySpec, plot.top + plot.height, plot.top, 'y');
  drawGrid(ctx, plot, x, y);
  ctx.save();
  ctx.beginPath();
  ctx.rect(plot.left, plot.top, plot.width, plot.height);
  ctx.clip();
  spec.series.forEach((s, k) => drawSeries(ctx, s, x, y, s.color ?? SERIES_COLORS[k % SERIES_COLORS.length]!));
  ctx.restore();
  if (spec.markers) drawMarkers(ctx, plot, x, spec.markers, false);
  drawFrame(ctx, plot);
  // After the frame, so that a cursor at either end of the axis still shows over it.
  if (spec.cursor !== undefined && spec.cursor >= x.min && spec.cursor <= x.max) {
    const px = Math.min(plot.left + plot.width, Math.max(plot.left - 1, Math.round(x.toPixel(spec.cursor)))) + 0.5;
    ctx.strokeStyle = '#c0392b';
    ctx.lineWidth = 1.5;
    ctx.setLineDash([]);
    ctx.beginPath();
    ctx.moveTo(px, plot.top);
    ctx.lineTo(px, plot.top + plot.height);
    ctx.stroke();
  }
  drawXAxis(ctx, plot, x, spec.x.label);
  drawYAxis(ctx, plot, y, ySpec.label);
  drawLegend(ctx, plot, spec.series);
  if (spec.title) drawTitle(ctx, spec.title, plot);
}

/** Finite y (positive for a log axis) of the points inside the x range, padded by 5% of the span (of its decades on a log axis). */
function dataRange(series: readonly PlotSeries[], xSpec: AxisSpec, scale: 'linear' | 'log'): { min: number; max: number } {
  const xLo = Math.min(xSpec.min, xSpec.max);
  const xHi = Math.max(xSpec.min, xSpec.max);
  let min = Infinity;
  let max = -Infinity;
  for (const s of series) {
    const n = Math.min(s.x.length, s.y.length);
    for (let k = 0; k < n; k++) {
      const xv = s.x[k]!;
      const yv = s.y[k]!;
      if (!(xv >= xLo && xv <= xHi) || !Number.isFinite(yv) || (scale === 'log' && yv <= 0)) continue;
      if (yv < min) min = yv;
      if (yv > max) max = yv;
    }
  }
  if (!(min <= max)) return scale === 'log' ? { min: 0.1, max: 10 } : { min: 0, max: 1 };
  if (scale === 'log') {
    const pad = 10 ** (0.05 * Math.max(Math.log10(max / min), 1));
    return { min: min / pad, max: max * pad };
  }
  const pad = 0.05 * (max - min || Math.abs(max) || 1);
  return { min: min - pad, max: max + pad };
}

/**
 * The polyline of a series in pixels. When x increases and there are several points per pixel column,
 * each column keeps its first, lowest, highest and last point (in their order): the envelope that the
 * full series would paint. Non-finite points (and y ≤ 0 on a log axis) break the line.
 */
function drawSeries(ctx: CanvasRenderingContext2D, s: PlotSeries, x: Axis, y: Axis, color: string): void {
  const n = Math.min(s.x.length, s.y.length);
  const valid = (k: number) => Number.isFinite(s.x[k]!) && Number.isFinite(s.y[k]!) && (!y.log || s.y[k]! > 0) && (!x.log || s.x[k]! > 0);
  let ascending = true;
  for (let k = 1; k < n && ascending; k++) ascending = !(s.x[k]! < s.x[k - 1]!);
  const plotWidth = Math.abs(x.toPixel(x.max) - x.toPixel(x.min));
  const envelope = ascending && n > 3 * plotWidth;

  ctx.strokeStyle = color;
  ctx.lineWidth = 1.5;
  ctx.lineJoin = 'round';
  ctx.setLineDash([]);
  ctx.beginPath();
  let penDown = false;
  let k = 0;
  while (k < n) {
    if (!valid(k)) {
      penDown = false;
      k++;
      continue;
    }
    const column = Math.floor(x.toPixel(s.x[k]!));
    let end = k + 1;
    if (envelope) while (end < n && valid(end) && Math.floor(x.toPixel(s.x[end]!)) === column) end++;
    let lowest = k;
    let highest = k;
    for (let m = k + 1; m < end; m++) {
      if (s.y[m]! < s.y[lowest]!) lowest = m;
      if (s.y[m]! > s.y[highest]!) highest = m;
    }
    for (const m of [...new Set([k, lowest, highest, end - 1])].sort((a, b) => a - b)) {
      const px = x.toPixel(s.x[m]!);
      const py = y.toPixel(s.y[m]!);
      if (penDown) ctx.lineTo(px, py);
      else ctx.moveTo(px, py);
      penDown = true;
    }
    k = end;
  }
  ctx.stroke();
}

/** The labelled series, top right inside the plot; rows that do not fit are counted in a last row. */
function drawLegend(ctx: CanvasRenderingContext2D, plot: Rect, series: readonly PlotSeries[]): void {
  const entries = series.map((s, k) => ({ label: s.label, color: s.color ?? SERIES_COLORS[k % SERIES_COLORS.length]! })).filter((e): e is { label: string; color: string } => !!e.label);
  if (entries.length === 0) return;
  const rowHeight = FONT_PX + 4;
  const fit = Math.max(1, Math.floor((plot.height - 12) / rowHeight));
  const shown = entries.length > fit ? entries.slice(0, fit - 1) : entries;
  const more = entries.length - shown.length;
  const texts = [...shown.map((e) => e.label), ...(more > 0 ? [`+${more} more`] : [])];
  ctx.font = FONT;
  const swatch = 18;
  const boxWidth = Math.min(plot.width - 8, 6 + swatch + 6 + Math.max(...texts.map((t) => ctx.measureText(t).width)) + 6);
  const boxHeight = texts.length * rowHeight + 6;
  const left = plot.left + plot.width - boxWidth - 4;
  const top = plot.top + 4;
  ctx.fillStyle = 'rgba(255, 255, 255, 0.85)';
  ctx.fillRect(left, top, boxWidth, boxHeight);
  ctx.strokeStyle = '#bbbbbb';
  ctx.lineWidth = 1;
  ctx.strokeRect(left + 0.5, top + 0.5, boxWidth - 1, boxHeight - 1);
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  texts.forEach((text, row) => {
    const cy = top + 3 + row * rowHeight + rowHeight / 2;
    const entry = shown[row];
    if (entry) {
      ctx.strokeStyle = entry.color;
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.moveTo(left + 6, cy);
      ctx.lineTo(left + 6 + swatch, cy);
      ctx.stroke();
    }
    ctx.fillStyle = INK;
    ctx.fillText(text, left + 6 + swatch + 6, cy, boxWidth - swatch - 18);
  });
}
