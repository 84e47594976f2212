/**
 * Steady states of the ε → 0 limit (voltage) equation
 *
 *   ∂t n + ∂v[Ψ n] + φF(v) n = N δ(v − VR),   Ψ = gL(VL − v) + ḡ(N)(VE − v) = G (V* − v),
 *   G = gL + ḡ,  V* = (gL VL + ḡ VE)/G,  ḡ(N) = mean of N(gin + bN, a) truncated to g ≥ 0.
 *
 * A steady flux J = Ψ n obeys J' = −(φF/Ψ) J on (VR, V*) with J(VR) = N, and mass 1 gives the scalar
 * fixed-point equation
 *
 *   1/N = I(N) = ∫_{VR}^{V*} (1/Ψ) exp(−∫_{VR}^{v} φF/Ψ) dv.
 *
 * Step φF (VR < VF < V*): I = (1/G) ln((V* − VR)/(V* − VF)) + 1/φ0 (closed form). Any φF: with
 * v = V* − (V* − VR) e^{−s}, dv/Ψ = ds/G and I = (1/G) ∫_0^∞ exp(−(1/G) ∫_0^s φF(v(s')) ds') ds, a smooth
 * integral without the singularity at V* (computed by cumulative Simpson). When V* ≤ VF and φF is the
 * step, nobody reaches the threshold: the quiescent state N = 0 (n = δ at V*) is a steady state.
 */
import type { ModelParams } from '../config';
import { firingRate } from '../discretization';
import { truncatedGaussianMean } from './conductanceMean';

export interface LimitVelocity {
  gbar: number;
  G: number;
  vStar: number;
}

/** ḡ, G and V* of the limit velocity at network activity N (equilibrium on [0, gmax], gmax = ∞ by default). */
export function limitVelocity(params: Pick<ModelParams, 'gL' | 'VL' | 'VE' | 'gin' | 'b' | 'a'>, N: number, gmax = Infinity): LimitVelocity {
  const gbar = truncatedGaussianMean(params.gin + params.b * N, params.a, 0, gmax);
  const G = params.gL + gbar;
  return { gbar, G, vStar: (params.gL * params.VL + gbar * params.VE) / G };
}

/** I(N) for the step φF in closed form (Infinity when V* ≤ VF: no firing). */
export function inverseRateClosedForm(params: ModelParams, N: number, gmax = Infinity): number {
  if (params.phiF.kind !== 'step') throw new Error('the closed form of I(N) is for the step firing rate');
  const { G, vStar } = limitVelocity(params, N, gmax);
  if (vStar <= params.VF) return Infinity;
  return Math.log((vStar - params.VR) / (vStar - params.VF)) / G + 1 / params.phiF.rate;
}

/**
 * I(N) by quadrature in s = ln((V* − VR)/(V* − v)): composite Simpson, with a panel boundary at the
 * step's jump (s at VF), carried until the survival exp(−∫φF/G) falls below e^{-40}; past s = sMax the
 * rest is bounded by S/rate(sMax) and added.
 */
export function inverseRateQuadrature(params: ModelParams, N: number, gmax = Infinity, h = 2e-3): number {
  const { G, vStar } = limitVelocity(params, N, gmax);
  if (vStar <= params.VR) return Infinity;
  const rate = (s: number) => firingRate(params.phiF, params.VF, vStar - (vStar - params.VR) * Math.exp(-s)) / G;
  const sMax = 2000;
  const breaks = params.phiF.kind === 'step' && params.VF > params.VR && params.VF < vStar ? [Math.log((vStar - params.VR) / (vStar - params.VF))] : [];
  let s = 0;
  let logS = 0;
  let integral = 0;
  for (const end of [...breaks, sMax]) {
    // panels of width ≈ h ending exactly on the segment's end (the last segment stops early once S is negligible)
    const panels = Math.max(1, Math.ceil((end - s) / (2 * h)));
    const w = (end - s) / (2 * panels);
    // Evaluate the rate just inside the segment, so a jump at its ends is not sampled from the other side.
    const inside = (x: number) => rate(Math.min(Math.max(x, s + 1e-12), end - 1e-12));
    for (let k = 0; k < panels && logS > -40; k++) {
      const x0 = s;
      const r0 = inside(x0);
      const r1 = inside(x0 + w);
      const r2 = inside(x0 + 2 * w);
      const logS1 = logS - (w / 12) * (5 * r0 + 8 * r1 - r2); // ∫ over [x0, x0+w] of the quadratic through r0, r1, r2
      const logS2 = logS - (w / 3) * (r0 + 4 * r1 + r2);
      integral += (w / 3) * (Math.exp(logS) + 4 * Math.exp(logS1) + Math.exp(logS2));
      s = x0 + 2 * w;
      logS = logS2;
    }
    if (logS <= -40) return integral / G;
    s = end;
  }
  // The rest of ∫ S ds, with rate ≥ rate(sMax) from there on: bounded by S/rate; a firing rate that
  // vanishes at V* gives I = ∞ (no steady state with N > 0 there).
  const tailRate = rate(sMax);
  if (!(tailRate > 0)) return Infinity;
  return (integral + Math.exp(logS) / tailRate) / G;
}

