/**
 * neuronsStep.wgsl against its f64 twin (models/neurons/reference.ts, the same step) for every model, scheme and input
 * kind: traces and spike times; against an independent small-step integration (RK4 at dt/16) for the spike times of
 * the deterministic runs; bitwise reproducibility across workgroup sizes and dispatch splits, with noise.
 */
import { describe, expect, it } from 'vitest';
import { NeuronEnsemble, runNeurons } from '../../src/host/neuronEnsemble';
import { NEURON_MODEL_SPECS } from '../../src/models/neurons/models';
import { runNeuronsReference } from '../../src/models/neurons/reference';
import { resolveNeuronsRunConfig } from '../../src/models/registry';
import { testGpu } from '../helpers/gpu';

interface Case {
  name: string;
  neurons: Record<string, unknown>;
  /** max |GPU − twin| of the potential over the traces, relative to its largest magnitude */
  traceTol: number;
  /** max |GPU spike time − twin's| [time] */
  spikeTol: number;
  /** max |twin's spike time − RK4 at dt/16| [time] (deterministic runs) */
  fineTol?: number;
}

const cases: Case[] = [
  { name: 'HH, RK4', neurons: { model: 'hh', I: [0, 5, 10], T: 50, dt: 0.01 }, traceTol: 1e-3, spikeTol: 1e-3, fineTol: 1e-3 },
  { name: 'HH, Rush–Larsen gates', neurons: { model: 'hh', I: [0, 5, 10], T: 50, dt: 0.01, gates: 'rush-larsen' }, traceTol: 5e-3, spikeTol: 2e-3, fineTol: 0.2 },
  { name: 'HH, sine input', neurons: { model: 'hh', I: [0, 5, 10], T: 50, dt: 0.01, input: { kind: 'sine', amplitude: 3, frequency: 0.05 } }, traceTol: 1e-3, spikeTol: 1e-3, fineTol: 1e-3 },
  { name: 'HH, step input', neurons: { model: 'hh', I: [0, 10, 20], T: 50, dt: 0.01, input: { kind: 'step', on: 5, off: 40 } }, traceTol: 1e-3, spikeTol: 1e-3, fineTol: 1e-2 },
  { name: 'HH, white noise (Euler–Maruyama)', neurons: { model: 'hh', I: [0, 5, 10], T: 50, dt: 0.01, input: { kind: 'noise', sigma: 2, seed: 7 } }, traceTol: 5e-3, spikeTol: 2e-3 },
  { name: 'FitzHugh–Nagumo', neurons: { model: 'fhn', I: [0, 0.5, 1], T: 100, dt: 0.05 }, traceTol: 1e-4, spikeTol: 1e-3, fineTol: 1e-3 },
  { name: 'Morris–Lecar class I', neurons: { model: 'ml-class1', I: [30, 50, 80], T: 200, dt: 0.05 }, traceTol: 1e-4, spikeTol: 1e-3, fineTol: 1e-3 },
  { name: 'Morris–Lecar class II', neurons: { model: 'ml-class2', I: [60, 100, 150], T: 200, dt: 0.05 }, traceTol: 1e-4, spikeTol: 1e-3, fineTol: 1e-3 },
  { name: 'Mitchell–Schaeffer, sine pacing', neurons: { model: 'ms', I: [0, 0.02, 0.05], T: 1300, dt: 0.05, input: { kind: 'sine', amplitude: 0.1, frequency: 0.0025 } }, traceTol: 1e-4, spikeTol: 1e-3, fineTol: 2e-3 },
];

describe('neuronsStep.wgsl against the f64 twin', () => {
  it.each(cases)('$name: traces and spike times agree with the twin (and with RK4 at dt/16)', async ({ neurons, traceTol, spikeTol, fineTol }) => {
    const ctx = await testGpu();
    const config = resolveNeuronsRunConfig({ model: 'neurons', neurons: { ...neurons, traces: [0, 1, 2] } });
    const dim = NEURON_MODEL_SPECS[config.neuron].state.length;
    const gpu = await runNeurons(ctx, config);
    const ref = runNeuronsReference(config);
    expect(gpu.traceT.length).toBe(ref.traceSteps.length);
    let err = 0;
    let scale = 0;
    for (let s = 0; s < gpu.traceT.length; s++) {
      for (let j = 0; j < 3; j++) {
        const a = gpu.traces[(s * 3 + j) * 4]!;
        const b = ref.traces[(s * 3 + j) * dim]!;
        err = Math.max(err, Math.abs(a - b));
        scale = Math.max(scale, Math.abs(b));
      }
    }
    expect(err / scale).toBeLessThan(traceTol);
    // the neurons were chosen so that at least one spikes several times
    expect(Math.max(...ref.count)).toBeGreaterThanOrEqual(3);
    expect([...gpu.stats.count]).toEqual([...ref.count]);
    expect([...gpu.stats.windowCount]).toEqual([...ref.windowCount]);
    const K = config.spikesPerNeuron;
    const fine = fineTol === undefined ? undefined : runNeuronsReference(config, 16);
    if (fine) expect([...fine.count]).toEqual([...ref.count]);
    for (let i = 0; i < 3; i++) {
      for (let k = 0; k < Math.min(K, ref.count[i]!); k++) {
        expect(Math.abs(gpu.stats.spikeTimes[i * K + k]! - ref.spikeTimes[i * K + k]!)).toBeLessThan(spikeTol);
        if (fine) expect(Math.abs(ref.spikeTimes[i * K + k]! - fine.spikeTimes[i * K + k]!)).toBeLessThan(fineTol!);
      }
    }
  });
});

