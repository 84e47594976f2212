/**
 * The NNLIF Fokker–Planck equation and its discretization (docs/nnlif-scheme.md), with the f64 CPU
 * reference of that discretization, step for step what the GPU kernel (src/shaders/nnlifStep.wgsl) does:
 *
 *   ∂t n + ∂v[(−v + b·N(t−d)) n] − a(N(t−d)) ∂²v n + loss = S(t) δ(v − VR),   a(N) = a0 + a1·N,
 *   S = N (no refractory state), or dR/dt = N − R/τ and S = R/τ;
 *   hard threshold: v ∈ (vmin, VF), zero flux at vmin, n(VF) = 0, N = −a ∂v n(VF), no loss term;
 *   soft threshold: v ∈ (vmin, vmax), zero flux at both ends, loss = rate·n·1{v > VF}, N = rate·∫_{v>VF} n.
 *
 * Finite volumes on nodes (vertex-centred): v_i = vmin + i·h. Node i owns the control volume
 * [v_i − h/2, v_i + h/2] ∩ domain, of width w_i (h, or h/2 at an end); the mass is Σ w_i n_i.
 *   hard: h = (VF − vmin)/nv, unknowns n_0 … n_{nv−1}, and the node v_nv = VF holds n = 0;
 *   soft: h = (vmax − vmin)/(nv − 1), unknowns n_0 … n_{nv−1}, the last node at vmax.
 * The flux between nodes i and i+1 is Scharfetter–Gummel (exponentially fitted), with the velocity at
 * the midpoint, u = V − v_{i+½}, V = b·N_c:
 *
 *   F_{i+½} = (a/h)·[B(−P) n_i − B(P) n_{i+1}],   P = u·h/a,   B(x) = x / (eᣟ − 1),
 *
 * exact for a constant flux through a cell with constant u (second order in h for the steady state,
 * measured), exact for the local equilibrium n ∝ exp(∫u/a), and upwind as |P| → ∞. The pair B(P), B(−P)
 * comes from one exponential t = e^{−|P|} ≤ 1 (bernoulliPair), so nothing overflows for any |b·N| and
 * neither value is a difference of large numbers (both stay positive). With the hard threshold the last face is the outflux: n_nv = 0, F_F = γ·n_{nv−1}, γ = (a/h)·B(−P_F),
 * the discrete −a ∂v n(VF).
 *
 * Time: backward Euler in the linear operator with the coefficients frozen at N_c = N(t_k − d) (for
 * d = 0, N_c = N^k): dt is limited by neither h² nor |u|. The loss (soft) is implicit, the rate of the
 * step is its outflux at the new state, and the reinjection is implicit too, so the step solves
 *
 *   A n^{k+1} = n^k + S^{k+1}·(dt·e_R/w),
 *
 * with e_R the delta at VR split between its two nodes (hat functions). In conservation form B = W·A
 * (W = diag w) has unit column sums but for the outflux (hard) or the loss (soft): an M-matrix given by
 * positive numbers, factored by Gaussian elimination with GTH pivots (no subtraction anywhere, see
 * factorStep), so A⁻¹ ≥ 0 holds in floating point too. With y = A⁻¹ n^k and z = A⁻¹ (dt·e_R/w) (one
 * factorization, two right-hand sides), n^{k+1} = y + S·z, and the rate N = ℓ(n^{k+1}) is a positive linear functional (γ·n_L, or
 * rate·Σ f_i w_i n_i with f_i the fraction of control volume i above VF): Y = ℓ(y), Z = ℓ(z), and
 *   no refractory state (S = N):   N = Y / (1 − Z),
 *   refractory (S = (R^k + dt·N)/(τ + dt), the backward Euler step of R, q = 1/(τ + dt)):
 *                                  N = (Y + Z·R^k·q) / (1 − Z·dt·q).
 * Then Σ w n^{k+1} + R^{k+1} = Σ w n^k + R^k exactly (to rounding), and every term is positive (Z < 1:
 * the part of a unit injection that leaves within the same step is less than all of it).
 *
 * History: N(s) = 0 for s ≤ 0 (the network is silent before the start, as the particle system's first
 * feedback is), so the first step, and every step before t = d, sees the uncoupled coefficients.
 */
