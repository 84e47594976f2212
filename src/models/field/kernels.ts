/**
 * The connectivity kernels w(x − y) of the ring (d = 1) and the plane (d = 2), their Fourier transforms
 * ŵ(k) = ∫ w(x) e^{−ik·x} dx in closed form, and the kernel's multiplier on the grid.
 *
 *   mexican-hat   w = Ae·G(x; se) − Ai·G(x; si),  G(x; s) = (2πs²)^{−d/2} e^{−|x|²/2s²}
 *                 ŵ(k) = Ae·e^{−se²k²/2} − Ai·e^{−si²k²/2}
 *   exponential   w = Ae·E(x; se) − Ai·E(x; si),  E = e^{−|x|/s}/(2s) (d = 1), e^{−|x|/s}/(2πs²) (d = 2)
 *                 ŵ(k) = Ae/(1 + se²k²)^{(d+1)/2} − Ai/(1 + si²k²)^{(d+1)/2}
 *
 * Each part has integral 1, so ŵ(0) = Ae − Ai. On the periodic domain the kernel acts as its periodisation
 * Σ_m w(x + mL); by Poisson summation its Fourier coefficients are exactly ŵ(k_m), k_m = 2πm/L, so the solver
 * multiplies the discrete Fourier coefficients of σ(N) by ŵ at the grid's wavenumbers (the Fourier–Galerkin
 * convolution: exact for trigonometric polynomials of degree < n/2). A kernel from a .npy is sampled on the
 * grid: its multiplier is its DFT times Δx^d (the trapezoidal rule of the convolution integral).
 */
import type { FieldKernel } from './config';
import { fft2dComplex, fftComplex } from './fft64';

export type AnalyticKernel = Extract<FieldKernel, { kind: 'mexican-hat' | 'exponential' }>;

/** ŵ(|k|) in d = 1 or 2 dimensions. */
export function kernelHat(w: AnalyticKernel, k: number, d: 1 | 2): number {
  const k2 = k * k;
  if (w.kind === 'mexican-hat') return w.Ae * Math.exp(-0.5 * w.se * w.se * k2) - w.Ai * Math.exp(-0.5 * w.si * w.si * k2);
  const p = (d + 1) / 2;
  return w.Ae / (1 + w.se * w.se * k2) ** p - w.Ai / (1 + w.si * w.si * k2) ** p;
}

/** w(|x|) itself (for direct convolutions and the tests). */
export function kernelValue(w: AnalyticKernel, r: number, d: 1 | 2): number {
  if (w.kind === 'mexican-hat') {
    const g = (s: number) => Math.exp((-0.5 * r * r) / (s * s)) / (2 * Math.PI * s * s) ** (d / 2);
    return w.Ae * g(w.se) - w.Ai * g(w.si);
  }
  const e = (s: number) => Math.exp(-r / s) / (d === 1 ? 2 * s : 2 * Math.PI * s * s);
  return w.Ae * e(w.se) - w.Ai * e(w.si);
}

/** The signed frequency of DFT index j of n: j for j < n/2, j − n otherwise (n/2 is taken as −n/2). */
export const signedFrequency = (j: number, n: number): number => (j < n / 2 ? j : j - n);

/** |k| of the mode with DFT indices (jx, jy) on a domain of side L. */
export function waveNumber(jx: number, jy: number, n: number, L: number, d: 1 | 2): number {
  const mx = signedFrequency(jx, n);
  const my = d === 2 ? signedFrequency(jy, n) : 0;
  return ((2 * Math.PI) / L) * Math.hypot(mx, my);
}

/**
 * The kernel's multiplier on the grid, as complex numbers (re, im interleaved), in DFT order: index jx (ring) or
 * jy·n + jx (plane), i.e. row jy, column jx. Analytic kernels: ŵ(k_j) (real). A sampled kernel (centred, entry
 * (l, j) at offset ((j − n/2)Δx, (l − n/2)Δx)): Δx^d·DFT, with the phase of the centring removed.
 */
export function gridMultiplier(kernel: FieldKernel, n: number, L: number, d: 1 | 2, samples?: ArrayLike<number>): Float64Array {
  const cells = d === 2 ? n * n : n;
  const out = new Float64Array(2 * cells);
  if (kernel.kind !== 'npy') {
    for (let jy = 0; jy < (d === 2 ? n : 1); jy++) {
      for (let jx = 0; jx < n; jx++) out[2 * (jy * n + jx)] = kernelHat(kernel, waveNumber(jx, jy, n, L, d), d);
    }
    return out;
  }
  if (!samples || samples.length !== cells) throw new Error(`gridMultiplier: ${cells} kernel samples needed`);
  // Shift the centred samples to offset order (index 0 = zero offset), then DFT: no phase factor remains.
  const data = new Float64Array(2 * cells);
  const h = n / 2;
  for (let l = 0; l < (d === 2 ? n : 1); l++) {
    for (let j = 0; j < n; j++) {
      const src = d === 2 ? l * n + j : j;
      const dst = d === 2 ? ((l + h) % n) * n + ((j + h) % n) : (j + h) % n;
      data[2 * dst] = samples[src]!;
    }
  }
  const spectrum = d === 2 ? fft2dComplex(data, n, false) : fftComplex(data, n, false);
  const dxd = (L / n) ** d;
  for (let k = 0; k < out.length; k++) out[k] = spectrum[k]! * dxd;
  return out;
}

/** The kernel's centred samples w((j − n/2)Δx) of an analytic kernel (as a .npy kernel would give them). */
export function centredSamples(kernel: AnalyticKernel, n: number, L: number, d: 1 | 2): Float64Array {
  const dx = L / n;
  const out = new Float64Array(d === 2 ? n * n : n);
  for (let l = 0; l < (d === 2 ? n : 1); l++) {
    for (let j = 0; j < n; j++) {
      const x = (j - n / 2) * dx;
      const y = d === 2 ? (l - n / 2) * dx : 0;
      out[d === 2 ? l * n + j : j] = kernelValue(kernel, Math.hypot(x, y), d);
    }
  }
  return out;
}
