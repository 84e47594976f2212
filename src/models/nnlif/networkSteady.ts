/**
 * Steady states of an NNLIF network of K populations (hard or soft threshold, τ, a1): the rates N with
 *
 *   F_α(N) = ln N_α + ln(I_α(V_α, a_α) + τ_α) = 0,   V_α = Σβ b_αβ N_β,   a_α = a0_α + Σβ a1_αβ N_β,
 *
 * I_α the mean time from VR_α to a firing of population α at the frozen drift offset V_α and noise a_α
 * (the Siegert integral for the hard threshold, the soft threshold's ODE otherwise; steadyRate.ts).
 *
 * All roots in a box (say how): each N_α ranges over [Nlo, Nhi] (default [1e-8, 1e4], and at most the
 * loss rate for a soft threshold, since N_α < rate_α). F is evaluated on a grid in (ln N_0, …, ln N_{K−1})
 * with `pointsPerDecade` points per decade (default 8 for K ≤ 2; for larger K the most that keeps the grid
 * within `maxPoints` = 40000 points); every grid cell over whose 2^K corners every F_α changes sign is a
 * candidate, polished by a damped Newton iteration in log coordinates (Jacobian by central differences,
 * the linear solve by ml-matrix) to |F| < 1e-11; a root is kept if it lies within one cell of its
 * candidate, and roots closer than 1e-7 in log coordinates are one. Two roots inside one cell, or a
 * tangency where the F_α touch without crossing, can be missed: refine the grid to look for them (for
 * K ≥ 3 the default grid is coarse: 5 points per decade at K = 3).
 *
 * Stability: time evolution of the discrete network (NnlifNetworkReference, the f64 twin of the GPU
 * scheme) from the exact steady profiles with 1% of each population's mass moved, once up in v for the
 * even populations and down for the odd ones and once the other way: stable when every N stays within
 * 2% of its steady value (absolute 0.02 below 1) at time T in both runs.
 */
import { Matrix, solve } from 'ml-matrix';
import { type NnlifFiring, NnlifNetworkReference, nnlifGrid, nodeOf, widthOf } from './fokkerPlanck';
import { nnlifLogInverseRate, nnlifSteadyDensityOf } from './steadyRate';

export interface NnlifNetworkPopulation {
  a0: number;
  VR: number;
  VF: number;
  tau: number;
  /** default hard */
  firing?: NnlifFiring;
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
  /** the box [Nlo, Nhi] for every population (default [1e-8, 1e4]; a soft threshold's rate caps Nhi) */
  box?: [number, number];
  pointsPerDecade?: number;
  /** the most grid points when pointsPerDecade is not given (default 40000) */
  maxPoints?: number;
  stability?: { T?: number; nv?: number; dt?: number; delay?: number };
  /** states (rates N) of a nearby parameter value to continue by Newton, besides the grid's */
  seeds?: number[][];
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
  return nnlifLogInverseRate({ a, a1: 0, b: V, VR: pop.VR, VF: pop.VF, ...(pop.firing ? { firing: pop.firing } : {}) }, 1);
}

/** F(x), x = ln N: the residuals of the steady-state system (NaN where some a_α ≤ 0 or V_α, a_α overflow). */
export function networkResidual(p: NnlifNetworkParams, x: number[]): number[] {
  const N = x.map(Math.exp);
  const { V, a } = frozen(p, N);
  return p.populations.map((pop, alpha) => {
    // NaN outside the domain: a ≤ 0, or rates so large (a Newton step far out) that V or a overflow
    if (!(a[alpha]! > 0) || !Number.isFinite(a[alpha]!) || !Number.isFinite(V[alpha]!)) return Number.NaN;
    const lnI = logInverseRateAt(pop, V[alpha]!, a[alpha]!);
    const cycle = pop.tau > 0 ? lnI + Math.log1p(pop.tau * Math.exp(-lnI)) : lnI;
    return x[alpha]! + cycle;
  });
}

