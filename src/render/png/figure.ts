/**
 * Building blocks shared by the PNG heatmap and line plot: a size-dependent
 * style, text measurement, and axis/tick drawing on a Raster.
 */

import type { Raster } from './raster.js';
import { measureText, type FontSpec } from './text.js';

export type { FontSpec } from './text.js';

export const INK = '#222222';
export const GRID = '#e3e3e3';

/** Pixel rectangle of the plot area: data pixels cover columns x..x+width-1 and rows y..y+height-1. */
export interface PlotRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface FigureStyle {
  tickFont: FontSpec;
  labelFont: FontSpec;
  titleFont: FontSpec;
  tickFontPx: number;
  labelFontPx: number;
  titleFontPx: number;
  tickLength: number;
  minorTickLength: number;
  /** Outer padding between the figure edge and any text. */
  pad: number;
  /** Space between stacked text elements (tick labels and axis label, etc.). */
  gap: number;
}

/**
 * Font sizes and spacing grow with the figure, but only as the square root of
 * its size so that small figures keep legible text and large ones do not look
 * like posters. Text is DejaVu Sans (see text.ts).
 */
export function figureStyle(width: number, height: number): FigureStyle {
  const scale = Math.sqrt(Math.min(6, Math.max(0.3, Math.min(width / 900, height / 600))));
  const tickFontPx = Math.round(13 * scale);
  const labelFontPx = Math.round(15 * scale);
  const titleFontPx = Math.round(18 * scale);
  return {
    tickFont: { px: tickFontPx },
    labelFont: { px: labelFontPx },
    titleFont: { px: titleFontPx, bold: true },
    tickFontPx,
    labelFontPx,
    titleFontPx,
    tickLength: Math.round(5 * scale),
    minorTickLength: Math.round(3 * scale),
    pad: Math.round(12 * scale),
    gap: Math.round(6 * scale),
  };
}

export function textWidth(font: FontSpec, text: string): number {
  return measureText(font, text);
}

export function maxTextWidth(font: FontSpec, texts: readonly string[]): number {
  let widest = 0;
  for (const text of texts) widest = Math.max(widest, measureText(font, text));
  return widest;
}

/** Line height used for layout; 1.25 em leaves room for descenders and superscripts. */
export function lineHeight(fontPx: number): number {
  return Math.ceil(fontPx * 1.25);
}

export interface AxisTicks {
  /** Pixel coordinate of each labelled tick along the axis. */
  positions: number[];
  labels: string[];
  minorPositions?: number[];
}

/**
 * How many ticks fit along an axis of `lengthPx` without labels colliding:
 * starts from one tick per `preferredSpacingPx` and lowers the count until the
 * widest label plus a gap fits between neighbours.
 */
export function fitTickCount(
  lengthPx: number,
  preferredSpacingPx: number,
  labelExtentFor: (approxCount: number) => { count: number; maxLabelPx: number },
  minGapPx: number,
): number {
  let approxCount = Math.max(2, Math.round(lengthPx / preferredSpacingPx));
  while (approxCount > 2) {
    const { count, maxLabelPx } = labelExtentFor(approxCount);
    if (count < 2 || lengthPx / Math.max(1, count - 1) >= maxLabelPx + minGapPx) break;
    approxCount--;
  }
  return approxCount;
}

/** Frame line around the plot area, drawn on the pixels just outside it so data pixels stay untouched. */
export function drawFrame(raster: Raster, rect: PlotRect): void {
  raster.frameRect(rect.x, rect.y, rect.width, rect.height, INK);
}

/**
 * Ticks pointing out of the plot below it (one pixel column each, starting on
 * the frame row), labels under them, and the axis label under those.
 */
export function drawXAxis(raster: Raster, rect: PlotRect, ticks: AxisTicks, style: FigureStyle, label: string): void {
  const frameRow = rect.y + rect.height;
  for (const x of ticks.minorPositions ?? []) raster.fillRect(Math.round(x), frameRow, 1, 1 + style.minorTickLength, INK);
  for (const x of ticks.positions) raster.fillRect(Math.round(x), frameRow, 1, 1 + style.tickLength, INK);

  const labelTop = frameRow + 0.5 + style.tickLength + style.gap / 2;
  ticks.positions.forEach((x, k) =>
    raster.fillText(ticks.labels[k]!, Math.round(x) + 0.5, labelTop, style.tickFont, INK, { align: 'center', baseline: 'top' }),
  );
  raster.fillText(label, rect.x + rect.width / 2, labelTop + lineHeight(style.tickFontPx) + style.gap, style.labelFont, INK, {
    align: 'center',
    baseline: 'top',
  });
}

/** Height below the plot needed by drawXAxis. */
export function xAxisHeight(style: FigureStyle): number {
  return style.tickLength + style.gap / 2 + lineHeight(style.tickFontPx) + style.gap + lineHeight(style.labelFontPx);
}

/** Ticks to the left of the plot, right-aligned labels, and the rotated axis label at `labelCenterX`. */
export function drawYAxis(
  raster: Raster,
  rect: PlotRect,
  ticks: AxisTicks,
  style: FigureStyle,
  label: string,
  labelCenterX: number,
): void {
  const frameColumn = rect.x - 1;
  for (const y of ticks.minorPositions ?? []) {
    raster.fillRect(frameColumn - style.minorTickLength, Math.round(y), 1 + style.minorTickLength, 1, INK);
  }
  for (const y of ticks.positions) raster.fillRect(frameColumn - style.tickLength, Math.round(y), 1 + style.tickLength, 1, INK);

  const labelRight = frameColumn + 0.5 - style.tickLength - style.gap / 2;
  ticks.positions.forEach((y, k) =>
    raster.fillText(ticks.labels[k]!, labelRight, Math.round(y) + 0.5, style.tickFont, INK, { align: 'right', baseline: 'middle' }),
  );

  drawRotatedLabel(raster, label, labelCenterX, rect.y + rect.height / 2, style.labelFont);
}

/** Text rotated to read bottom-to-top, centred on (x, y). */
export function drawRotatedLabel(raster: Raster, text: string, x: number, y: number, font: FontSpec): void {
  raster.fillText(text, x, y, font, INK, { align: 'center', baseline: 'middle', vertical: true });
}

export function drawTitle(raster: Raster, title: string, centerX: number, top: number, style: FigureStyle): void {
  raster.fillText(title, centerX, top, style.titleFont, INK, { align: 'center', baseline: 'top' });
}

/** Light one-pixel grid lines at the major tick positions, under the data. */
export function drawGrid(raster: Raster, rect: PlotRect, xPositions: number[], yPositions: number[]): void {
  const clip = { x0: rect.x, y0: rect.y, x1: rect.x + rect.width, y1: rect.y + rect.height };
  for (const x of xPositions) raster.fillRect(Math.round(x), rect.y, 1, rect.height, GRID, clip);
  for (const y of yPositions) raster.fillRect(rect.x, Math.round(y), rect.width, 1, GRID, clip);
}
