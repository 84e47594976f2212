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
  textWidth,
  xAxisHeight,
} from './figure.js';
import { Raster, paint, type Clip, type Paint } from './raster.js';
import { formatTickLabels, logTicks, niceTicks } from './ticks.js';

export type MarkerShape = 'dot' | 'diamond' | 'square' | 'triangle';

export interface LineSeries {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  label: string;
  /** CSS colour; default: the series' place in SERIES_COLOURS. */
  colour?: string;
  /** Draw the polyline (default true); false gives a marker-only series. */
  line?: boolean;
  /** Line width in px (default 2). */
  lineWidth?: number;
  /** Dash pattern [on, off] in px along the line (default solid); the pattern runs on across vertices. */
  dash?: [number, number];
  /**
   * Marker at each point: 'auto' (default) is a dot for series of at most 30 points and none
   * otherwise; 'none'; or a shape (drawn with a thin white halo so it stands out on lines).
   */
  marker?: 'auto' | 'none' | MarkerShape;
  /** Marker radius in px (default 3.5 for dots, 6 for the other shapes). */
  markerSize?: number;
  /** List the series in the legend (default true). */
  legend?: boolean;
}

/** A text note at a data point, offset by (dx, dy) px (default: above, centred). */
export interface PlotAnnotation {
  x: number;
  y: number;
  text: string;
  dx?: number;
  dy?: number;
  align?: 'left' | 'center' | 'right';
  colour?: string;
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
  /** Notes drawn over the plot, in data coordinates (points outside the axes are skipped). */
  annotations?: PlotAnnotation[];
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

/** The marker a series gets ('auto': dots for short series). */
function markerOf(s: LineSeries): 'none' | MarkerShape {
  const m = s.marker ?? 'auto';
  if (m === 'auto') return s.x.length <= MARKER_POINT_LIMIT ? 'dot' : 'none';
  return m;
}

const colourOf = (s: LineSeries, index: number): string => s.colour ?? SERIES_COLOURS[index % SERIES_COLOURS.length]!;

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
  const hasDotMarkers = series.some((s) => markerOf(s) !== 'none');
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
  drawAnnotations(raster, plot, opts.annotations ?? [], usable, toPixelX, toPixelY, style);
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
    const colour = paint(colourOf(s, seriesIndex));
    const width = s.lineWidth ?? 2;
    if (s.line ?? true) {
      for (const line of polylines[seriesIndex]!) {
        if (s.dash) for (const dash of dashPieces(line, s.dash)) raster.strokePolyline(dash, width, colour, clip);
        else raster.strokePolyline(line, width, colour, clip);
      }
    }
    const marker = markerOf(s);
    if (marker !== 'none') {
      for (const line of polylines[seriesIndex]!) {
        for (let k = 0; k < line.length; k += 2) drawMarker(raster, marker, line[k]!, line[k + 1]!, s.markerSize, colour, clip);
      }
    }
  });
}

/**
 * The dashes of a pixel polyline: pieces `dash[0]` px long every `dash[0] + dash[1]` px of arc
 * length, the pattern carried on across vertices (so a dashed curve of many short segments still
 * reads as evenly dashed).
 */
export function dashPieces(line: ArrayLike<number>, dash: [number, number]): Float64Array[] {
  const [on, off] = dash;
  const n = line.length >> 1;
  if (n === 0) return [];
  if (!(on > 0) || !(off > 0)) return [Float64Array.from(line)];
  const period = on + off;
  const pieces: Float64Array[] = [];
  let current: number[] = [line[0]!, line[1]!];
  let phase = 0; // arc length into the current period
  let drawing = true;
  for (let k = 1; k < n; k++) {
    let ax = line[2 * k - 2]!, ay = line[2 * k - 1]!;
    const bx = line[2 * k]!, by = line[2 * k + 1]!;
    let remaining = Math.hypot(bx - ax, by - ay);
    while (remaining > 0) {
      const toSwitch = (drawing ? on : period) - phase;
      const step = Math.min(toSwitch, remaining);
      const t = step / remaining;
      const x = ax + (bx - ax) * t, y = ay + (by - ay) * t;
      if (drawing) current.push(x, y);
      phase += step;
      remaining -= step;
      [ax, ay] = [x, y];
      if (step === toSwitch) {
        if (drawing) {
          pieces.push(Float64Array.from(current));
          current = [];
          drawing = false;
        } else {
          phase = 0;
          drawing = true;
          current = [x, y];
        }
      }
    }
  }
  if (drawing && current.length >= 4) pieces.push(Float64Array.from(current));
  return pieces;
}

/** Outline of a marker shape of radius r centred on (x, y), as a closed polygon. */
function markerPolygon(shape: Exclude<MarkerShape, 'dot'>, x: number, y: number, r: number): Float64Array {
  if (shape === 'diamond') return Float64Array.of(x, y - r, x + r, y, x, y + r, x - r, y);
  if (shape === 'square') {
    const h = r * 0.8;
    return Float64Array.of(x - h, y - h, x + h, y - h, x + h, y + h, x - h, y + h);
  }
  // triangle, pointing up, centred on its centroid
  return Float64Array.of(x, y - r, x + r * 0.866, y + r * 0.5, x - r * 0.866, y + r * 0.5);
}

