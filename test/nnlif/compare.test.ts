/**
 * `kinfire compare` with model nnlif: the NNLIF particle system against the Fokker–Planck PDE (hard and
 * soft threshold, τ, delay). While the sampling noise dominates, both errors must fall like count^(−1/2);
 * a particle system that solved another equation (another delay, firing or refractory law) would level
 * off, and show as a flatter slope, once its bias exceeds the noise at these counts.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nodesToCells } from '../../src/host/nnlifCompare';
import { nnlifGrid } from '../../src/models/nnlif/fokkerPlanck';
import { kinfire } from '../helpers/cli';

const work = mkdtempSync(join(tmpdir(), 'kinfire-nnlif-compare-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

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

  it('refuses K populations (the particle system has one)', () => {
    const r = kinfire('compare', '--set', 'model="nnlif"', '--set', 'nnlif.populations=[{"name":"E"},{"name":"I"}]', '--set', 'nnlif.b=[[0,0],[0,0]]', '--counts', '100,200', '--out', join(work, 'k2'), '-q');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('nnlif.populations');
  });
});