describe('reproducibility', () => {
  it('noise, 1000 neurons, 500 steps: bitwise the same for workgroup sizes 64, 7 and 256 and for one block or many', async () => {
    const ctx = await testGpu();
    const config = resolveNeuronsRunConfig({ model: 'neurons', neurons: { model: 'hh', I: { from: 0, to: 12 }, count: 1000, T: 5, dt: 0.01, input: { kind: 'noise', sigma: 3, seed: 11 }, traces: [0, 999] } });
    const read = async (wg: number, blocks: number[]) => {
      const e = await NeuronEnsemble.create(ctx, config, { workgroupSize: wg });
      for (const b of blocks) await e.advance(b);
      const s = await e.readStats();
      e.destroy();
      return s;
    };
    const a = await read(64, [500]);
    const b = await read(7, [1, 249, 250]);
    const c = await read(256, [166, 167, 167]);
    expect(a.count.reduce((x, y) => x + y, 0)).toBeGreaterThan(100);
    for (const other of [b, c]) {
      expect(Buffer.from(other.state.buffer).equals(Buffer.from(a.state.buffer))).toBe(true);
      expect(Buffer.from(other.spikeTimes.buffer).equals(Buffer.from(a.spikeTimes.buffer))).toBe(true);
      expect([...other.count]).toEqual([...a.count]);
    }
    // a different seed gives different spikes
    const d = await (async () => {
      const e = await NeuronEnsemble.create(ctx, resolveNeuronsRunConfig({ model: 'neurons', neurons: { model: 'hh', I: { from: 0, to: 12 }, count: 1000, T: 5, dt: 0.01, input: { kind: 'noise', sigma: 3, seed: 12 }, traces: [0] } }));
      await e.advance(500);
      const s = await e.readStats();
      e.destroy();
      return s;
    })();
    expect(Buffer.from(d.state.buffer).equals(Buffer.from(a.state.buffer))).toBe(false);
  });
});

describe('population activity and mean-field coupling', () => {
  const activityOf = (stepSpikes: Uint32Array, M: number, every: number, dt: number) => Array.from({ length: Math.ceil(stepSpikes.length / every) }, (_, s) => stepSpikes.slice(s * every, (s + 1) * every).reduce((a, b) => a + b, 0) / (M * Math.min(every, stepSpikes.length - s * every) * dt));

  it('uncoupled: the GPU\'s population activity N(t) is the twin\'s, bin for bin', async () => {
    const ctx = await testGpu();
    const config = resolveNeuronsRunConfig({ model: 'neurons', neurons: { model: 'hh', I: { from: 5, to: 15 }, count: 10, T: 40, dt: 0.01, traceEvery: 50 } });
    const gpu = await runNeurons(ctx, config);
    const ref = runNeuronsReference(config);
    expect(gpu.activityT).toHaveLength(80);
    expect(gpu.activityT[79]).toBeCloseTo(40, 9);
    expect([...gpu.activityN]).toEqual(activityOf(ref.stepSpikes, 10, 50, config.dt));
    expect(gpu.activityN.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  });

  it('J = 2: I_i += J·N_{n−1}; GPU and twin agree on the spike times, which move away from those of J = 0; bitwise the same for workgroup sizes 64 and 3', async () => {
    const ctx = await testGpu();
    const neurons = { model: 'hh', I: { from: 5, to: 10 }, count: 10, T: 30, dt: 0.01, traces: [0] };
    const config = resolveNeuronsRunConfig({ model: 'neurons', neurons: { ...neurons, J: 2 } });
    const gpu = await runNeurons(ctx, config);
    const gpu3 = await runNeurons(ctx, config, { workgroupSize: 3 });
    const ref = runNeuronsReference(config);
    const free = runNeuronsReference(resolveNeuronsRunConfig({ model: 'neurons', neurons }));
    expect([...gpu.stats.count]).toEqual([...ref.count]);
    expect(Buffer.from(gpu3.stats.spikeTimes.buffer).equals(Buffer.from(gpu.stats.spikeTimes.buffer))).toBe(true);
    const K = config.spikesPerNeuron;
    let moved = 0;
    for (let i = 0; i < 10; i++) {
      for (let k = 0; k < Math.min(K, ref.count[i]!); k++) {
        // within one step: a crossing that f32 puts in the step next to f64's moves the feedback by one step
        expect(Math.abs(gpu.stats.spikeTimes[i * K + k]! - ref.spikeTimes[i * K + k]!)).toBeLessThan(config.dt);
        if (k < free.count[i]!) moved = Math.max(moved, Math.abs(ref.spikeTimes[i * K + k]! - free.spikeTimes[i * K + k]!));
      }
    }
    expect(moved).toBeGreaterThan(0.1);
  });
});
