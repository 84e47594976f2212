/**
 * A whole particle run: activity rows, histogram snapshots, N_mean over the window with its
 * batch-means standard error (of every population), and the stop rule (an N above time.Nmax: status
 * "blowup"), on the shared block driver (blockLoop.ts), which rolls a bad block back to the last good step.
 * A checkpoint holds the system's buffers (ParticleSystem.exportState: the neurons, the control block with
 * the step that keys every Philox draw, the history ring) and the per-step spike counts and activity rows
 * on the host; the batch means and the window statistics are computed from those at the end, so a
 * resumed run is bitwise the uninterrupted one.
 */
import type { ParticleConfig } from '../models/config';
import { alternatingFraction, type BatchMeansResult, batchMeans, windowSteps } from '../models/particles/statistics';
import type { GpuContext } from './gpu';
import { blockCheckpoint, type RunCheckpointing, runBlocks } from './blockLoop';
import { PARTICLE_HISTORY_CAPACITY, type ParticleBlock, type ParticleHistogram, type ParticleSlice, ParticleSystem, type ParticleSystemOptions } from './particleSystem';
import type { RunProgress } from './run';
import { nearestSteps } from '../models/timeGrid';

export type ParticleRunStatus = 'ok' | 'blowup';

export interface ParticleSnapshot {
  t: number;
  step: number;
  histogram: ParticleHistogram;
}

export interface ParticleRunHooks {
  onProgress?(p: RunProgress): void;
  onSnapshot?(s: ParticleSnapshot): void | Promise<void>;
  onWarning?(message: string): void;
  /** keep checkpoints (and resume from one): see blockLoop.ts */
  checkpoint?: RunCheckpointing<ParticleRunHost>;
}

/** What a particle run has accumulated on the host at a checkpoint after `steps` steps (its per-step arrays cut to them). */
export interface ParticleRunHost {
  /** per population: spikes and N of the steps taken */
  spikes: Uint32Array[];
  N: Float64Array[];
  /** the activity rows so far: their times and, per population, N */
  activityT: number[];
  activityN: number[][];
  /** the snapshot steps written */
  written: number[];
  wallSeconds: number;
}

/** One population of a run. */
export interface ParticlePopulationResult {
  name: string;
  count: number;
  /** spikes of every step taken: spikes[n − 1] in [t_{n−1}, t_n] */
  spikes: Uint32Array;
  /** N of every step taken, spikes/(count·dt) */
  N: Float64Array;
  /** N at the rows of activity.csv (activity.t) */
  activityN: number[];
  N_final: number;
  /** mean of N over the window (null when the window holds no step of the run) */
  N_mean: number | null;
  /** batch-means standard error of N_mean */
  N_se: number | null;
  batch: BatchMeansResult;
}

/** A run; the fields without a population (N, N_mean, …) are those of population 0 (with one population, the run's). */
export interface ParticleRunResult {
  status: ParticleRunStatus;
  message?: string;
  /** rows of activity.csv: t = 0 (N0) and every output.every steps, plus the last step; N of population 0 */
  activity: { t: number[]; N: number[] };
  /** every population (K = 1: one, the same numbers as the fields below) */
  populations: ParticlePopulationResult[];
  /** spikes of every step taken: spikes[n − 1] in [t_{n−1}, t_n] */
  spikes: Uint32Array;
  /** N of every step taken, spikes/(count·dt) */
  N: Float64Array;
  /** the activity at t = 0 (the first step's feedback) */
  N0: number;
  steps: number;
  t: number;
  wallSeconds: number;
  stepsPerSecond: number;
  particleStepsPerSecond: number;
  N_final: number;
  /** mean of N over the window (null when the window holds no step of the run) */
  N_mean: number | null;
  /** batch-means standard error of N_mean */
  N_se: number | null;
  window: { t0: number; t1: number; firstStep: number; lastStep: number };
  batch: BatchMeansResult;
  workgroupSize: number;
  /** the state slices (one unless the population exceeds a storage binding) */
  slices: ParticleSlice[];
  warnings: string[];
}

