/**
 * The real-to-complex FFT (src/host/fft.ts GpuRealFft, the split kernels of src/shaders/fft.wgsl) that the field's
 * coupling uses: its f64 twin (src/models/field/fft64.ts rfftHalf/irfftHalf) against the full complex DFT, then the
 * GPU's half spectrum (r2c), its inverse (c2r) and its convolution against the twin within the stated f32 bounds
 * (rfftErrorBound, rfft2dErrorBound, irfftErrorBound, rfftConvolutionBound), both routes, ring and plane; a
 * non-symmetric kernel (complex ŵ) against the direct circular sum; bitwise reproducibility; and the 4096² plane,
 * checked on a sum of grid modes, where w ∗ f = Σ ŵ(m)·cos(k_m·x + φ) exactly.
 */
import { describe, expect, it } from 'vitest';
import { readBuffer } from '../../src/host/buffers';
import { GpuRealFft, irfftErrorBound, rfft2dErrorBound, rfftConvolutionBound, rfftErrorBound } from '../../src/host/fft';
import { convolveDirect, convolveGrid, convolveHalf, dftReal, fft2dComplex, fftComplex, halfSpectrumOf, irfftHalf, rfftHalf } from '../../src/models/field/fft64';
import { testGpu } from '../helpers/gpu';
import { data, norm } from './signals';

function distance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let e = 0;
  for (let k = 0; k < b.length; k++) e += (a[k]! - b[k]!) ** 2;
  return Math.sqrt(e);
}

type Op = 'forward' | 'inverse' | 'convolve';

/** One GpuRealFft operation on `input` (real rows for forward/convolve, the half spectrum for inverse); returns its output. */
async function gpuReal(n: number, d: 1 | 2, route: 'shared' | 'global', op: Op, input: Float32Array<ArrayBuffer>, weights?: Float32Array<ArrayBuffer>): Promise<Float32Array> {
  const ctx = await testGpu();
  const fft = await GpuRealFft.create(ctx, n, d, route);
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
  const bytes = 8 * fft.spectrumBins;
  const [a, b, w] = [0, 1, 2].map(() => ctx.device.createBuffer({ size: bytes, usage }));
  try {
    ctx.device.queue.writeBuffer(op === 'inverse' ? b! : a!, 0, input);
    if (weights) ctx.device.queue.writeBuffer(w!, 0, weights);
    const encoder = ctx.device.createCommandEncoder();
    if (op === 'forward') fft.encodeForward(encoder, a!, b!);
    else if (op === 'inverse') fft.encodeInverse(encoder, b!, a!);
    else fft.encodeConvolve(encoder, a!, b!, w!);
    ctx.device.queue.submit([encoder.finish()]);
    const cells = d === 2 ? n * n : n;
    return op === 'forward' ? new Float32Array(await readBuffer(ctx.device, b!, 0, bytes)) : new Float32Array(await readBuffer(ctx.device, a!, 0, 4 * cells));
  } finally {
    for (const x of [a, b, w]) x!.destroy();
    fft.destroy();
  }
}

describe('the f64 real transforms (the twin of the GPU algorithm)', () => {
  it('rfftHalf is the full DFT on the bins k_x ≤ n/2, irfftHalf inverts it, convolveHalf is convolveGrid: to 1e-13', () => {
    for (const [n, d] of [[8, 1], [64, 1], [8, 2], [32, 2]] as const) {
      const cells = d === 2 ? n * n : n;
      const x = Float64Array.from(data(cells, n + d));
      const half = rfftHalf(x, n, d);
      const full = halfSpectrumOf(dftReal(x, n, d), n, d);
      expect(distance(half, full) / norm(full)).toBeLessThan(1e-13);
      expect(distance(irfftHalf(half, n, d), x) / norm(x)).toBeLessThan(1e-13);
      // a non-symmetric real kernel: its transform is complex (Hermitian), and the half spectrum carries all of it
      const kernel = Float64Array.from(data(cells, 99 + n));
      const z = new Float64Array(2 * cells);
      for (let k = 0; k < cells; k++) z[2 * k] = kernel[k]!;
      const multiplier = d === 2 ? fft2dComplex(z, n, false) : fftComplex(z, n, false);
      const byHalf = convolveHalf(x, halfSpectrumOf(multiplier, n, d), n, d);
      expect(distance(byHalf, convolveGrid(x, multiplier, n, d)) / norm(byHalf)).toBeLessThan(1e-13);
      expect(distance(byHalf, convolveDirect(x, kernel, n, d)) / norm(byHalf)).toBeLessThan(1e-13);
    }
  });
});