import erf from '@stdlib/math-base-special-erf';

/** B(x) = x / (eᣟ − 1), the Bernoulli function, with B(0) = 1. */
export function bernoulli(x: number): number {
  return bernoulliPair(x)[0];
}

/**
 * [B(P), B(−P)] from one exponential t = e^{−|P|} ∈ (0, 1]: for P ≥ 0, B(P) = P·t/(1 − t) and
 * B(−P) = P/(1 − t); for P < 0 the roles swap. Below |P| = 0.1 the series 1 ∓ P/2 + P²/12 − P⁴/720 + P⁶/30240
 * (truncation < 1e-14). The same branches as the WGSL (nnlifStep.wgsl).
 */
export function bernoulliPair(P: number): [number, number] {
  if (Math.abs(P) < 0.1) {
    const p2 = P * P;
    const even = 1 + p2 * (1 / 12 - p2 * (1 / 720 - p2 / 30240));
    return [even - P / 2, even + P / 2];
  }
  const x = Math.abs(P);
  const t = Math.exp(-x);
  const small = (x * t) / (1 - t); // B(|P|)
  const large = x / (1 - t); // B(−|P|)
  return P >= 0 ? [small, large] : [large, small];
}

export type NnlifFiring = { kind: 'hard' } | { kind: 'soft'; rate: number; vmax: number };

export interface NnlifGrid {
  /** unknown nodes v_0 … v_{nv−1} */
  nv: number;
  vmin: number;
  /** the threshold (the loss starts above it when soft) */
  VF: number;
  /** top of the domain: VF (hard, a node with n = 0) or vmax (soft, the last unknown node) */
  vtop: number;
  h: number;
  firing: NnlifFiring;
}

export function nnlifGrid(nv: number, vmin: number, VF: number, firing: NnlifFiring = { kind: 'hard' }): NnlifGrid {
  const vtop = firing.kind === 'hard' ? VF : firing.vmax;
  const h = firing.kind === 'hard' ? (VF - vmin) / nv : (vtop - vmin) / (nv - 1);
  return { nv, vmin, VF, vtop, h, firing };
}

/** The node v_i. */
export const nodeOf = (grid: NnlifGrid, i: number): number => grid.vmin + i * grid.h;

/** The width of node i's control volume: h/2 at an end of the domain, h elsewhere. */
export function widthOf(grid: NnlifGrid, i: number): number {
  return i === 0 || (grid.firing.kind === 'soft' && i === grid.nv - 1) ? grid.h / 2 : grid.h;
}

/** Soft threshold: the fraction of node i's control volume above VF (where neurons fire); 0 when hard. */
export function lossFraction(grid: NnlifGrid, i: number): number {
  if (grid.firing.kind === 'hard') return 0;
  const v = nodeOf(grid, i);
  const lo = Math.max(grid.vmin, v - grid.h / 2);
  const hi = Math.min(grid.vtop, v + grid.h / 2);
  return Math.min(1, Math.max(0, (hi - Math.max(lo, grid.VF)) / (hi - lo)));
}

/** One member's parameters (a batch varies them per member). */
export interface NnlifMember {
  b: number;
  a0: number;
  a1: number;
  VR: number;
  /** refractory time τ ≥ 0; 0 = none */
  tau: number;
}

/** The delta at VR on the nodes (hat functions): nodes j and j + 1 take the fractions 1 − θ and θ of the mass. */
export function reinjectionWeights(grid: NnlifGrid, VR: number): { cell: number; theta: number } {
  const x = (VR - grid.vmin) / grid.h; // VR in units of h from vmin
  if (x <= 0) return { cell: 0, theta: 0 };
  if (x >= grid.nv - 1) return { cell: grid.nv - 2, theta: 1 };
  const cell = Math.floor(x);
  return { cell, theta: x - cell };
}