function newton(p: NnlifNetworkParams, x0: number[], lo: number[], hi: number[]): number[] | null {
  const K = x0.length;
  let x = [...x0];
  let F = networkResidual(p, x);
  for (let it = 0; it < 60; it++) {
    if (F.some((f) => !Number.isFinite(f))) return null;
    if (Math.max(...F.map(Math.abs)) < 1e-11) return x;
    const h = 1e-6;
    // J[i][j] = ∂F_i/∂x_j by central differences
    const J = Matrix.zeros(K, K);
    for (let j = 0; j < K; j++) {
      const xp = [...x];
      const xm = [...x];
      xp[j]! += h;
      xm[j]! -= h;
      const Fp = networkResidual(p, xp);
      const Fm = networkResidual(p, xm);
      for (let i = 0; i < K; i++) J.set(i, j, (Fp[i]! - Fm[i]!) / (2 * h));
    }
    let dx: number[];
    try {
      dx = solve(J, Matrix.columnVector(F.map((f) => -f))).getColumn(0);
    } catch {
      return null;
    }
    if (!dx.every(Number.isFinite)) return null;
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

/** The box of each population in ln N: [ln Nlo, ln Nhi], Nhi at most a soft threshold's rate. */
function boxOf(p: NnlifNetworkParams, box: [number, number]): [number, number][] {
  return p.populations.map((pop) => [Math.log(box[0]), Math.log(pop.firing?.kind === 'soft' ? Math.min(box[1], pop.firing.rate) : box[1])]);
}

/** Every steady state of a K-population network in the box, ascending in N_0 (then N_1, …), with its stability. */
export function nnlifNetworkSteadyStates(p: NnlifNetworkParams, options: NnlifNetworkScanOptions = {}): NnlifNetworkSteadyState[] {
  return nnlifNetworkSteadyRates(p, options).map((N) => nnlifNetworkStateAt(p, N, options.stability));
}

/** The steady state at rates N (a root of the system), with its stability by the two perturbed evolutions. */
export function nnlifNetworkStateAt(p: NnlifNetworkParams, N: number[], stability: NnlifNetworkScanOptions['stability'] = {}): NnlifNetworkSteadyState {
  const { V, a } = frozen(p, N);
  const N_perturbed = [1, -1].map((direction) => evolvePerturbed(p, N, V, a, direction as 1 | -1, stability));
  const tol = (Ns: number) => Math.max(0.02 * Ns, Ns < 1 ? 0.02 : 0);
  const stable = N_perturbed.every((Nt) => Nt !== null && Nt.every((v, k) => Math.abs(v - N[k]!) <= tol(N[k]!)));
  return { N, V, a, stable, N_perturbed };
}

/** The drift offset V_α = Σβ b_αβ N_β and the noise a_α = a0_α + Σβ a1_αβ N_β of each population at the rates N. */
export function nnlifNetworkFrozen(p: NnlifNetworkParams, N: number[]): { V: number[]; a: number[] } {
  return frozen(p, N);
}

/** The rates N of every steady state in the box (the root search alone, without stability), in the order of nnlifNetworkSteadyStates. */
export function nnlifNetworkSteadyRates(p: NnlifNetworkParams, options: Omit<NnlifNetworkScanOptions, 'stability'> = {}): number[][] {
  const K = p.populations.length;
  if (K < 1 || K > 8) throw new Error('nnlif network steady states: 1 to 8 populations');
  const boxes = boxOf(p, options.box ?? [1e-8, 1e4]);
  const decades = Math.max(...boxes.map(([lo, hi]) => (hi - lo) / Math.LN10));
  const maxPoints = options.maxPoints ?? 40000;
  const perDecade = options.pointsPerDecade ?? (K <= 2 ? 8 : Math.max(1, (Math.floor(maxPoints ** (1 / K)) - 1) / decades));
  const n = boxes.map(([lo, hi]) => Math.max(2, Math.ceil(((hi - lo) / Math.LN10) * perDecade)) + 1);
  const total = n.reduce((s, m) => s * m, 1);
  if (!(total <= 5e6)) throw new Error(`nnlif network steady states: a grid of ${total} points is too large (lower pointsPerDecade)`);
  const axis = boxes.map(([lo, hi], alpha) => Array.from({ length: n[alpha]! }, (_, i) => lo + ((hi - lo) * i) / (n[alpha]! - 1)));
  // the grid, flattened with population 0 fastest
  const index = (ks: number[]) => ks.reduce((s, k, alpha) => s + k * n.slice(0, alpha).reduce((q, m) => q * m, 1), 0);
  const pointAt = (ks: number[]) => ks.map((k, alpha) => axis[alpha]![k]!);
  const unflatten = (flat: number, sizes: number[]) => sizes.map((m) => {
    const k = flat % m;
    flat = Math.floor(flat / m);
    return k;
  });
  const F: number[][] = new Array(total);
  for (let f = 0; f < total; f++) F[f] = networkResidual(p, pointAt(unflatten(f, n)));
  const roots: number[][] = [];
  const signChange = (vals: number[]) => vals.every(Number.isFinite) && Math.min(...vals) <= 0 && Math.max(...vals) >= 0;
  const cells = n.map((m) => m - 1);
  const cellCount = cells.reduce((s, m) => s * m, 1);
  for (let c = 0; c < cellCount; c++) {
    const ks = unflatten(c, cells);
    const corners: number[][] = [];
    for (let corner = 0; corner < 1 << K; corner++) corners.push(F[index(ks.map((k, alpha) => k + ((corner >> alpha) & 1)))]!);
    if (!p.populations.every((_, alpha) => signChange(corners.map((v) => v[alpha]!)))) continue;
    const dx = ks.map((k, alpha) => axis[alpha]![k + 1]! - axis[alpha]![k]!);
    const start = ks.map((k, alpha) => axis[alpha]![k]! + dx[alpha]! / 2);
    const root = newton(p, start, boxes.map((b) => b[0]), boxes.map((b) => b[1]));
    if (!root) continue;
    if (root.some((x, alpha) => x < axis[alpha]![ks[alpha]!]! - dx[alpha]! || x > axis[alpha]![ks[alpha]! + 1]! + dx[alpha]!)) continue;
    if (roots.some((r) => Math.hypot(...r.map((x, alpha) => x - root[alpha]!)) < 1e-7)) continue;
    roots.push(root);
  }
  // Continuation: Newton from known states of a nearby parameter value finds the roots that the grid misses
  // where two of them lie in one cell, near a fold (the corners then show no sign change).
  for (const seed of options.seeds ?? []) {
    const root = newton(p, seed.map(Math.log), boxes.map((b) => b[0]), boxes.map((b) => b[1]));
    if (!root || root.some((x, alpha) => x < boxes[alpha]![0] || x > boxes[alpha]![1])) continue;
    if (roots.some((r) => Math.hypot(...r.map((x, alpha) => x - root[alpha]!)) < 1e-7)) continue;
    roots.push(root);
  }
  // lexicographic in ln N, equal where they agree to 1e-9 (the same rate found from two cells)
  roots.sort((u, v) => {
    for (let alpha = 0; alpha < K; alpha++) if (Math.abs(u[alpha]! - v[alpha]!) > 1e-9) return u[alpha]! - v[alpha]!;
    return 0;
  });
  return roots.map((x) => x.map(Math.exp));
}

function evolvePerturbed(p: NnlifNetworkParams, N: number[], V: number[], a: number[], direction: 1 | -1, o: { T?: number; nv?: number; dt?: number; delay?: number }): number[] | null {
  const T = o.T ?? 30;
  const nv = o.nv ?? 300;
  const dt = o.dt ?? 0.01;
  const pops = p.populations.map((pop, alpha) => {
    const vmin = Math.min(pop.VR, V[alpha]!) - 7 * Math.sqrt(a[alpha]!);
    return { grid: nnlifGrid(nv, vmin, pop.VF, pop.firing), a0: pop.a0, VR: pop.VR, tau: pop.tau };
  });
  const n0 = pops.map((pop, alpha) => {
    const firing = p.populations[alpha]!.firing;
    const params = { a: a[alpha]!, a1: 0, b: V[alpha]! / N[alpha]!, VR: pop.VR, VF: p.populations[alpha]!.VF, ...(firing ? { firing } : {}) };
    const density = nnlifSteadyDensityOf(params, N[alpha]!);
    const n = new Float64Array(nv);
    let mass = 0;
    for (let i = 0; i < nv; i++) {
      n[i] = density(nodeOf(pop.grid, i));
      mass += widthOf(pop.grid, i) * n[i]!;
    }
    const R = pop.tau * N[alpha]!;
    // 1% of the mass moved by a tilt n(1 + c(v − v̄)), up for the even populations and down for the odd (or the reverse)
    let m1 = 0;
    for (let i = 0; i < nv; i++) m1 += widthOf(pop.grid, i) * n[i]! * nodeOf(pop.grid, i);
    const vbar = m1 / mass;
    let spread = 0;
    for (let i = 0; i < nv; i++) spread += widthOf(pop.grid, i) * n[i]! * Math.abs(nodeOf(pop.grid, i) - vbar);
    const c = ((alpha % 2 === 0 ? direction : -direction) * 0.02 * mass) / Math.max(spread, 1e-300);
    for (let i = 0; i < nv; i++) n[i] = Math.max(0, ((n[i]! * (1 - R)) / mass) * (1 + c * (nodeOf(pop.grid, i) - vbar)));
    return n;
  });
  const ref = new NnlifNetworkReference(pops, { b: p.b, a1: p.a1 }, dt, Math.round((o.delay ?? 0) / dt), n0, 1e3 * Math.max(1, ...N), { R: pops.map((pop, k) => pop.tau * N[k]!), N });
  const steps = Math.round(T / dt);
  for (let k = 0; k < steps && ref.status === 'running'; k++) ref.advance();
  return ref.status === 'running' ? [...ref.N] : null;
}
