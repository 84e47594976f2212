/**
 * elapsedStep.wgsl against its f64 twin (scheme.ts) on small grids, for every kernel and firing rate: N(t), the
 * cells at T, mass conservation and positivity; a rerun is bitwise the same.
 */
import { describe, expect, it } from 'vitest';
import { ElapsedSolver } from '../../src/host/elapsedSolver';
import { resolveElapsedRunConfig } from '../../src/models/registry';
import { ElapsedReference } from '../../src/models/elapsed/scheme';
import { relativeMaxError, testGpu } from '../helpers/gpu';

const cases: { name: string; elapsed: Record<string, unknown> }[] = [
  { name: 'threshold φ0 = 10, instant, excitatory', elapsed: { b: 0.1 } },
  { name: 'threshold φ0 = ∞, instant, inhibitory', elapsed: { b: -0.5, phi0: 'Infinity' } },
  { name: 'threshold φ0 = 20, delay, inhibitory (oscillating)', elapsed: { b: -2, phi0: 20, kernel: 'delay', d: 0.5 } },
  { name: 'sigmoid, exponential kernel, linear s*', elapsed: { b: 0.3, firing: 'sigmoid', phi0: 8, w: 0.1, kernel: 'exponential', tau: 0.3, thresholdAge: 'linear', smin: 0.3 } },
];

describe('elapsedStep.wgsl against the f64 twin', () => {
  it.each(cases)('$name: N(t) and the cells agree to f32 accuracy over 200 steps; mass kept, cells ≥ 0; a rerun of 100 steps is bitwise the same', async ({ elapsed }) => {
    const ctx = await testGpu();
    const config = resolveElapsedRunConfig({ model: 'elapsed', elapsed, time: { T: 4, dt: 0.02 } });
    const solver = await ElapsedSolver.create(ctx, config);
    const ref = ElapsedReference.of(config);
    const gpuN: number[] = [];
    const gpuMass: number[] = [];
    for (let b = 0; b < 2; b++) {
      const block = await solver.advance(100);
      gpuN.push(...block.N);
      gpuMass.push(...block.mass);
    }
    const refN: number[] = [];
    for (let k = 0; k < 200; k++) {
      ref.advance();
      refN.push(ref.N);
    }
    expect(relativeMaxError(gpuN, refN)).toBeLessThan(1e-3);
    const cells = await solver.readCells();
    expect(relativeMaxError(cells, ref.cells)).toBeLessThan(1e-3);
    expect(Math.min(...cells)).toBeGreaterThanOrEqual(0);
    for (const m of gpuMass) expect(Math.abs(m - 1)).toBeLessThan(2e-6);
    expect(Math.abs(ref.mass - 1)).toBeLessThan(1e-13);
    const state = await solver.readState();
    expect(state).toMatchObject({ taken: 200, status: 'running' });
    const again = await ElapsedSolver.create(ctx, config);
    const N2: number[] = [];
    N2.push(...(await again.advance(100)).N);
    expect(N2).toEqual(gpuN.slice(0, 100));
    solver.destroy();
    again.destroy();
  });
});
