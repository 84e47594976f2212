/**
 * f64 discrete Fourier transforms for the field's reference, on fft.js (an independent radix-4 implementation, so
 * the reference does not share code with the WGSL FFT it checks). Complex arrays are interleaved (re, im).
 *   forward  X_k = Σ_j x_j e^{−2πi jk/n}          inverse  x_j = (1/n) Σ_k X_k e^{+2πi jk/n}
 * 2D arrays are row-major n × n (index row·n + column); the 2D transform is rows, then columns.
 */
import FFT from 'fft.js';

const plans = new Map<number, FFT>();
function planOf(n: number): FFT {
  let p = plans.get(n);
  if (!p) {
    p = new FFT(n);
    plans.set(n, p);
  }
  return p;
}

/** The 1D DFT of n complex values (inverse: with the 1/n). */
export function fftComplex(data: ArrayLike<number>, n: number, inverse: boolean): Float64Array {
  const out = new Float64Array(2 * n);
  const input = Float64Array.from(data as ArrayLike<number>);
  if (inverse) planOf(n).inverseTransform(out, input);
  else planOf(n).transform(out, input);
  return out;
}

/** The 2D DFT of an n × n complex array (inverse: with the 1/n²). */
export function fft2dComplex(data: ArrayLike<number>, n: number, inverse: boolean): Float64Array {
  const p = planOf(n);
  const a = Float64Array.from(data as ArrayLike<number>);
  const row = new Float64Array(2 * n);
  const res = new Float64Array(2 * n);
  for (let r = 0; r < n; r++) {
    row.set(a.subarray(2 * r * n, 2 * (r + 1) * n));
    if (inverse) p.inverseTransform(res, row);
    else p.transform(res, row);
    a.set(res, 2 * r * n);
  }
  for (let c = 0; c < n; c++) {
    for (let r = 0; r < n; r++) {
      row[2 * r] = a[2 * (r * n + c)]!;
      row[2 * r + 1] = a[2 * (r * n + c) + 1]!;
    }
    if (inverse) p.inverseTransform(res, row);
    else p.transform(res, row);
    for (let r = 0; r < n; r++) {
      a[2 * (r * n + c)] = res[2 * r]!;
      a[2 * (r * n + c) + 1] = res[2 * r + 1]!;
    }
  }
  return a;
}

/** The forward DFT of a real field of n (d = 1) or n × n (d = 2) values, as complex numbers. */
export function dftReal(f: ArrayLike<number>, n: number, d: 1 | 2): Float64Array {
  const cells = d === 2 ? n * n : n;
  const z = new Float64Array(2 * cells);
  for (let k = 0; k < cells; k++) z[2 * k] = f[k]!;
  return d === 2 ? fft2dComplex(z, n, false) : fftComplex(z, n, false);
}

/**
 * The periodic convolution on the grid: IDFT(multiplier · DFT(f)), real part. `multiplier` is complex in DFT order
 * (kernels.ts gridMultiplier): for an analytic kernel, ŵ(k) at the grid's wavenumbers.
 */
export function convolveGrid(f: ArrayLike<number>, multiplier: ArrayLike<number>, n: number, d: 1 | 2): Float64Array {
  const cells = d === 2 ? n * n : n;
  const F = dftReal(f, n, d);
  for (let k = 0; k < cells; k++) {
    const [re, im] = [F[2 * k]!, F[2 * k + 1]!];
    const [wr, wi] = [multiplier[2 * k]!, multiplier[2 * k + 1]!];
    F[2 * k] = re * wr - im * wi;
    F[2 * k + 1] = re * wi + im * wr;
  }
  const y = d === 2 ? fft2dComplex(F, n, true) : fftComplex(F, n, true);
  const out = new Float64Array(cells);
  for (let k = 0; k < cells; k++) out[k] = y[2 * k]!;
  return out;
}

/**
 * The same convolution summed directly, O(cells²): y_i = Σ_j K(x_i − x_j) f_j with K the grid kernel
 * K = IDFT(multiplier) (periodic, offset order: index 0 = zero offset). For checking the FFT route.
 */
export function convolveDirect(f: ArrayLike<number>, gridKernel: ArrayLike<number>, n: number, d: 1 | 2): Float64Array {
  const cells = d === 2 ? n * n : n;
  const out = new Float64Array(cells);
  if (d === 1) {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += gridKernel[(i - j + n) % n]! * f[j]!;
      out[i] = s;
    }
    return out;
  }
  for (let iy = 0; iy < n; iy++) {
    for (let ix = 0; ix < n; ix++) {
      let s = 0;
      for (let jy = 0; jy < n; jy++) {
        const ry = ((iy - jy + n) % n) * n;
        for (let jx = 0; jx < n; jx++) s += gridKernel[ry + ((ix - jx + n) % n)]! * f[jy * n + jx]!;
      }
      out[iy * n + ix] = s;
    }
  }
  return out;
}

/** The grid kernel in offset order, the real part of IDFT(multiplier): what convolveDirect sums with. */
export function gridKernelOf(multiplier: ArrayLike<number>, n: number, d: 1 | 2): Float64Array {
  const cells = d === 2 ? n * n : n;
  const y = d === 2 ? fft2dComplex(multiplier, n, true) : fftComplex(multiplier, n, true);
  const out = new Float64Array(cells);
  for (let k = 0; k < cells; k++) out[k] = y[2 * k]!;
  return out;
}
