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