export function inverseRate(params: ModelParams, N: number, gmax = Infinity): number {
  return params.phiF.kind === 'step' ? inverseRateClosedForm(params, N, gmax) : inverseRateQuadrature(params, N, gmax);
}

/** F(N) = N·I(N) − 1: the steady states with N > 0 are its roots (F < 0 ⇔ the fixed-point map N ↦ 1/I is above N). */
export function steadyResidual(params: ModelParams, N: number, gmax = Infinity): number {
  return N * inverseRate(params, N, gmax) - 1;
}

export interface SteadyState {
  N: number;
  vStar: number;
  gbar: number;
  /** true for the quiescent state N = 0 */
  quiescent: boolean;
}

/** The quiescent state exists when nobody reaches the threshold at N = 0: V*(0) ≤ VF with the step φF. */
export function quiescentState(params: ModelParams, gmax = Infinity): SteadyState | undefined {
  const { vStar, gbar } = limitVelocity(params, 0, gmax);
  if (params.phiF.kind === 'step' && vStar <= params.VF) return { N: 0, vStar, gbar, quiescent: true };
  return undefined;
}

function brent(f: (x: number) => number, a: number, b: number, fa: number, fb: number, relTol: number): number {
  // Bisection guarded secant (Illinois); sign change on [a, b] assumed.
  let lo = a;
  let hi = b;
  let flo = fa;
  let fhi = fb;
  let side = 0;
  for (let it = 0; it < 200; it++) {
    let x = (lo * fhi - hi * flo) / (fhi - flo);
    if (!(x > lo && x < hi) || !Number.isFinite(x)) x = 0.5 * (lo + hi);
    const fx = f(x);
    if (fx === 0 || hi - lo <= relTol * Math.abs(x)) return x;
    if (Math.sign(fx) === Math.sign(flo)) {
      lo = x;
      flo = fx;
      if (side === -1) fhi /= 2;
      side = -1;
    } else {
      hi = x;
      fhi = fx;
      if (side === 1) flo /= 2;
      side = 1;
    }
  }
  return 0.5 * (lo + hi);
}

export interface SteadyScanOptions {
  gmax?: number;
  /** scan points (log-spaced below 1e-3·φ0, linear above) */
  points?: number;
  relTol?: number;
}

/**
 * Every steady state of the limit model: roots of F(N) = N·I(N) − 1 on (0, max φF] found by a scan
 * and polished to relTol; local minima of |F| between sign changes are refined (golden section) so
 * that two roots closer than the scan spacing (near a fold) are still found; plus the quiescent state.
 * N ≤ max φF because N = ∫ φF n with mass 1.
 */
