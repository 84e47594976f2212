/**
 * `kinfire compare` with model nnlif: the NNLIF particle system against the Fokker–Planck PDE (hard and
 * soft threshold, τ, delay; and an E–I network of two populations). While the sampling noise dominates,
 * both errors must fall like count^(−1/2); a particle system that solved another equation (another delay,
 * firing or refractory law, or another coupling) would level off, and show as a flatter slope, once its
 * bias exceeds the noise at these counts.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nodesToCells } from '../../src/host/nnlifCompare';
import { nnlifGrid } from '../../src/models/nnlif/fokkerPlanck';
import { kinfire, repoRoot } from '../helpers/cli';

const work = mkdtempSync(join(tmpdir(), 'kinfire-nnlif-compare-'));
const report: Record<string, unknown> = {};
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  if (process.env.KINFIRE_PARTICLE_STATS) console.log(JSON.stringify(report));
});

describe('kinfire compare, model nnlif', () => {
  it('averages the PDE over histogram cells exactly for a linear profile (n = 0 at VF)', () => {
    const grid = nnlifGrid(10, 0, 1);
    const n = Float64Array.from({ length: 10 }, (_, i) => 1 - i / 10); // 1 − v on the nodes, 0 at VF
    const cells = nodesToCells(grid, n, 0, 1, 4);
    cells.forEach((c, k) => expect(c).toBeCloseTo(1 - (k + 0.5) / 4, 12));
  });

  it.each([
    ['hard threshold', []],
    ['soft threshold', ['--set', 'nnlif.firing={"kind":"soft","rate":20,"vmax":3}']],
    ['refractory τ = 0.1', ['--set', 'nnlif.tau=0.1']],
    ['delay d = 0.02', ['--set', 'nnlif.delay=0.02']],
  ])('%s: L1 of N(t) and of n(v, T) fall like count^(−1/2)', (_name, extra) => {
    const out = join(work, `cmp-${_name.replace(/\W+/g, '-')}`);
    const r = kinfire('compare', '--set', 'model="nnlif"', '--set', 'time.T=0.5', '--set', 'time.dt=0.002', '--set', 'nnlif.b=1', '--set', 'initial.v0=1', '--set', 'initial.sv=0.3', ...extra, '--counts', '1000,4000,16000', '--out', out, '-q');
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8'));
    expect(json.model).toBe('nnlif');
    for (const key of ['L1_N', 'L1_hist']) {
      expect(json.fits[key].exponent, `${key}: ${JSON.stringify(json.rows)}`).toBeGreaterThan(-0.75);
      expect(json.fits[key].exponent).toBeLessThan(-0.3);
    }
  });

  // An E–I network (examples/nnlif-ei-compare.json, measured in the README): E excites both, I inhibits
  // both and has a refractory time; particles.count neurons in each population. 2 × 64000 neurons over
  // 100 steps keep the test near 30 s on 2 SwiftShader cores.
  const example = join(repoRoot, 'examples/nnlif-ei-compare.json');
  const ei = JSON.parse(readFileSync(example, 'utf8'));

  it('K = 2 (E–I): the L1 errors of each population and their sums fall like count^(−1/2)', () => {
    const out = join(work, 'cmp-ei');
    expect(ei.nnlif.populations.map((p: { name: string }) => p.name)).toEqual(['E', 'I']);
    const r = kinfire('compare', '--config', example, '--counts', '1000,4000,16000,64000', '--out', out, '-q');
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8'));
    expect(json.model).toBe('nnlif');
    const fits = [
      ['E + I', json.fits],
      ...json.fits.populations.map((f: { name: string }) => [f.name, f]),
    ] as [string, Record<string, { exponent: number }>][];
    expect(fits.map(([name]) => name)).toEqual(['E + I', 'E', 'I']);
    for (const [name, fit] of fits) {
      for (const key of ['L1_N', 'L1_hist']) {
        expect(fit[key]!.exponent, `${name} ${key}: ${JSON.stringify(json.rows)}`).toBeGreaterThan(-0.75);
        expect(fit[key]!.exponent, `${name} ${key}`).toBeLessThan(-0.3);
      }
    }
    // the row's errors are the sums of the populations'
    for (const row of json.rows) {
      expect(row.populations.map((p: { name: string }) => p.name)).toEqual(['E', 'I']);
      expect(row.L1_N).toBeCloseTo(row.populations[0].L1_N + row.populations[1].L1_N, 12);
      expect(row.L1_hist).toBeCloseTo(row.populations[0].L1_hist + row.populations[1].L1_hist, 12);
      expect(row.N_mean_pde).toBe(row.populations[0].N_mean_pde);
    }
    // the two populations fire at different rates (a swap of them would show in their errors)
    const last = json.rows.at(-1);
    expect(Math.abs(last.populations[0].N_mean_pde - last.populations[1].N_mean_pde)).toBeGreaterThan(0.1);
    const csv = readFileSync(join(out, 'compare.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('count,L1_hist,L1_N,N_mean_particles,N_mean_pde,wall_s,L1_hist_E,L1_N_E,N_mean_particles_E,N_mean_pde_E,L1_hist_I,L1_N_I,N_mean_particles_I,N_mean_pde_I');
    expect(csv.length).toBe(5);
    report.ei = { fits: fits.map(([name, f]) => [name, f.L1_hist!.exponent, f.L1_N!.exponent]), rows: json.rows.map((row: { count: number; L1_hist: number; L1_N: number; wall_s: number }) => [row.count, row.L1_hist, row.L1_N, row.wall_s]) };
  });

  it.each([
    [['--set', 'nnlif.b=[[1,-0.6]]'], 'nnlif.b: with 2 populations must be a 2 × 2 matrix'],
    [['--set', 'nnlif.a1=[[0.1,0],[0,0],[0,0]]'], 'nnlif.a1: with 2 populations must be a 2 × 2 matrix'],
    [['--set', 'nnlif.a0=1'], 'nnlif.a0: with nnlif.populations each population has its own a0'],
  ])('K = 2 with %j exits 2 naming the field, and writes nothing', (args, text) => {
    const out = join(work, `ei-bad-${args[1]!.split('=')[0]}`);
    const r = kinfire('compare', '--config', example, ...args, '--counts', '100,200', '--out', out, '-q');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(text);
    expect(existsSync(out)).toBe(false);
  });
});
