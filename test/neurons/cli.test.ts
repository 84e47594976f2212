/** `kinfire neurons` through the built CLI: the results folder (summary, traces, spikes, f–I curve) and bad input (exit 2 naming the field, nothing written). */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runNeuronsReference } from '../../src/models/neurons/reference';
import { resolveNeuronsRunConfig } from '../../src/models/registry';
import { kinfire } from '../helpers/cli';

const work = mkdtempSync(join(tmpdir(), 'kinfire-neurons-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('kinfire neurons', () => {
  it('an HH f–I sweep: summary.json, traces.csv, spikes.csv (the twin\'s spike times), activity.csv, fI.csv and the figures', () => {
    const neurons = { model: 'hh', I: { from: 0, to: 20 }, count: 5, T: 60, dt: 0.01, window: 20, traces: [0, 4], traceEvery: 20 };
    const file = join(work, 'hh.json');
    writeFileSync(file, JSON.stringify({ model: 'neurons', neurons }));
    const out = join(work, 'hh');
    const r = kinfire('neurons', '--config', file, '--out', out, '-q');
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(s).toMatchObject({ kind: 'neurons', model: 'hh', count: 5, steps: 6000, scheme: 'rk4', threshold: 0, window: 20, status: 'ok', nonfinite_neurons: 0 });
    const ref = runNeuronsReference(resolveNeuronsRunConfig({ model: 'neurons', neurons }));
    expect(s.spikes_total).toBe(ref.count.reduce((a, b) => a + b, 0));
    // I = 0, 5 do not fire repetitively; 10, 15, 20 do, so the onset of this coarse sweep is 10
    expect(s.onset_I).toBe(10);
    expect(s.onset_rate).toBeGreaterThan(50);
    const traces = readFileSync(join(out, 'traces.csv'), 'utf8').trim().split('\n');
    expect(traces[0]).toBe('t,V_0,m_0,h_0,n_0,V_4,m_4,h_4,n_4');
    expect(traces).toHaveLength(1 + 301);
    expect(Number(traces[1]!.split(',')[1])).toBeCloseTo(ref.traces[0]!, 4);
    const spikes = readFileSync(join(out, 'spikes.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
    expect(spikes.length).toBe(s.spikes_total);
    for (const [i, k, t] of spikes) expect(Math.abs(t! - ref.spikeTimes[i! * 16 + k!]!)).toBeLessThan(1e-3);
    const activity = readFileSync(join(out, 'activity.csv'), 'utf8').trim().split('\n');
    expect(activity[0]).toBe('t,N');
    expect(activity).toHaveLength(1 + 300);
    // N averaged over each 20 steps: the bins hold every spike, Σ N·(20 dt)·M = spikes_total
    const spikesFromN = activity.slice(1).reduce((sum, l) => sum + Number(l.split(',')[1]) * 20 * 0.01 * 5, 0);
    expect(spikesFromN).toBeCloseTo(s.spikes_total, 6);
    const fi = readFileSync(join(out, 'fI.csv'), 'utf8').trim().split('\n');
    expect(fi[0]).toBe('neuron,I,spikes,spikes_window,repetitive,rate_hz');
    expect(fi.slice(1).map((l) => l.split(',')[4])).toEqual(['0', '0', '1', '1', '1']);
    for (const png of ['fI.png', 'traces.png']) expect(readFileSync(join(out, png)).subarray(1, 4).toString()).toBe('PNG');
    // HH's phase plane is (V, n), m and h at m∞(V), h∞(V): at the first traced neuron's I = 0, the stable rest
    expect(s.phase_plane.I).toBe(0);
    expect(s.phase_plane.equilibria).toHaveLength(1);
    expect(s.phase_plane.equilibria[0]).toMatchObject({ stable: true });
    expect(s.phase_plane.equilibria[0].state[0]).toBeCloseTo(-65, 0);
    const plane = readFileSync(join(out, 'phase_plane.csv'), 'utf8');
    expect(plane).toMatch(/^curve,x,y\nnullcline_V,/);
    expect(plane).toContain('\nnullcline_n,');
    expect(plane).toContain('\nneuron_4,');
    expect(readFileSync(join(out, 'phase_plane.png')).subarray(1, 4).toString()).toBe('PNG');
  });

  it('FHN: phase_plane.csv and phase_plane.png, the summary\'s equilibria at the first traced neuron\'s I', () => {
    const file = join(work, 'fhn.json');
    writeFileSync(file, JSON.stringify({ model: 'neurons', neurons: { model: 'fhn', I: [0.5, 0], T: 50, dt: 0.05, window: 10, traces: [0, 1] } }));
    const out = join(work, 'fhn');
    const r = kinfire('neurons', '--config', file, '--out', out, '-q');
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(s.files).toContain('phase_plane.png');
    expect(s.phase_plane.I).toBe(0.5);
    expect(s.phase_plane.equilibria).toHaveLength(1);
    expect(s.phase_plane.equilibria[0].stable).toBe(false); // I = 0.5 lies past the Hopf current
    const csv = readFileSync(join(out, 'phase_plane.csv'), 'utf8').trim().split('\n');
    expect(csv.filter((l) => l.startsWith('equilibrium_unstable,'))).toHaveLength(1);
    expect(csv.filter((l) => l.startsWith('neuron_0,')).length).toBeGreaterThan(10);
    expect(readFileSync(join(out, 'phase_plane.png')).subarray(1, 4).toString()).toBe('PNG');
  });

  it.each([
    [['neurons.params.gNaX=1'], 'neurons.params.gNaX'],
    [['neurons.I={"from":0,"to":1}'], 'neurons.count'],
    [['nnlif.b=1'], 'nnlif'],
  ] as [string[], string][])('bad input %j exits 2 naming %s, nothing written', (sets, field) => {
    const out = join(work, 'bad');
    const r = kinfire('neurons', ...sets.flatMap((x) => ['--set', x]), '--out', out, '-q');
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`config error: ${field}`);
    expect(existsSync(out)).toBe(false);
  });

  it.each([
    [{ model: 'hhx' }, 'neurons.model'],
    [{ params: { C: 0 } }, 'neurons.params.C'],
    [{ model: 'fhn', gates: 'rush-larsen' }, 'neurons.gates'],
    [{ gates: 'rush-larsen', input: { kind: 'noise' } }, 'neurons.gates'],
    [{ count: 0 }, 'neurons.count'],
    [{ count: 20000000 }, 'neurons.count'],
    [{ I: [1, 2], count: 3 }, 'neurons.count'],
    [{ traces: [3] }, 'neurons.traces.0'],
    [{ dt: -1 }, 'neurons.dt'],
    [{ input: { kind: 'noise', sigma: 0 } }, 'neurons.input.sigma'],
    [{ input: { kind: 'step', on: 5, off: 5 } }, 'neurons.input.off'],
    [{ input: { kind: 'pulse' } }, 'neurons.input'],
    [{ initial: [1, 2] }, 'neurons.initial'],
    [{ window: 1000 }, 'neurons.window'],
    [{ spikesPerNeuron: 2000 }, 'neurons.spikesPerNeuron'],
  ] as [Record<string, unknown>, string][])('bad input %j is a ConfigError naming %s', (neurons, field) => {
    expect(() => resolveNeuronsRunConfig({ model: 'neurons', neurons })).toThrow(`config error: ${field}`);
  });
});
