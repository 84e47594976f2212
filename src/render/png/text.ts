/**
 * Text for the PNG figures: DejaVu Sans (from the `dejavu-fonts-ttf` package)
 * loaded once through pureimage's font registry, measured with the font's
 * advance widths and kerning, and turned into flattened glyph outlines that
 * the rasteriser fills with anti-aliasing (see raster.ts).
 */

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { registerFont } from 'pureimage';

export interface FontSpec {
  /** Font size in px (the em size). */
  px: number;
  bold?: boolean;
}

export type TextAlign = 'left' | 'center' | 'right';
/** As in Canvas2D: where the anchor point sits vertically relative to the text. */
export type TextBaseline = 'top' | 'middle' | 'alphabetic' | 'bottom';

/** The parts of an opentype.js (0.4) font and glyph used here. */
interface OpentypeCommand {
  type: 'M' | 'L' | 'Q' | 'C' | 'Z';
  x: number;
  y: number;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}
interface OpentypeGlyph {
  index: number;
  advanceWidth: number;
  path: { commands: OpentypeCommand[] };
}
interface OpentypeFont {
  unitsPerEm: number;
  ascender: number;
  descender: number;
  charToGlyph(char: string): OpentypeGlyph;
  stringToGlyphs(text: string): OpentypeGlyph[];
  getKerningValue(left: OpentypeGlyph, right: OpentypeGlyph): number;
}

interface LoadedFont {
  font: OpentypeFont;
  /** Height of capitals and digits above the baseline, in em. */
  capHeight: number;
  /** Ascent and descent of the em box (ascender/descender scaled to sum to 1 em), in em. */
  emAscent: number;
  emDescent: number;
  /** Flattened outlines per "size:glyph index", relative to the glyph origin on the baseline. */
  outlines: Map<string, Float64Array[]>;
}

let loadedFonts: { regular: LoadedFont; bold: LoadedFont } | null = null;

function loadFont(path: string, family: string): LoadedFont {
  const font = registerFont(path, family).loadSync().font as unknown as OpentypeFont;
  const ascender = font.ascender;
  const descender = Math.abs(font.descender);
  let capTop = 0;
  for (const command of font.charToGlyph('H').path.commands) if (command.type !== 'Z') capTop = Math.max(capTop, command.y);
  return {
    font,
    capHeight: capTop > 0 ? capTop / font.unitsPerEm : 0.73,
    emAscent: ascender / (ascender + descender),
    emDescent: descender / (ascender + descender),
    outlines: new Map(),
  };
}

/** DejaVu Sans regular and bold, registered with pureimage on first use. */
function fonts(): { regular: LoadedFont; bold: LoadedFont } {
  if (!loadedFonts) {
    // Node's module resolution finds the package both from src/ (vitest) and from the bundled dist/.
    const require = createRequire(import.meta.url);
    const ttfDir = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
    loadedFonts = {
      regular: loadFont(join(ttfDir, 'DejaVuSans.ttf'), 'DejaVu Sans'),
      bold: loadFont(join(ttfDir, 'DejaVuSans-Bold.ttf'), 'DejaVu Sans Bold'),
    };
  }
  return loadedFonts;
}

function fontFor(spec: FontSpec): LoadedFont {
  const loaded = fonts();
  return spec.bold ? loaded.bold : loaded.regular;
}

interface PlacedGlyph {
  glyph: OpentypeGlyph;
  /** Pen position in px from the start of the text. */
  x: number;
}

function layout(loaded: LoadedFont, text: string, px: number): { glyphs: PlacedGlyph[]; width: number } {
  const scale = px / loaded.font.unitsPerEm;
  const glyphs = loaded.font.stringToGlyphs(text);
  const placed: PlacedGlyph[] = [];
  let pen = 0;
  for (let k = 0; k < glyphs.length; k++) {
    const glyph = glyphs[k]!;
    placed.push({ glyph, x: pen });
    pen += (glyph.advanceWidth || 0) * scale;
    if (k + 1 < glyphs.length) pen += loaded.font.getKerningValue(glyph, glyphs[k + 1]!) * scale;
  }
  return { glyphs: placed, width: pen };
}

/** Advance width of `text` in px, kerning included (what fillText covers horizontally). */
export function measureText(spec: FontSpec, text: string): number {
  return layout(fontFor(spec), text, spec.px).width;
}

