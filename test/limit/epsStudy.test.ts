/**
 * The ε-study (src/host/epsStudy.ts): the kinetic scheme (vc) against its discrete limit (vc-limit) on
 * the same grid and dt. Measured here on SwiftShader (48 × 32, T = 0.3, b = 0.2, gin = 1, φ0 = 5):
 *
 * - well-prepared data, ε = 4e-3 … 5e-4: ‖nε(T) − n(T)‖_L1 = 3.7e-2, 1.9e-2, 9.7e-3, 4.9e-3, fitted
 *   rate 0.976 (local rates 0.96, 0.98, 0.99); max|Nε − N| rate 0.966;
 * - ill-prepared data, ε = 0.02 … 0.005: max over (0, T] of ‖pε − p‖_L1 has rate 0.34 (the initial
 *   layer in g: ‖pε − p‖ is O(1) until t ~ ε), the same over [T/4, T] rate 0.76.
 */
import { describe, expect, it } from 'vitest';
import {
  densitySampleTimes,
  ERROR_NOISE_FLOOR,
  logLogSlope,
  parseEpsList,
  parseGridList,
  planEpsStudy,
  resolveStudyGrids,
  restrictCells,
  runEpsStudy,
} from '../../src/host/epsStudy';
import { ConfigError, resolveConfig } from '../../src/models/config';
import { testGpu } from '../helpers/gpu';

const problem = (prepared: boolean, T = 0.3) => ({
  params: { b: 0.2, gin: 1, phiF: { rate: 5 } },
  grid: { nv: 48, ng: 32 },
  initial: { v0: 0.7, prepared },
  time: { T },
});

function expectConfigError(f: () => unknown, field: string): void {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).field).toBe(field);
    return;
  }
  throw new Error(`expected a ConfigError naming ${field}`);
}

describe('ε-study input and helpers', () => {
  it('parses --eps: numbers in [1e-12, 1e6], deduplicated, largest first; rejects anything else', () => {
    expect(parseEpsList('0.01, 0.1,1e-3,0.1')).toEqual([0.1, 0.01, 0.001]);
    for (const bad of ['', 'a', '0', '-0.1', '1e7', '1e-13', '0.1,,0.2', '0.1;0.2', '0x10', 'NaN', 'Infinity']) expectConfigError(() => parseEpsList(bad), '--eps');
  });

  it('parses --grids: integers ≥ 8 or NVxNG; ng keeps the config aspect ratio', () => {
    expect(parseGridList('64,128')).toEqual([{ size: 64 }, { size: 128 }]);
    expect(parseGridList('64x32')).toEqual([{ nv: 64, ng: 32 }]);
    for (const bad of ['', '7', '8.5', 'x', '64x', '64x4', '70000', '-16', '1e2']) expectConfigError(() => parseGridList(bad), '--grids');
    const base = resolveConfig({}); // 256 × 128
    expect(resolveStudyGrids(parseGridList('128,64,64'), base)).toEqual([
      { nv: 64, ng: 32 },
      { nv: 128, ng: 64 },
    ]);
    expect(resolveStudyGrids(undefined, base)).toEqual([{ nv: 256, ng: 128 }]);
    expect(resolveStudyGrids(parseGridList('8,48x32'), resolveConfig({ grid: { nv: 48, ng: 48 } }))).toEqual([
      { nv: 8, ng: 8 },
      { nv: 48, ng: 32 },
    ]);
  });

  it('fits the log-log slope exactly on a power law, leaving out errors at the noise floor', () => {
    const eps = [0.1, 0.05, 0.02, 0.01];
    const fit = logLogSlope(eps, eps.map((e) => 3 * e ** 1.5));
    expect(fit.slope).toBeCloseTo(1.5, 12);
    expect(fit.intercept).toBeCloseTo(3, 10);
    const floored = logLogSlope([...eps, 1e-6], [...eps.map((e) => 2 * e), ERROR_NOISE_FLOOR / 2], ERROR_NOISE_FLOOR);
    expect(floored.points).toBe(4);
    expect(floored.slope).toBeCloseTo(1, 12);
    expect(logLogSlope([0.1], [0.2]).slope).toBeNull();
  });

  it('restricts a fine piecewise-constant n to coarser cells exactly (pair means; integral kept for any ratio)', () => {
    expect(Array.from(restrictCells([1, 3, 5, 7], 2))).toEqual([2, 6]);
    const fine = Array.from({ length: 12 }, (_, k) => Math.sin(k) + 2);
    const coarse = restrictCells(fine, 5);
    const integral = (a: ArrayLike<number>) => Array.from(a).reduce((s, x) => s + x, 0) / a.length;
    expect(integral(coarse)).toBeCloseTo(integral(fine), 12);
  });

  it('samples the density at kT/8, at T·2^-k (the initial layer) and at t0', () => {
    const s = densitySampleTimes(1, 0.3);
    expect(s).toContain(0.3);
    expect(s).toContain(0.125);
    expect(s).toContain(2 ** -12);
    expect(s[s.length - 1]).toBe(1);
  });

  it('rejects vc-threshold, t0 outside [0, T) and no ε, naming the field', () => {
    expectConfigError(() => planEpsStudy({ model: 'vc-threshold' }, { eps: [0.1] }), 'model');
    expectConfigError(() => planEpsStudy({ time: { T: 1 } }, { eps: [0.1], t0: 1 }), '--t0');
    expectConfigError(() => planEpsStudy({}, { eps: [0.1], t0: -0.1 }), '--t0');
    expectConfigError(() => planEpsStudy({}, { eps: [] }), '--eps');
    expectConfigError(() => planEpsStudy({}, { eps: [0.1], grids: [{ nv: 70000, ng: 8 }] }), '--grids');
  });
});

