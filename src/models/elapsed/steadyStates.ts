/**
 * Steady states of the elapsed-time model: n∞(s) = N*·exp(−Λ(s)), Λ(s) = ∫₀^s p(u, X*) du, X* = b·N* (every
 * kernel has ∫α = 1), and the mass 1 gives N* = 1/I(N*), I(N) = ∫₀^∞ exp(−Λ(s; bN)) ds. Every root of
 * F(N) = N·I(N) − 1 in N > 0: a log scan for sign changes and bisection to f64 accuracy.
 * I(N) in closed form for the threshold firing (s*(bN) + 1/φ0), by Gauss–Legendre quadrature of the closed-form
 * Λ for the sigmoid. N = 0 is never steady (F(0) = −1: mass 1 must fire). Stability by time evolution of the
 * f64 twin (scheme.ts) from the perturbed steady profile, with the config's kernel (a delay changes no steady
 * state but can change its stability).
 */
import { atParamValue, type DiagramFamily, type DiagramState } from '../bifurcation';
import { ConfigError } from '../schema';
import { type ElapsedModel, type ElapsedRunConfig } from './config';
import { resolveElapsedRunConfig } from '../registry';
import { cumulativeHazard, thresholdAge } from './hazard';
import { ElapsedReference } from './scheme';

const GL_NODES = [-0.9602898564975363, -0.7966664774136267, -0.5255324099163290, -0.1834346424956498, 0.1834346424956498, 0.5255324099163290, 0.7966664774136267, 0.9602898564975363];
const GL_WEIGHTS = [0.1012285362903763, 0.2223810344533745, 0.3137066458778873, 0.3626837833783620, 0.3626837833783620, 0.3137066458778873, 0.2223810344533745, 0.1012285362903763];

/** I(N) = ∫₀^∞ exp(−Λ(s; X = bN)) ds, the mean interspike interval at the frozen input X = bN. */
export function survivalIntegral(m: ElapsedModel, N: number): number {
  const X = m.b * N;
  const c = thresholdAge(m, X);
  if (!Number.isFinite(c)) return Infinity;
  if (m.firing === 'threshold') return c + 1 / m.phi0;
  // Sigmoid: Λ grows like φ0·(s − c) beyond c; integrate until Λ > 60 (e^{−60} is below f64 relative rounding).
  const S = Math.max(c, 0) + 60 / m.phi0 + 60 * m.w;
  const panels = Math.min(200_000, Math.max(400, Math.ceil((4 * S) / Math.min(m.w, 1 / m.phi0))));
  const h = S / panels;
  let total = 0;
  for (let p = 0; p < panels; p++) {
    const mid = (p + 0.5) * h;
    let panel = 0;
    for (let q = 0; q < 8; q++) panel += GL_WEIGHTS[q]! * Math.exp(-cumulativeHazard(m, mid + 0.5 * h * GL_NODES[q]!, X));
    total += 0.5 * h * panel;
  }
  return total;
}

/** F(N) = N·I(N) − 1: zero exactly at the steady rates. */
export function steadyRateResidual(m: ElapsedModel, N: number): number {
  return N * survivalIntegral(m, N) - 1;
}

export interface ElapsedSteadyOptions {
  /** scan points per decade of N (default 40) */
  pointsPerDecade?: number;
}

/**
 * Every steady rate N* > 0, ascending. The scan runs over N ∈ [1e-9, Nup]·(1/s0 + 1) on a log grid; Nup = φ0
 * (I ≥ 1/φ0, so N* ≤ φ0), for φ0 = ∞ 1/smin (linear) or 1e9 (hyperbolic). Not seen: a pair of roots between
 * two scan points, and a double root where F touches zero without changing sign.
 */