/** Flattened contours of one glyph at `px`, in px with y down, origin at the pen position on the baseline. */
function glyphOutline(loaded: LoadedFont, glyph: OpentypeGlyph, px: number): Float64Array[] {
  const key = `${px}:${glyph.index}`;
  const cached = loaded.outlines.get(key);
  if (cached) return cached;
  const scale = px / loaded.font.unitsPerEm;
  const contours: Float64Array[] = [];
  let current: number[] = [];
  let cx = 0;
  let cy = 0;
  const close = (): void => {
    if (current.length >= 6) contours.push(Float64Array.from(current));
    current = [];
  };
  // Curves are split so the chord error stays below ~0.05 px (error of n chords ~ |p0 - 2p1 + p2| / (8 n^2)).
  const segmentsFor = (bend: number): number => Math.max(1, Math.min(24, Math.ceil(Math.sqrt(bend / 0.4))));
  for (const c of glyph.path.commands) {
    const x = c.x * scale;
    const y = -c.y * scale;
    switch (c.type) {
      case 'M':
        close();
        current.push(x, y);
        break;
      case 'L':
        current.push(x, y);
        break;
      case 'Q': {
        const x1 = c.x1 * scale, y1 = -c.y1 * scale;
        const n = segmentsFor(Math.hypot(cx - 2 * x1 + x, cy - 2 * y1 + y));
        for (let k = 1; k <= n; k++) {
          const t = k / n, u = 1 - t;
          current.push(u * u * cx + 2 * u * t * x1 + t * t * x, u * u * cy + 2 * u * t * y1 + t * t * y);
        }
        break;
      }
      case 'C': {
        const x1 = c.x1 * scale, y1 = -c.y1 * scale, x2 = c.x2 * scale, y2 = -c.y2 * scale;
        const bend = 1.5 * Math.max(Math.hypot(cx - 2 * x1 + x2, cy - 2 * y1 + y2), Math.hypot(x1 - 2 * x2 + x, y1 - 2 * y2 + y));
        const n = segmentsFor(bend);
        for (let k = 1; k <= n; k++) {
          const t = k / n, u = 1 - t;
          current.push(
            u * u * u * cx + 3 * u * u * t * x1 + 3 * u * t * t * x2 + t * t * t * x,
            u * u * u * cy + 3 * u * u * t * y1 + 3 * u * t * t * y2 + t * t * t * y,
          );
        }
        break;
      }
      case 'Z':
        close();
        continue;
    }
    cx = x;
    cy = y;
  }
  close();
  loaded.outlines.set(key, contours);
  return contours;
}

export interface TextPlacement {
  align?: TextAlign;
  baseline?: TextBaseline;
  /** Rotate by -90 degrees about the anchor so the text reads bottom to top (vertical axis labels). */
  vertical?: boolean;
}

/**
 * Closed polygons (flat x, y arrays in image px) of `text` anchored at (x, y).
 * The pen origin is snapped to whole pixels so the baseline, and with it the
 * horizontal strokes, sit at the same pixel phase in every label.
 */
export function textPolygons(spec: FontSpec, text: string, x: number, y: number, placement: TextPlacement = {}): Float64Array[] {
  const loaded = fontFor(spec);
  const { glyphs, width } = layout(loaded, text, spec.px);
  const align = placement.align ?? 'left';
  const baseline = placement.baseline ?? 'alphabetic';
  // Offsets along the text direction (dx) and across it (dy, downwards in text space).
  const dx = align === 'left' ? 0 : align === 'center' ? -width / 2 : -width;
  const dy =
    baseline === 'top'
      ? loaded.emAscent * spec.px
      : baseline === 'middle'
        ? (loaded.capHeight * spec.px) / 2 // centres digits and capitals on the anchor
        : baseline === 'bottom'
          ? -loaded.emDescent * spec.px
          : 0;
  const polygons: Float64Array[] = [];
  if (!placement.vertical) {
    const ox = Math.round(x + dx);
    const oy = Math.round(y + dy);
    for (const { glyph, x: pen } of glyphs) {
      for (const contour of glyphOutline(loaded, glyph, spec.px)) {
        const out = new Float64Array(contour.length);
        for (let k = 0; k < contour.length; k += 2) {
          out[k] = ox + pen + contour[k]!;
          out[k + 1] = oy + contour[k + 1]!;
        }
        polygons.push(out);
      }
    }
  } else {
    // Text-space (u, v) maps to the image as (x + v, y - u): rotated a quarter turn anticlockwise.
    const ou = Math.round(-y + dx); // so that y - ou is a whole pixel
    const ov = Math.round(x + dy);
    for (const { glyph, x: pen } of glyphs) {
      for (const contour of glyphOutline(loaded, glyph, spec.px)) {
        const out = new Float64Array(contour.length);
        for (let k = 0; k < contour.length; k += 2) {
          out[k] = ov + contour[k + 1]!;
          out[k + 1] = -(ou + pen + contour[k]!);
        }
        polygons.push(out);
      }
    }
  }
  return polygons;
}
