/**
 * `kinfire particles` and `kinfire compare` with model "elapsed" through the built CLI: the results folders
 * (summary.json, activity.csv, the age histograms on the PDE's age grid), bad input (exit 2 naming the field,
 * no folder), and the particle errors against the PDE falling like count^(−1/2).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeNpy } from '../../src/io/npy';
import { elapsedSteadyRates } from '../../src/models/elapsed/steadyStates';
import { resolveElapsedRunConfig } from '../../src/models/registry';
import { kinfire, repoRoot } from '../helpers/cli';

const work = mkdtempSync(join(tmpdir(), 'kinfire-elapsed-particles-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const elapsed = ['--set', 'model="elapsed"', '-q'];

describe('kinfire particles, model elapsed', () => {
  it('writes summary.json (N_mean ± SE, the exact N*), activity.csv and the age histograms n_t*.npy on the PDE\'s age grid', () => {
    const out = join(work, 'run');
    const r = kinfire('particles', ...elapsed, '--set', 'elapsed.b=-0.5', '--set', 'elapsed.phi0=4', '--set', 'time.T=4', '--set', 'time.dt=0.04', '--set', 'particles.count=5000', '--set', 'particles.seed=3', '--set', 'particles.batches=10', '--set', 'output.snapshots=[0,4]', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const line = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(line).toMatchObject({ status: 'ok', model: 'elapsed', count: 5000, steps: 100 });
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    const pde = resolveElapsedRunConfig({ model: 'elapsed', elapsed: { b: -0.5, phi0: 4 }, time: { T: 4, dt: 0.04 } });
    expect(s).toMatchObject({ kind: 'particles', model: 'elapsed', count: 5000, seed: 3, steps: 100, status: 'ok', grid: pde.grid, params: { b: -0.5, phi0: 4, kernel: { kind: 'instant' } } });
    expect(s.N_exact).toEqual(elapsedSteadyRates(pde.elapsed).map((N) => expect.closeTo(N, 12)));
    const csv = readFileSync(join(out, 'activity.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('t,N');
    expect(csv).toHaveLength(102);
    expect(csv[1]).toBe('0,0');
    const rows = csv.slice(1).map((l) => l.split(',').map(Number));
    // N is spikes/(count·dt): a whole number of spikes in every step
    for (const [, N] of rows) expect(Math.abs(N! * 5000 * 0.04 - Math.round(N! * 5000 * 0.04))).toBeLessThan(1e-6);
    const inWindow = rows.filter(([t]) => t! > 2 + 1e-9).map(([, N]) => N!);
    expect(s.N_mean).toBeCloseTo(inWindow.reduce((a, b) => a + b) / inWindow.length, 12);
    expect(s.snapshots.map((x: { t: number }) => x.t)).toEqual([0, 4]);
    for (const snap of s.snapshots) {
      const n = decodeNpy(readFileSync(join(out, snap.npy)));
      expect(snap.npy).toMatch(/^n_t/);
      expect(n.shape).toEqual([pde.grid.ns]);
      expect(Array.from(n.data).reduce((a, b) => a + b, 0) * pde.grid.ds).toBeCloseTo(1, 5);
      expect(snap).toMatchObject({ mass: 1, outside: 0, refractory: 0 });
      expect(readFileSync(join(out, snap.png)).subarray(1, 4).toString()).toBe('PNG');
    }
  });

  it('φ0 = ∞ is written as "Infinity", as the config spells it', () => {
    const out = join(work, 'infinite');
    const r = kinfire('particles', ...elapsed, '--set', 'elapsed.phi0="Infinity"', '--set', 'time.T=1', '--set', 'time.dt=0.05', '--set', 'particles.count=500', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(s.params.phi0).toBe('Infinity');
    expect(s.config.elapsed.model.phi0).toBe('Infinity');
  });

  it.each([
    [['--set', 'particles.smoothing=0.1'], 'particles.smoothing'],
    [['--set', 'elapsed.kernel="delay"', '--set', 'elapsed.d=50'], 'elapsed.d'],
  ])('bad input %j exits 2 naming the field and writes nothing', (args, field) => {
    const out = join(work, `bad-${field}`);
    const r = kinfire('particles', ...elapsed, ...args, '--out', out);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`config error: ${field}`);
    expect(existsSync(out)).toBe(false);
  });
});

describe('kinfire compare, model elapsed', () => {
  // examples/elapsed-compare.json: threshold φ0 = 4, b = −0.2, delay d = 0.2 (the neurons and the PDE see the
  // same past; the steady state N* = 0.70689 is stable), dt = 0.04, T = 4 (measured in the README).
  it('the L1 errors of N(t) and of n(s, T) against the PDE fall like count^(−1/2): fitted exponents in (−0.65, −0.35)', () => {
    const out = join(work, 'compare');
    const r = kinfire('compare', '--config', join(repoRoot, 'examples/elapsed-compare.json'), '-q', '--counts', '1000,4000,16000,64000', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8'));
    console.log(`elapsed compare: exponents L1_hist ${json.fits.L1_hist.exponent.toFixed(3)}, L1_N ${json.fits.L1_N.exponent.toFixed(3)}; rows ${JSON.stringify(json.rows.map((x: { count: number; L1_hist: number; L1_N: number; N_mean_particles: number; N_mean_pde: number }) => [x.count, x.L1_hist, x.L1_N, x.N_mean_particles, x.N_mean_pde]))}; wall ${json.wall_s.toFixed(1)} s`);
    expect(json).toMatchObject({ kind: 'compare', model: 'elapsed', status: 'ok', counts: [1000, 4000, 16000, 64000], steps: 100 });
    for (const key of ['L1_hist', 'L1_N']) {
      expect(json.fits[key].exponent, key).toBeGreaterThan(-0.65);
      expect(json.fits[key].exponent, key).toBeLessThan(-0.35);
    }
    // the largest count is close to the PDE: no bias hidden under the slope
    const last = json.rows.at(-1);
    expect(last.L1_N).toBeLessThan(0.1 * json.N_exact[0]);
    // the same steps of the window: the batch means' (50 steps in 20 batches of 2: the first 10 dropped)
    expect(Math.abs(last.N_mean_particles - last.N_mean_pde)).toBeLessThan(0.02 * last.N_mean_pde);
    const csv = readFileSync(join(out, 'compare.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('count,L1_hist,L1_N,N_mean_particles,N_mean_pde,wall_s');
    expect(csv).toHaveLength(5);
    expect(readFileSync(join(out, 'compare.png')).subarray(1, 4).toString()).toBe('PNG');
  });
});
