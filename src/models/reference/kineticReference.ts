/**
 * CPU reference (TypeScript, f64) of exactly the discretization the GPU kernels implement — not a
 * different scheme. One function per kernel, so that each kernel can be compared with its twin on
 * small grids, and a whole-step driver for comparing runs. See docs/scheme.md for the derivation.
 *
 * One step of length dt (Strang splitting; F = firing + reinjection, T = v-transport, G = g-step):
 *   vc:            F(dt/2) T(dt/2) | G(dt) with N* from the state at this point | T(dt/2) F(dt/2)
 *   vc-threshold:  T(dt/2) | G(dt) with N* = outflow rate of the first half | T(dt/2)
 *                  (the outflow through VF is reinjected at VL after each transport half-step)
 *   vc-limit:      as vc, with G(dt) replaced by its ε → 0 limit, the projection of each v-column onto
 *                  its mass times the discrete equilibrium M(g; Geq(N*)) (conductanceProjection)
 */
import type { KinfireConfig, ModelKind, ModelParams } from '../config';
import {
  bernoulli,
  discreteConductanceEquilibrium,
  firingCellCoefficients,
  firingRateCells,
  gCenter,
  type Grid,
  gridOf,
  initialDensity,
  transportRowCoefficients,
} from '../discretization';

// ---------------------------------------------------------------------------------------------
// v-transport: conservative semi-Lagrangian remap along exact characteristics

/**
 * Monotonized-central limited slope of cell k, in units of (value per cell width). The limiter keeps
 * the linear reconstruction non-negative on the cell whenever the cell averages are; boundary cells
 * use a zero slope (first order there).
 */
export function limitedSlope(q: ArrayLike<number>, k: number, nv: number): number {
  if (k <= 0 || k >= nv - 1) return 0;
  const dl = q[k] - q[k - 1];
  const dr = q[k + 1] - q[k];
  if (dl * dr <= 0) return 0;
  const s = Math.min(2 * Math.abs(dl), 0.5 * Math.abs(dl + dr), 2 * Math.abs(dr));
  return dl > 0 ? s : -s;
}

/** ∫ of the reconstruction of cell k over the local offsets [a, b] ⊂ [0, 1] of the cell, in value·cells. */
function pieceIntegral(q: ArrayLike<number>, k: number, a: number, b: number, nv: number): number {
  // the limited reconstruction is non-negative; the clamp only removes rounding of a vanishing piece
  return Math.max(0, (b - a) * (q[k] + limitedSlope(q, k, nv) * (0.5 * (a + b) - 0.5)));
}

interface Foot {
  cell: number;
  frac: number;
}

/** Backward foot of face i as (cell, offset in the cell), clipped to the domain [0, nv]. */
export function faceFoot(i: number, c: number, gamma: number, nv: number): Foot {
  const d = (i + c) * gamma;
  const whole = Math.floor(d);
  const cell = i + whole;
  if (cell < 0) return { cell: 0, frac: 0 };
  if (cell >= nv) return { cell: nv, frac: 0 };
  return { cell, frac: d - whole };
}

/** ∫ of the reconstruction of q between two feet (index units), summing cell pieces in ascending order. */
function integrateBetween(q: ArrayLike<number>, lo: Foot, hi: Foot, nv: number): number {
  let sum = 0;
  for (let k = lo.cell; k <= hi.cell && k < nv; k++) {
    const a = k === lo.cell ? lo.frac : 0;
    const b = k === hi.cell ? hi.frac : 1;
    if (b > a) sum += pieceIntegral(q, k, a, b, nv);
  }
  return sum;
}

/**
 * One transport step of a row: new cell i receives the mass of its backward foot interval
 * [X(v_{i−½}), X(v_{i+½})]. Returns the new row and the outflow through the top face (the mass in
 * [X(vhi), vhi], non-zero only where the velocity at vhi points out: vc-threshold with g > gF).
 */
