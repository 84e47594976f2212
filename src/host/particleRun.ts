/**
 * A whole particle run: blocks of steps with one synchronisation each, activity rows, histogram
 * snapshots, N_mean over the window with its batch-means standard error, and the stop rule (N above
 * time.Nmax: status "blowup"; the block is rolled back to its checkpoint and replayed up to the last good
 * step, bitwise the original since every step is deterministic).
 */
import type { ParticleConfig } from '../models/config';
import { type BatchMeansResult, batchMeans, windowSteps } from '../models/particles/statistics';
import type { GpuContext } from './gpu';
import { PARTICLE_HISTORY_CAPACITY, type ParticleHistogram, ParticleSystem, type ParticleSystemOptions } from './particleSystem';
import type { RunProgress } from './run';

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
}

export interface ParticleRunResult {
  status: ParticleRunStatus;
  message?: string;
  /** rows of activity.csv: t = 0 (N0) and every output.every steps, plus the last step */
  activity: { t: number[]; N: number[] };
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
  warnings: string[];
}

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/** Step index of each snapshot time: the nearest step, t = step·dt. */
export function particleSnapshotSteps(config: ParticleConfig): number[] {
  const steps = config.time.steps;
  return [...new Set(config.output.snapshots.map((t) => Math.min(steps, Math.max(0, Math.round(t / config.time.dt)))))].sort((a, b) => a - b);
}

export async function runParticles(ctx: GpuContext, config: ParticleConfig, hooks: ParticleRunHooks = {}, options: ParticleSystemOptions & { system?: ParticleSystem } = {}): Promise<ParticleRunResult> {
  const system = options.system ?? (await ParticleSystem.create(ctx, config, options));
  const { dt, steps, T, Nmax } = config.time;
  const count = config.particles.count;
  const every = config.output.every;
  const warnings: string[] = [];
  const warn = (message: string) => {
    warnings.push(message);
    hooks.onWarning?.(message);
  };
  const spikes = new Uint32Array(steps);
  const Nall = new Float64Array(steps);
  const N0 = system.initialN;
  const activity = { t: [0] as number[], N: [N0] as number[] };
  const pending = particleSnapshotSteps(config);
  let status: ParticleRunStatus = 'ok';
  let message: string | undefined;

  const emitSnapshots = async (step: number) => {
    while (pending.length && pending[0] === step) {
      pending.shift();
      if (hooks.onSnapshot) await hooks.onSnapshot({ t: step * dt, step, histogram: await system.histogram() });
    }
  };
  await emitSnapshots(0);

  const began = now();
  let blockSteps = 8;
  let n = 0;
  while (n < steps) {
    const target = Math.min(steps, n + blockSteps, pending.length ? Math.max(pending[0], n + 1) : steps);
    const countSteps = Math.min(target - n, PARTICLE_HISTORY_CAPACITY);
    system.saveCheckpoint();
    const t0 = now();
    const block = await system.advance(countSteps);
    const blockMs = now() - t0;
    let bad = -1;
    for (let k = 0; k < countSteps; k++) {
      const N = block.N[k];
      if (N > Nmax) {
        status = 'blowup';
        message = `N(t) = ${N.toPrecision(6)} exceeded time.Nmax = ${Nmax} at t = ${((n + k + 1) * dt).toPrecision(6)} (step ${n + k + 1}); kept the last good state, t = ${((n + k) * dt).toPrecision(6)}`;
        bad = k;
        break;
      }
      const step = n + k + 1;
      spikes[step - 1] = block.spikes[k];
      Nall[step - 1] = N;
      if (step % every === 0 || step === steps) {
        activity.t.push(step * dt);
        activity.N.push(N);
      }
    }
    if (bad >= 0) {
      system.restoreCheckpoint();
      if (bad > 0) system.submitSteps(bad);
      n += bad;
      break;
    }
    n += countSteps;
    await emitSnapshots(n);
    const elapsed = (now() - began) / 1000;
    hooks.onProgress?.({ step: n, steps, t: n * dt, T, stepsPerSecond: n / Math.max(elapsed, 1e-9) });
    // Aim at ~0.25 s per block: few synchronisations, yet a responsive progress bar.
    const perStep = blockMs / countSteps;
    blockSteps = Math.max(1, Math.min(PARTICLE_HISTORY_CAPACITY, Math.round(250 / Math.max(perStep, 1e-3))));
  }
  const wallSeconds = (now() - began) / 1000;
  if (status !== 'ok') {
    if (hooks.onSnapshot) await hooks.onSnapshot({ t: n * dt, step: n, histogram: await system.histogram() });
    if (n > 0 && activity.t[activity.t.length - 1] !== n * dt) {
      activity.t.push(n * dt);
      activity.N.push(Nall[n - 1]);
    }
  }

  const [t0, t1] = config.particles.window;
  const { first, last } = windowSteps([t0, t1], dt, n);
  const inWindow = last >= first ? Nall.subarray(first, last + 1) : new Float64Array(0);
  const batch = batchMeans(inWindow, config.particles.batches);
  if (inWindow.length === 0) warn(`the averaging window [${t0}, ${t1}] holds no step of the run: N_mean is null`);
  else if (batch.lag1 !== null && batch.lag1 > 0.3) {
    warn(`the batch means of N over the window are correlated (lag-1 autocorrelation ${batch.lag1.toFixed(2)}): the standard error is likely too small; lengthen the window or lower particles.batches`);
  }
  const workgroupSize = system.workgroupSize;
  if (!options.system) system.destroy();
  return {
    status,
    ...(message ? { message } : {}),
    activity,
    spikes: spikes.slice(0, n),
    N: Nall.slice(0, n),
    N0,
    steps: n,
    t: n * dt,
    wallSeconds,
    stepsPerSecond: n / Math.max(wallSeconds, 1e-9),
    particleStepsPerSecond: (n * count) / Math.max(wallSeconds, 1e-9),
    N_final: n > 0 ? Nall[n - 1] : N0,
    N_mean: inWindow.length ? batch.mean : null,
    N_se: batch.se,
    window: { t0, t1, firstStep: first, lastStep: last },
    batch,
    workgroupSize,
    warnings,
  };
}
