/**
 * Steady states of an NNLIF network of K = 2 populations (hard threshold): the rates (N_0, N_1) with
 *
 *   F_α(N) = ln N_α + ln(I_α(V_α, a_α) + τ_α) = 0,   V_α = Σβ b_αβ N_β,   a_α = a0_α + Σβ a1_αβ N_β,
 *
 * I_α the Siegert integral of population α at the frozen drift offset V_α and noise a_α (steadyRate.ts).
 *
 * All roots in a box (say how): F is evaluated on a grid in (ln N_0, ln N_1) over [Nlo, Nhi]² with
 * `pointsPerDecade` points per decade (default 8); every grid cell over whose corners both F_0 and F_1
 * change sign is a candidate, polished by a damped Newton iteration in log coordinates (Jacobian by
 * central differences) to |F| < 1e-11; a root is kept if it lies within one cell of its candidate, and
 * roots closer than 1e-7 in log coordinates are one. Two roots inside one cell, or a tangency where F_0
 * and F_1 touch without crossing, can be missed: refine the grid to look for them.
 *
 * Stability: time evolution of the discrete network (NnlifNetworkReference, the f64 twin of the GPU
 * scheme) from the exact steady profiles with 1% of each population's mass moved, once up in v for
 * population 0 and down for population 1 and once the other way: stable when every N stays within 2% of
 * its steady value (absolute 0.02 below 1) at time T in both runs.
 */
import { NnlifNetworkReference, nnlifGrid, nodeOf, widthOf } from './fokkerPlanck';
import { nnlifLogInverseRate, nnlifSteadyDensityAt } from './steadyRate';

export interface NnlifNetworkPopulation {
  a0: number;
  VR: number;
  VF: number;
  tau: number;
}

export interface NnlifNetworkParams {
  populations: NnlifNetworkPopulation[];
  b: number[][];
  a1: number[][];
}

export interface NnlifNetworkSteadyState {
  N: number[];
  /** V_α and a_α at the state */
  V: number[];
  a: number[];
  stable: boolean;
  /** N at time T after each of the two perturbations; null where that run blew up */
  N_perturbed: (number[] | null)[];
}

export interface NnlifNetworkScanOptions {
  /** the box [Nlo, Nhi] for every population (default [1e-8, 1e4]) */
  box?: [number, number];
  pointsPerDecade?: number;
  stability?: { T?: number; nv?: number; dt?: number; delay?: number };
}

function frozen(p: NnlifNetworkParams, N: number[]): { V: number[]; a: number[] } {
  const K = p.populations.length;
  const V = p.populations.map((_, alpha) => N.reduce((s, n, beta) => s + p.b[alpha]![beta]! * n, 0));
  const a = p.populations.map((pop, alpha) => pop.a0 + N.reduce((s, n, beta) => s + p.a1[alpha]![beta]! * n, 0));
  if (V.length !== K) throw new Error('nnlif network: b must be K × K');
  return { V, a };
}

/** ln I_α at drift offset V and noise a: steadyRate's integral of a network frozen at "N = 1" with b = V. */
function logInverseRateAt(pop: NnlifNetworkPopulation, V: number, a: number): number {
  return nnlifLogInverseRate({ a, a1: 0, b: V, VR: pop.VR, VF: pop.VF }, 1);
}

/** F(x), x = ln N: the residuals of the steady-state system (NaN where some a_α ≤ 0). */
export function networkResidual(p: NnlifNetworkParams, x: number[]): number[] {
  const N = x.map(Math.exp);
  const { V, a } = frozen(p, N);
  return p.populations.map((pop, alpha) => {
    if (!(a[alpha]! > 0)) return Number.NaN;
    const lnI = logInverseRateAt(pop, V[alpha]!, a[alpha]!);
    const cycle = pop.tau > 0 ? lnI + Math.log1p(pop.tau * Math.exp(-lnI)) : lnI;
    return x[alpha]! + cycle;
  });
}

function newton(p: NnlifNetworkParams, x0: number[], lo: number[], hi: number[]): number[] | null {
  let x = [...x0];
  let F = networkResidual(p, x);
  for (let it = 0; it < 60; it++) {
    if (F.some((f) => !Number.isFinite(f))) return null;
    if (Math.max(...F.map(Math.abs)) < 1e-11) return x;
    const h = 1e-6;
    const J = [0, 1].map((j) => {
      const xp = [...x];
      const xm = [...x];
      xp[j]! += h;
      xm[j]! -= h;
      const Fp = networkResidual(p, xp);
      const Fm = networkResidual(p, xm);
      return [0, 1].map((i) => (Fp[i]! - Fm[i]!) / (2 * h));
    });
    // J[j][i] = ∂F_i/∂x_j; solve J^T dx = −F (2 × 2)
    const [a11, a12, a21, a22] = [J[0]![0]!, J[1]![0]!, J[0]![1]!, J[1]![1]!];
    const det = a11 * a22 - a12 * a21;
    if (!(Math.abs(det) > 1e-300)) return null;
    const dx = [(-F[0]! * a22 + F[1]! * a12) / det, (-a11 * F[1]! + a21 * F[0]!) / det];
    let step = 1;
    let next: number[] = x;
    let Fn: number[] = F;
    for (let k = 0; k < 30; k++) {
      next = x.map((xi, i) => xi + step * dx[i]!);
      Fn = networkResidual(p, next);
      if (Fn.every(Number.isFinite) && Math.hypot(...Fn) < Math.hypot(...F)) break;
      step /= 2;
    }
    x = next;
    F = Fn;
    if (x.some((xi, i) => xi < lo[i]! - 2 || xi > hi[i]! + 2)) return null;
  }
  return Math.max(...F.map(Math.abs)) < 1e-9 ? x : null;
}

