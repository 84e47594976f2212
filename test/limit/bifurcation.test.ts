import { describe, expect, it } from 'vitest';
import { ConfigError, resolveConfig } from '../../src/models/config';
import {
  type BifurcationDiagram,
  bifurcationBranches,
  bifurcationDiagram,
  linspace,
  parseBifurcationParam,
  withParam,
} from '../../src/models/limit/bifurcation';
import { limitVelocity, steadyResidual } from '../../src/models/limit/steadyStates';

const paramsOf = (p: object) => resolveConfig({ params: p }).params;
/** Cheap stability settings: the verdicts are not what these tests check. */
const fast = { stability: { nv: 40, T: 0.5 } };

describe('bifurcation parameters', () => {
  it('accepts the numeric params (with or without "params.") and rejects eps and unknown names', () => {
    expect(parseBifurcationParam('b')).toBe('b');
    expect(parseBifurcationParam('params.phiF.rate')).toBe('phiF.rate');
    expect(() => parseBifurcationParam('eps')).toThrow(/do not depend on ε/);
    expect(() => parseBifurcationParam('params.eps')).toThrow(ConfigError);
    expect(() => parseBifurcationParam('phiF.kind')).toThrow(/unknown parameter "phiF.kind"/);
    expect(() => parseBifurcationParam('bogus')).toThrow(/--param/);
  });

  it('re-validates each value with resolveConfig, naming the field and the value of --param', () => {
    const p = paramsOf({});
    expect(withParam(p, 'phiF.rate', 7).phiF.rate).toBe(7);
    expect(withParam(p, 'gin', -2)).toMatchObject({ ...p, gin: -2 });
    let error: unknown;
    try {
      withParam(p, 'VR', 1.5);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).field).toBe('params.VR');
    expect((error as ConfigError).message).toContain('--param VR = 1.5');
    expect(() => withParam(p, 'a', -1)).toThrow(/params\.a.*--param a = -1/);
    // an invalid value anywhere in the sweep stops it before any work
    expect(() => bifurcationDiagram(p, 'VF', linspace(0.5, 5, 3), fast)).toThrow(/params\.VE.*--param VF = 5/);
  });

  it('linspace includes both ends', () => {
    expect(linspace(0.2, 1.2, 5)).toEqual([0.2, 0.45, 0.7, 0.95, 1.2]);
    expect(linspace(1, 0, 2)).toEqual([1, 0]);
  });
});