/** The Gaussian (v0, sv) as node values: its mass per control volume over the width, total `mass`. */
export function nnlifInitialDensity(grid: NnlifGrid, v0: number, sv: number, mass = 1): Float64Array {
  const n = new Float64Array(grid.nv);
  const cdf = (v: number) => 0.5 * erf((v - v0) / (Math.SQRT2 * sv));
  let total = 0;
  for (let i = 0; i < grid.nv; i++) {
    const v = nodeOf(grid, i);
    const w = widthOf(grid, i);
    n[i] = Math.max(0, cdf(Math.min(grid.vtop, v + grid.h / 2)) - cdf(Math.max(grid.vmin, v - grid.h / 2))) / w;
    total += n[i] * w;
  }
  if (!(total > 0)) throw new Error('the initial Gaussian has no mass on the grid');
  for (let i = 0; i < grid.nv; i++) n[i] *= mass / total;
  return n;
}

/**
 * The operator of one step in conservation form, B = W·A (rows times the widths w_i): a tridiagonal
 * M-matrix given by positive numbers only, the column sums s_j and the off-diagonal magnitudes:
 *   B_{j,j+1} = −upper_j = −dt·k·B(P_{j+½}),   B_{j+1,j} = −lower_{j+1} = −dt·k·B(−P_{j+½}),   k = a/h,
 *   B_jj = s_j + upper_{j−1} + lower_{j+1},   s_j = w_j (+ dt·rate·f_j·w_j soft) (+ dt·γ for the last node, hard).
 */
export interface StepOperator {
  /** column sums s_j */
  sums: Float64Array;
  /** lower[j] = |B_{j,j−1}| (lower[0] = 0) */
  lower: Float64Array;
  /** upper[j] = |B_{j,j+1}| (upper[nv−1] = 0) */
  upper: Float64Array;
  /** hard threshold: N = gamma·n_{nv−1}; 0 when soft */
  gamma: number;
}

/**
 * The operator of the step for drift offset V = b·N_c and noise a = a(N_c). With `outflux: false` (the
 * hard threshold's step with the exact flux relation, populationStep) the last node's column sum leaves
 * out the outflux dt·γ; `gamma` is still the outflux factor at noise a.
 */
export function stepOperator(grid: NnlifGrid, V: number, a: number, dt: number, options: { outflux?: boolean } = {}): StepOperator {
  const { nv, h, vmin } = grid;
  const sums = new Float64Array(nv);
  const lower = new Float64Array(nv);
  const upper = new Float64Array(nv);
  const k = a / h; // F = k·(B(−P) n_i − B(P) n_{i+1})
  const faces = grid.firing.kind === 'hard' ? nv : nv - 1;
  let gamma = 0;
  for (let i = 0; i < nv; i++) sums[i] = widthOf(grid, i) * (1 + (grid.firing.kind === 'soft' ? dt * grid.firing.rate * lossFraction(grid, i) : 0));
  for (let i = 0; i < faces; i++) {
    const P = ((V - (vmin + (i + 0.5) * h)) * h) / a;
    const [bp, bm] = bernoulliPair(P); // B(P), B(−P)
    if (i + 1 < nv) {
      upper[i] = dt * k * bp;
      lower[i + 1] = dt * k * bm;
    } else {
      gamma = k * bm; // the last face of the hard threshold: out of the domain, n_nv = 0
      if (options.outflux !== false) sums[i] += dt * gamma;
    }
  }
  return { sums, lower, upper, gamma };
}

/** The factorization of B by Gaussian elimination with GTH pivots (positive terms only). */
export interface StepFactors {
  /** pivots d'_j */
  pivot: Float64Array;
  /** c_j = upper_j / d'_j */
  c: Float64Array;
}

/**
 * Gaussian elimination without a single subtraction (Grassmann–Taksar–Heyman): the trailing column sums
 * s'_j = s_j + upper_{j−1}·s'_{j−1}/d'_{j−1} stay positive and the pivots are d'_j = s'_j + lower_{j+1},
 * so every pivot, and every entry of the solution, is computed to a few rounding errors of its own size
 * (positivity holds in floating point too, and the mass Σ s_j x_j is kept to rounding).
 */
