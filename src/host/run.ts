/**
 * A whole run, for any runtime (Node CLI, browser, tests): blocks of steps with one synchronisation
 * each, activity rows, snapshots, and the stop rules. A block that goes non-finite or above Nmax is
 * rolled back to its checkpoint and replayed up to the last good step (the scheme is deterministic,
 * so the replay is bitwise the original), which is then the state the run keeps.
 */
import type { KinfireConfig } from '../models/config';
import type { GpuContext } from './gpu';
import { HISTORY_CAPACITY, KineticSolver } from './kineticSolver';

export type RunStatus = 'ok' | 'blowup' | 'nonfinite';

export interface RunProgress {
  step: number;
  steps: number;
  t: number;
  T: number;
  stepsPerSecond: number;
}

export interface Snapshot {
  t: number;
  step: number;
  p: Float32Array;
}

export interface RunHooks {
  onProgress?(p: RunProgress): void;
  onSnapshot?(s: Snapshot): void | Promise<void>;
  onWarning?(message: string): void;
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
}

/** Step index of each snapshot time: the nearest step, t = step·dt. */
export function snapshotSteps(config: KinfireConfig): number[] {
  const steps = config.time.steps;
  return [...new Set(config.output.snapshots.map((t) => Math.min(steps, Math.max(0, Math.round(t / config.time.dt)))))].sort((a, b) => a - b);
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

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

export async function runSimulation(ctx: GpuContext, config: KinfireConfig, hooks: RunHooks = {}, solverIn?: KineticSolver): Promise<RunResult> {
  const solver = solverIn ?? (await KineticSolver.create(ctx, config));
  const { dt, steps, T, Nmax } = config.time;
  const every = config.output.every;
  const warnings: string[] = [];
  const warn = (message: string) => {
    warnings.push(message);
    hooks.onWarning?.(message);
  };
  const activity = { t: [] as number[], N: [] as number[], mass: [] as number[] };
  const pending = snapshotSteps(config);

  const start = await solver.readHistory(0, 0);
  const massInitial = start.mass[0];
  activity.t.push(0);
  activity.N.push(start.N[0]);
  activity.mass.push(start.mass[0]);
  let lastN = start.N[0];
  let lastMass = start.mass[0];
  let status: RunStatus = 'ok';
  let message: string | undefined;
  let pileupWarned = false;

  const emitSnapshots = async (step: number) => {
    while (pending.length && pending[0] === step) {
      pending.shift();
      await hooks.onSnapshot?.({ t: step * dt, step, p: await solver.readDensity() });
    }
  };
  await emitSnapshots(0);

  const began = now();
  let blockSteps = 8;
  let n = 0;
  while (n < steps) {
    const target = Math.min(steps, n + blockSteps, pending.length ? Math.max(pending[0], n + 1) : steps);
    const count = Math.min(target - n, HISTORY_CAPACITY);
    solver.saveCheckpoint();
    const t0 = now();
    const block = await solver.advance(count);
    const blockMs = now() - t0;

    let bad = -1;
    for (let k = 0; k < count; k++) {
      const N = block.N[k];
      const mass = block.mass[k];
      if (!Number.isFinite(N) || !Number.isFinite(mass)) {
        status = 'nonfinite';
        message = `N(t) or the mass became non-finite at t = ${((n + k + 1) * dt).toPrecision(6)} (step ${n + k + 1}); kept the last good state, t = ${((n + k) * dt).toPrecision(6)}`;
      } else if (Math.abs(mass - massInitial) > MASS_BREAKDOWN_TOLERANCE * massInitial) {
        status = 'nonfinite';
        message = `mass conservation broke at t = ${((n + k + 1) * dt).toPrecision(6)} (step ${n + k + 1}): mass ${mass.toPrecision(6)} instead of ${massInitial.toPrecision(6)}, the sign of an f32 overflow (check params.b, params.gin, grid.gmax); kept the last good state, t = ${((n + k) * dt).toPrecision(6)}`;
      } else if (N > Nmax) {
        status = 'blowup';
        message = `N(t) = ${N.toPrecision(6)} exceeded time.Nmax = ${Nmax} at t = ${((n + k + 1) * dt).toPrecision(6)} (step ${n + k + 1}); kept the last good state, t = ${((n + k) * dt).toPrecision(6)}`;
      } else {
        const step = n + k + 1;
        if (step % every === 0 || step === steps) {
          activity.t.push(step * dt);
          activity.N.push(N);
          activity.mass.push(mass);
        }
        lastN = N;
        lastMass = mass;
        continue;
      }
      bad = k;
      break;
    }
    if (bad >= 0) {
      // Replay from the checkpoint to the last good step; the replay is bitwise the same run.
      solver.restoreCheckpoint();
      if (bad > 0) solver.submitSteps(bad);
      n += bad;
      break;
    }
    n += count;
    await emitSnapshots(n);

    if (!pileupWarned) {
      // m(g) of the current state is in rowStats.w already (written by the second row half).
      const stats = await solver.readRowStats();
      const fraction = massNearGmax(stats.filter((_, k) => k % 4 === 3));
      if (fraction > GMAX_PILEUP_THRESHOLD) {
        pileupWarned = true;
        warn(`mass piles up near gmax: ${fraction.toExponential(2)} of the mass lies in the top 2% of the g-axis at t = ${(n * dt).toPrecision(4)}; increase grid.gmax (now ${config.grid.gmax.toPrecision(4)})`);
      }
    }
    const elapsed = (now() - began) / 1000;
    hooks.onProgress?.({ step: n, steps, t: n * dt, T, stepsPerSecond: n / Math.max(elapsed, 1e-9) });
    // Aim at ~0.25 s per block: few synchronisations, yet a responsive progress bar.
    const perStep = blockMs / count;
    blockSteps = Math.max(1, Math.min(HISTORY_CAPACITY, Math.round(250 / Math.max(perStep, 1e-3))));
  }
  const wallSeconds = (now() - began) / 1000;
  const p = await solver.readDensity();
  if (status !== 'ok') {
    // The last good snapshot: the state the run keeps, under its own time.
    await hooks.onSnapshot?.({ t: n * dt, step: n, p });
    if (activity.t[activity.t.length - 1] !== n * dt) {
      activity.t.push(n * dt);
      activity.N.push(lastN);
      activity.mass.push(lastMass);
    }
  }
  if (!solverIn) solver.destroy();
  return {
    status,
    message,
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
  };
}
