/**
 * The finite-volume discretization shared by the GPU solver and the CPU reference: the grid, the
 * cell-averaged firing rate, the initial cell averages and the per-row / per-cell coefficients of the
 * split steps. Everything here is computed once in f64 on the host (it depends on the parameters and
 * dt, not on the state), and uploaded to the GPU as f32.
 *
 * Layout: p is stored row-major with shape (ng, nv): p[j*nv + i] is the cell average over
 * [v_{i-1/2}, v_{i+1/2}] × [g_{j-1/2}, g_{j+1/2}], v fastest. Cell centres v_i = vlo + (i+½)Δv,
 * g_j = (j+½)Δg. Mass is Σ p Δv Δg.
 */
import erf from '@stdlib/math-base-special-erf';
import erfc from '@stdlib/math-base-special-erfc';
import { type FiringRateParams, type KinfireConfig, type ModelKind, type ModelParams, voltageTop } from './config';

export interface Grid {
  nv: number;
  ng: number;
  /** lower end of the v axis (VL) */
  vlo: number;
  /** upper end of the v axis (VE for vc, VF for vc-threshold) */
  vhi: number;
  dv: number;
  gmax: number;
  dg: number;
  /** the cell that receives the reinjected neurons: the one holding VR (cell 0 when VR = VL) */
  reinjectCell: number;
}

export function makeGrid(model: ModelKind, params: ModelParams, nv: number, ng: number, gmax: number): Grid {
  const vlo = params.VL;
  const vhi = voltageTop(model, params);
  const dv = (vhi - vlo) / nv;
  const reinjectCell = Math.min(nv - 1, Math.max(0, Math.floor((params.VR - vlo) / dv)));
  return { nv, ng, vlo, vhi, dv, gmax, dg: gmax / ng, reinjectCell };
}

export const gridOf = (c: KinfireConfig): Grid => makeGrid(c.model, c.params, c.grid.nv, c.grid.ng, c.grid.gmax);

/** Whether two grids have the same cells and extent, so that a density on one is a density on the other. */
export function sameGridCells(a: Grid, b: Grid): boolean {
  return a.nv === b.nv && a.ng === b.ng && a.vlo === b.vlo && a.vhi === b.vhi && a.gmax === b.gmax;
}

export const vCenter = (grid: Grid, i: number) => grid.vlo + (i + 0.5) * grid.dv;
export const gCenter = (grid: Grid, j: number) => (j + 0.5) * grid.dg;

/** log(1 + e^x) without overflow */
function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/** The firing rate φF(v) at a point. */
export function firingRate(phi: FiringRateParams, VF: number, v: number): number {
  switch (phi.kind) {
    case 'constant':
      return phi.rate;
    case 'step':
      return v > VF ? phi.rate : 0;
    case 'sigmoid':
      return phi.rate / (1 + Math.exp(-(v - VF) / phi.width));
  }
}

/**
 * Cell averages of φF over [a, b], in closed form: exact for the step (the cell holding VF fires with
 * the fraction of it above VF), softplus primitive for the sigmoid.
 */
export function firingRateCellAverage(phi: FiringRateParams, VF: number, a: number, b: number): number {
  switch (phi.kind) {
    case 'constant':
      return phi.rate;
    case 'step':
      return (phi.rate * Math.max(0, b - Math.max(a, VF))) / (b - a);
    case 'sigmoid': {
      const w = phi.width;
      return (phi.rate * w * (softplus((b - VF) / w) - softplus((a - VF) / w))) / (b - a);
    }
  }
}

/** φ̄_i for every v-cell; zero for vc-threshold, where firing is the outflow through VF. */
export function firingRateCells(model: ModelKind, params: ModelParams, grid: Grid): Float64Array {
  const phi = new Float64Array(grid.nv);
  if (model === 'vc-threshold') return phi;
  for (let i = 0; i < grid.nv; i++) {
    const a = grid.vlo + i * grid.dv;
    phi[i] = firingRateCellAverage(params.phiF, params.VF, a, a + grid.dv);
  }
  return phi;
}

/** ∫_a^b of the normal density N(μ, σ²), accurate in both tails. */
export function normalInterval(mu: number, sigma: number, a: number, b: number): number {
  const s = Math.SQRT2 * sigma;
  const za = (a - mu) / s;
  const zb = (b - mu) / s;
  if (za >= 0) return 0.5 * (erfc(za) - erfc(zb));
  if (zb <= 0) return 0.5 * (erfc(-zb) - erfc(-za));
  return 0.5 * (erf(zb) - erf(za));
}

/**
 * Initial cell averages of the product Gaussian exp(−(v−v0)²/2sv² − (g−g0)²/2sg²), integrated exactly
 * over each cell and normalised so that Σ p Δv Δg = 1. With initial.prepared (always for vc-limit) the
 * g-profile is the discrete equilibrium at the initial activity instead.
 */