/** Every steady state of a 2-population network in the box, ascending in N_0, with its stability. */
export function nnlifNetworkSteadyStates(p: NnlifNetworkParams, options: NnlifNetworkScanOptions = {}): NnlifNetworkSteadyState[] {
  if (p.populations.length !== 2) throw new Error('nnlif network steady states: K = 2 populations only so far');
  const [Nlo, Nhi] = options.box ?? [1e-8, 1e4];
  const perDecade = options.pointsPerDecade ?? 8;
  const xlo = Math.log(Nlo);
  const xhi = Math.log(Nhi);
  const n = Math.max(2, Math.ceil(((xhi - xlo) / Math.LN10) * perDecade)) + 1;
  const dx = (xhi - xlo) / (n - 1);
  const grid = Array.from({ length: n }, (_, i) => xlo + i * dx);
  const F = grid.map((x0) => grid.map((x1) => networkResidual(p, [x0, x1])));
  const roots: number[][] = [];
  const signChange = (vals: number[]) => vals.every(Number.isFinite) && Math.min(...vals) <= 0 && Math.max(...vals) >= 0;
  for (let i = 0; i + 1 < n; i++) {
    for (let j = 0; j + 1 < n; j++) {
      const corners = [F[i]![j]!, F[i + 1]![j]!, F[i]![j + 1]!, F[i + 1]![j + 1]!];
      if (!signChange(corners.map((c) => c[0]!)) || !signChange(corners.map((c) => c[1]!))) continue;
      const root = newton(p, [grid[i]! + dx / 2, grid[j]! + dx / 2], [xlo, xlo], [xhi, xhi]);
      if (!root) continue;
      if (root[0]! < grid[i]! - dx || root[0]! > grid[i + 1]! + dx || root[1]! < grid[j]! - dx || root[1]! > grid[j + 1]! + dx) continue;
      if (roots.some((r) => Math.hypot(r[0]! - root[0]!, r[1]! - root[1]!) < 1e-7)) continue;
      roots.push(root);
    }
  }
  roots.sort((u, v) => u[0]! - v[0]!);
  return roots.map((x) => {
    const N = x.map(Math.exp);
    const { V, a } = frozen(p, N);
    const N_perturbed = [1, -1].map((direction) => evolvePerturbed(p, N, V, a, direction as 1 | -1, options.stability ?? {}));
    const tol = (Ns: number) => Math.max(0.02 * Ns, Ns < 1 ? 0.02 : 0);
    const stable = N_perturbed.every((Nt) => Nt !== null && Nt.every((v, k) => Math.abs(v - N[k]!) <= tol(N[k]!)));
    return { N, V, a, stable, N_perturbed };
  });
}

function evolvePerturbed(p: NnlifNetworkParams, N: number[], V: number[], a: number[], direction: 1 | -1, o: { T?: number; nv?: number; dt?: number; delay?: number }): number[] | null {
  const T = o.T ?? 30;
  const nv = o.nv ?? 300;
  const dt = o.dt ?? 0.01;
  const pops = p.populations.map((pop, alpha) => {
    const vmin = Math.min(pop.VR, V[alpha]!) - 7 * Math.sqrt(a[alpha]!);
    return { grid: nnlifGrid(nv, vmin, pop.VF), a0: pop.a0, VR: pop.VR, tau: pop.tau };
  });
  const n0 = pops.map((pop, alpha) => {
    const params = { a: a[alpha]!, a1: 0, b: V[alpha]! / N[alpha]!, VR: pop.VR, VF: p.populations[alpha]!.VF };
    const n = new Float64Array(nv);
    let mass = 0;
    for (let i = 0; i < nv; i++) {
      n[i] = nnlifSteadyDensityAt(params, N[alpha]!, nodeOf(pop.grid, i));
      mass += widthOf(pop.grid, i) * n[i]!;
    }
    const R = pop.tau * N[alpha]!;
    // 1% of the mass moved by a tilt n(1 + c(v − v̄)), up for population 0 and down for 1 (or the reverse)
    let m1 = 0;
    for (let i = 0; i < nv; i++) m1 += widthOf(pop.grid, i) * n[i]! * nodeOf(pop.grid, i);
    const vbar = m1 / mass;
    let spread = 0;
    for (let i = 0; i < nv; i++) spread += widthOf(pop.grid, i) * n[i]! * Math.abs(nodeOf(pop.grid, i) - vbar);
    const c = ((alpha === 0 ? direction : -direction) * 0.02 * mass) / Math.max(spread, 1e-300);
    for (let i = 0; i < nv; i++) n[i] = Math.max(0, ((n[i]! * (1 - R)) / mass) * (1 + c * (nodeOf(pop.grid, i) - vbar)));
    return n;
  });
  const ref = new NnlifNetworkReference(pops, { b: p.b, a1: p.a1 }, dt, Math.round((o.delay ?? 0) / dt), n0, 1e3 * Math.max(1, ...N), { R: pops.map((pop, k) => pop.tau * N[k]!), N });
  const steps = Math.round(T / dt);
  for (let k = 0; k < steps && ref.status === 'running'; k++) ref.advance();
  return ref.status === 'running' ? [...ref.N] : null;
}