export function elapsedSteadyRates(m: ElapsedModel, options: ElapsedSteadyOptions = {}): number[] {
  const perDecade = options.pointsPerDecade ?? 40;
  const scale = 1 / m.s0 + 1;
  const lo = 1e-9 * scale;
  const up = Number.isFinite(m.phi0) ? m.phi0 * (1 + 1e-12) : m.thresholdAge === 'linear' && m.smin > 0 ? (1 / m.smin) * (1 + 1e-12) : 1e9 * scale;
  const count = Math.max(2, Math.ceil(Math.log10(up / lo) * perDecade));
  const roots: number[] = [];
  let a = lo;
  let Fa = steadyRateResidual(m, a);
  for (let j = 1; j <= count; j++) {
    const b = j === count ? up : lo * (up / lo) ** (j / count);
    const Fb = steadyRateResidual(m, b);
    if (Fa === 0) roots.push(a);
    else if (Fa < 0 !== Fb < 0 && Fb !== 0) {
      let x0 = a;
      let x1 = b;
      let F0 = Fa;
      for (let it = 0; it < 200 && x1 - x0 > 1e-15 * x1; it++) {
        const mid = 0.5 * (x0 + x1);
        const Fm = steadyRateResidual(m, mid);
        if (Fm === 0) {
          x0 = x1 = mid;
          break;
        }
        if (Fm < 0 === F0 < 0) {
          x0 = mid;
          F0 = Fm;
        } else x1 = mid;
      }
      roots.push(0.5 * (x0 + x1));
    }
    a = b;
    Fa = Fb;
  }
  if (Fa === 0) roots.push(a);
  return roots;
}

/** n∞(s) = N*·exp(−Λ(s; bN*)) */
export function steadyProfile(m: ElapsedModel, Nstar: number): (s: number) => number {
  const X = m.b * Nstar;
  return (s) => Nstar * Math.exp(-cumulativeHazard(m, s, X));
}

/** The mass of each age cell of n∞ (cell averages by 8-point Gauss–Legendre; the last cell takes the tail, 1 − the rest). */
export function steadyCells(m: ElapsedModel, Nstar: number, ns: number, dt: number): Float64Array {
  const n = steadyProfile(m, Nstar);
  const cells = new Float64Array(ns);
  let inside = 0;
  for (let i = 0; i < ns - 1; i++) {
    let v = 0;
    for (let q = 0; q < 8; q++) v += GL_WEIGHTS[q]! * n((i + 0.5 + 0.5 * GL_NODES[q]!) * dt);
    cells[i] = 0.5 * dt * v;
    inside += cells[i]!;
  }
  cells[ns - 1] = Math.max(0, 1 - inside);
  return cells;
}

export interface ElapsedStabilityOptions {
  /** age cells per threshold age s*(bN*) (default 100; dt = s* ÷ cells) */
  cellsPerThreshold?: number;
  /** observation time in mean interspike intervals 1/N* (default 40) */
  intervals?: number;
  /** the relative size ε of the perturbation (default 0.02) */
  kick?: number;
}

export interface ElapsedStability {
  stable: boolean;
  /** max |N − N*|/N* over the second tenth and over the last fifth of the run */
  early: number;
  late: number;
}

/**
 * Stability of N* by evolution of the twin: n0 = n∞·(1 + ε·sin(2πs/s*)) renormalised to mass 1 (smooth, so a
 * φ0 = ∞ run keeps no artificial cohort), evolved for
 * `intervals` mean interspike intervals with the config's kernel; stable when the late deviation of N from N*
 * is below half the early one, or below 1e-3 (the run has settled). The grid resolves s* by 100 cells.
 */