export function initialDensity(c: KinfireConfig, grid: Grid = gridOf(c)): Float64Array {
  const { v0, sv, g0, sg } = c.initial;
  const wv = new Float64Array(grid.nv);
  const wg = new Float64Array(grid.ng);
  let sumV = 0;
  let sumG = 0;
  for (let i = 0; i < grid.nv; i++) {
    const a = grid.vlo + i * grid.dv;
    wv[i] = normalInterval(v0, sv, a, a + grid.dv);
    sumV += wv[i];
  }
  for (let j = 0; j < grid.ng; j++) {
    wg[j] = normalInterval(g0, sg, j * grid.dg, (j + 1) * grid.dg);
    sumG += wg[j];
  }
  if (!(sumV > 0) || !(sumG > 0)) {
    throw new Error('initial data has no mass on the grid: check initial.{v0,sv,g0,sg} against the domain');
  }
  const n = Float64Array.from(wv, (w) => w / sumV / grid.dv);
  let g: Float64Array = Float64Array.from(wg, (w) => w / sumG / grid.dg);
  if (c.initial.prepared || c.model === 'vc-limit') {
    // Well-prepared data: the g-profile is the local equilibrium at the initial activity N0 = ∫ φF n0.
    const phi = firingRateCells(c.model, c.params, grid);
    let N0 = 0;
    for (let i = 0; i < grid.nv; i++) N0 += phi[i] * n[i] * grid.dv;
    g = discreteConductanceEquilibrium(grid, c.params.gin + c.params.b * N0, c.params.a);
  }
  const p = new Float64Array(grid.nv * grid.ng);
  for (let j = 0; j < grid.ng; j++) {
    for (let i = 0; i < grid.nv; i++) p[j * grid.nv + i] = n[i] * g[j];
  }
  return p;
}

/** n(v_i) = Σ_j p_ij Δg, the voltage marginal (f64). */
export function voltageMarginalOf(grid: Grid, p: ArrayLike<number>): Float64Array {
  const n = new Float64Array(grid.nv);
  for (let j = 0; j < grid.ng; j++) for (let i = 0; i < grid.nv; i++) n[i] += p[j * grid.nv + i] * grid.dg;
  return n;
}

/**
 * Exact backward characteristics of the v-transport over a time τ at fixed g. The velocity
 * u(v,g) = gL(VL − v) + g(VE − v) = G (V* − v), G = gL + g, V* = (gL VL + g VE)/G, so the foot of the
 * characteristic that arrives at x is X(x) = V* + (x − V*) e^{Gτ}. In index units of face i,
 * x_i = vlo + iΔv:  ξ_i = i + (i + c_j) γ_j  with  c_j = (vlo − V*_j)/Δv and γ_j = expm1(G_j τ).
 * Keeping the displacement (i + c_j)γ_j separate from the integer i keeps the fractional position
 * exact to f32 rounding of a small number, however large the grid.
 */
export function transportRowCoefficients(params: ModelParams, grid: Grid, tau: number): { c: Float64Array; gamma: Float64Array } {
  const c = new Float64Array(grid.ng);
  const gamma = new Float64Array(grid.ng);
  for (let j = 0; j < grid.ng; j++) {
    const g = gCenter(grid, j);
    const G = params.gL + g;
    const vStar = (params.gL * params.VL + g * params.VE) / G;
    c[j] = (grid.vlo - vStar) / grid.dv;
    gamma[j] = Math.expm1(G * tau);
  }
  return { c, gamma };
}

/** Exact exponential loss over τ: the survival factor e^{−φ̄τ}; a cell loses p − p e^{−φ̄τ}. */
export function firingCellCoefficients(phi: Float64Array, tau: number): { survival: Float64Array } {
  const survival = new Float64Array(phi.length);
  for (let i = 0; i < phi.length; i++) survival[i] = Math.exp(-phi[i] * tau);
  return { survival };
}

/**
 * Bernoulli function B(z) = z / (e^z − 1), the Scharfetter–Gummel / Chang–Cooper weight. B(z) > 0 and
 * B(−z) = B(z) + z, so a flux B(z) p_j − B(−z) p_{j+1} vanishes exactly on p_{j+1}/p_j = e^{−z}.
 */
export function bernoulli(z: number): number {
  if (Math.abs(z) < 1e-8) return 1 - z / 2;
  return z / Math.expm1(z);
}

/** The discrete equilibrium in g kept exactly by the g-step: the sampled Gaussian, normalised, Σ M Δg = 1. */
export function discreteConductanceEquilibrium(grid: Grid, geq: number, a: number): Float64Array {
  const m = new Float64Array(grid.ng);
  let peak = Infinity;
  for (let j = 0; j < grid.ng; j++) peak = Math.min(peak, (gCenter(grid, j) - geq) ** 2);
  let sum = 0;
  for (let j = 0; j < grid.ng; j++) {
    m[j] = Math.exp(-((gCenter(grid, j) - geq) ** 2 - peak) / (2 * a));
    sum += m[j];
  }
  for (let j = 0; j < grid.ng; j++) m[j] /= sum * grid.dg;
  return m;
}
