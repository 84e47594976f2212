/**
 * `kinfire run` with model "nnlif" (the Fokker–Planck PDE), through the built CLI: its results folder,
 * relaxation to the exact steady rate (with and without τ), blow-up where the theorems say it happens
 * (and t_blowup converging under refinement), an inhibitory network staying bounded, batches bitwise
 * equal to single runs, and bad input.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeNpy } from '../../src/io/npy';
import { nnlifInverseRate, nnlifSteadyRates } from '../../src/models/nnlif/steadyRate';
import { kinfire } from '../helpers/cli';

const work = mkdtempSync(join(tmpdir(), 'kinfire-nnlif-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const nnlif = ['--set', 'model="nnlif"', '-q'];
const summaryOf = (out: string) => JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
const csv = (path: string) =>
  readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split(','));

describe('kinfire run, model nnlif', () => {
  it('writes summary.json, activity.csv, n_t*.npy (nv,) and PNGs, and relaxes to the exact steady rate', () => {
    const out = join(work, 'steady');
    const r = kinfire('run', ...nnlif, '--set', 'time.T=12', '--set', 'time.dt=0.01', '--set', 'nnlif.vmin=-6', '--set', 'output.snapshots=[0,12]', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const s = summaryOf(out);
    expect(s).toMatchObject({ model: 'nnlif', status: 'ok', t_blowup: null, steps: 1200, grid: { nv: 256, vmin: -6, vtop: 2 } });
    const [Nstar] = nnlifSteadyRates({ a: 1, b: 0.5, VR: 1, VF: 2 });
    expect(Math.abs(s.N_final - Nstar!) / Nstar!).toBeLessThan(2e-4);
    expect(Math.abs(s.mass_drift)).toBeLessThan(1e-5);
    const rows = csv(join(out, 'activity.csv'));
    expect(rows[0]).toEqual(['t', 'N', 'mass']);
    expect(rows).toHaveLength(1202);
    for (const snap of s.snapshots) {
      const n = decodeNpy(readFileSync(join(out, snap.npy)));
      expect(n.shape).toEqual([256]);
      expect(Math.min(...n.data)).toBeGreaterThanOrEqual(0);
      expect(existsSync(join(out, snap.png))).toBe(true);
    }
    expect(existsSync(join(out, 'run.png'))).toBe(true);
  });

  it('with τ > 0: activity has R, n + R is conserved, and N relaxes to the root of N·(I(N) + τ) = 1', () => {
    const out = join(work, 'tau');
    const r = kinfire('run', ...nnlif, '--set', 'nnlif.b=0.5', '--set', 'nnlif.tau=0.5', '--set', 'time.T=15', '--set', 'time.dt=0.01', '--set', 'nnlif.vmin=-6', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const s = summaryOf(out);
    const roots = nnlifSteadyRates({ a: 1, b: 0.5, VR: 1, VF: 2, tau: 0.5 });
    expect(roots).toHaveLength(1);
    // b = 0: the relation is explicit, N = 1/(I + τ); the root finder must agree with it there
    const I = nnlifInverseRate({ a: 1, b: 0, VR: 1, VF: 2 }, 0);
    expect(nnlifSteadyRates({ a: 1, b: 0, VR: 1, VF: 2, tau: 0.5 })[0]).toBeCloseTo(1 / (I + 0.5), 12);
    const exact = roots[0]!;
    expect(Math.abs(s.N_final - exact) / exact).toBeLessThan(2e-4);
    expect(Math.abs(s.R_final - 0.5 * exact) / (0.5 * exact)).toBeLessThan(2e-4); // R = τN at the steady state
    const rows = csv(join(out, 'activity.csv'));
    expect(rows[0]).toEqual(['t', 'N', 'mass', 'R']);
    for (const row of rows.slice(1)) expect(Math.abs(Number(row[2]) - 1)).toBeLessThan(3e-5); // f32: a random walk of about an ulp per step
  });

  it('kinfire steady lists every steady rate with its stability: one for b = 0.5, a stable and an unstable one for b = 1.5, none for b = 3', () => {
    const steady = (b: number, ...more: string[]) => {
      const r = kinfire('steady', '--set', 'model="nnlif"', '--set', `nnlif.b=${b}`, '--stability-nv', '200', '--stability-time', '20', ...more);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout).steady as { N: number; stable: boolean; R: number; N_up: number | null }[];
    };
    const one = steady(0.5);
    expect(one).toHaveLength(1);
    expect(one[0]!.stable).toBe(true);
    expect(one[0]!.N).toBeCloseTo(nnlifSteadyRates({ a: 1, b: 0.5, VR: 1, VF: 2 })[0]!, 12);
    const two = steady(1.5);
    expect(two.map((x) => x.stable)).toEqual([true, false]);
    expect(two[1]!.N_up).toBeNull(); // pushed up, the upper state blows up
    expect(steady(3)).toEqual([]); // b > VF − VR: no steady state at all
    const tau = steady(0.5, '--set', 'nnlif.tau=0.2');
    expect(tau[0]!.R).toBeCloseTo(0.2 * tau[0]!.N, 14);
  });

  it('b > 0 with the mass near VF blows up: status blowup, exit 3, t_blowup, the last good state kept', () => {
    const out = join(work, 'blowup');
    const r = kinfire('run', ...nnlif, '--set', 'nnlif.b=1.5', '--set', 'initial.v0=1.5', '--set', 'initial.sv=0.1', '--set', 'time.T=1', '--set', 'time.Nmax=1000', '--out', out);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('N(t) exceeded time.Nmax = 1000');
    const s = summaryOf(out);
    expect(s.status).toBe('blowup');
    expect(s.t_blowup).toBeGreaterThan(0);
    expect(s.t_blowup).toBeLessThan(0.2);
    expect(s.N_final).toBeLessThanOrEqual(1000);
    const last = s.snapshots[s.snapshots.length - 1];
    expect(last.t).toBeCloseTo(s.t_final, 12);
    expect(decodeNpy(readFileSync(join(out, last.npy))).data.every((x: number) => Number.isFinite(x) && x >= 0)).toBe(true);
  });

  it('t_blowup converges under refinement of h and dt together (first order)', () => {
    const times = [[128, 0.002], [256, 0.001], [512, 0.0005]].map(([nv, dt]) => {
      const out = join(work, `refine-${nv}`);
      const r = kinfire('run', ...nnlif, '--set', 'nnlif.b=1.5', '--set', 'initial.v0=1.5', '--set', 'initial.sv=0.1', '--set', 'time.T=0.2', '--set', `time.dt=${dt}`, '--set', `grid.nv=${nv}`, '--set', 'time.Nmax=1000', '--out', out);
      expect(r.code).toBe(3);
      return summaryOf(out).t_blowup as number;
    });
    const ratio = (times[0]! - times[1]!) / (times[1]! - times[2]!);
    expect(ratio).toBeGreaterThan(1.5);
    expect(ratio).toBeLessThan(2.6);
  });

  it('an inhibitory network (b = −1) stays bounded over long times, from data near VF', () => {
    const out = join(work, 'inhibitory');
    const r = kinfire('run', ...nnlif, '--set', 'nnlif.b=-1', '--set', 'initial.v0=1.8', '--set', 'initial.sv=0.05', '--set', 'time.T=50', '--set', 'time.dt=0.01', '--set', 'output.every=10', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const N = csv(join(out, 'activity.csv')).slice(1).map((row) => Number(row[1]));
    expect(Math.max(...N)).toBeLessThan(5);
    const [Nstar] = nnlifSteadyRates({ a: 1, b: -1, VR: 1, VF: 2 });
    expect(Math.abs(N[N.length - 1]! - Nstar!) / Nstar!).toBeLessThan(1e-3);
  });

  it('a1 > 0 with b < 0 can blow up (Carrillo–Perthame–Salort–Smets)', () => {
    const out = join(work, 'a1');
    const r = kinfire('run', ...nnlif, '--set', 'nnlif.b=-0.5', '--set', 'nnlif.a1=8', '--set', 'initial.v0=1.8', '--set', 'initial.sv=0.05', '--set', 'time.T=1', '--set', 'time.Nmax=1000', '--out', out);
    expect(r.code).toBe(3);
    expect(summaryOf(out).status).toBe('blowup');
  });

  it('a batch solves every member in the same dispatches; each member is bitwise its run alone', () => {
    const out = join(work, 'batch');
    const common = ['--set', 'initial.v0=1.6', '--set', 'initial.sv=0.1', '--set', 'time.T=0.5', '--set', 'time.dt=0.002', '--set', 'time.Nmax=500', '--set', 'nnlif.delay=0.01'];
    const r = kinfire('run', ...nnlif, ...common, '--batch', 'nnlif.b=-1:2:4', '--batch', 'nnlif.tau=0,0.1', '--out', out);
    expect(r.code, r.stderr).toBe(0); // some members blow up; the batch as a whole is not stopped
    const rows = csv(join(out, 'batch.csv'));
    expect(rows[0]).toEqual(['nnlif.b', 'nnlif.tau', 'status', 't_blowup', 'N_final', 'N_last_quarter']);
    expect(rows).toHaveLength(9);
    expect(rows.slice(1).map((row) => row.slice(0, 2).map(Number))).toEqual([[-1, 0], [-1, 0.1], [0, 0], [0, 0.1], [1, 0], [1, 0.1], [2, 0], [2, 0.1]]);
    expect(rows.some((row) => row[2] === 'blowup')).toBe(true);
    expect(rows.some((row) => row[2] === 'ok')).toBe(true);
    const Nbatch = decodeNpy(readFileSync(join(out, 'N_batch.npy')));
    expect(Nbatch.shape).toEqual([8, 251]);
    const snap = decodeNpy(readFileSync(join(out, summaryOf(out).snapshots.at(-1).npy)));
    expect(snap.shape).toEqual([8, 256]);
    expect(existsSync(join(out, 'N_batch.png'))).toBe(true);
    for (const m of [1, 6]) {
      const [b, tau] = rows[m + 1]!.map(Number);
      const alone = join(work, `alone-${m}`);
      const single = kinfire('run', ...nnlif, ...common, '--set', `nnlif.b=${b}`, '--set', `nnlif.tau=${tau}`, '--out', alone);
      expect([0, 3]).toContain(single.code);
      const N = csv(join(alone, 'activity.csv')).slice(1).map((row) => Number(row[1]));
      const mine = Array.from(Nbatch.data.subarray(m * 251, m * 251 + N.length));
      expect(mine).toEqual(N.map((x) => Math.fround(x)));
      expect(rows[m + 1]![2]).toBe(summaryOf(alone).status);
    }
  });

  it.each([
    [['--set', 'nnlif.VR=2'], 'nnlif.VF: must satisfy VR < VF'],
    [['--set', 'nnlif.a0=0'], 'nnlif.a0: must be a finite number in (0, '],
    [['--set', 'nnlif.delay=-0.1'], 'nnlif.delay: must be a finite number in [0, '],
    [['--set', 'nnlif.delay=0.0015'], 'nnlif.delay: must be a whole number of steps'],
    [['--set', 'params.b=1'], 'model "nnlif" takes its parameters from the "nnlif" block'],
    [['--set', 'grid.ng=10'], 'grid.ng is a key of the vc models'],
    [['--set', 'nnlif.firing={"kind":"soft","vmax":1}'], 'nnlif.firing.vmax: must lie above VF'],
    [['--set', 'nnlif.firing={"kind":"bogus"}'], 'nnlif.firing'],
    [['--batch', 'nnlif.VF=1:2:3'], 'nnlif.VF cannot vary within a batch'],
    [['--batch', 'nnlif.VR=0:3:4'], '--batch nnlif.VR=2: nnlif.VF: must satisfy VR < VF'],
    [['--batch', 'nnlif.b=1:2'], '--batch'],
  ])('rejects %j with exit 2 naming the field, and no results folder', (args, text) => {
    const out = join(work, 'rejected');
    const r = kinfire('run', ...nnlif, ...args, '--out', out);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(text);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses --batch for the vc models', () => {
    const r = kinfire('run', '-q', '--batch', 'nnlif.b=0,1', '--out', join(work, 'vc-batch'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--batch: batches are solved for model "nnlif"');
  });

  it('the soft threshold: a run fires through the loss above VF and relaxes', () => {
    const out = join(work, 'soft');
    const r = kinfire('run', ...nnlif, '--set', 'nnlif.firing={"kind":"soft","rate":20,"vmax":3}', '--set', 'time.T=10', '--set', 'time.dt=0.01', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const s = summaryOf(out);
    expect(s.grid.vtop).toBe(3);
    expect(s.N_final).toBeGreaterThan(0.05);
    expect(Math.abs(s.mass_drift)).toBeLessThan(1e-5);
  });

  describe('K populations (nnlif.populations, b and a1 as K × K matrices)', () => {
    const ei = {
      model: 'nnlif',
      nnlif: {
        populations: [
          { name: 'E', a0: 1, VR: 1, VF: 2, vmin: -6 },
          { name: 'I', a0: 0.8, VR: 0.8, VF: 2, tau: 0.1, vmin: -6 },
        ],
        b: [[0.5, -1], [1, -0.5]],
      },
      time: { T: 20, dt: 0.01 },
      output: { every: 10 },
    };
    const config = join(work, 'ei.json');
    writeFileSync(config, JSON.stringify(ei));

    it('writes N_E, N_I, mass_E, mass_I, R_E, R_I and (2, nv) snapshots, and relaxes to a steady state of the system N_α·(I_α + τ_α) = 1', () => {
      const out = join(work, 'ei');
      const r = kinfire('run', '-q', '--config', config, '--out', out);
      expect(r.code, r.stderr).toBe(0);
      const rows = csv(join(out, 'activity.csv'));
      expect(rows[0]).toEqual(['t', 'N_E', 'N_I', 'mass_E', 'mass_I', 'R_E', 'R_I']);
      const s = summaryOf(out);
      expect(s.populations.map((p: { name: string }) => p.name)).toEqual(['E', 'I']);
      expect(decodeNpy(readFileSync(join(out, s.snapshots.at(-1).npy))).shape).toEqual([2, 256]);
      const N = s.populations.map((p: { N_final: number }) => p.N_final);
      const pops = ei.nnlif.populations;
      for (let a = 0; a < 2; a++) {
        // I_α at the drift offset V_α = Σβ b_αβ N_β (a frozen network with b = V_α at "N = 1")
        const V = ei.nnlif.b[a]![0]! * N[0] + ei.nnlif.b[a]![1]! * N[1];
        const I = nnlifInverseRate({ a: pops[a]!.a0, b: V, VR: pops[a]!.VR, VF: pops[a]!.VF }, 1);
        expect(Math.abs(N[a] * (I + (pops[a]!.tau ?? 0)) - 1)).toBeLessThan(1e-3);
      }
      for (const p of s.populations) expect(Math.abs(p.mass_drift)).toBeLessThan(1e-5);
      expect(s.populations[1].R_final).toBeCloseTo(0.1 * N[1], 4);
    });

    it('kinfire steady finds the steady states of the 2-population system: uncoupled, the products of the single roots; coupled, the state the run relaxes to', () => {
      const steady = (...more: string[]) => {
        const r = kinfire('steady', '--config', config, '--stability-nv', '200', '--stability-time', '20', ...more);
        expect(r.code, r.stderr).toBe(0);
        return JSON.parse(r.stdout) as { populations: string[]; steady: { N: number[]; stable: boolean }[] };
      };
      const uncoupled = steady('--set', 'nnlif.b=[[1.5,0],[0,0.5]]');
      const E = nnlifSteadyRates({ a: 1, b: 1.5, VR: 1, VF: 2 });
      const I = nnlifSteadyRates({ a: 0.8, b: 0.5, VR: 0.8, VF: 2, tau: 0.1 });
      expect(uncoupled.populations).toEqual(['E', 'I']);
      expect(uncoupled.steady).toHaveLength(E.length * I.length);
      uncoupled.steady.forEach((st, k) => {
        expect(st.N[0]).toBeCloseTo(E[k]!, 10);
        expect(st.N[1]).toBeCloseTo(I[0]!, 10);
      });
      expect(uncoupled.steady.map((st) => st.stable)).toEqual([true, false]); // as for E alone
      const coupled = steady();
      expect(coupled.steady).toHaveLength(1);
      expect(coupled.steady[0]!.stable).toBe(true);
      const run = summaryOf(join(work, 'ei'));
      run.populations.forEach((p: { N_final: number }, a: number) => expect(Math.abs(p.N_final - coupled.steady[0]!.N[a]!) / coupled.steady[0]!.N[a]!).toBeLessThan(1e-3));
    });

    it('batches over a coupling entry and a population key: N_batch.npy is (M, K, samples)', () => {
      const out = join(work, 'ei-batch');
      const r = kinfire('run', '-q', '--config', config, '--set', 'time.T=1', '--batch', 'nnlif.b.0.1=-2:0:3', '--batch', 'nnlif.populations.1.tau=0,0.2', '--out', out);
      expect(r.code, r.stderr).toBe(0);
      const rows = csv(join(out, 'batch.csv'));
      expect(rows[0]).toEqual(['nnlif.b.0.1', 'nnlif.populations.1.tau', 'status', 't_blowup', 'N_final_E', 'N_final_I', 'N_last_quarter_E', 'N_last_quarter_I']);
      expect(rows).toHaveLength(7);
      expect(decodeNpy(readFileSync(join(out, 'N_batch.npy'))).shape).toEqual([6, 2, 11]);
    });

    it.each([
      [['--set', 'nnlif.b=0.5'], 'nnlif.b: with 2 populations must be a 2 × 2 matrix'],
      [['--set', 'nnlif.a1=[[0,0]]'], 'nnlif.a1: with 2 populations must be a 2 × 2 matrix'],
      [['--set', 'nnlif.tau=0.1'], 'nnlif.tau: with nnlif.populations each population has its own tau'],
      [['--set', 'nnlif.populations.1.name="E"'], 'nnlif.populations: the names must differ'],
      [['--set', 'nnlif.populations.0.VR=3'], 'nnlif.populations.0.VF: must satisfy VR < VF'],
      [['--batch', 'nnlif.b=0,1'], 'cannot vary within a batch of 2 populations'],
      [['--batch', 'nnlif.b.2.0=0,1'], 'cannot vary within a batch of 2 populations'],
    ])('rejects %j with exit 2 naming the field', (args, text) => {
      const r = kinfire('run', '-q', '--config', config, ...args, '--out', join(work, 'ei-rejected'));
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(text);
    });
  });
});
