/**
 * The mean conductance of the local equilibrium in g, ḡ = ∫ g P dg. As ε → 0 the density becomes
 * p = n(v) P(g), with P the Gaussian of mean Geq = gin + b·N and variance a, truncated to g ≥ 0
 * (and to g ≤ gmax on a grid). ḡ enters the limit velocity Ψ(v) = gL(VL − v) + ḡ(VE − v).
 *
 * Two forms:
 *  - `truncatedGaussianMean`: the closed form μ + σ(φ(α) − φ(β))/(Φ(β) − Φ(α)), evaluated without
 *    cancellation in either tail (erfcx, and reflection for a mean far below 0);
 *  - `discreteConductanceMean`: Σ g_j M_j / Σ M_j over the discrete equilibrium that the kinetic
 *    scheme's g-step keeps exactly on a given g-grid (the sampled Gaussian). It converges to the closed
 *    form on [0, gmax] at second order in Δg (midpoint rule).
 */
import erf from '@stdlib/math-base-special-erf';
import erfcx from '@stdlib/math-base-special-erfcx';
import { discreteConductanceEquilibrium, gCenter, type Grid } from '../discretization';

const SQRT_HALF_PI = Math.sqrt(Math.PI / 2);

/** Mean of N(mu, a) truncated to [lo, hi] (hi may be Infinity); lo < hi. */
export function truncatedGaussianMean(mu: number, a: number, lo = 0, hi = Infinity): number {
  const sigma = Math.sqrt(a);
  const alpha = (lo - mu) / sigma;
  const beta = (hi - mu) / sigma;
  if (beta <= 0) {
    // Mostly in the lower tail of the untruncated law: reflect so the interval lies in the upper tail.
    return -truncatedGaussianMean(-mu, a, -hi, -lo);
  }
  if (alpha >= 0) {
    // Upper tail: with Q(x) = ½ e^{−x²/2} erfcx(x/√2) and φ(x) = e^{−x²/2}/√(2π), the ratio
    // (φ(α) − φ(β)) / (Q(α) − Q(β)) has the common factor e^{−α²/2} removed, so nothing underflows.
    const decay = Number.isFinite(beta) ? Math.exp(-(beta * beta - alpha * alpha) / 2) : 0;
    const upperTerm = Number.isFinite(beta) ? decay * erfcx(beta / Math.SQRT2) : 0;
    const ratio = (1 - decay) / (SQRT_HALF_PI * (erfcx(alpha / Math.SQRT2) - upperTerm));
    return mu + sigma * ratio;
  }
  // The interval holds the mode: plain erf differences are accurate.
  const phi = (x: number) => (Number.isFinite(x) ? Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI) : 0);
  const cdf = (x: number) => (Number.isFinite(x) ? 0.5 * (1 + erf(x / Math.SQRT2)) : x > 0 ? 1 : 0);
  return mu + (sigma * (phi(alpha) - phi(beta))) / (cdf(beta) - cdf(alpha));
}

/** ḡ over the discrete equilibrium of the kinetic g-step on this grid. */
export function discreteConductanceMean(grid: Grid, geq: number, a: number): number {
  const M = discreteConductanceEquilibrium(grid, geq, a);
  let mean = 0;
  for (let j = 0; j < grid.ng; j++) mean += gCenter(grid, j) * M[j] * grid.dg;
  return mean;
}
