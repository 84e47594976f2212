/**
 * The voltage-conductance particle systems (vc, vc-threshold): the conductance against the exact laws of
 * the OU process (free, and reflected at g = 0 near it), the (v, g) histogram's layout and normalisation,
 * and N(t) against the kinetic solver on the same problem. Fixed seeds: each check passes or fails the
 * same way on every run.
 */
import erf from '@stdlib/math-base-special-erf';
import { describe, expect, it } from 'vitest';
import { runParticles } from '../../src/host/particleRun';
import { particleHistogramGrid, ParticleSystem } from '../../src/host/particleSystem';
import { runSimulation } from '../../src/host/run';
import { resolveConfig, resolveParticleConfig } from '../../src/models/config';
import { testGpu } from '../helpers/gpu';

const Phi = (x: number) => 0.5 * (1 + erf(x / Math.SQRT2));
const phi = (x: number) => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);

function moments(x: Float32Array) {
  const n = x.length;
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i];
  const mean = s / n;
  let m2 = 0;
  let m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = (x[i] - mean) ** 2;
    m2 += d;
    m4 += d * d;
  }
  return { mean, variance: m2 / (n - 1), m4: m4 / n };
}

/** Mean and variance of N(μ, σ²) truncated to [0, ∞). */
function truncatedMoments(mu: number, sigma: number) {
  const alpha = -mu / sigma;
  const lambda = phi(alpha) / (1 - Phi(alpha));
  return { mean: mu + sigma * lambda, variance: sigma * sigma * (1 + alpha * lambda - lambda * lambda) };
}

describe('vc particles: the conductance', () => {
  it('far from g = 0 it is the free OU process, exactly in law at every step: mean → Geq, variance → a over a few ε', async () => {
    const ctx = await testGpu();
    const eps = 0.05;
    const a = 0.3;
    const geq = 3;
    const dt = 0.0125; // dt/ε = 1/4: the transition is exact whatever dt is
    const count = 100_000;
    const config = resolveParticleConfig({ model: 'vc', params: { gin: geq, b: 0, a, eps }, time: { T: 40 * dt, dt }, particles: { count } });
    const system = await ParticleSystem.create(ctx, config);
    const start = moments((await system.readState()).g!);
    let n = 0;
    for (const target of [2, 4, 8, 20, 40]) {
      await system.advance(target - n);
      n = target;
      const rho = Math.exp((-n * dt) / eps);
      const { mean, variance } = moments((await system.readState()).g!);
      // given the sample at t = 0: E[mean] = Geq + (m0 − Geq)ρ^n, Var[mean] = a(1 − ρ^2n)/count
      const expectedMean = geq + (start.mean - geq) * rho;
      expect(Math.abs(mean - expectedMean), `mean at step ${n}`).toBeLessThan(4 * Math.sqrt((a * (1 - rho * rho)) / count));
      const expectedVariance = a * (1 - rho * rho) + start.variance * rho * rho;
      expect(Math.abs(variance - expectedVariance), `variance at step ${n}`).toBeLessThan(5 * expectedVariance * Math.sqrt(2 / count));
    }
    // after 10ε: Geq and a
    const end = moments((await system.readState()).g!);
    expect(Math.abs(end.mean - geq)).toBeLessThan(0.01);
    expect(Math.abs(end.variance / a - 1)).toBeLessThan(0.02);
    system.destroy();
  });

  it.each([
    ['dt ≪ ε', 0.05, 100],
    ['ε ≪ dt', 1e-3, 10],
  ])('near g = 0 (%s) it relaxes to the truncated Gaussian: mean, variance and law (KS)', async (_, eps, steps) => {
    const ctx = await testGpu();
    const a = 0.3;
    const geq = 0.2;
    const dt = 0.01;
    const count = 100_000;
    const config = resolveParticleConfig({ model: 'vc', params: { gin: geq, b: 0, a, eps }, time: { T: steps * dt, dt }, particles: { count } });
    const system = await ParticleSystem.create(ctx, config);
    await system.advance(steps);
    const g = (await system.readState()).g!;
    system.destroy();
    const sigma = Math.sqrt(a);
    const exact = truncatedMoments(geq, sigma);
    const m = moments(g);
    const seMean = Math.sqrt(m.variance / count);
    expect(Math.abs(m.mean - exact.mean)).toBeLessThan(4 * seMean);
    expect(Math.abs(m.variance - exact.variance)).toBeLessThan(5 * Math.sqrt((m.m4 - m.variance ** 2) / count));
    // KS against F(x) = (Φ((x − μ)/σ) − Φ(α)) / (1 − Φ(α)), rejecting at 1e-3 (D √n > 1.95)
    const sorted = Float64Array.from(g).sort();
    const alpha = -geq / sigma;
    let D = 0;
    for (let i = 0; i < count; i++) {
      const F = (Phi((sorted[i] - geq) / sigma) - Phi(alpha)) / (1 - Phi(alpha));
      D = Math.max(D, Math.abs(F - i / count), Math.abs(F - (i + 1) / count));
    }
    expect(D * Math.sqrt(count)).toBeLessThan(1.95);
    // the fold alone (no accept/reject) would give the folded normal, whose mean is 0.466, not 0.518
    const folded = sigma * Math.sqrt(2 / Math.PI) * Math.exp(-(geq * geq) / (2 * a)) + geq * (1 - 2 * Phi(-geq / sigma));
    expect(Math.abs(folded - exact.mean)).toBeGreaterThan(20 * seMean);
    expect(g.every((x) => x >= 0)).toBe(true);
  });
});

