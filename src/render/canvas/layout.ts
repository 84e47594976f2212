/**
 * Where things go in the density panel, in CSS pixels. The WebGL (playback) or WebGPU (live) canvas
 * draws the density image inside `plot`; the 2D overlay canvas stacked on it draws the axes around
 * `plot` and the colour bar in `colorBar`. Both read this one function, so image and axes line up.
 */

export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Room above the plot for the title and the marker labels. */
const TOP = 36;
/** Room left of the plot for the y tick labels and the rotated y label. */
const LEFT = 64;
/** Room below the plot for the x tick labels and the x label. */
const BOTTOM = 46;
/** Gap between the plot and the colour bar. */
const COLOR_BAR_GAP = 16;
const COLOR_BAR_WIDTH = 16;
/** Room right of the colour bar for its tick labels and its rotated label. */
const COLOR_BAR_LABELS = 76;

/**
 * Where the density image goes inside the density panel (leaving room for axes on the left/bottom and
 * the colour bar on the right), and the colour bar's rect. Pure function of the panel's CSS size; the
 * rects are whole CSS pixels and never smaller than 1 × 1. With `aspect` (the data's width over its height
 * in model units: 1 for a square domain) the plot is the largest rect of that shape in the room, at its top
 * left, the colour bar beside it; without, it fills the room.
 */
export function densityLayout(width: number, height: number, aspect?: number): { plot: Rect; colorBar: Rect } {
  let plotWidth = Math.max(1, Math.floor(width - LEFT - COLOR_BAR_GAP - COLOR_BAR_WIDTH - COLOR_BAR_LABELS));
  let plotHeight = Math.max(1, Math.floor(height - TOP - BOTTOM));
  if (aspect !== undefined && aspect > 0) {
    if (plotWidth > aspect * plotHeight) plotWidth = Math.max(1, Math.floor(aspect * plotHeight));
    else plotHeight = Math.max(1, Math.floor(plotWidth / aspect));
  }
  const plot: Rect = { left: LEFT, top: TOP, width: plotWidth, height: plotHeight };
  const colorBar: Rect = { left: LEFT + plotWidth + COLOR_BAR_GAP, top: TOP, width: COLOR_BAR_WIDTH, height: plotHeight };
  return { plot, colorBar };
}
