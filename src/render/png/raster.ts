/**
 * A small anti-aliased rasteriser for the PNG figures, drawing into a
 * pureimage bitmap (RGBA bytes), encoded by encode.ts.
 *
 * pureimage's own Context2D is not used for drawing: its fills are
 * anti-aliased only horizontally and sampled on pixel edges, its stroker
 * leaves even-odd holes where a dense polyline overlaps itself, and it has
 * no dashes. The figures need only a few primitives, implemented here with
 * exact area coverage: axis-aligned rectangles (with fractional edges),
 * round-capped polylines and discs (coverage from the distance to the
 * centre line), and filled polygons with holes (glyph outlines).
 */

import { make, type Bitmap } from 'pureimage';
import { encodePngRgb } from './encode.js';
import { textPolygons, type FontSpec, type TextPlacement } from './text.js';

/** A colour with opacity in [0, 1]. */
export interface Paint {
  r: number;
  g: number;
  b: number;
  a: number;
}

/** Parses '#rgb', '#rrggbb', 'rgb(r,g,b)' and 'rgba(r,g,b,a)'. */
export function paint(css: string): Paint {
  const s = css.trim();
  if (s.startsWith('#')) {
    const hex = s.length === 4 ? [...s.slice(1)].map((c) => c + c).join('') : s.slice(1);
    const value = Number.parseInt(hex, 16);
    if (hex.length === 6 && Number.isFinite(value)) return { r: value >> 16, g: (value >> 8) & 255, b: value & 255, a: 1 };
  }
  const match = /^rgba?\(([^)]*)\)$/.exec(s);
  if (match) {
    const parts = match[1]!.split(',').map((p) => Number(p.trim()));
    if ((parts.length === 3 || parts.length === 4) && parts.every(Number.isFinite)) {
      return { r: parts[0]!, g: parts[1]!, b: parts[2]!, a: parts[3] ?? 1 };
    }
  }
  throw new Error(`Unsupported colour ${JSON.stringify(css)}`);
}

/** Pixel rectangle [x0, x1) x [y0, y1) that drawing is confined to. */
export interface Clip {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Coverage below this is not drawn (invisible in 8-bit output). */
const MIN_COVERAGE = 1 / 512;

export class Raster {
  readonly width: number;
  readonly height: number;
  /** RGBA bytes, row-major, top row first (the pureimage bitmap's own buffer). */
  readonly data: Uint8Array;
  private readonly bitmap: Bitmap;

  constructor(width: number, height: number, background = '#ffffff') {
    this.bitmap = make(width, height);
    this.width = this.bitmap.width;
    this.height = this.bitmap.height;
    this.data = this.bitmap.data;
    const { r, g, b } = paint(background);
    for (let o = 0; o < this.data.length; o += 4) {
      this.data[o] = r;
      this.data[o + 1] = g;
      this.data[o + 2] = b;
      this.data[o + 3] = 255;
    }
  }

  /** The drawable area intersected with an optional clip, in whole pixels. */
  private bounds(clip?: Clip): Clip {
    return {
      x0: Math.max(0, clip ? clip.x0 : 0),
      y0: Math.max(0, clip ? clip.y0 : 0),
      x1: Math.min(this.width, clip ? clip.x1 : this.width),
      y1: Math.min(this.height, clip ? clip.y1 : this.height),
    };
  }

  /** Source-over blend of `colour` at `coverage` (0..1) into pixel (x, y). */
  private blend(x: number, y: number, colour: Paint, coverage: number): void {
    const a = colour.a * coverage;
    const o = 4 * (y * this.width + x);
    const d = this.data;
    if (a >= 1) {
      d[o] = colour.r;
      d[o + 1] = colour.g;
      d[o + 2] = colour.b;
    } else {
      d[o] = Math.round(colour.r * a + d[o]! * (1 - a));
      d[o + 1] = Math.round(colour.g * a + d[o + 1]! * (1 - a));
      d[o + 2] = Math.round(colour.b * a + d[o + 2]! * (1 - a));
    }
    d[o + 3] = 255;
  }