/** Step index of each snapshot time: the nearest step, t = step·dt. */
export function particleSnapshotSteps(config: ParticleConfig): number[] {
  const steps = config.time.steps;
  return nearestSteps(config.output.snapshots, config.time.dt, steps);
}

export async function runParticles(ctx: GpuContext, config: ParticleConfig, hooks: ParticleRunHooks = {}, options: ParticleSystemOptions & { system?: ParticleSystem } = {}): Promise<ParticleRunResult> {
  const system = options.system ?? (await ParticleSystem.create(ctx, config, options));
  const { dt, steps, T, Nmax } = config.time;
  const specs = system.populations;
  const K = specs.length;
  const every = config.output.every;
  const warnings: string[] = [];
  const warn = (message: string) => {
    warnings.push(message);
    hooks.onWarning?.(message);
  };
  const spikes = specs.map(() => new Uint32Array(steps));
  const Nall = specs.map(() => new Float64Array(steps));
  const N0 = system.initialN;
  const from = hooks.checkpoint?.from;
  const activity = from ? { t: [...from.host.activityT], N: from.host.activityN.map((row) => [...row]) } : { t: [0] as number[], N: specs.map(() => [N0] as number[]) };
  const start = from?.solver.step ?? 0;
  if (from) {
    if (from.host.spikes.length !== K || from.host.spikes.some((s) => s.length !== start) || start > steps) throw new Error('checkpoint: its histories do not fit this config (populations or steps differ)');
    from.host.spikes.forEach((s, alpha) => spikes[alpha]!.set(s));
    from.host.N.forEach((N, alpha) => Nall[alpha]!.set(N));
    system.importState(from.solver);
  }
  // the last step's N of every population (N0 before the first step)
  const lastN = specs.map((_, alpha) => (start > 0 ? Nall[alpha]![start - 1]! : N0));
  const written = new Set<number>(from?.host.written ?? []);
  const wallBefore = from?.host.wallSeconds ?? 0;
  const segmentStart = performance.now();
  const writeSnapshot = async (step: number) => {
    if (written.has(step) || !hooks.onSnapshot) return; // the kept state of a stopped run may be a snapshot already
    written.add(step);
    await hooks.onSnapshot({ t: step * dt, step, histogram: await system.histogram() });
  };
  const named = (alpha: number) => (K > 1 ? `_${specs[alpha]!.name}` : '');
  const loop = await runBlocks<ParticleBlock, 'blowup'>(system, {
    steps,
    dt,
    T,
    capacity: PARTICLE_HISTORY_CAPACITY,
    snapshotSteps: particleSnapshotSteps(config),
    judge: (block, k, step) => {
      for (let alpha = 0; alpha < K; alpha++) {
        const N = block.N[k * K + alpha]!;
        if (N > Nmax) {
          return {
            status: 'blowup',
            message: `N${named(alpha)}(t) = ${N.toPrecision(6)} exceeded time.Nmax = ${Nmax} at t = ${(step * dt).toPrecision(6)} (step ${step}); kept the last good state, t = ${((step - 1) * dt).toPrecision(6)}`,
          };
        }
      }
      return undefined;
    },
    accept: (block, k, step) => {
      for (let alpha = 0; alpha < K; alpha++) {
        spikes[alpha]![step - 1] = block.spikes[k * K + alpha]!;
        Nall[alpha]![step - 1] = lastN[alpha] = block.N[k * K + alpha]!;
      }
      if (step % every === 0 || step === steps) {
        activity.t.push(step * dt);
        for (let alpha = 0; alpha < K; alpha++) activity.N[alpha]!.push(lastN[alpha]!);
      }
    },
    onSnapshot: async (step) => writeSnapshot(step),
    onProgress: hooks.onProgress,
    startStep: start,
    ...blockCheckpoint(hooks.checkpoint, system, (step) => ({
      spikes: spikes.map((s) => s.subarray(0, step)),
      N: Nall.map((N) => N.subarray(0, step)),
      activityT: activity.t,
      activityN: activity.N,
      written: [...written],
      wallSeconds: wallBefore + (performance.now() - segmentStart) / 1000,
    })),
  });
  const n = loop.steps;
  const status: ParticleRunStatus = loop.stop?.status ?? 'ok';
  const message = loop.stop?.message;
  const wallSeconds = wallBefore + loop.wallSeconds;
  if (loop.stop) {
    await writeSnapshot(n);
    if (n > 0 && activity.t[activity.t.length - 1] !== n * dt) {
      activity.t.push(n * dt);
      for (let alpha = 0; alpha < K; alpha++) activity.N[alpha]!.push(lastN[alpha]!);
    }
  }

  const [t0, t1] = config.particles.window;
  const { first, last } = windowSteps([t0, t1], dt, n);
  if (last < first) warn(`the averaging window [${t0}, ${t1}] holds no step of the run: N_mean is null`);
  const populations = specs.map((spec, alpha): ParticlePopulationResult => {
    const N = Nall[alpha]!;
    const inWindow = last >= first ? N.subarray(first, last + 1) : new Float64Array(0);
    const batch = batchMeans(inWindow, config.particles.batches);
    if (inWindow.length && batch.lag1 !== null && batch.lag1 > 0.3) {
      warn(`the batch means of N${named(alpha)} over the window are correlated (lag-1 autocorrelation ${batch.lag1.toFixed(2)}): the standard error is likely too small; lengthen the window or lower particles.batches`);
    }
    return {
      name: spec.name,
      count: spec.count,
      spikes: spikes[alpha]!.slice(0, n),
      N: N.slice(0, n),
      activityN: activity.N[alpha]!,
      N_final: n > 0 ? N[n - 1]! : N0,
      N_mean: inWindow.length ? batch.mean : null,
      N_se: batch.se,
      batch,
    };
  });
  if (config.elapsed?.kernel.kind === 'exponential') {
    // the exponential kernel's neurons see the filtered activity at the start of the step (explicit), which
    // overshoots where the boundary relation is stiff (elapsedReference.ts); the instant kernel's step is implicit
    const f = alternatingFraction(populations[0]!.spikes);
    if (f > 0.01) {
      warn(
        `N(t) alternates from step to step at ${(100 * f).toFixed(1)}% of the steps (second differences of the spike counts beyond 4 standard deviations of their noise): ` +
          `with elapsed.kernel "exponential" the neurons see X of the filtered activity at the start of the step, a fixed-point iteration of the PDE's implicit relation that overshoots where |dG/dN| is large (a stiff coupling), so N(t) does not follow the PDE's there; ` +
          'use a smaller time.dt (stable while dt·(1 + |dG/dN|) < 2τ) or a weaker coupling',
      );
    }
  }
  const workgroupSize = system.workgroupSize;
  const slices = system.sliceLayout;
  if (!options.system) system.destroy();
  const total = specs.reduce((sum, p) => sum + p.count, 0);
  const p0 = populations[0]!;
  return {
    status,
    ...(message ? { message } : {}),
    activity: { t: activity.t, N: p0.activityN },
    populations,
    spikes: p0.spikes,
    N: p0.N,
    N0,
    steps: n,
    t: n * dt,
    wallSeconds,
    stepsPerSecond: n / Math.max(wallSeconds, 1e-9),
    particleStepsPerSecond: (n * total) / Math.max(wallSeconds, 1e-9),
    N_final: p0.N_final,
    N_mean: p0.N_mean,
    N_se: p0.N_se,
    window: { t0, t1, firstStep: first, lastStep: last },
    batch: p0.batch,
    workgroupSize,
    slices,
    warnings,
  };
}
