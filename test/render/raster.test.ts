import { Readable } from 'node:stream';
import { decodePNGFromStream } from 'pureimage';
import { describe, expect, it } from 'vitest';
import { encodePngRgb } from '../../src/render/png/encode.js';
import { Raster } from '../../src/render/png/raster.js';
import { measureText } from '../../src/render/png/text.js';

const at = (raster: Raster, x: number, y: number): number[] => {
  const o = 4 * (y * raster.width + x);
  return [raster.data[o]!, raster.data[o + 1]!, raster.data[o + 2]!];
};

/** Bounding box of the non-white pixels. */
function inkBox(raster: Raster): { x0: number; y0: number; x1: number; y1: number } {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (let y = 0; y < raster.height; y++) {
    for (let x = 0; x < raster.width; x++) {
      if (at(raster, x, y).join() !== '255,255,255') {
        x0 = Math.min(x0, x);
        y0 = Math.min(y0, y);
        x1 = Math.max(x1, x);
        y1 = Math.max(y1, y);
      }
    }
  }
  return { x0, y0, x1, y1 };
}

describe('encodePngRgb', () => {
  it('round-trips arbitrary RGB pixels through a PNG decoder', async () => {
    const width = 37;
    const height = 23;
    const rgba = new Uint8Array(4 * width * height);
    let seed = 7;
    for (let k = 0; k < rgba.length; k++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      rgba[k] = k % 4 === 3 ? 255 : seed & 255;
    }
    const decoded = await decodePNGFromStream(Readable.from(encodePngRgb(rgba, width, height)));
    expect([decoded.width, decoded.height]).toEqual([width, height]);
    expect(Array.from(decoded.data)).toEqual(Array.from(rgba));
  });
});

describe('Raster', () => {
  it('fills glyph outlines with their holes open and anti-aliased edges', () => {
    const raster = new Raster(80, 80);
    raster.fillText('O', 40, 40, { px: 60 }, '#000000', { align: 'center', baseline: 'middle' });
    const box = inkBox(raster);
    const centre = [Math.round((box.x0 + box.x1) / 2), Math.round((box.y0 + box.y1) / 2)] as const;
    expect(at(raster, ...centre)).toEqual([255, 255, 255]); // the counter of the O is not filled
    // Scanning across the ring: solid ink inside, and partial (grey) pixels at its edges.
    const row = Array.from({ length: box.x1 - box.x0 + 1 }, (_, i) => at(raster, box.x0 + i, centre[1])[0]!);
    expect(row).toContain(0);
    expect(row.some((v) => v > 0 && v < 255)).toBe(true);
  });

  it('draws vertical text reading bottom to top, centred on the anchor', () => {
    const raster = new Raster(60, 200);
    const text = 'adaptation w';
    raster.fillText(text, 30, 100, { px: 15 }, '#000000', { align: 'center', baseline: 'middle', vertical: true });
    const box = inkBox(raster);
    const width = measureText({ px: 15 }, text);
    expect(box.y1 - box.y0).toBeGreaterThan(width - 4);
    expect(box.y1 - box.y0).toBeLessThan(width + 2);
    expect(box.x1 - box.x0).toBeLessThan(16);
    expect(Math.abs((box.y0 + box.y1) / 2 - 100)).toBeLessThan(3);
    expect(Math.abs((box.x0 + box.x1) / 2 - 30)).toBeLessThan(4);
  });

  it('strokes self-overlapping polylines without holes (union, not even-odd)', () => {
    const raster = new Raster(100, 20);
    const points: number[] = [];
    for (let k = 0; k < 40; k++) points.push(k % 2 ? 90 : 10, 10 + (k % 3) * 0.1);
    raster.strokePolyline(points, 4, '#1f77b4');
    for (let x = 10; x < 90; x++) expect(at(raster, x, 10), `x = ${x}`).toEqual([0x1f, 0x77, 0xb4]);
  });

  it('blends fractional rectangle edges by area and clips to the given rectangle', () => {
    const raster = new Raster(10, 10);
    raster.fillRect(2.5, 2, 3, 1, '#000000', { x0: 0, y0: 0, x1: 5, y1: 10 });
    expect(at(raster, 2, 2)).toEqual([128, 128, 128]);
    expect(at(raster, 3, 2)).toEqual([0, 0, 0]);
    expect(at(raster, 5, 2)).toEqual([255, 255, 255]); // clipped
    expect(at(raster, 3, 3)).toEqual([255, 255, 255]);
  });
});
