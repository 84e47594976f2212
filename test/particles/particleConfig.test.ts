/**
 * The particle-system config (defaults, rejections), the batch-means statistics and the exact steady
 * rates it is compared with. No GPU.
 */
import { describe, expect, it } from 'vitest';
import { checkParticleMemory, particlePopulations, particleStateBytes } from '../../src/host/particleSystem';
import { ConfigError, NNLIF_DEFAULT_DT, resolveConfig, resolveParticleConfig } from '../../src/models/config';
import { nnlifParticleSteadyRates } from '../../src/models/particles/nnlifReference';
import { batchMeans, windowSteps } from '../../src/models/particles/statistics';
import { resolveNnlifRunConfig } from '../../src/models/registry';
import { nnlifInverseRate } from '../../src/models/nnlif/steadyRate';

function rejection(input: unknown, resolve: (x: unknown) => unknown = resolveParticleConfig): ConfigError {
  try {
    resolve(input);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error(`accepted ${JSON.stringify(input)}`);
}

describe('particle config', () => {
  it('fills the defaults: count 1e5, seed 1, window the last half, no smoothing, 20 batches', () => {
    const c = resolveParticleConfig({ time: { T: 2 } });
    expect(c.model).toBe('vc');
    expect(c.particles).toEqual({ count: 1e5, seed: 1, window: [1, 2], smoothing: 0, batches: 20 });
    expect(c.nnlif).toBeNull();
    // vc: the kinetic CFL rule on the histogram grid, i.e. the dt of `kinfire run` on the same config
    const k = resolveConfig({ time: { T: 2 } });
    expect(c.time.dt).toBe(k.time.dt);
    expect(c.grid).toMatchObject({ nv: 256, ng: 128, gmax: k.grid.gmax, vlo: 0, vhi: 14 / 3 });
  });

  it('nnlif: its own block with a0 = 1, a1 = 0, b = 0.5, VR = 1, VF = 2, no refractory, fixed threshold, bridge on; dt 1e-3', () => {
    const c = resolveParticleConfig({ model: 'nnlif', time: { T: 1 } });
    expect(c.nnlif).toEqual({ a0: 1, a1: 0, b: 0.5, VR: 1, VF: 2, tau: 0, thresholdSpread: 0, bridge: true, vmin: -5, firing: { kind: 'hard' }, delay: 0 });
    expect(c.time.dt).toBeCloseTo(NNLIF_DEFAULT_DT, 15);
    expect(c.grid).toMatchObject({ nv: 256, ng: 1, gmax: 0, vlo: -5, vhi: 2 });
    const s = resolveParticleConfig({ model: 'nnlif', nnlif: { thresholdSpread: 0.25, vmin: -3 }, grid: { nv: 70 } });
    expect(s.grid).toMatchObject({ nv: 70, vlo: -3, vhi: 2.25 });
  });

  it.each([
    [{ particles: { count: 0 } }, 'particles.count', '[1, 4294967295]'],
    [{ particles: { count: 1.5 } }, 'particles.count', 'integer'],
    [{ particles: { seed: -1 } }, 'particles.seed', '[0, '],
    [{ particles: { window: [0.5] } }, 'particles.window', '[t0, t1]'],
    [{ particles: { window: [0.8, 0.2] } }, 'particles.window', '0 ≤ t0 < t1 ≤ T'],
    [{ particles: { window: [0, 5] } }, 'particles.window', '0 ≤ t0 < t1 ≤ T'],
    [{ particles: { smoothing: -1 } }, 'particles.smoothing', '[0, 3.4028235e38] (the f32 range)'],
    [{ particles: { extra: 1 } }, 'particles.extra', '"extra"'],
    [{ model: 'vc-limit' }, 'model', 'no particle system'],
    [{ model: 'nnlif', params: { b: 1 } }, 'params', 'the "params" block is only used with model "vc", "vc-threshold", "vc-limit"; model "nnlif" takes its parameters from the "nnlif" block'],
    [{ model: 'nnlif', grid: { ng: 8 } }, 'grid.ng', 'grid.ng is a key of the vc models'],
    [{ grid: { ng: 8 }, initial: { g0: 0.5 }, nnlif: {} }, 'nnlif', 'the "nnlif" block is only used with model "nnlif"'],
    [{ nnlif: { b: 1 } }, 'nnlif', 'only used with model "nnlif"'],
    [{ model: 'nnlif', nnlif: { a0: 0 } }, 'nnlif.a0', '(0, 3.4028235e38] (the f32 range)'],
    [{ model: 'nnlif', nnlif: { VR: 2, VF: 2 } }, 'nnlif.VF', 'VR < VF'],
    [{ model: 'nnlif', nnlif: { thresholdSpread: 1 } }, 'nnlif.thresholdSpread', '< VF − VR'],
    [{ model: 'nnlif', nnlif: { tau: -0.1 } }, 'nnlif.tau', '[0, 3.4028235e38] (the f32 range)'],
    [{ model: 'nnlif', nnlif: { bridge: 'yes' } }, 'nnlif.bridge', 'true or false'],
    [{ model: 'nnlif', nnlif: { lambda: 1 } }, 'nnlif.lambda', '"lambda"'],
    [{ model: 'nnlif', nnlif: { eps: 0.1 } }, 'nnlif.eps', 'unknown key'],
    [{ model: 'lif' }, 'model', 'must be one of "vc", "vc-threshold", "vc-limit", "nnlif"'],
    [{ model: 'nnlif', initial: { v0: 2.5 } }, 'initial.v0', 'below VF'],
  ])('rejects %j naming %s', (input, field, text) => {
    const e = rejection(input);
    expect(e.field).toBe(field);
    expect(e.message).toContain(text);
  });

  describe('nnlif with K populations (nnlif.populations)', () => {
    const ei = {
      model: 'nnlif',
      nnlif: {
        populations: [
          { name: 'E', a0: 1.5 },
          { name: 'I', a0: 0.5, VR: 0.5, VF: 1.5, tau: 0.2, firing: { kind: 'soft', rate: 10 }, initial: { v0: 0.2, sv: 0.1 } },
        ],
        b: [
          [0.5, -1],
          [1, -0.5],
        ],
      },
      particles: { count: 3000 },
    };

    it('resolves each population as the PDE does, with particles.count neurons and its own histogram axis', () => {
      const c = resolveParticleConfig(ei);
      expect(c.nnlif).toBeNull();
      const net = c.network!;
      expect(net.coupling).toEqual({ b: ei.nnlif.b, a1: [[0, 0], [0, 0]] });
      expect(net).toMatchObject({ delay: 0, thresholdSpread: 0, bridge: true });
      expect(net.populations).toEqual([
        { name: 'E', a0: 1.5, VR: 1, VF: 2, tau: 0, firing: { kind: 'hard' }, vmin: 1 - 6 * Math.sqrt(1.5), initial: { v0: 0.5, sv: 0.15 }, vhi: 2 },
        { name: 'I', a0: 0.5, VR: 0.5, VF: 1.5, tau: 0.2, firing: { kind: 'soft', rate: 10, vmax: 2.5 }, vmin: 0.5 - 6 * Math.sqrt(0.5), initial: { v0: 0.2, sv: 0.1 }, vhi: 2.5 },
      ]);
      // the PDE's populations are the same (the particles add their histogram top); particles.count neurons in each
      expect(particlePopulations(c).map((p) => p.count)).toEqual([3000, 3000]);
      const pde = resolveNnlifRunConfig(ei);
      expect(net.populations.map(({ vhi: _, ...p }) => p)).toEqual(pde.populations);
      expect(c.grid).toMatchObject({ nv: 256, ng: 1, vlo: net.populations[0]!.vmin, vhi: 2 });
    });

    it('the state takes K·count neurons (v and, as I has τ > 0, the refractory time: 2 arrays and their checkpoints)', () => {
      const c = resolveParticleConfig(ei);
      expect(particleStateBytes(c)).toBe(2 * 2 * 4 * (2 * 3000));
      // a count given after resolution (kinfire compare checks each of --counts so) counts for every population
      expect(particleStateBytes({ ...c, particles: { ...c.particles, count: 10 } })).toBe(2 * 2 * 4 * 20);
      expect(() => checkParticleMemory(c, true, 2 * 2 * 4 * 6000 * 2 - 2)).toThrow(/3000 neurons in each of 2 populations need/);
      expect(() => checkParticleMemory(c, true, 2 * 2 * 4 * 6000 * 2)).not.toThrow();
    });

    it('one population gives the flat parameters, as the flat keys do', () => {
      const flat = resolveParticleConfig({ model: 'nnlif', nnlif: { a0: 0.7, b: 1, a1: 0.1, tau: 0.3, thresholdSpread: 0.2 } });
      const one = resolveParticleConfig({ model: 'nnlif', nnlif: { populations: [{ name: 'E', a0: 0.7, tau: 0.3 }], b: [[1]], a1: [[0.1]], thresholdSpread: 0.2 } });
      expect(one.nnlif).toEqual(flat.nnlif);
      expect(one.network).toEqual({ ...flat.network, populations: [{ ...flat.network!.populations[0], name: 'E' }] });
      expect(flat.network!.populations[0]!.name).toBe('n');
    });

    const withNnlif = (extra: Record<string, unknown>) => ({ ...ei, nnlif: { ...ei.nnlif, ...extra } });
    it.each([
      [withNnlif({ b: [[0.5, -1]] }), 'nnlif.b', 'with 2 populations must be a 2 × 2 matrix'],
      [withNnlif({ b: [[0.5, -1], [1]] }), 'nnlif.b', '2 × 2 matrix'],
      [withNnlif({ b: 0.5 }), 'nnlif.b', '2 × 2 matrix'],
      [withNnlif({ a1: [[0, 0, 0], [0, 0, 0]] }), 'nnlif.a1', '2 × 2 matrix'],
      [withNnlif({ a0: 1 }), 'nnlif.a0', 'each population has its own a0'],
      [withNnlif({ thresholdSpread: 0.2 }), 'nnlif.thresholdSpread', 'exclude each other (population 1, I)'],
      [withNnlif({ populations: [{ name: 'E' }, { name: 'E' }] }), 'nnlif.populations', 'the names must differ'],
      [withNnlif({ populations: [{ name: 'E' }, { name: 'I', VR: 1.9 }], thresholdSpread: 0.2 }), 'nnlif.thresholdSpread', '< VF − VR = 0.10000000000000009 (population 1, I)'],
      [withNnlif({ populations: [{ name: 'E' }, { name: 'I', initial: { v0: 2, sv: 0.1 } }] }), 'nnlif.populations.1.initial.v0', 'below VF'],
      [withNnlif({ populations: Array.from({ length: 9 }, (_, k) => ({ name: `P${k}` })) }), 'nnlif.populations', '8'],
    ])('rejects %j naming %s', (input, field, text) => {
      const e = rejection(input);
      expect(e.field).toBe(field);
      expect(e.message).toContain(text);
    });
  });

  it('the kinetic solver refuses model nnlif and the nnlif block, and ignores the particles block', () => {
    expect(rejection({ model: 'nnlif' }, resolveConfig).message).toContain('kinfire particles');
    expect(rejection({ nnlif: {} }, resolveConfig).field).toBe('nnlif');
    expect(resolveConfig({ particles: { count: 10 } })).toEqual(resolveConfig({}));
    expect(rejection({ particles: { count: -3 } }, resolveConfig).field).toBe('particles.count');
  });
});

describe('batch means', () => {
  it('cuts the window into B batches of ⌊M/B⌋ steps, dropping the leftover at the start', () => {
    const x = Array.from({ length: 45 }, (_, k) => k);
    const r = batchMeans(x, 4);
    expect(r).toMatchObject({ batches: 4, batchSteps: 11, used: 44, dropped: 1 });
    expect(r.mean).toBeCloseTo(Array.from({ length: 44 }, (_, k) => k + 1).reduce((a, b) => a + b) / 44, 12);
    expect(windowSteps([0.25, 1], 0.05, 20)).toEqual({ first: 5, last: 19 });
    expect(windowSteps([0, 1], 0.05, 10)).toEqual({ first: 0, last: 9 });
  });

  it('gives an honest standard error for autocorrelated data where the naive one is too small', () => {
    // AR(1) with φ = 0.9: the SE of the mean of M values is ≈ σ_x √((1 + φ)/(1 − φ)) / √M
    let s = 12345;
    const rand = () => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return (s + 0.5) / 2 ** 32;
    };
    const phi = 0.9;
    const M = 200_000;
    const reps = 40;
    const means: number[] = [];
    const ses: number[] = [];
    let naive = 0;
    for (let r = 0; r < reps; r++) {
      const x = new Float64Array(M);
      let y = 0;
      for (let k = 0; k < M; k++) {
        const z = Math.sqrt(-2 * Math.log(rand())) * Math.cos(2 * Math.PI * rand());
        y = phi * y + Math.sqrt(1 - phi * phi) * z;
        x[k] = y;
      }
      const b = batchMeans(x, 20);
      means.push(b.mean);
      ses.push(b.se!);
      naive += 1 / Math.sqrt(M) / reps;
    }
    const trueSe = Math.sqrt((1 + phi) / (1 - phi) / M);
    const meanSe = ses.reduce((a, b) => a + b) / reps;
    const spread = Math.sqrt(means.reduce((a, m) => a + m * m, 0) / reps);
    expect(meanSe / trueSe).toBeGreaterThan(0.9);
    expect(meanSe / trueSe).toBeLessThan(1.1);
    expect(spread / trueSe).toBeGreaterThan(0.7);
    expect(spread / trueSe).toBeLessThan(1.3);
    expect(naive / trueSe).toBeLessThan(0.25);
  });
});

