/**
 * New parameters on a running state (the viewer's live knobs): KineticSolver.setParameters must step on
 * exactly as a solver built with the new parameters from the same state, and refuse a change of grid or
 * model; ParticleSystem.setParameters likewise keeps the neurons and changes their law from the next step.
 */
import { describe, expect, it } from 'vitest';
import { KineticSolver } from '../../src/host/kineticSolver';
import { ParticleSystem } from '../../src/host/particleSystem';
import { type ConfigInput, resolveConfig, resolveParticleConfig } from '../../src/models/config';
import { testGpu } from '../helpers/gpu';

const base: ConfigInput = { model: 'vc', grid: { nv: 48, ng: 32, gmax: 6 }, time: { T: 1, dt: 2e-3 } };
const bits = (x: Float32Array) => Array.from(new Uint32Array(x.buffer, x.byteOffset, x.length));

describe('KineticSolver.setParameters', () => {
  it('steps on bitwise as a new solver built with the new parameters from the same state', async () => {
    const ctx = await testGpu();
    const before = resolveConfig(base);
    const after = resolveConfig({ ...base, params: { b: 3, eps: 1e-3, gin: 1.2, VR: 0.3, phiF: { rate: 35 } }, time: { T: 1, dt: 1e-3 } });
    const live = await KineticSolver.create(ctx, before);
    await live.advance(25);
    const state = await live.readDensity();
    live.setParameters(after);
    const liveBlock = await live.advance(30);
    const fresh = await KineticSolver.create(ctx, after, state);
    const freshBlock = await fresh.advance(30);
    expect(bits(await live.readDensity())).toEqual(bits(await fresh.readDensity()));
    expect(bits(liveBlock.N)).toEqual(bits(freshBlock.N));
    expect(live.grid.reinjectCell).toBe(fresh.grid.reinjectCell); // VR moved the reinjection cell
    expect(live.stepIndex).toBe(55); // the clock goes on
    // and the change mattered
    const unchanged = await KineticSolver.create(ctx, before, state);
    const unchangedBlock = await unchanged.advance(30);
    expect(Math.abs(unchangedBlock.N[29] - liveBlock.N[29])).toBeGreaterThan(1e-3);
    for (const s of [live, fresh, unchanged]) s.destroy();
  });

  it('refuses another grid or model', async () => {
    const ctx = await testGpu();
    const solver = await KineticSolver.create(ctx, resolveConfig(base));
    expect(() => solver.setParameters(resolveConfig({ ...base, grid: { nv: 64, ng: 32, gmax: 6 } }))).toThrow(/grid must stay the same/);
    expect(() => solver.setParameters(resolveConfig({ ...base, params: { VE: 5 } }))).toThrow(/grid must stay the same/);
    expect(() => solver.setParameters(resolveConfig({ ...base, model: 'vc-limit' }))).toThrow(/model and the grid/);
    solver.destroy();
  });
});

describe('ParticleSystem.setParameters', () => {
  const particles = { count: 5000, seed: 9 };
  it('keeps every neuron and steps with the new law from the next step', async () => {
    const ctx = await testGpu();
    const before = resolveParticleConfig({ ...base, particles });
    const same = await ParticleSystem.create(ctx, before);
    const changed = await ParticleSystem.create(ctx, before);
    const a = await same.advance(20);
    const b = await changed.advance(20);
    expect(Array.from(b.spikes)).toEqual(Array.from(a.spikes));
    const stateBefore = await changed.readState();
    same.setParameters(before); // the same parameters: nothing changes
    changed.setParameters(resolveParticleConfig({ ...base, params: { b: 6, gin: 2 }, particles }));
    expect(bits((await changed.readState()).v)).toEqual(bits(stateBefore.v));
    const untouched = await ParticleSystem.create(ctx, before);
    const c = await untouched.advance(60);
    const a2 = await same.advance(40);
    const b2 = await changed.advance(40);
    expect(Array.from(a2.spikes)).toEqual(Array.from(c.spikes.slice(20)));
    const total = (x: Uint32Array) => x.reduce((s, y) => s + y, 0);
    expect(total(b2.spikes)).toBeGreaterThan(1.2 * total(a2.spikes)); // more input conductance, more spikes
    expect(() => changed.setParameters(resolveParticleConfig({ ...base, particles: { count: 6000 } }))).toThrow(/count must stay the same/);
    for (const s of [same, changed, untouched]) s.destroy();
  });

  it('reads N with the dt of the step that counted the spikes, across a change of dt', async () => {
    const ctx = await testGpu();
    const system = await ParticleSystem.create(ctx, resolveParticleConfig({ ...base, particles }));
    await system.advance(10);
    system.setParameters(resolveParticleConfig({ ...base, time: { T: 1, dt: 5e-3 }, particles }));
    await system.advance(10);
    const block = await system.readHistory(1, 20);
    for (let k = 0; k < 20; k++) {
      const dt = k < 10 ? 2e-3 : 5e-3;
      expect(block.N[k]).toBe(block.spikes[k] / (particles.count * dt));
    }
    expect(block.spikes.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    system.destroy();
  });
});