describe('ε-study on the GPU', () => {
  it('well-prepared data: the error decreases monotonically with ε at the observed rate 0.98 ∈ [0.93, 1.03]', async () => {
    const ctx = await testGpu();
    const eps = [0.004, 0.002, 0.001, 0.0005];
    const study = await runEpsStudy(ctx, problem(true), { eps });
    const g = study.grids[0];
    const nT = g.rows.map((r) => r.errors.n_L1.T as number);
    const Nmax = g.rows.map((r) => r.errors.N_max as number);
    console.log(
      `well-prepared, ${g.grid.nv}×${g.grid.ng}, ${g.steps} steps: ‖nε − n‖(T) ${nT.map((e) => e.toExponential(2)).join(', ')}; rate ${g.rates.n_L1_T.slope?.toFixed(3)} (local ${g.local_rates.n_L1_T.map((r) => r?.toFixed(2)).join(', ')}); max|Nε − N| rate ${g.rates.N_max.slope?.toFixed(3)}, without the layer ${g.rates.N_max_t0.slope?.toFixed(3)}`,
    );
    expect(study.ok).toBe(true);
    expect(g.rows.map((r) => r.eps)).toEqual(eps);
    // well above f32 noise, so every ε enters the fits
    expect(Math.min(...nT, ...Nmax)).toBeGreaterThan(1000 * ERROR_NOISE_FLOOR);
    for (const errors of [nT, Nmax, g.rows.map((r) => r.errors.p_L1_T as number)]) {
      for (let k = 1; k < errors.length; k++) expect(errors[k]).toBeLessThan(0.6 * errors[k - 1]);
    }
    for (const rate of [g.rates.n_L1_T, g.rates.N_max, g.rates.N_max_t0, g.rates.n_L1_max_t0, g.rates.p_L1_T]) {
      expect(rate.points).toBe(4);
      expect(rate.slope).toBeGreaterThan(0.93);
      expect(rate.slope).toBeLessThan(1.03);
    }
    for (const r of g.local_rates.n_L1_T) expect(Math.abs((r as number) - 1)).toBeLessThan(0.06);
    // one grid: no finer grid to estimate the discretization error from
    expect(g.discretization.n_L1_T).toBeNull();
  });

  it('ill-prepared data: the initial layer shows in max ‖pε − p‖ over (0, T] and not over [t0, T]', async () => {
    const ctx = await testGpu();
    const study = await runEpsStudy(ctx, problem(false), { eps: [0.02, 0.01, 0.005] });
    const g = study.grids[0];
    const { p_L1_max: withLayer, p_L1_max_t0: without } = g.rates;
    console.log(`ill-prepared: max ‖pε − p‖ rate with the layer ${withLayer.slope?.toFixed(3)}, over [t0, T] ${without.slope?.toFixed(3)}; ‖nε − n‖(T) rate ${g.rates.n_L1_T.slope?.toFixed(3)}`);
    expect(study.t0).toBeCloseTo(0.075, 12);
    expect(without.slope! - withLayer.slope!).toBeGreaterThan(0.2);
    const last = g.rows[g.rows.length - 1].errors;
    expect(last.p_L1_max!).toBeGreaterThan(1.5 * last.p_L1_max_t0!);
  });

  it('takes the same steps at ε = 1e-4 as at ε = 0.1 on the same grid and T: the cost does not grow like 1/ε', async () => {
    const ctx = await testGpu();
    const raw = { ...problem(true, 0.1), grid: { nv: 32, ng: 16 } };
    const study = await runEpsStudy(ctx, raw, { eps: [0.1, 1e-4] });
    const g = study.grids[0];
    const [coarse, fine] = g.rows.map((r) => r.run);
    console.log(`steps: ε = 0.1 ${coarse.steps} in ${coarse.wall_s.toFixed(2)} s, ε = 1e-4 ${fine.steps} in ${fine.wall_s.toFixed(2)} s, limit ${g.limit.steps}`);
    expect(fine.steps).toBe(coarse.steps);
    expect(fine.steps).toBe(g.limit.steps);
    expect(fine.steps).toBe(resolveConfig(raw).time.steps);
    expect(fine.dt).toBe(coarse.dt);
    expect(fine.status).toBe('ok');
  });
});
