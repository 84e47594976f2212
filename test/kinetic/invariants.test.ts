/**
 * Whole-run properties of the GPU scheme, checked against mathematics: conservation, the N ≡ φ0
 * invariant, positivity, the discrete equilibrium in g, stability for stiff ε, determinism, and a
 * whole run against the f64 CPU reference.
 */
import { describe, expect, it } from 'vitest';
import { KineticSolver } from '../../src/host/kineticSolver';
import { runSimulation } from '../../src/host/run';
import { resolveConfig } from '../../src/models/config';
import { discreteConductanceEquilibrium, gridOf } from '../../src/models/discretization';
import { KineticReference } from '../../src/models/reference/kineticReference';
import { relativeMaxError, testGpu } from '../helpers/gpu';

describe('conservation and the flux bookkeeping', () => {
  // With ng = 24 ≤ FACTOR_BLOCK_ROWS the g-step is factored by the serial recurrence. The third case forces
  // the scan over three blocks of 8 rows: block starts are the only places where the excess does not
  // follow from its predecessor, and the solve's conservation rests on that recurrence (docs/scheme.md).
  it('total mass drifts by at most 1e-5 (relative) over 2500 steps, for both models, with a serial and a scanned factorization', async () => {
    const ctx = await testGpu();
    const cases = [
      { model: 'vc', factorBlockRows: undefined },
      { model: 'vc-threshold', factorBlockRows: undefined },
      { model: 'vc', factorBlockRows: 8 },
    ] as const;
    for (const { model, factorBlockRows } of cases) {
      const config = resolveConfig({ model, grid: { nv: 32, ng: 24 }, time: { T: 2.5, dt: 1e-3 }, output: { every: 500, snapshots: [] } });
      expect(config.time.steps).toBe(2500);
      const solver = await KineticSolver.create(ctx, config, undefined, { factorBlockRows });
      const result = await runSimulation(ctx, config, {}, solver);
      solver.destroy();
      expect(result.status).toBe('ok');
      expect(result.steps).toBe(2500);
      const drift = Math.max(...result.activity.mass.map((m) => Math.abs(m / result.mass_initial - 1)));
      console.log(`${model}, ${factorBlockRows ? `scan over blocks of ${factorBlockRows} rows` : 'serial factorization'}: max relative mass drift over 2500 steps = ${drift.toExponential(2)}, N(T) = ${result.N_final}`);
      expect(drift).toBeLessThan(1e-5);
      // the run fires: the bookkeeping is exercised, not idle
      expect(result.N_final).toBeGreaterThan(0.01);
    }
  }, 600_000);

  it('with φF ≡ φ0 (constant) the computed N(t) equals φ0 at every step', async () => {
    const ctx = await testGpu();
    const phi0 = 7.5;
    const config = resolveConfig({
      grid: { nv: 40, ng: 32 },
      params: { phiF: { kind: 'constant', rate: phi0 }, VR: 0.3, b: 2 },
      time: { T: 0.5, cfl: 1.7 },
      output: { snapshots: [] },
    });
    const result = await runSimulation(ctx, config);
    expect(result.activity.N.length).toBe(config.time.steps + 1);
    const worst = Math.max(...result.activity.N.map((N) => Math.abs(N / phi0 - 1)));
    console.log(`N ≡ φ0: worst relative deviation over ${config.time.steps} steps = ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(1e-5);
  });
});

describe('positivity', () => {
  it('stays non-negative from a sharply peaked start, at Courant numbers up to 4, for stiff and mild ε', async () => {
    const ctx = await testGpu();
    for (const [cfl, eps] of [[0.5, 0.05], [4, 1e-6], [2, 10]] as const) {
      const config = resolveConfig({
        grid: { nv: 48, ng: 40 },
        params: { eps, b: 3 },
        initial: { v0: 0.95, sv: 0.004, g0: 2.5, sg: 0.01 },
        time: { T: 0.3, cfl },
        output: { snapshots: [] },
      });
      const result = await runSimulation(ctx, config);
      let min = Infinity;
      for (const x of result.p) min = Math.min(min, x);
      expect(result.status).toBe('ok');
      expect(min).toBeGreaterThanOrEqual(0);
      expect(Math.abs(result.mass_drift)).toBeLessThan(1e-5);
    }
  }, 300_000);
});

describe('the g-step', () => {
  // P column chunks of the g-solve: 1 is the serial sweep CPU adapters use; 3 and 5 leave a shorter last
  // chunk (64 = 22+22+20 = 4·13+12); 16 chunks of 4 rows put every chunk boundary in the Gaussian's tails.
  it('keeps the discrete truncated Gaussian equilibrium n(v)·M(g) to rounding, for ε from 10 down to 1e-10 and 1 to 16 column chunks', async () => {
    const ctx = await testGpu();
    for (const [eps, chunks] of [10, 0.05, 1e-4, 1e-10].flatMap((eps) => [1, 3, 5, 16].map((chunks) => [eps, chunks] as const))) {
      // b = 0 makes Geq = gin whatever N* is, so the equilibrium is known before the step.
      const config = resolveConfig({ grid: { nv: 16, ng: 64, gmax: 6 }, params: { eps, b: 0, gin: 1.3 }, time: { T: 0.01, dt: 0.01 } });
      const grid = gridOf(config);
      const M = discreteConductanceEquilibrium(grid, config.params.gin, config.params.a);
      const p = new Float64Array(grid.nv * grid.ng);
      for (let j = 0; j < grid.ng; j++) for (let i = 0; i < grid.nv; i++) p[j * grid.nv + i] = (1 + i) * M[j];
      const solver = await KineticSolver.create(ctx, config, undefined, { conductanceChunks: chunks });
      solver.uploadIntermediate(p);
      solver.runKernel('conductanceFactor');
      solver.runKernel('conductanceSolve');
      const err = relativeMaxError(await solver.readIntermediate(), p);
      console.log(`equilibrium kept at eps=${eps}, ${chunks} chunks: relative max error ${err.toExponential(2)}`);
      expect(err).toBeLessThan(2e-6);
      solver.destroy();
    }
  });

  for (const chunks of [1, 3, 16]) it(`projects any column onto its equilibrium with the same mass when ε → 0 (asymptotic-preserving limit), ${chunks} column chunks`, async () => {
    const ctx = await testGpu();
    const config = resolveConfig({ grid: { nv: 8, ng: 64, gmax: 6 }, params: { eps: 1e-10, b: 0, gin: 2 }, time: { T: 0.01, dt: 0.01 } });
    const grid = gridOf(config);
    const M = discreteConductanceEquilibrium(grid, 2, config.params.a);
    const p = new Float64Array(grid.nv * grid.ng);
    // far from equilibrium: all the mass of column i in row i (a point mass in g)
    const columnMass = new Float64Array(grid.nv);
    for (let i = 0; i < grid.nv; i++) {
      p[(5 * i) * grid.nv + i] = 1 + i;
      columnMass[i] = (1 + i) * grid.dg;
    }
    const solver = await KineticSolver.create(ctx, config, undefined, { conductanceChunks: chunks });
    solver.uploadIntermediate(p);
    solver.runKernel('conductanceFactor');
    solver.runKernel('conductanceSolve');
    const out = await solver.readIntermediate();
    const expected = new Float64Array(p.length);
    for (let j = 0; j < grid.ng; j++) for (let i = 0; i < grid.nv; i++) expected[j * grid.nv + i] = columnMass[i] * M[j];
    const err = relativeMaxError(out, expected);
    console.log(`eps=1e-10 projection onto the equilibrium, ${chunks} chunks: relative max error ${err.toExponential(2)}`);
    expect(err).toBeLessThan(1e-5);
    solver.destroy();
  });
});

describe('stiffness and reproducibility', () => {
  it('is stable with ε = 1e-6 at the same dt as ε = 1, and relaxes to local equilibrium in g', async () => {
    const ctx = await testGpu();
    const base = { grid: { nv: 48, ng: 48 }, time: { T: 0.5, dt: 0.01 }, output: { snapshots: [] } };
    const stiff = await runSimulation(ctx, resolveConfig({ ...base, params: { eps: 1e-6 } }));
    const mild = await runSimulation(ctx, resolveConfig({ ...base, params: { eps: 1 } }));
    for (const r of [stiff, mild]) {
      expect(r.status).toBe('ok');
      expect(Math.abs(r.mass_drift)).toBeLessThan(1e-5);
      expect(Math.max(...r.activity.N)).toBeLessThan(20.001);
      expect(Math.min(...r.p)).toBeGreaterThanOrEqual(0);
    }
    // ε = 1e-6: every column of p is n(v)·M(g) for the Geq of the last g-step (after the half step
    // of transport that follows it, up to O(dt)); compare the g-profile of the column carrying most mass.
    const config = resolveConfig({ ...base, params: { eps: 1e-6 } });
    const grid = gridOf(config);
    let best = 0;
    let bestMass = 0;
    for (let i = 0; i < grid.nv; i++) {
      let m = 0;
      for (let j = 0; j < grid.ng; j++) m += stiff.p[j * grid.nv + i];
      if (m > bestMass) [best, bestMass] = [i, m];
    }
    const geq = config.params.gin + config.params.b * stiff.N_final;
    const M = discreteConductanceEquilibrium(grid, geq, config.params.a);
    const column = Array.from({ length: grid.ng }, (_, j) => stiff.p[j * grid.nv + best] / (bestMass * grid.dg));
    expect(relativeMaxError(column, M)).toBeLessThan(0.1);
  });

  it('gives bitwise the same N(t) and density on a second run', async () => {
    const ctx = await testGpu();
    const config = resolveConfig({ grid: { nv: 64, ng: 32 }, time: { T: 0.2 }, output: { snapshots: [] } });
    const a = await runSimulation(ctx, config);
    const b = await runSimulation(ctx, config);
    expect(b.activity.N).toEqual(a.activity.N);
    expect(Buffer.from(b.p.buffer).equals(Buffer.from(a.p.buffer))).toBe(true);
  });
});

describe('a whole run against the f64 CPU reference', () => {
  for (const model of ['vc', 'vc-threshold'] as const) {
    it(`${model}: N(t), mass and the final density agree to f32 accumulation tolerance`, async () => {
      const ctx = await testGpu();
      const config = resolveConfig({ model, grid: { nv: 40, ng: 32 }, params: { b: 1 }, time: { T: 0.2, cfl: 1.5 }, output: { snapshots: [] } });
      const gpu = await runSimulation(ctx, config);
      const ref = new KineticReference(config);
      const N = [ref.diagnostics().N];
      for (let s = 0; s < config.time.steps; s++) N.push(ref.step().N);
      const errN = relativeMaxError(gpu.activity.N, N);
      const errP = relativeMaxError(gpu.p, ref.p);
      console.log(`${model}: ${config.time.steps} steps, GPU vs CPU: N(t) ${errN.toExponential(2)}, p(T) ${errP.toExponential(2)}`);
      expect(errN).toBeLessThan(1e-4);
      expect(errP).toBeLessThan(1e-4);
    });
  }
});
