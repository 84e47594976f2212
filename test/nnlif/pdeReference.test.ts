/**
 * The f64 reference of the NNLIF PDE scheme (src/models/nnlif/fokkerPlanck.ts) against mathematics:
 * mass conservation, positivity, the exact steady rate and profile, first order in time.
 */
import { describe, expect, it } from 'vitest';
import { bernoulli, bernoulliPair, NnlifReference, nnlifGrid, nnlifInitialDensity, nodeOf, widthOf } from '../../src/models/nnlif/fokkerPlanck';
import { nnlifSteadyDensityAt, nnlifSteadyRates } from '../../src/models/nnlif/steadyRate';

describe('NNLIF PDE, f64 reference', () => {
  it('B(x) = x/(e^x − 1): the series branch meets expm1, and no overflow at |x| = 1e4', () => {
    for (const x of [0.0999, -0.0999, 0.1, -0.1, 1e-8, 3, -3, 40, -40]) {
      const exact = Math.abs(x) < 1e-12 ? 1 - x / 2 : x / Math.expm1(x);
      expect(Math.abs(bernoulli(x) - exact) / exact).toBeLessThan(1e-13);
      const [bp, bm] = bernoulliPair(x);
      expect(Math.abs(bm - bp - x)).toBeLessThan(1e-13 * Math.max(1, Math.abs(x))); // B(−x) = B(x) + x
    }
    expect(bernoulliPair(1e4)).toEqual([0, 1e4]);
    expect(bernoulliPair(-1e4)).toEqual([1e4, 0]);
    expect(bernoulliPair(-50)[1]).toBeGreaterThan(0); // B(50) = 50 e^{-50}: positive, not 50 − 50
  });

  it('conserves n + R and keeps n ≥ 0 from a sharp start, with and without τ', () => {
    const grid = nnlifGrid(200, -4, 2);
    for (const tau of [0, 0.05]) {
      const n0 = nnlifInitialDensity(grid, 1.9, 0.02);
      const ref = new NnlifReference(grid, { b: 0.5, a0: 1, a1: 0, VR: 1, tau }, 1e-3, 0, n0);
      for (let k = 0; k < 500; k++) ref.advance();
      expect(ref.status).toBe('running');
      expect(Math.abs(ref.mass() - 1)).toBeLessThan(1e-12);
      expect(Math.min(...ref.n)).toBeGreaterThanOrEqual(0);
      if (tau > 0) expect(ref.R).toBeGreaterThan(0);
    }
  });

  it('relaxes to the exact steady rate and profile; the error falls like h²', () => {
    const params = { a: 1, b: 0.5, VR: 1, VF: 2 };
    const [Nstar] = nnlifSteadyRates(params);
    const errors: number[] = [];
    const l1s: number[] = [];
    for (const nv of [90, 180, 360, 720]) {
      const grid = nnlifGrid(nv, -7, 2);
      const ref = new NnlifReference(grid, { b: 0.5, a0: 1, a1: 0, VR: 1, tau: 0 }, 0.01, 0, nnlifInitialDensity(grid, 0, 0.5));
      for (let k = 0; k < 4000; k++) ref.advance();
      let l1 = 0;
      for (let i = 0; i < nv; i++) l1 += Math.abs(ref.n[i]! - nnlifSteadyDensityAt(params, Nstar!, nodeOf(grid, i))) * widthOf(grid, i);
      errors.push(Math.abs(ref.N - Nstar!) / Nstar!);
      l1s.push(l1);
      console.log(`nv = ${nv}: N = ${ref.N}, N* = ${Nstar}, rel. error ${errors[errors.length - 1]!.toExponential(2)}, L1 ${l1.toExponential(2)}`);
    }
    console.log(`orders: ${errors.slice(1).map((e, k) => Math.log2(errors[k]! / e).toFixed(2)).join(', ')}`);
    for (const list of [errors, l1s]) for (let k = 1; k < list.length; k++) expect(Math.log2(list[k - 1]! / list[k]!)).toBeGreaterThan(1.9);
    expect(errors[3]).toBeLessThan(2e-5);
  });

  it('is first order in time (backward Euler with lagged coefficients)', () => {
    const grid = nnlifGrid(120, -5, 2);
    const n0 = nnlifInitialDensity(grid, 0.5, 0.3);
    const NT = (dt: number) => {
      const ref = new NnlifReference(grid, { b: 1, a0: 1, a1: 0.2, VR: 1, tau: 0.1 }, dt, 0, n0);
      for (let k = 0; k < Math.round(0.5 / dt); k++) ref.advance();
      return ref.N;
    };
    const fine = NT(0.5 / 4096);
    const errors = [0.5 / 32, 0.5 / 64, 0.5 / 128, 0.5 / 256].map((dt) => Math.abs(NT(dt) - fine));
    const orders = errors.slice(1).map((e, k) => Math.log2(errors[k]! / e));
    console.log(`time: errors ${errors.map((e) => e.toExponential(2)).join(', ')}; orders ${orders.map((o) => o.toFixed(2)).join(', ')}`);
    for (const o of orders) expect(o).toBeGreaterThan(0.9);
    for (const o of orders) expect(o).toBeLessThan(1.2);
  });

  it('the steady rate is reached whatever dt (the discrete steady state does not depend on dt)', () => {
    const grid = nnlifGrid(90, -7, 2);
    const run = (dt: number) => {
      const ref = new NnlifReference(grid, { b: 0.5, a0: 1, a1: 0, VR: 1, tau: 0 }, dt, 0, nnlifInitialDensity(grid, 0, 0.5));
      for (let k = 0; k < Math.round(60 / dt); k++) ref.advance();
      return ref.N;
    };
    expect(Math.abs(run(0.5) - run(0.01)) / run(0.01)).toBeLessThan(1e-9);
  });
});

describe('the flux relation N = a(N)·(−∂v n(VF)) at the new level', () => {
  it('its root satisfies N(1 + cγ(N)) = γ(N)(Y + N Z); a1 = 0 is the linear formula; no positive root is reported', async () => {
    const { solveFluxRelation } = await import('../../src/models/nnlif/fokkerPlanck');
    const [Y, Z, c, alpha, beta] = [0.3, 0.2, 0.05, 2, 0.1];
    const N = solveFluxRelation(Y, Z, c, alpha, beta)!;
    const gamma = alpha + beta * N;
    expect(Math.abs(N * (1 + c * gamma) - gamma * (Y + N * Z))).toBeLessThan(1e-14);
    expect(solveFluxRelation(Y, Z, c, alpha, 0)).toBeCloseTo((alpha * Y) / (1 + c * alpha - alpha * Z), 14);
    expect(solveFluxRelation(0.9, 0.95, 0.01, 1, 5)).toBeNull(); // strong a1: no positive solution
  });
});
