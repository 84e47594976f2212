/**
 * Canvas2D building blocks shared by the PNG heatmap and line plot: a
 * size-dependent style, text measurement, and axis/tick drawing.
 */

import type { SKRSContext2D } from '@napi-rs/canvas';

/** DejaVu Sans is installed with the project's system setup; the rest are fallbacks. */
export const FONT_FAMILY = '"DejaVu Sans", "Liberation Sans", sans-serif';

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
  tickFont: string;
  labelFont: string;
  titleFont: string;
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
 * like posters.
 */
export function figureStyle(width: number, height: number): FigureStyle {
  const scale = Math.sqrt(Math.min(6, Math.max(0.3, Math.min(width / 900, height / 600))));
  const tickFontPx = Math.round(13 * scale);
  const labelFontPx = Math.round(15 * scale);
  const titleFontPx = Math.round(18 * scale);
  return {
    tickFont: `${tickFontPx}px ${FONT_FAMILY}`,
    labelFont: `${labelFontPx}px ${FONT_FAMILY}`,
    titleFont: `bold ${titleFontPx}px ${FONT_FAMILY}`,
    tickFontPx,
    labelFontPx,
    titleFontPx,
    tickLength: Math.round(5 * scale),
    minorTickLength: Math.round(3 * scale),
    pad: Math.round(12 * scale),
    gap: Math.round(6 * scale),
  };
}

export function textWidth(ctx: SKRSContext2D, font: string, text: string): number {
  ctx.font = font;
  return ctx.measureText(text).width;
}

export function maxTextWidth(ctx: SKRSContext2D, font: string, texts: readonly string[]): number {
  ctx.font = font;
  let widest = 0;
  for (const text of texts) widest = Math.max(widest, ctx.measureText(text).width);
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
export function drawFrame(ctx: SKRSContext2D, rect: PlotRect): void {
  ctx.save();
  ctx.strokeStyle = INK;
  ctx.lineWidth = 1;
  ctx.setLineDash([]);
  ctx.strokeRect(rect.x - 0.5, rect.y - 0.5, rect.width + 1, rect.height + 1);
  ctx.restore();
}

/** Ticks pointing out of the plot below it, labels under them, and the axis label under those. */
export function drawXAxis(ctx: SKRSContext2D, rect: PlotRect, ticks: AxisTicks, style: FigureStyle, label: string): void {
  const baseY = rect.y + rect.height + 0.5;
  ctx.save();
  ctx.strokeStyle = INK;
  ctx.fillStyle = INK;
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (const x of ticks.minorPositions ?? []) {
    const px = Math.round(x) + 0.5;
    ctx.moveTo(px, baseY);
    ctx.lineTo(px, baseY + style.minorTickLength);
  }
  for (const x of ticks.positions) {
    const px = Math.round(x) + 0.5;
    ctx.moveTo(px, baseY);
    ctx.lineTo(px, baseY + style.tickLength);
  }
  ctx.stroke();

  ctx.font = style.tickFont;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  const labelTop = baseY + style.tickLength + style.gap / 2;
  ticks.positions.forEach((x, k) => ctx.fillText(ticks.labels[k]!, Math.round(x), labelTop));

  ctx.font = style.labelFont;
  ctx.fillText(label, rect.x + rect.width / 2, labelTop + lineHeight(style.tickFontPx) + style.gap);
  ctx.restore();
}

/** Height below the plot needed by drawXAxis. */
export function xAxisHeight(style: FigureStyle): number {
  return style.tickLength + style.gap / 2 + lineHeight(style.tickFontPx) + style.gap + lineHeight(style.labelFontPx);
}

/** Ticks to the left of the plot, right-aligned labels, and the rotated axis label at `labelCenterX`. */
export function drawYAxis(
  ctx: SKRSContext2D,
  rect: PlotRect,
  ticks: AxisTicks,
  style: FigureStyle,
  label: string,
  labelCenterX: number,
): void {
  const baseX = rect.x - 0.5;
  ctx.save();
  ctx.strokeStyle = INK;
  ctx.fillStyle = INK;
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (const y of ticks.minorPositions ?? []) {
    const py = Math.round(y) + 0.5;
    ctx.moveTo(baseX, py);
    ctx.lineTo(baseX - style.minorTickLength, py);
  }
  for (const y of ticks.positions) {
    const py = Math.round(y) + 0.5;
    ctx.moveTo(baseX, py);
    ctx.lineTo(baseX - style.tickLength, py);
  }
  ctx.stroke();

  ctx.font = style.tickFont;
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  ticks.positions.forEach((y, k) => ctx.fillText(ticks.labels[k]!, baseX - style.tickLength - style.gap / 2, Math.round(y)));

  drawRotatedLabel(ctx, label, labelCenterX, rect.y + rect.height / 2, style.labelFont);
  ctx.restore();
}

/** Text rotated to read bottom-to-top, centred on (x, y). */
export function drawRotatedLabel(ctx: SKRSContext2D, text: string, x: number, y: number, font: string): void {
  ctx.save();
  ctx.translate(x, y);
  ctx.rotate(-Math.PI / 2);
  ctx.font = font;
  ctx.fillStyle = INK;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.fillText(text, 0, 0);
  ctx.restore();
}

export function drawTitle(ctx: SKRSContext2D, title: string, centerX: number, top: number, style: FigureStyle): void {
  ctx.save();
  ctx.font = style.titleFont;
  ctx.fillStyle = INK;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  ctx.fillText(title, centerX, top);
  ctx.restore();
}

/** Light grid lines at the major tick positions, under the data. */
export function drawGrid(ctx: SKRSContext2D, rect: PlotRect, xPositions: number[], yPositions: number[]): void {
  ctx.save();
  ctx.strokeStyle = GRID;
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (const x of xPositions) {
    const px = Math.round(x) + 0.5;
    ctx.moveTo(px, rect.y);
    ctx.lineTo(px, rect.y + rect.height);
  }
  for (const y of yPositions) {
    const py = Math.round(y) + 0.5;
    ctx.moveTo(rect.x, py);
    ctx.lineTo(rect.x + rect.width, py);
  }
  ctx.stroke();
  ctx.restore();
}