export function classifyElapsedStability(m: ElapsedModel, kernel: ElapsedRunConfig['kernel'], Nstar: number, options: ElapsedStabilityOptions = {}): ElapsedStability {
  const c = thresholdAge(m, m.b * Nstar);
  const scale = Number.isFinite(c) && c > 0 ? c : 1 / Nstar;
  // The delay must be whole steps: pick dt dividing d when there is one.
  let dt = scale / (options.cellsPerThreshold ?? 100);
  let delaySteps = 0;
  if (kernel.kind === 'delay') {
    delaySteps = Math.max(1, Math.ceil(kernel.d / dt));
    dt = kernel.d / delaySteps;
  }
  const decay = Number.isFinite(m.phi0) ? 40 / m.phi0 : 0;
  const ns = Math.ceil((2 * scale + decay + 40 * m.w + 1 / Nstar) / dt);
  const cells = steadyCells(m, Nstar, ns, dt);
  const eps = options.kick ?? 0.02;
  let total = 0;
  for (let i = 0; i < ns; i++) {
    cells[i]! *= 1 + eps * Math.sin((2 * Math.PI * (i + 0.5) * dt) / scale);
    total += cells[i]!;
  }
  for (let i = 0; i < ns; i++) cells[i]! /= total;
  const ref = new ElapsedReference(m, kernel, dt, delaySteps, cells, 1e-12);
  const T = (options.intervals ?? 40) / Nstar;
  const steps = Math.ceil(T / dt);
  let early = 0;
  let late = 0;
  for (let k = 1; k <= steps; k++) {
    ref.advance();
    const dev = Math.abs(ref.N - Nstar) / Nstar;
    if (k > 0.1 * steps && k <= 0.2 * steps) early = Math.max(early, dev);
    if (k > 0.8 * steps) late = Math.max(late, dev);
  }
  return { stable: late < 0.5 * early || late < 1e-3, early, late };
}

export interface ElapsedSteadyState extends DiagramState {
  /** X* = b·N* and s*(X*) */
  X: number;
  thresholdAge: number;
  early: number;
  late: number;
}

/** Every steady state of a resolved config, ascending in N, with its stability (for `kinfire steady`). */
export function elapsedSteadyStates(config: Pick<ElapsedRunConfig, 'elapsed' | 'kernel'>, options: ElapsedSteadyOptions & ElapsedStabilityOptions = {}): ElapsedSteadyState[] {
  const m = config.elapsed;
  return elapsedSteadyRates(m, options).map((N) => {
    const verdict = classifyElapsedStability(m, config.kernel, N, options);
    return { N, stable: verdict.stable, quiescent: false, X: m.b * N, thresholdAge: thresholdAge(m, m.b * N), early: verdict.early, late: verdict.late };
  });
}

/** The keys of the elapsed block a diagram can be drawn against. */
export const ELAPSED_BIFURCATION_PARAMS = ['b', 'phi0', 'w', 's0', 'k', 'smin', 'd', 'tau'] as const;
export type ElapsedBifurcationParam = (typeof ELAPSED_BIFURCATION_PARAMS)[number];

/** `b` or `elapsed.b` → the canonical name; ConfigError('--param') otherwise. */
export function parseElapsedBifurcationParam(name: string): ElapsedBifurcationParam {
  const key = name.trim().replace(/^elapsed\./, '');
  if (!(ELAPSED_BIFURCATION_PARAMS as readonly string[]).includes(key)) {
    throw new ConfigError('--param', `unknown elapsed parameter ${JSON.stringify(name)}; choose one of ${ELAPSED_BIFURCATION_PARAMS.join(', ')}`);
  }
  return key as ElapsedBifurcationParam;
}

/** The family of models/bifurcation.ts (steadyStateDiagram) of a raw config against elapsed.<param>. */
export function elapsedDiagramFamily(raw: Record<string, unknown>, param: ElapsedBifurcationParam, options: ElapsedSteadyOptions & ElapsedStabilityOptions = {}): DiagramFamily<ElapsedSteadyState> {
  const at = (value: number) => {
    const r = structuredClone(raw);
    ((r.elapsed ??= {}) as Record<string, unknown>)[param] = value;
    return atParamValue(param, value, () => resolveElapsedRunConfig(r));
  };
  return {
    states: (v) => elapsedSteadyStates(at(v), options),
    firingRates: (v) => elapsedSteadyRates(at(v).elapsed, options),
  };
}
