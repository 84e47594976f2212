/**
 * The discrete limit scheme (model vc-limit): the kinetic step with the g-step replaced by its ε → 0
 * limit, the projection of each v-column onto its mass times the discrete equilibrium. The same
 * transport, firing and reinjection kernels; checked against its f64 twin, and against the kinetic
 * scheme at ε = 1e-8 on the same grid (the asymptotic-preserving property).
 */
import { describe, expect, it } from 'vitest';
import { KineticSolver } from '../../src/host/kineticSolver';
import { runSimulation } from '../../src/host/run';
import { resolveConfig } from '../../src/models/config';
import { discreteConductanceEquilibrium, gridOf, voltageMarginalOf } from '../../src/models/discretization';
import { conductanceProjection, KineticReference } from '../../src/models/reference/kineticReference';
import { relativeMaxError, testGpu } from '../helpers/gpu';

describe('vc-limit, the discrete limit scheme', () => {
  it('projection kernel and the equilibrium vector agree with the f64 reference', async () => {
    const ctx = await testGpu();
    const config = resolveConfig({ model: 'vc-limit', grid: { nv: 40, ng: 48 }, params: { b: 0 , gin: 1.7 }, time: { T: 0.01, dt: 0.01 } });
    const grid = gridOf(config);
    const p = new Float64Array(grid.nv * grid.ng);
    for (let k = 0; k < p.length; k++) p[k] = 1 + Math.sin(0.37 * k) ** 2;
    const solver = await KineticSolver.create(ctx, config);
    solver.uploadIntermediate(p);
    solver.runKernel('conductanceFactor');
    const M = discreteConductanceEquilibrium(grid, 1.7, config.params.a);
    expect(relativeMaxError((await solver.readFactor()).filter((_, k) => k % 4 === 3), M)).toBeLessThan(1e-5);
    solver.runKernel('conductanceProject');
    const expected = Float64Array.from(p);
    conductanceProjection(expected, grid, M);
    expect(relativeMaxError(await solver.readIntermediate(), expected)).toBeLessThan(1e-5);
    solver.destroy();
  });

  it('a whole GPU run agrees with the f64 reference', async () => {
    const config = resolveConfig({ model: 'vc-limit', grid: { nv: 48, ng: 32 }, params: { b: 1 }, time: { T: 0.2, cfl: 1.5 }, output: { snapshots: [] } });
    const gpu = await runSimulation(await testGpu(), config);
    const ref = new KineticReference(config);
    const N = [ref.diagnostics().N];
    for (let s = 0; s < config.time.steps; s++) N.push(ref.step().N);
    expect(relativeMaxError(gpu.activity.N, N)).toBeLessThan(1e-4);
    expect(relativeMaxError(gpu.p, ref.p)).toBeLessThan(1e-4);
    expect(Math.abs(gpu.mass_drift)).toBeLessThan(1e-5);
  });

  it('is what the kinetic scheme becomes at ε = 1e-8 on the same grid (asymptotic preserving), to f32 tolerance', async () => {
    const ctx = await testGpu();
    const common = { grid: { nv: 64, ng: 48 }, params: { b: 0.8 }, initial: { v0: 0.7, prepared: true }, time: { T: 0.5, cfl: 2 }, output: { snapshots: [] } };
    const kinetic = await runSimulation(ctx, resolveConfig({ ...common, model: 'vc', params: { ...common.params, eps: 1e-8 } }));
    const limit = await runSimulation(ctx, resolveConfig({ ...common, model: 'vc-limit' }));
    const grid = gridOf(resolveConfig({ ...common, model: 'vc-limit' }));
    const errN = relativeMaxError(kinetic.activity.N, limit.activity.N);
    const errN0 = relativeMaxError(voltageMarginalOf(grid, kinetic.p), voltageMarginalOf(grid, limit.p));
    console.log(`ε = 1e-8 kinetic vs vc-limit: N(t) ${errN.toExponential(2)}, n(v, T) ${errN0.toExponential(2)} (relative max)`);
    expect(errN).toBeLessThan(1e-5);
    expect(errN0).toBeLessThan(1e-5);
    // and ε = 0.05 is visibly different: the comparison above can fail
    const mild = await runSimulation(ctx, resolveConfig({ ...common, model: 'vc', params: { ...common.params, eps: 0.05 } }));
    expect(relativeMaxError(mild.activity.N, limit.activity.N)).toBeGreaterThan(1e-3);
  });

  it('takes the same number of steps at ε = 1e-4 as at ε = 0.1: the cost does not grow like 1/ε', () => {
    const steps = (eps: number) => resolveConfig({ params: { eps }, grid: { nv: 512, ng: 256 }, time: { T: 2 } }).time.steps;
    expect(steps(1e-4)).toBe(steps(0.1));
  });
});
