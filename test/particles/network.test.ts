/**
 * The nnlif particle system with K populations (nnlif.populations): a network of one population is
 * bitwise the flat-key run; the populations of an uncoupled network are bitwise their one-population runs
 * (population α draws with the Philox key of seed + α·2^32); a coupled E–I network's N_mean of each
 * population agrees with the Fokker–Planck PDE of the same network (runNnlif) and with its exact steady
 * state (nnlifNetworkSteadyStates) within a few standard errors.
 *
 * Measured (seed 7, 16000 neurons per population, dt = 0.05, window [5, 20], 20 batches; the network of
 * `coupledEI`): see the README (K populations); set KINFIRE_PARTICLE_STATS=1 to print the numbers.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { runNnlif } from '../../src/host/nnlifRun';
import { runParticles } from '../../src/host/particleRun';
import { ParticleSystem } from '../../src/host/particleSystem';
import { type ConfigInput, resolveParticleConfig } from '../../src/models/config';
import { resolveNnlifRunConfig } from '../../src/models/registry';
import { nnlifNetworkSteadyStates } from '../../src/models/nnlif/networkSteady';
import { testGpu } from '../helpers/gpu';

const bits = (x: Float32Array | undefined) => (x ? Array.from(new Uint32Array(x.buffer, x.byteOffset, x.length)) : undefined);
const report: Record<string, unknown> = {};
afterAll(() => {
  if (process.env.KINFIRE_PARTICLE_STATS) console.log(JSON.stringify(report, null, 1));
});

/** `steps` steps of a config: the block, the state, the histogram and the control words. */
async function runSteps(input: ConfigInput, steps: number, options: { maxSliceNeurons?: number; workgroupSize?: number } = {}) {
  const ctx = await testGpu();
  const config = resolveParticleConfig(input);
  const system = await ParticleSystem.create(ctx, config, options);
  const block = await system.advance(steps);
  const state = await system.readState();
  const histogram = await system.histogram();
  const control = await system.readControl();
  const slices = system.sliceLayout;
  system.destroy();
  return { config, block, state, histogram, control, slices };
}
type Run = Awaited<ReturnType<typeof runSteps>>;

/** Population α of a K-population run, as a run of its own (its entries of the block, its part of the state). */
function part(run: Run, alpha: number) {
  const K = run.block.populations;
  const count = run.config.particles.count;
  const pick = <T extends Uint32Array | Float32Array>(x: T) => x.filter((_, e) => e % K === alpha) as T;
  const slice = (x: Float32Array | undefined) => x?.subarray(alpha * count, (alpha + 1) * count);
  const h = run.histogram.populations[alpha]!;
  return {
    spikes: Array.from(pick(run.block.spikes)),
    feedback: bits(pick(run.block.feedback)),
    N: Array.from(run.block.N.filter((_, e) => e % K === alpha)),
    v: bits(slice(run.state.v)),
    threshold: bits(slice(run.state.threshold)),
    refractory: slice(run.state.refractory),
    counts: Array.from(h.counts),
    density: bits(h.density),
    fractions: [h.mass, h.outside, h.refractory],
    feedbackNow: run.control.feedback[alpha],
  };
}

function expectSame(a: ReturnType<typeof part>, b: ReturnType<typeof part>, label: string) {
  expect(a.spikes, label).toEqual(b.spikes);
  expect(a.feedback, label).toEqual(b.feedback);
  expect(a.N, label).toEqual(b.N);
  expect(a.v, label).toEqual(b.v);
  expect(a.threshold, label).toEqual(b.threshold);
  expect(a.counts, label).toEqual(b.counts);
  expect(a.density, label).toEqual(b.density);
  expect(a.fractions, label).toEqual(b.fractions);
  expect(a.feedbackNow, label).toBe(b.feedbackNow);
  // a population without a refractory time has none, whether or not the network keeps the array
  if (a.refractory && b.refractory) expect(bits(a.refractory), label).toEqual(bits(b.refractory));
  else expect([...(a.refractory ?? b.refractory ?? [])].every((r) => r === 0), label).toBe(true);
}

const COUNT = 10_001;
const SEED = 987654321;
const common = { model: 'nnlif' as const, grid: { nv: 48 }, time: { T: 3, dt: 0.02 }, particles: { count: COUNT, seed: SEED, smoothing: 0.05 } };

