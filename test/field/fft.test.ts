/**
 * The WGSL FFT (src/shaders/fft.wgsl, src/host/fft.ts) against fft.js in f64 on the same f32 input, with Higham's
 * bound ‖ŷ − y‖₂ ≤ m·η/(1 − m·η)·‖y‖₂ (m = log2 of the points, η ≈ 6.7·2^-24), for both routes (workgroup memory and
 * global passes), 1D and 2D; and the field's convolution against the direct sum and against the f64 reference.
 */
import { describe, expect, it } from 'vitest';
import { fftErrorBound, GpuFft, rfftConvolutionBound } from '../../src/host/fft';
import { FieldSolver } from '../../src/host/fieldSolver';
import { readBuffer } from '../../src/host/buffers';
import { convolveDirect, convolveGrid, fft2dComplex, fftComplex } from '../../src/models/field/fft64';
import { centredSamples, gridMultiplier } from '../../src/models/field/kernels';
import { fieldProblem } from '../../src/models/field/problem';
import { resolveFieldRunConfig } from '../../src/models/registry';
import { testGpu } from '../helpers/gpu';
import { data, norm } from './signals';

function relative2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let e = 0;
  for (let k = 0; k < b.length; k++) e += (a[k]! - b[k]!) ** 2;
  return Math.sqrt(e) / norm(b);
}

async function gpuTransform(n: number, rows: number, input: Float32Array<ArrayBuffer>, mode: 'forward' | 'inverse', route: 'shared' | 'global', twoD = false): Promise<Float32Array> {
  const ctx = await testGpu();
  const fft = await GpuFft.create(ctx, n, route);
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
  const a = ctx.device.createBuffer({ size: input.byteLength, usage });
  const b = ctx.device.createBuffer({ size: input.byteLength, usage });
  ctx.device.queue.writeBuffer(a, 0, input);
  const encoder = ctx.device.createCommandEncoder();
  if (twoD) fft.encodeForward2d(encoder, a, b);
  else fft.encodeRows(encoder, a, b, rows, mode);
  ctx.device.queue.submit([encoder.finish()]);
  const out = new Float32Array(await readBuffer(ctx.device, twoD ? b : a, 0, input.byteLength));
  for (const x of [a, b]) x.destroy();
  fft.destroy();
  return out;
}

describe('WGSL Stockham FFT against fft.js (f64)', () => {
  const measured: string[] = [];
  for (const route of ['shared', 'global'] as const) {
    for (const n of route === 'shared' ? [8, 256] : [8, 256, 4096]) {
      it(`rows of ${n}, ${route} route: forward and inverse within the f32 bound`, async () => {
        const rows = n >= 1024 ? 2 : 4; // (SwiftShader compiles the workgroup-memory kernel for seconds per n: two sizes)
        const x = data(2 * n * rows, n + (route === 'shared' ? 1 : 2));
        const forward = await gpuTransform(n, rows, x, 'forward', route);
        const inverse = await gpuTransform(n, rows, x, 'inverse', route);
        for (let r = 0; r < rows; r++) {
          const row = x.subarray(2 * n * r, 2 * n * (r + 1));
          const ref = fftComplex(row, n, false);
          const errF = relative2(forward.subarray(2 * n * r, 2 * n * (r + 1)), ref);
          // inverse without the 1/n: n · fft.js's inverse
          const refI = fftComplex(row, n, true).map((v) => v * n);
          const errI = relative2(inverse.subarray(2 * n * r, 2 * n * (r + 1)), refI);
          expect(errF).toBeLessThan(fftErrorBound(n));
          expect(errI).toBeLessThan(fftErrorBound(n));
          if (r === 0) measured.push(`${route} n=${n}: forward ${errF.toExponential(2)}, inverse ${errI.toExponential(2)}, bound ${fftErrorBound(n).toExponential(2)}`);
        }
      });
    }
  }

  for (const [n, route] of [[256, 'shared'], [256, 'global']] as const)
  it(`2D ${n} × ${n}, ${route} route (rows, transpose, rows) within the bound of ${n}² points`, async () => {
    const x = data(2 * n * n, 7);
    const spectrumT = await gpuTransform(n, n, x, 'forward', route, true);
    const ref = fft2dComplex(x, n, false);
    // the GPU's spectrum is transposed: entry (kx, ky) at kx·n + ky
    const back = new Float32Array(2 * n * n);
    for (let kx = 0; kx < n; kx++) {
      for (let ky = 0; ky < n; ky++) {
        back[2 * (ky * n + kx)] = spectrumT[2 * (kx * n + ky)]!;
        back[2 * (ky * n + kx) + 1] = spectrumT[2 * (kx * n + ky) + 1]!;
      }
    }
    const err = relative2(back, ref);
    measured.push(`2D ${n}² ${route}: ${err.toExponential(2)}, bound ${fftErrorBound(n * n).toExponential(2)}`);
    expect(err).toBeLessThan(fftErrorBound(n * n));
    if (route === 'global') console.log(`FFT relative 2-norm errors against f64:\n  ${measured.join('\n  ')}`);
  });

  it('refuses a length that is not a power of two', async () => {
    const ctx = await testGpu();
    await expect(GpuFft.create(ctx, 96)).rejects.toThrow(/power of two/);
  });
});

