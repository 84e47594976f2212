/**
 * Homogeneous steady states of the Wilson–Cowan field and their linear stability.
 *
 * A constant N solves the field equation with a constant source s0 exactly when G(N) = ŵ(0)·σ(N) + s0 − N = 0
 * (∫ w = ŵ(0); on a network with equal row sums r of W, the same with r). σ is bounded, so every root lies in
 * s0 + ŵ(0)·[inf σ, sup σ]: it is scanned (4000 points, and 400 more across θ ± 20/β where σ turns) for sign
 * changes, and each change is bisected to f64 resolution. Not seen: a double root where G touches 0 without a
 * sign change, and two roots between neighbouring scan points.
 *
 * Linear stability (Ermentrout & Cowan 1979; Bressloff et al. 2001): a perturbation e^{ik·x + λt} of N* grows at
 *   λ(k) = −1 + ŵ(k)·σ′(N*)
 * (the dispersion relation). On the periodic domain only k = 2π(mx, my)/L occur (the grid's wavenumbers, |m| < n/2),
 * with the grid's multiplier in place of ŵ. λ(0) = G′(N*) decides stability against uniform perturbations; a
 * state stable there but with λ > 0 at some k ≠ 0 is Turing (pattern-forming) unstable, and the fastest mode
 * argmax λ is the wavelength the pattern starts with. Since σ′ > 0 the fastest mode is argmax ŵ, whatever N*.
 */
import type { FieldRunConfig, FieldSigmoid } from './config';
import { type AnalyticKernel, kernelHat, signedFrequency } from './kernels';
import { sigma, sigmaPrime, sigmaRange } from './sigmoid';

/** G(N) = ŵ0·σ(N) + s0 − N */
export const steadyResidual = (wHat0: number, s0: number, s: FieldSigmoid, N: number): number => wHat0 * sigma(s, N) + s0 - N;

/** Every root of ŵ0·σ(N) + s0 = N, ascending. */
export function homogeneousStates(wHat0: number, s0: number, s: FieldSigmoid): number[] {
  const [smin, smax] = sigmaRange(s);
  if (wHat0 === 0) return [s0];
  const lo = s0 + Math.min(wHat0 * smin, wHat0 * smax);
  const hi = s0 + Math.max(wHat0 * smin, wHat0 * smax);
  const points = new Set<number>();
  for (let j = 0; j <= 4000; j++) points.add(lo + ((hi - lo) * j) / 4000);
  const turn = 20 / s.beta;
  for (let j = 0; j <= 400; j++) {
    const x = s.theta - turn + (2 * turn * j) / 400;
    if (x > lo && x < hi) points.add(x);
  }
  const xs = [...points].sort((a, b) => a - b);
  const G = (N: number) => steadyResidual(wHat0, s0, s, N);
  const roots: number[] = [];
  let a = xs[0]!;
  let Ga = G(a);
  if (Ga === 0) roots.push(a);
  for (let j = 1; j < xs.length; j++) {
    const b = xs[j]!;
    const Gb = G(b);
    if (Gb === 0) roots.push(b);
    else if (Ga !== 0 && Ga < 0 !== Gb < 0) {
      let [x0, x1, G0] = [a, b, Ga];
      for (let it = 0; it < 200 && x1 - x0 > 4e-16 * Math.max(1, Math.abs(x0)); it++) {
        const mid = 0.5 * (x0 + x1);
        const Gm = G(mid);
        if (Gm === 0) {
          x0 = x1 = mid;
          break;
        }
        if (Gm < 0 === G0 < 0) [x0, G0] = [mid, Gm];
        else x1 = mid;
      }
      roots.push(0.5 * (x0 + x1));
    }
    [a, Ga] = [b, Gb];
  }
  return roots;
}

/** The fastest mode of the continuum: k ≥ 0 maximising ŵ(k) (scan of [0, 40/min(se, si)], golden section). */
export function continuumFastestMode(w: AnalyticKernel, d: 1 | 2): { k: number; wHat: number } {
  const kHi = 40 / Math.min(w.se, w.si);
  const count = 8000;
  let best = 0;
  let bestVal = kernelHat(w, 0, d);
  for (let j = 1; j <= count; j++) {
    const v = kernelHat(w, (kHi * j) / count, d);
    if (v > bestVal) [best, bestVal] = [j, v];
  }
  let a = (kHi * Math.max(0, best - 1)) / count;
  let b = (kHi * Math.min(count, best + 1)) / count;
  const r = (Math.sqrt(5) - 1) / 2;
  for (let it = 0; it < 200 && b - a > 1e-14 * Math.max(1, b); it++) {
    const c = b - r * (b - a);
    const e = a + r * (b - a);
    if (kernelHat(w, c, d) >= kernelHat(w, e, d)) b = e;
    else a = c;
  }
  const k = best === 0 && kernelHat(w, 0, d) >= kernelHat(w, 0.5 * (a + b), d) ? 0 : 0.5 * (a + b);
  return { k, wHat: kernelHat(w, k, d) };
}

