/**
 * The NNLIF PDE kernel (nnlifStep.wgsl) against its f64 twin (fokkerPlanck.ts) on small grids, for every
 * option (hard and soft threshold, τ, delay, a1); mass, positivity and members stopping alone; a batch
 * member is bitwise the member run alone.
 */
import { describe, expect, it } from 'vitest';
import { type NnlifProblem, NnlifSolver } from '../../src/host/nnlifSolver';
import { type NnlifFiring, type NnlifMember, NnlifReference, nnlifGrid, nnlifInitialDensity } from '../../src/models/nnlif/fokkerPlanck';
import { relativeMaxError, testGpu } from '../helpers/gpu';

const base: NnlifMember = { b: 0.5, a0: 1, a1: 0, VR: 1, tau: 0 };
const cases: { name: string; member: NnlifMember; firing?: NnlifFiring; delay?: number }[] = [
  { name: 'hard threshold', member: base },
  { name: 'refractory τ = 0.1', member: { ...base, tau: 0.1 } },
  { name: 'delay of 7 steps', member: { ...base, b: 1.2 }, delay: 7 },
  { name: 'a1 = 0.2, inhibitory', member: { ...base, b: -1, a1: 0.2 } },
  { name: 'soft threshold', member: base, firing: { kind: 'soft', rate: 10, vmax: 3 } },
  { name: 'soft threshold and τ', member: { ...base, tau: 0.05 }, firing: { kind: 'soft', rate: 10, vmax: 3 } },
];

describe('nnlifStep.wgsl against the f64 reference', () => {
  it.each(cases)('$name: N(t), mass and n(v, T) agree to f32 accuracy over 300 steps', async ({ member, firing, delay }) => {
    const ctx = await testGpu();
    const grid = nnlifGrid(96, -4, 2, firing);
    const n0 = nnlifInitialDensity(grid, 0.5, 0.4);
    const dt = 0.005;
    const problem: NnlifProblem = { grid, members: [member], dt, delaySteps: delay ?? 0, Nmax: 1e6, initial: n0 };
    const solver = await NnlifSolver.create(ctx, problem);
    const ref = new NnlifReference(grid, member, dt, delay ?? 0, n0);
    const gpuN: number[] = [];
    const gpuMass: number[] = [];
    for (let b = 0; b < 3; b++) {
      const block = await solver.advance(100);
      gpuN.push(...block.N);
      gpuMass.push(...block.mass);
    }
    const refN: number[] = [];
    for (let k = 0; k < 300; k++) {
      ref.advance();
      refN.push(ref.N);
    }
    expect(relativeMaxError(gpuN, refN)).toBeLessThan(2e-4);
    const n = await solver.readDensity();
    expect(relativeMaxError(n, ref.n)).toBeLessThan(2e-4);
    expect(Math.min(...n)).toBeGreaterThanOrEqual(0);
    for (const m of gpuMass) expect(Math.abs(m - solver.initialMass[0]!)).toBeLessThan(2e-6);
    const [state] = await solver.readStates();
    expect(state).toMatchObject({ taken: 300, status: 'running' });
    if (member.tau > 0) expect(Math.abs(state!.R - ref.R) / ref.R).toBeLessThan(2e-4);
    solver.destroy();
  });

  it('a member that blows up stops alone at its last good state; a batch member is bitwise the member alone', async () => {
    const ctx = await testGpu();
    const grid = nnlifGrid(64, -4, 2);
    const n0 = nnlifInitialDensity(grid, 1.8, 0.05); // concentrated near VF
    const members: NnlifMember[] = [base, { ...base, b: 3 }, { ...base, b: -2, tau: 0.1 }, { ...base, VR: 0.5, a0: 0.8 }];
    const dt = 0.002;
    const batch = await NnlifSolver.create(ctx, { grid, members, dt, delaySteps: 3, Nmax: 1000, initial: n0 });
    const blocks = [await batch.advance(150), await batch.advance(150)];
    const states = await batch.readStates();
    expect(states[1]!.status).toBe('blowup'); // b = 3 > VF − VR with the mass near VF: finite-time blow-up
    expect(states[1]!.taken).toBeLessThan(300);
    expect(states[1]!.taken).toBeGreaterThan(10);
    expect(states[1]!.N).toBeLessThanOrEqual(1000);
    for (const m of [0, 2, 3]) expect(states[m]!.status).toBe('running');
    const density = await batch.readDensity();
    for (let m = 0; m < members.length; m++) {
      const alone = await NnlifSolver.create(ctx, { grid, members: [members[m]!], dt, delaySteps: 3, Nmax: 1000, initial: n0 });
      const aloneBlocks = [await alone.advance(150), await alone.advance(150)];
      for (let b = 0; b < 2; b++) {
        const mine = Array.from({ length: 150 }, (_, k) => blocks[b]!.N[k * members.length + m]);
        expect(mine).toEqual(Array.from(aloneBlocks[b]!.N));
      }
      expect(Array.from(density.subarray(m * grid.nv, (m + 1) * grid.nv))).toEqual(Array.from(await alone.readDensity()));
      expect((await alone.readStates())[0]).toEqual(states[m]);
      alone.destroy();
    }
    batch.destroy();
  });
});
