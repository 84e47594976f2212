/**
 * The nnlif particle system against the exact steady firing rates of its Fokker–Planck equation
 * (a = 1, VR = 1, VF = 2: N* = 0.119975965 for b = 0, 0.134775080 for b = 0.5), with and without the
 * Brownian-bridge correction, at two counts and two time steps; the refractory state and the random
 * threshold against their renewal predictions; the steady histogram against the exact steady density.
 *
 * Every run has a fixed seed, so each check passes or fails the same way on every run. N_mean is averaged
 * over t in [6, 30] (the transient from the initial data is over by t ≈ 4; with a threshold spread it
 * lasts to t ≈ 40, so that case averages over [50, 150]) with a batch-means standard error (30 batches;
 * the correlation time of N(t) is below one batch).
 *
 * Measured (seed 7, dt = 0.05, window [6, 30]): b = 0, bridge: 0.120068 ± 0.000441 (25000 neurons),
 * 0.120014 ± 0.000236 (100000); without the bridge 0.080630 ± 0.000328 (−33%), and 0.068455 at dt = 0.1
 * (−43%, the ratio of the biases 1.31 ≈ √2). b = 0.5, bridge: 0.135222 ± 0.000527 (25000).
 *
 * Set KINFIRE_PARTICLE_STATS=1 to print the measured rates.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ParticleRunResult, runParticles } from '../../src/host/particleRun';
import type { ParticleHistogram } from '../../src/host/particleSystem';
import { type ConfigInput, type NnlifModelParams, resolveParticleConfig } from '../../src/models/config';
import { nnlifSteadyDensity } from '../../src/models/nnlif/steadyRate';
import { nnlifKernelParams, nnlifParticleSteadyRates } from '../../src/models/particles/nnlifReference';
import { testGpu } from '../helpers/gpu';

const EXACT_B0 = 0.119975965;
const EXACT_B05 = 0.13477508;
const T = 30;
const WINDOW: [number, number] = [6, 30];

interface Case {
  nnlif: Partial<NnlifModelParams>;
  count: number;
  dt: number;
  /** final time and window, when not T and WINDOW */
  T?: number;
  window?: [number, number];
}

const cases = {
  bridge: { nnlif: { b: 0 }, count: 25_000, dt: 0.05 },
  bridgeLarge: { nnlif: { b: 0 }, count: 100_000, dt: 0.05 },
  plain: { nnlif: { b: 0, bridge: false }, count: 25_000, dt: 0.05 },
  bridgeCoarse: { nnlif: { b: 0 }, count: 25_000, dt: 0.1 },
  plainCoarse: { nnlif: { b: 0, bridge: false }, count: 25_000, dt: 0.1 },
  excitatory: { nnlif: { b: 0.5 }, count: 25_000, dt: 0.05 },
  refractory: { nnlif: { b: 0, tau: 1 }, count: 25_000, dt: 0.05 },
  // the neurons with high thresholds have long cycles: the renewal equilibrium takes t ≈ 40 to settle
  spread: { nnlif: { b: 0, thresholdSpread: 0.5 }, count: 10_000, dt: 0.05, T: 150, window: [50, 150] },
} satisfies Record<string, Case>;
type Name = keyof typeof cases;

function config(c: Case) {
  const input: ConfigInput = {
    model: 'nnlif',
    nnlif: c.nnlif,
    grid: { nv: 64 },
    time: { T: c.T ?? T, dt: c.dt },
    output: { snapshots: [c.T ?? T] },
    particles: { count: c.count, seed: 7, window: c.window ?? WINDOW, batches: 30 },
  };
  return resolveParticleConfig(input);
}

const results = {} as Record<Name, ParticleRunResult & { final: ParticleHistogram }>;
const report: Record<string, unknown> = {};

beforeAll(async () => {
  const ctx = await testGpu();
  for (const [name, c] of Object.entries(cases) as [Name, Case][]) {
    let final: ParticleHistogram | undefined;
    const r = await runParticles(ctx, config(c), { onSnapshot: (s) => void (final = s.histogram) });
    results[name] = { ...r, final: final! };
    report[name] = { ...c, N_mean: r.N_mean, N_se: r.N_se, lag1: r.batch.lag1, particle_steps_per_s: r.particleStepsPerSecond, wall_s: r.wallSeconds };
  }
});
afterAll(() => {
  if (process.env.KINFIRE_PARTICLE_STATS) console.log(JSON.stringify(report, null, 1));
});

/** (N_mean − N*) / SE */
const zScore = (r: ParticleRunResult, exact: number) => (r.N_mean! - exact) / r.N_se!;

describe('nnlif particles: steady rate', () => {
  it('the exact rates are those of the Fokker–Planck equation', () => {
    expect(nnlifParticleSteadyRates(config(cases.bridge).nnlif!)).toEqual([expect.closeTo(EXACT_B0, 8)]);
    expect(nnlifParticleSteadyRates(config(cases.excitatory).nnlif!)).toEqual([expect.closeTo(EXACT_B05, 8)]);
  });

  it('b = 0: agrees with N* = 0.119975965 within three standard errors at both counts', () => {
    for (const name of ['bridge', 'bridgeLarge'] as const) {
      expect(Math.abs(zScore(results[name], EXACT_B0)), name).toBeLessThan(3);
      expect(results[name].batch.lag1!, name).toBeLessThan(0.3);
    }
  });

  it('the standard error shrinks like count^(-1/2): four times the neurons, half the SE', () => {
    const ratio = results.bridge.N_se! / results.bridgeLarge.N_se!;
    // the ratio of two 30-batch SE estimates scatters by ~18%; count^(-1/2) predicts 2
    expect(ratio).toBeGreaterThan(1.4);
    expect(ratio).toBeLessThan(2.8);
    expect(results.bridgeLarge.N_se!).toBeLessThan(0.004 * EXACT_B0);
  });

  it('b = 0.5: agrees with N* = 0.134775080 within three standard errors', () => {
    expect(Math.abs(zScore(results.excitatory, EXACT_B05))).toBeLessThan(3);
  });
});

