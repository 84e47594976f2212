/**
 * The spectrum of the discrete NNLIF operator of a linear network (one population, b = 0, a1 = 0): the
 * semi-discrete system of the scheme (fokkerPlanck.ts) before the time step,
 *
 *   W dn/dt = −G n + e_R·ℓ(n)        (τ = 0),
 *   W dn/dt = −G n + e_R·R/τ,  dR/dt = ℓ(n) − R/τ        (τ > 0),
 *
 * with W = diag(w_i) the control volumes, G the Scharfetter–Gummel flux operator (and the outflux at VF,
 * or the soft loss, on its diagonal), e_R the reinjection hat at VR and ℓ the firing rate (γ·n_L, or
 * rate·Σ f_i w_i n_i). The step of the scheme is exactly backward Euler on this generator L: with a1 = 0
 * and b = 0 the step A n^{k+1} = n^k + dt·S^{k+1}·e_R/w is (I − dt·L) x^{k+1} = x^k, x = (n, R). Hence
 * every eigenvalue λ of L gives the step's eigenvalue μ = 1/(1 − dt·λ), and a run relaxes to the steady
 * state like |μ₁|^k = exp(−k·ln|1 − dt·λ₁|), λ₁ the nonzero eigenvalue of largest real part (the
 * spectral gap −Re λ₁ as dt → 0). The dense eigenvalues come from ml-matrix (Hessenberg reduction and
 * the shifted QR of the real Schur form); L is not symmetric, and λ₁ can be a complex pair.
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { lossFraction, type NnlifGrid, reinjectionWeights, stepOperator, widthOf } from './fokkerPlanck';

export interface LinearNnlif {
  grid: NnlifGrid;
  /** the noise a = a0 (a1 = 0) */
  a: number;
  VR: number;
  /** refractory time τ ≥ 0 */
  tau: number;
}

/** The generator L of the semi-discrete linear network, dense, acting on (n_0 … n_{nv−1}[, R]). */
export function nnlifGenerator(p: LinearNnlif): Matrix {
  const { grid } = p;
  const nv = grid.nv;
  const size = p.tau > 0 ? nv + 1 : nv;
  // The step operator at dt = 1 is W + G: G = its off-diagonals and its column sums beyond w.
  const op = stepOperator(grid, 0, p.a, 1);
  const L = Matrix.zeros(size, size);
  for (let j = 0; j < nv; j++) {
    const w = widthOf(grid, j);
    const diagonal = op.sums[j]! - w + (j > 0 ? op.upper[j - 1]! : 0) + (j + 1 < nv ? op.lower[j + 1]! : 0);
    L.set(j, j, -diagonal / w);
    if (j + 1 < nv) L.set(j, j + 1, op.upper[j]! / w);
    if (j > 0) L.set(j, j - 1, op.lower[j]! / w);
  }
  // ℓ(n) as a row: the rate of firing
  const rate = new Float64Array(nv);
  if (grid.firing.kind === 'hard') rate[nv - 1] = op.gamma;
  else for (let i = 0; i < nv; i++) rate[i] = grid.firing.rate * lossFraction(grid, i) * widthOf(grid, i);
  const { cell, theta } = reinjectionWeights(grid, p.VR);
  const inject: [number, number][] = [
    [cell, (1 - theta) / widthOf(grid, cell)],
    [cell + 1, theta / widthOf(grid, cell + 1)],
  ];
  if (p.tau > 0) {
    for (const [i, e] of inject) L.set(i, nv, L.get(i, nv) + e / p.tau);
    for (let j = 0; j < nv; j++) L.set(nv, j, rate[j]!);
    L.set(nv, nv, -1 / p.tau);
  } else {
    for (const [i, e] of inject) for (let j = 0; j < nv; j++) if (rate[j] !== 0) L.set(i, j, L.get(i, j) + e * rate[j]!);
  }
  return L;
}

export interface Eigenvalue {
  re: number;
  im: number;
}

/** The eigenvalues of L, by decreasing real part (λ₀ ≈ 0 first: the steady state). */
export function nnlifSpectrum(p: LinearNnlif): Eigenvalue[] {
  const e = new EigenvalueDecomposition(nnlifGenerator(p), { assumeSymmetric: false });
  const out = e.realEigenvalues.map((re, k) => ({ re, im: e.imaginaryEigenvalues[k]! }));
  return out.sort((x, y) => y.re - x.re || y.im - x.im);
}

export interface SpectralGap {
  /** λ₀, the eigenvalue of the steady state (0 up to rounding) */
  lambda0: Eigenvalue;
  /** λ₁, the nonzero eigenvalue of largest real part; −Re λ₁ is the spectral gap */
  lambda1: Eigenvalue;
  /** the relaxation rate of the backward Euler step of size dt: ln|1 − dt·λ₁| / dt (→ −Re λ₁ as dt → 0) */
  stepRate: (dt: number) => number;
}

export function nnlifSpectralGap(p: LinearNnlif): SpectralGap {
  const spectrum = nnlifSpectrum(p);
  const lambda0 = spectrum[0]!;
  const lambda1 = spectrum[1]!;
  return {
    lambda0,
    lambda1,
    stepRate: (dt) => Math.log(Math.hypot(1 - dt * lambda1.re, dt * lambda1.im)) / dt,
  };
}
