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

// The g-step cut into P column chunks (src/shaders/conductanceStep.wgsl): the factorization by a workgroup
// scan and the chunked sweeps must give the serial f64 factors and solve. Every factor is a positive
// quantity computed without cancellation, so each is checked to a relative tolerance on its own (down to
// f32's smallest normal number), not against the largest. The chunk products obey π_k ≤ 1 and
// ρ_k < e_end, the column excess after the chunk; the stiff case (ε = 1e-8, z up to 70 per row) has
// excesses near 1e12, where a product of the backward multipliers could overflow if the bound failed.
describe('the g-step in column chunks against the f64 reference', () => {
  const cases = [
    { name: 'moderate', input: { grid: { nv: 48, ng: 40 }, params: { eps: 0.05, b: 1.5 } } },
    { name: 'stiff, narrow Gaussian', input: { grid: { nv: 48, ng: 40, gmax: 8 }, params: { eps: 1e-8, a: 0.02, b: 0, gin: 1 } } },
  ];
  for (const { name, input } of cases) {
    it(`${name}: factors, chunk products and solve for 1, 2, 3, 7 and 40 chunks`, async () => {
      const ctx = await testGpu();
      const config = resolveConfig({ ...input, time: { T: 0.05, dt: 0.01 } });
      const ref = new KineticReference(config);
      const { nv, ng } = ref.grid;
      let seed = 12345;
      const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
      const p = Float64Array.from({ length: nv * ng }, () => 0.01 + random());
      for (const chunks of [1, 2, 3, 7, 40]) {
        const solver = await KineticSolver.create(ctx, config, undefined, { conductanceChunks: chunks });
        solver.uploadIntermediate(p);
        solver.runKernel('conductanceFactor');
        const { geq } = await solver.readCoupling();
        const f = conductanceFactor(ref.grid, config.params, geq, config.time.dt);
        const gpu = await solver.readFactor();
        for (let j = 0; j < ng; j++) {
          const pairs: [number, number][] = [[gpu[4 * j], f.forward[j]], [gpu[4 * j + 1], f.upper[j]], [gpu[4 * j + 2], f.invPivot[j]]];
          for (const [a, b] of pairs) expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-5 * Math.abs(b) + 2 ** -126);
        }
        const { chunkRows, chunkCount } = solver.chunks;
        const products = await solver.readChunkProducts();
        for (let k = 0; k < chunkCount; k++) {
          const end = Math.min((k + 1) * chunkRows, ng);
          let pi = 1;
          let rho = 1;
          for (let j = k * chunkRows; j < end; j++) {
            pi *= f.forward[j];
            rho *= f.upper[j] * f.invPivot[j];
          }
          // the excess e_end = pivot - lower of the row after the chunk (lower = forward multiplier · pivot)
          const excessAfter = end < ng ? 1 / f.invPivot[end] - (end + 1 < ng ? f.forward[end + 1] / f.invPivot[end] : 0) : 1;
          expect(pi).toBeLessThanOrEqual(1);
          expect(rho).toBeLessThan(excessAfter);
          expect(Math.abs(products[4 * k] - pi)).toBeLessThanOrEqual(1e-4 * pi + 2 ** -126);
          expect(Math.abs(products[4 * k + 1] - rho)).toBeLessThanOrEqual(1e-4 * rho + 2 ** -126);
        }
        solver.runKernel('conductanceSolve');
        const expected = Float64Array.from(p);
        conductanceStep(expected, ref.grid, f);
        const out = await solver.readIntermediate();
        expect(relativeMaxError(out, expected)).toBeLessThan(KERNEL_TOL);
        expect(Math.min(...out)).toBeGreaterThanOrEqual(0);
        // every column keeps its mass (the columns of I + dt L sum to 1)
        for (let i = 0; i < nv; i++) {
          let before = 0;
          let after = 0;
          for (let j = 0; j < ng; j++) {
            before += p[j * nv + i];
            after += out[j * nv + i];
          }
          expect(Math.abs(after - before)).toBeLessThan(1e-5 * before);
        }
        solver.destroy();
      }
    });
  }
});