describe('nnlif particles: the Brownian-bridge correction', () => {
  it('without it the rate is biased low by O(√dt); with it the bias is within the noise at both dt', () => {
    const biasPlain = results.plain.N_mean! - EXACT_B0;
    const biasPlainCoarse = results.plainCoarse.N_mean! - EXACT_B0;
    // discrete monitoring misses the crossings between steps: far below, many standard errors
    expect(zScore(results.plain, EXACT_B0)).toBeLessThan(-20);
    expect(zScore(results.plainCoarse, EXACT_B0)).toBeLessThan(-20);
    // halving dt divides the bias by about √2 (O(√dt), Broadie–Glasserman–Kou)
    expect(biasPlainCoarse / biasPlain).toBeGreaterThan(1.2);
    expect(biasPlainCoarse / biasPlain).toBeLessThan(1.65);
    // the same noise, the same steps: the corrected runs agree with N* at dt = 0.1 and 0.05
    expect(Math.abs(zScore(results.bridge, EXACT_B0))).toBeLessThan(3);
    expect(Math.abs(zScore(results.bridgeCoarse, EXACT_B0))).toBeLessThan(3);
    expect(Math.abs(results.bridgeCoarse.N_mean! - EXACT_B0)).toBeLessThan(0.05 * Math.abs(biasPlainCoarse));
  });
});

describe('nnlif particles: refractory state and random threshold', () => {
  it('refractory τ = 1: N = 1/(τ + I) and a fraction N·τ of the neurons is refractory', () => {
    const exact = 1 / (1 / EXACT_B0 + 1);
    expect(nnlifParticleSteadyRates(config(cases.refractory).nnlif!)[0]).toBeCloseTo(exact, 9);
    const r = results.refractory;
    expect(Math.abs(zScore(r, exact))).toBeLessThan(3);
    const p = exact * 1;
    expect(Math.abs(r.final.refractory - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / cases.refractory.count));
    expect(r.final.mass + r.final.outside + r.final.refractory).toBeCloseTo(1, 12);
  });

  it('threshold uniform in [VF − s, VF + s]: N = 1/E_θ[I(θ)], below the fixed-threshold rate', () => {
    const exact = nnlifParticleSteadyRates(config(cases.spread).nnlif!)[0];
    expect(exact).toBeLessThan(EXACT_B0 - 0.01);
    expect(Math.abs(zScore(results.spread, exact))).toBeLessThan(3);
  });
});

describe('nnlif particles: the v histogram', () => {
  it('is normalised as a density on [vmin, VF]: Σ n Δv = the fraction of the neurons on the grid', () => {
    const h = results.bridgeLarge.final;
    const c = config(cases.bridgeLarge);
    const dv = (c.grid.vhi - c.grid.vlo) / c.grid.nv;
    expect(h.shape).toEqual([64]);
    let sum = 0;
    let counts = 0;
    for (let i = 0; i < 64; i++) {
      sum += h.density[i] * dv;
      counts += h.counts[i];
    }
    expect(counts + Math.round(h.outside * c.particles.count)).toBe(c.particles.count);
    expect(sum).toBeCloseTo(h.mass, 6);
    expect(h.mass + h.outside).toBeCloseTo(1, 12);
    expect(h.outside).toBeLessThan(1e-4);
  });

  it('matches the exact steady density (χ² over the cells, independent neurons at b = 0)', () => {
    const c = config(cases.bridgeLarge);
    const n = c.nnlif!;
    const h = results.bridgeLarge.final;
    const dv = (c.grid.vhi - c.grid.vlo) / c.grid.nv;
    const steady = nnlifSteadyDensity(nnlifKernelParams(n), EXACT_B0, c.grid.vlo, c.grid.vhi, c.grid.nv);
    let chi2 = 0;
    let cells = 0;
    for (let i = 0; i < c.grid.nv; i++) {
      const expected = steady[i] * dv * c.particles.count;
      if (expected < 20) continue;
      chi2 += (h.counts[i] - expected) ** 2 / expected;
      cells++;
    }
    report.histogramChi2 = { chi2, cells };
    expect(cells).toBeGreaterThan(40);
    expect(chi2).toBeLessThan(cells + 5 * Math.sqrt(2 * cells));
    // and it would see a wrong density: the same counts against the b = 0.5 steady state
    const other = nnlifSteadyDensity(nnlifKernelParams({ ...n, b: 0.5 }), EXACT_B05, c.grid.vlo, c.grid.vhi, c.grid.nv);
    let chi2Wrong = 0;
    for (let i = 0; i < c.grid.nv; i++) {
      const expected = other[i] * dv * c.particles.count;
      if (expected >= 20) chi2Wrong += (h.counts[i] - expected) ** 2 / expected;
    }
    expect(chi2Wrong).toBeGreaterThan(2 * (cells + 5 * Math.sqrt(2 * cells)));
  });
});
