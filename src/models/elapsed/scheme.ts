/**
 * The discretization of the elapsed-time model and its f64 twin (the GPU kernel elapsedStep.wgsl does the
 * same in f32). The age cell is the time step, Δs = dt, so the transport ∂t n + ∂s n = 0 is an exact shift by
 * one cell per step; on the ring `cells` (mass per cell, logical cell i at ring index (head + i) mod ns) the
 * shift is head ← head − 1, not a copy. One step, with X held over the step:
 *   1. X = X0 + β·N (instant: X0 = 0, β = b; delay: X0 = b·N^{k+1−D}, β = 0; exponential: X0 = b·a·Y^k,
 *      β = b(1 − a), a = e^{−dt/τ}, the exact filter of a rate constant over the step);
 *   2. each cell loses the fraction f_i(s*(X)) that fires (hazard.ts: an exact exponential loss, or the exact
 *      crossing for φ0 = ∞); N = Σ m_i f_i / dt. With β ≠ 0 this is the boundary relation N = G(N), solved
 *      by solveBoundaryRelation (smallest root, non-uniqueness flagged);
 *   3. the last cell (every age ≥ (ns − 1)·dt) is merged into the one below, head moves down one, and the
 *      fired mass N·dt is born into the freed cell, the new cell 0 (ages [0, dt)).
 * Mass is conserved to rounding (what fires is reborn), and the cells stay ≥ 0 (0 ≤ f_i ≤ 1).
 */
import erf from '@stdlib/math-base-special-erf';
import type { ElapsedInitial, ElapsedKernel, ElapsedModel, ElapsedRunConfig } from './config';
import { firedFraction, fullLoss, thresholdAge } from './hazard';

/** Points of the geometric scan of the boundary relation: N = Nhi·2^{j−J}, j = 1 … J (and N = 0). */
export const BOUNDARY_SCAN_POINTS = 24;
/** Iterations of the Illinois method at most. */
export const BOUNDARY_MAX_ITERATIONS = 60;

export interface BoundarySolution {
  /** the smallest root of N = G(N) in [0, Nhi] */
  N: number;
  /** another root lies above it: h = G − N was positive again at a scan point beyond the first root */
  nonunique: boolean;
  /** evaluations of G */
  evaluations: number;
}

/**
 * The boundary relation N = G(N) with G(N) ∈ [0, Nhi] (Nhi = mass/dt: no more than all the mass can fire in a
 * step), continuous. h = G − N has h(0) ≥ 0 ≥ h(Nhi), so [0, Nhi] brackets a root. β ≤ 0 (or k = 0): G is
 * non-increasing, the root is unique, the bracket is [0, Nhi]. β > 0: G is non-decreasing and may cross the
 * diagonal several times; a geometric scan N = Nhi·2^{j−J} finds the first sign change (the smallest root:
 * the one the minimal fixed-point iteration from N = 0 reaches, and the continuation of the quiescent side),
 * and any later point with h > 0 flags a further root. The bracket is then closed by the Illinois variant of
 * regula falsi (a midpoint where the secant leaves the bracket) until hi − lo ≤ tol·hi.
 */
export function solveBoundaryRelation(G: (N: number) => number, beta: number, Nhi: number, tol: number): BoundarySolution {
  let evaluations = 1;
  const h0 = G(0);
  if (beta === 0) return { N: h0, nonunique: false, evaluations };
  const h = (N: number) => {
    evaluations++;
    return G(N) - N;
  };
  let lo = 0;
  let hlo = h0;
  let hi = Nhi;
  let hhi = -Infinity;
  let found = h0 <= 0;
  let nonunique = false;
  if (found) {
    hi = 0;
    hhi = h0;
  }
  if (beta > 0) {
    for (let j = 1; j <= BOUNDARY_SCAN_POINTS; j++) {
      const g = Nhi * 2 ** (j - BOUNDARY_SCAN_POINTS);
      const hg = h(g);
      if (!found) {
        if (hg <= 0) {
          hi = g;
          hhi = hg;
          found = true;
        } else {
          lo = g;
          hlo = hg;
        }
      } else if (hg > 0) nonunique = true;
    }
  } else if (!found) hhi = h(hi);
  if (hi === 0) return { N: 0, nonunique, evaluations };
  if (hhi === 0) return { N: hi, nonunique, evaluations };
  let side = 0;
  for (let it = 0; it < BOUNDARY_MAX_ITERATIONS && hi - lo > tol * hi; it++) {
    let x = hi - (hhi * (hi - lo)) / (hhi - hlo);
    if (!(x > lo && x < hi)) x = 0.5 * (lo + hi);
    const hx = h(x);
    if (hx > 0) {
      lo = x;
      hlo = hx;
      if (side === 1) hhi *= 0.5;
      side = 1;
    } else {
      hi = x;
      hhi = hx;
      if (hx === 0) lo = x;
      if (side === -1) hlo *= 0.5;
      side = -1;
    }
  }
  return { N: 0.5 * (lo + hi), nonunique, evaluations };
}

