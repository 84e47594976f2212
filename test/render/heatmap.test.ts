import { writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { decodePNGFromStream } from 'pureimage';
import { describe, expect, it } from 'vitest';
import { colorMapTable } from '../../src/render/colormaps.js';
import {
  NON_FINITE_RGB,
  niceTicks,
  renderHeatmap,
  renderHeatmapPng,
  renderLinePlotPng,
  type HeatmapOptions,
} from '../../src/render/png/heatmap.js';
import { renderLinePlot, SERIES_COLOURS } from '../../src/render/png/lineplot.js';
import { formatTickLabels, logTicks } from '../../src/render/png/ticks.js';

interface DecodedImage {
  width: number;
  height: number;
  rgb(x: number, y: number): [number, number, number];
}

async function decodePng(png: Buffer): Promise<DecodedImage> {
  const { width, height, data } = await decodePNGFromStream(Readable.from(png));
  return {
    width,
    height,
    rgb: (x, y) => {
      const o = 4 * (Math.floor(y) * width + Math.floor(x));
      return [data[o]!, data[o + 1]!, data[o + 2]!];
    },
  };
}

function pngIhdrSize(png: Buffer): { width: number; height: number } {
  expect(Array.from(png.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

const viridis = colorMapTable('viridis');
const tableRgb = (table: Uint8Array, index: number): [number, number, number] => [
  table[3 * index]!,
  table[3 * index + 1]!,
  table[3 * index + 2]!,
];

/** Nearest viridis entry to a colour; ties (viridis repeats a few byte triples) resolve to the lowest index. */
function viridisIndex([r, g, b]: [number, number, number]): number {
  let best = 0;
  let bestDistance = Infinity;
  for (let k = 0; k < 256; k++) {
    const d = (viridis[3 * k]! - r) ** 2 + (viridis[3 * k + 1]! - g) ** 2 + (viridis[3 * k + 2]! - b) ** 2;
    if (d < bestDistance) {
      bestDistance = d;
      best = k;
    }
  }
  return best;
}

/** The colour-map index the renderer must use for normalised value t (256 equal bins). */
const expectedIndex = (t: number): number => Math.min(255, Math.max(0, Math.floor(t * 256)));

const baseOptions: HeatmapOptions = {
  xLabel: 'membrane potential v',
  yLabel: 'adaptation w',
  xRange: [-1, 1],
  yRange: [0, 2],
  width: 640,
  height: 420,
};

describe('colorMapTable', () => {
  it('holds the matplotlib viridis and magma endpoints and a linear grey ramp', () => {
    const magma = colorMapTable('magma');
    const grey = colorMapTable('grey');
    for (const table of [viridis, magma, grey]) expect(table.length).toBe(256 * 3);
    expect(tableRgb(viridis, 0)).toEqual([68, 1, 84]);
    expect(tableRgb(viridis, 128)).toEqual([33, 145, 140]); // #21918c
    expect(tableRgb(viridis, 255)).toEqual([253, 231, 37]);
    expect(tableRgb(magma, 0)).toEqual([0, 0, 4]);
    expect(tableRgb(magma, 128)).toEqual([183, 55, 121]);
    expect(tableRgb(magma, 255)).toEqual([252, 253, 191]);
    expect(tableRgb(grey, 0)).toEqual([0, 0, 0]);
    expect(tableRgb(grey, 200)).toEqual([200, 200, 200]);
  });

  it('is smooth (catches transcription slips in the embedded tables)', () => {
    for (const table of [viridis, colorMapTable('magma')]) {
      for (let k = 1; k < 256; k++) {
        for (let c = 0; c < 3; c++) expect(Math.abs(table[3 * k + c]! - table[3 * (k - 1) + c]!)).toBeLessThanOrEqual(3);
      }
    }
  });

  it('rejects unknown names', () => {
    expect(() => colorMapTable('jet' as never)).toThrow(/Unknown colour map "jet"/);
  });
});

describe('niceTicks', () => {
  it('gives round 1-2-5 steps on simple ranges', () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0, 10, 5)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(-1, 1, 4)).toEqual([-1, -0.5, 0, 0.5, 1]);
    expect(niceTicks(-65, -50, 3)).toEqual([-65, -60, -55, -50]);
    expect(niceTicks(0.1, 0.7, 6)).toEqual([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]);
    expect(niceTicks(3, 3, 5)).toEqual([3]);
    expect(niceTicks(1, 0, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0, Number.NaN, 5)).toEqual([]);
  });

  it('covers arbitrary ranges with evenly spaced 1-2-5 x 10^k ticks inside the range', () => {
    let seed = 12345;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let trial = 0; trial < 500; trial++) {
      const centre = (random() - 0.5) * 10 ** (random() * 12 - 6);
      const span = 10 ** (random() * 12 - 6);
      const lo = centre - span * random();
      const hi = lo + span;
      const approx = 2 + Math.floor(random() * 8);
      const ticks = niceTicks(lo, hi, approx);
      expect(ticks.length).toBeGreaterThanOrEqual(2);
      // Far from zero, tick differences carry the rounding error of the tick magnitudes.
      const tolerance = span * 1e-9 + 8 * Number.EPSILON * Math.max(Math.abs(lo), Math.abs(hi));
      const step = ticks[1]! - ticks[0]!;
      const decade = 10 ** Math.floor(Math.log10(step) + 1e-6);
      expect(
        [1, 2, 5, 10].some((m) => Math.abs(step - m * decade) <= tolerance),
        `step ${step} for [${lo}, ${hi}]`,
      ).toBe(true);
      for (let k = 1; k < ticks.length; k++) expect(Math.abs(ticks[k]! - ticks[k - 1]! - step)).toBeLessThanOrEqual(tolerance);
      expect(ticks[0]!).toBeGreaterThanOrEqual(lo - tolerance);
      expect(ticks[ticks.length - 1]!).toBeLessThanOrEqual(hi + tolerance);
      expect(ticks[0]! - lo).toBeLessThan(step + tolerance);
      expect(hi - ticks[ticks.length - 1]!).toBeLessThan(step + tolerance);
      expect(ticks.length - 1).toBeGreaterThanOrEqual(approx / 2);
      expect(ticks.length - 1).toBeLessThanOrEqual(approx * 2.5);
    }
  });

  it('labels ticks with consistent decimals and log ticks as powers of ten', () => {
    expect(formatTickLabels([0, 0.5, 1, 1.5])).toEqual(['0', '0.5', '1.0', '1.5']);
    expect(formatTickLabels([-2, 0, 2])).toEqual(['\u22122', '0', '2']);
    expect(formatTickLabels([-2e-5, 0, 2e-5, 4e-5])).toEqual(['\u22122e\u22125', '0', '2e\u22125', '4e\u22125']);
    expect(formatTickLabels([0, 250000, 500000])).toEqual(['0', '2.5e5', '5.0e5']);
    expect(formatTickLabels([0, 0.25, 0.5])).toEqual(['0', '0.25', '0.50']);
    expect(formatTickLabels([-65, -60, -55])).toEqual(['\u221265', '\u221260', '\u221255']);
    expect(formatTickLabels(niceTicks(0, 1, 5))).toEqual(['0', '0.2', '0.4', '0.6', '0.8', '1.0']);
    const log = logTicks(1e-6, 1, 6);
    expect(log.major).toEqual([1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1]);
    expect(log.labels[0]).toBe('10⁻⁶');
    expect(log.labels[6]).toBe('10⁰');
    expect(log.minor).toContain(2e-6);
  });

  it('labels a log axis that spans less than two decades with 1-2-5 mantissas, not linear ticks', () => {
    const t = logTicks(0.012, 0.8, 6);
    expect(t.major).toEqual([0.02, 0.05, 0.1, 0.2, 0.5]);
    expect(t.labels).toEqual(['0.02', '0.05', '0.1', '0.2', '0.5']);
    expect(logTicks(3, 9, 6).major).toEqual([3, 4, 5, 6, 7, 8, 9]);
  });
});

