/**
 * Canvas 2D pieces shared by the density overlay and the line plots: sizing a canvas for the device
 * pixel ratio, axes with ticks in model units (positions and labels from ../png/ticks, as the PNG
 * figures), the plot frame, vertical markers and the title. All coordinates are CSS pixels.
 */
import { formatTickLabels, logTicks, niceTicks } from '../png/ticks';
import type { Rect } from './layout';

export interface AxisSpec {
  min: number;
  max: number;
  label: string;
  scale?: 'linear' | 'log';
}

export interface Marker {
  /** position on the x axis, in model units */
  at: number;
  label: string;
  color?: string;
}

/**
 * The markers of a voltage axis, the same in every view: VR and VF where the params have them, and V*,
 * the voltage the limit velocity drives neurons towards at the current N, where it is known. Markers
 * off the axis are left out when drawn (drawMarkers).
 */
export function voltageMarkers(params: { VR?: unknown; VF?: unknown }, vStar: number | null): Marker[] {
  const markers: Marker[] = [];
  if (typeof params.VR === 'number') markers.push({ at: params.VR, label: 'VR' });
  if (typeof params.VF === 'number') markers.push({ at: params.VF, label: 'VF' });
  if (vStar !== null && Number.isFinite(vStar)) markers.push({ at: vStar, label: 'V*', color: '#d62728' });
  return markers;
}

export const FONT_PX = 12;
export const FONT = `${FONT_PX}px system-ui, "DejaVu Sans", sans-serif`;
export const TITLE_FONT = `600 13px system-ui, "DejaVu Sans", sans-serif`;
export const INK = '#222222';
const GRID = '#e6e6e6';
const TICK = 5;
const MINOR_TICK = 3;
const GAP = 4;

/** The matplotlib "tab10" cycle, as in the PNG line plots. */
export const SERIES_COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

/**
 * Sizes the backing store to the canvas's CSS size × devicePixelRatio (only when it changed: resizing
 * clears the canvas and reallocates), scales the context so that drawing is in CSS pixels, and clears it.
 */
export function prepareCanvas(canvas: HTMLCanvasElement): { ctx: CanvasRenderingContext2D; width: number; height: number } {
  const dpr = globalThis.devicePixelRatio || 1;
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  const backingWidth = Math.max(1, Math.round(width * dpr));
  const backingHeight = Math.max(1, Math.round(height * dpr));
  if (canvas.width !== backingWidth) canvas.width = backingWidth;
  if (canvas.height !== backingHeight) canvas.height = backingHeight;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('this browser gives no 2D canvas context');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  ctx.font = FONT;
  return { ctx, width, height };
}

/** An axis laid along [from, to] pixels: the value → pixel map and the ticks that fit without overlapping labels. */
export interface Axis {
  min: number;
  max: number;
  log: boolean;
  toPixel(value: number): number;
  ticks: number[];
  labels: string[];
  minor: number[];
}

function tickSet(min: number, max: number, log: boolean, approxCount: number): Pick<Axis, 'ticks' | 'labels' | 'minor'> {
  if (log) {
    const t = logTicks(min, max, approxCount);
    return { ticks: t.major, labels: t.labels, minor: t.minor };
  }
  const ticks = niceTicks(min, max, approxCount);
  return { ticks, labels: formatTickLabels(ticks), minor: [] };
}

/**
 * The axis of `spec` along pixels `from` → `to` (to < from for a y axis, which grows upwards). A
 * degenerate or non-finite range is widened so something is drawn; a log axis needs min > 0 and falls
 * back to linear otherwise. The tick count starts from one per `spacing` px and is lowered until the
 * labels fit (widths measured on `ctx` for an x axis, one line of text for a y axis).
 */
export function makeAxis(ctx: CanvasRenderingContext2D, spec: AxisSpec, from: number, to: number, orientation: 'x' | 'y'): Axis {
  let { min, max } = spec;
  if (!Number.isFinite(min) || !Number.isFinite(max)) [min, max] = [0, 1];
  if (min > max) [min, max] = [max, min];
  const log = spec.scale === 'log' && min > 0;
  if (!(max > min)) {
    const half = log ? 0 : Math.abs(min) * 0.1 || 0.5;
    [min, max] = log ? [min / 2, max * 2] : [min - half, max + half];
  }
  const lo = log ? Math.log10(min) : min;
  const span = (log ? Math.log10(max) : max) - lo;
  const toPixel = (value: number) => from + (((log ? Math.log10(value) : value) - lo) / span) * (to - from);
  const length = Math.abs(to - from);
  const spacing = orientation === 'x' ? 90 : 50;
  let approxCount = Math.max(2, Math.round(length / spacing));
  let set = tickSet(min, max, log, approxCount);
  while (approxCount > 2) {
    const extent = orientation === 'x' ? Math.max(0, ...set.labels.map((l) => ctx.measureText(l).width)) : FONT_PX;
    if (set.ticks.length < 2 || length / (set.ticks.length - 1) >= extent + 2 * GAP) break;
    set = tickSet(min, max, log, --approxCount);
  }
  return { min, max, log, toPixel, ...set };
}

/** 1 px frame just outside the plot, so it never covers image pixels. */
export function drawFrame(ctx: CanvasRenderingContext2D, plot: Rect): void {
  ctx.strokeStyle = INK;
  ctx.lineWidth = 1;
  ctx.setLineDash([]);
  ctx.strokeRect(plot.left - 0.5, plot.top - 0.5, plot.width + 1, plot.height + 1);
}