  /** Rectangle with edges at any fractional position; partially covered pixels are blended by area. */
  fillRect(x: number, y: number, w: number, h: number, colour: string | Paint, clip?: Clip): void {
    const c = typeof colour === 'string' ? paint(colour) : colour;
    const b = this.bounds(clip);
    const left = x, right = x + w, top = y, bottom = y + h;
    const i0 = Math.max(b.x0, Math.floor(left)), i1 = Math.min(b.x1, Math.ceil(right));
    const j0 = Math.max(b.y0, Math.floor(top)), j1 = Math.min(b.y1, Math.ceil(bottom));
    for (let j = j0; j < j1; j++) {
      const cy = Math.min(j + 1, bottom) - Math.max(j, top);
      for (let i = i0; i < i1; i++) {
        const coverage = cy * (Math.min(i + 1, right) - Math.max(i, left));
        if (coverage > MIN_COVERAGE) this.blend(i, j, c, coverage);
      }
    }
  }

  /** One-pixel outline just outside the pixel rectangle (x, y, w, h), leaving its interior untouched. */
  frameRect(x: number, y: number, w: number, h: number, colour: string): void {
    const c = paint(colour);
    this.fillRect(x - 1, y - 1, w + 2, 1, c);
    this.fillRect(x - 1, y + h, w + 2, 1, c);
    this.fillRect(x - 1, y, 1, h, c);
    this.fillRect(x + w, y, 1, h, c);
  }

  /**
   * Polyline (flat x, y pairs) of the given width with round joins and caps.
   * Coverage is taken from each pixel centre's distance to the nearest
   * segment, combined with max() so overlapping segments never double-blend.
   */
  strokePolyline(points: ArrayLike<number>, lineWidth: number, colour: string | Paint, clip?: Clip): void {
    const n = points.length >> 1;
    if (n === 0) return;
    const c = typeof colour === 'string' ? paint(colour) : colour;
    const half = lineWidth / 2;
    const reach = half + 1;
    let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    for (let k = 0; k < n; k++) {
      const x = points[2 * k]!, y = points[2 * k + 1]!;
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
    }
    const b = this.bounds(clip);
    const mx0 = Math.max(b.x0, Math.floor(minX - reach)), mx1 = Math.min(b.x1, Math.ceil(maxX + reach));
    const my0 = Math.max(b.y0, Math.floor(minY - reach)), my1 = Math.min(b.y1, Math.ceil(maxY + reach));
    if (mx0 >= mx1 || my0 >= my1) return;
    const mw = mx1 - mx0;
    const mask = new Float32Array(mw * (my1 - my0));

    for (let k = 0; k < Math.max(1, n - 1); k++) {
      const ax = points[2 * k]!, ay = points[2 * k + 1]!;
      const bx = n > 1 ? points[2 * k + 2]! : ax, by = n > 1 ? points[2 * k + 3]! : ay;
      const ex = bx - ax, ey = by - ay;
      const lengthSq = ex * ex + ey * ey;
      const i0 = Math.max(mx0, Math.floor(Math.min(ax, bx) - reach)), i1 = Math.min(mx1, Math.ceil(Math.max(ax, bx) + reach));
      const j0 = Math.max(my0, Math.floor(Math.min(ay, by) - reach)), j1 = Math.min(my1, Math.ceil(Math.max(ay, by) + reach));
      for (let j = j0; j < j1; j++) {
        const py = j + 0.5 - ay;
        const row = (j - my0) * mw - mx0;
        for (let i = i0; i < i1; i++) {
          const px = i + 0.5 - ax;
          let t = lengthSq > 0 ? (px * ex + py * ey) / lengthSq : 0;
          t = t < 0 ? 0 : t > 1 ? 1 : t;
          const dx = px - t * ex, dy = py - t * ey;
          const coverage = half + 0.5 - Math.sqrt(dx * dx + dy * dy);
          if (coverage > mask[row + i]!) mask[row + i] = coverage > 1 ? 1 : coverage;
        }
      }
    }
    this.blendMask(mask, mx0, my0, mw, c);
  }

