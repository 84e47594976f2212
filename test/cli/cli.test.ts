/**
 * The command line as a user meets it: the built bin/kinfire.js in a child process (npm test builds
 * dist/ first). Bad input exits 2 with the field named and leaves no results folder.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeNpy } from '../../src/io/npy';
import { kinfire, kinfireWithEnv } from '../helpers/cli';

const work = mkdtempSync(join(tmpdir(), 'kinfire-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const small = ['--set', 'grid.nv=32', '--set', 'grid.ng=24', '--set', 'time.T=0.1', '-q'];

describe('kinfire run', () => {
  it('writes summary.json, activity.csv and the snapshots (.npy of shape (ng, nv), .png)', () => {
    const out = join(work, 'ok');
    const config = join(work, 'c.json');
    writeFileSync(config, JSON.stringify({ params: { b: 0.7 }, output: { snapshots: [0, 0.05] } }));
    const r = kinfire('run', '--config', config, '--out', out, ...small);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary).toMatchObject({ model: 'vc', status: 'ok', grid: { nv: 32, ng: 24 }, params: { b: 0.7 } });
    for (const key of ['dt', 'steps', 'wall_s', 'steps_per_s', 'N_final', 'mass_initial', 'mass_final', 'mass_drift']) expect(typeof summary[key]).toBe('number');
    expect(Object.keys(summary.adapter).sort()).toEqual(['architecture', 'description', 'vendor']);
    expect(summary.g_solve_chunks).toBe(1); // ng = 24 < 32 rows: one chunk on any adapter
    expect(Math.abs(summary.mass_drift)).toBeLessThan(1e-5);
    const csv = readFileSync(join(out, 'activity.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('t,N,mass');
    expect(csv.length).toBe(summary.steps + 2);
    expect(summary.snapshots.map((s: { t: number }) => s.t)).toEqual([0, expect.closeTo(0.05, 2)]);
    for (const s of summary.snapshots) {
      const npy = decodeNpy(readFileSync(join(out, s.npy)));
      expect(npy.shape).toEqual([24, 32]);
      expect(npy.data).toBeInstanceOf(Float32Array);
      expect(readFileSync(join(out, s.png)).subarray(1, 4).toString()).toBe('PNG');
    }
    expect(readdirSync(work).filter((f) => f.includes('partial'))).toEqual([]);
  });

  it('writes n(v) snapshots, shape (nv,), for the limit model', () => {
    const out = join(work, 'limit');
    const r = kinfire('run', '--out', out, ...small, '--set', 'model="vc-limit"', '--set', 'output.snapshots=[0.1]');
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.model).toBe('vc-limit');
    const npy = decodeNpy(readFileSync(join(out, summary.snapshots[0].npy)));
    expect(npy.shape).toEqual([32]);
    const dv = (14 / 3) / 32;
    expect(Math.abs(Array.from(npy.data).reduce((a, b) => a + b, 0) * dv - 1)).toBeLessThan(1e-5);
    expect(summary.snapshots[0].png).toMatch(/^n_t/);
  });

  it('stops a run that exceeds Nmax with status blowup, exit code 3, and keeps the last good state', () => {
    const out = join(work, 'blowup');
    const r = kinfire('run', '--out', out, ...small, '--set', 'time.T=0.5', '--set', 'time.Nmax=2');
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('blowup');
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.status).toBe('blowup');
    expect(summary.N_final).toBeLessThanOrEqual(2);
    const last = summary.snapshots[summary.snapshots.length - 1];
    expect(last.t).toBeCloseTo(summary.t_final, 12);
    expect(existsSync(join(out, last.npy))).toBe(true);
  });

  it('stops a run whose f32 arithmetic overflows with status nonfinite', () => {
    const out = join(work, 'overflow');
    const r = kinfire('run', '--out', out, ...small, '--set', 'params.b=1e38', '--set', 'grid.gmax=10');
    expect(r.code).toBe(3);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.status).toBe('nonfinite');
    expect(Math.abs(summary.mass_drift)).toBeLessThan(1e-5);
  });

  it.each([
    [['--set', 'params.eps=-1'], 'params.eps'],
    [['--set', 'params.b="x"'], 'params.b'],
    [['--set', 'grid.bogus=1'], 'unknown key'],
    [['--set', 'grid.nv=65536', '--set', 'grid.ng=65535'], 'at most 268435456 cells'],
    [['--config', '/nonexistent/kinfire.json'], '--config'],
  ])('rejects %j with exit code 2, a message naming the problem, and no results folder', (args, text) => {
    const out = join(work, 'rejected');
    const r = kinfire('run', '--out', out, ...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(text);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(work).filter((f) => f.includes('partial'))).toEqual([]);
  });

  it('fails clearly, with the install hint, where no WebGPU adapter exists', () => {
    const out = join(work, 'no-adapter');
    // An empty Vulkan driver list: Dawn finds no adapter at all.
    const r = kinfireWithEnv({ VK_ICD_FILENAMES: '/nonexistent/icd.json' }, 'run', '--out', out, ...small);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('No WebGPU adapter');
    expect(r.stderr).toContain('apt-get install -y chromium libvulkan1');
    expect(existsSync(out)).toBe(false);
  });

  it('warns when mass piles up near gmax', () => {
    const out = join(work, 'pileup');
    const r = kinfire('run', '--out', out, ...small, '--set', 'grid.gmax=3', '--set', 'params.gin=2.8');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('warning: mass piles up near gmax');
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.warnings[0]).toContain('increase grid.gmax');
  });

  it('refuses to overwrite a non-empty folder without --force', () => {
    const out = join(work, 'taken');
    mkdirSync(out);
    writeFileSync(join(out, 'keep.txt'), 'mine');
    const r = kinfire('run', '--out', out, ...small);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--force');
    expect(readdirSync(out)).toEqual(['keep.txt']);
  });
});
