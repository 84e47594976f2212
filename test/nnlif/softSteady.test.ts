/**
 * Steady states of the soft threshold (softSteady.ts) and of K-population networks (networkSteady.ts):
 * the frozen problem's ODE solution checked by its own balance laws, by refinement, by the hard-threshold
 * limit rate → ∞, and by the discrete PDE converging to it at second order; the K-dimensional root search
 * checked on an uncoupled network, whose states are the products of the single populations' states.
 */
import { describe, expect, it } from 'vitest';
import { type NnlifFiring, NnlifReference, nnlifGrid, nnlifInitialDensity, nodeOf, widthOf } from '../../src/models/nnlif/fokkerPlanck';
import { nnlifNetworkSteadyStates } from '../../src/models/nnlif/networkSteady';
import { softSteadyProfile } from '../../src/models/nnlif/softSteady';
import { classifyNnlifStability } from '../../src/models/nnlif/stability';
import { nnlifInverseRate, nnlifSteadyDensityOf, nnlifSteadyRates } from '../../src/models/nnlif/steadyRate';

const soft: NnlifFiring = { kind: 'soft', rate: 20, vmax: 3 };
const frozen = { V0: 0.3, a: 1, VR: 1, VF: 2, rate: 20, vmax: 3 };

/** ∫ f over [lo, hi] by composite Simpson with n (even) panels. */
function simpson(f: (v: number) => number, lo: number, hi: number, n = 4000): number {
  const h = (hi - lo) / n;
  let s = f(lo) + f(hi);
  for (let k = 1; k < n; k++) s += (k % 2 ? 4 : 2) * f(lo + k * h);
  return (s * h) / 3;
}

describe('the soft threshold at frozen coefficients', () => {
  it('is converged: twice the steps change ln I by < 1e-10 (< 1e-8 where the length scales are 0.02)', () => {
    for (const [p, bound] of [[frozen, 1e-10], [{ ...frozen, V0: 40 }, 1e-10], [{ ...frozen, V0: -3, a: 0.3, rate: 200 }, 1e-8]] as const) {
      expect(Math.abs(softSteadyProfile(p).logI - softSteadyProfile(p, 2).logI)).toBeLessThan(bound);
    }
  });

  it('balances: the loss rate·∫_{v>VF} m equals the unit source, and ∫ m = I (independent quadrature of the profile)', () => {
    const profile = softSteadyProfile(frozen);
    const m = (v: number) => Math.exp(profile.logDensity(v));
    const loss = frozen.rate * simpson(m, frozen.VF, frozen.vmax);
    expect(Math.abs(loss - 1)).toBeLessThan(1e-8);
    const mass = simpson(m, -9, frozen.VR) + simpson(m, frozen.VR, frozen.VF) + simpson(m, frozen.VF, frozen.vmax);
    expect(Math.abs(mass / Math.exp(profile.logI) - 1)).toBeLessThan(1e-8);
  });

  it('tends to the hard threshold as rate → ∞, the excess time falling like rate^(−1/2) (the boundary layer √(a/rate))', () => {
    const hard = nnlifInverseRate({ a: 1, b: 0, VR: 1, VF: 2 }, 0);
    const rates = [1e3, 1e4, 1e5];
    const excess = rates.map((rate) => Math.exp(softSteadyProfile({ ...frozen, V0: 0, rate }).logI) - hard);
    for (const e of excess) expect(e).toBeGreaterThan(0);
    const slope = Math.log(excess[2]! / excess[0]!) / Math.log(rates[2]! / rates[0]!);
    expect(slope).toBeGreaterThan(-0.55);
    expect(slope).toBeLessThan(-0.45);
  });

  it('the discrete PDE (f64 twin) relaxes to the exact soft N* and n∞(v) at second order in h', () => {
    const params = { a: 1, b: 0.5, VR: 1, VF: 2, firing: soft };
    const [Nstar] = nnlifSteadyRates(params);
    const density = nnlifSteadyDensityOf(params, Nstar!);
    // nodes on [−5, 3] with VF on a node: h = 8/(nv − 1) = 1/7, 1/14, 1/28
    const errors = [57, 113, 225].map((nv) => {
      const grid = nnlifGrid(nv, -5, 2, soft);
      const ref = new NnlifReference(grid, { b: 0.5, a0: 1, a1: 0, VR: 1, tau: 0 }, 0.1, 0, nnlifInitialDensity(grid, 0.5, 0.3));
      for (let k = 0; k < 600; k++) ref.advance(); // the steady state of backward Euler does not depend on dt
      let l1 = 0;
      for (let i = 0; i < nv; i++) l1 += widthOf(grid, i) * Math.abs(ref.n[i]! - density(nodeOf(grid, i)));
      return { N: Math.abs(ref.N - Nstar!), l1 };
    });
    for (const key of ['N', 'l1'] as const) {
      const orders = [0, 1].map((k) => Math.log2(errors[k]![key] / errors[k + 1]![key]));
      for (const order of orders) expect(order).toBeGreaterThan(1.8);
    }
  });

  it('has three steady states for b = 2 (a saddle between a low and a high stable state; no blow-up, N < rate)', () => {
    const params = { a: 1, b: 2, VR: 1, VF: 2, firing: soft };
    const roots = nnlifSteadyRates(params);
    expect(roots).toHaveLength(3);
    for (const N of roots) expect(N).toBeLessThan(20);
    expect(roots.map((N) => classifyNnlifStability(params, N, { T: 20, nv: 200 }).stable)).toEqual([true, false, true]);
    expect(nnlifSteadyRates({ ...params, b: 0.5 })).toHaveLength(1);
  });
});

describe('steady states of K populations', () => {
  it('an uncoupled 3-population network (hard, hard with τ, soft) has the products of the single states, with their stability', () => {
    const populations = [
      { a0: 1, VR: 1, VF: 2, tau: 0 },
      { a0: 0.8, VR: 0.8, VF: 2, tau: 0.1 },
      { a0: 1, VR: 1, VF: 2, tau: 0, firing: soft },
    ];
    const b = [[1.5, 0, 0], [0, 0.5, 0], [0, 0, 2]];
    const states = nnlifNetworkSteadyStates({ populations, b, a1: b.map((row) => row.map(() => 0)) }, { pointsPerDecade: 2, stability: { T: 10, nv: 120 } });
    const single = [
      nnlifSteadyRates({ a: 1, b: 1.5, VR: 1, VF: 2 }),
      nnlifSteadyRates({ a: 0.8, b: 0.5, VR: 0.8, VF: 2, tau: 0.1 }),
      nnlifSteadyRates({ a: 1, b: 2, VR: 1, VF: 2, firing: soft }),
    ];
    expect(single.map((r) => r.length)).toEqual([2, 1, 3]);
    expect(states).toHaveLength(6);
    let k = 0;
    for (const N0 of single[0]!) {
      for (const N2 of single[2]!) {
        const st = states[k++]!;
        expect(st.N[0]).toBeCloseTo(N0, 9);
        expect(st.N[1]).toBeCloseTo(single[1]![0]!, 9);
        expect(st.N[2]).toBeCloseTo(N2, 9);
      }
    }
    // stable only where every population is: E's lower state with the soft population's low or high state
    expect(states.map((s) => s.stable)).toEqual([true, false, true, false, false, false]);
  });
});