describe('renderHeatmapPng', () => {
  it('produces a PNG of the requested size', async () => {
    const data = new Float32Array(8 * 8).map((_, k) => k);
    const png = renderHeatmapPng(data, 8, 8, baseOptions);
    expect(pngIhdrSize(png)).toEqual({ width: 640, height: 420 });
    const image = await decodePng(png);
    expect([image.width, image.height]).toEqual([640, 420]);

    const defaultSize = pngIhdrSize(renderHeatmapPng(data, 8, 8, { ...baseOptions, width: undefined, height: undefined }));
    expect(defaultSize).toEqual({ width: 900, height: 600 });
  });

  it('maps columns left to right with increasing viridis index, exactly as the colour map bins them', async () => {
    const nx = 8;
    const ny = 5;
    const data = new Float64Array(nx * ny);
    for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) data[j * nx + i] = 10 + 3 * i; // 10 .. 31
    const { png, plot, valueRange } = renderHeatmap(data, nx, ny, baseOptions);
    expect(valueRange).toEqual([10, 31]);
    const image = await decodePng(png);
    const cy = plot.y + plot.height / 2;
    const indices: number[] = [];
    for (let i = 0; i < nx; i++) {
      const cx = plot.x + ((i + 0.5) * plot.width) / nx;
      const colour = image.rgb(cx, cy);
      expect(colour, `column ${i}`).toEqual(tableRgb(viridis, expectedIndex(i / (nx - 1))));
      indices.push(viridisIndex(colour));
    }
    for (let i = 1; i < nx; i++) expect(indices[i]!).toBeGreaterThan(indices[i - 1]!);
    expect(indices[0]).toBe(0);
    expect(indices[nx - 1]).toBe(255);
  });

  it('puts row 0 at the bottom and fills the plot area edge to edge', async () => {
    const nx = 3;
    const ny = 4;
    // A single hot cell at column 2, row 0: must appear bottom-right.
    const data = new Float32Array(nx * ny);
    data[0 * nx + 2] = 1;
    const { png, plot } = renderHeatmap(data, nx, ny, baseOptions);
    const image = await decodePng(png);
    const cellCentre = (i: number, j: number): [number, number] => [
      plot.x + ((i + 0.5) * plot.width) / nx,
      plot.y + plot.height - ((j + 0.5) * plot.height) / ny,
    ];
    expect(image.rgb(...cellCentre(2, 0))).toEqual(tableRgb(viridis, 255));
    expect(image.rgb(...cellCentre(2, ny - 1))).toEqual(tableRgb(viridis, 0));
    expect(image.rgb(...cellCentre(0, 0))).toEqual(tableRgb(viridis, 0));
    // The corner pixels of the plot area belong to the corner cells.
    expect(image.rgb(plot.x + plot.width - 1, plot.y + plot.height - 1)).toEqual(tableRgb(viridis, 255));
    expect(image.rgb(plot.x + plot.width - 1, plot.y)).toEqual(tableRgb(viridis, 0));
    // Just outside the plot area is the frame, not data.
    expect(image.rgb(plot.x + plot.width, plot.y + plot.height - 1)).not.toEqual(tableRgb(viridis, 255));
  });

  it('renders a constant field in the middle colour without dividing by zero', async () => {
    for (const value of [0, 3.5, -2]) {
      const { png, plot, valueRange } = renderHeatmap(new Float32Array(16 * 16).fill(value), 16, 16, baseOptions);
      expect(valueRange[0]).toBeLessThan(value);
      expect(valueRange[1]).toBeGreaterThan(value);
      const image = await decodePng(png);
      expect(image.rgb(plot.x + plot.width / 2, plot.y + plot.height / 2)).toEqual(tableRgb(viridis, 128));
    }
  });

  it('draws NaN and infinite cells in the non-finite colour and ignores them for the range', async () => {
    const nx = 4;
    const ny = 4;
    const data = new Float64Array(nx * ny).map((_, k) => k % nx);
    data[1 * nx + 1] = Number.NaN;
    data[2 * nx + 3] = Infinity;
    const { png, plot, valueRange } = renderHeatmap(data, nx, ny, baseOptions);
    expect(valueRange).toEqual([0, 3]);
    const image = await decodePng(png);
    const at = (i: number, j: number): [number, number, number] =>
      image.rgb(plot.x + ((i + 0.5) * plot.width) / nx, plot.y + plot.height - ((j + 0.5) * plot.height) / ny);
    expect(at(1, 1)).toEqual([...NON_FINITE_RGB]);
    expect(at(3, 2)).toEqual([...NON_FINITE_RGB]);
    expect(at(3, 1)).toEqual(tableRgb(viridis, 255));

    expect(() => renderHeatmapPng(new Float32Array(64).fill(Number.NaN), 8, 8, baseOptions)).not.toThrow();
  });

  it('supports log scale with a floor at max * 1e-6', async () => {
    const nx = 8;
    const data = new Float64Array(nx).map((_, i) => 10 ** (i - 7)); // 1e-7 .. 1
    const { png, plot, valueRange } = renderHeatmap(data, nx, 1, { ...baseOptions, scale: 'log' });
    expect(valueRange[0]).toBeCloseTo(1e-6, 18);
    expect(valueRange[1]).toBe(1);
    const image = await decodePng(png);
    const cy = plot.y + plot.height / 2;
    const colourOf = (i: number): [number, number, number] => image.rgb(plot.x + ((i + 0.5) * plot.width) / nx, cy);
    expect(colourOf(0)).toEqual(tableRgb(viridis, 0)); // below the floor
    expect(colourOf(1)).toEqual(tableRgb(viridis, 0)); // at the floor
    expect(colourOf(4)).toEqual(tableRgb(viridis, expectedIndex(0.5))); // 1e-3: half-way in log
    expect(colourOf(7)).toEqual(tableRgb(viridis, 255));
  });

  it('honours valueRange and colour map choice, clamping outside values', async () => {
    const data = new Float64Array([-5, 0.25, 0.5, 5, 0.1, 0.999]);
    const nx = data.length;
    const { png, plot } = renderHeatmap(data, nx, 1, { ...baseOptions, valueRange: [0, 1], colorMap: 'grey' });
    const image = await decodePng(png);
    const colourOf = (i: number): [number, number, number] =>
      image.rgb(plot.x + ((i + 0.5) * plot.width) / nx, plot.y + plot.height / 2);
    expect(colourOf(0)).toEqual([0, 0, 0]);
    expect(colourOf(1)).toEqual([64, 64, 64]);
    expect(colourOf(2)).toEqual([128, 128, 128]);
    expect(colourOf(3)).toEqual([255, 255, 255]);
    // 256 equal bins (floor(t * 256)), not rounding t * 255 (which would give 26 here).
    expect(colourOf(4)).toEqual([25, 25, 25]);
    expect(colourOf(5)).toEqual([255, 255, 255]);
  });

  it('averages cells when the grid has more cells than pixels', async () => {
    const options: HeatmapOptions = { ...baseOptions, valueRange: [0, 1], colorMap: 'grey' };
    const { plot } = renderHeatmap(new Float32Array(4), 2, 2, options);
    // Exactly two cells per pixel column, alternating 0/1: nearest sampling would give black or white
    // stripes, averaging gives uniform mid grey.
    const nx = 2 * plot.width;
    const ny = 3;
    const data = new Float32Array(nx * ny).map((_, k) => (k % nx) % 2);
    const rendered = renderHeatmap(data, nx, ny, options);
    expect(rendered.plot).toEqual(plot);
    const image = await decodePng(rendered.png);
    for (const fx of [0.1, 0.37, 0.5, 0.93]) {
      expect(image.rgb(plot.x + fx * plot.width, plot.y + plot.height / 2)).toEqual([128, 128, 128]);
    }
  });

  it('renders 8x8 through 4096x4096 grids, the largest well under 3 s', () => {
    for (const n of [8, 100, 1000]) {
      const png = renderHeatmapPng(new Float32Array(n * n).map((_, k) => Math.sin(k)), n, n, baseOptions);
      expect(pngIhdrSize(png).width).toBe(640);
    }
    const n = 4096;
    const data = new Float32Array(n * n);
    for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) data[j * n + i] = Math.exp(-((i - 2048) ** 2 + (j - 1500) ** 2) / 4e5);
    const start = performance.now();
    const png = renderHeatmapPng(data, n, n, { ...baseOptions, width: 900, height: 600 });
    const elapsedMs = performance.now() - start;
    expect(pngIhdrSize(png)).toEqual({ width: 900, height: 600 });
    expect(elapsedMs).toBeLessThan(3000);
  });

  it('rejects inconsistent inputs with clear errors', () => {
    expect(() => renderHeatmapPng(new Float32Array(10), 4, 4, baseOptions)).toThrow(/data has 10 values but nx\*ny = 16/);
    expect(() => renderHeatmapPng(new Float32Array(16), 4, 4, { ...baseOptions, xRange: [1, 1] })).toThrow(/xRange/);
    expect(() => renderHeatmapPng(new Float32Array(16), 4, 4, { ...baseOptions, valueRange: [2, 1] })).toThrow(
      /valueRange/,
    );
  });

  it('draws dashed markers at their model-unit x position', async () => {
    const data = new Float32Array(32 * 32).map((_, k) => (k % 32) / 31); // no white anywhere in viridis
    const { png, plot } = renderHeatmap(data, 32, 32, {
      ...baseOptions,
      markers: [{ x: 0.5, label: 'V_th' }, { x: 0.45, label: 'V_r' }, { x: 7, label: 'off-axis' }],
    });
    const image = await decodePng(png);
    const isWhite = (x: number, y: number): boolean => image.rgb(x, y).join() === '255,255,255';
    // x = 0.5 in [-1, 1]; the 1-px dash may land on either neighbour of the exact position.
    const markerX = Math.floor(plot.x + 0.75 * plot.width);
    let whiteAlongMarker = 0;
    let whiteElsewhere = 0;
    for (let y = plot.y; y < plot.y + plot.height; y++) {
      if (isWhite(markerX - 1, y) || isWhite(markerX, y) || isWhite(markerX + 1, y)) whiteAlongMarker++;
      for (let x = plot.x; x < plot.x + plot.width; x += 7) {
        if (Math.abs(x - markerX) > 2 && Math.abs(x - (plot.x + 0.725 * plot.width)) > 2 && isWhite(x, y)) whiteElsewhere++;
      }
    }
    expect(whiteAlongMarker).toBeGreaterThan(plot.height * 0.3); // dashes cover roughly half the height
    expect(whiteAlongMarker).toBeLessThan(plot.height * 0.9);
    expect(whiteElsewhere).toBe(0);
  });

  it('writes a sample figure to /tmp/kinfire-heatmap-sample.png', async () => {
    // A drifting, diffusing density in (v, w) with a reset line, as a solver would produce.
    const nx = 400;
    const ny = 200;
    const data = new Float32Array(nx * ny);
    const vMin = -70, vMax = -50, wMin = 0, wMax = 100;
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++) {
        const v = vMin + ((i + 0.5) / nx) * (vMax - vMin);
        const w = wMin + ((j + 0.5) / ny) * (wMax - wMin);
        data[j * nx + i] =
          0.08 * Math.exp(-((v + 58) ** 2) / 8 - ((w - 30) ** 2) / 200) +
          0.03 * Math.exp(-((v + 65) ** 2) / 2 - ((w - 60) ** 2) / 100);
      }
    }
    data[5] = Number.NaN;
    const png = renderHeatmapPng(data, nx, ny, {
      title: 'Adaptive EIF density p(v, w) at t = 12.5 ms',
      xLabel: 'membrane potential v (mV)',
      yLabel: 'adaptation current w (pA)',
      xRange: [vMin, vMax],
      yRange: [wMin, wMax],
      colorBarLabel: 'density p (1/(mV·pA))',
      markers: [
        { x: -65, label: 'V_r' },
        { x: -63.5, label: 'E_L' },
        { x: -52, label: 'V_th' },
      ],
    });
    writeFileSync('/tmp/kinfire-heatmap-sample.png', png);
    const logPng = renderHeatmapPng(data, nx, ny, {
      title: 'Same density, log scale (magma)',
      xLabel: 'membrane potential v (mV)',
      yLabel: 'adaptation current w (pA)',
      xRange: [vMin, vMax],
      yRange: [wMin, wMax],
      colorMap: 'magma',
      scale: 'log',
      colorBarLabel: 'density p',
      width: 700,
      height: 450,
    });
    writeFileSync('/tmp/kinfire-heatmap-sample-log.png', logPng);
    expect((await decodePng(png)).width).toBe(900);
  });
});

