import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/models/config';
import {
  findSteadyStates,
  inverseRateClosedForm,
  inverseRateQuadrature,
  limitVelocity,
  steadyResidual,
} from '../../src/models/limit/steadyStates';

const paramsOf = (p: object) => resolveConfig({ params: p }).params;

describe('the steady-state equation 1/N = I(N) of the limit model', () => {
  it.each([[0.5], [3], [11], [19.9]])('closed form of I(N) for the step φF agrees with the quadrature at N = %d', (N) => {
    for (const p of [paramsOf({}), paramsOf({ gin: -0.5, b: 1.2, VR: 0.2 }), paramsOf({ a: 1, VE: 3 })]) {
      const closed = inverseRateClosedForm(p, N);
      expect(Math.abs(inverseRateQuadrature(p, N) / closed - 1)).toBeLessThan(1e-8);
    }
  });

  it('constant φF ≡ φ0: I(N) = 1/φ0 whatever V* is, so N = φ0 is the only steady state', () => {
    const p = paramsOf({ phiF: { kind: 'constant', rate: 7 }, b: 0.3 });
    expect(Math.abs(inverseRateQuadrature(p, 2.5) * 7 - 1)).toBeLessThan(1e-9);
    const states = findSteadyStates(p);
    expect(states.length).toBe(1);
    expect(Math.abs(states[0].N / 7 - 1)).toBeLessThan(1e-9);
  });

  it('finds every root, each polished to 1e-10 relative, in a case with three firing states', () => {
    const p = paramsOf({ b: 0.5, gin: -0.5 });
    const states = findSteadyStates(p);
    expect(states.map((s) => s.quiescent)).toEqual([false, false, false]);
    for (const s of states) {
      // polished: F changes sign within 1e-10 relative of the reported root
      const lo = steadyResidual(p, s.N * (1 - 1e-10));
      const hi = steadyResidual(p, s.N * (1 + 1e-10));
      expect(Math.sign(lo)).not.toBe(Math.sign(hi));
      expect(s.vStar).toBeCloseTo(limitVelocity(p, s.N).vStar, 14);
    }
    // F(N) = N·I(N) − 1 alternates sign between the roots: + below the first? check one point in each gap
    const probes = [0.5 * states[0].N, 0.5 * (states[0].N + states[1].N), 0.5 * (states[1].N + states[2].N), 0.5 * (states[2].N + 20)];
    const signs = probes.map((N) => Math.sign(steadyResidual(p, N)));
    expect(signs).toEqual([-1, 1, -1, 1]);
  });

  it('includes the quiescent state N = 0 exactly when V*(0) ≤ VF', () => {
    const quiet = paramsOf({ b: 1, gin: -1 });
    expect(limitVelocity(quiet, 0).vStar).toBeLessThan(1);
    const states = findSteadyStates(quiet);
    expect(states[0]).toMatchObject({ N: 0, quiescent: true });
    expect(states.length).toBe(3);
    const active = paramsOf({ b: 1, gin: 0 });
    expect(limitVelocity(active, 0).vStar).toBeGreaterThan(1);
    expect(findSteadyStates(active).some((s) => s.quiescent)).toBe(false);
  });

  it('does not miss two roots closer than the scan spacing near a fold', () => {
    // Move gin towards the fold of the two lower states of the three-state case until they are closer
    // together than the scan's spacing (φ0/15000 ≈ 1.3e-3).
    const base = { b: 0.5 };
    let lo = -0.5;
    let hi = 0;
    for (let it = 0; it < 60; it++) {
      const mid = 0.5 * (lo + hi);
      if (findSteadyStates(paramsOf({ ...base, gin: mid }), { points: 200_000 }).length === 3) lo = mid;
      else hi = mid;
    }
    const nearFold = paramsOf({ ...base, gin: lo });
    const fine = findSteadyStates(nearFold, { points: 200_000 });
    expect(fine.length).toBe(3);
    const gap = fine[1].N - fine[0].N;
    expect(gap).toBeLessThan(1e-3);
    const coarse = findSteadyStates(nearFold);
    expect(coarse.length).toBe(3);
    // Near a fold F(N) ≈ c(N − N_f)² − δ: the two roots are ill-conditioned (rounding in F moves them by
    // ~√(u/c)), so the two scans agree to 1e-8 there, not to the 1e-10 of a simple root.
    for (let k = 0; k < 3; k++) expect(Math.abs(coarse[k].N / fine[k].N - 1)).toBeLessThan(1e-8);
  });
});

describe('roots next to V*(N) = VF', () => {
  it('finds the firing state next to V*(N) = VF that the scan misses, so the count has the right parity', () => {
    for (const gin of [-0.7, -0.6667, -0.65, -0.63]) {
      const p = paramsOf({ gin, b: 0.5 });
      const states = findSteadyStates(p);
      expect(states[0].quiescent).toBe(true); // V*(0) < VF here
      const firing = states.filter((s) => !s.quiescent);
      expect(firing.length % 2).toBe(0); // F(0+) = +∞ and F(φ0) ≥ 0: an even number of roots
      for (const s of firing) {
        const lo = steadyResidual(p, s.N * (1 - 1e-9));
        const hi = steadyResidual(p, s.N * (1 + 1e-9));
        expect(Math.sign(lo), `gin ${gin}, N ${s.N}`).not.toBe(Math.sign(hi));
      }
    }
  });
});