/** The mass of each age cell of the initial data (mass 1; the last cell takes every age beyond). */
export function elapsedInitialCells(initial: ElapsedInitial, ns: number, dt: number): Float64Array {
  const m = new Float64Array(ns);
  if (initial.kind === 'age') m[Math.min(ns - 1, Math.floor(initial.s / dt + 1e-9))] = 1;
  else if (initial.kind === 'uniform') {
    for (let i = 0; i < ns; i++) m[i] = Math.max(0, Math.min((i + 1) * dt, initial.s1) - i * dt) / initial.s1;
  } else {
    const Phi = (s: number) => 0.5 * (1 + erf((s - initial.mean) / (Math.SQRT2 * initial.sd)));
    for (let i = 0; i < ns; i++) m[i] = (i === ns - 1 ? 1 : Phi((i + 1) * dt)) - Phi(i * dt);
  }
  let total = 0;
  for (let i = 0; i < ns; i++) total += m[i]!;
  for (let i = 0; i < ns; i++) m[i]! /= total;
  return m;
}

/** The coupling of a step: X = X0 + β·N from the kernel and the past. */
export interface ElapsedCoupling {
  X0: number;
  beta: number;
}

/** a = e^{−dt/τ} of the exponential kernel (0 for the others) */
export function kernelDecay(kernel: ElapsedKernel, dt: number): number {
  return kernel.kind === 'exponential' ? Math.exp(-dt / kernel.tau) : 0;
}

/** The f64 twin of elapsedStep.wgsl: one step per advance(). */
export class ElapsedReference {
  /** mass per age cell, a ring: logical cell i at (head + i) mod ns */
  readonly ring: Float64Array;
  head = 0;
  N = 0;
  /** the exponential kernel's filtered rate Y = ∫ α(u) N(t − u) du */
  Y = 0;
  X = 0;
  taken = 0;
  /** steps whose boundary relation had more than one root */
  nonuniqueSteps = 0;
  lastNonunique = false;
  private readonly past: Float64Array;
  private decay: number;

  constructor(
    public model: ElapsedModel,
    public kernel: ElapsedKernel,
    readonly dt: number,
    readonly delaySteps: number,
    initial: Float64Array,
    /** relative tolerance of the boundary relation's bracket */
    readonly tol = 1e-13,
  ) {
    this.ring = Float64Array.from(initial);
    this.past = new Float64Array(Math.max(1, delaySteps)); // N^j at slot j mod D; silent (0) before t = 0
    this.decay = kernelDecay(kernel, dt);
  }

  static of(config: ElapsedRunConfig, tol?: number): ElapsedReference {
    return new ElapsedReference(config.elapsed, config.kernel, config.time.dt, config.time.delaySteps, elapsedInitialCells(config.initial, config.grid.ns, config.time.dt), tol);
  }

  get ns(): number {
    return this.ring.length;
  }