function drawMarker(raster: Raster, shape: MarkerShape, x: number, y: number, size: number | undefined, colour: Paint, clip?: Clip): void {
  if (shape === 'dot') {
    raster.fillCircle(x, y, size ?? 3.5, colour, clip);
    return;
  }
  const r = size ?? 6;
  // a white halo first, so the marker stands out where it sits on a line
  raster.fillPolygons([markerPolygon(shape, x, y, r + 2)], '#ffffff', clip);
  raster.fillPolygons([markerPolygon(shape, x, y, r)], colour, clip);
}

/**
 * Notes in data coordinates. Each is placed at its offset or, where that box would overlap a note
 * already placed or leave the plot, at the first free one of: the mirrored vertical offset, one line
 * higher, one line lower (else at its offset anyway). Earlier notes take precedence.
 */
function drawAnnotations(
  raster: Raster,
  plot: PlotRect,
  annotations: PlotAnnotation[],
  usable: (x: number, y: number) => boolean,
  toPixelX: (x: number) => number,
  toPixelY: (y: number) => number,
  style: FigureStyle,
): void {
  const placed: { x0: number; y0: number; x1: number; y1: number }[] = [];
  const line = lineHeight(style.tickFontPx);
  for (const a of annotations) {
    if (!usable(a.x, a.y)) continue;
    const px = toPixelX(a.x), py = toPixelY(a.y);
    if (px < plot.x || px > plot.x + plot.width || py < plot.y || py > plot.y + plot.height) continue;
    const align = a.align ?? 'center';
    const width = textWidth(style.tickFont, a.text);
    const dx = a.dx ?? 0;
    const dy = a.dy ?? -(style.tickFontPx * 0.9 + 4);
    const box = (offsetY: number) => {
      const x = px + dx;
      const x0 = align === 'left' ? x : align === 'right' ? x - width : x - width / 2;
      const y = py + offsetY;
      return { x0, y0: y - line / 2, x1: x0 + width, y1: y + line / 2 };
    };
    const free = (b: { x0: number; y0: number; x1: number; y1: number }) =>
      b.x0 >= plot.x && b.x1 <= plot.x + plot.width && b.y0 >= plot.y && b.y1 <= plot.y + plot.height &&
      !placed.some((q) => b.x0 < q.x1 && q.x0 < b.x1 && b.y0 < q.y1 && q.y0 < b.y1);
    const candidates = [dy, ...(dy !== 0 ? [-dy] : []), dy - line, dy + line];
    const chosen = candidates.find((c) => free(box(c))) ?? dy;
    placed.push(box(chosen));
    raster.fillText(a.text, px + dx, py + chosen, style.tickFont, a.colour ?? INK, { align, baseline: 'middle' });
  }
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
  const entries = series
    .map((s, k) => ({ series: s, label: s.label, colour: colourOf(s, k) }))
    .filter((e) => e.series.legend ?? true);
  if (!entries.some((e) => e.label)) return;
  const rowHeight = lineHeight(style.tickFontPx) + 2;
  const swatch = Math.round(style.tickFontPx * 2);
  const inner = style.gap;
  const textWidthMax = maxTextWidth(style.tickFont, entries.map((e) => e.label));
  const boxWidth = Math.ceil(inner * 3 + swatch + textWidthMax);
  const boxHeight = Math.ceil(inner * 2 + rowHeight * entries.length);

  const occupancy = new Occupancy(plot);
  polylines.forEach((lines, k) => {
    for (const line of lines) {
      if (series[k]!.line ?? true) occupancy.addPolyline(line);
      else for (let m = 0; m < line.length; m += 2) occupancy.addPolyline(line.subarray(m, m + 2));
    }
  });
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
    const s = entry.series;
    if (s.line ?? true) {
      if (s.dash) {
        const period = s.dash[0] + s.dash[1];
        for (let x = 0; x < swatch; x += period) raster.fillRect(boxX + inner + x, lineY - 1, Math.min(s.dash[0], swatch - x), 2, entry.colour);
      } else raster.fillRect(boxX + inner, lineY - 1, swatch, 2, entry.colour);
    }
    const marker = markerOf(s);
    // an explicit marker is shown on the swatch ('auto' dots are left off, as before)
    if (marker !== 'none' && (s.marker !== undefined && s.marker !== 'auto')) {
      drawMarker(raster, marker, boxX + inner + swatch / 2, lineY, s.markerSize, paint(entry.colour));
    }
    raster.fillText(entry.label, boxX + inner * 2 + swatch, lineY, style.tickFont, INK, { align: 'left', baseline: 'middle' });
  });
}
