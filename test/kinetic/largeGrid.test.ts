/**
 * Fine grids: a 4096 × 4096 run must work on an adapter with 1 GiB storage bindings (SwiftShader
 * here), and a grid beyond the adapter's limits is refused with the largest that would fit.
 */
import { describe, expect, it } from 'vitest';
import { checkGridFits, GridTooLargeError, KineticSolver } from '../../src/host/kineticSolver';
import { resolveConfig } from '../../src/models/config';
import { testGpu } from '../helpers/gpu';

describe('fine grids', () => {
  it('takes steps on a 4096 × 4096 grid, conserving mass', async () => {
    const ctx = await testGpu();
    expect(ctx.limits.maxStorageBufferBindingSize).toBeGreaterThanOrEqual(2 ** 30);
    const config = resolveConfig({ grid: { nv: 4096, ng: 4096 }, time: { T: 2e-3, dt: 1e-3 }, initial: { v0: 0.9, sv: 0.1 } });
    const t0 = performance.now();
    const solver = await KineticSolver.create(ctx, config);
    const block = await solver.advance(2);
    console.log(`4096 × 4096: setup + 2 steps in ${((performance.now() - t0) / 1000).toFixed(1)} s; N = ${block.N[1]}, mass = ${block.mass[1]}`);
    expect(Math.abs(block.mass[1] - 1)).toBeLessThan(1e-5);
    expect(block.N[1]).toBeGreaterThan(0);
    expect(Number.isFinite(block.N[1])).toBe(true);
    solver.destroy();
  }, 600_000);

  it('refuses a grid larger than a storage binding, naming the largest that fits', () => {
    const limits = { maxStorageBufferBindingSize: 2 ** 30, maxBufferSize: 2 ** 30, maxComputeWorkgroupsPerDimension: 65535 } as GPUSupportedLimits;
    expect(() => checkGridFits(limits, 16384, 16384)).not.toThrow();
    expect(() => checkGridFits(limits, 16385, 16384)).toThrow(GridTooLargeError);
    expect(() => checkGridFits(limits, 16385, 16384)).toThrow(/at most 268435456 cells \(e\.g\. 16320 × 16320\)/);
    const small = { ...limits, maxStorageBufferBindingSize: 128 * 2 ** 20 } as GPUSupportedLimits;
    expect(() => checkGridFits(small, 8192, 8192)).toThrow(/at most 33554432 cells \(e\.g\. 5760 × 5760\)/);
  });
});
