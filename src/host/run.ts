/**
 * A whole kinetic or limit run, for any runtime (Node CLI, browser, tests): the stop rules, activity
 * rows and snapshots of the kinetic solver, on the shared block driver (blockLoop.ts), which rolls a
 * bad block back to the last good step.
 */
import { ConfigError, type KinfireConfig } from '../models/config';
import type { GpuContext } from './gpu';
import { blockCheckpoint, type BlockProgress, type RunCheckpointing, runBlocks, type Stop } from './blockLoop';
import { type ActivityBlock, HISTORY_CAPACITY, KineticSolver } from './kineticSolver';
import { nearestSteps } from '../models/timeGrid';

export type RunStatus = 'ok' | 'blowup' | 'nonfinite';

export type RunProgress = BlockProgress;

export interface Snapshot {
  t: number;
  step: number;
  p: Float32Array;
}

export interface RunHooks {
  onProgress?(p: RunProgress): void;
  onSnapshot?(s: Snapshot): void | Promise<void>;
  onWarning?(message: string): void;
  /** keep checkpoints (and resume from one): see blockLoop.ts */
  checkpoint?: RunCheckpointing<KineticRunHost>;
}

/** What a kinetic run has accumulated on the host at a checkpoint. */
export interface KineticRunHost {
  activity: { t: number[]; N: number[]; mass: number[] };
  lastN: number;
  lastMass: number;
  massInitial: number;
  pileupWarned: boolean;
  warnings: string[];
  /** steps whose snapshot was written */
  written: number[];
  /** wall time of the run up to the checkpoint */
  wallSeconds: number;
}

export interface RunResult {
  status: RunStatus;
  /** why the run stopped early, when it did */
  message?: string;
  activity: { t: number[]; N: number[]; mass: number[] };
  /** steps taken to the kept state */
  steps: number;
  t: number;
  wallSeconds: number;
  stepsPerSecond: number;
  N_final: number;
  mass_initial: number;
  mass_final: number;
  /** (mass_final − mass_initial) / mass_initial */
  mass_drift: number;
  /** the final state, or the last good one */
  p: Float32Array;
  warnings: string[];
  /** column chunks of the g-solve the run used (KineticSolver.chunks; it depends on the adapter kind) */
  conductanceChunks: number;
}

/** Step index of each snapshot time: the nearest step, t = step·dt. */
export function snapshotSteps(config: KinfireConfig): number[] {
  const steps = config.time.steps;
  return nearestSteps(config.output.snapshots, config.time.dt, steps);
}

/** Fraction of the mass in the top 2% of the g-rows (at least one row). */
export function massNearGmax(m: ArrayLike<number>): number {
  const top = Math.max(1, Math.ceil(0.02 * m.length));
  let total = 0;
  let upper = 0;
  for (let j = 0; j < m.length; j++) {
    total += m[j];
    if (j >= m.length - top) upper += m[j];
  }
  return total > 0 ? upper / total : 0;
}

export const GMAX_PILEUP_THRESHOLD = 1e-6;
/**
 * The scheme conserves mass to f32 rounding (about 1e-6 relative over 1e4 steps), so a larger change
 * means the arithmetic broke: an f32 overflow to ±∞ (e.g. Geq = gin + b·N beyond the f32 range) can
 * wipe a state to zeros without producing a NaN. Such a run stops as "nonfinite".
 */
export const MASS_BREAKDOWN_TOLERANCE = 1e-3;

/**
 * The stop rules of a kinetic run, for one step: non-finite N or mass, mass broken beyond
 * MASS_BREAKDOWN_TOLERANCE (an f32 overflow), or N above Nmax (blow-up). `where` places the step for the
 * message: its time, its index, and the time of the state that is kept.
 */
export function judgeKineticStep(
  N: number,
  mass: number,
  massInitial: number,
  Nmax: number,
  where: { t: number; step: number; keptT: number },
): Stop<Exclude<RunStatus, 'ok'>> | undefined {
  const at = `t = ${where.t.toPrecision(6)} (step ${where.step})`;
  const kept = `kept the last good state, t = ${where.keptT.toPrecision(6)}`;
  if (!Number.isFinite(N) || !Number.isFinite(mass)) return { status: 'nonfinite', message: `N(t) or the mass became non-finite at ${at}; ${kept}` };
  if (Math.abs(mass - massInitial) > MASS_BREAKDOWN_TOLERANCE * massInitial) {
    return {
      status: 'nonfinite',
      message: `mass conservation broke at ${at}: mass ${mass.toPrecision(6)} instead of ${massInitial.toPrecision(6)}, the sign of an f32 overflow (check params.b, params.gin, grid.gmax); ${kept}`,
    };
  }
  if (N > Nmax) return { status: 'blowup', message: `N(t) = ${N.toPrecision(6)} exceeded time.Nmax = ${Nmax} at ${at}; ${kept}` };
  return undefined;
}