export function transportRow(q: ArrayLike<number>, c: number, gamma: number, nv: number): { out: Float64Array; outflow: number } {
  const out = new Float64Array(nv);
  for (let i = 0; i < nv; i++) {
    out[i] = integrateBetween(q, faceFoot(i, c, gamma, nv), faceFoot(i + 1, c, gamma, nv), nv);
  }
  const top = faceFoot(nv, c, gamma, nv);
  const outflow = integrateBetween(q, top, { cell: nv, frac: 0 }, nv);
  return { out, outflow };
}

// ---------------------------------------------------------------------------------------------
// g-step: backward Euler with Scharfetter–Gummel fluxes, solved by a subtraction-free elimination

export interface ConductanceFactor {
  /** forward multipliers w_j = ℓ_{j−1}/d_{j−1} (w_0 = 0) */
  forward: Float64Array;
  /** super-diagonal magnitudes u_j = κ B(−z_{j+½}) (u_{ng−1} = 0) */
  upper: Float64Array;
  /** 1/d_j, d_j the pivots */
  invPivot: Float64Array;
}

/**
 * Factor I + dt·L_G for the g-operator L_G p = (1/ε) ∂g[a ∂g p − (Geq − g) p] with no flux at 0, gmax.
 * Fluxes J_{j+½} = (a/εΔg)[B(z) p_j − B(−z) p_{j+1}], z = Δg (g_{j+½} − Geq)/a, vanish exactly on the
 * sampled Gaussian. The matrix is an M-matrix whose columns sum to 1 (mass conservation); the
 * Grassmann–Taksar–Heyman form of the elimination tracks the column excess s_j instead of subtracting,
 * so every pivot, multiplier and solution entry is a sum of positive terms: the solve is positive and
 * accurate however large κ = dt a/(ε Δg²) is (ε → 0, the asymptotic-preserving regime).
 */
export function conductanceFactor(grid: Grid, params: ModelParams, geq: number, dt: number): ConductanceFactor {
  const { ng, dg } = grid;
  const kappa = (dt * params.a) / (params.eps * dg * dg);
  const forward = new Float64Array(ng);
  const upper = new Float64Array(ng);
  const invPivot = new Float64Array(ng);
  let excess = 1;
  for (let j = 0; j < ng; j++) {
    const z = (dg * ((j + 1) * dg - geq)) / params.a;
    const lower = j < ng - 1 ? kappa * bernoulli(z) : 0;
    upper[j] = j < ng - 1 ? kappa * bernoulli(-z) : 0;
    const pivot = excess + lower;
    invPivot[j] = 1 / pivot;
    if (j + 1 < ng) forward[j + 1] = lower / pivot;
    excess = 1 + upper[j] * (excess / pivot);
  }
  return { forward, upper, invPivot };
}

/** The ε → 0 limit of the g-step: every v-column becomes its mass times M (Σ_j M_j Δg = 1), in place. */
export function conductanceProjection(p: Float64Array, grid: Grid, M: Float64Array): void {
  const { nv, ng, dg } = grid;
  for (let i = 0; i < nv; i++) {
    let mass = 0;
    for (let j = 0; j < ng; j++) mass += p[j * nv + i] * dg;
    for (let j = 0; j < ng; j++) p[j * nv + i] = mass * M[j];
  }
}

/** Solve (I + dt L_G) p_new = p for every v-column, in place. */
export function conductanceStep(p: Float64Array, grid: Grid, f: ConductanceFactor): void {
  const { nv, ng } = grid;
  for (let i = 0; i < nv; i++) {
    for (let j = 1; j < ng; j++) p[j * nv + i] += f.forward[j] * p[(j - 1) * nv + i];
    p[(ng - 1) * nv + i] *= f.invPivot[ng - 1];
    for (let j = ng - 2; j >= 0; j--) p[j * nv + i] = (p[j * nv + i] + f.upper[j] * p[(j + 1) * nv + i]) * f.invPivot[j];
  }
}

