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

/**
 * The half spectrum of real data in the layout of the GPU's real FFT (src/host/fft.ts GpuRealFft): for d = 1 the
 * bins k = 0 … n/2 of the row; for d = 2 the (n/2 + 1) × n array H[kx·n + ky] (transposed: kx ≤ n/2 along the
 * rows of the field, ky the full range), from `full`, n^d complex values in DFT order (index ky·n + kx). The rest is
 * conj H(−k) for a real field (and a real kernel's transform).
 */
export function halfSpectrumOf(full: ArrayLike<number>, n: number, d: 1 | 2): Float64Array {
  const h = n / 2;
  const R = d === 2 ? n : 1;
  const out = new Float64Array(2 * (h + 1) * R);
  for (let kx = 0; kx <= h; kx++) {
    for (let ky = 0; ky < R; ky++) {
      out[2 * (kx * R + ky)] = full[2 * (ky * n + kx)]!;
      out[2 * (kx * R + ky) + 1] = full[2 * (ky * n + kx) + 1]!;
    }
  }
  return out;
}

/**
 * The f64 twin of the GPU's real-to-complex transform (the same algorithm, exact twiddles): R real rows of n
 * (row r at r·n), each packed as z_j = x_{2j} + i·x_{2j+1}, transformed by a complex DFT of n/2 and split,
 * X_k = ½(S_k − i·e^{−2πik/n}·D_k), S_k = Z_k + conj Z_{n/2−k}, D_k = Z_k − conj Z_{n/2−k}; out: bin k of row r at
 * k·R + r, k = 0 … n/2. d = 2 (R = n) then transforms the n/2 + 1 columns (contiguous rows of n): the layout of
 * halfSpectrumOf.
 */
export function rfftHalf(x: ArrayLike<number>, n: number, d: 1 | 2): Float64Array {
  const h = n / 2;
  const R = d === 2 ? n : 1;
  const out = new Float64Array(2 * (h + 1) * R);
  for (let r = 0; r < R; r++) {
    const Z = fftComplex(Float64Array.from({ length: n }, (_, j) => x[r * n + j]!), h, false);
    for (let k = 0; k <= h; k++) {
      const [ar, ai] = [Z[2 * (k % h)]!, Z[2 * (k % h) + 1]!];
      const [br, bi] = [Z[2 * ((h - k) % h)]!, -Z[2 * ((h - k) % h) + 1]!];
      const [sr, si, dr, di] = [ar + br, ai + bi, ar - br, ai - bi];
      const [wr, wi] = [Math.cos((2 * Math.PI * k) / n), -Math.sin((2 * Math.PI * k) / n)];
      const [pr, pi] = [wr * dr - wi * di, wr * di + wi * dr];
      out[2 * (k * R + r)] = 0.5 * (sr + pi);
      out[2 * (k * R + r) + 1] = 0.5 * (si - pr);
    }
  }
  if (d === 2) for (let k = 0; k <= h; k++) out.set(fftComplex(out.subarray(2 * k * n, 2 * (k + 1) * n), n, false), 2 * k * n);
  return out;
}

/**
 * The inverse of rfftHalf (with the 1/n^d): the columns' inverse DFT (d = 2), then per row
 * Z'_j = S'_j + i·e^{+2πij/n}·D'_j, S'_j = X_j + conj X_{n/2−j}, D'_j = X_j − conj X_{n/2−j}, j < n/2, whose
 * inverse DFT of n/2 is 2z (z_j = x_{2j} + i·x_{2j+1}). Only the Hermitian part of the input matters.
 */
export function irfftHalf(half: ArrayLike<number>, n: number, d: 1 | 2): Float64Array {
  const h = n / 2;
  const R = d === 2 ? n : 1;
  const H = Float64Array.from(half);
  if (d === 2) for (let k = 0; k <= h; k++) H.set(fftComplex(H.subarray(2 * k * n, 2 * (k + 1) * n), n, true), 2 * k * n);
  const out = new Float64Array(R * n);
  const Z = new Float64Array(2 * h);
  for (let r = 0; r < R; r++) {
    for (let j = 0; j < h; j++) {
      const [ar, ai] = [H[2 * (j * R + r)]!, H[2 * (j * R + r) + 1]!];
      const [br, bi] = [H[2 * ((h - j) * R + r)]!, -H[2 * ((h - j) * R + r) + 1]!];
      const [sr, si, dr, di] = [ar + br, ai + bi, ar - br, ai - bi];
      const [wr, wi] = [Math.cos((2 * Math.PI * j) / n), Math.sin((2 * Math.PI * j) / n)];
      const [pr, pi] = [wr * dr - wi * di, wr * di + wi * dr];
      Z[2 * j] = sr - pi;
      Z[2 * j + 1] = si + pr;
    }
    const z = fftComplex(Z, h, true);
    for (let j = 0; j < n; j++) out[r * n + j] = 0.5 * z[j]!;
  }
  return out;
}

/** The periodic convolution by the real transforms in f64: irfftHalf(multiplier · rfftHalf(f)), the multiplier in the layout of halfSpectrumOf. */
export function convolveHalf(f: ArrayLike<number>, halfMultiplier: ArrayLike<number>, n: number, d: 1 | 2): Float64Array {
  const F = rfftHalf(f, n, d);
  for (let k = 0; k < F.length / 2; k++) {
    const [re, im] = [F[2 * k]!, F[2 * k + 1]!];
    const [wr, wi] = [halfMultiplier[2 * k]!, halfMultiplier[2 * k + 1]!];
    F[2 * k] = re * wr - im * wi;
    F[2 * k + 1] = re * wi + im * wr;
  }
  return irfftHalf(F, n, d);
}
