/**
 * Stability of an NNLIF steady state by time evolution of the discrete PDE (the f64 twin of the GPU
 * scheme, fokkerPlanck.ts): start at the exact steady profile n∞ (and R = τN*), move 1% of the mass up
 * and, separately, down in v, evolve to time T, and call the state stable when N stays within 2% of N*
 * at the end of both runs (absolute 0.02 for N* < 1). A run that blows up (N > 1e3·max(N*, 1)) is
 * unstable. This is the rule of the vc limit model's `kinfire steady` (src/models/limit/stability.ts).
 */
import { NnlifReference, nnlifGrid, nodeOf, widthOf } from './fokkerPlanck';
import { type NnlifParams, nnlifSteadyDensityOf } from './steadyRate';

export interface NnlifStabilityOptions {
  /** observation time (default 30) */
  T?: number;
  /** nodes of the discrete PDE (default 300) */
  nv?: number;
  /** time step (default 0.01) */
  dt?: number;
  /** synaptic delay (default 0): it changes no steady state, but can change its stability */
  delay?: number;
}

export interface NnlifStability {
  stable: boolean;
  /** N at time T after the upward and the downward perturbation; null where that run blew up */
  N_up: number | null;
  N_down: number | null;
}

export function classifyNnlifStability(params: NnlifParams, Nstar: number, options: NnlifStabilityOptions = {}): NnlifStability {
  const T = options.T ?? 30;
  const nv = options.nv ?? 300;
  const dt = options.dt ?? 0.01;
  const tau = params.tau ?? 0;
  const a = params.a + (params.a1 ?? 0) * Nstar;
  const vmin = Math.min(params.VR, params.b * Nstar) - 7 * Math.sqrt(a);
  const grid = nnlifGrid(nv, vmin, params.VF, params.firing);
  const steady = new Float64Array(nv);
  const density = nnlifSteadyDensityOf(params, Nstar);
  let mass = 0;
  for (let i = 0; i < nv; i++) {
    steady[i] = density(nodeOf(grid, i));
    mass += widthOf(grid, i) * steady[i];
  }
  const R = tau * Nstar;
  for (let i = 0; i < nv; i++) steady[i] *= (1 - R) / mass;
  const member = { b: params.b, a0: params.a, a1: params.a1 ?? 0, VR: params.VR, tau };
  const evolve = (direction: 1 | -1) => {
    // 1% of the mass moved by a tilt: n(1 + c·(v − v̄)), c chosen so the tilt moves 1% and keeps n ≥ 0.
    const n = Float64Array.from(steady);
    let m1 = 0;
    for (let i = 0; i < nv; i++) m1 += widthOf(grid, i) * n[i] * nodeOf(grid, i);
    const vbar = m1 / (1 - R);
    let spread = 0;
    for (let i = 0; i < nv; i++) spread += widthOf(grid, i) * n[i] * Math.abs(nodeOf(grid, i) - vbar);
    const c = (direction * 0.02 * (1 - R)) / Math.max(spread, 1e-300);
    for (let i = 0; i < nv; i++) n[i] = Math.max(0, n[i] * (1 + c * (nodeOf(grid, i) - vbar)));
    const ref = new NnlifReference(grid, member, dt, Math.round((options.delay ?? 0) / dt), n, 1e3 * Math.max(Nstar, 1), { R, N: Nstar });
    const steps = Math.round(T / dt);
    for (let k = 0; k < steps && ref.status === 'running'; k++) ref.advance();
    return ref.status === 'running' ? ref.N : null;
  };
  const N_up = evolve(1);
  const N_down = evolve(-1);
  const tol = Math.max(0.02 * Nstar, Nstar < 1 ? 0.02 : 0);
  const near = (N: number | null) => N !== null && Math.abs(N - Nstar) <= tol;
  return { stable: near(N_up) && near(N_down), N_up, N_down };
}