export function factorStep(op: StepOperator): StepFactors {
  const nv = op.sums.length;
  const pivot = new Float64Array(nv);
  const c = new Float64Array(nv);
  let sPrev = 0;
  let dPrev = 1;
  for (let j = 0; j < nv; j++) {
    const s = op.sums[j] + (j > 0 ? (op.upper[j - 1] * sPrev) / dPrev : 0);
    const d = s + (j + 1 < nv ? op.lower[j + 1] : 0);
    pivot[j] = d;
    c[j] = op.upper[j] / d;
    sPrev = s;
    dPrev = d;
  }
  return { pivot, c };
}

/** The forward substitution alone: y'_j = (r_j + lower_j·y'_{j−1}) / d'_j (y'_L is x_L of the full solve). */
export function forwardStep(op: StepOperator, f: StepFactors, r: Float64Array): Float64Array {
  const out = new Float64Array(r.length);
  let prev = 0;
  for (let j = 0; j < r.length; j++) {
    prev = (r[j] + op.lower[j] * prev) / f.pivot[j];
    out[j] = prev;
  }
  return out;
}

/** Solves B x = r (r in mass units: w_i times the density), every operation on positive numbers. */
export function solveStep(op: StepOperator, f: StepFactors, r: Float64Array): Float64Array {
  const nv = r.length;
  const x = new Float64Array(nv);
  let prev = 0;
  for (let j = 0; j < nv; j++) {
    prev = (r[j] + op.lower[j] * prev) / f.pivot[j];
    x[j] = prev; // y'_j = (r_j + lower_j·y'_{j−1}) / d'_j
  }
  for (let j = nv - 2; j >= 0; j--) x[j] += f.c[j] * x[j + 1];
  return x;
}

/** ℓ(n), the firing rate of a state: γ·n_L (hard) or rate·Σ f_i w_i n_i (soft). */
export function firingRateOf(grid: NnlifGrid, op: StepOperator, n: ArrayLike<number>): number {
  if (grid.firing.kind === 'hard') return op.gamma * n[grid.nv - 1];
  let s = 0;
  for (let i = 0; i < grid.nv; i++) {
    const f = lossFraction(grid, i);
    if (f > 0) s += f * widthOf(grid, i) * n[i];
  }
  return grid.firing.rate * s;
}

/** `norelation`: the flux relation N = a(N)·(−∂v n(VF)) has no positive solution (a blow-up). */
export type NnlifStatus = 'running' | 'blowup' | 'nonfinite' | 'norelation';

/** One population of a network: its grid (VF, vmin, firing), noise a0, reset VR and refractory time. */
export interface NnlifPopulation {
  grid: NnlifGrid;
  a0: number;
  VR: number;
  tau: number;
}

/** The couplings of K populations: drift −v + Σβ b[α][β]·N_β(t − d), noise a0_α + Σβ a1[α][β]·N_β(t − d). */
export interface NnlifCoupling {
  b: number[][];
  a1: number[][];
}

/** The delay ring holds D + 2 slots, so that the slot a step writes is never one a step of the same dispatch reads. */
export const delaySlotsOf = (delaySteps: number): number => delaySteps + 2;

/**
 * The flux relation of the hard threshold at the new time level. With B0 the step's operator without the
 * outflux and y', z' the forward substitutions of the right-hand sides (n^k and the reinjection, in mass
 * units), the outflux is N = γ(N)·x_L with γ(N) = a(N)·B(−P_F)/h, a(N) = aOther + aSelf·N, and
 * x_L = (Y + S Z)/(1 + c·γ), c = dt/d'_L, Y = y'_L, Z = z'_L, S the reinjection (N, or (R + dt N)/(τ + dt)).
 * Written with Y' = Y (+ R q Z), Z' = Z (·dt q), q = 1/(τ + dt), this is the quadratic
 *   A2 N² + A1 N − C = 0,  A2 = β(c − Z'),  A1 = 1 + cα − αZ' − βY',  C = αY',  α = g·aOther, β = g·aSelf,
 * g = B(−P_F)/h. C ≥ 0; the root taken is the smallest positive one, 2C/(A1 + √(A1² + 4 A2 C)) (the branch
 * that continues N = C/A1 of a1 = 0). It has none when the discriminant is negative or A1 + √… ≤ 0: then
 * the relation has no positive solution, the blow-up of Carrillo–Perthame–Salort–Smets (a1 > 0). Returns
 * null there.
 */
