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
    expect(s).toMatchObject({ model: 'elapsed', status: 'ok', steps: 250, t_blowup: null });
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

  it('φ0 = ∞, a cohort of age 0: it fires whole at t = s0, N = 1/dt passes Nmax, the run exits 3 at the last good state with t_blowup = s0', () => {
    const out = join(work, 'blowup');
    const r = kinfire('run', ...elapsed, '--set', 'elapsed.b=0', '--set', 'elapsed.phi0="Infinity"', '--set', 'initial={"kind":"age","s":0}', '--set', 'time.T=5', '--set', 'time.dt=0.01', '--set', 'time.Nmax=20', '--out', out);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/blowup: N\(t\) exceeded time\.Nmax = 20 at t = 1\.00000/);
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(s).toMatchObject({ status: 'blowup', steps: 99 });
    expect(s.t_blowup).toBeCloseTo(1, 12);
    const rows = readFileSync(join(out, 'activity.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
    expect(rows[rows.length - 1]).toEqual([0.99, 0, 1]);
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

describe('kinfire steady and bifurcation, model elapsed', () => {
  it('φ0 = ∞, hyperbolic s*: N* = 1/(s0 − k·b) below b = s0/k, where the state leaves to N = ∞; inhibitory states stable', () => {
    const s = kinfire('steady', '--set', 'model="elapsed"', '--set', 'elapsed.phi0="Infinity"', '--set', 'elapsed.b=-0.5');
    expect(s.code, s.stderr).toBe(0);
    const steady = JSON.parse(s.stdout).steady as { N: number; stable: boolean }[];
    expect(steady).toHaveLength(1);
    expect(steady[0]!.N).toBeCloseTo(1 / (1 + 0.5), 10);
    expect(steady[0]!.stable).toBe(true);
    const out = join(work, 'bifurcation');
    const r = kinfire('bifurcation', ...elapsed, '--set', 'elapsed.phi0="Infinity"', '--param', 'elapsed.b', '--from', '-1', '--to', '1.5', '--n', '6', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout.trim());
    expect(summary.folds.map((f: { kind: string }) => f.kind)).toEqual(['infinity']);
    expect(Math.abs(summary.folds[0].param - 1)).toBeLessThan(1e-6);
    const rows = readFileSync(join(out, 'bifurcation.csv'), 'utf8').trim().split('\n');
    expect(rows[0]).toBe('param,N,stable,X,thresholdAge,early,late');
    for (const row of rows.slice(1)) {
      const [b, N, stable] = row.split(',');
      expect(Number(N)).toBeCloseTo(1 / (1 - Number(b)), 10);
      if (Number(b) < 0) expect(stable).toBe('true');
    }
    const bad = kinfire('bifurcation', ...elapsed, '--param', 'nv', '--from', '0', '--to', '1', '--out', join(work, 'bad-bif'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown elapsed parameter');
  });
});
