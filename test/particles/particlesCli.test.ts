/**
 * `kinfire particles` as a user meets it: the built bin/kinfire.js in a child process (npm test builds
 * dist/ first; by hand: npx vite build). Bad input exits 2 with the field named and leaves no folder.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeNpy } from '../../src/io/npy';
import { kinfire } from '../helpers/cli';

const work = mkdtempSync(join(tmpdir(), 'kinfire-particles-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('kinfire particles', () => {
  it('nnlif: writes summary.json (N_mean ± SE, the exact rate), activity.csv and n(v) snapshots', () => {
    const out = join(work, 'nnlif');
    const config = join(work, 'nnlif.json');
    writeFileSync(config, JSON.stringify({ model: 'nnlif', nnlif: { b: 0.5 }, grid: { nv: 80 }, time: { T: 4, dt: 0.02 }, particles: { count: 5000, seed: 3 }, output: { snapshots: [0, 4] } }));
    const r = kinfire('particles', '--config', config, '--out', out, '--set', 'particles.window=[2,4]');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('particles: t = 4.0000 / 4');
    const line = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(line).toMatchObject({ status: 'ok', model: 'nnlif', count: 5000, steps: 200 });
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary).toMatchObject({ kind: 'particles', model: 'nnlif', count: 5000, seed: 3, dt: 0.02, steps: 200, status: 'ok', window: [2, 4], params: { b: 0.5, a0: 1, VR: 1, VF: 2, bridge: true } });
    for (const key of ['wall_s', 'steps_per_s', 'particle_steps_per_s', 'N_mean', 'N_se', 'N_final', 'N0']) expect(typeof summary[key], key).toBe('number');
    expect(summary.N_exact).toEqual([expect.closeTo(0.13477508, 7)]);
    expect(summary.batch_means).toMatchObject({ batches: 20, steps_per_batch: 5, steps_used: 100, steps_dropped: 0 });
    expect(Object.keys(summary.adapter).sort()).toEqual(['architecture', 'description', 'vendor']);
    const csv = readFileSync(join(out, 'activity.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('t,N');
    expect(csv.length).toBe(1 + 1 + 200);
    expect(csv[1]).toBe('0,0');
    // N_mean is the mean of the window's rows
    const rows = csv.slice(1).map((l) => l.split(',').map(Number));
    const inWindow = rows.filter(([t]) => t > 2 + 1e-9 && t <= 4 + 1e-9).map(([, N]) => N);
    expect(summary.N_mean).toBeCloseTo(inWindow.reduce((a, b) => a + b) / inWindow.length, 12);
    expect(summary.snapshots.map((s: { t: number }) => s.t)).toEqual([0, 4]);
    for (const s of summary.snapshots) {
      const npy = decodeNpy(readFileSync(join(out, s.npy)));
      expect(npy.shape).toEqual([80]);
      const dv = (2 - summary.grid.vmin) / 80;
      expect(Array.from(npy.data).reduce((a, b) => a + b, 0) * dv).toBeCloseTo(s.mass, 5);
      expect(s.mass + s.outside + s.refractory).toBeCloseTo(1, 12);
      expect(readFileSync(join(out, s.png)).subarray(1, 4).toString()).toBe('PNG');
      expect(s.npy).toMatch(/^n_t/);
    }
    expect(readdirSync(work).filter((f) => f.includes('partial'))).toEqual([]);
  });

  it('nnlif with K = 2 populations: N_<name> columns, (K, nv) histograms and a summary per population', () => {
    const out = join(work, 'nnlif-ei');
    const config = join(work, 'nnlif-ei.json');
    const populations = [
      { name: 'E', a0: 1, VR: 1, VF: 2 },
      { name: 'I', a0: 0.6, VR: 0.5, VF: 1.5, tau: 0.2, firing: { kind: 'soft', rate: 10, vmax: 2.5 } },
    ];
    writeFileSync(config, JSON.stringify({ model: 'nnlif', nnlif: { populations, b: [[0.5, -0.5], [0.5, -0.2]] }, grid: { nv: 40 }, time: { T: 2, dt: 0.02 }, particles: { count: 3000, seed: 5, batches: 10 }, output: { snapshots: [0, 2] } }));
    const r = kinfire('particles', '--config', config, '--out', out, '-q');
    expect(r.code, r.stderr).toBe(0);
    const line = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(line.populations.map((p: { name: string }) => p.name)).toEqual(['E', 'I']);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary).toMatchObject({ model: 'nnlif', count: 3000, steps: 100, status: 'ok', params: { coupling: { b: [[0.5, -0.5], [0.5, -0.2]] } } });
    expect(summary.N_exact).toBeUndefined();
    expect(summary.populations.map((p: { name: string; count: number }) => [p.name, p.count])).toEqual([['E', 3000], ['I', 3000]]);
    const csv = readFileSync(join(out, 'activity.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('t,N_E,N_I');
    expect(csv.length).toBe(1 + 1 + 100);
    const rows = csv.slice(1).map((l) => l.split(',').map(Number));
    summary.populations.forEach((p: { N_mean: number; N_se: number; grid: { vmin: number; vmax: number; dv: number } }, alpha: number) => {
      const inWindow = rows.filter(([t]) => t > 1 + 1e-9 && t <= 2 + 1e-9).map((row) => row[1 + alpha]!);
      expect(p.N_mean).toBeCloseTo(inWindow.reduce((a, b) => a + b) / inWindow.length, 12);
      expect(p.N_se).toBeGreaterThan(0);
    });
    expect(summary.N_mean).toBe(summary.populations[0].N_mean);
    expect(summary.populations[1].grid).toMatchObject({ nv: 40, vmax: 2.5 });
    for (const s of summary.snapshots) {
      const npy = decodeNpy(readFileSync(join(out, s.npy)));
      expect(npy.shape).toEqual([2, 40]);
      s.populations.forEach((p: { name: string; mass: number; outside: number; refractory: number }, alpha: number) => {
        const row = Array.from(npy.data).slice(alpha * 40, (alpha + 1) * 40);
        expect(row.reduce((a, b) => a + b, 0) * summary.populations[alpha].grid.dv).toBeCloseTo(p.mass, 5);
        expect(p.mass + p.outside + p.refractory).toBeCloseTo(1, 12);
      });
      expect(s.populations[0].refractory).toBe(0);
    }
    expect(summary.snapshots[1].populations[1].refractory).toBeGreaterThan(0);
  });

  it('vc: (v, g) histograms of shape (ng, nv) with mass 1, like the kinetic p', () => {
    const out = join(work, 'vc');
    const r = kinfire('particles', '--out', out, '-q', '--set', 'grid.nv=32', '--set', 'grid.ng=24', '--set', 'time.T=0.01', '--set', 'particles.count=4000', '--set', 'output.snapshots=[0.01]');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('particles: t =');
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary).toMatchObject({ model: 'vc', count: 4000, status: 'ok', grid: { nv: 32, ng: 24 }, params: { b: 0.5, eps: 0.05 } });
    expect(summary.N_exact).toBeUndefined();
    const npy = decodeNpy(readFileSync(join(out, summary.snapshots[0].npy)));
    expect(npy.shape).toEqual([24, 32]);
    expect(Array.from(npy.data).reduce((a, b) => a + b, 0) * summary.grid.dv * summary.grid.dg).toBeCloseTo(1, 5);
    expect(summary.snapshots[0].npy).toMatch(/^p_t/);
  });

  it.each([
    [['--set', 'particles.count=0'], 'particles.count'],
    [['--set', 'model="vc-limit"'], 'model'],
    [['--set', 'model="nnlif"', '--set', 'nnlif.thresholdSpread=2'], 'nnlif.thresholdSpread'],
    [['--set', 'particles.window=[0.5,0.2]'], 'particles.window'],
    [['--set', 'particles.count=4000000000'], 'particles.count'],
    [['--set', 'model="nnlif"', '--set', 'nnlif.populations=[{"name":"E"},{"name":"I"}]', '--set', 'nnlif.b=[[1,0],[0,1],[0,0]]'], 'nnlif.b: with 2 populations must be a 2 × 2 matrix'],
    [['--set', 'model="nnlif"', '--set', 'nnlif.populations=[{"name":"E"},{"name":"I"}]', '--set', 'nnlif.b=[[1,0],[0,1]]', '--set', 'nnlif.a1=[[0]]'], 'nnlif.a1: with 2 populations must be a 2 × 2 matrix'],
  ])('rejects %j with exit code 2, naming %s, and writes no folder', (args, field) => {
    const out = join(work, `bad-${field}-${args.length}`);
    const r = kinfire('particles', '--out', out, '-q', ...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(field);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses an occupied --out without --force', () => {
    const out = join(work, 'nnlif');
    const r = kinfire('particles', '--out', out, '-q', '--set', 'particles.count=10');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--force');
  });
});