export async function runSimulation(ctx: GpuContext, config: KinfireConfig, hooks: RunHooks = {}, solverIn?: KineticSolver): Promise<RunResult> {
  const solver = solverIn ?? (await KineticSolver.create(ctx, config));
  const { dt, steps, T, Nmax } = config.time;
  const every = config.output.every;
  const from = hooks.checkpoint?.from;
  const warnings: string[] = from ? [...from.host.warnings] : [];
  const warn = (message: string) => {
    warnings.push(message);
    hooks.onWarning?.(message);
  };
  let massInitial: number;
  let activity: KineticRunHost['activity'];
  let lastN: number;
  let lastMass: number;
  let pileupWarned: boolean;
  if (from) {
    solver.importState(from.solver);
    ({ massInitial, lastN, lastMass, pileupWarned } = from.host);
    activity = { t: [...from.host.activity.t], N: [...from.host.activity.N], mass: [...from.host.activity.mass] };
  } else {
    const start = await solver.readHistory(0, 0);
    if (!Number.isFinite(start.N[0]) || !Number.isFinite(start.mass[0])) {
      if (!solverIn) solver.destroy();
      // Nothing good to keep: the config itself overflows f32 (the kernels' arithmetic).
      throw new ConfigError('initial', `the initial state is not finite in f32: N(0) = ${start.N[0]}, mass = ${start.mass[0]}; check params.phiF.rate, initial.sv and initial.sg`);
    }
    massInitial = start.mass[0];
    activity = { t: [0], N: [start.N[0]], mass: [start.mass[0]] };
    lastN = start.N[0];
    lastMass = start.mass[0];
    pileupWarned = false;
  }
  const written = new Set<number>(from?.host.written ?? []);
  const writeSnapshot = async (step: number, p: Float32Array) => {
    if (written.has(step)) return; // the kept state of a run stopped early may be a snapshot already
    written.add(step);
    await hooks.onSnapshot?.({ t: step * dt, step, p });
  };
  const wallBefore = from?.host.wallSeconds ?? 0;
  const segmentStart = performance.now();

  const loop = await runBlocks<ActivityBlock, Exclude<RunStatus, 'ok'>>(solver, {
    steps,
    dt,
    T,
    capacity: HISTORY_CAPACITY,
    snapshotSteps: snapshotSteps(config),
    judge: (block, k, step) => judgeKineticStep(block.N[k], block.mass[k], massInitial, Nmax, { t: step * dt, step, keptT: (step - 1) * dt }),
    accept: (block, k, step) => {
      lastN = block.N[k];
      lastMass = block.mass[k];
      if (step % every === 0 || step === steps) {
        activity.t.push(step * dt);
        activity.N.push(lastN);
        activity.mass.push(lastMass);
      }
    },
    onSnapshot: async (step) => writeSnapshot(step, await solver.readDensity()),
    afterBlock: async (step) => {
      if (pileupWarned) return;
      // m(g) of the current state is in rowStats.w already (written by the second row half).
      const stats = await solver.readRowStats();
      const fraction = massNearGmax(stats.filter((_, k) => k % 4 === 3));
      if (fraction > GMAX_PILEUP_THRESHOLD) {
        pileupWarned = true;
        warn(`mass piles up near gmax: ${fraction.toExponential(2)} of the mass lies in the top 2% of the g-axis at t = ${(step * dt).toPrecision(4)}; increase grid.gmax (now ${config.grid.gmax.toPrecision(4)})`);
      }
    },
    onProgress: hooks.onProgress,
    startStep: from?.solver.step ?? 0,
    ...blockCheckpoint(hooks.checkpoint, solver, () => ({ activity, lastN, lastMass, massInitial, pileupWarned, warnings, written: [...written], wallSeconds: wallBefore + (performance.now() - segmentStart) / 1000 })),
  });
  const n = loop.steps;
  const wallSeconds = wallBefore + loop.wallSeconds;
  const p = await solver.readDensity();
  if (loop.stop) {
    // The last good snapshot: the state the run keeps, under its own time.
    await writeSnapshot(n, p);
    if (activity.t[activity.t.length - 1] !== n * dt) {
      activity.t.push(n * dt);
      activity.N.push(lastN);
      activity.mass.push(lastMass);
    }
  }
  if (!solverIn) solver.destroy();
  return {
    status: loop.stop?.status ?? 'ok',
    message: loop.stop?.message,
    activity,
    steps: n,
    t: n * dt,
    wallSeconds,
    stepsPerSecond: n / Math.max(wallSeconds, 1e-9),
    N_final: lastN,
    mass_initial: massInitial,
    mass_final: lastMass,
    mass_drift: (lastMass - massInitial) / massInitial,
    p,
    warnings,
    conductanceChunks: solver.chunks.chunkCount,
  };
}
