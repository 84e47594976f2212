/**
 * The population's 2D histogram (neuronsHistogram.wgsl, src/models/neurons/histogram.ts): the GPU's counts of its
 * own state equal the f32 twin's binning of that state exactly; against the f64 twin's final state within a few
 * neurons; every neuron counted once (inside or outside); the initial state in its one bin; the same for every
 * workgroup size; the results folder's density_t<time>.npy (a density: it integrates to the fraction inside) and
 * .png; bad input named.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runNeurons } from '../../src/host/neuronEnsemble';
import { decodeNpy } from '../../src/io/npyFormat';
import { axisF32, binF32, histogramOfState } from '../../src/models/neurons/histogram';
import { runNeuronsReference } from '../../src/models/neurons/reference';
import { resolveNeuronsRunConfig } from '../../src/models/registry';
import { ConfigError } from '../../src/models/schema';
import { kinfire } from '../helpers/cli';
import { testGpu } from '../helpers/gpu';

const work = mkdtempSync(join(tmpdir(), 'kinfire-histogram-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const sum = (a: ArrayLike<number>) => Array.from(a).reduce((x, y) => x + y, 0);

describe('the population histogram', () => {
  it('binF32: [lo, hi) in f32, the top edge and non-finite values outside', () => {
    const axis = axisF32([0, 1], 4);
    expect([0, 0.2499, 0.25, 0.999, 1, -1e-9, Number.NaN, Infinity].map((x) => binF32(Math.fround(x), axis, 4))).toEqual([0, 0, 1, 3, -1, -1, -1, -1]);
  });

  it.each([
    { name: 'HH, a current sweep, the (V, n) plane', neurons: { model: 'hh', I: { from: 0, to: 20 }, count: 2000, T: 30, dt: 0.01 }, bins: [40, 30] },
    { name: 'FitzHugh–Nagumo under noise, the (v, w) plane', neurons: { model: 'fhn', I: { from: 0, to: 1 }, count: 2000, T: 60, dt: 0.05, input: { kind: 'noise', sigma: 0.3, seed: 3 } }, bins: [32, 32] },
  ])('$name: the GPU counts its own state exactly as the twin bins it, every neuron once, near the f64 twin', async ({ neurons, bins }) => {
    const ctx = await testGpu();
    const T = neurons.T;
    const config = resolveNeuronsRunConfig({ model: 'neurons', neurons: { ...neurons, traces: [], histogram: { times: [0, T / 2, T], bins } } });
    const h = config.histogram!;
    const M = config.count;
    const gpu = await runNeurons(ctx, config);
    expect(gpu.histograms.map((g) => g.step)).toEqual([0, config.steps / 2, config.steps]);
    for (const g of gpu.histograms) expect(sum(g.counts) + g.outside).toBe(M);
    // t = 0: every neuron at the resting state, in one bin
    const rest = histogramOfState(Float32Array.from(config.initial.flatMap((x) => new Array<number>(M).fill(x))), M, h);
    expect([...gpu.histograms[0]!.counts]).toEqual([...rest.counts]);
    expect(Math.max(...gpu.histograms[0]!.counts)).toBe(M);
    // t = T: the GPU's histogram is the twin's binning of the GPU's own final state, count for count
    const last = gpu.histograms[2]!;
    const own = histogramOfState(gpu.stats.state, M, h);
    expect([...last.counts]).toEqual([...own.counts]);
    expect(last.outside).toBe(own.outside);
    // the population has spread over the plane
    const occupied = last.counts.filter((c) => c > 0).length;
    expect(occupied).toBeGreaterThan(20);
    // and the f64 twin's final state gives nearly the same histogram: f32 rounding moves few neurons across an edge
    const ref = histogramOfState(runNeuronsReference(config).state, M, h);
    let moved = 0;
    for (let k = 0; k < ref.counts.length; k++) moved += Math.abs(ref.counts[k]! - last.counts[k]!);
    moved += Math.abs(ref.outside - last.outside);
    console.log(`${neurons.model}: ${occupied} bins occupied at T, ${last.outside} outside; Σ|GPU − f64 twin| = ${moved} of ${M} neurons`);
    expect(moved).toBeLessThanOrEqual(0.005 * M);
    // the same counts for another workgroup size
    const other = await runNeurons(ctx, config, { workgroupSize: 7 });
    expect(other.histograms.map((g) => [...g.counts, g.outside])).toEqual(gpu.histograms.map((g) => [...g.counts, g.outside]));
  });

  it('kinfire neurons writes density_t<time>.npy (a density over the plane) and .png, and the summary says the plane and who is outside', () => {
    const out = join(work, 'ml');
    const r = kinfire('neurons', '-q', '--set', 'neurons.model="ml-class2"', '--set', 'neurons.I={"from":80,"to":110}', '--set', 'neurons.count=500', '--set', 'neurons.T=100', '--set', 'neurons.dt=0.05', '--set', 'neurons.histogram={"times":[50,100],"bins":[48,24],"y":[0,0.5]}', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(s.histogram).toMatchObject({ x: 'V', y: 'w', bins: [48, 24], x_range: [-80, 60], y_range: [0, 0.5], times: [50, 100] });
    for (const t of ['50.000000', '100.000000']) {
      expect(s.files).toEqual(expect.arrayContaining([`density_t${t}.npy`, `density_t${t}.png`]));
      const npy = decodeNpy(readFileSync(join(out, `density_t${t}.npy`)));
      expect(npy.shape).toEqual([24, 48]);
      const cell = (140 / 48) * (0.5 / 24);
      const inside = sum(npy.data) * cell;
      const k = s.histogram.times.indexOf(Number(t));
      expect(inside).toBeCloseTo((500 - s.histogram.outside[k]) / 500, 5);
      expect(existsSync(join(out, `density_t${t}.png`))).toBe(true);
    }
  });

  it.each([
    [{ times: [0, 200] }, 'neurons.histogram.times.1'],
    [{ times: [] }, 'neurons.histogram.times'],
    [{ times: [1], bins: [0, 10] }, 'neurons.histogram.bins'],
    [{ times: [1], bins: [10, 2000] }, 'neurons.histogram.bins'],
    [{ times: [1], x: [1, -1] }, 'neurons.histogram.x'],
    [{ times: [1], colour: 'red' }, 'neurons.histogram'],
  ])('rejects histogram %j naming %s', (histogram, field) => {
    let error: unknown;
    try {
      resolveNeuronsRunConfig({ model: 'neurons', neurons: { T: 100, histogram } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).field).toMatch(new RegExp(`^${field.replace(/\./g, '\\.')}`));
  });
});
