/** The phase plane (f64, CPU only): the nullclines vanish their right-hand side, the equilibria are their intersections with the stability the Jacobian gives (closed form for FHN; HH's in its (V, n) plane from the full 4 × 4 Jacobian), and the figure draws them. */
import { describe, expect, it } from 'vitest';
import { NEURON_MODEL_SPECS, neuronRhs, restingState } from '../../src/models/neurons/models';
import { neuronsPhasePlane, neuronsPhasePlaneCsv, neuronsPhasePlaneRender } from '../../src/io/neuronsResults';
import { runNeuronsReference } from '../../src/models/neurons/reference';
import { resolveNeuronsRunConfig } from '../../src/models/registry';
import { decodePng, saveScreenshot } from '../browser/pixels';
import { firstNullcline, phasePlaneEquilibria, type PhasePlaneModel, secondNullcline } from '../../src/models/neurons/phasePlane';
import { slowManifold } from '../../src/models/neurons/models';

type TwoVariableModel = Exclude<PhasePlaneModel, 'hh'>;
const MODELS: TwoVariableModel[] = ['fhn', 'ml-class1', 'ml-class2', 'ms'];
const defaults = (m: PhasePlaneModel) => Object.values(NEURON_MODEL_SPECS[m].parameters).map((e) => e.value);
const currents: Record<TwoVariableModel, number[]> = { fhn: [0, 0.5], 'ml-class1': [0, 50], 'ml-class2': [0, 100], ms: [0, 0.03] };

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

describe('the phase plane of Hodgkin–Huxley, (V, n) with m = m∞(V), h = h∞(V)', () => {
  const p = defaults('hh');
  it('the V-nullcline makes dV/dt vanish at (V, m∞, h∞, n) and n∞ makes dn/dt vanish, to 1e-10', () => {
    const f = new Float64Array(4);
    for (const I of [0, 10]) {
      let checked = 0;
      for (let k = 0; k <= 200; k++) {
        const V = -76 + (126 * (k + 0.37)) / 201;
        const [, m, h] = slowManifold('hh', p, V);
        const n = firstNullcline('hh', p, I, V);
        if (Number.isFinite(n)) {
          neuronRhs('hh', p, [V, m!, h!, n], I, f);
          expect(Math.abs(f[0]!)).toBeLessThan(1e-10 * Math.max(1, Math.abs(V), Math.abs(I)) * 100);
          checked++;
        }
        neuronRhs('hh', p, [V, m!, h!, secondNullcline('hh', p, V)], I, f);
        expect(Math.abs(f[3]!)).toBeLessThan(1e-12);
      }
      expect(checked).toBeGreaterThan(20);
    }
  });

  it('one equilibrium, restingState at I = 0; stable below the Hopf point, unstable above it (the full 4 × 4 Jacobian)', () => {
    const f = new Float64Array(4);
    const rest = restingState('hh', p, 0);
    const stability: Record<number, boolean> = {};
    for (const I of [0, 5, 9, 10.5, 20]) {
      const eq = phasePlaneEquilibria('hh', p, I);
      expect(eq).toHaveLength(1);
      const [V, n] = eq[0]!.state;
      const [, m, h] = slowManifold('hh', p, V);
      neuronRhs('hh', p, [V, m!, h!, n], I, f);
      for (let c = 0; c < 4; c++) expect(Math.abs(f[c]!)).toBeLessThan(1e-9);
      if (I === 0) expect(Math.abs(V - rest[0]!)).toBeLessThan(1e-10);
      stability[I] = eq[0]!.stable;
    }
    // the subcritical Hopf bifurcation of the seed's HH lies near I = 9.78 µA/cm²
    expect(stability).toEqual({ 0: true, 5: true, 9: true, 10.5: false, 20: false });
  });
});

describe('phase_plane.png and phase_plane.csv', () => {
  it('FHN at I = 0, 0.5: the nullclines, the equilibria and the twin\'s traced paths are drawn where they lie', async () => {
    const config = resolveNeuronsRunConfig({ model: 'neurons', neurons: { model: 'fhn', I: [0, 0.5], T: 100, dt: 0.05, traces: [0, 1], traceEvery: 4 } });
    const ref = runNeuronsReference(config);
    const samples = ref.traces.length / 4; // 2 traced neurons × 2 variables
    const traces = new Float32Array(samples * 2 * 4);
    for (let s = 0; s < samples; s++) for (let j = 0; j < 2; j++) for (let c = 0; c < 2; c++) traces[(s * 2 + j) * 4 + c] = ref.traces[(s * 2 + j) * 2 + c]!;
    const r = { traceT: Array.from({ length: samples }, (_, s) => s * 4 * 0.05), traces };
    const pp = neuronsPhasePlane(config, r)!;
    expect(pp.I).toBe(0);
    expect(pp.equilibria).toHaveLength(1);
    expect(pp.equilibria[0]!.stable).toBe(true);
    const render = neuronsPhasePlaneRender(config, r, pp);
    const pixels = await decodePng(render.png);
    saveScreenshot('neurons-phase-plane-fhn.png', render.png);
    expect([pixels.width, pixels.height]).toEqual([900, 600]);
    const toPixel = (x: number, y: number) => [
      Math.round(render.plot.x + (render.plot.width * (x - render.xRange[0])) / (render.xRange[1] - render.xRange[0])),
      Math.round(render.plot.y + render.plot.height * (1 - (y - render.yRange[0]) / (render.yRange[1] - render.yRange[0]))),
    ];
    const inked = (x: number, y: number) => {
      const [px, py] = toPixel(x, y);
      let dark = 0;
      for (let dy = -2; dy <= 2; dy++) for (let dx = -2; dx <= 2; dx++) {
        const o = ((py! + dy) * pixels.width + px! + dx) * 4;
        if (pixels.data[o]! + pixels.data[o + 1]! + pixels.data[o + 2]! < 600) dark++;
      }
      return dark;
    };
    // along the dashed v-nullcline w = v − v³/3 (v in [−0.6, 0.4], inside the cycle) and the dotted w-nullcline
    // w = (v + 0.7)/0.8 (v in [−1.3, −1.0]): at least half of 21 points have ink (the rest fall in the dashes' gaps)
    const along = (f: (v: number) => number, a: number, b: number) => Array.from({ length: 21 }, (_, k) => a + ((b - a) * k) / 20).filter((v) => inked(v, f(v)) > 0).length;
    expect(along((v) => v - v ** 3 / 3, -0.6, 0.4)).toBeGreaterThanOrEqual(11);
    expect(along((v) => (v + 0.7) / 0.8, -1.3, -1.0)).toBeGreaterThanOrEqual(11);
    expect(inked(...pp.equilibria[0]!.state)).toBeGreaterThan(3);
    // and blank paper away from every curve: (v, w) = (1.8, −0.5) is below the cubic and the line and off both paths
    expect(inked(1.8, -0.5)).toBe(0);
    const csv = neuronsPhasePlaneCsv(config, r, pp).trim().split('\n');
    expect(csv[0]).toBe('curve,x,y');
    expect(csv.filter((l) => l.startsWith('equilibrium_stable,'))).toHaveLength(1);
    expect(csv.filter((l) => l.startsWith('neuron_1,'))).toHaveLength(samples);
    for (const l of csv.filter((l) => l.startsWith('nullcline_v,'))) {
      const [, v, w] = l.split(',').map(Number);
      expect(Math.abs(w! - (v! - v! ** 3 / 3))).toBeLessThan(1e-12);
    }
  });
});