describe('exact steady rates of the nnlif particle model', () => {
  const base = { a0: 1, a1: 0, b: 0, VR: 1, VF: 2, tau: 0, thresholdSpread: 0 };
  it('are the Fokker–Planck rates without refractory state or spread', () => {
    expect(nnlifParticleSteadyRates(base)[0]).toBeCloseTo(0.119975965, 9);
    expect(nnlifParticleSteadyRates({ ...base, b: 0.5 })[0]).toBeCloseTo(0.13477508, 8);
  });
  it('add the mean refractory time to the mean interspike interval', () => {
    expect(nnlifParticleSteadyRates({ ...base, tau: 1 })[0]).toBeCloseTo(1 / (1 / 0.119975965 + 1), 9);
  });
  it('average the first-passage time over the threshold distribution', () => {
    const s = 0.5;
    const p = { a: 1, b: 0, VR: 1 };
    // Simpson on 200 panels of E_θ[I(θ)], θ uniform on [VF − s, VF + s]
    const n = 200;
    let acc = 0;
    for (let k = 0; k <= n; k++) acc += (k === 0 || k === n ? 1 : k % 2 ? 4 : 2) * nnlifInverseRate({ ...p, VF: 2 - s + (2 * s * k) / n }, 0);
    const mean = (acc * ((2 * s) / n / 3)) / (2 * s);
    expect(nnlifParticleSteadyRates({ ...base, thresholdSpread: s })[0]).toBeCloseTo(1 / mean, 9);
  });
});