describe('vc particles: firing', () => {
  it('constant φF: every neuron fires in each half step with probability 1 − e^{−φ0·dt/2}', async () => {
    const ctx = await testGpu();
    const count = 10_000;
    const dt = 1e-3;
    const steps = 200;
    const rate = 20;
    const config = resolveParticleConfig({ model: 'vc', params: { phiF: { kind: 'constant', rate } }, time: { T: steps * dt, dt }, particles: { count, window: [0, steps * dt] } });
    const r = await runParticles(ctx, config);
    // spikes per step ~ Binomial(2·count, q), independent between steps
    const q = -Math.expm1((-rate * dt) / 2);
    const expected = (2 * q) / dt;
    const se = Math.sqrt(2 * count * q * (1 - q)) / (count * dt) / Math.sqrt(steps);
    expect(Math.abs(r.N_mean! - expected)).toBeLessThan(4 * se);
    expect(r.N0).toBe(rate);
    // the batch-means SE estimates the same thing
    expect(r.N_se! / se).toBeGreaterThan(0.6);
    expect(r.N_se! / se).toBeLessThan(1.5);
  });
});

describe('vc particles: the (v, g) histogram', () => {
  it('has the layout of the kinetic density, (ng, nv) with v fastest, and mass 1 when every neuron is on the grid', async () => {
    const ctx = await testGpu();
    const count = 30_001;
    const config = resolveParticleConfig({ model: 'vc', grid: { nv: 40, ng: 24 }, time: { T: 0.02, dt: 0.001 }, particles: { count } });
    const system = await ParticleSystem.create(ctx, config);
    await system.advance(20);
    const h = await system.histogram();
    const { v, g } = await system.readState();
    system.destroy();
    const grid = particleHistogramGrid(config);
    expect(h.shape).toEqual([24, 40]);
    // the same binning on the host, in f32 like the kernel
    const f = Math.fround;
    const invDv = f(1 / grid.dv);
    const invDg = f(1 / grid.dg);
    const counts = new Uint32Array(40 * 24);
    for (let k = 0; k < count; k++) {
      const i = Math.floor(f(f(v[k] - f(grid.vlo)) * invDv));
      const j = Math.floor(f(g![k] * invDg));
      counts[j * 40 + i]++;
    }
    expect(Array.from(h.counts)).toEqual(Array.from(counts));
    expect(h.outside).toBe(0);
    expect(h.mass).toBe(1);
    let mass = 0;
    for (const p of h.density) mass += p * grid.dv * grid.dg;
    expect(mass).toBeCloseTo(1, 6);
  });
});

describe('vc particles against the kinetic solver', () => {
  it.each([
    ['vc', { model: 'vc' }],
    ['vc-threshold', { model: 'vc-threshold', params: { b: 0.1 } }],
  ])('%s: N(t) of 20000 neurons follows the kinetic N(t) on the same dt', async (_, base) => {
    const ctx = await testGpu();
    const input = { ...base, grid: { nv: 64, ng: 48 }, time: { T: 0.3 } };
    const kinetic = await runSimulation(ctx, resolveConfig(input));
    const config = resolveParticleConfig({ ...input, particles: { count: 20_000, window: [0.15, 0.3] } });
    expect(config.time.dt).toBe(resolveConfig(input).time.dt);
    const particles = await runParticles(ctx, config);
    // the kinetic N over the same steps: N(t_n) of the state, averaged at the two ends of each step
    const { first, lastStep } = { first: particles.window.firstStep, lastStep: particles.window.lastStep };
    let sum = 0;
    for (let n = first; n <= lastStep; n++) sum += 0.5 * (kinetic.activity.N[n] + kinetic.activity.N[n + 1]);
    const Nk = sum / (lastStep - first + 1);
    // particle noise (3 SE) plus the kinetic grid's O(Δv, Δg) error (2%)
    expect(Math.abs(particles.N_mean! - Nk)).toBeLessThan(3 * particles.N_se! + 0.02 * Nk);
    expect(Nk).toBeGreaterThan(1);
  });
});
