/**
 * Simple PNG line plots (population activity N(t), convergence/error curves on
 * log-log axes) with ticks, grid and a legend, rendered in pure JavaScript
 * (see raster.ts).
 */

import {
  type FigureStyle,
  type PlotRect,
  INK,
  drawFrame,
  drawGrid,
  drawTitle,
  drawXAxis,
  drawYAxis,
  figureStyle,
  fitTickCount,
  lineHeight,
  maxTextWidth,
  xAxisHeight,
} from './figure.js';
import { Raster, paint, type Clip } from './raster.js';
import { formatTickLabels, logTicks, niceTicks } from './ticks.js';

export interface LineSeries {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  label: string;
}

export interface LinePlotOptions {
  title?: string;
  xLabel: string;
  yLabel: string;
  logX?: boolean;
  logY?: boolean;
  /** Total image size in px; defaults 900 x 600. */
  width?: number;
  height?: number;
}

export interface LinePlotRender {
  png: Buffer;
  plot: PlotRect;
  xRange: [number, number];
  yRange: [number, number];
}

/** matplotlib's tab10 cycle: distinct, colour-blind-tolerant and familiar. */
export const SERIES_COLOURS = [
  '#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf',
];

/** Series with at most this many points also get dot markers (e.g. a handful of grid resolutions in a convergence plot). */
const MARKER_POINT_LIMIT = 30;

export function renderLinePlotPng(series: LineSeries[], opts: LinePlotOptions): Buffer {
  return renderLinePlot(series, opts).png;
}

/** As renderLinePlotPng, also reporting the plot rectangle and axis ranges. */
export function renderLinePlot(series: LineSeries[], opts: LinePlotOptions): LinePlotRender {
  const width = Math.round(opts.width ?? 900);
  const height = Math.round(opts.height ?? 600);
  if (!(width >= 200 && height >= 150 && width <= 16384 && height <= 16384)) {
    throw new Error(`renderLinePlotPng: image size ${width} x ${height} must be within 200x150 .. 16384x16384`);
  }
  series.forEach((s, k) => {
    if (s.x.length !== s.y.length) {
      throw new Error(`renderLinePlotPng: series ${k} ('${s.label}') has ${s.x.length} x values but ${s.y.length} y values`);
    }
  });
  const logX = opts.logX ?? false;
  const logY = opts.logY ?? false;
  const usable = (x: number, y: number): boolean =>
    Number.isFinite(x) && Number.isFinite(y) && (!logX || x > 0) && (!logY || y > 0);

  let xMin = Infinity, xMax = -Infinity, yMin = Infinity, yMax = -Infinity;
  for (const s of series) {
    for (let k = 0; k < s.x.length; k++) {
      const x = s.x[k]!;
      const y = s.y[k]!;
      if (!usable(x, y)) continue;
      if (x < xMin) xMin = x;
      if (x > xMax) xMax = x;
      if (y < yMin) yMin = y;
      if (y > yMax) yMax = y;
    }
  }
  // Time axes read best flush with the data; dot markers and log axes need room so end points are not cut.
  const hasDotMarkers = series.some((s) => s.x.length <= MARKER_POINT_LIMIT);
  const xAxis = axisRange(xMin, xMax, logX, logX || hasDotMarkers ? 0.04 : 0);
  const yAxis = axisRange(yMin, yMax, logY, 0.05);

  const raster = new Raster(width, height);
  const style = figureStyle(width, height);

  const titleBlock = opts.title ? lineHeight(style.titleFontPx) + style.gap : 0;
  const top = Math.ceil(style.pad + titleBlock + style.gap);
  const bottomMargin = Math.ceil(style.pad + xAxisHeight(style));
  const plotHeight = Math.max(16, height - top - bottomMargin);

  const yTicks = axisTicks(yAxis, logY, Math.max(2, Math.round(plotHeight / 70)));
  const yLabelWidth = maxTextWidth(style.tickFont, yTicks.labels);
  const labelLine = lineHeight(style.labelFontPx);
  const left = Math.ceil(style.pad + labelLine + style.gap + yLabelWidth + style.gap / 2 + style.tickLength + 2);
  const right = Math.ceil(style.pad + style.tickFontPx); // room for the last x tick label to overhang the plot
  const plot: PlotRect = { x: left, y: top, width: Math.max(16, width - left - right), height: plotHeight };

  const xApprox = fitTickCount(
    plot.width,
    100,
    (approx) => {
      const t = axisTicks(xAxis, logX, approx);
      return { count: t.values.length, maxLabelPx: maxTextWidth(style.tickFont, t.labels) };
    },
    Math.max(12, style.tickFontPx),
  );
  const xTicks = axisTicks(xAxis, logX, xApprox);

  const toPixelX = (x: number): number => plot.x + unit(x, xAxis, logX) * plot.width;
  const toPixelY = (y: number): number => plot.y + plot.height - unit(y, yAxis, logY) * plot.height;

  drawGrid(raster, plot, xTicks.values.map(toPixelX), yTicks.values.map(toPixelY));
  const polylines = series.map((s) => seriesPolylines(s, usable, toPixelX, toPixelY, plot.width));
  drawSeries(raster, plot, series, polylines);
  drawFrame(raster, plot);
  drawXAxis(
    raster,
    plot,
    { positions: xTicks.values.map(toPixelX), labels: xTicks.labels, minorPositions: xTicks.minor.map(toPixelX) },
    style,
    opts.xLabel,
  );
  drawYAxis(
    raster,
    plot,
    { positions: yTicks.values.map(toPixelY), labels: yTicks.labels, minorPositions: yTicks.minor.map(toPixelY) },
    style,
    opts.yLabel,
    style.pad + labelLine / 2,
  );
  drawLegend(raster, plot, series, polylines, style);
  if (opts.title) drawTitle(raster, opts.title, plot.x + plot.width / 2, style.pad, style);

  return { png: raster.toPng(), plot, xRange: xAxis, yRange: yAxis };
}

