/**
 * Known bifurcations, measured on GPU ensembles (one sweep of I over the neurons) and decided by the f64 twin at the
 * neurons bracketing the onset: the onset of repetitive firing of HH and its frequency there; FitzHugh–Nagumo's
 * Hopf point from its Jacobian (closed form) against the ensemble's onset; Morris–Lecar class I (frequency → 0 at the
 * onset, f² linear in I: a saddle-node on the cycle) against class II (a jump to a finite frequency).
 */
import { describe, expect, it } from 'vitest';
import { runNeurons } from '../../src/host/neuronEnsemble';
import { restingState } from '../../src/models/neurons/models';
import { isRepetitive, onsetCurrent, runNeuronsReference, windowRate } from '../../src/models/neurons/reference';
import { resolveNeuronsRunConfig } from '../../src/models/registry';
import { testGpu } from '../helpers/gpu';

async function sweep(neurons: Record<string, unknown>) {
  const ctx = await testGpu();
  const config = resolveNeuronsRunConfig({ model: 'neurons', neurons: { ...neurons, traces: [] } });
  const r = await runNeurons(ctx, config);
  const s = r.stats;
  const rates = Array.from({ length: config.count }, (_, i) => windowRate(s.windowCount[i]!, s.first[i]!, s.last[i]!, config.T));
  const onset = onsetCurrent(config.I, s, config.T);
  expect(onset).not.toBeNull();
  const k = Array.from(config.I).indexOf(onset!);
  expect(k).toBeGreaterThan(0); // the sweep starts below the onset
  // the twin decides: silent at the current below the onset, repetitive at the onset, at the same rate
  const twin = runNeuronsReference(resolveNeuronsRunConfig({ model: 'neurons', neurons: { ...neurons, I: [config.I[k - 1]!, onset!], count: undefined, traces: [] } }));
  expect(isRepetitive(twin.windowCount[0]!, twin.first[0]!, twin.last[0]!, config.T)).toBe(false);
  expect(isRepetitive(twin.windowCount[1]!, twin.first[1]!, twin.last[1]!, config.T)).toBe(true);
  const twinRate = windowRate(twin.windowCount[1]!, twin.first[1]!, twin.last[1]!, config.T);
  expect(Math.abs(twinRate - rates[k]!) / twinRate).toBeLessThan(1e-4);
  // above the onset every neuron fires repetitively
  for (let i = k; i < config.count; i++) expect(rates[i]).toBeGreaterThan(0);
  return { config, rates, onset: onset!, k };
}

describe('bifurcations of repetitive firing', () => {
  it('HH (constant current from rest): the onset lies in [6.2, 6.3] µA/cm², firing at 50–70 Hz there', async () => {
    const { rates, onset, k } = await sweep({ model: 'hh', I: { from: 6, to: 7 }, count: 41, T: 200, dt: 0.01 });
    expect(onset).toBeGreaterThanOrEqual(6.2);
    expect(onset).toBeLessThanOrEqual(6.3);
    const hz = rates[k]! * 1000;
    expect(hz).toBeGreaterThan(50);
    expect(hz).toBeLessThan(70);
  });

  it('FitzHugh–Nagumo: the Jacobian\'s trace vanishes at I_H (closed form); the ensemble\'s onset lies within 0.01 below I_H (the Hopf point is subcritical), and every I above I_H fires', async () => {
    const a = 0.7, b = 0.8, eps = 0.08;
    const vH = -Math.sqrt(1 - eps * b); // trace 1 − v² − εb = 0 on the left branch
    const IH = (vH + a) / b - vH + (vH * vH * vH) / 3;
    // the resting state's Jacobian [[1 − v², −1], [ε, −εb]]: its trace changes sign at I_H, its determinant stays > 0
    const trace = (I: number) => {
      const v = restingState('fhn', [a, b, eps], I)[0]!;
      return 1 - v * v - eps * b;
    };
    let lo = 0.2, hi = 0.4;
    expect(trace(lo)).toBeLessThan(0);
    expect(trace(hi)).toBeGreaterThan(0);
    for (let it = 0; it < 60; it++) (trace(0.5 * (lo + hi)) < 0 ? (lo = 0.5 * (lo + hi)) : (hi = 0.5 * (lo + hi)));
    expect(Math.abs(lo - IH)).toBeLessThan(1e-9);
    expect(IH).toBeCloseTo(0.33128, 4);
    const { config, onset } = await sweep({ model: 'fhn', I: { from: 0.3, to: 0.36 }, count: 25, T: 1000, dt: 0.05 });
    expect(onset).toBeLessThanOrEqual(IH);
    expect(onset).toBeGreaterThan(IH - 0.01);
    expect(config.I[config.count - 1]).toBeGreaterThan(IH);
  });

  it('Morris–Lecar: class I starts firing at a vanishing rate with f² linear in I (SNIC near 40 µA/cm²); class II jumps to a finite rate (near 88 µA/cm²)', async () => {
    const one = await sweep({ model: 'ml-class1', I: { from: 39.5, to: 41 }, count: 31, T: 2000, dt: 0.1 });
    const two = await sweep({ model: 'ml-class2', I: { from: 85, to: 95 }, count: 41, T: 1000, dt: 0.1 });
    expect(Math.abs(one.onset - 40)).toBeLessThan(0.3);
    expect(Math.abs(two.onset - 88.5)).toBeLessThan(1);
    const hz1 = one.rates.map((r) => r * 1000);
    const hz2 = two.rates.map((r) => r * 1000);
    // class I: a few Hz at the onset, less than half the rate at 41 µA/cm²; f² on the first 6 firing currents is a line whose root lies within 0.1 below the onset
    expect(hz1[one.k]).toBeLessThan(3);
    expect(hz1[one.k]! / hz1[one.config.count - 1]!).toBeLessThan(0.5);
    const xs = Array.from({ length: 6 }, (_, j) => one.config.I[one.k + j]!);
    const ys = Array.from({ length: 6 }, (_, j) => hz1[one.k + j]! ** 2);
    const mx = xs.reduce((p, q) => p + q) / 6, my = ys.reduce((p, q) => p + q) / 6;
    const slope = xs.reduce((p, x, j) => p + (x - mx) * (ys[j]! - my), 0) / xs.reduce((p, x) => p + (x - mx) ** 2, 0);
    const root = mx - my / slope;
    expect(root).toBeLessThan(one.onset);
    expect(root).toBeGreaterThan(one.onset - 0.1);
    const residual = Math.max(...xs.map((x, j) => Math.abs(my + slope * (x - mx) - ys[j]!)));
    expect(residual / ys[5]!).toBeLessThan(0.05);
    // class II: at the onset already most of the rate at 95 µA/cm²
    expect(hz2[two.k]).toBeGreaterThan(7);
    expect(hz2[two.k]! / hz2[two.config.count - 1]!).toBeGreaterThan(0.7);
  });
});