// ---------------------------------------------------------------------------------------------
// whole steps

export interface RowStats {
  /** N(t, g_j) of the state at the splitting midpoint (vc) or the first half's outflow rate (threshold) */
  nMid: Float64Array;
  /** outflow (value·cells) of the first transport half-step, per row (threshold only) */
  outflowA: Float64Array;
  /** N(t_{n+1}, g_j) */
  nEnd: Float64Array;
  /** ∫ p dv per row at t_{n+1}: the marginal m(g) */
  massEnd: Float64Array;
}

export interface StepDiagnostics {
  N: number;
  mass: number;
  nStar: number;
}

/** The precomputed coefficients of one run (they depend on params and dt only). */
export class KineticReference {
  readonly grid: Grid;
  readonly model: ModelKind;
  readonly params: ModelParams;
  readonly dt: number;
  readonly phi: Float64Array;
  readonly fire: { survival: Float64Array };
  readonly transport: { c: Float64Array; gamma: Float64Array };
  p: Float64Array;
  t = 0;
  readonly stats: RowStats;

  constructor(config: KinfireConfig, p0?: Float64Array) {
    this.grid = gridOf(config);
    this.model = config.model;
    this.params = config.params;
    this.dt = config.time.dt;
    this.phi = firingRateCells(config.model, config.params, this.grid);
    this.fire = firingCellCoefficients(this.phi, this.dt / 2);
    this.transport = transportRowCoefficients(config.params, this.grid, this.dt / 2);
    this.p = p0 ? Float64Array.from(p0) : initialDensity(config, this.grid);
    const ng = this.grid.ng;
    this.stats = { nMid: new Float64Array(ng), outflowA: new Float64Array(ng), nEnd: new Float64Array(ng), massEnd: new Float64Array(ng) };
  }

  private row(src: Float64Array, j: number): Float64Array {
    return src.subarray(j * this.grid.nv, (j + 1) * this.grid.nv);
  }

  /** F(τ) on a row in place: exact exponential loss, lost mass reinjected in the cell of VR. */
  fireRow(row: Float64Array): void {
    let lost = 0;
    for (let i = 0; i < row.length; i++) {
      const survived = row[i] * this.fire.survival[i];
      lost += row[i] - survived;
      row[i] = survived;
    }
    row[this.grid.reinjectCell] += lost;
  }

  /** First half of the step (the GPU kernel `rowStepFirstHalf`): src → dst, fills stats.nMid/outflowA. */
  firstHalf(src: Float64Array, dst: Float64Array): void {
    const { nv, ng, dv } = this.grid;
    for (let j = 0; j < ng; j++) {
      const q = Float64Array.from(this.row(src, j));
      if (this.model !== 'vc-threshold') this.fireRow(q);
      const { out, outflow } = transportRow(q, this.transport.c[j], this.transport.gamma[j], nv);
      if (this.model === 'vc-threshold') {
        out[0] += outflow;
        this.stats.outflowA[j] = outflow;
        this.stats.nMid[j] = (outflow * dv) / (this.dt / 2);
      } else {
        let n = 0;
        for (let i = 0; i < nv; i++) n += this.phi[i] * out[i];
        this.stats.nMid[j] = n * dv;
      }
      dst.set(out, j * nv);
    }
  }

  /** Second half (the GPU kernel `rowStepSecondHalf`): src → dst, fills stats.nEnd/massEnd. */
  secondHalf(src: Float64Array, dst: Float64Array): void {
    const { nv, ng, dv } = this.grid;
    for (let j = 0; j < ng; j++) {
      const { out, outflow } = transportRow(this.row(src, j), this.transport.c[j], this.transport.gamma[j], nv);
      if (this.model !== 'vc-threshold') {
        this.fireRow(out);
        let n = 0;
        for (let i = 0; i < nv; i++) n += this.phi[i] * out[i];
        this.stats.nEnd[j] = n * dv;
      } else {
        out[0] += outflow;
        this.stats.nEnd[j] = ((this.stats.outflowA[j] + outflow) * dv) / this.dt;
      }
      let m = 0;
      for (let i = 0; i < nv; i++) m += out[i];
      this.stats.massEnd[j] = m * dv;
      dst.set(out, j * nv);
    }
  }

