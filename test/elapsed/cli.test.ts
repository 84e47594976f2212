/** `kinfire run` with model "elapsed" through the built CLI: the results folder, and bad input (exit 2 naming the field). */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeNpy } from '../../src/io/npy';
import { elapsedSteadyRates } from '../../src/models/elapsed/steadyStates';
import { resolveElapsedRunConfig } from '../../src/models/registry';
import { kinfire } from '../helpers/cli';

const work = mkdtempSync(join(tmpdir(), 'kinfire-elapsed-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const elapsed = ['--set', 'model="elapsed"', '-q'];

describe('kinfire run, model elapsed', () => {
  it('writes summary.json, activity.csv, n_t*.npy and the figures, and settles at the exact N*', () => {
    const out = join(work, 'steady');
    const r = kinfire('run', ...elapsed, '--set', 'elapsed.b=-0.5', '--set', 'elapsed.phi0=4', '--set', 'time.T=10', '--set', 'time.dt=0.04', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    const [Nstar] = elapsedSteadyRates(resolveElapsedRunConfig({ model: 'elapsed', elapsed: { b: -0.5, phi0: 4 } }).elapsed);
    expect(s).toMatchObject({ model: 'elapsed', status: 'ok', steps: 250 });
    // A decaying oscillation (half-swing 1.7% of the mean over t ∈ [5, 10]): neither periodic nor far from N*.
    expect(s.oscillation.periodic).toBe(false);
    expect(s.oscillation.amplitude / s.oscillation.mean).toBeLessThan(3e-2);
    expect(Math.abs(s.N_final - Nstar!) / Nstar!).toBeLessThan(5e-3);
    expect(Math.abs(s.mass_drift)).toBeLessThan(1e-5);
    const rows = readFileSync(join(out, 'activity.csv'), 'utf8').trim().split('\n');
    expect(rows[0]).toBe('t,N,mass');
    expect(rows).toHaveLength(252);
    const n = decodeNpy(readFileSync(join(out, s.snapshots[0].npy)));
    expect(n.shape).toEqual([s.grid.ns]);
    expect(readFileSync(join(out, 'run.png')).subarray(1, 4).toString()).toBe('PNG');
  });

  it.each([
    ['elapsed.s0=0', 'elapsed.s0'],
    ['elapsed.firing="sigmoid"', 'elapsed.phi0', ['--set', 'elapsed.phi0="Infinity"']],
    ['elapsed.kernel="delay"', 'elapsed.d'],
    ['elapsed.d=0.5', 'elapsed.d'],
    ['elapsed.smin=0.2', 'elapsed.smin'],
    ['elapsed.phi0=-1', 'elapsed.phi0'],
    ['grid.nv=100', 'grid'],
  ] as [string, string, string[]?][])('bad input %s exits 2 naming %s', (set, field, extra = []) => {
    const r = kinfire('run', ...elapsed, '--set', set, ...extra, '--out', join(work, 'bad'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`config error: ${field}`);
  });
});
