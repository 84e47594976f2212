/**
 * Pixel statistics of browser screenshots, for the viewer tests: a density picture must be neither
 * blank nor uniform, and a colour bar must show the colours of its colour map.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { decodePNGFromStream } from 'pureimage';
import { colorMapTable, type ColorMapName } from '../../src/render/colormaps';
import { repoRoot } from '../helpers/cli';

export interface Pixels {
  width: number;
  height: number;
  /** RGBA, row by row */
  data: Uint8Array;
}

export async function decodePng(png: Uint8Array): Promise<Pixels> {
  const bitmap = await decodePNGFromStream(Readable.from([Buffer.from(png)]));
  return { width: bitmap.width, height: bitmap.height, data: bitmap.data };
}

/** The screenshots of a test run: test-output/screenshots/ (CI keeps test-output/). */
export const SCREENSHOT_DIR = resolve(repoRoot, 'test-output/screenshots');

export function saveScreenshot(name: string, png: Uint8Array): string {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, name);
  writeFileSync(path, png);
  return path;
}

export interface RegionStats {
  /** distinct RGB colours */
  colours: number;
  /** standard deviation of the luminance, 0 … 255 */
  lumaStd: number;
  /** fraction of pixels within `tolerance` of some entry of `map` */
  mapFraction: number;
}

/** Statistics of the rectangle [x0, x0 + w) × [y0, y0 + h) of `p`, against the colour map `map`. */
export function regionStats(p: Pixels, x0: number, y0: number, w: number, h: number, map: ColorMapName = 'viridis', tolerance = 6): RegionStats {
  const table = colorMapTable(map);
  const colours = new Set<number>();
  let sum = 0;
  let sum2 = 0;
  let inMap = 0;
  let n = 0;
  for (let y = Math.max(0, y0); y < Math.min(p.height, y0 + h); y++) {
    for (let x = Math.max(0, x0); x < Math.min(p.width, x0 + w); x++) {
      const k = 4 * (y * p.width + x);
      const [r, g, b] = [p.data[k], p.data[k + 1], p.data[k + 2]];
      colours.add((r << 16) | (g << 8) | b);
      const luma = 0.2126 * r + 0.7152 * g + 0.0722 * b;
      sum += luma;
      sum2 += luma * luma;
      n++;
      for (let e = 0; e < 256; e++) {
        if (Math.abs(table[3 * e] - r) + Math.abs(table[3 * e + 1] - g) + Math.abs(table[3 * e + 2] - b) <= tolerance) {
          inMap++;
          break;
        }
      }
    }
  }
  const mean = sum / Math.max(n, 1);
  return { colours: colours.size, lumaStd: Math.sqrt(Math.max(0, sum2 / Math.max(n, 1) - mean * mean)), mapFraction: inMap / Math.max(n, 1) };
}
