/**
 * Determinism of the particle system: the same seed gives bitwise the same spike counts, states and
 * histograms whatever the workgroup size (so whatever the dispatch shape) and from run to run; a
 * rolled-back block replays bitwise; and the WGSL variants compose.
 */
import { describe, expect, it } from 'vitest';
import { runParticles } from '../../src/host/particleRun';
import { PARTICLE_STREAMS, particleKernelSpecs, ParticleSystem } from '../../src/host/particleSystem';
import { composeWgsl, shaderFiles } from '../../src/host/shaderSource';
import { type ConfigInput, type ParticleConfig, resolveParticleConfig } from '../../src/models/config';
import { testGpu } from '../helpers/gpu';

async function runWith(config: ParticleConfig, workgroupSize: number, steps: number, maxSliceNeurons?: number) {
  const ctx = await testGpu();
  const system = await ParticleSystem.create(ctx, config, { workgroupSize, maxSliceNeurons });
  const block = await system.advance(steps);
  const state = await system.readState();
  const histogram = await system.histogram();
  const control = await system.readControl();
  system.destroy();
  return { spikes: block.spikes, feedback: block.feedback, state, counts: histogram.counts, control, slices: system.sliceLayout };
}

function expectSameRun(other: Awaited<ReturnType<typeof runWith>>, first: Awaited<ReturnType<typeof runWith>>) {
  expect(Array.from(other.spikes)).toEqual(Array.from(first.spikes));
  expect(bits(other.feedback)).toEqual(bits(first.feedback));
  expect(bits(other.state.v)).toEqual(bits(first.state.v));
  expect(bits(other.state.g)).toEqual(bits(first.state.g));
  expect(bits(other.state.threshold)).toEqual(bits(first.state.threshold));
  expect(bits(other.state.refractory)).toEqual(bits(first.state.refractory));
  expect(Array.from(other.counts)).toEqual(Array.from(first.counts));
  expect(other.control).toEqual(first.control);
}

const bits = (x: Float32Array | undefined) => (x ? Array.from(new Uint32Array(x.buffer, x.byteOffset, x.length)) : undefined);

// every option on: excitatory feedback, noise growing with N, refractory state, random threshold, smoothing
const nnlifAll: ConfigInput = {
  model: 'nnlif',
  nnlif: { b: 1.5, a1: 0.2, tau: 0.3, thresholdSpread: 0.4 },
  grid: { nv: 50 },
  time: { T: 3, dt: 0.02 },
  particles: { count: 20_001, seed: 12345678901, smoothing: 0.1 },
  initial: { v0: 1.2, sv: 0.4 },
};
const vcFeedback: ConfigInput = { model: 'vc', params: { b: 1, gin: 0.3, eps: 0.02 }, grid: { nv: 48, ng: 32 }, time: { T: 0.1, dt: 0.001 }, particles: { count: 20_001, seed: 3 } };
// renewal neurons of the elapsed model: the sigmoid (a draw per neuron and step), the exponential kernel, young ages that fire
const elapsedRenewal: ConfigInput = {
  model: 'elapsed',
  elapsed: { b: 0.5, firing: 'sigmoid', phi0: 40, w: 0.05, kernel: 'exponential', tau: 0.1, thresholdAge: 'linear', s0: 0.3, smin: 0.02 },
  time: { T: 3, dt: 0.02 },
  particles: { count: 20_001, seed: 77 },
};
const vcThreshold: ConfigInput = { model: 'vc-threshold', params: { b: 0.2 }, grid: { nv: 48, ng: 32 }, time: { T: 0.1, dt: 0.001 }, particles: { count: 20_001, seed: 3 } };