export function findSteadyStates(params: ModelParams, options: SteadyScanOptions = {}): SteadyState[] {
  const gmax = options.gmax ?? Infinity;
  const relTol = options.relTol ?? 1e-12;
  const Nmax = params.phiF.rate;
  const points = options.points ?? (params.phiF.kind === 'step' ? 20000 : 1500);
  const F = (N: number) => steadyResidual(params, N, gmax);
  const grid: number[] = [];
  const nLog = Math.floor(points / 4);
  for (let k = 0; k < nLog; k++) grid.push(Nmax * 10 ** (-12 + (9 * k) / nLog)); // 1e-12 φ0 .. 1e-3 φ0
  for (let k = 0; k <= points - nLog; k++) grid.push(Nmax * (1e-3 + ((1 - 1e-3) * k) / (points - nLog)));
  const values = grid.map(F);
  const roots: number[] = [];
  const addRoot = (a: number, b: number, fa: number, fb: number) => roots.push(brent(F, a, b, fa, fb, relTol));
  // F = +∞ where V*(N) ≤ VF (nobody fires): it counts as positive, so that a root squeezed against
  // that region (F → +∞ logarithmically as V* → VF) is bracketed; the bracketing then bisects.
  const signOf = (f: number) => (Number.isNaN(f) ? NaN : Math.sign(f));
  for (let k = 0; k + 1 < grid.length; k++) {
    const [a, b, fa, fb] = [grid[k], grid[k + 1], values[k], values[k + 1]];
    if (fa === 0) roots.push(a);
    else if (!Number.isNaN(fa) && !Number.isNaN(fb) && signOf(fa) !== signOf(fb)) addRoot(a, b, fa, fb);
    // A local extremum of F near 0 without a sign change in the scan may hide two close roots.
    if (k + 2 < grid.length && Number.isFinite(values[k + 2])) {
      const fc = values[k + 2];
      const extremum = (fb < fa && fb < fc && fb > 0) || (fb > fa && fb > fc && fb < 0);
      if (extremum && Math.abs(fb) < 1e-2) {
        // golden-section search for the extremum of F on [a, c]
        let lo = a;
        let hi = grid[k + 2];
        const g = (Math.sqrt(5) - 1) / 2;
        const sign = fb > 0 ? 1 : -1; // minimise sign·F
        for (let it = 0; it < 100; it++) {
          const x1 = hi - g * (hi - lo);
          const x2 = lo + g * (hi - lo);
          if (sign * F(x1) < sign * F(x2)) hi = x2;
          else lo = x1;
        }
        const m = 0.5 * (lo + hi);
        const fm = F(m);
        if (Math.sign(fm) !== Math.sign(fb)) {
          addRoot(a, m, fa, fm);
          addRoot(m, grid[k + 2], fm, fc);
        }
      }
    }
  }
  const unique = [...new Set(roots.map((r) => r.toPrecision(13)))].map(Number).sort((x, y) => x - y);
  const states: SteadyState[] = unique.map((N) => ({ N, ...limitVelocity(params, N, gmax), quiescent: false }));
  const rest = quiescentState(params, gmax);
  return rest ? [rest, ...states] : states;
}

/** The steady density n(v) = J(v)/Ψ(v) of a state with N > 0, as cell averages on [VL, vhi] (mass 1). */
export function steadyDensity(params: ModelParams, N: number, vlo: number, vhi: number, nv: number, gmax = Infinity): Float64Array {
  const { G, vStar } = limitVelocity(params, N, gmax);
  const dv = (vhi - vlo) / nv;
  const n = new Float64Array(nv);
  // Mass of each cell: ∫ J/Ψ dv over the cell ∩ (VR, V*), with 32-point midpoint in s-space per cell.
  const sOf = (v: number) => Math.log((vStar - params.VR) / (vStar - v));
  const survival = (s: number) => {
    // exp(−(1/G) ∫_0^s φF), by the trapezoid rule on a fine s-grid
    const m = Math.max(8, Math.ceil(s / 1e-3));
    let acc = 0;
    for (let k = 0; k < m; k++) {
      const s0 = (k * s) / m;
      const s1 = ((k + 1) * s) / m;
      const f = (x: number) => firingRate(params.phiF, params.VF, vStar - (vStar - params.VR) * Math.exp(-x));
      acc += 0.5 * (f(s0) + f(s1)) * (s1 - s0);
    }
    return Math.exp(-acc / G);
  };
  let total = 0;
  for (let i = 0; i < nv; i++) {
    const a = Math.max(vlo + i * dv, params.VR);
    const b = Math.min(vlo + (i + 1) * dv, vStar);
    if (b <= a) continue;
    const sa = sOf(a);
    const sb = b >= vStar ? sa + 50 : sOf(b);
    const q = 32;
    let mass = 0;
    for (let k = 0; k < q; k++) {
      const s = sa + ((k + 0.5) * (sb - sa)) / q;
      mass += survival(s) * ((sb - sa) / q);
    }
    n[i] = (N * mass) / G / dv; // ∫ J/Ψ dv = (N/G) ∫ S(s) ds
    total += n[i] * dv;
  }
  for (let i = 0; i < nv; i++) n[i] /= total;
  return n;
}

export interface StabilityOptions {
  /** cells of the 1D limit scheme */
  nv?: number;
  /** observation time (in units of 1/gL) */
  T?: number;
  /** Courant number of the 1D scheme (semi-Lagrangian: any value is stable) */
  cfl?: number;
  /** relative size of the perturbation (mass moved) */
  delta?: number;
  /** band around N* (relative, absolute for N* < 1) that a stable trajectory stays in */
  band?: number;
}

export interface StabilityVerdict {
  stable: boolean;
  /** N at the end of each perturbed run */
  finalN: number[];
  /** largest |N − N*| over the second half of the runs */
  deviation: number;
}
