/**
 * The NNLIF PDE kernel (nnlifStep.wgsl) against its f64 twin (fokkerPlanck.ts) on small grids, for every
 * option (hard and soft threshold, τ, delay, a1); mass, positivity and members stopping alone; a batch
 * member is bitwise the member run alone.
 */
import { describe, expect, it } from 'vitest';
import { NnlifSolver, singlePopulationProblem } from '../../src/host/nnlifSolver';
import { type NnlifFiring, type NnlifMember, NnlifNetworkReference, NnlifReference, nnlifGrid, nnlifInitialDensity } from '../../src/models/nnlif/fokkerPlanck';
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
    const problem = singlePopulationProblem(grid, [member], dt, delay ?? 0, 1e6, n0);
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
    const batch = await NnlifSolver.create(ctx, singlePopulationProblem(grid, members, dt, 3, 1000, n0));
    const blocks = [await batch.advance(150), await batch.advance(150)];
    const states = await batch.readStates();
    expect(states[1]!.status).toBe('blowup'); // b = 3 > VF − VR with the mass near VF: finite-time blow-up
    expect(states[1]!.taken).toBeLessThan(300);
    expect(states[1]!.taken).toBeGreaterThan(10);
    expect(states[1]!.N).toBeLessThanOrEqual(1000);
    for (const m of [0, 2, 3]) expect(states[m]!.status).toBe('running');
    const density = await batch.readDensity();
    for (let m = 0; m < members.length; m++) {
      const alone = await NnlifSolver.create(ctx, singlePopulationProblem(grid, [members[m]!], dt, 3, 1000, n0));
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

describe('nnlifStep.wgsl with K populations (an excitatory–inhibitory network)', () => {
  const gridE = nnlifGrid(80, -4, 2);
  const gridI = nnlifGrid(80, -3, 1.5, { kind: 'soft', rate: 15, vmax: 2.5 });
  const populations = [
    { grid: gridE, a0: 1, VR: 1, tau: 0 },
    { grid: gridI, a0: 0.6, VR: 0.5, tau: 0.05 },
  ];
  const coupling = { b: [[0.8, -1.2], [1.5, -0.4]], a1: [[0.1, 0], [0, 0.05]] };
  const n0 = [nnlifInitialDensity(gridE, 0.5, 0.4), nnlifInitialDensity(gridI, 0, 0.3)];
  const member = { coupling, populations: populations.map(({ a0, VR, tau }) => ({ a0, VR, tau })) };

  it('K = 2, each population on its own grid (hard and soft), τ, a delay, a1: agrees with the f64 network twin', async () => {
    const ctx = await testGpu();
    const dt = 0.004;
    const solver = await NnlifSolver.create(ctx, { populations, members: [member], dt, delaySteps: 5, Nmax: 1e6, initial: n0 });
    const ref = new NnlifNetworkReference(populations, coupling, dt, 5, n0);
    const gpu = [await solver.advance(120), await solver.advance(120)];
    const refN: number[][] = [[], []];
    for (let k = 0; k < 240; k++) {
      ref.advance();
      refN[0]!.push(ref.N[0]!);
      refN[1]!.push(ref.N[1]!);
    }
    for (let a = 0; a < 2; a++) {
      const mine = gpu.flatMap((b) => Array.from({ length: 120 }, (_, k) => b.N[k * 2 + a]!));
      expect(relativeMaxError(mine, refN[a]!)).toBeLessThan(3e-4);
    }
    const n = await solver.readDensity();
    expect(relativeMaxError(n.subarray(0, 80), ref.n[0]!)).toBeLessThan(3e-4);
    expect(relativeMaxError(n.subarray(80, 160), ref.n[1]!)).toBeLessThan(3e-4);
    const states = await solver.readStates();
    const masses = ref.masses();
    for (let a = 0; a < 2; a++) {
      expect(Math.abs(states[a]!.mass - 1)).toBeLessThan(3e-6);
      expect(Math.abs(masses[a]! - 1)).toBeLessThan(1e-12);
    }
    expect(states[1]!.R).toBeGreaterThan(0);
    solver.destroy();
  });

  it('uncoupled populations (b, a1 diagonal) are bitwise the single-population runs', async () => {
    const ctx = await testGpu();
    const diagonal = { b: [[0.8, 0], [0, -0.4]], a1: [[0.1, 0], [0, 0.05]] };
    const pair = await NnlifSolver.create(ctx, { populations, members: [{ coupling: diagonal, populations: member.populations }], dt: 0.004, delaySteps: 2, Nmax: 1e6, initial: n0 });
    const both = await pair.advance(200);
    const nBoth = await pair.readDensity();
    for (let a = 0; a < 2; a++) {
      const p = populations[a]!;
      const single = await NnlifSolver.create(ctx, singlePopulationProblem(p.grid, [{ b: diagonal.b[a]![a]!, a1: diagonal.a1[a]![a]!, a0: p.a0, VR: p.VR, tau: p.tau }], 0.004, 2, 1e6, n0[a]!));
      const alone = await single.advance(200);
      expect(Array.from({ length: 200 }, (_, k) => both.N[k * 2 + a])).toEqual(Array.from(alone.N));
      expect(Array.from(nBoth.subarray(a * 80, (a + 1) * 80))).toEqual(Array.from(await single.readDensity()));
      single.destroy();
    }
    pair.destroy();
  });

  it('a network stops as a whole: when one population blows up, both keep their last good state', async () => {
    const ctx = await testGpu();
    const strong = { b: [[3, -0.2], [0.5, -0.2]], a1: [[0, 0], [0, 0]] };
    const near = [nnlifInitialDensity(gridE, 1.6, 0.1), n0[1]!];
    const solver = await NnlifSolver.create(ctx, { populations, members: [{ coupling: strong, populations: member.populations }], dt: 0.002, delaySteps: 0, Nmax: 200, initial: near });
    await solver.advance(300);
    const [e, i] = await solver.readStates();
    expect(e!.status).toBe('blowup');
    expect(i!.status).toBe('blowup');
    expect(e!.taken).toBe(i!.taken);
    expect(e!.N).toBeLessThanOrEqual(200);
    solver.destroy();
  });
});

describe('NnlifSolver.setParameters: going on from the running state with new parameters', () => {
  it('b, a0, a1, VR, τ, the soft loss rate and dt changed at step 100: the next 150 steps follow the f64 twin changed the same way', async () => {
    const ctx = await testGpu();
    const grid = nnlifGrid(96, -4, 2, { kind: 'soft', rate: 10, vmax: 3 });
    const n0 = nnlifInitialDensity(grid, 0.5, 0.4);
    const before: NnlifMember = { b: 0.5, a0: 1, a1: 0, VR: 1, tau: 0.05 };
    const after: NnlifMember = { b: 1.2, a0: 0.7, a1: 0.1, VR: 0.6, tau: 0.2 };
    const gridAfter = nnlifGrid(96, -4, 2, { kind: 'soft', rate: 25, vmax: 3 });
    const solver = await NnlifSolver.create(ctx, singlePopulationProblem(grid, [before], 0.005, 0, 1e6, n0));
    const ref = new NnlifNetworkReference([{ grid, a0: before.a0, VR: before.VR, tau: before.tau }], { b: [[before.b]], a1: [[before.a1]] }, 0.005, 0, [n0]);
    const first = await solver.advance(100);
    for (let k = 0; k < 100; k++) ref.advance();
    const next = singlePopulationProblem(gridAfter, [after], 0.0025, 0, 1e6, n0);
    expect(NnlifSolver.whyNotContinued(solver.problem, next)).toBeNull();
    solver.setParameters(next);
    ref.populations[0] = { grid: gridAfter, a0: after.a0, VR: after.VR, tau: after.tau };
    ref.coupling.b[0]![0] = after.b;
    ref.coupling.a1[0]![0] = after.a1;
    (ref as unknown as { dt: number }).dt = 0.0025;
    const gpu = await solver.advance(150);
    const refN: number[] = [];
    for (let k = 0; k < 150; k++) {
      ref.advance();
      refN.push(ref.N[0]!);
    }
    expect(solver.stepIndex).toBe(250); // the step count goes on
    expect(relativeMaxError(gpu.N, refN)).toBeLessThan(3e-4);
    expect(relativeMaxError(await solver.readDensity(), ref.n[0]!)).toBeLessThan(3e-4);
    // the parameters did change the run: N after the change is far from where the old ones lead
    const stay = await NnlifSolver.create(ctx, singlePopulationProblem(grid, [before], 0.005, 0, 1e6, n0));
    expect(Array.from((await stay.advance(100)).N)).toEqual(Array.from(first.N));
    const unchanged = await stay.advance(150);
    expect(Math.abs(gpu.N[149]! - unchanged.N[149]!)).toBeGreaterThan(0.05 * unchanged.N[149]!);
    const [state] = await solver.readStates();
    expect(Math.abs(state!.mass - 1)).toBeLessThan(3e-6);
    stay.destroy();
    solver.destroy();
  });

  it('refuses, naming why, what the running state cannot go on under: another grid, delay, or τ → 0', async () => {
    const ctx = await testGpu();
    const grid = nnlifGrid(64, -4, 2);
    const n0 = nnlifInitialDensity(grid, 0.5, 0.4);
    const member: NnlifMember = { b: 0.5, a0: 1, a1: 0, VR: 1, tau: 0.1 };
    const solver = await NnlifSolver.create(ctx, singlePopulationProblem(grid, [member], 0.005, 0, 1e6, n0));
    const why = (g = grid, m = member, delay = 0) => NnlifSolver.whyNotContinued(solver.problem, singlePopulationProblem(g, [m], 0.005, delay, 1e6, n0));
    expect(why()).toBeNull();
    expect(why(nnlifGrid(64, -4, 2.5))).toMatch(/grid/);
    expect(why(nnlifGrid(64, -4, 2, { kind: 'soft', rate: 10, vmax: 3 }))).toMatch(/grid/);
    expect(why(grid, member, 3)).toMatch(/delay/);
    expect(why(grid, { ...member, tau: 0 })).toMatch(/stranded/);
    expect(() => solver.setParameters(singlePopulationProblem(grid, [{ ...member, tau: 0 }], 0.005, 0, 1e6, n0))).toThrow(/stranded/);
    solver.destroy();
  });
});