describe('particles: the same seed gives bitwise the same run', () => {
  it.each([
    ['nnlif, every option', nnlifAll, 150, [64, 256, 96]],
    ['vc with feedback', vcFeedback, 100, [32, 128]],
    ['vc-threshold', vcThreshold, 100, [64, 256]],
    ['elapsed, renewal neurons', elapsedRenewal, 60, [64, 96]],
  ] as const)('%s: whatever the workgroup size, and run to run', async (_, input, steps, sizes) => {
    const config = resolveParticleConfig(input);
    const runs = [];
    for (const wg of [...sizes, sizes[0]]) runs.push(await runWith(config, wg, steps));
    const [first, ...others] = runs;
    let total = 0;
    for (const s of first.spikes) total += s;
    expect(total).toBeGreaterThan(steps); // the runs do fire
    for (const other of others) expectSameRun(other, first);
  });

  // A population beyond one storage binding is split into slices with their own buffers; forcing small
  // slices here (SwiftShader binds 1 GiB, 2.7e8 neurons) runs the same code path as 10^9 neurons on a GPU.
  it.each([
    ['nnlif, every option', nnlifAll, 150],
    ['vc with feedback', vcFeedback, 100],
    ['vc-threshold', vcThreshold, 60],
    ['elapsed, renewal neurons', elapsedRenewal, 60],
  ] as const)('%s: state split across slices of buffers is bitwise the unsplit run', async (_, input, steps) => {
    const config = resolveParticleConfig(input);
    const whole = await runWith(config, 64, steps);
    expect(whole.slices).toEqual([{ offset: 0, count: 20_001, population: 0 }]);
    // 3 slices (7000, 7000, 6001), none a multiple of the workgroup; and 5 slices of 4001 with another workgroup size
    const split = await runWith(config, 64, steps, 7000);
    expect(split.slices).toEqual([
      { offset: 0, count: 7000, population: 0 },
      { offset: 7000, count: 7000, population: 0 },
      { offset: 14_000, count: 6001, population: 0 },
    ]);
    expectSameRun(split, whole);
    const five = await runWith(config, 96, steps, 4001);
    expect(five.slices.length).toBe(5);
    expectSameRun(five, whole);
  });

  it('rejects a slice size outside [1, the binding limit]', async () => {
    const ctx = await testGpu();
    const config = resolveParticleConfig(vcThreshold);
    await expect(ParticleSystem.create(ctx, config, { maxSliceNeurons: 0 })).rejects.toThrow(/maxSliceNeurons must be an integer in \[1, \d+\]/);
    await expect(ParticleSystem.create(ctx, config, { maxSliceNeurons: 2 ** 40 })).rejects.toThrow(/maxSliceNeurons/);
  });

  it('the feedback is the exact exponential filter of N: S ← e^{−dt/τN} S + (1 − e^{−dt/τN}) N', async () => {
    const config = resolveParticleConfig(nnlifAll);
    const run = await runWith(config, 64, 150);
    const { dt } = config.time;
    const decay = Math.exp(-dt / config.particles.smoothing);
    let S = 0; // N0 = 0 for nnlif
    for (let k = 0; k < 150; k++) {
      S = decay * S + (1 - decay) * (run.spikes[k] / (config.particles.count * dt));
      expect(run.feedback[k]).toBeCloseTo(S, 4);
    }
    expect(Math.max(...run.feedback)).toBeGreaterThan(0.1);
  });

  it('another seed gives another run', async () => {
    const config = resolveParticleConfig(nnlifAll);
    const other = resolveParticleConfig({ ...nnlifAll, particles: { ...(nnlifAll.particles as object), seed: 12345678902 } });
    const a = await runWith(config, 64, 50);
    const b = await runWith(other, 64, 50);
    expect(Array.from(a.spikes)).not.toEqual(Array.from(b.spikes));
  });

  it('a run stopped by time.Nmax keeps the last good state, bitwise that of a run to the same step', async () => {
    const ctx = await testGpu();
    const input: ConfigInput = { model: 'nnlif', nnlif: { b: 3 }, time: { T: 10, dt: 0.02, Nmax: 2 }, particles: { count: 2000, seed: 5 } };
    const config = resolveParticleConfig(input);
    let last: Uint32Array | undefined;
    // split into 3 slices: the rollback restores every slice's state
    const stopped = await runParticles(ctx, config, { onSnapshot: (s) => void (last = s.histogram.counts) }, { maxSliceNeurons: 700 });
    expect(stopped.status).toBe('blowup');
    expect(stopped.message).toContain('time.Nmax');
    expect(stopped.steps).toBeGreaterThan(0);
    expect(Math.max(...stopped.N)).toBeLessThanOrEqual(2);
    const again = await runWith(config, 64, stopped.steps);
    expect(Array.from(again.spikes)).toEqual(Array.from(stopped.spikes));
    expect(Array.from(again.counts)).toEqual(Array.from(last!));
  });
});

describe('particle WGSL', () => {
  it('every variant composes to directive-free WGSL with its entry point', () => {
    const variants: ConfigInput[] = [
      { model: 'vc' },
      { model: 'vc-threshold' },
      ...[true, false].flatMap((bridge) => [0, 0.5].flatMap((tau) => [0, 0.3].map((thresholdSpread) => ({ model: 'nnlif' as const, nnlif: { bridge, tau, thresholdSpread } })))),
      { model: 'nnlif', nnlif: { firing: { kind: 'soft' } } },
      // a network with both thresholds: both step functions, chosen per population at run time
      { model: 'nnlif', nnlif: { populations: [{ name: 'E' }, { name: 'I', tau: 0.1, firing: { kind: 'soft' } }], b: [[0, 0], [0, 0]] } },
      { model: 'elapsed' },
      { model: 'elapsed', elapsed: { firing: 'sigmoid', kernel: 'delay', d: 0.1 } },
    ];
    for (const input of variants) {
      for (const spec of Object.values(particleKernelSpecs(resolveParticleConfig(input)))) {
        const code = composeWgsl(spec.files, spec.defines);
        expect(code).not.toMatch(/#(if|elif|else|endif)|\$\{/);
        expect(code).toContain(`fn ${spec.entryPoint}(`);
      }
    }
  });

  it('the stream ids of the host are those of the WGSL, and all distinct', () => {
    const wgsl = Object.fromEntries([...shaderFiles.particlesBindings.matchAll(/const STREAM_(\w+): u32 = (\d+)u;/g)].map((m) => [m[1], Number(m[2])]));
    const camel = (s: string) => s.toLowerCase().replace(/_(\w)/g, (_, c: string) => c.toUpperCase());
    expect(Object.fromEntries(Object.entries(wgsl).map(([k, v]) => [camel(k), v]))).toEqual(PARTICLE_STREAMS);
    expect(new Set(Object.values(PARTICLE_STREAMS)).size).toBe(Object.keys(PARTICLE_STREAMS).length);
  });
});
