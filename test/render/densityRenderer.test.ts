/**
 * The live renderer (src/render/webgpu/densityRenderer.ts) in Node (Dawn), rendering into a texture
 * that is read back: the GPU range reduction gives the exact max and smallest positive value, and every
 * cell is drawn in the colour the CPU computes from colorScaleRange and the colour map table (to one
 * table entry: the shader maps in f32), v to the right, g upward, non-finite values white; a field of
 * either sign (the Wilson–Cowan N) over its exact [min, max].
 */
import { describe, expect, it } from 'vitest';
import { colorMapTable, type ColorMapName } from '../../src/render/colormaps';
import { type ColorRangeSetting, colorScaleRange } from '../../src/render/colorScale';
import { DensityRenderer } from '../../src/render/webgpu/densityRenderer';
import { testGpu } from '../helpers/gpu';

const NV = 12;
const NG = 6;
const CELL = 10; // pixels per cell side

/** A positive density with zeros, a small positive value and a clear maximum. */
function testDensity(): Float32Array<ArrayBuffer> {
  const p = new Float32Array(NV * NG);
  for (let j = 0; j < NG; j++) for (let i = 0; i < NV; i++) p[j * NV + i] = Math.exp(-((i - 7) ** 2) / 8 - ((j - 2) ** 2) / 3) * (1 + 0.1 * Math.sin(i * j));
  p[0] = 0;
  p[1] = 0;
  p[NV + 3] = 3e-9;
  return p;
}

async function render(p: Float32Array<ArrayBuffer>, setting: ColorRangeSetting & { colorMap: ColorMapName; extent?: boolean }) {
  const { device } = await testGpu();
  const renderer = await DensityRenderer.create(device, 'rgba8unorm');
  const state = device.createBuffer({ size: p.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(state, 0, p);
  renderer.setSource(state, NV, NG);
  const [width, height] = [NV * CELL, NG * CELL];
  const target = device.createTexture({ size: [width, height], format: 'rgba8unorm', usage: GPUTextureUsage.RENDER_ATTACHMENT | GPUTextureUsage.COPY_SRC });
  renderer.draw({ ...setting, plot: { left: 0, top: 0, width, height } }, target);
  const bytesPerRow = Math.ceil((width * 4) / 256) * 256;
  const readback = device.createBuffer({ size: bytesPerRow * height, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const encoder = device.createCommandEncoder();
  encoder.copyTextureToBuffer({ texture: target }, { buffer: readback, bytesPerRow }, [width, height]);
  device.queue.submit([encoder.finish()]);
  await readback.mapAsync(GPUMapMode.READ);
  const raw = new Uint8Array(readback.getMappedRange().slice(0));
  readback.unmap();
  const range = await renderer.readRange();
  for (const b of [state, readback]) b.destroy();
  target.destroy();
  renderer.destroy();
  /** RGB at the centre of cell (i, j) */
  const cellColour = (i: number, j: number) => {
    const x = i * CELL + CELL / 2;
    const y = height - 1 - (j * CELL + CELL / 2); // row 0 of the texture is the top: g upward
    const k = y * bytesPerRow + 4 * x;
    return [raw[k], raw[k + 1], raw[k + 2]];
  };
  return { range, cellColour };
}

/** The table entry the CPU expects for p, in f64. */
function expectedEntry(p: number, lo: number, hi: number, log: boolean): number {
  const s = log ? (Math.log(Math.max(p, lo)) - Math.log(lo)) / (Math.log(hi) - Math.log(lo)) : (p - lo) / (hi - lo);
  return Math.round(Math.min(1, Math.max(0, s)) * 255);
}

function expectCellsColoured(p: Float32Array, cellColour: (i: number, j: number) => number[], map: ColorMapName, lo: number, hi: number, log: boolean) {
  const table = colorMapTable(map);
  let exact = 0;
  for (let j = 0; j < NG; j++) {
    for (let i = 0; i < NV; i++) {
      const want = expectedEntry(p[j * NV + i], lo, hi, log);
      const got = cellColour(i, j);
      const entries = [want, want - 1, want + 1].filter((k) => k >= 0 && k < 256);
      const match = entries.find((k) => table[3 * k] === got[0] && table[3 * k + 1] === got[1] && table[3 * k + 2] === got[2]);
      expect(match, `cell (${i}, ${j}), p = ${p[j * NV + i]}: colour ${got} is not entry ${want} ± 1 of ${map}`).toBeDefined();
      if (match === want) exact++;
    }
  }
  expect(exact).toBeGreaterThan(0.9 * NV * NG);
}

describe('the WebGPU density renderer', () => {
  it('finds the exact max and smallest positive value on the GPU', async () => {
    const p = testDensity();
    const { range } = await render(p, { colorMap: 'viridis', scale: 'linear', range: 'auto' });
    expect(range.max).toBe(Math.max(...p));
    expect(range.smallestPositive).toBe(Math.fround(3e-9));
  });

  it('colours every cell as the CPU does: linear scale, automatic range, viridis', async () => {
    const p = testDensity();
    const { range, cellColour } = await render(p, { colorMap: 'viridis', scale: 'linear', range: 'auto' });
    const { min, max } = colorScaleRange({ scale: 'linear', range: 'auto' }, range);
    expect(min).toBe(0);
    expectCellsColoured(p, cellColour, 'viridis', min, max, false);
  });

  it('colours every cell as the CPU does: log scale (6 decades below the max), magma', async () => {
    const p = testDensity();
    const { range, cellColour } = await render(p, { colorMap: 'magma', scale: 'log', range: 'auto' });
    const { min, max } = colorScaleRange({ scale: 'log', range: 'auto' }, range);
    expect(min).toBeCloseTo(1e-6 * max, 12); // the floor, above the smallest positive value 3e-9
    expectCellsColoured(p, cellColour, 'magma', min, max, true);
  });

  it('a field of either sign: the exact min on the GPU, every cell coloured over [min, max]', async () => {
    const p = testDensity().map((x) => x - 0.3);
    const { range, cellColour } = await render(p, { colorMap: 'viridis', scale: 'linear', range: 'auto', extent: true });
    expect(range.min).toBe(Math.min(...p));
    expect(range.max).toBe(Math.max(...p));
    expect(range.min).toBeLessThan(0);
    expectCellsColoured(p, cellColour, 'viridis', range.min, range.max, false);
  });

  it('a fixed range clamps; NaN and ±Inf are drawn white', async () => {
    const p = testDensity();
    p[5] = Number.NaN;
    p[NV + 5] = Number.POSITIVE_INFINITY;
    const { cellColour } = await render(p, { colorMap: 'grey', scale: 'linear', range: { min: 0.2, max: 0.6 } });
    expect(cellColour(5, 0)).toEqual([255, 255, 255]);
    expect(cellColour(5, 1)).toEqual([255, 255, 255]);
    p[5] = 0;
    p[NV + 5] = 0;
    const finite = (i: number, j: number) => (i === 5 && j < 2 ? [0, 0, 0] : cellColour(i, j));
    expectCellsColoured(p, finite, 'grey', 0.2, 0.6, false);
  });
});
