/** The phase plane of the two-variable models (f64, CPU only): the nullclines vanish their right-hand side, the equilibria are their intersections with the stability the Jacobian's closed form gives, and the figure draws them. */
import { describe, expect, it } from 'vitest';
import { NEURON_MODEL_SPECS, neuronRhs, restingState } from '../../src/models/neurons/models';
import { firstNullcline, phasePlaneEquilibria, type PhasePlaneModel, secondNullcline } from '../../src/models/neurons/phasePlane';

const MODELS: PhasePlaneModel[] = ['fhn', 'ml-class1', 'ml-class2', 'ms'];
const defaults = (m: PhasePlaneModel) => Object.values(NEURON_MODEL_SPECS[m].parameters).map((e) => e.value);
const currents: Record<PhasePlaneModel, number[]> = { fhn: [0, 0.5], 'ml-class1': [0, 50], 'ml-class2': [0, 100], ms: [0, 0.03] };

describe('phase plane', () => {
  it.each(MODELS)('%s: each nullcline makes its right-hand side vanish to 1e-10 (relative to the terms) on 200 points of the range', (model) => {
    const p = defaults(model);
    const [lo, hi] = NEURON_MODEL_SPECS[model].restRange;
    const f = new Float64Array(4);
    for (const I of currents[model]) {
      let checked = 0;
      for (let k = 0; k <= 200; k++) {
        const x = lo + ((hi - lo) * (k + 0.37)) / 201;
        const y1 = firstNullcline(model, p, I, x);
        if (Number.isFinite(y1)) {
          neuronRhs(model, p, [x, y1], I, f);
          expect(Math.abs(f[0]!)).toBeLessThan(1e-10 * Math.max(1, Math.abs(x), Math.abs(y1), Math.abs(I)));
          checked++;
        }
        neuronRhs(model, p, [x, secondNullcline(model, p, x)], I, f);
        expect(Math.abs(f[1]!)).toBeLessThan(1e-10);
      }
      expect(checked).toBeGreaterThan(190);
    }
  });

  it.each(MODELS)('%s: the equilibria lie on both nullclines, the lowest is restingState at I = 0, and det J alternates in sign along the curve', (model) => {
    const p = defaults(model);
    const eq = phasePlaneEquilibria(model, p, 0);
    expect(eq.length).toBeGreaterThan(0);
    const rest = restingState(model, p, 0);
    expect(Math.abs(eq[0]!.state[0] - rest[0]!)).toBeLessThan(1e-12 * Math.max(1, Math.abs(rest[0]!)));
    const f = new Float64Array(4);
    for (const e of eq) {
      neuronRhs(model, p, e.state, 0, f);
      expect(Math.abs(f[0]!)).toBeLessThan(1e-9 * Math.max(1, Math.abs(e.state[0])));
      expect(Math.abs(f[1]!)).toBeLessThan(1e-9);
    }
    for (let k = 1; k < eq.length; k++) expect(Math.sign(eq[k]!.det)).toBe(-Math.sign(eq[k - 1]!.det));
  });

  it('FHN: one equilibrium, stable exactly when 1 − v*² − ε b < 0 (the Jacobian [[1 − v², −1], [ε, −ε b]])', () => {
    const p = defaults('fhn');
    for (const I of [0, 0.2, 0.3, 0.34, 0.5, 1, 1.5]) {
      const eq = phasePlaneEquilibria('fhn', p, I);
      expect(eq).toHaveLength(1);
      const v = eq[0]!.state[0];
      const trace = 1 - v * v - p[2]! * p[1]!;
      expect(Math.abs(eq[0]!.trace - trace)).toBeLessThan(1e-7);
      expect(eq[0]!.stable).toBe(trace < 0);
    }
    expect(phasePlaneEquilibria('fhn', p, 0)[0]!.stable).toBe(true);
    expect(phasePlaneEquilibria('fhn', p, 0.5)[0]!.stable).toBe(false);
  });

  it('Morris–Lecar class I at I = 0: three equilibria (stable rest, saddle, unstable); MS at I = 0.01/ms: none', () => {
    const eq = phasePlaneEquilibria('ml-class1', defaults('ml-class1'), 0);
    expect(eq).toHaveLength(3);
    expect(eq[0]!.stable).toBe(true);
    expect(eq[1]!.det).toBeLessThan(0);
    expect(phasePlaneEquilibria('ms', defaults('ms'), 0.01)).toHaveLength(0);
  });
});