/** Axis extent from the data, padded by `padFraction` (of the log span on log axes); never degenerate. */
function axisRange(min: number, max: number, log: boolean, padFraction: number): [number, number] {
  if (!(min <= max)) return log ? [1, 10] : [0, 1];
  if (log) {
    let lo = Math.log10(min);
    let hi = Math.log10(max);
    if (lo === hi) {
      lo -= 0.5;
      hi += 0.5;
    }
    const pad = (hi - lo) * padFraction;
    return [10 ** (lo - pad), 10 ** (hi + pad)];
  }
  if (min === max) {
    const half = min !== 0 ? Math.abs(min) * 0.1 : 1;
    return [min - half, max + half];
  }
  const pad = (max - min) * padFraction;
  return [min - pad, max + pad];
}

function unit(value: number, range: [number, number], log: boolean): number {
  if (log) return (Math.log10(value) - Math.log10(range[0])) / (Math.log10(range[1]) - Math.log10(range[0]));
  return (value - range[0]) / (range[1] - range[0]);
}

function axisTicks(
  range: [number, number],
  log: boolean,
  approxCount: number,
): { values: number[]; labels: string[]; minor: number[] } {
  if (log) {
    const t = logTicks(range[0], range[1], approxCount);
    return { values: t.major, labels: t.labels, minor: t.minor };
  }
  const values = niceTicks(range[0], range[1], approxCount);
  return { values, labels: formatTickLabels(values), minor: [] };
}

/**
 * Indices worth drawing for a long series with increasing x: per pixel column
 * the first, lowest, highest and last points, which draws identically to the
 * full polyline at a fraction of the cost (N(t) traces can have 10^6 samples).
 */
function decimatedIndices(
  s: LineSeries,
  usable: (x: number, y: number) => boolean,
  toPixelX: (x: number) => number,
  plotWidth: number,
): ArrayLike<number> | null {
  const n = s.x.length;
  if (n <= 4 * plotWidth) return null;
  for (let k = 1; k < n; k++) if (s.x[k]! < s.x[k - 1]!) return null;
  const kept: number[] = [];
  let column = Number.NaN;
  let first = -1, low = -1, high = -1, last = -1;
  const flush = (): void => {
    if (first < 0) return;
    const inColumn = [first, low, high, last].sort((a, b) => a - b);
    for (let k = 0; k < inColumn.length; k++) if (k === 0 || inColumn[k] !== inColumn[k - 1]) kept.push(inColumn[k]!);
  };
  for (let k = 0; k < n; k++) {
    const x = s.x[k]!;
    const y = s.y[k]!;
    if (!usable(x, y)) {
      flush();
      first = low = high = last = -1;
      kept.push(k); // keeps the gap so the line still breaks here
      column = Number.NaN;
      continue;
    }
    const c = Math.floor(toPixelX(x));
    if (c !== column) {
      flush();
      column = c;
      first = low = high = last = k;
    } else {
      if (y < s.y[low]!) low = k;
      if (y > s.y[high]!) high = k;
      last = k;
    }
  }
  flush();
  return kept;
}

/** Pixel polylines of a series, split where points are unusable (NaN, or <= 0 on a log axis). */
function seriesPolylines(
  s: LineSeries,
  usable: (x: number, y: number) => boolean,
  toPixelX: (x: number) => number,
  toPixelY: (y: number) => number,
  plotWidth: number,
): Float64Array[] {
  const indices = decimatedIndices(s, usable, toPixelX, plotWidth);
  const count = indices ? indices.length : s.x.length;
  const polylines: Float64Array[] = [];
  let current: number[] = [];
  for (let m = 0; m < count; m++) {
    const k = indices ? indices[m]! : m;
    const x = s.x[k]!;
    const y = s.y[k]!;
    if (!usable(x, y)) {
      if (current.length) polylines.push(Float64Array.from(current));
      current = [];
      continue;
    }
    current.push(toPixelX(x), toPixelY(y));
  }
  if (current.length) polylines.push(Float64Array.from(current));
  return polylines;
}

