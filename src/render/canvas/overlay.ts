/**
 * The 2D overlay of the density panel, drawn on a transparent canvas stacked on the WebGL (playback)
 * or WebGPU (live) canvas that shows the image: axes in model units around the image, markers at
 * VR, VF, V*, the colour bar with its values, and the title. The image area is left transparent.
 */
import { colorMapTable, type ColorMapName } from '../colormaps';
import {
  type Axis,
  type AxisSpec,
  drawFrame,
  drawMarkers,
  drawRotatedText,
  drawTitle,
  drawXAxis,
  drawYAxis,
  FONT,
  FONT_PX,
  INK,
  makeAxis,
  type Marker,
  prepareCanvas,
} from './axes';
import { densityLayout, type Rect } from './layout';

export type { AxisSpec, Marker } from './axes';

export interface DensityOverlay {
  x: AxisSpec;
  y: AxisSpec;
  colorMap: ColorMapName;
  /** the data values at the bottom and the top of the colour bar */
  range: { min: number; max: number };
  scale: 'linear' | 'log';
  colorLabel: string;
  markers: Marker[];
  title?: string;
  /** the image's width over its height (densityLayout): a square domain stays square */
  aspect?: number;
}

/**
 * Clears the overlay canvas and draws the axes (ticks in model units), vertical markers at the v
 * values, the colour bar with its tick values, and the title; the image area itself stays transparent.
 */
export function drawDensityOverlay(canvas: HTMLCanvasElement, overlay: DensityOverlay): void {
  const { ctx, width, height } = prepareCanvas(canvas);
  const { plot, colorBar } = densityLayout(width, height, overlay.aspect);
  const x = makeAxis(ctx, overlay.x, plot.left, plot.left + plot.width, 'x');
  const y = makeAxis(ctx, overlay.y, plot.top + plot.height, plot.top, 'y');
  drawFrame(ctx, plot);
  drawXAxis(ctx, plot, x, overlay.x.label);
  drawYAxis(ctx, plot, y, overlay.y.label);
  drawMarkers(ctx, plot, x, overlay.markers, true);
  const values = makeAxis(ctx, { ...overlay.range, label: overlay.colorLabel, scale: overlay.scale }, colorBar.top + colorBar.height, colorBar.top, 'y');
  drawColorBar(ctx, colorBar, gradientImage(overlay.colorMap), values, overlay.colorLabel);
  if (overlay.title) drawTitle(ctx, overlay.title, plot);
}

const gradients = new Map<ColorMapName, HTMLCanvasElement>();

/** The colour map as a 1 × 256 image, entry 0 at the bottom (cached per map). */
function gradientImage(name: ColorMapName): HTMLCanvasElement {
  let image = gradients.get(name);
  if (!image) {
    const table = colorMapTable(name);
    image = document.createElement('canvas');
    image.width = 1;
    image.height = 256;
    const pixels = new ImageData(1, 256);
    for (let k = 0; k < 256; k++) {
      const row = 255 - k;
      pixels.data.set([table[3 * k]!, table[3 * k + 1]!, table[3 * k + 2]!, 255], 4 * row);
    }
    image.getContext('2d')!.putImageData(pixels, 0, 0);
    gradients.set(name, image);
  }
  return image;
}

/**
 * The bar shows the 256 bins of the map unsmoothed (as the image uses them), framed, with ticks and
 * values on its right and the label rotated beyond them.
 */
function drawColorBar(ctx: CanvasRenderingContext2D, bar: Rect, gradient: HTMLCanvasElement, values: Axis, label: string): void {
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(gradient, bar.left, bar.top, bar.width, bar.height);
  drawFrame(ctx, bar);
  const right = bar.left + bar.width;
  ctx.strokeStyle = INK;
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (const [ticks, length] of [[values.ticks, 5], [values.minor, 3]] as const) {
    for (const t of ticks) {
      const py = Math.round(values.toPixel(t)) + 0.5;
      ctx.moveTo(right, py);
      ctx.lineTo(right + length, py);
    }
  }
  ctx.stroke();
  ctx.font = FONT;
  ctx.fillStyle = INK;
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  const labelLeft = right + 5 + 3;
  values.ticks.forEach((t, k) => ctx.fillText(values.labels[k]!, labelLeft, values.toPixel(t)));
  const widest = Math.max(0, ...values.labels.map((l) => ctx.measureText(l).width));
  drawRotatedText(ctx, label, labelLeft + widest + 4 + FONT_PX / 2, bar.top + bar.height / 2);
}