describe('nnlif particles: K populations', () => {
  // every per-population key set away from its default, the shared ones (delay, spread, smoothing) on
  it.each([
    ['hard threshold, bridge, spread, τ, a1, delay', { a0: 0.8, VR: 0.7, VF: 2.2, tau: 0.3, vmin: -4 }, { b: 1.5, a1: 0.2, thresholdSpread: 0.4, delay: 0.04 }],
    ['soft threshold, τ, a1, delay', { a0: 1.2, VR: 0.9, VF: 1.9, tau: 0.2, firing: { kind: 'soft' as const, rate: 15, vmax: 3 } }, { b: 1.2, a1: 0.3, delay: 0.02 }],
  ])('%s: a network of one population is bitwise the flat-key run', async (_, population, shared) => {
    const initial = { v0: 1.2, sv: 0.4 };
    const flat = await runSteps({ ...common, initial, nnlif: { ...population, ...shared } }, 150);
    const { b, a1, ...rest } = shared;
    const network = await runSteps({ ...common, initial: { v0: 0.3, sv: 1 }, nnlif: { ...rest, b: [[b]], a1: [[a1]], populations: [{ name: 'E', ...population, initial }] } }, 150);
    expect(network.config.network!.populations).toHaveLength(1);
    expect(network.config.nnlif).toEqual(flat.config.nnlif);
    expect(network.block.populations).toBe(1);
    expect(network.histogram.shape).toEqual([48]);
    expect(network.slices).toEqual([{ offset: 0, count: COUNT, population: 0 }]);
    let fired = 0;
    for (const s of flat.block.spikes) fired += s;
    expect(fired).toBeGreaterThan(150);
    expectSame(part(network, 0), part(flat, 0), 'population E');
    expect(network.control).toEqual(flat.control);
  });

  // E hard (bridge) and I soft with τ: both step kinds in one kernel, each population taking its own
  const E = { name: 'E', a0: 1, VR: 1, VF: 2, initial: { v0: 1, sv: 0.3 } };
  const I = { name: 'I', a0: 0.6, VR: 0.5, VF: 1.8, tau: 0.25, firing: { kind: 'soft' as const, rate: 10, vmax: 2.8 }, initial: { v0: 0.8, sv: 0.2 } };
  const flatOf = ({ name: _, initial, ...p }: typeof E | typeof I, b: number, a1: number, seed: number): ConfigInput => ({
    ...common,
    particles: { ...common.particles, seed },
    initial,
    nnlif: { ...p, b, a1, delay: 0.02 },
  });

  it('an uncoupled E–I network (b, a1 diagonal) is bitwise its populations run alone, I with seed + 2^32', async () => {
    const network = await runSteps({ ...common, nnlif: { populations: [E, I], b: [[1.2, 0], [0, -0.8]], a1: [[0.3, 0], [0, 0.1]], delay: 0.02 } }, 150);
    expect(network.block.populations).toBe(2);
    expect(network.histogram.shape).toEqual([2, 48]);
    expect(network.slices).toEqual([
      { offset: 0, count: COUNT, population: 0 },
      { offset: 0, count: COUNT, population: 1 },
    ]);
    const aloneE = await runSteps(flatOf(E, 1.2, 0.3, SEED), 150);
    const aloneI = await runSteps(flatOf(I, -0.8, 0.1, SEED + 2 ** 32), 150);
    for (const [alpha, alone] of [aloneE, aloneI].entries()) {
      let fired = 0;
      for (const s of alone.block.spikes) fired += s;
      expect(fired, `population ${alpha} fires`).toBeGreaterThan(150);
    }
    expectSame(part(network, 0), part(aloneE, 0), 'E');
    expectSame(part(network, 1), part(aloneI, 0), 'I');
    expect(network.histogram.refractory).toBeCloseTo(aloneI.histogram.refractory / 2, 12);
    // the key offset is what makes I its own: with the seed itself the numbers are others
    const sameKey = await runSteps(flatOf(I, -0.8, 0.1, SEED), 150);
    expect(part(sameKey, 0).spikes).not.toEqual(part(network, 1).spikes);
    // and a coupling is felt: E driven by I is another run
    const coupled = await runSteps({ ...common, nnlif: { populations: [E, I], b: [[1.2, -0.5], [0, -0.8]], a1: [[0.3, 0], [0, 0.1]], delay: 0.02 } }, 150);
    expect(part(coupled, 0).spikes).not.toEqual(part(network, 0).spikes);
    expectSame(part(coupled, 1), part(network, 1), 'I, which does not see E');
  });

  it('a network split into state slices, with another workgroup size, is bitwise the unsplit run', async () => {
    const input: ConfigInput = { ...common, nnlif: { populations: [E, { ...I, firing: { kind: 'hard' as const } }], b: [[0.8, -0.4], [0.6, -0.2]], a1: [[0.1, 0], [0.05, 0]], thresholdSpread: 0.2 } };
    const whole = await runSteps(input, 120);
    const split = await runSteps(input, 120, { maxSliceNeurons: 4000, workgroupSize: 96 });
    expect(split.slices.map((s) => [s.population, s.offset, s.count])).toEqual([
      [0, 0, 4000],
      [0, 4000, 4000],
      [0, 8000, 2001],
      [1, 0, 4000],
      [1, 4000, 4000],
      [1, 8000, 2001],
    ]);
    for (const alpha of [0, 1]) expectSame(part(split, alpha), part(whole, alpha), `population ${alpha}`);
  });
});

