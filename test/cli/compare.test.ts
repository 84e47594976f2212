/**
 * `kinfire compare` as a user meets it: the built bin/kinfire.js in a child process (npm test builds dist/
 * first). It writes compare.csv, compare.json and compare.png; bad input exits 2 naming the option and
 * leaves no results folder.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { kinfire } from '../helpers/cli';

const work = mkdtempSync(join(tmpdir(), 'kinfire-compare-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const small = ['--set', 'grid.nv=32', '--set', 'grid.ng=24', '--set', 'time.T=0.05', '-q'];

describe('kinfire compare', () => {
  it('writes compare.csv (one row per count), compare.json (the fitted exponents) and compare.png', () => {
    const out = join(work, 'ok');
    const config = join(work, 'c.json');
    writeFileSync(config, JSON.stringify({ params: { b: 0.4 }, particles: { seed: 7 } }));
    const r = kinfire('compare', '--config', config, '--counts', '4000,1e3', '--out', out, ...small);
    expect(r.code, r.stderr).toBe(0);
    const line = JSON.parse(r.stdout.trim());
    expect(line).toMatchObject({ status: 'ok', counts: [1000, 4000] });
    const csv = readFileSync(join(out, 'compare.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('count,L1_hist,L1_N,N_mean_particles,N_mean_pde,wall_s');
    expect(csv.length).toBe(3);
    const rows = csv.slice(1).map((l) => l.split(',').map(Number));
    expect(rows.map((x) => x[0])).toEqual([1000, 4000]);
    for (const row of rows) for (const v of row) expect(Number.isFinite(v)).toBe(true);
    for (const row of rows) expect(row[1]).toBeGreaterThan(0);
    const json = JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8'));
    expect(json).toMatchObject({ kind: 'compare', model: 'vc', status: 'ok', seed: 7, counts: [1000, 4000], grid: { nv: 32, ng: 24 }, config: { params: { b: 0.4 } } });
    for (const key of ['L1_hist', 'L1_N']) {
      expect(typeof json.fits[key].exponent).toBe('number');
      expect(json.fits[key].points).toBe(2);
    }
    expect(json.fits.L1_hist.exponent).toBeCloseTo(Math.log(rows[1][1] / rows[0][1]) / Math.log(4), 9);
    expect(Object.keys(json.adapter).sort()).toEqual(['architecture', 'description', 'vendor']);
    expect(readFileSync(join(out, 'compare.png')).subarray(1, 4).toString()).toBe('PNG');
    expect(readdirSync(work).filter((f) => f.includes('partial'))).toEqual([]);
  });

  it.each([
    [['--counts', '1e3,abc'], '--counts'],
    [['--counts', '1000,-5'], '--counts'],
    [['--counts', '1000.5,2000'], '--counts'],
    [['--counts', '1000'], '--counts'],
    [['--counts', '1000,1e10'], '--counts'],
    [['--counts', '1000,4e9'], 'more than this adapter holds'],
    [['--counts', '1000,2000', '--set', 'model="nnlif"'], 'model'],
    [['--counts', '1000,2000', '--set', 'params.eps=-1'], 'params.eps'],
    [['--counts', '1000,2000', '--config', '/nonexistent/kinfire.json'], '--config'],
  ])('rejects %j with exit code 2, a message naming it, and no results folder', (args, text) => {
    const out = join(work, 'rejected');
    const r = kinfire('compare', '--out', out, ...small, ...args);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(text);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(work).filter((f) => f.includes('partial'))).toEqual([]);
  });

  it('rejects a missing --out with exit code 2', () => {
    const r = kinfire('compare', '--counts', '1000,2000', ...small);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--out');
  });
});