  /** Filled disc; the edge pixels are blended by their distance to the circle. */
  fillCircle(cx: number, cy: number, radius: number, colour: string | Paint, clip?: Clip): void {
    const c = typeof colour === 'string' ? paint(colour) : colour;
    const b = this.bounds(clip);
    const i0 = Math.max(b.x0, Math.floor(cx - radius - 1)), i1 = Math.min(b.x1, Math.ceil(cx + radius + 1));
    const j0 = Math.max(b.y0, Math.floor(cy - radius - 1)), j1 = Math.min(b.y1, Math.ceil(cy + radius + 1));
    for (let j = j0; j < j1; j++) {
      for (let i = i0; i < i1; i++) {
        const coverage = Math.min(1, radius + 0.5 - Math.hypot(i + 0.5 - cx, j + 0.5 - cy));
        if (coverage > MIN_COVERAGE) this.blend(i, j, c, coverage);
      }
    }
  }

  /** Vertical dashed line from y0 to y1 centred on x: dashes `dash[0]` long separated by `dash[1]`, butt ends. */
  dashedVerticalLine(x: number, y0: number, y1: number, lineWidth: number, dash: [number, number], colour: string, clip?: Clip): void {
    const c = paint(colour);
    for (let y = y0; y < y1; y += dash[0] + dash[1]) {
      this.fillRect(x - lineWidth / 2, y, lineWidth, Math.min(dash[0], y1 - y), c, clip);
    }
  }

  /**
   * Fills closed polygons (flat x, y arrays) with the non-zero rule for
   * non-overlapping contours (holes wound the other way, as in fonts), using
   * the exact area of each pixel covered: the signed-area accumulation of
   * font-rs (Raph Levien), summed along each row.
   */
  fillPolygons(polygons: readonly ArrayLike<number>[], colour: string | Paint, clip?: Clip): void {
    const c = typeof colour === 'string' ? paint(colour) : colour;
    let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    for (const p of polygons) {
      for (let k = 0; k < p.length; k += 2) {
        const x = p[k]!, y = p[k + 1]!;
        if (x < minX) minX = x;
        if (x > maxX) maxX = x;
        if (y < minY) minY = y;
        if (y > maxY) maxY = y;
      }
    }
    const b = this.bounds(clip);
    const x0 = Math.max(b.x0, Math.floor(minX)), x1 = Math.min(b.x1, Math.ceil(maxX));
    const y0 = Math.max(b.y0, Math.floor(minY)), y1 = Math.min(b.y1, Math.ceil(maxY));
    if (x0 >= x1 || y0 >= y1) return;
    const w = x1 - x0;
    const h = y1 - y0;
    const stride = w + 2;
    const acc = new Float32Array(stride * h);
    for (const p of polygons) {
      const count = p.length >> 1;
      for (let k = 0; k < count; k++) {
        const next = (k + 1) % count;
        addEdge(acc, stride, w, h, p[2 * k]! - x0, p[2 * k + 1]! - y0, p[2 * next]! - x0, p[2 * next + 1]! - y0);
      }
    }
    for (let j = 0; j < h; j++) {
      let sum = 0;
      const row = j * stride;
      for (let i = 0; i < w; i++) {
        sum += acc[row + i]!;
        const coverage = Math.min(1, Math.abs(sum));
        if (coverage > MIN_COVERAGE) this.blend(x0 + i, y0 + j, c, coverage);
      }
    }
  }

