/**
 * The f64 twin of the elapsed-time scheme (scheme.ts) and the exact steady states (steadyStates.ts): mass and
 * positivity, the threshold roots against the quadratic they solve, runs relaxing to N* and to n∞(s), the
 * boundary relation's smallest root and its non-uniqueness flag, and an oscillating delay case whose measured
 * period converges as dt is refined.
 */
import { describe, expect, it } from 'vitest';
import { resolveElapsedRunConfig } from '../../src/models/registry';
import { measureOscillation } from '../../src/models/elapsed/oscillation';
import { ElapsedReference, solveBoundaryRelation } from '../../src/models/elapsed/scheme';
import { elapsedSteadyRates, elapsedSteadyStates, steadyProfile, survivalIntegral } from '../../src/models/elapsed/steadyStates';

const configOf = (elapsed: Record<string, unknown>, time: Record<string, unknown> = {}, rest: Record<string, unknown> = {}) => resolveElapsedRunConfig({ model: 'elapsed', elapsed, time, ...rest });

describe('elapsed-time twin', () => {
  it('keeps mass 1 to rounding and every cell ≥ 0, for each kernel and firing rate', () => {
    for (const e of [{ b: 0.1 }, { b: -1, phi0: 'Infinity' }, { b: -2, kernel: 'delay', d: 0.3 }, { b: 0.5, firing: 'sigmoid', w: 0.05, kernel: 'exponential', tau: 0.2 }]) {
      const ref = ElapsedReference.of(configOf(e, { T: 3, dt: 0.02 }));
      for (let k = 0; k < 150; k++) {
        ref.advance();
        expect(Math.abs(ref.mass - 1)).toBeLessThan(1e-13);
        expect(Math.min(...ref.ring)).toBeGreaterThanOrEqual(0);
      }
    }
  });

  it('finds the threshold roots of the quadratic (k b/φ0) N² + (s0 + 1/φ0 − k b) N − 1 = 0 (hyperbolic s*)', () => {
    for (const [b, phi0] of [[0.1, 10], [-0.7, 4], [0.4, 50]] as const) {
      const m = configOf({ b, phi0 }).elapsed;
      const A = (m.k * b) / phi0;
      const B = m.s0 + 1 / phi0 - m.k * b;
      const root = A === 0 ? 1 / B : (-B + Math.sqrt(B * B + 4 * A)) / (2 * A);
      const rates = elapsedSteadyRates(m);
      expect(rates).toHaveLength(1);
      expect(Math.abs(rates[0]! - root) / root).toBeLessThan(1e-12);
    }
    // The sigmoid's quadrature against the threshold's closed form as w → 0.
    const sharp = configOf({ b: 0.1, firing: 'sigmoid', phi0: 10, w: 1e-4 }).elapsed;
    const thr = configOf({ b: 0.1, phi0: 10 }).elapsed;
    expect(Math.abs(survivalIntegral(sharp, 1) - survivalIntegral(thr, 1))).toBeLessThan(1e-4);
  });

  it('relaxes to the exact N* and to n∞(s) = N*·exp(−∫p) (inhibitory, φ0 = ∞, instant)', () => {
    const config = configOf({ b: -0.5, phi0: 'Infinity' }, { T: 30, dt: 0.01 }, { grid: { smax: 3 } });
    const [state] = elapsedSteadyStates(config, { intervals: 20 });
    // s* = 1/(1 − 0.5 N): N = 1 − 0.5 N, N* = 2/3.
    expect(Math.abs(state!.N - 2 / 3)).toBeLessThan(1e-12);
    expect(state!.stable).toBe(true);
    const ref = ElapsedReference.of(config);
    for (let k = 0; k < config.time.steps; k++) ref.advance();
    expect(Math.abs(ref.N - 2 / 3) / (2 / 3)).toBeLessThan(2e-3);
    const profile = steadyProfile(config.elapsed, state!.N);
    const cells = ref.cells;
    for (let i = 0; i < 120; i += 10) expect(Math.abs(cells[i]! / 0.01 - profile((i + 0.5) * 0.01))).toBeLessThan(2e-2);
  });

  it('takes the smallest root of the boundary relation and flags a second one', () => {
    // G(N) = 0.05 + 3·(1 − e^{−N²}) crosses N three times on [0, 10] (near 0.05, 0.4 and 3.05).
    const G = (N: number) => 0.05 + 3 * (1 - Math.exp(-N * N));
    const s = solveBoundaryRelation(G, 1, 10, 1e-13);
    expect(Math.abs(G(s.N) - s.N)).toBeLessThan(1e-10);
    expect(s.N).toBeLessThan(0.17);
    expect(s.nonunique).toBe(true);
    const one = solveBoundaryRelation((N) => 1 / (1 + N), -1, 10, 1e-13);
    expect(Math.abs(one.N - (Math.sqrt(5) - 1) / 2)).toBeLessThan(1e-10);
    expect(one.nonunique).toBe(false);
  });

  it('oscillates with delay (b = −2, φ0 = 20, d = 1): N* unstable, the measured period converges under refinement of dt', () => {
    const periods: number[] = [];
    for (const dt of [0.04, 0.02, 0.01]) {
      const config = configOf({ b: -2, phi0: 20, kernel: 'delay', d: 1 }, { T: 40, dt });
      const ref = ElapsedReference.of(config);
      const t: number[] = [];
      const N: number[] = [];
      for (let k = 1; k <= config.time.steps; k++) {
        ref.advance();
        t.push(k * dt);
        N.push(ref.N);
      }
      const o = measureOscillation(t, N);
      expect(o.settles).toBe(false);
      expect(o.periodic).toBe(true);
      periods.push(o.period!);
    }
    const d1 = Math.abs(periods[1]! - periods[0]!);
    const d2 = Math.abs(periods[2]! - periods[1]!);
    expect(d2).toBeLessThan(0.75 * d1 + 1e-3);
    expect(d2 / periods[2]!).toBeLessThan(0.02);
    const [state] = elapsedSteadyStates(configOf({ b: -2, phi0: 20, kernel: 'delay', d: 1 }), { intervals: 20 });
    expect(state!.stable).toBe(false);
    console.log(`elapsed delay oscillation: periods ${periods.map((p) => p.toFixed(5)).join(', ')} at dt = 0.04, 0.02, 0.01; N* = ${state!.N}`);
  });
});
