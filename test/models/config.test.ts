import { describe, expect, it } from 'vitest';
import { applyOverrides, ConfigError, defaultGmax, resolveConfig } from '../../src/models/config';

function rejection(input: unknown): ConfigError {
  try {
    resolveConfig(input);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error(`accepted ${JSON.stringify(input)}`);
}

describe('config', () => {
  it('fills every default, documented in the README', () => {
    const c = resolveConfig({});
    expect(c.model).toBe('vc');
    expect(c.params).toMatchObject({ gL: 1, VL: 0, VR: 0, VF: 1, a: 0.3, eps: 0.05, gin: 0.8, b: 0.5, phiF: { kind: 'step', rate: 20, width: 0.05 } });
    expect(c.params.VE).toBeCloseTo(14 / 3, 14);
    expect(c.grid).toMatchObject({ nv: 256, ng: 128 });
    expect(c.grid.gmax).toBeCloseTo(0.8 + 0.5 * 20 + 6 * Math.sqrt(0.3), 12);
    expect(c.time.T).toBe(1);
    expect(c.output).toEqual({ every: 1, snapshots: [1] });
  });

  it('derives dt from the CFL bound and shortens it so that T is hit exactly', () => {
    const c = resolveConfig({ grid: { nv: 100, gmax: 5 }, time: { T: 1, cfl: 0.5 } });
    const dv = (14 / 3) / 100;
    const umax = 5 * (14 / 3);
    const dtCfl = (0.5 * dv) / umax;
    expect(c.time.steps).toBe(Math.ceil(1 / dtCfl));
    expect(c.time.dt * c.time.steps).toBeCloseTo(1, 14);
    expect(c.time.dt).toBeLessThanOrEqual(dtCfl);
  });

  it.each([
    [{ params: { eps: -0.1 } }, 'params.eps', '[1e-12, 1000000]'],
    [{ params: { eps: 0 } }, 'params.eps', '[1e-12'],
    [{ params: { b: 'strong' } }, 'params.b', 'finite number'],
    [{ params: { a: 0 } }, 'params.a', '(0, 3.4028235e38] (the f32 range)'],
    [{ params: { phiF: { kind: 'tanh' } } }, 'params.phiF.kind', ''],
    [{ grid: { nv: 100.5 } }, 'grid.nv', 'integer'],
    [{ grid: { ng: 4 } }, 'grid.ng', '[8, 65535]'],
    [{ time: { T: -1 } }, 'time.T', '(0, 3.4028235e38] (the f32 range)'],
    [{ model: 'lif' }, 'model', ''],
    [{ params: { VR: 2 } }, 'params.VR', 'VL ≤ VR < VF'],
    [{ params: { VE: 0.5 } }, 'params.VE', 'VF < VE'],
    [{ initial: { v0: 9 } }, 'initial.v0', '(VL, VE)'],
    [{ output: { snapshots: [0.5, 7] } }, 'output.snapshots.1', '[0, T]'],
    [{ params: { b: 1e38 } }, 'grid.gmax', 'set grid.gmax explicitly'],
    [{ model: 'vc-threshold', params: { VR: 0.2 } }, 'params.VR', 'VR must equal VL'],
  ])('rejects %j naming %s and the allowed range', (input, field, range) => {
    const e = rejection(input);
    expect(e.field).toBe(field);
    expect(e.message).toContain(field);
    expect(e.message).toContain(range);
  });

  it('rejects unknown keys at any depth', () => {
    expect(rejection({ params: { epsilon: 0.1 } }).message).toContain('"epsilon"');
    expect(rejection({ extra: 1 }).field).toBe('extra');
    expect(rejection({ grid: { nx: 3 } }).field).toBe('grid.nx');
    expect(rejection({ grid: { nx: 3, ny: 4 } }).field).toBe('grid'); // several: the block
  });

  it('applies --set overrides with JSON values, keeping strings for the schema to judge', () => {
    const raw = applyOverrides({ params: { b: 1 } }, ['params.b=0.7', 'params.phiF.kind=sigmoid', 'time.T=2']);
    expect(raw).toEqual({ params: { b: 0.7, phiF: { kind: 'sigmoid' } }, time: { T: 2 } });
    expect(rejection(applyOverrides({}, ['params.eps=NaN'])).field).toBe('params.eps');
    expect(() => applyOverrides({}, ['novalue'])).toThrow(ConfigError);
  });

  it('default gmax leaves six standard deviations above the largest equilibrium mean', () => {
    const c = resolveConfig({ params: { b: -2 } });
    expect(defaultGmax(c.params, c.initial)).toBeCloseTo(Math.max(0.8 + 6 * Math.sqrt(0.3), 0.8 + 6 * 0.3), 12);
  });

  it('refuses --set paths through __proto__, constructor or prototype, and leaves Object.prototype alone', () => {
    for (const path of ['__proto__.polluted', 'constructor.prototype.polluted', 'params.__proto__.polluted', 'params.prototype']) {
      expect(() => applyOverrides({}, [`${path}=1`])).toThrow(ConfigError);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('refuses a config that is not an object', () => {
    for (const raw of [null, [], 3, 'x']) expect(() => applyOverrides(raw, [])).toThrow(/must be a JSON object/);
  });

  it('bounds real-valued keys by the f32 range, naming it', () => {
    expect(rejection({ params: { phiF: { rate: 1e39 } } }).message).toContain('params.phiF.rate: must be a finite number in [0, 3.4028235e38] (the f32 range)');
    expect(rejection({ params: { VE: 3.5e38 } }).field).toBe('params.VE');
    expect(() => resolveConfig({ params: { phiF: { rate: 3e38 }, b: 0 }, grid: { gmax: 10 } })).not.toThrow();
  });
});
