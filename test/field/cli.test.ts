/** `kinfire field` (and `kinfire run` with model field), `kinfire steady` and `kinfire bifurcation` with model field, through the built CLI. */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeNpy, writeNpy } from '../../src/io/npy';
import { kernelHat } from '../../src/models/field/kernels';
import { sigma } from '../../src/models/field/sigmoid';
import { kinfire } from '../helpers/cli';

const work = mkdtempSync(join(tmpdir(), 'kinfire-field-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('kinfire field', () => {
  it('plane 64²: summary.json, activity.csv with the spectrum columns, N_t*.npy, the field and visual-field PNGs, dispersion.csv', () => {
    const out = join(work, 'plane');
    const r = kinfire('field', '-q', '--set', 'field.n=64', '--set', 'field.L=14', '--set', 'time.T=2', '--set', 'time.dt=0.2', '--set', 'output.every=2', '--set', 'output.viewPixels=64', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(s).toMatchObject({ model: 'field', domain: 'plane', status: 'ok', steps: 10, scheme: 'etdrk4' });
    expect(s.homogeneous).toHaveLength(1);
    expect(s.homogeneous[0].turing).toBe(true);
    expect(s.predicted.k).toBeCloseTo((2 * Math.PI * 2) / 14, 12);
    const rows = readFileSync(join(out, 'activity.csv'), 'utf8').trim().split('\n');
    expect(rows[0]).toBe('t,mean,max,k_dominant,amplitude,mode_x,mode_y');
    expect(rows).toHaveLength(1 + 1 + 5);
    const lastRow = rows[rows.length - 1]!.split(',').map(Number);
    // on the plane's lattice |m|² = 4 and 5 grow at nearly the same rate (0.883, 0.849): either may lead at t = 2
    expect(lastRow[3]).toBeCloseTo(s.measured.k_dominant_final, 10);
    expect([(2 * Math.PI * 2) / 14, (2 * Math.PI * Math.sqrt(5)) / 14].some((k) => Math.abs(k - lastRow[3]!) < 1e-9)).toBe(true);
    const N = decodeNpy(readFileSync(join(out, s.snapshots[0].npy)));
    expect(N.shape).toEqual([64, 64]);
    for (const png of [s.snapshots[0].png, s.snapshots[0].view, 'run.png']) expect(readFileSync(join(out, png)).subarray(1, 4).toString()).toBe('PNG');
    expect(readFileSync(join(out, 'dispersion.csv'), 'utf8').split('\n')[0]).toBe('k,lambda_continuum,lambda_grid');
  });

  it('kinfire run with model field: a ring, and its line plot', () => {
    const out = join(work, 'ring');
    const r = kinfire('run', '-q', '--set', 'model="field"', '--set', 'field.domain="ring"', '--set', 'field.n=128', '--set', 'time.T=1', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim())).toMatchObject({ status: 'ok', steps: 10 });
    expect(existsSync(join(out, 'N_t1.000000.png'))).toBe(true);
  });

  it('a network from W.npy (equal row sums): runs, and kinfire steady lists its homogeneous states', () => {
    const M = 32;
    const W = new Float64Array(M * M);
    for (let i = 0; i < M; i++) for (let j = 0; j < M; j++) W[i * M + j] = j === i ? 0 : 2 / (M - 1); // row sum 2
    const file = join(work, 'W.npy');
    writeNpy(file, W, [M, M]);
    const sets = ['--set', 'field.domain="network"', '--set', `field.W=${JSON.stringify(file)}`, '--set', 'field.sigmoid.beta=8', '--set', 'field.source.s0=0'];
    const out = join(work, 'network');
    const r = kinfire('field', '-q', ...sets, '--set', 'initial.index=-1', '--set', 'time.T=1', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(out, 'activity.csv'), 'utf8').split('\n')[0]).toBe('t,mean,max');
    const steady = kinfire('steady', '--set', 'model="field"', ...sets);
    expect(steady.code, steady.stderr).toBe(0);
    const states = JSON.parse(steady.stdout).steady as { N: number; lambda0: number }[];
    expect(states).toHaveLength(3);
    for (const st of states) expect(Math.abs(2 * sigma({ kind: 'logistic', beta: 8, theta: 1 }, st.N) - st.N)).toBeLessThan(1e-14);
    expect(states.map((st) => st.lambda0 < 0)).toEqual([true, false, true]);
  });

  it.each([
    [['--set', 'field.n=100'], 'field.n', /64 or 128/],
    [['--set', 'field.domain="network"'], 'field.W', /needed/],
    [['--set', 'field.domain="network"', '--set', 'field.W="/nonexistent/W.npy"'], 'field.W', /cannot read/],
    [['--set', 'field.kernel={"kind":"npy","file":"KERNEL"}'], 'field.kernel.file', /shape \(256, 256\)/],
    [['--set', 'initial.index=5'], 'initial.index', /homogeneous steady state/],
    [['--set', 'field.sigmoid.beta=-1'], 'field.sigmoid.beta', /\(0, 10000\]/],
    [['--set', 'field.bogus=1'], 'field.bogus', /unknown key/],
  ] as [string[], string, RegExp][])('bad input %j exits 2 naming %s, before any results folder', (sets, field, message) => {
    const kernel = join(work, 'kernel.npy');
    writeNpy(kernel, new Float32Array(64), [64]);
    const out = join(work, 'bad');
    const r = kinfire('field', '-q', ...sets.map((x) => x.replace('KERNEL', kernel)), '--out', out);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`config error: ${field}`);
    expect(r.stderr).toMatch(message);
    expect(existsSync(out)).toBe(false);
  });
});

describe('kinfire steady and bifurcation, model field: the Turing threshold in s0', () => {
  it('the grid threshold σ′(N*) = 1/max ŵ(k_m) located by bisection, in closed form', () => {
    const sets = ['--set', 'model="field"', '--set', 'field.domain="ring"', '--set', 'field.n=256', '--set', 'field.L=14'];
    const out = join(work, 'bif');
    const r = kinfire('bifurcation', ...sets, '-q', '--param', 's0', '--from', '0.3', '--to', '1.2', '--n', '10', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const b = JSON.parse(readFileSync(join(out, 'bifurcation.json'), 'utf8'));
    // the fastest grid mode is m = 2 (k = 4π/14); at the threshold 5σ(1 − σ) = 1/ŵ(k): σ = 1/2 ± √(1/4 − 1/(5ŵ))
    const w = { kind: 'mexican-hat' as const, Ae: 3, se: 1, Ai: 2.5, si: 2 };
    const wmax = kernelHat(w, (4 * Math.PI) / 14, 1);
    const expected = [-1, 1].map((sign) => {
      const sg = 0.5 + sign * Math.sqrt(0.25 - 1 / (5 * wmax));
      const N = 1 + Math.log(sg / (1 - sg)) / 5;
      return N - 0.5 * sg;
    });
    expect(b.turing.map((p: { direction: string }) => p.direction)).toEqual(['destabilises', 'stabilises']);
    b.turing.forEach((p: { param: number; k: number }, i: number) => {
      expect(Math.abs(p.param - expected[i]!)).toBeLessThan(1e-9);
      expect(p.k).toBeCloseTo((4 * Math.PI) / 14, 12);
    });
    expect(readFileSync(join(out, 'bifurcation.csv'), 'utf8').split('\n')[0]).toBe('param,N,stable,lambda0,lambda_grid,k_grid,turing');
  });
});
