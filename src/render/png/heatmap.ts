/**
 * PNG heatmaps of 2D scalar fields (e.g. a density p(v, w, t) on its grid)
 * with model-unit axes, a labelled colour bar and optional vertical markers
 * (thresholds, reset potentials), rendered in pure JavaScript (a pureimage
 * bitmap drawn by raster.ts, DejaVu Sans text) so figures can be produced from
 * Node without a browser or native modules.
 */

import { colorMapTable, type ColorMapName } from '../colormaps.js';
import {
  type AxisTicks,
  type FigureStyle,
  type PlotRect,
  INK,
  drawFrame,
  drawRotatedLabel,
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
import { Raster, type Clip } from './raster.js';
import { formatTickLabels, logTicks, niceTicks } from './ticks.js';

export type { ColorMapName } from '../colormaps.js';
export type { PlotRect } from './figure.js';
export { niceTicks } from './ticks.js';
export { renderLinePlotPng, type LinePlotOptions, type LineSeries } from './lineplot.js';

export interface HeatmapMarker {
  /** Position in x model units. */
  x: number;
  label: string;
}

export interface HeatmapOptions {
  title?: string;
  xLabel: string;
  yLabel: string;
  /** Model-unit extent of the x axis: left edge of the first column .. right edge of the last column. */
  xRange: [number, number];
  /** Model-unit extent of the y axis: bottom edge of the first row .. top edge of the last row. */
  yRange: [number, number];
  /** Default 'viridis'. */
  colorMap?: ColorMapName;
  /** Default 'linear'. 'log' maps log10(value) with a floor at max * 1e-6 (values at or below it get the lowest colour). */
  scale?: 'linear' | 'log';
  /** Data values mapped to the ends of the colour map (clamped outside). Default: finite data [min, max]. */
  valueRange?: [number, number];
  colorBarLabel?: string;
  /** Vertical dashed lines at model x positions, labelled above the plot. */
  markers?: HeatmapMarker[];
  /** Total image size in px; defaults 900 x 600. */
  width?: number;
  height?: number;
}

export interface HeatmapRender {
  png: Buffer;
  /** Where the field pixels are in the image (image rows grow downwards; row 0 of the data is the bottom row). */
  plot: PlotRect;
  /** The data values at the bottom and top of the colour bar. */
  valueRange: [number, number];
}

/** Colour for NaN/±Inf cells: white is outside viridis, magma and grey's interior and reads as "no data". */
export const NON_FINITE_RGB: readonly [number, number, number] = [255, 255, 255];

/** Log scale shows six decades below the maximum; smaller values (and zeros) share the lowest colour. */
const LOG_FLOOR_RELATIVE = 1e-6;

/**
 * Render a row-major (ny, nx) field as a PNG heatmap: data[j*nx + i] is the
 * value of column i (x) and row j (y), with row 0 at the bottom.
 */
export function renderHeatmapPng(
  data: Float32Array | Float64Array,
  nx: number,
  ny: number,
  opts: HeatmapOptions,
): Buffer {
  return renderHeatmap(data, nx, ny, opts).png;
}

/** As renderHeatmapPng, also reporting the plot rectangle and colour range (for tests and overlays). */
export function renderHeatmap(
  data: Float32Array | Float64Array,
  nx: number,
  ny: number,
  opts: HeatmapOptions,
): HeatmapRender {
  validateInputs(data, nx, ny, opts);
  const width = Math.round(opts.width ?? 900);
  const height = Math.round(opts.height ?? 600);
  const scale = opts.scale ?? 'linear';
  const table = colorMapTable(opts.colorMap ?? 'viridis');

  const stats = scanFinite(data);
  const mapping = colourMapping(stats, scale, opts.valueRange);

  const raster = new Raster(width, height);
  const style = figureStyle(width, height);
  const layout = layoutHeatmap(style, width, height, opts, mapping, stats.nonFiniteCount > 0);
  const { plot } = layout;

  const pixels = resampleToPixels(data, nx, ny, plot.width, plot.height);
  colourise(pixels, mapping, table, raster, plot);

  drawFrame(raster, plot);
  drawXAxis(raster, plot, layout.xTicks, style, opts.xLabel);
  drawYAxis(raster, plot, layout.yTicks, style, opts.yLabel, layout.yLabelCenterX);
  if (opts.markers?.length) drawMarkers(raster, plot, opts, layout.markerLabels, style);
  drawColourBar(raster, layout, table, style, opts.colorBarLabel);
  if (layout.nonFiniteSwatch) drawNonFiniteSwatch(raster, layout.nonFiniteSwatch, style);
  if (opts.title) drawTitle(raster, opts.title, plot.x + plot.width / 2, style.pad, style);

  return { png: raster.toPng(), plot, valueRange: [mapping.lo, mapping.hi] };
}

function validateInputs(data: Float32Array | Float64Array, nx: number, ny: number, opts: HeatmapOptions): void {
  if (!Number.isInteger(nx) || !Number.isInteger(ny) || nx < 1 || ny < 1) {
    throw new Error(`renderHeatmapPng: nx and ny must be positive integers, got ${nx} x ${ny}`);
  }
  if (data.length !== nx * ny) {
    throw new Error(`renderHeatmapPng: data has ${data.length} values but nx*ny = ${nx * ny}`);
  }
  for (const [name, range] of [['xRange', opts.xRange], ['yRange', opts.yRange]] as const) {
    if (!range || !Number.isFinite(range[0]) || !Number.isFinite(range[1]) || range[0] === range[1]) {
      throw new Error(`renderHeatmapPng: ${name} must be two distinct finite numbers, got ${JSON.stringify(range)}`);
    }
  }
  const vr = opts.valueRange;
  if (vr && (!Number.isFinite(vr[0]) || !Number.isFinite(vr[1]) || vr[0] > vr[1])) {
    throw new Error(`renderHeatmapPng: valueRange must be finite with lo <= hi, got ${JSON.stringify(vr)}`);
  }
  const width = opts.width ?? 900;
  const height = opts.height ?? 600;
  if (!(width >= 200 && height >= 150 && width <= 16384 && height <= 16384)) {
    throw new Error(`renderHeatmapPng: image size ${width} x ${height} must be within 200x150 .. 16384x16384`);
  }
}

interface FiniteStats {
  min: number;
  max: number;
  minPositive: number;
  nonFiniteCount: number;
}

function scanFinite(data: Float32Array | Float64Array): FiniteStats {
  let min = Infinity;
  let max = -Infinity;
  let minPositive = Infinity;
  let nonFiniteCount = 0;
  for (let k = 0; k < data.length; k++) {
    const v = data[k]!;
    // v - v is NaN exactly for NaN and ±Inf: one comparison instead of Number.isFinite's call.
    if (v - v !== 0) {
      nonFiniteCount++;
      continue;
    }
    if (v < min) min = v;
    if (v > max) max = v;
    if (v > 0 && v < minPositive) minPositive = v;
  }
  return { min, max, minPositive, nonFiniteCount };
}

interface ColourMapping {
  scale: 'linear' | 'log';
  /** Data value at the bottom/top of the colour bar. */
  lo: number;
  hi: number;
  /** Normalised position t in [0, 1] of a finite value. */
  normalise: (value: number) => number;
}

function colourMapping(stats: FiniteStats, scale: 'linear' | 'log', valueRange?: [number, number]): ColourMapping {
  const hasFinite = stats.min <= stats.max;
  if (scale === 'log') {
    let hi = valueRange?.[1] ?? (hasFinite ? stats.max : 1);
    if (!(hi > 0)) hi = 1; // nothing positive to show: any range works, all cells take the floor colour
    const floor = hi * LOG_FLOOR_RELATIVE;
    let lo = Math.max(valueRange?.[0] ?? stats.minPositive, floor);
    if (!(lo < hi)) {
      // A constant field: centre it in one decade so it gets the middle colour.
      lo = hi / Math.sqrt(10);
      hi = hi * Math.sqrt(10);
    }
    const logLo = Math.log10(lo);
    const invLogSpan = 1 / (Math.log10(hi) - logLo);
    return {
      scale,
      lo,
      hi,
      normalise: (value) => (value > lo ? (Math.log10(value) - logLo) * invLogSpan : 0),
    };
  }
  let lo = valueRange?.[0] ?? (hasFinite ? stats.min : 0);
  let hi = valueRange?.[1] ?? (hasFinite ? stats.max : 1);
  if (lo === hi) {
    // A constant field: widen symmetrically so it maps to the middle colour and the bar still has ticks.
    const halfWidth = lo !== 0 ? Math.abs(lo) * 0.5 : 1;
    lo -= halfWidth;
    hi += halfWidth;
  }
  const invSpan = 1 / (hi - lo);
  return { scale, lo, hi, normalise: (value) => (value - lo) * invSpan };
}

/** Lookup-table index for t in [0, 1]: 256 equal-width bins, as matplotlib does. */
function tableIndex(t: number): number {
  if (!(t > 0)) return 0;
  if (t >= 1) return 255;
  return Math.min(255, Math.floor(t * 256));
}

/**
 * Cells [first, end) of an n-cell axis that feed each of p pixels. Downsampling
 * averages the cells whose centres fall in the pixel (each cell used exactly
 * once); upsampling takes the cell under the pixel centre (nearest neighbour),
 * so cells stay sharp-edged blocks.
 */
function binsForAxis(n: number, p: number): { first: Int32Array; end: Int32Array } {
  const first = new Int32Array(p);
  const end = new Int32Array(p);
  for (let q = 0; q < p; q++) {
    // Cell k's centre (k + 0.5) lies in [q*n/p, (q+1)*n/p) iff ceil(q*n/p - 0.5) <= k < ceil((q+1)*n/p - 0.5).
    let k0 = Math.ceil((2 * q * n - p) / (2 * p));
    let k1 = Math.ceil((2 * (q + 1) * n - p) / (2 * p));
    if (k1 <= k0) {
      k0 = Math.min(n - 1, Math.floor(((2 * q + 1) * n) / (2 * p)));
      k1 = k0 + 1;
    }
    first[q] = Math.max(0, k0);
    end[q] = Math.min(n, k1);
  }
  return { first, end };
}

/**
 * Average the field onto a pw x ph pixel grid in image order (top row first).
 * Non-finite cells are left out of averages; a pixel whose cells are all
 * non-finite is NaN. Separable (rows, then columns) so a 4096² field costs
 * two passes over the data.
 */
function resampleToPixels(data: Float32Array | Float64Array, nx: number, ny: number, pw: number, ph: number): Float64Array {
  const columns = binsForAxis(nx, pw);
  const rowSums = new Float64Array(ny * pw);
  const rowCounts = new Float64Array(ny * pw);
  for (let j = 0; j < ny; j++) {
    const rowStart = j * nx;
    const outStart = j * pw;
    for (let q = 0; q < pw; q++) {
      let sum = 0;
      let count = 0;
      const end = rowStart + columns.end[q]!;
      for (let k = rowStart + columns.first[q]!; k < end; k++) {
        const v = data[k]!;
        if (v - v === 0) {
          sum += v;
          count++;
        }
      }
      rowSums[outStart + q] = sum;
      rowCounts[outStart + q] = count;
    }
  }

  // Bins are computed bottom-up (q = 0 is the bottom pixel row) and written top-down.
  const rows = binsForAxis(ny, ph);
  const pixels = new Float64Array(pw * ph);
  const sums = new Float64Array(pw);
  const counts = new Float64Array(pw);
  for (let q = 0; q < ph; q++) {
    sums.fill(0);
    counts.fill(0);
    for (let j = rows.first[q]!; j < rows.end[q]!; j++) {
      const rowStart = j * pw;
      for (let i = 0; i < pw; i++) {
        sums[i] += rowSums[rowStart + i]!;
        counts[i] += rowCounts[rowStart + i]!;
      }
    }
    const outStart = (ph - 1 - q) * pw;
    for (let i = 0; i < pw; i++) pixels[outStart + i] = counts[i]! > 0 ? sums[i]! / counts[i]! : Number.NaN;
  }
  return pixels;
}

/** Writes the field's colours straight into the plot rectangle of the raster (`pixels` is plot-sized, top row first). */
function colourise(pixels: Float64Array, mapping: ColourMapping, table: Uint8Array, raster: Raster, plot: PlotRect): void {
  const rgba = raster.data;
  for (let row = 0; row < plot.height; row++) {
    let o = 4 * ((plot.y + row) * raster.width + plot.x);
    const end = (row + 1) * plot.width;
    for (let k = row * plot.width; k < end; k++, o += 4) {
      const v = pixels[k]!;
      if (v - v !== 0) {
        rgba[o] = NON_FINITE_RGB[0];
        rgba[o + 1] = NON_FINITE_RGB[1];
        rgba[o + 2] = NON_FINITE_RGB[2];
      } else {
        const c = 3 * tableIndex(mapping.normalise(v));
        rgba[o] = table[c]!;
        rgba[o + 1] = table[c + 1]!;
        rgba[o + 2] = table[c + 2]!;
      }
      rgba[o + 3] = 255;
    }
  }
}

interface MarkerLabelPlacement {
  x: number;
  /** 0 = the row nearest the plot; higher rows step upwards to avoid overlapping labels. */
  row: number;
}

interface ColourBarTicks {
  values: number[];
  labels: string[];
  minor: number[];
}

interface HeatmapLayout {
  plot: PlotRect;
  xTicks: AxisTicks;
  yTicks: AxisTicks;
  yLabelCenterX: number;
  bar: PlotRect;
  barTicks: AxisTicks;
  barLabelCenterX: number;
  markerLabels: MarkerLabelPlacement[];
  nonFiniteSwatch: { x: number; y: number; size: number } | null;
}

function colourBarTicks(mapping: ColourMapping, approxCount: number): ColourBarTicks {
  if (mapping.scale === 'log') {
    const ticks = logTicks(mapping.lo, mapping.hi, approxCount);
    return { values: ticks.major, labels: ticks.labels, minor: ticks.minor };
  }
  const values = niceTicks(mapping.lo, mapping.hi, approxCount);
  return { values, labels: formatTickLabels(values), minor: [] };
}

function axisTicks(range: [number, number], approxCount: number): { values: number[]; labels: string[] } {
  const values = niceTicks(range[0], range[1], approxCount);
  return { values, labels: formatTickLabels(values) };
}

function layoutHeatmap(
  style: FigureStyle,
  width: number,
  height: number,
  opts: HeatmapOptions,
  mapping: ColourMapping,
  hasNonFinite: boolean,
): HeatmapLayout {
  const tickLine = lineHeight(style.tickFontPx);
  const labelLine = lineHeight(style.labelFontPx);
  const bottomMargin = style.pad + xAxisHeight(style);
  const titleBlock = opts.title ? lineHeight(style.titleFontPx) + style.gap : 0;

  // Tick counts need the plot size and margins need tick label widths: estimate the
  // plot height first (marker rows only shift it slightly).
  const estimatedPlotHeight = height - bottomMargin - style.pad - titleBlock - 2 * tickLine;
  const y = axisTicks(opts.yRange, Math.max(2, Math.round(estimatedPlotHeight / 70)));
  const barApprox = Math.max(2, Math.round(estimatedPlotHeight / 70));
  const bar = colourBarTicks(mapping, barApprox);

  const yTickLabelWidth = maxTextWidth(style.tickFont, y.labels);
  const leftMargin = Math.ceil(style.pad + labelLine + style.gap + yTickLabelWidth + style.gap / 2 + style.tickLength + 2);

  const barGap = Math.round(2.2 * style.tickFontPx);
  const barWidth = Math.round(1.4 * style.tickFontPx);
  const barLabelWidth = maxTextWidth(style.tickFont, bar.labels);
  const barLabelBlock = opts.colorBarLabel ? style.gap + labelLine : 0;
  let rightMargin = barGap + barWidth + style.tickLength + style.gap / 2 + barLabelWidth + barLabelBlock + style.pad;
  const nonFiniteText = 'NaN/Inf';
  const swatchSize = Math.round(style.tickFontPx * 0.9);
  if (hasNonFinite) {
    rightMargin = Math.max(
      rightMargin,
      barGap + swatchSize + style.gap + textWidth(style.tickFont, nonFiniteText) + style.pad,
    );
  }
  rightMargin = Math.ceil(rightMargin);

  const plotX = leftMargin;
  const plotWidth = Math.max(16, width - leftMargin - rightMargin);

  const xApprox = fitTickCount(
    plotWidth,
    100,
    (approx) => {
      const t = axisTicks(opts.xRange, approx);
      return { count: t.values.length, maxLabelPx: maxTextWidth(style.tickFont, t.labels) };
    },
    Math.max(12, style.tickFontPx),
  );
  const x = axisTicks(opts.xRange, xApprox);
  const xToPixel = (value: number): number =>
    plotX + ((value - opts.xRange[0]) / (opts.xRange[1] - opts.xRange[0])) * plotWidth;

  const markerLabels = placeMarkerLabels(style, opts.markers ?? [], xToPixel, plotX, plotWidth);
  const markerRows = markerLabels.length ? Math.max(...markerLabels.map((m) => m.row)) + 1 : 0;
  const markerBlock = markerRows ? markerRows * tickLine + style.tickLength + style.gap / 2 : 0;

  const plotY = Math.ceil(style.pad + titleBlock + markerBlock + (markerRows ? 0 : style.gap));
  const plotHeight = Math.max(16, Math.floor(height - plotY - bottomMargin));
  const plot: PlotRect = { x: plotX, y: plotY, width: plotWidth, height: plotHeight };

  const yToPixel = (value: number): number =>
    plotY + plotHeight - ((value - opts.yRange[0]) / (opts.yRange[1] - opts.yRange[0])) * plotHeight;

  const barRect: PlotRect = { x: plotX + plotWidth + barGap, y: plotY, width: barWidth, height: plotHeight };
  const valueToBarPixel = (value: number): number => {
    const t = Math.min(1, Math.max(0, mapping.normalise(value)));
    return barRect.y + barRect.height - t * barRect.height;
  };

  return {
    plot,
    xTicks: { positions: x.values.map(xToPixel), labels: x.labels },
    yTicks: { positions: y.values.map(yToPixel), labels: y.labels },
    yLabelCenterX: style.pad + labelLine / 2,
    bar: barRect,
    barTicks: {
      positions: bar.values.map(valueToBarPixel),
      labels: bar.labels,
      minorPositions: bar.minor.map(valueToBarPixel),
    },
    barLabelCenterX: width - style.pad - labelLine / 2,
    markerLabels,
    nonFiniteSwatch: hasNonFinite
      ? { x: barRect.x, y: Math.round(plotY + plotHeight + style.tickLength + style.gap / 2 + 1), size: swatchSize }
      : null,
  };
}

/** Stack marker labels into rows so neighbouring labels (e.g. reset and threshold) never overlap. */
function placeMarkerLabels(
  style: FigureStyle,
  markers: HeatmapMarker[],
  xToPixel: (x: number) => number,
  plotX: number,
  plotWidth: number,
): MarkerLabelPlacement[] {
  const rowRightEdges: number[] = [];
  const placements: MarkerLabelPlacement[] = markers.map(() => ({ x: Number.NaN, row: -1 }));
  const order = markers
    .map((marker, index) => ({ index, px: xToPixel(marker.x) }))
    .filter(({ px }) => Number.isFinite(px) && px >= plotX - 0.5 && px <= plotX + plotWidth + 0.5)
    .sort((a, b) => a.px - b.px);
  for (const { index, px } of order) {
    const half = textWidth(style.tickFont, markers[index]!.label) / 2;
    let row = rowRightEdges.findIndex((right) => px - half >= right + style.gap);
    if (row < 0) {
      row = rowRightEdges.length;
      rowRightEdges.push(-Infinity);
    }
    rowRightEdges[row] = px + half;
    placements[index] = { x: px, row };
  }
  return placements;
}

function drawMarkers(
  raster: Raster,
  plot: PlotRect,
  opts: HeatmapOptions,
  placements: MarkerLabelPlacement[],
  style: FigureStyle,
): void {
  const tickLine = lineHeight(style.tickFontPx);
  const clip: Clip = { x0: plot.x, y0: plot.y, x1: plot.x + plot.width, y1: plot.y + plot.height };
  const dash: [number, number] = [Math.max(4, style.tickFontPx * 0.5), Math.max(3, style.tickFontPx * 0.35)];
  for (const placement of placements) {
    if (placement.row < 0) continue;
    const px = Math.round(placement.x) + 0.5;
    // A dark dashed underlay under a white dash keeps the line visible over both ends of any colour map.
    for (const [colour, lineWidth] of [['rgba(0,0,0,0.55)', 3], ['#ffffff', 1.5]] as const) {
      raster.dashedVerticalLine(px, plot.y, plot.y + plot.height, lineWidth, dash, colour, clip);
    }
  }

  opts.markers!.forEach((marker, index) => {
    const placement = placements[index]!;
    if (placement.row < 0) return;
    raster.fillRect(Math.round(placement.x), plot.y - 1 - style.tickLength, 1, style.tickLength, INK);
    raster.fillText(marker.label, placement.x, plot.y - style.tickLength - style.gap / 2 - placement.row * tickLine, style.tickFont, INK, {
      align: 'center',
      baseline: 'bottom',
    });
  });
}

function drawColourBar(
  raster: Raster,
  layout: HeatmapLayout,
  table: Uint8Array,
  style: FigureStyle,
  label: string | undefined,
): void {
  const { bar } = layout;
  // One image row per pixel of bar height, bottom = table entry 0, so the bar shows exactly the bins used by the field.
  const rgba = raster.data;
  for (let row = 0; row < bar.height; row++) {
    const t = (bar.height - 1 - row + 0.5) / bar.height;
    const c = 3 * tableIndex(t);
    for (let col = 0; col < bar.width; col++) {
      const o = 4 * ((bar.y + row) * raster.width + bar.x + col);
      rgba[o] = table[c]!;
      rgba[o + 1] = table[c + 1]!;
      rgba[o + 2] = table[c + 2]!;
      rgba[o + 3] = 255;
    }
  }
  drawFrame(raster, bar);

  const frameColumn = bar.x + bar.width;
  for (const y of layout.barTicks.minorPositions ?? []) raster.fillRect(frameColumn, Math.round(y), 1 + style.minorTickLength, 1, INK);
  for (const y of layout.barTicks.positions) raster.fillRect(frameColumn, Math.round(y), 1 + style.tickLength, 1, INK);
  layout.barTicks.positions.forEach((y, k) =>
    raster.fillText(layout.barTicks.labels[k]!, frameColumn + 0.5 + style.tickLength + style.gap / 2, Math.round(y) + 0.5, style.tickFont, INK, {
      align: 'left',
      baseline: 'middle',
    }),
  );

  if (label) drawRotatedLabel(raster, label, layout.barLabelCenterX, bar.y + bar.height / 2, style.labelFont);
}

function drawNonFiniteSwatch(raster: Raster, swatch: { x: number; y: number; size: number }, style: FigureStyle): void {
  raster.fillRect(swatch.x, swatch.y, swatch.size, swatch.size, `rgb(${NON_FINITE_RGB.join(',')})`);
  raster.frameRect(swatch.x + 1, swatch.y + 1, swatch.size - 2, swatch.size - 2, INK);
  raster.fillText('NaN/Inf', swatch.x + swatch.size + style.gap, swatch.y + swatch.size / 2, style.tickFont, INK, {
    align: 'left',
    baseline: 'middle',
  });
}