describe('renderLinePlotPng', () => {
  it('draws series in their colours on linear axes and writes a sample', async () => {
    const t = Float64Array.from({ length: 2001 }, (_, k) => k * 0.05);
    const rate = t.map((tk) => 20 + 15 * Math.exp(-tk / 30) * Math.sin(tk / 2));
    const rate2 = t.map((tk) => 18 + 5 * Math.cos(tk / 7));
    const { png, plot } = renderLinePlot(
      [
        { x: t, y: rate, label: 'kinetic solver' },
        { x: t, y: rate2, label: 'Monte Carlo (10⁵ neurons)' },
      ],
      { title: 'Population activity N(t)', xLabel: 'time t (ms)', yLabel: 'firing rate N (Hz)' },
    );
    writeFileSync('/tmp/kinfire-lineplot-sample.png', png);
    expect(pngIhdrSize(png)).toEqual({ width: 900, height: 600 });
    const image = await decodePng(png);
    const hex = (c: [number, number, number]): string => '#' + c.map((v) => v.toString(16).padStart(2, '0')).join('');
    const seen = new Set<string>();
    for (let y = plot.y; y < plot.y + plot.height; y++) {
      for (let x = plot.x; x < plot.x + plot.width; x += 3) seen.add(hex(image.rgb(x, y)));
    }
    expect(seen.has(SERIES_COLOURS[0]!)).toBe(true);
    expect(seen.has(SERIES_COLOURS[1]!)).toBe(true);
  });

  it('handles log-log axes, dropping non-positive and NaN points', async () => {
    const h = [0.1, 0.05, 0.025, 0.0125, 0.00625];
    const png = renderLinePlotPng(
      [
        { x: h, y: h.map((v) => 3 * v * v), label: 'L¹ error' },
        { x: h, y: h.map((v) => v), label: 'O(h) reference' },
        { x: [0.1, 0.05, 0.02], y: [0, Number.NaN, -1], label: 'nothing drawable' },
      ],
      { title: 'Convergence', xLabel: 'grid spacing h', yLabel: 'error', logX: true, logY: true, width: 600, height: 450 },
    );
    writeFileSync('/tmp/kinfire-lineplot-sample-loglog.png', png);
    expect(pngIhdrSize(png)).toEqual({ width: 600, height: 450 });
  });

  it('survives empty, single-point and constant series', () => {
    expect(() => renderLinePlotPng([], { xLabel: 'x', yLabel: 'y' })).not.toThrow();
    expect(() => renderLinePlotPng([{ x: [1], y: [2], label: 'one' }], { xLabel: 'x', yLabel: 'y', logY: true })).not.toThrow();
    expect(() => renderLinePlotPng([{ x: [0, 1, 2], y: [5, 5, 5], label: 'flat' }], { xLabel: 'x', yLabel: 'y' })).not.toThrow();
    expect(() => renderLinePlotPng([{ x: [0, 1], y: [5], label: 'bad' }], { xLabel: 'x', yLabel: 'y' })).toThrow(
      /2 x values but 1 y values/,
    );
  });
});
