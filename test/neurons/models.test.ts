/** The model tables and the resting state (CPU only): every model's resting state is an equilibrium, HH rests near −65 mV, the rate shape is continuous through its removable singularity, and the config resolves the sweep as documented. */
import { describe, expect, it } from 'vitest';
import { hhRateShape, NEURON_MODEL_SPECS, NEURON_MODELS, neuronRhs, restingState } from '../../src/models/neurons/models';
import { resolveNeuronsRunConfig } from '../../src/models/registry';

describe('neuron models', () => {
  it.each(NEURON_MODELS)('%s: the resting state at I = 0 is an equilibrium (|f| < 1e-9 relative to the scale of each variable)', (model) => {
    const spec = NEURON_MODEL_SPECS[model];
    const p = Object.values(spec.parameters).map((e) => e.value);
    const rest = restingState(model, p, 0);
    expect(rest).toHaveLength(spec.state.length);
    const f = new Float64Array(4);
    neuronRhs(model, p, rest, 0, f);
    for (let c = 0; c < rest.length; c++) expect(Math.abs(f[c]!)).toBeLessThan(1e-9 * Math.max(1, Math.abs(rest[c]!)));
  });

  it('HH rests at −65 mV within 0.01 mV with the standard EL = −54.387 mV', () => {
    const p = Object.values(NEURON_MODEL_SPECS.hh.parameters).map((e) => e.value);
    expect(Math.abs(restingState('hh', p, 0)[0]! + 65)).toBeLessThan(0.01);
  });

  it('Mitchell–Schaeffer: the resting state is a true equilibrium off I = 0 (f = 0 to 1e-10), never the gate jump at v_gate', () => {
    const p = Object.values(NEURON_MODEL_SPECS.ms.parameters).map((e) => e.value);
    const f = new Float64Array(4);
    // I = 0.001/ms: below the h = 1 branch's fold, the rest lies under v_gate with the gate open (h = 1).
    const low = restingState('ms', p, 0.001);
    neuronRhs('ms', p, low, 0.001, f);
    expect(Math.abs(f[0]!)).toBeLessThan(1e-10);
    expect(Math.abs(f[1]!)).toBeLessThan(1e-10);
    expect(low[0]!).toBeGreaterThan(0);
    expect(low[0]!).toBeLessThan(p[4]!);
    expect(low[1]).toBe(1);
    // I = 0.03/ms ≥ v_gate/τ_out: the only equilibrium is v = I τ_out = 0.18 with the gate closed (h = 0), exactly.
    const high = restingState('ms', p, 0.03);
    expect(Math.abs(high[0]! - 0.03 * p[1]!)).toBeLessThan(1e-12);
    expect(high[1]).toBe(0);
    neuronRhs('ms', p, high, 0.03, f);
    expect(Math.abs(f[0]!)).toBeLessThan(1e-10);
    // I = 0.01/ms lies between the fold (≈ 0.00214/ms) and v_gate/τ_out (≈ 0.0217/ms): no point makes f vanish; the
    // old scan returned v = v_gate here, where dv/dt = 0.01 − v_gate/τ_out ≠ 0.
    expect(() => restingState('ms', p, 0.01)).toThrow(/no equilibrium/);
  });

  it('x/(1 − e^{−x/10}) is continuous through x = 0: the series and the closed form agree to 1e-7 at |x| = 0.5', () => {
    expect(hhRateShape(0)).toBe(10);
    for (const x of [0.5, -0.5]) {
      const closed = x / (1 - Math.exp(-x / 10));
      expect(Math.abs(hhRateShape(x - 1e-12) - closed) / closed).toBeLessThan(1e-7);
    }
  });

  it('a sweep {from, to} over count neurons includes both ends; a list sets M; defaults', () => {
    const c = resolveNeuronsRunConfig({ model: 'neurons', neurons: { I: { from: 1, to: 2 }, count: 5 } });
    expect([...c.I]).toEqual([1, 1.25, 1.5, 1.75, 2]);
    expect(resolveNeuronsRunConfig({ model: 'neurons', neurons: { I: [3, 4, 5] } }).count).toBe(3);
    const d = resolveNeuronsRunConfig({ model: 'neurons' });
    expect(d).toMatchObject({ neuron: 'hh', count: 1, T: 100, dt: 0.01, steps: 10000, threshold: 0, window: 50, scheme: 'rk4' });
    expect(resolveNeuronsRunConfig({ model: 'neurons', neurons: { input: { kind: 'noise' } } }).scheme).toBe('euler-maruyama');
  });
});