  /** Anti-aliased text anchored at (x, y); see textPolygons for the placement options. */
  fillText(text: string, x: number, y: number, font: FontSpec, colour: string, placement: TextPlacement = {}): void {
    if (text) this.fillPolygons(textPolygons(font, text, x, y, placement), colour);
  }

  private blendMask(mask: Float32Array, x0: number, y0: number, w: number, colour: Paint): void {
    const h = mask.length / w;
    for (let j = 0; j < h; j++) {
      for (let i = 0; i < w; i++) {
        const coverage = mask[j * w + i]!;
        if (coverage > MIN_COVERAGE) this.blend(x0 + i, y0 + j, colour, coverage);
      }
    }
  }

  /** The image as an RGB PNG. */
  toPng(): Buffer {
    return encodePngRgb(this.data, this.width, this.height);
  }
}

/**
 * Adds the signed area contributions of the edge (ax, ay) -> (bx, by) to the
 * accumulation buffer (rows of `stride` = w + 2 cells, coordinates relative to
 * the buffer). Edge parts left of 0 or right of w are moved onto those
 * borders (which keeps the winding of every pixel in between); rows outside
 * [0, h) are skipped.
 */
function addEdge(acc: Float32Array, stride: number, w: number, h: number, ax: number, ay: number, bx: number, by: number): void {
  if (ay === by) return;
  // Split at the x = 0 and x = w crossings so each piece is inside, or wholly on one side of, [0, w].
  for (const edgeX of [0, w]) {
    if ((ax - edgeX) * (bx - edgeX) < 0) {
      const t = (edgeX - ax) / (bx - ax);
      const my = ay + t * (by - ay);
      addEdge(acc, stride, w, h, ax, ay, edgeX, my);
      addEdge(acc, stride, w, h, edgeX, my, bx, by);
      return;
    }
  }
  ax = Math.min(w, Math.max(0, ax));
  bx = Math.min(w, Math.max(0, bx));

  let direction = 1;
  if (ay > by) {
    direction = -1;
    [ax, ay, bx, by] = [bx, by, ax, ay];
  }
  const dxdy = (bx - ax) / (by - ay);
  let x = ax;
  if (ay < 0) x -= ay * dxdy;
  const rowEnd = Math.min(h, Math.ceil(by));
  for (let y = Math.max(0, Math.floor(ay)); y < rowEnd; y++) {
    const row = y * stride;
    const dy = Math.min(y + 1, by) - Math.max(y, ay);
    const xNext = x + dxdy * dy;
    const d = dy * direction;
    const lo = Math.min(x, xNext);
    const hi = Math.max(x, xNext);
    const loFloor = Math.floor(lo);
    const hiCeil = Math.ceil(hi);
    if (hiCeil <= loFloor + 1) {
      // The edge crosses this row within one pixel column.
      const mid = 0.5 * (x + xNext) - loFloor;
      acc[row + loFloor] += d * (1 - mid);
      acc[row + loFloor + 1] += d * mid;
    } else {
      const s = 1 / (hi - lo);
      const loFrac = lo - loFloor;
      const a0 = 0.5 * s * (1 - loFrac) * (1 - loFrac);
      const hiFrac = hi - hiCeil + 1;
      const aLast = 0.5 * s * hiFrac * hiFrac;
      acc[row + loFloor] += d * a0;
      if (hiCeil === loFloor + 2) {
        acc[row + loFloor + 1] += d * (1 - a0 - aLast);
      } else {
        const a1 = s * (1.5 - loFrac);
        acc[row + loFloor + 1] += d * (a1 - a0);
        for (let xi = loFloor + 2; xi < hiCeil - 1; xi++) acc[row + xi] += d * s;
        const a2 = a1 + (hiCeil - loFloor - 3) * s;
        acc[row + hiCeil - 1] += d * (1 - a2 - aLast);
      }
      acc[row + hiCeil] += d * aLast;
    }
    x = xNext;
  }
}