describe('bifurcationDiagram', () => {
  it('locates both folds of the three-state case (gin = -0.5) as double roots of F(N) = N·I(N) − 1', () => {
    const base = paramsOf({ gin: -0.5 });
    const values = linspace(0.4, 0.56, 5); // 0.40, 0.44, 0.48, 0.52, 0.56
    const d = bifurcationDiagram(base, 'b', values, fast);
    const counts = d.slices.map((s) => s.states.filter((x) => !x.quiescent).length);
    expect(counts).toEqual([1, 1, 3, 1, 1]);
    expect(d.folds.map((f) => [f.kind, f.direction, f.interval])).toEqual([
      ['fold', 'appear', 1],
      ['fold', 'disappear', 2],
    ]);
    for (const f of d.folds) {
      // inside the interval whose counts differ, located to 2^-40 of it
      const [lo, hi] = [values[f.interval], values[f.interval + 1]];
      expect(f.param).toBeGreaterThan(lo);
      expect(f.param).toBeLessThan(hi);
      expect(Math.abs(f.bracket[0] - f.bracket[1])).toBeLessThanOrEqual((hi - lo) * 2 ** -39);
      const p = withParam(base, 'b', f.param);
      const F = (N: number) => steadyResidual(p, N);
      // the two merging roots are close, and N is their mean
      const [m0, m1] = f.merging!;
      expect(Math.abs(m1 - m0)).toBeLessThan(1e-4 * f.N);
      expect(f.N).toBeCloseTo(0.5 * (m0 + m1), 12);
      // a double root: F ≈ 0 and dF/dN ≈ 0 there
      const h = 1e-4 * f.N;
      expect(Math.abs(F(f.N))).toBeLessThan(1e-9);
      const slope = (F(f.N + h) - F(f.N - h)) / (2 * h);
      expect(Math.abs(slope)).toBeLessThan(1e-5);
      // ... while a simple root nearby has a slope of order one
      const upper = d.slices[4].states[0].N;
      const q = withParam(base, 'b', values[4]);
      expect(Math.abs((steadyResidual(q, upper * (1 + 1e-4)) - steadyResidual(q, upper * (1 - 1e-4))) / (2e-4 * upper))).toBeGreaterThan(1e-2);
    }
    // the first fold is where the upper pair is born (N ≈ 5.3), the second where the lower pair dies (N ≈ 1.85)
    expect(d.folds[0].param).toBeCloseTo(0.4477, 3);
    expect(d.folds[0].N).toBeCloseTo(5.31, 1);
    expect(d.folds[1].param).toBeCloseTo(0.5030, 3);
    expect(d.folds[1].N).toBeCloseTo(1.85, 1);
  });

  it('reports where the quiescent state disappears (V*(0) = VF) as a separate kind of point', () => {
    const base = paramsOf({ b: 0.5 });
    const values = [-0.7, -0.6];
    const d = bifurcationDiagram(base, 'gin', values, fast);
    expect(d.slices[0].states[0].quiescent).toBe(true);
    expect(d.slices[1].states.some((s) => s.quiescent)).toBe(false);
    const q = d.folds.filter((f) => f.kind === 'quiescent');
    expect(q.length).toBe(1);
    expect(q[0]).toMatchObject({ N: 0, direction: 'disappear', interval: 0 });
    const p = withParam(base, 'gin', q[0].param);
    expect(Math.abs(limitVelocity(p, 0).vStar - p.VF)).toBeLessThan(1e-10);
    expect(limitVelocity(p, 0).vStar).toBeLessThanOrEqual(p.VF); // reported on the side that has the state
    // the count of firing states changed by one there: that is not a fold
    expect(d.folds.filter((f) => f.kind === 'fold')).toEqual([]);
  });

  it('calls back after each parameter value', () => {
    const seen: number[] = [];
    bifurcationDiagram(paramsOf({}), 'gin', linspace(0, 1, 3), { ...fast, onProgress: (p) => seen.push(p.done * 10 + p.total) });
    expect(seen).toEqual([13, 23, 33]);
  });
});

describe('bifurcationBranches', () => {
  it('joins states rank by rank, joins the merging pair to its fold, and changes style half way between states of different stability', () => {
    const st = (N: number, stable: boolean) => ({ N, stable, deviation: 0, vStar: 2, gbar: 1, quiescent: false });
    const d: BifurcationDiagram = {
      param: 'b',
      values: [0, 1, 2],
      slices: [
        { value: 0, states: [st(1, true)] },
        { value: 1, states: [st(1.5, true), st(4, false), st(6, true)] },
        { value: 2, states: [st(2, false), st(4.5, false), st(7, true)] },
      ],
      folds: [{ kind: 'fold', param: 0.5, N: 5, direction: 'appear', interval: 0, bracket: [0.5, 0.5] }],
    };
    const pieces = bifurcationBranches(d);
    // a piece as text, its points in the order of the parameter (a path may be walked either way)
    const key = (p: { stable: boolean; x: number[]; y: number[] }) => {
      const points = p.x.map((x, k) => `${x},${p.y[k]}`);
      if (p.x[0] > p.x[p.x.length - 1]) points.reverse();
      return `${p.stable ? 'S' : 'U'}:${points.join(' ')}`;
    };
    expect(pieces.map(key).sort()).toEqual(
      [
        // lower branch: stable at b = 0 and 1, unstable at 2: the style changes at b = 1.5
        'S:0,1 1,1.5 1.5,1.75',
        'U:1.5,1.75 2,2',
        // the pair born at the fold (0.5, 5): unstable middle branch, stable upper branch
        'U:0.5,5 1,4 2,4.5',
        'S:0.5,5 1,6 2,7',
      ].sort(),
    );
  });
});
