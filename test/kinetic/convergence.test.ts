/**
 * Observed order of convergence under grid refinement on a smooth problem. No firing (φ0 = 0), a
 * Gaussian well inside the domain, T short enough that no mass reaches a boundary: the solution is
 * smooth, and refining Δv, Δg and dt together (fixed Courant number) gives the scheme's order. With
 * no exact solution at hand, errors are successive differences e_h = ‖p_h − R p_{h/2}‖_L1 (R averages
 * 2×2 fine cells onto a coarse one); e_h/e_{h/2} → 2^order.
 */
import { describe, expect, it } from 'vitest';
import { runSimulation } from '../../src/host/run';
import { resolveConfig } from '../../src/models/config';
import { testGpu } from '../helpers/gpu';

function restrictL1Difference(coarse: Float32Array, fine: Float32Array, nv: number, ng: number, dv: number, dg: number): number {
  let sum = 0;
  for (let j = 0; j < ng; j++) {
    for (let i = 0; i < nv; i++) {
      const f = 2 * nv;
      const avg = 0.25 * (fine[2 * j * f + 2 * i] + fine[2 * j * f + 2 * i + 1] + fine[(2 * j + 1) * f + 2 * i] + fine[(2 * j + 1) * f + 2 * i + 1]);
      sum += Math.abs(coarse[j * nv + i] - avg);
    }
  }
  return sum * dv * dg;
}

export async function observedOrders(eps: number, sizes: number[]): Promise<{ errors: number[]; orders: number[] }> {
  const ctx = await testGpu();
  const runs = [];
  for (const n of sizes) {
    const config = resolveConfig({
      params: { eps, phiF: { kind: 'constant', rate: 0 }, b: 0, gin: 2 },
      grid: { nv: n, ng: n, gmax: 6 },
      initial: { v0: 1.6, sv: 0.3, g0: 2.5, sg: 0.5 },
      time: { T: 0.15, cfl: 0.8 },
      output: { snapshots: [] },
    });
    runs.push({ n, config, result: await runSimulation(ctx, config) });
  }
  const errors: number[] = [];
  for (let k = 0; k + 1 < runs.length; k++) {
    const { n, config } = runs[k];
    const dv = (config.params.VE - config.params.VL) / n;
    errors.push(restrictL1Difference(runs[k].result.p, runs[k + 1].result.p, n, n, dv, 6 / n));
  }
  const orders = errors.slice(1).map((e, k) => Math.log2(errors[k] / e));
  return { errors, orders };
}

describe('grid refinement on a smooth problem', () => {
  it('converges at second order in space and time together (Δv, Δg, dt halved)', async () => {
    const { errors, orders } = await observedOrders(0.5, [24, 48, 96, 192]);
    console.log(`successive L1 differences ${errors.map((e) => e.toExponential(3)).join(', ')}; observed orders ${orders.map((o) => o.toFixed(2)).join(', ')}`);
    expect(orders[orders.length - 1]).toBeGreaterThan(1.7);
  }, 600_000);
});

describe('time refinement at a fixed grid', () => {
  it('is first order in dt: the g-step is backward Euler (positivity for every ε forbids more of a linear method)', async () => {
    const ctx = await testGpu();
    const runs: Float32Array[] = [];
    const dts = [0.02, 0.01, 0.005, 0.0025];
    for (const dt of dts) {
      const config = resolveConfig({
        params: { eps: 0.1, phiF: { kind: 'constant', rate: 0 }, b: 0, gin: 2 },
        grid: { nv: 64, ng: 64, gmax: 6 },
        initial: { v0: 1.6, sv: 0.3, g0: 3.5, sg: 0.4 },
        time: { T: 0.16, dt },
        output: { snapshots: [] },
      });
      runs.push((await runSimulation(ctx, config)).p);
    }
    const diffs = runs.slice(0, -1).map((p, k) => p.reduce((s, x, c) => s + Math.abs(x - runs[k + 1][c]), 0));
    const orders = diffs.slice(1).map((d, k) => Math.log2(diffs[k] / d));
    console.log(`dt = ${dts.join(', ')}: successive differences ${diffs.map((d) => d.toExponential(3)).join(', ')}; temporal orders ${orders.map((o) => o.toFixed(2)).join(', ')}`);
    for (const o of orders) expect(o).toBeGreaterThan(0.85);
  }, 600_000);
});