function drawSeries(raster: Raster, plot: PlotRect, series: LineSeries[], polylines: Float64Array[][]): void {
  const clip: Clip = { x0: plot.x, y0: plot.y, x1: plot.x + plot.width, y1: plot.y + plot.height };
  series.forEach((s, seriesIndex) => {
    const colour = paint(SERIES_COLOURS[seriesIndex % SERIES_COLOURS.length]!);
    for (const line of polylines[seriesIndex]!) raster.strokePolyline(line, 2, colour, clip);
    if (s.x.length <= MARKER_POINT_LIMIT) {
      for (const line of polylines[seriesIndex]!) {
        for (let k = 0; k < line.length; k += 2) raster.fillCircle(line[k]!, line[k + 1]!, 3.5, colour, clip);
      }
    }
  });
}

/** Coarse map of which parts of the plot the curves pass through, for placing the legend. */
class Occupancy {
  static readonly CELL_PX = 4;
  readonly columns: number;
  readonly rows: number;
  readonly cells: Uint8Array;

  constructor(private readonly plot: PlotRect) {
    this.columns = Math.ceil(plot.width / Occupancy.CELL_PX);
    this.rows = Math.ceil(plot.height / Occupancy.CELL_PX);
    this.cells = new Uint8Array(this.columns * this.rows);
  }

  private mark(x: number, y: number): void {
    const c = Math.floor((x - this.plot.x) / Occupancy.CELL_PX);
    const r = Math.floor((y - this.plot.y) / Occupancy.CELL_PX);
    if (c >= 0 && c < this.columns && r >= 0 && r < this.rows) this.cells[r * this.columns + c] = 1;
  }

  addPolyline(line: Float64Array): void {
    this.mark(line[0]!, line[1]!);
    for (let k = 2; k < line.length; k += 2) {
      const x0 = line[k - 2]!, y0 = line[k - 1]!, x1 = line[k]!, y1 = line[k + 1]!;
      // Steps of half a cell so no crossed cell is skipped; capped for segments far outside the plot.
      const steps = Math.min(4096, Math.ceil(Math.hypot(x1 - x0, y1 - y0) / (Occupancy.CELL_PX / 2)));
      for (let m = 1; m <= steps; m++) this.mark(x0 + ((x1 - x0) * m) / steps, y0 + ((y1 - y0) * m) / steps);
    }
  }

  countIn(x: number, y: number, width: number, height: number): number {
    const c0 = Math.max(0, Math.floor((x - this.plot.x) / Occupancy.CELL_PX));
    const c1 = Math.min(this.columns, Math.ceil((x + width - this.plot.x) / Occupancy.CELL_PX));
    const r0 = Math.max(0, Math.floor((y - this.plot.y) / Occupancy.CELL_PX));
    const r1 = Math.min(this.rows, Math.ceil((y + height - this.plot.y) / Occupancy.CELL_PX));
    let count = 0;
    for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) count += this.cells[r * this.columns + c]!;
    return count;
  }
}

/** Legend in whichever plot corner the curves cover least (upper right on ties, as is customary). */
function drawLegend(
  raster: Raster,
  plot: PlotRect,
  series: LineSeries[],
  polylines: Float64Array[][],
  style: FigureStyle,
): void {
  const entries = series.map((s, k) => ({ label: s.label, colour: SERIES_COLOURS[k % SERIES_COLOURS.length]! }));
  if (!entries.some((e) => e.label)) return;
  const rowHeight = lineHeight(style.tickFontPx) + 2;
  const swatch = Math.round(style.tickFontPx * 2);
  const inner = style.gap;
  const textWidthMax = maxTextWidth(style.tickFont, entries.map((e) => e.label));
  const boxWidth = Math.ceil(inner * 3 + swatch + textWidthMax);
  const boxHeight = Math.ceil(inner * 2 + rowHeight * entries.length);

  const occupancy = new Occupancy(plot);
  for (const lines of polylines) for (const line of lines) occupancy.addPolyline(line);
  const margin = style.gap;
  const left = plot.x + margin;
  const right = plot.x + plot.width - boxWidth - margin;
  const top = plot.y + margin;
  const bottom = plot.y + plot.height - boxHeight - margin;
  const corners: [number, number][] = [[right, top], [left, top], [right, bottom], [left, bottom]];
  let [boxX, boxY] = corners[0]!;
  let leastCovered = Infinity;
  for (const [x, y] of corners) {
    const covered = occupancy.countIn(x, y, boxWidth, boxHeight);
    if (covered < leastCovered) {
      leastCovered = covered;
      [boxX, boxY] = [x, y];
    }
  }
  boxX = Math.round(boxX);
  boxY = Math.round(boxY);

  raster.fillRect(boxX, boxY, boxWidth, boxHeight, 'rgba(255,255,255,0.88)');
  raster.frameRect(boxX + 1, boxY + 1, boxWidth - 2, boxHeight - 2, '#bbbbbb');
  entries.forEach((entry, k) => {
    const centreY = boxY + inner + rowHeight * (k + 0.5);
    const lineY = Math.round(centreY); // a 2 px line centred on a pixel edge stays crisp
    raster.fillRect(boxX + inner, lineY - 1, swatch, 2, entry.colour);
    raster.fillText(entry.label, boxX + inner * 2 + swatch, lineY, style.tickFont, INK, { align: 'left', baseline: 'middle' });
  });
}