describe('GpuRealFft against the f64 twin', () => {
  const measured: string[] = [];
  const cases: [1 | 2, number, 'shared' | 'global'][] = [
    [1, 8, 'shared'],
    [1, 256, 'shared'],
    [1, 8, 'global'],
    [1, 256, 'global'],
    [1, 4096, 'global'],
    [2, 64, 'shared'],
    [2, 8, 'global'],
    [2, 64, 'global'],
    [2, 256, 'global'],
  ];
  for (const [d, n, route] of cases) {
    const name = d === 2 ? `plane ${n}²` : `ring ${n}`;
    it(`${name}, ${route} route: r2c, c2r and the convolution within their f32 bounds`, async () => {
      const cells = d === 2 ? n * n : n;
      const x = data(cells, 3 * n + d + (route === 'shared' ? 1 : 0));
      // r2c: the half spectrum, relative 2-norm error
      const ref = rfftHalf(x, n, d);
      const gpuHalf = await gpuReal(n, d, route, 'forward', x);
      const errF = distance(gpuHalf, ref) / norm(ref);
      const boundF = d === 2 ? rfft2dErrorBound(n) : rfftErrorBound(n);
      expect(errF).toBeLessThan(boundF);
      // c2r of a given (f32) half spectrum: cells · irfftHalf (the GPU leaves out the 1/cells)
      const spectrum = Float32Array.from(ref);
      const refI = irfftHalf(spectrum, n, d).map((v) => v * cells);
      const errI = distance(await gpuReal(n, d, route, 'inverse', spectrum), refI) / norm(refI);
      expect(errI).toBeLessThan(irfftErrorBound(n, d));
      // the convolution with a non-symmetric kernel (complex ŵ), 1/cells folded into the multiplier
      const kernel = data(cells, 7 * n + d);
      const multiplier = halfSpectrumOf(dftReal(kernel, n, d), n, d);
      const weights = Float32Array.from(multiplier, (v) => v / cells);
      const gpuConv = await gpuReal(n, d, route, 'convolve', x, weights);
      const refC = convolveHalf(x, Float64Array.from(weights, (v) => v * cells), n, d);
      let wmax = 0;
      for (let k = 0; k < multiplier.length / 2; k++) wmax = Math.max(wmax, Math.hypot(multiplier[2 * k]!, multiplier[2 * k + 1]!));
      const errC = distance(gpuConv, refC);
      const boundC = rfftConvolutionBound(n, d) * wmax * norm(x);
      expect(errC).toBeLessThan(boundC);
      if (cells <= 4096) expect(distance(gpuConv, convolveDirect(x, kernel, n, d))).toBeLessThan(boundC);
      measured.push(`${name} ${route}: r2c ${errF.toExponential(2)} (bound ${boundF.toExponential(2)}), c2r ${errI.toExponential(2)} (${irfftErrorBound(n, d).toExponential(2)}), convolution ‖Δ‖₂/(max|ŵ|‖f‖₂) ${(errC / wmax / norm(x)).toExponential(2)} (${rfftConvolutionBound(n, d).toExponential(2)})`);
      if (measured.length === cases.length) console.log(`real FFT errors against the f64 twin:\n  ${measured.join('\n  ')}`);
    });
  }

  it('a convolution run twice gives the same bits (plane 64², both routes)', async () => {
    const n = 64;
    const x = data(n * n, 5);
    const weights = Float32Array.from(halfSpectrumOf(dftReal(data(n * n, 6), n, 2), n, 2), (v) => v / (n * n));
    for (const route of ['shared', 'global'] as const) {
      const [first, second] = [await gpuReal(n, 2, route, 'convolve', x, weights), await gpuReal(n, 2, route, 'convolve', x, weights)];
      expect(Buffer.from(second.buffer).equals(Buffer.from(first.buffer))).toBe(true);
    }
  });

  it('refuses a length that is not a power of two ≥ 4', async () => {
    const ctx = await testGpu();
    await expect(GpuRealFft.create(ctx, 96, 1)).rejects.toThrow(/power of two/);
    await expect(GpuRealFft.create(ctx, 2, 1)).rejects.toThrow(/power of two ≥ 4/);
  });
});

describe('the real FFT on the 4096² plane', () => {
  it('the convolution of three grid modes is Σ ŵ(m)·cos(k_m·x + φ) within rfftConvolutionBound·max|ŵ|·‖f‖₂', async () => {
    const n = 4096;
    // ŵ(m) = e^{−|m|²/2s²} (a Gaussian kernel, real and even), on the half spectrum: weights[kx·n + ky], 1/n² in it
    const s2 = 2 * 300 ** 2;
    const signed = (j: number) => (j <= n / 2 ? j : j - n);
    const weights = new Float32Array(2 * (n / 2 + 1) * n);
    for (let kx = 0; kx <= n / 2; kx++) for (let ky = 0; ky < n; ky++) weights[2 * (kx * n + ky)] = Math.exp(-(kx * kx + signed(ky) ** 2) / s2) / (n * n);
    const modes: [number, number, number][] = [[40, 0, 0], [-37, 52, 0.3], [0, n / 2, 0]];
    const f = new Float32Array(n * n);
    const exact = new Float64Array(n * n);
    for (const [mx, my, phase] of modes) {
      const what = Math.exp(-(mx * mx + my * my) / s2);
      // cos(a + b) from the two axes' tables (f64)
      const [cx, sx] = [0, 1].map((q) => Float64Array.from({ length: n }, (_, ix) => (q ? Math.sin : Math.cos)((2 * Math.PI * mx * ix) / n + phase)));
      const [cy, sy] = [0, 1].map((q) => Float64Array.from({ length: n }, (_, iy) => (q ? Math.sin : Math.cos)((2 * Math.PI * my * iy) / n)));
      for (let iy = 0; iy < n; iy++) {
        for (let ix = 0; ix < n; ix++) {
          const c = cx![ix]! * cy![iy]! - sx![ix]! * sy![iy]!;
          f[iy * n + ix]! += c;
          exact[iy * n + ix]! += what * c;
        }
      }
    }
    // the f32 input differs from the modes' sum by ≤ u·‖f‖₂ (times max|ŵ| = 1 after the convolution): + u in the bound
    const gpu = await gpuReal(n, 2, 'global', 'convolve', f, weights);
    const err = distance(gpu, exact);
    const bound = (rfftConvolutionBound(n, 2) + 2 ** -24) * norm(f);
    console.log(`plane 4096²: ‖w ∗ f − Σ ŵ cos‖₂ / ‖f‖₂ = ${(err / norm(f)).toExponential(2)} (bound ${(bound / norm(f)).toExponential(2)}, max|ŵ| = 1)`);
    expect(err).toBeLessThan(bound);
  }, 120_000);
});