export function solveFluxRelation(Yp: number, Zp: number, c: number, alpha: number, beta: number): number | null {
  const A2 = beta * (c - Zp);
  const A1 = 1 + c * alpha - alpha * Zp - beta * Yp;
  const C = alpha * Yp;
  const disc = A1 * A1 + 4 * A2 * C;
  if (!(disc >= 0)) return null;
  const denom = A1 + Math.sqrt(disc);
  if (!(denom > 0)) return null;
  return (2 * C) / denom;
}

interface CandidateStep {
  /** the rate of the step; null: the flux relation has no positive solution */
  N: number | null;
  S: number;
  /** the new density */
  x: Float64Array | null;
}

/**
 * The candidate step of one population (nothing is committed): its N, S and new density. V and a are the
 * lagged coefficients of the interior; for the hard threshold the outflux face has a(N) = aOther + aSelf·N
 * at the new rate N (its own population's; the other populations' rates stay lagged), solved exactly.
 */
function populationStep(pop: NnlifPopulation, n: Float64Array, R: number, V: number, a: number, aOther: number, aSelf: number, dt: number): CandidateStep {
  const { grid, tau } = pop;
  const mass = new Float64Array(grid.nv);
  for (let i = 0; i < grid.nv; i++) mass[i] = widthOf(grid, i) * n[i];
  const e = new Float64Array(grid.nv);
  const { cell, theta } = reinjectionWeights(grid, pop.VR);
  e[cell] += (1 - theta) * dt;
  e[cell + 1] += theta * dt;
  const q = tau > 0 ? 1 / (tau + dt) : 0;
  if (grid.firing.kind === 'hard') {
    const op = stepOperator(grid, V, a, dt, { outflux: false });
    const factors = factorStep(op);
    const y = forwardStep(op, factors, mass);
    const z = forwardStep(op, factors, e);
    const L = grid.nv - 1;
    const g = op.gamma / a; // B(−P_F)/h
    const c = dt / factors.pivot[L];
    const Yp = tau > 0 ? y[L] + z[L] * R * q : y[L];
    const Zp = tau > 0 ? z[L] * dt * q : z[L];
    const N = solveFluxRelation(Yp, Zp, c, g * aOther, g * aSelf);
    if (N === null) return { N: null, S: 0, x: null };
    const S = tau > 0 ? (R + dt * N) * q : N;
    const gammaN = g * (aOther + aSelf * N);
    const x = new Float64Array(grid.nv);
    x[L] = (y[L] + S * z[L]) / (1 + c * gammaN);
    for (let j = L - 1; j >= 0; j--) x[j] = y[j] + S * z[j] + factors.c[j] * x[j + 1];
    return { N, S, x };
  }
  const op = stepOperator(grid, V, a, dt);
  const factors = factorStep(op);
  const y = solveStep(op, factors, mass);
  const z = solveStep(op, factors, e);
  const Y = firingRateOf(grid, op, y);
  const Z = firingRateOf(grid, op, z);
  const N = tau > 0 ? (Y + Z * R * q) / (1 - Z * dt * q) : Y / (1 - Z);
  const S = tau > 0 ? (R + dt * N) * q : N;
  const x = new Float64Array(grid.nv);
  for (let i = 0; i < grid.nv; i++) x[i] = y[i] + S * z[i];
  return { N, S, x };
}

/**
 * The f64 reference of one network of K populations: the same step as the GPU kernel, in double
 * precision. With the coefficients lagged the K solves of a step are independent; the network takes the
 * step only if every population's N is finite, ≥ 0 and ≤ Nmax, else it stops (all populations keep
 * their last good state).
 */
export class NnlifNetworkReference {
  n: Float64Array[];
  R: number[];
  /** N^k of each population (N^0 before the first step) */
  N: number[];
  step = 0;
  status: NnlifStatus = 'running';
  /** ring[α][slot]: N_α^j at slot j mod (D + 2) */
  private readonly ring: Float64Array[];

