/**
 * The field's mathematics on the CPU: the config's refusals, σ, the φ-functions, the homogeneous steady states
 * (roots of N = ŵ(0)σ(N) + s0), the fastest mode (closed form for the mexican hat), and the time order of the
 * f64 reference (ETD1 order 1, ETDRK4 order 4) by self-convergence.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/models/schema';
import { resolveFieldRunConfig } from '../../src/models/registry';
import { etdCoefficients, phi } from '../../src/models/field/etd';
import { kernelHat } from '../../src/models/field/kernels';
import { fieldProblem, initialField, initialLevel } from '../../src/models/field/problem';
import { FieldReference, perturbationUniforms } from '../../src/models/field/reference';
import { sigma, sigmaPrime } from '../../src/models/field/sigmoid';
import { classifyHomogeneous, continuumFastestMode, homogeneousStates, mexicanHatFastestK, steadyResidual } from '../../src/models/field/steadyStates';
import { FIELD_PERTURBATION_STREAM } from '../../src/models/field/problem';

const field = (f: Record<string, unknown>, rest: Record<string, unknown> = {}) => ({ model: 'field', field: f, ...rest });

function configError(input: unknown): ConfigError {
  try {
    resolveFieldRunConfig(input);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('no ConfigError');
}

describe('field config', () => {
  it('refuses a grid size that is not a power of two, naming the nearest allowed', () => {
    const e = configError(field({ n: 100 }));
    expect(e.field).toBe('field.n');
    expect(e.message).toMatch(/power of two in \[8, 8192\].*got 100.*64 or 128/);
    expect(configError(field({ domain: 'plane', n: 16384 })).message).toMatch(/8192/);
    expect(configError(field({ domain: 'ring', n: 4 })).message).toMatch(/nearest allowed: 8/);
  });
  it('refuses keys of the wrong kind and names them', () => {
    expect(configError(field({ source: { kind: 'constant', radius: 2 } })).field).toBe('field.source.radius');
    expect(configError(field({ domain: 'network' })).field).toBe('field.W');
    expect(configError(field({ domain: 'ring', W: 'w.npy' })).field).toBe('field.W');
    expect(configError(field({ sigmoid: { beta: 0 } })).field).toBe('field.sigmoid.beta');
    expect(configError(field({ kernel: { kind: 'gauss' } })).field).toBe('field.kernel.kind');
    expect(configError({ model: 'field', fieldd: {} }).field).toBe('fieldd');
    expect(configError(field({ source: { kind: 'bump', centre: [1, 2] }, domain: 'ring' })).field).toBe('field.source.centre');
    expect(configError(field({ source: { kind: 'bump' } }, { initial: { kind: 'steady' } })).field).toBe('initial.kind');
  });
  it('names a steady index that does not exist, listing the states', () => {
    const config = resolveFieldRunConfig(field({ domain: 'ring', n: 64 }, { initial: { kind: 'steady', index: 3 } }));
    expect(() => initialLevel(fieldProblem(config))).toThrow(/initial\.index.*1 homogeneous steady state/);
  });
  it('defaults: the plane, 256², a Turing-unstable state N* = θ = 1', () => {
    const c = resolveFieldRunConfig({ model: 'field' });
    expect([c.domain, c.n, c.dim, c.L]).toEqual(['plane', 256, 2, 40]);
    const p = fieldProblem(c);
    const states = classifyHomogeneous(c, p.wHat0, p.s0, p.multiplier);
    expect(states).toHaveLength(1);
    expect(states[0]!.N).toBeCloseTo(1, 14);
    expect(states[0]!.turing).toBe(true);
  });
});

describe('σ and the φ-functions', () => {
  it('σ′ is the derivative of σ for the three kinds', () => {
    for (const kind of ['logistic', 'logistic-shifted', 'tanh'] as const) {
      const s = { kind, beta: 3, theta: 0.4 };
      for (const u of [-2, 0, 0.4, 1.3]) {
        const h = 1e-5;
        expect(sigmaPrime(s, u)).toBeCloseTo((sigma(s, u + h) - sigma(s, u - h)) / (2 * h), 8);
      }
    }
    expect(sigma({ kind: 'logistic-shifted', beta: 3, theta: 0.4 }, 0)).toBeCloseTo(0, 15);
  });
  it('φ1, φ2, φ3 match the closed forms (series below |z| = 1, no cancellation)', () => {
    for (const z of [-3, -1.5, -0.999, -0.5, -1e-3, -1e-8, 0.7]) {
      const e = Math.exp(z);
      if (Math.abs(z) > 1e-2) {
        expect(phi(1, z)).toBeCloseTo((e - 1) / z, 12);
        expect(phi(2, z)).toBeCloseTo((e - 1 - z) / (z * z), 11);
        expect(phi(3, z)).toBeCloseTo((e - 1 - z - z * z / 2) / z ** 3, 10);
      } else {
        // Taylor to z³: the remainder is below z⁴/5! ≈ 1e-14 here
        expect(phi(1, z)).toBeCloseTo(1 + z / 2 + z * z / 6 + z ** 3 / 24, 13);
        expect(phi(3, z)).toBeCloseTo(1 / 6 + z / 24 + z * z / 120 + z ** 3 / 720, 13);
      }
    }
    // the coefficients for h → 0: f1, f2, f3 → h/6, h/3 · ½ …: ETDRK4's weights sum to hφ1 (consistency)
    const q = etdCoefficients('etdrk4', 0.1);
    expect(q.f1 + 4 * q.f2 + q.f3).toBeCloseTo(0.1 * phi(1, -0.1), 15);
  });
});

describe('homogeneous steady states and the dispersion relation', () => {
  const s = { kind: 'logistic' as const, beta: 8, theta: 1 };
  it('finds every root of N = ŵ0·σ(N) + s0 to f64 accuracy: 1 or 3 states', () => {
    const one = homogeneousStates(1, 0.1, s);
    expect(one).toHaveLength(1);
    const three = homogeneousStates(2, 0, s);
    expect(three).toHaveLength(3);
    for (const N of one) expect(Math.abs(steadyResidual(1, 0.1, s, N))).toBeLessThan(4e-15);
    for (const N of three) expect(Math.abs(steadyResidual(2, 0, s, N))).toBeLessThan(4e-15);
    // σ(θ) = 1/2: N = 1 is the middle root exactly
    expect(three[1]).toBeCloseTo(1, 14);
    // the middle of three is unstable to uniform perturbations, the outer two stable
    const st = classifyHomogeneous({ kernel: { kind: 'mexican-hat', Ae: 2, se: 1, Ai: 0, si: 1 }, sigmoid: s, dim: 1, n: 64, L: 20 }, 2, 0, undefined);
    expect(st.map((x) => x.lambda0 < 0)).toEqual([true, false, true]);
    // N = θ exactly when s0 = θ − ŵ0/2 (σ(θ) = 1/2)
    expect(homogeneousStates(0.5, 0.75, { kind: 'logistic', beta: 5, theta: 1 })[0]).toBeCloseTo(1, 14);
  });
  it('the mexican hat\'s fastest mode in closed form equals the numerical maximum of ŵ', () => {
    const w = { kind: 'mexican-hat' as const, Ae: 3, se: 1, Ai: 2.5, si: 2 };
    const kc = mexicanHatFastestK(w);
    expect(kc).toBeCloseTo(Math.sqrt((2 * Math.log(3 / 10)) / (1 - 4)), 14);
    expect(continuumFastestMode(w, 2).k).toBeCloseTo(kc, 7);
    expect(continuumFastestMode(w, 2).wHat).toBeCloseTo(kernelHat(w, kc, 2), 12);
    // purely excitatory: the fastest mode is k = 0
    expect(continuumFastestMode({ kind: 'exponential', Ae: 1, se: 1, Ai: 0, si: 1 }, 1).k).toBe(0);
  });
});

describe('time order of the f64 reference (ring 64, self-convergence of N(T))', () => {
  const run = (scheme: 'etdrk4' | 'etd1', dt: number) => {
    const c = resolveFieldRunConfig(field({ domain: 'ring', n: 64, L: 14 }, { time: { T: 2, dt, scheme }, initial: { kind: 'steady', perturbation: 0.2, seed: 3 } }));
    const p = fieldProblem(c);
    const ref = new FieldReference(p, initialField(p, {}, perturbationUniforms(3, 64, FIELD_PERTURBATION_STREAM)));
    for (let k = 0; k < c.time.steps; k++) ref.step();
    return ref.u;
  };
  const errorAt = (scheme: 'etdrk4' | 'etd1', dt: number, exact: Float64Array) => {
    const u = run(scheme, dt);
    let e = 0;
    for (let k = 0; k < u.length; k++) e = Math.max(e, Math.abs(u[k]! - exact[k]!));
    return e;
  };
  it('ETDRK4 converges with order 4, ETD1 with order 1', () => {
    const exact = run('etdrk4', 2 / 1024);
    const e4 = [0.4, 0.2, 0.1, 0.05].map((dt) => errorAt('etdrk4', dt, exact));
    const e1 = [0.1, 0.05, 0.025].map((dt) => errorAt('etd1', dt, exact));
    const order = (e: number[]) => e.slice(1).map((x, k) => Math.log2(e[k]! / x));
    console.log(`ETDRK4 errors ${e4.map((x) => x.toExponential(2))}, orders ${order(e4).map((x) => x.toFixed(2))}; ETD1 errors ${e1.map((x) => x.toExponential(2))}, orders ${order(e1).map((x) => x.toFixed(2))}`);
    // dt = 0.4 → 0.05: 3.68, 3.84, 3.92 measured, tending to 4
    expect(order(e4).slice(1).every((p) => p > 3.8)).toBe(true);
    expect(order(e4)[2]).toBeGreaterThan(order(e4)[0]!);
    for (const p of order(e1)) expect(Math.abs(p - 1)).toBeLessThan(0.12);
  });
});