/** Light lines at the ticks inside the plot (line plots only: they would hide a density image). */
export function drawGrid(ctx: CanvasRenderingContext2D, plot: Rect, x: Axis, y: Axis): void {
  ctx.strokeStyle = GRID;
  ctx.lineWidth = 1;
  ctx.setLineDash([]);
  ctx.beginPath();
  for (const t of x.ticks) {
    const px = Math.round(x.toPixel(t)) + 0.5;
    ctx.moveTo(px, plot.top);
    ctx.lineTo(px, plot.top + plot.height);
  }
  for (const t of y.ticks) {
    const py = Math.round(y.toPixel(t)) + 0.5;
    ctx.moveTo(plot.left, py);
    ctx.lineTo(plot.left + plot.width, py);
  }
  ctx.stroke();
}

/** Ticks and labels below the plot, and the axis label under them. */
export function drawXAxis(ctx: CanvasRenderingContext2D, plot: Rect, axis: Axis, label: string): void {
  const bottom = plot.top + plot.height;
  ctx.strokeStyle = INK;
  ctx.fillStyle = INK;
  ctx.lineWidth = 1;
  ctx.setLineDash([]);
  ctx.beginPath();
  for (const [values, length] of [[axis.ticks, TICK], [axis.minor, MINOR_TICK]] as const) {
    for (const t of values) {
      const px = Math.round(axis.toPixel(t)) + 0.5;
      ctx.moveTo(px, bottom);
      ctx.lineTo(px, bottom + length);
    }
  }
  ctx.stroke();
  ctx.font = FONT;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  axis.ticks.forEach((t, k) => ctx.fillText(axis.labels[k]!, axis.toPixel(t), bottom + TICK + GAP / 2));
  ctx.fillText(label, plot.left + plot.width / 2, bottom + TICK + GAP + FONT_PX + GAP);
}

/** Ticks and labels left of the plot, and the axis label rotated beside them. */
export function drawYAxis(ctx: CanvasRenderingContext2D, plot: Rect, axis: Axis, label: string): void {
  ctx.strokeStyle = INK;
  ctx.fillStyle = INK;
  ctx.lineWidth = 1;
  ctx.setLineDash([]);
  ctx.beginPath();
  for (const [values, length] of [[axis.ticks, TICK], [axis.minor, MINOR_TICK]] as const) {
    for (const t of values) {
      const py = Math.round(axis.toPixel(t)) + 0.5;
      ctx.moveTo(plot.left, py);
      ctx.lineTo(plot.left - length, py);
    }
  }
  ctx.stroke();
  ctx.font = FONT;
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  const labelRight = plot.left - TICK - GAP;
  axis.ticks.forEach((t, k) => ctx.fillText(axis.labels[k]!, labelRight, axis.toPixel(t)));
  const widest = Math.max(0, ...axis.labels.map((l) => ctx.measureText(l).width));
  drawRotatedText(ctx, label, Math.max(FONT_PX / 2 + 1, labelRight - widest - GAP - FONT_PX / 2), plot.top + plot.height / 2);
}

/** Text centred at (x, y), reading bottom to top. */
export function drawRotatedText(ctx: CanvasRenderingContext2D, text: string, x: number, y: number): void {
  ctx.save();
  ctx.translate(x, y);
  ctx.rotate(-Math.PI / 2);
  ctx.font = FONT;
  ctx.fillStyle = INK;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.fillText(text, 0, 0);
  ctx.restore();
}

/**
 * Dashed vertical lines at the markers strictly inside the x range (one on the frame would only hide
 * it, e.g. VR = VL), labelled above the plot; labels that would
 * overlap a neighbour's move up a row. Over an image (`onImage`) the dash is white on a dark underlay,
 * visible at both ends of every colour map; on a white plot it is the marker's colour (grey by default).
 */
export function drawMarkers(ctx: CanvasRenderingContext2D, plot: Rect, x: Axis, markers: readonly Marker[], onImage: boolean): void {
  const visible = markers.filter((m) => m.at > x.min && m.at < x.max).sort((a, b) => a.at - b.at);
  ctx.font = FONT;
  const rowRight: number[] = [];
  for (const marker of visible) {
    const px = Math.round(x.toPixel(marker.at)) + 0.5;
    const strokes: [string, number][] = onImage ? [['rgba(0,0,0,0.55)', 3], [marker.color ?? '#ffffff', 1.5]] : [[marker.color ?? '#777777', 1.25]];
    ctx.setLineDash([5, 4]);
    for (const [color, width] of strokes) {
      ctx.strokeStyle = color;
      ctx.lineWidth = width;
      ctx.beginPath();
      ctx.moveTo(px, plot.top);
      ctx.lineTo(px, plot.top + plot.height);
      ctx.stroke();
    }
    ctx.setLineDash([]);
    const half = ctx.measureText(marker.label).width / 2;
    let row = rowRight.findIndex((right) => right + GAP <= px - half);
    if (row < 0) row = rowRight.length;
    rowRight[row] = px + half;
    ctx.fillStyle = onImage ? INK : (marker.color ?? INK);
    ctx.textAlign = 'center';
    ctx.textBaseline = 'bottom';
    ctx.fillText(marker.label, px, plot.top - GAP / 2 - row * (FONT_PX + 1));
  }
}

/** The title, centred over the plot, in the top strip of the canvas. */
export function drawTitle(ctx: CanvasRenderingContext2D, title: string, plot: Rect): void {
  ctx.font = TITLE_FONT;
  ctx.fillStyle = INK;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  ctx.fillText(title, plot.left + plot.width / 2, 3, plot.width + plot.left);
}
