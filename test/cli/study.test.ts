/**
 * `kinfire study eps` as a user meets it: the built bin/kinfire.js in a child process (`npm test`
 * builds dist/ first; alone, run `npx vite build` before this file). Bad input exits 2 with the option
 * named and leaves no results folder.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { STUDY_CSV_COLUMNS } from '../../src/cli/studyCommand';
import { kinfire } from '../helpers/cli';

const work = mkdtempSync(join(tmpdir(), 'kinfire-study-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const config = join(work, 'study.json');
writeFileSync(config, JSON.stringify({ params: { b: 0.2, gin: 1, phiF: { rate: 5 } }, grid: { nv: 48, ng: 32 }, initial: { v0: 0.7, prepared: true }, time: { T: 0.1 } }));
const noPartials = () => expect(readdirSync(work).filter((f) => f.includes('partial'))).toEqual([]);

describe('kinfire study eps', () => {
  it('writes study.csv, study.json, N_<grid>.csv and the log-log plots, with a line per run off a terminal', () => {
    const out = join(work, 'ok');
    const r = kinfire('study', 'eps', '--config', config, '--eps', '0.005,0.01', '--grids', '24,48', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('study: run 1/6 24x16 vc-limit');
    expect(r.stderr).toContain('study: run 6/6 48x32 vc ε=0.005');
    const line = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(line).toMatchObject({ out, ok: true, runs: 6 });
    expect(typeof line.rates['24x16'].n_L1_T).toBe('number');

    expect(readdirSync(out).sort()).toEqual(['.kinfire-results', 'N_24x16.csv', 'N_48x32.csv', 'N_t.png', 'error_N.png', 'error_n.png', 'error_p.png', 'study.csv', 'study.json']);
    const csv = readFileSync(join(out, 'study.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe(STUDY_CSV_COLUMNS.join(','));
    expect(csv[0]).toContain('n_L1(T),N_err(T/4)');
    expect(csv.length).toBe(1 + 2 * 2);
    const rows = csv.slice(1).map((l) => Object.fromEntries(l.split(',').map((v, k) => [STUDY_CSV_COLUMNS[k], v])));
    expect(rows.map((row) => [row.grid, Number(row.eps)])).toEqual([
      ['24x16', 0.01],
      ['24x16', 0.005],
      ['48x32', 0.01],
      ['48x32', 0.005],
    ]);
    for (const row of rows) {
      expect(row.status).toBe('ok');
      for (const key of ['n_L1(T)', 'N_max', 'N_max_t0', 'p_L1_max', 'wall_s']) expect(Number(row[key])).toBeGreaterThan(0);
    }
    expect(Number(rows[0]['disc_n_L1(T)'])).toBeGreaterThan(0); // the coarse grid against the finer one
    expect(rows[3]['disc_n_L1(T)']).toBe(''); // the finest has none
    expect(rows[0].steps).toBe(rows[1].steps);

    const json = JSON.parse(readFileSync(join(out, 'study.json'), 'utf8'));
    expect(json).toMatchObject({ study: 'eps', ok: true, eps: [0.01, 0.005], T: 0.1, prepared: true, config: { model: 'vc', grid: { nv: 48, ng: 32 } } });
    expect(Object.keys(json.adapter).sort()).toEqual(['architecture', 'description', 'vendor']);
    expect(json.grids.map((g: { grid: { nv: number; ng: number } }) => [g.grid.nv, g.grid.ng])).toEqual([
      [24, 16],
      [48, 32],
    ]);
    for (const g of json.grids) {
      for (const key of ['n_L1_T', 'N_max', 'N_max_t0', 'p_L1_max', 'p_L1_max_t0']) expect(typeof g.rates[key].slope).toBe('number');
      expect(g.runs.map((run: { steps: number }) => run.steps)).toEqual([g.steps, g.steps]);
      expect(g.limit.steps).toBe(g.steps);
    }
    expect(json.grids[0].discretization).toMatchObject({ finer: '48x32' });
    expect(json.cost[1].steps).toEqual([json.grids[1].steps, json.grids[1].steps]);
    expect(readFileSync(join(out, 'N_48x32.csv'), 'utf8').split('\n')[0]).toBe('t,N_limit,N_eps=0.01,N_eps=0.005');
    for (const png of ['error_n.png', 'error_N.png', 'error_p.png', 'N_t.png']) expect(readFileSync(join(out, png)).subarray(1, 4).toString()).toBe('PNG');
    noPartials();
  });

  it.each([
    [['study', 'stiffness', '--out', 'X'], 'study <kind>'],
    [['study', '--out', 'X'], 'study <kind>'],
    [['study', 'eps'], '--out'],
    [['study', 'eps', '--out', 'X', '--eps', 'a,b'], '--eps'],
    [['study', 'eps', '--out', 'X', '--eps', '0.1,0'], '--eps'],
    [['study', 'eps', '--out', 'X', '--eps', '1e7'], '--eps'],
    [['study', 'eps', '--out', 'X', '--eps', ''], '--eps'],
    [['study', 'eps', '--out', 'X', '--grids', '64,4'], '--grids'],
    [['study', 'eps', '--out', 'X', '--grids', '16.5'], '--grids'],
    [['study', 'eps', '--out', 'X', '--config', config, '--t0', '0.1'], '--t0'],
    [['study', 'eps', '--out', 'X', '--t0', 'soon'], '--t0'],
    [['study', 'eps', '--out', 'X', '--set', 'model="vc-threshold"'], 'model'],
    [['study', 'eps', '--out', 'X', '--set', 'params.a=-1'], 'params.a'],
    [['study', 'eps', '--out', 'X', '--config', '/nonexistent/kinfire.json'], '--config'],
  ])('rejects %j with exit code 2 naming %s, and leaves no results folder', (args, text) => {
    const out = join(work, 'rejected');
    const r = kinfire(...args.map((a) => (a === 'X' ? out : a)));
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(text);
    expect(existsSync(out)).toBe(false);
    noPartials();
  });

  it('refuses a folder of other files even with --force; replaces its own results only with --force', () => {
    const out = join(work, 'taken');
    mkdirSync(out);
    writeFileSync(join(out, 'keep.txt'), 'mine');
    const args = ['study', 'eps', '--config', config, '--eps', '0.01', '--grids', '16', '--set', 'time.T=0.05', '-q'];
    for (const force of [[], ['--force']]) {
      const refused = kinfire(...args, '--out', out, ...force);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('--out');
      expect(readdirSync(out)).toEqual(['keep.txt']);
    }
    const own = join(work, 'own');
    expect(kinfire(...args, '--out', own).code).toBe(0);
    const again = kinfire(...args, '--out', own);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('--force');
    writeFileSync(join(own, 'stale.txt'), 'from the first study');
    const forced = kinfire(...args, '--out', own, '--force');
    expect(forced.code, forced.stderr).toBe(0);
    expect(readdirSync(own)).toContain('study.csv');
    expect(readdirSync(own)).not.toContain('stale.txt');
    noPartials();
  });
});