  constructor(
    readonly populations: NnlifPopulation[],
    readonly coupling: NnlifCoupling,
    readonly dt: number,
    readonly delaySteps: number,
    n0: Float64Array[],
    readonly Nmax = Infinity,
    /** the refractory masses at t = 0, and the rate the history up to t = 0 holds (default 0: silent before the start) */
    start: { R?: number[]; N?: number[] } = {},
  ) {
    this.n = n0.map((x) => Float64Array.from(x));
    this.R = start.R ? [...start.R] : populations.map(() => 0);
    this.N = start.N ? [...start.N] : populations.map(() => 0);
    this.ring = this.N.map((N) => new Float64Array(delaySlotsOf(delaySteps)).fill(N));
  }

  /** Σ w n_α + R_α of each population */
  masses(): number[] {
    return this.populations.map((p, k) => {
      let s = 0;
      for (let i = 0; i < p.grid.nv; i++) s += widthOf(p.grid, i) * this.n[k][i];
      return s + this.R[k];
    });
  }

  advance(): void {
    if (this.status !== 'running') return;
    const { dt, populations, coupling } = this;
    const slots = delaySlotsOf(this.delaySteps);
    const Nc = this.ring.map((r) => r[(this.step + slots - this.delaySteps) % slots]); // N^{k−D}, or N^0 before t = d
    const steps: CandidateStep[] = [];
    for (let alpha = 0; alpha < populations.length; alpha++) {
      const pop = populations[alpha];
      let V = 0;
      let aOther = pop.a0; // a0 + Σ_{β≠α} a1_αβ N_β: lagged also at the outflux face
      for (let beta = 0; beta < populations.length; beta++) {
        V += coupling.b[alpha][beta] * Nc[beta];
        if (beta !== alpha) aOther += coupling.a1[alpha][beta] * Nc[beta];
      }
      const aSelf = coupling.a1[alpha][alpha];
      const a = aOther + aSelf * Nc[alpha];
      if (!(a > 0) || !Number.isFinite(a) || !Number.isFinite(V)) {
        this.status = 'nonfinite';
        return;
      }
      const step = populationStep(pop, this.n[alpha], this.R[alpha], V, a, aOther, aSelf, dt);
      if (step.N === null) {
        this.status = 'norelation';
        return;
      }
      if (!Number.isFinite(step.N) || step.N < 0 || !Number.isFinite(step.S)) {
        this.status = 'nonfinite';
        return;
      }
      steps.push(step);
    }
    if (steps.some((s) => s.N! > this.Nmax)) {
      this.status = 'blowup';
      return;
    }
    this.step++;
    steps.forEach((s, alpha) => {
      const { x, S, N } = s as { x: Float64Array; S: number; N: number };
      const n = this.n[alpha];
      for (let i = 0; i < n.length; i++) n[i] = x[i];
      if (populations[alpha].tau > 0) this.R[alpha] = populations[alpha].tau * S;
      this.N[alpha] = N;
      this.ring[alpha][this.step % slots] = N;
    });
  }
}

/** One population alone (K = 1): the network reference with 1 × 1 couplings b and a1. */
export class NnlifReference {
  private readonly net: NnlifNetworkReference;

  constructor(
    readonly grid: NnlifGrid,
    readonly member: NnlifMember,
    readonly dt: number,
    readonly delaySteps: number,
    n0: Float64Array,
    readonly Nmax = Infinity,
    start: { R?: number; N?: number } = {},
  ) {
    this.net = new NnlifNetworkReference(
      [{ grid, a0: member.a0, VR: member.VR, tau: member.tau }],
      { b: [[member.b]], a1: [[member.a1]] },
      dt,
      delaySteps,
      [n0],
      Nmax,
      { ...(start.R !== undefined ? { R: [start.R] } : {}), ...(start.N !== undefined ? { N: [start.N] } : {}) },
    );
  }

  get n(): Float64Array {
    return this.net.n[0];
  }
  get R(): number {
    return this.net.R[0];
  }
  get N(): number {
    return this.net.N[0];
  }
  get step(): number {
    return this.net.step;
  }
  get status(): NnlifStatus {
    return this.net.status;
  }
  /** Σ w n + R */
  mass(): number {
    return this.net.masses()[0];
  }
  /** One step; a step whose N is not finite or exceeds Nmax is not taken, and the status says why. */
  advance(): void {
    this.net.advance();
  }
}
