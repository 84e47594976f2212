/**
 * ElapsedSolver.setParameters, which live mode uses to go on from the running state: the next steps are those
 * of the f64 twin changed the same way at the same step (to f32 accuracy), and, for the instant kernel (whose
 * state is the cells alone), bitwise those of a new solver created from the same cells; whyNotContinued names
 * the changes the state cannot survive, and setParameters refuses them.
 */
import { describe, expect, it } from 'vitest';
import { ElapsedSolver } from '../../src/host/elapsedSolver';
import { ElapsedReference } from '../../src/models/elapsed/scheme';
import { resolveElapsedRunConfig } from '../../src/models/registry';
import { relativeMaxError, testGpu } from '../helpers/gpu';

const config = (elapsed: Record<string, unknown>, time: Record<string, unknown> = { T: 2, dt: 0.02 }) => resolveElapsedRunConfig({ model: 'elapsed', elapsed, grid: { smax: 4 }, time });

describe('ElapsedSolver.setParameters', () => {
  it.each([
    // (inhibitory: b > 0 makes each step scan the boundary relation, 24 passes more, about 0.3 s a step on SwiftShader)
    { name: 'instant kernel: b, φ0 and s0 changed', before: { b: -0.5 }, after: { b: -0.1, phi0: 6, s0: 0.8 } },
    { name: 'exponential kernel: τ and the firing rate (threshold → sigmoid) changed', before: { b: -1, kernel: 'exponential', tau: 0.3 }, after: { b: -1, kernel: 'exponential', tau: 0.8, firing: 'sigmoid', phi0: 8, w: 0.1 } },
    { name: 'delay kernel: b changed, s* made linear', before: { b: -2, phi0: 20, kernel: 'delay', d: 0.5 }, after: { b: -1, phi0: 20, kernel: 'delay', d: 0.5, thresholdAge: 'linear', k: 0.5, smin: 0.2 } },
  ])('$name: 60 steps, the change, 60 steps agree with the twin changed at the same step', async ({ before, after }) => {
    const ctx = await testGpu();
    const [a, b] = [config(before), config(after)];
    expect(ElapsedSolver.whyNotContinued(a, b)).toBeNull();
    const solver = await ElapsedSolver.create(ctx, a);
    const ref = ElapsedReference.of(a);
    const gpu = [...(await solver.advance(60)).N];
    solver.setParameters(b);
    expect(solver.config).toBe(b);
    gpu.push(...(await solver.advance(60)).N);
    const twin: number[] = [];
    for (let k = 0; k < 120; k++) {
      if (k === 60) ref.setParameters(b.elapsed, b.kernel);
      ref.advance();
      twin.push(ref.N);
    }
    // the change did change the run: the twin without it parts from it
    const unchanged = ElapsedReference.of(a);
    const plain: number[] = [];
    for (let k = 0; k < 120; k++) {
      unchanged.advance();
      plain.push(unchanged.N);
    }
    const [error, effect] = [relativeMaxError(gpu, twin), relativeMaxError(plain.slice(60), twin.slice(60))];
    console.log(`GPU against the twin changed at step 60: ${error.toExponential(2)} relative; the change moved N by ${effect.toExponential(2)}`);
    expect(error).toBeLessThan(1e-3);
    expect(effect).toBeGreaterThan(1e-2);
    expect(await solver.readState()).toMatchObject({ taken: 120, status: 'running' });
    solver.destroy();
  });

  it('instant kernel: the steps after the change are bitwise those of a new solver from the same cells', async () => {
    const ctx = await testGpu();
    const [a, b] = [config({ b: -0.5, phi0: 10 }), config({ b: -0.2, phi0: 4, k: 2 })];
    const running = await ElapsedSolver.create(ctx, a);
    await running.advance(37);
    const cells = await running.readCells();
    running.setParameters(b);
    const fresh = await ElapsedSolver.create(ctx, b, cells);
    const [x, y] = [await running.advance(50), await fresh.advance(50)];
    expect([...x.N]).toEqual([...y.N]);
    expect([...(await running.readCells())]).toEqual([...(await fresh.readCells())]);
    running.destroy();
    fresh.destroy();
  });

  it('names what the state cannot survive, and refuses it', async () => {
    const a = config({ b: -0.5, kernel: 'delay', d: 0.5 });
    expect(ElapsedSolver.whyNotContinued(a, config({ b: -0.5, kernel: 'delay', d: 0.6 }))).toMatch(/delay in steps/);
    expect(ElapsedSolver.whyNotContinued(a, config({ b: -0.5 }))).toMatch(/kernel changed its kind/);
    expect(ElapsedSolver.whyNotContinued(a, config({ b: -0.5, kernel: 'delay', d: 0.5 }, { T: 2, dt: 0.01 }))).toMatch(/age cells changed/);
    expect(ElapsedSolver.whyNotContinued(a, config({ b: 2, kernel: 'delay', d: 0.5, phi0: 'Infinity' }))).toBeNull();
    const solver = await ElapsedSolver.create(await testGpu(), a);
    expect(() => solver.setParameters(config({ b: -0.5 }))).toThrow(/cannot go on/);
    solver.destroy();
  });
});