describe('the field convolution on the GPU', () => {
  it('FFT convolution in f64 equals the direct circular sum (the grid kernel summed point by point)', () => {
    // the grid kernel K = IDFT(ŵ(k_m)) computed by the explicit cosine sum, independent of any FFT
    const n = 32;
    const L = 12;
    const kernel = { kind: 'mexican-hat' as const, Ae: 3, se: 1, Ai: 2.5, si: 2 };
    const mult = gridMultiplier(kernel, n, L, 1);
    const K = new Float64Array(n);
    for (let j = 0; j < n; j++) for (let m = 0; m < n; m++) K[j]! += (mult[2 * m]! * Math.cos((2 * Math.PI * m * j) / n)) / n;
    const f = Float64Array.from(data(n, 3));
    const byFft = convolveGrid(f, mult, n, 1);
    const direct = convolveDirect(f, K, n, 1);
    expect(relative2(byFft, direct)).toBeLessThan(1e-13);
    // and in 2D (16 × 16)
    const n2 = 16;
    const mult2 = gridMultiplier(kernel, n2, L, 2);
    const K2 = new Float64Array(n2 * n2);
    for (let jy = 0; jy < n2; jy++)
      for (let jx = 0; jx < n2; jx++)
        for (let my = 0; my < n2; my++) for (let mx = 0; mx < n2; mx++) K2[jy * n2 + jx]! += (mult2[2 * (my * n2 + mx)]! * Math.cos((2 * Math.PI * (mx * jx + my * jy)) / n2)) / (n2 * n2);
    const f2 = Float64Array.from(data(n2 * n2, 4));
    expect(relative2(convolveGrid(f2, mult2, n2, 2), convolveDirect(f2, K2, n2, 2))).toBeLessThan(1e-13);
  });

  it('the closed-form ŵ is the Fourier transform of the sampled kernel: to 1e-10 (Gaussians), at order d + 1 (the exponential\'s cusp)', () => {
    // the modes |m_x|, |m_y| ≤ 8 (the same wavenumbers on every grid of side L)
    const lowModeError = (kernel: { kind: 'mexican-hat' | 'exponential'; Ae: number; se: number; Ai: number; si: number }, n: number, L: number, d: 1 | 2) => {
      const closed = gridMultiplier(kernel, n, L, d);
      const sampled = gridMultiplier({ kind: 'npy', file: '' }, n, L, d, centredSamples(kernel, n, L, d));
      let err = 0;
      for (let my = 0; my <= (d === 2 ? 8 : 0); my++) for (let mx = 0; mx <= 8; mx++) {
        const k = 2 * (my * n + mx);
        err = Math.max(err, Math.hypot(closed[k]! - sampled[k]!, closed[k + 1]! - sampled[k + 1]!));
      }
      return err;
    };
    const hat = { kind: 'mexican-hat' as const, Ae: 3, se: 1, Ai: 2.5, si: 2 };
    expect(lowModeError(hat, 1024, 40, 1)).toBeLessThan(1e-10);
    expect(lowModeError(hat, 128, 40, 2)).toBeLessThan(1e-10);
    const exp = { kind: 'exponential' as const, Ae: 2, se: 0.5, Ai: 1, si: 1 };
    for (const [d, n] of [[1, 1024], [2, 128]] as const) {
      const [coarse, fine] = [lowModeError(exp, n, 60, d), lowModeError(exp, 2 * n, 60, d)];
      console.log(`exponential kernel d = ${d}: |ŵ − Δx^d DFT(w)| = ${coarse.toExponential(2)} (n = ${n}), ${fine.toExponential(2)} (n = ${2 * n}): ratio ${(coarse / fine).toFixed(2)}`);
      // the cusp e^{−|x|/s} is an r¹ singularity: the trapezoidal rule's error is O(Δx^{d+1}) (Lyness–Navot), ratio 2^{d+1}
      expect(coarse / fine).toBeGreaterThan(0.85 * 2 ** (d + 1));
      expect(coarse / fine).toBeLessThan(1.15 * 2 ** (d + 1));
    }
  });

  for (const [domain, n, route] of [
    ['ring', 4096, 'global'],
    ['ring', 256, 'shared'],
    ['plane', 64, 'shared'],
    ['plane', 64, 'global'],
  ] as const) {
    it(`${domain} ${n} (${route}): GPU w ∗ f (real FFT) against the f64 reference within rfftConvolutionBound·max|ŵ|·‖f‖₂`, async () => {
      const ctx = await testGpu();
      const config = resolveFieldRunConfig({ model: 'field', field: { domain, n, L: 30 } });
      const problem = fieldProblem(config);
      const cells = problem.cells;
      const solver = await FieldSolver.create(ctx, problem, new Float32Array(cells), { fftRoute: route });
      try {
        const f = data(cells, n);
        const gpu = await solver.coupleOnce(f);
        const ref = convolveGrid(f, problem.multiplier!, n, config.dim as 1 | 2);
        let wmax = 0;
        for (let k = 0; k < cells; k++) wmax = Math.max(wmax, Math.hypot(problem.multiplier![2 * k]!, problem.multiplier![2 * k + 1]!));
        const bound = rfftConvolutionBound(n, config.dim as 1 | 2) * wmax * norm(f);
        let e = 0;
        for (let k = 0; k < cells; k++) e += (gpu[k]! - ref[k]!) ** 2;
        console.log(`convolution ${domain} ${n} ${route}: ‖Δ‖₂ = ${Math.sqrt(e).toExponential(2)}, bound ${bound.toExponential(2)}`);
        expect(Math.sqrt(e)).toBeLessThan(bound);
      } finally {
        solver.destroy();
      }
    });
  }
});
