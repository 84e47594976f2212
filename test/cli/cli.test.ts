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
    // The kept state is finite, and a snapshot is listed once even when it is also the kept state.
    expect(Number.isFinite(summary.N_final)).toBe(true);
    const times = summary.snapshots.map((x: { t: number }) => x.t);
    expect(new Set(times).size).toBe(times.length);
    for (const snap of summary.snapshots) expect(decodeNpy(readFileSync(join(out, snap.npy))).data.every((x: number) => Number.isFinite(x))).toBe(true);
  });

  it.each([
    [['--set', 'params.eps=-1'], 'params.eps'],
    [['--set', 'params.b="x"'], 'params.b'],
    [['--set', 'grid.bogus=1'], 'unknown key'],
    [['--set', 'grid.nv=65536', '--set', 'grid.ng=65535'], 'at most 268435456 cells'],
    [['--config', '/nonexistent/kinfire.json'], '--config'],
    [['--set', '__proto__.polluted=1'], 'the key "__proto__" is not a config key'],
    [['--set', 'constructor.prototype.polluted=1'], 'the key "constructor" is not a config key'],
    [['--set', 'params.phiF.rate=1e39'], 'params.phiF.rate: must be a finite number in [0, 3.4028235e38] (the f32 range)'],
    [['--set', 'params.gin=-1e39'], 'params.gin: must be a finite number in [-3.4028235e38, 3.4028235e38] (the f32 range)'],
  ])('rejects %j with exit code 2, a message naming the problem, and no results folder', (args, text) => {
    const out = join(work, 'rejected');
    const r = kinfire('run', '--out', out, ...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(text);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(work).filter((f) => f.includes('partial'))).toEqual([]);
  });

  it('refuses a config file that is not an object (null, an array, a number)', () => {
    for (const [text, what] of [['null', 'null'], ['[1]', 'an array'], ['3', 'number']]) {
      const config = join(work, 'not-an-object.json');
      writeFileSync(config, text);
      const r = kinfire('run', '--config', config, '--out', join(work, 'rejected'), ...small);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`--config: the config must be a JSON object (got ${what})`);
    }
  });

  it('a grid the device cannot allocate is bad input: exit 2 with the GiB needed, nothing on stdout', () => {
    // 16384² passes the binding-size check (2^28 cells) but SwiftShader allocates at most 1 GiB − 4 KiB.
    const r = kinfire('run', '--out', join(work, 'huge'), '--set', 'grid.nv=16384', '--set', 'grid.ng=16384', '--set', 'time.T=0.001', '-q');
    if (r.code === 0) return; // a device that holds 3 GiB: nothing to refuse
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/grid: nv × ng = 16384 × 16384 needs 3\.00 GiB of GPU memory .*more than this device could allocate/);
    expect(r.stdout).toBe('');
    expect(existsSync(join(work, 'huge'))).toBe(false);
  });

  it('refuses a run of more than 1e7 steps without --allow-long, with its wall time measured on this adapter', () => {
    const r = kinfire('run', '--out', join(work, 'long'), '--set', 'grid.nv=16', '--set', 'grid.ng=16', '--set', 'time.T=1000', '--set', 'time.dt=1e-6', '-q');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/time\.dt: T \/ dt gives 1\.000e\+9 steps, more than the 1e\+7 a run takes without --allow-long: at [\d.e+]+ steps\/s \(measured over 64 steps/);
    expect(r.stderr).toMatch(/it would take about [\d.]+ (days|h)/);
    expect(existsSync(join(work, 'long'))).toBe(false);
  });

  it('prints the estimated wall time after the first block', () => {
    const r = kinfire('run', '--out', join(work, 'estimate'), '--set', 'grid.nv=32', '--set', 'grid.ng=24', '--set', 'time.T=1');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/run: estimated wall time [\d.]+ (s|min) for \d+ more steps at [\d.e+]+ steps\/s/);
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
