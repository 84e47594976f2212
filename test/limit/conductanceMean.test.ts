import { describe, expect, it } from 'vitest';
import { makeGrid } from '../../src/models/discretization';
import { resolveConfig } from '../../src/models/config';
import { discreteConductanceMean, truncatedGaussianMean } from '../../src/models/limit/conductanceMean';

/** ∫ g w / ∫ w over [lo, hi] by composite Simpson on 2·10^5 panels, w the Gaussian scaled to peak 1 on the interval. */
function quadratureMean(mu: number, a: number, lo: number, hi: number): number {
  const n = 200_000;
  const h = (hi - lo) / n;
  const peak = Math.min(Math.max(mu, lo), hi);
  const w = (g: number) => Math.exp(-((g - mu) ** 2 - (peak - mu) ** 2) / (2 * a));
  let num = 0;
  let den = 0;
  for (let k = 0; k <= n; k++) {
    const g = lo + k * h;
    const c = k === 0 || k === n ? 1 : k % 2 ? 4 : 2;
    num += c * g * w(g);
    den += c * w(g);
  }
  return num / den;
}

describe('mean of the truncated Gaussian equilibrium', () => {
  it.each([
    [0.8, 0.3],
    [3, 0.3],
    [0, 1],
    [-0.5, 0.3],
    [-3, 0.3],
    [-12, 0.05],
    [10.8, 0.3],
  ])('closed form on [0, ∞) matches quadrature for Geq = %d, a = %d', (mu, a) => {
    const hi = Math.max(mu, 0) + 40 * Math.sqrt(a);
    const exact = truncatedGaussianMean(mu, a);
    expect(Math.abs(exact / quadratureMean(mu, a, 0, hi) - 1)).toBeLessThan(1e-9);
    expect(exact).toBeGreaterThan(0);
    expect(exact).toBeGreaterThanOrEqual(mu);
  });

  it.each([
    [0.8, 0.3, 3],
    [5, 0.3, 4],
    [-2, 0.3, 2],
    [2, 2, 1],
  ])('closed form on [0, gmax] matches quadrature for Geq = %d, a = %d, gmax = %d', (mu, a, gmax) => {
    expect(Math.abs(truncatedGaussianMean(mu, a, 0, gmax) / quadratureMean(mu, a, 0, gmax) - 1)).toBeLessThan(1e-9);
  });

  it('far in the lower tail, ḡ approaches a/|Geq| (the exponential tail) without underflow', () => {
    const mu = -60;
    const a = 0.3;
    expect(truncatedGaussianMean(mu, a) * Math.abs(mu) / a).toBeCloseTo(1, 2);
  });

  it('the discrete-equilibrium mean converges to the closed form on [0, gmax] at second order in Δg', () => {
    const config = resolveConfig({});
    const gmax = 6;
    const errs = [32, 64, 128, 256].map((ng) => {
      const grid = makeGrid('vc', config.params, 64, ng, gmax);
      return Math.abs(discreteConductanceMean(grid, 1.3, 0.3) - truncatedGaussianMean(1.3, 0.3, 0, gmax));
    });
    const orders = errs.slice(1).map((e, k) => Math.log2(errs[k] / e));
    for (const o of orders) expect(o).toBeGreaterThan(1.9);
  });
});