describe('nnlif particles: a coupled E–I network against its Fokker–Planck PDE', () => {
  // E excites both, I inhibits both; I has a refractory time, E's noise grows with N_E
  const coupledEI = {
    populations: [
      { name: 'E', a0: 1, VR: 1, VF: 2 },
      { name: 'I', a0: 0.8, VR: 0.8, VF: 2, tau: 0.2 },
    ],
    b: [
      [0.5, -0.6],
      [0.7, -0.3],
    ],
    a1: [
      [0.1, 0],
      [0, 0],
    ],
  };
  const WINDOW: [number, number] = [5, 20];

  it('N_mean of each population agrees with the PDE and with the exact steady state within 3 standard errors', async () => {
    const ctx = await testGpu();
    const particles = await runParticles(ctx, resolveParticleConfig({ model: 'nnlif', nnlif: coupledEI, grid: { nv: 64 }, time: { T: 20, dt: 0.05 }, particles: { count: 16_000, seed: 7, window: WINDOW, batches: 20 } }));
    expect(particles.status).toBe('ok');
    report.coupledEIParticles = { wall_s: particles.wallSeconds, particle_steps_per_s: particles.particleStepsPerSecond };
    // the PDE over the same window (its steady state does not depend on dt: a coarse dt reaches it cheaply)
    const pdeConfig = resolveNnlifRunConfig({ model: 'nnlif', nnlif: coupledEI, grid: { nv: 256 }, time: { T: 20, dt: 0.05 } });
    const pde = await runNnlif(ctx, pdeConfig);
    expect(pde.status).toBe('ok');
    report.coupledEIPde = { wall_s: pde.wallSeconds };
    const steady = nnlifNetworkSteadyStates(
      { populations: coupledEI.populations.map((p) => ({ a0: p.a0, VR: p.VR, VF: p.VF, tau: p.tau ?? 0 })), b: coupledEI.b, a1: coupledEI.a1 },
      { stability: { T: 2, nv: 100, dt: 0.05 } },
    );
    expect(steady).toHaveLength(1);
    const rows = particles.populations.map((p, alpha) => {
      const N = pde.N[alpha]!;
      let sum = 0;
      let n = 0;
      for (let k = 0; k < pde.t.length; k++) {
        if (pde.t[k]! > WINDOW[0] + 1e-9 && pde.t[k]! <= WINDOW[1] + 1e-9) {
          sum += N[k]!;
          n++;
        }
      }
      return { name: p.name, N_mean: p.N_mean!, N_se: p.N_se!, lag1: p.batch.lag1, N_pde: sum / n, N_exact: steady[0]!.N[alpha]! };
    });
    report.coupledEI = rows;
    expect(rows.map((r) => r.name)).toEqual(['E', 'I']);
    // the two populations differ by far more than the noise: a swap of them would show
    expect(Math.abs(rows[0]!.N_exact - rows[1]!.N_exact)).toBeGreaterThan(20 * rows[0]!.N_se);
    for (const r of rows) {
      expect(Math.abs(r.N_pde - r.N_exact) / r.N_exact, r.name).toBeLessThan(1e-3);
      expect(Math.abs(r.N_mean - r.N_pde) / r.N_se, r.name).toBeLessThan(3);
      expect(Math.abs(r.N_mean - r.N_exact) / r.N_se, r.name).toBeLessThan(3);
      expect(r.lag1!, r.name).toBeLessThan(0.3);
    }
  });
});