  /** N* = Σ_j nMid_j Δg, the network activity that enters Geq in the g-step. */
  midpointActivity(): number {
    let s = 0;
    for (let j = 0; j < this.grid.ng; j++) s += this.stats.nMid[j];
    return s * this.grid.dg;
  }

  conductanceEquilibriumMean(nStar: number): number {
    return this.params.gin + this.params.b * nStar;
  }

  step(): StepDiagnostics {
    const tmp = new Float64Array(this.p.length);
    this.firstHalf(this.p, tmp);
    const nStar = this.midpointActivity();
    const geq = this.conductanceEquilibriumMean(nStar);
    if (this.model === 'vc-limit') conductanceProjection(tmp, this.grid, discreteConductanceEquilibrium(this.grid, geq, this.params.a));
    else conductanceStep(tmp, this.grid, conductanceFactor(this.grid, this.params, geq, this.dt));
    this.secondHalf(tmp, this.p);
    this.t += this.dt;
    let N = 0;
    let mass = 0;
    for (let j = 0; j < this.grid.ng; j++) {
      N += this.stats.nEnd[j];
      mass += this.stats.massEnd[j];
    }
    return { N: N * this.grid.dg, mass: mass * this.grid.dg, nStar };
  }

  /** N and mass of the current state (what the GPU `stateDiagnostics` kernel computes). */
  diagnostics(): { N: number; mass: number } {
    return stateDiagnostics(this.model, this.params, this.grid, this.phi, this.p);
  }
}

/**
 * N(t) and mass of a state. vc: N = ∫∫ φF p. vc-threshold: the instantaneous flux through VF,
 * Σ_j max(u(VF, g_j), 0) p_{nv−1, j} Δg (the upwind face value).
 */
export function stateDiagnostics(model: ModelKind, params: ModelParams, grid: Grid, phi: Float64Array, p: ArrayLike<number>): { N: number; mass: number } {
  const { nv, ng, dv, dg } = grid;
  let N = 0;
  let mass = 0;
  for (let j = 0; j < ng; j++) {
    for (let i = 0; i < nv; i++) {
      mass += p[j * nv + i];
      N += phi[i] * p[j * nv + i];
    }
  }
  N *= dv * dg;
  if (model === 'vc-threshold') {
    N = 0;
    for (let j = 0; j < ng; j++) {
      const u = params.gL * (params.VL - grid.vhi) + gCenter(grid, j) * (params.VE - grid.vhi);
      N += Math.max(u, 0) * p[j * nv + nv - 1];
    }
    N *= dg;
  }
  return { N, mass: mass * dv * dg };
}

/** The marginals of a state: n(v_i) = Σ_j p_ij Δg, m(g_j) = Σ_i p_ij Δv, N(t, g_j) = Σ_i φ̄_i p_ij Δv. */
export function marginals(grid: Grid, phi: Float64Array, p: ArrayLike<number>): { n: Float64Array; m: Float64Array; N: Float64Array } {
  const { nv, ng, dv, dg } = grid;
  const n = new Float64Array(nv);
  const m = new Float64Array(ng);
  const N = new Float64Array(ng);
  for (let j = 0; j < ng; j++) {
    for (let i = 0; i < nv; i++) {
      const x = p[j * nv + i];
      n[i] += x * dg;
      m[j] += x * dv;
      N[j] += phi[i] * x * dv;
    }
  }
  return { n, m, N };
}