/** The closed form of the mexican hat's fastest mode (dŵ/dk² = 0): k² = 2 ln(Ai si²/(Ae se²))/(si² − se²) when positive, else 0. */
export function mexicanHatFastestK(w: { Ae: number; se: number; Ai: number; si: number }): number {
  const q = (2 * Math.log((w.Ai * w.si * w.si) / (w.Ae * w.se * w.se))) / (w.si * w.si - w.se * w.se);
  return Number.isFinite(q) && q > 0 ? Math.sqrt(q) : 0;
}

/** The grid mode m ≠ 0 with the largest Re(multiplier): (mx, my) signed, in the half plane my > 0 or (my = 0, mx > 0). */
export function gridFastestMode(multiplier: ArrayLike<number>, n: number, d: 1 | 2): { mode: [number, number]; index: number; wHat: number } {
  let best = -1;
  let bestVal = -Infinity;
  const cells = d === 2 ? n * n : n;
  for (let k = 1; k < cells; k++) {
    const v = multiplier[2 * k]!;
    if (v > bestVal) [best, bestVal] = [k, v];
  }
  let mx = signedFrequency(best % n, n);
  let my = d === 2 ? signedFrequency(Math.floor(best / n), n) : 0;
  if (my < 0 || (my === 0 && mx < 0)) [mx, my] = [-mx, -my];
  return { mode: [mx, my], index: best, wHat: bestVal };
}

export interface HomogeneousState {
  N: number;
  sigmaPrime: number;
  /** λ(0) = −1 + ŵ(0)σ′(N*) */
  lambda0: number;
  /** the continuum's fastest k > 0 (0 when ŵ is largest at 0) and λ there (analytic kernels only) */
  continuum: { k: number; lambda: number } | null;
  /** the grid's fastest mode m ≠ 0 and its λ (fields only) */
  grid: { mode: [number, number]; k: number; lambda: number } | null;
  /** stable: λ < 0 at k = 0 and at every grid mode (networks: λ(0) < 0 only, see README) */
  stable: boolean;
  /** λ(0) < 0 but λ > 0 at a grid mode k ≠ 0 */
  turing: boolean;
  /** for the shared bifurcation machinery */
  quiescent: false;
}

/** Every homogeneous steady state of a field problem's parameters, with its dispersion data. */
export function classifyHomogeneous(config: Pick<FieldRunConfig, 'kernel' | 'sigmoid' | 'dim' | 'n' | 'L'>, wHat0: number, s0: number, multiplier?: ArrayLike<number>): HomogeneousState[] {
  const d = config.dim;
  const analytic = config.kernel.kind === 'mexican-hat' || config.kernel.kind === 'exponential';
  const fastContinuum = analytic && d > 0 ? continuumFastestMode(config.kernel as AnalyticKernel, d as 1 | 2) : null;
  const fastGrid = multiplier && d > 0 ? gridFastestMode(multiplier, config.n, d as 1 | 2) : null;
  return homogeneousStates(wHat0, s0, config.sigmoid).map((N) => {
    const sp = sigmaPrime(config.sigmoid, N);
    const lambda0 = -1 + wHat0 * sp;
    const grid = fastGrid ? { mode: fastGrid.mode, k: ((2 * Math.PI) / config.L) * Math.hypot(...fastGrid.mode), lambda: -1 + fastGrid.wHat * sp } : null;
    const continuum = fastContinuum ? { k: fastContinuum.k, lambda: -1 + fastContinuum.wHat * sp } : null;
    const stable = lambda0 < 0 && (!grid || grid.lambda < 0);
    return { N, sigmaPrime: sp, lambda0, continuum, grid, stable, turing: lambda0 < 0 && !!grid && grid.lambda > 0, quiescent: false as const };
  });
}

/** λ(k) on the continuum at N* for an analytic kernel, at the given k. */
export function dispersion(w: AnalyticKernel, d: 1 | 2, s: FieldSigmoid, N: number, k: number): number {
  return -1 + kernelHat(w, k, d) * sigmaPrime(s, N);
}

/** λ of every grid mode (Re of the multiplier), in DFT order. */
export function gridDispersion(multiplier: ArrayLike<number>, s: FieldSigmoid, N: number): Float64Array {
  const sp = sigmaPrime(s, N);
  const out = new Float64Array(multiplier.length / 2);
  for (let k = 0; k < out.length; k++) out[k] = -1 + multiplier[2 * k]! * sp;
  return out;
}
