import { describe, expect, it } from 'vitest';
import { KineticSolver } from '../../src/host/kineticSolver';
import { resolveConfig } from '../../src/models/config';
import { conductanceFactor, conductanceStep, KineticReference, marginals } from '../../src/models/reference/kineticReference';
import { relativeMaxError, testGpu } from '../helpers/gpu';

// f32 tolerance: each kernel does O(10) roundings per value; 1e-5 relative to the max of the field
// is two orders above f32 epsilon (6e-8) and far below any discretization error at these sizes.
const KERNEL_TOL = 1e-5;

for (const model of ['vc', 'vc-threshold'] as const) {
  describe(`${model}: each GPU kernel against the f64 CPU reference`, () => {
    const config = resolveConfig({ model, grid: { nv: 48, ng: 40 }, time: { T: 0.05, cfl: 2.5 }, params: { b: 1.5 }, initial: { v0: 0.8, g0: 2 } });

    it('first half (firing + transport), g-step factor and solve, second half, diagnostics', async () => {
      const ctx = await testGpu();
      const solver = await KineticSolver.create(ctx, config);
      const ref = new KineticReference(config);
      const p0 = Float64Array.from(await solver.readDensity());
      ref.p = p0;
      const d0 = ref.diagnostics();
      const h0 = await solver.readHistory(0, 0);
      expect(Math.abs(h0.N[0] - d0.N) / Math.max(1, d0.N)).toBeLessThan(KERNEL_TOL);
      expect(Math.abs(h0.mass[0] - d0.mass)).toBeLessThan(KERNEL_TOL);

      // first half
      solver.runKernel('rowFirstHalf');
      const half = new Float64Array(p0.length);
      ref.firstHalf(p0, half);
      const gpuHalf = await solver.readIntermediate();
      expect(relativeMaxError(gpuHalf, half)).toBeLessThan(KERNEL_TOL);
      const stats = await solver.readRowStats();
      expect(relativeMaxError(stats.filter((_, k) => k % 4 === 0), ref.stats.nMid)).toBeLessThan(KERNEL_TOL);

      // g-step on the GPU's own intermediate state, so that only this kernel's error is measured
      solver.runKernel('conductanceFactor');
      const { nStar, geq } = await solver.readCoupling();
      expect(Math.abs(nStar - ref.midpointActivity())).toBeLessThan(KERNEL_TOL * Math.max(1, nStar));
      const factor = ref.conductanceEquilibriumMean(nStar);
      expect(Math.abs(geq - factor)).toBeLessThan(1e-5 * Math.max(1, Math.abs(factor)));
      const f = conductanceFactor(ref.grid, config.params, geq, config.time.dt);
      const gpuFactor = await solver.readFactor();
      expect(relativeMaxError(gpuFactor.filter((_, k) => k % 4 === 2), f.invPivot)).toBeLessThan(KERNEL_TOL);
      solver.runKernel('conductanceSolve');
      const afterG = Float64Array.from(gpuHalf);
      conductanceStep(afterG, ref.grid, f);
      const gpuAfterG = await solver.readIntermediate();
      expect(relativeMaxError(gpuAfterG, afterG)).toBeLessThan(KERNEL_TOL);

      // second half from the GPU's intermediate state
      solver.runKernel('rowSecondHalf');
      const end = new Float64Array(p0.length);
      ref.secondHalf(Float64Array.from(gpuAfterG), end);
      expect(relativeMaxError(await solver.readDensity(), end)).toBeLessThan(KERNEL_TOL);
      const statsEnd = await solver.readRowStats();
      expect(relativeMaxError(statsEnd.filter((_, k) => k % 4 === 2), ref.stats.nEnd)).toBeLessThan(KERNEL_TOL);
      expect(relativeMaxError(statsEnd.filter((_, k) => k % 4 === 3), ref.stats.massEnd)).toBeLessThan(KERNEL_TOL);
      // the reductions of the final state: n(v), m(g), N(t, g)
      const p = Float64Array.from(await solver.readDensity());
      const expected = marginals(ref.grid, ref.phi, p);
      expect(relativeMaxError(await solver.readVoltageMarginal(), expected.n)).toBeLessThan(KERNEL_TOL);
      const byRow = await solver.readConductanceMarginals();
      expect(relativeMaxError(byRow.m, expected.m)).toBeLessThan(KERNEL_TOL);
      if (model === 'vc') expect(relativeMaxError(byRow.N, expected.N)).toBeLessThan(KERNEL_TOL);
      solver.destroy();
    });
  });
}