  /**
   * Go on from the current state with another model and kernel (as ElapsedSolver.setParameters): the cells,
   * N, Y and the delay ring are kept; the kernel keeps its kind (and a delay its length in steps).
   */
  setParameters(model: ElapsedModel, kernel: ElapsedKernel): void {
    if (kernel.kind !== this.kernel.kind) throw new Error(`elapsed twin: the kernel keeps its kind (${this.kernel.kind}, got ${kernel.kind})`);
    if (kernel.kind === 'delay' && Math.round(kernel.d / this.dt) !== this.delaySteps) throw new Error('elapsed twin: the delay keeps its length in steps');
    this.model = model;
    this.kernel = kernel;
    this.decay = kernelDecay(kernel, this.dt);
  }

  /** the mass of logical cell i (ages [i·dt, (i+1)·dt)) */
  cell(i: number): number {
    return this.ring[(this.head + i) % this.ns]!;
  }

  /** the cells in age order */
  get cells(): Float64Array {
    return Float64Array.from({ length: this.ns }, (_, i) => this.cell(i));
  }

  get mass(): number {
    let total = 0;
    for (let i = 0; i < this.ns; i++) total += this.ring[i]!;
    return total;
  }

  coupling(): ElapsedCoupling {
    const b = this.model.b;
    if (this.kernel.kind === 'delay') return { X0: b * this.past[(this.taken + 1) % this.delaySteps]!, beta: 0 };
    if (this.kernel.kind === 'exponential') return { X0: b * this.decay * this.Y, beta: b * (1 - this.decay) };
    return { X0: 0, beta: b };
  }

  /**
   * The fired mass G(c) = Σ m_i f_i(c) / dt at threshold age c. Threshold firing: the cells below c − 2dt fire
   * nothing and those from c on the full fraction L, so with the suffix sums S_j = Σ_{i ≥ j} m_i (`suffix`,
   * made once per step) G(c) = (L·S_{j+1} + Σ_{i = j−3}^{j} m_i f_i(c)) / dt, j = ⌊c/dt⌋: O(1) per evaluation,
   * as in the kernel. Sigmoid firing: every cell, in age order.
   */
  firedRate(c: number, suffix?: Float64Array): number {
    const { model, dt, ns } = this;
    if (model.firing === 'threshold' && suffix) {
      if (!Number.isFinite(c)) return 0;
      const j = Math.max(0, Math.min(ns, Math.floor(c / dt)));
      let total = fullLoss(model, dt) * suffix[Math.min(j + 1, ns)]!;
      for (let i = Math.max(j - 3, 0); i <= Math.min(j, ns - 1); i++) total += this.cell(i) * firedFraction(model, i, dt, c);
      return total / dt;
    }
    let total = 0;
    for (let i = 0; i < ns; i++) total += this.cell(i) * firedFraction(model, i, dt, c);
    return total / dt;
  }

  /** S_i = Σ_{k ≥ i} m_k, i = 0 … ns (S_ns = 0), summed from the oldest cell down */
  suffixSums(): Float64Array {
    const S = new Float64Array(this.ns + 1);
    for (let i = this.ns - 1; i >= 0; i--) S[i] = S[i + 1]! + this.cell(i);
    return S;
  }

  advance(): void {
    const { X0, beta } = this.coupling();
    const { ns, dt, model } = this;
    const suffix = this.suffixSums();
    const solution = solveBoundaryRelation((N) => this.firedRate(thresholdAge(model, X0 + beta * N), suffix), beta, suffix[0]! / dt, this.tol);
    const X = X0 + beta * solution.N;
    const c = thresholdAge(model, X);
    let fired = 0;
    for (let i = 0; i < ns; i++) {
      const at = (this.head + i) % ns;
      const loss = this.ring[at]! * firedFraction(model, i, dt, c);
      this.ring[at]! -= loss;
      fired += loss;
    }
    const last = (this.head + ns - 1) % ns;
    this.ring[(this.head + ns - 2) % ns]! += this.ring[last]!;
    this.ring[last] = fired;
    this.head = last;
    this.N = fired / dt;
    this.X = X;
    if (this.kernel.kind === 'exponential') this.Y = this.decay * this.Y + (1 - this.decay) * this.N;
    this.taken++;
    if (this.kernel.kind === 'delay') this.past[this.taken % this.delaySteps] = this.N;
    this.lastNonunique = solution.nonunique;
    if (solution.nonunique) this.nonuniqueSteps++;
  }
}
