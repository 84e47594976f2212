/**
 * `kinfire bifurcation` with model nnlif (one population), through the built CLI: the fold of the hard
 * threshold where the two steady states merge (b* of the Siegert relation) and the state coming in from
 * N = ∞ at b = VF − VR, the S-shaped diagram of the soft threshold (two folds, three states between), and
 * bad input naming the field with no folder left.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nnlifSteadyRates } from '../../src/models/nnlif/steadyRate';
import { kinfire } from '../helpers/cli';

const work = mkdtempSync(join(tmpdir(), 'kinfire-nnlif-bifurcation-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const nnlif = ['--set', 'model="nnlif"', '--stability-time', '15', '--stability-nv', '150', '-q'];
const jsonOf = (out: string) => JSON.parse(readFileSync(join(out, 'bifurcation.json'), 'utf8'));

describe('kinfire bifurcation, model nnlif', () => {
  it('hard threshold against b: a state from N = ∞ at b = VF − VR = 1, the fold at b* where the two states merge', () => {
    const out = join(work, 'hard');
    const r = kinfire('bifurcation', ...nnlif, '--param', 'nnlif.b', '--from', '0.5', '--to', '2.5', '--n', '9', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout.trim());
    expect(summary.folds.map((f: { kind: string }) => f.kind)).toEqual(['infinity', 'fold']);
    const [infinity, fold] = summary.folds;
    // the upper root ≈ (VF² − VR²)/(2b(b − 1)) enters the scan (N < 1e12) just above b = 1
    expect(Math.abs(infinity.param - 1)).toBeLessThan(1e-9);
    // the fold: two roots just below it, none just above (an independent scan of the Siegert relation)
    expect(nnlifSteadyRates({ a: 1, b: fold.param - 1e-7, VR: 1, VF: 2 })).toHaveLength(2);
    expect(nnlifSteadyRates({ a: 1, b: fold.param + 1e-7, VR: 1, VF: 2 })).toHaveLength(0);
    const [lo, hi] = nnlifSteadyRates({ a: 1, b: fold.param - 1e-9, VR: 1, VF: 2 });
    expect(Math.abs(fold.N - 0.5 * (lo! + hi!)) / fold.N).toBeLessThan(1e-3);
    // lower branch stable, upper unstable
    const d = jsonOf(out);
    expect(d.model).toBe('nnlif');
    for (const s of d.states) {
      expect(s.stable).toEqual(s.N.map((_: number, k: number) => k === 0));
      expect(s.N).toHaveLength(s.value <= 1 ? 1 : s.value < fold.param ? 2 : 0);
    }
    const csv = readFileSync(join(out, 'bifurcation.csv'), 'utf8').split('\n');
    expect(csv[0]).toBe('param,N,stable,a,R,N_up,N_down');
    expect(existsSync(join(out, 'bifurcation.png'))).toBe(true);
  });

  it('soft threshold against b: an S-shaped diagram, two states appearing at one fold and two disappearing at the next', () => {
    const out = join(work, 'soft');
    const r = kinfire('bifurcation', ...nnlif, '--set', 'nnlif.firing={"kind":"soft","rate":20}', '--param', 'b', '--from', '1', '--to', '3.5', '--n', '6', '--bisections', '20', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const { folds } = JSON.parse(r.stdout.trim());
    expect(folds.map((f: { kind: string }) => f.kind)).toEqual(['fold', 'fold']);
    expect(folds[0].param).toBeLessThan(folds[1].param);
    const d = jsonOf(out);
    for (const s of d.states) {
      if (s.value > folds[0].param && s.value < folds[1].param) expect(s.stable).toEqual([true, false, true]);
      else expect(s.stable).toEqual([true]);
    }
    expect(JSON.parse(readFileSync(join(out, 'bifurcation.json'), 'utf8')).folds[0].direction).toBe('appear');
  });

  it('bad input exits 2 naming the field and leaves no folder', () => {
    const cases: [string[], RegExp][] = [
      [['--param', 'eps'], /--param.*unknown nnlif parameter/],
      [['--param', 'firing.rate'], /--param.*soft threshold/],
      [['--param', 'VR', '--from', '0', '--to', '3'], /nnlif\.VF.*VR < VF.*--param VR = 3/],
      // a network (nnlif.populations) names its parameters by population
      [['--param', 'b', '--set', 'nnlif.populations=[{"name":"E"}]', '--set', 'nnlif.b=[[1]]'], /--param.*network of 1 population;.*b\.α\.β/],
    ];
    for (const [args, message] of cases) {
      const out = join(work, 'bad');
      const r = kinfire('bifurcation', ...nnlif, '--from', '0.5', '--to', '1', '--n', '3', ...args, '--out', out);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(existsSync(out)).toBe(false);
    }
  });
});
