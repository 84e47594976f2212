/**
 * A whole run of the elapsed-time model on the shared block driver (blockLoop.ts): N(t) and the mass every
 * `output.every` steps, snapshots of the age density n(s) = cell mass / ds, frames of n(s, t) for the
 * space-time figure, the oscillation measure of N(t) (models/elapsed/oscillation.ts) and the steps whose
 * boundary relation was not unique.
 */
import type { ElapsedRunConfig } from '../models/elapsed/config';
import { measureOscillation, type OscillationMeasure } from '../models/elapsed/oscillation';
import { type BlockProgress, type RunCheckpointing, runBlocks } from './blockLoop';
import { type ElapsedBlock, ElapsedSolver, type ElapsedSolverStatus } from './elapsedSolver';
import type { GpuContext } from './gpu';
import { nearestSteps } from '../models/timeGrid';

export type ElapsedRunStatus = 'ok' | 'blowup' | 'nonfinite';

export interface ElapsedRunHooks {
  onProgress?(p: BlockProgress): void;
  /** n(s) (density: cell mass / ds) at a snapshot time */
  onSnapshot?(s: { t: number; step: number; n: Float32Array }): void | Promise<void>;
  /** keep checkpoints (and resume from one): see blockLoop.ts */
  checkpoint?: RunCheckpointing<ElapsedRunHost>;
}

/** What an elapsed-time run has accumulated on the host at a checkpoint. */
export interface ElapsedRunHost {
  N: Float32Array;
  mass: Float32Array;
  t: number[];
  sample: number;
  nonunique: number;
  firstNonunique: number | null;
  frames: Float32Array;
  frameT: number[];
  written: number[];
  wallSeconds: number;
}

export interface ElapsedRunResult {
  status: ElapsedRunStatus;
  message?: string;
  steps: number;
  t: number[];
  N: Float32Array;
  mass: Float32Array;
  /** frames of n(s, t): frameT[k], frames[k·ns + i] */
  frameT: number[];
  frames: Float32Array;
  N_final: number;
  mass_initial: number;
  mass_final: number;
  /** steps whose boundary relation had more than one root (the smallest was taken), and the first such time */
  nonunique_steps: number;
  t_first_nonunique: number | null;
  /** blow-up: the time of the first step whose N exceeded time.Nmax (not taken); null otherwise */
  t_blowup: number | null;
  oscillation: OscillationMeasure;
  wallSeconds: number;
  stepsPerSecond: number;
  /** the final density n(s) */
  n: Float32Array;
}

export const ELAPSED_FRAMES = 400;

const STATUS_OF: Record<ElapsedSolverStatus, ElapsedRunStatus> = { running: 'ok', blowup: 'blowup', nonfinite: 'nonfinite' };

/**
 * Why the run stopped, for the user: the step refused at time `t` (step `step`), the state kept at `keptT`;
 * undefined while it runs. Shared by the CLI run and the viewer's live mode.
 */
export function elapsedStopMessage(status: ElapsedSolverStatus, Nmax: number, where: { t: number; step: number; keptT: number }): string | undefined {
  const at = `t = ${where.t.toPrecision(6)} (step ${where.step}); kept the last good state, t = ${where.keptT.toPrecision(6)}`;
  if (status === 'blowup') return `N(t) exceeded time.Nmax = ${Nmax} at ${at}`;
  if (status === 'nonfinite') return `the step at ${at} gave a non-finite N or X`;
  return undefined;
}

export async function runElapsed(ctx: GpuContext, config: ElapsedRunConfig, hooks: ElapsedRunHooks = {}): Promise<ElapsedRunResult> {
  const { dt, steps, T } = config.time;
  const ns = config.grid.ns;
  const solver = await ElapsedSolver.create(ctx, config);
  try {
    const every = config.output.every;
    const samples = Math.floor(steps / every) + 2;
    const from = hooks.checkpoint?.from;
    const N = from ? from.host.N.slice() : new Float32Array(samples);
    const mass = from ? from.host.mass.slice() : new Float32Array(samples);
    const t: number[] = from ? [...from.host.t] : [0];
    if (!from) mass[0] = solver.initialMass;
    let sample = from?.host.sample ?? 1;
    let nonunique = from?.host.nonunique ?? 0;
    let firstNonunique: number | null = from ? from.host.firstNonunique : null;
    const frameCount = Math.min(ELAPSED_FRAMES, steps + 1);
    const frameSteps = Array.from({ length: frameCount }, (_, k) => Math.round((k * steps) / Math.max(1, frameCount - 1)));
    const frames = from ? from.host.frames.slice() : new Float32Array(frameCount * ns);
    const frameT: number[] = from ? [...from.host.frameT] : [];
    const snapshotSteps = new Set(nearestSteps(config.output.snapshots, dt, steps));
    const written = new Set<number>(from?.host.written ?? []);
    if (from) {
      if (N.length !== samples || frames.length !== frameCount * ns) throw new Error('checkpoint: its histories do not fit this config (samples or frames differ)');
      solver.importState(from.solver);
    }
    const wallBefore = from?.host.wallSeconds ?? 0;
    const segmentStart = performance.now();
    const checkpoint = hooks.checkpoint;
    const density = async () => {
      const cells = await solver.readCells();
      for (let i = 0; i < ns; i++) cells[i]! /= config.grid.ds;
      return cells;
    };
    const loop = await runBlocks<ElapsedBlock, Exclude<ElapsedRunStatus, 'ok'>>(solver, {
      steps,
      dt,
      T,
      capacity: solver.capacity,
      snapshotSteps: [...new Set([...frameSteps, ...snapshotSteps])].sort((x, y) => x - y),
      judge: (block, k) => (block.status[k] ? { status: block.status[k] === 1 ? 'blowup' : 'nonfinite', message: '' } : undefined),
      accept: (block, k, step) => {
        if (block.nonunique[k]) {
          nonunique++;
          firstNonunique ??= step * dt;
        }
        if (step % every !== 0 && step !== steps) return;
        N[sample] = block.N[k]!;
        mass[sample] = block.mass[k]!;
        t.push(step * dt);
        sample++;
      },
      onSnapshot: async (step) => {
        const n = await density();
        const frame = frameSteps.indexOf(step);
        if (frame >= 0 && frameT.length === frame) {
          frames.set(n, frame * ns);
          frameT.push(step * dt);
        }
        if (snapshotSteps.has(step)) {
          written.add(step);
          await hooks.onSnapshot?.({ t: step * dt, step, n });
        }
      },
      onProgress: hooks.onProgress,
      refusesBadSteps: true,
      startStep: from?.solver.step ?? 0,
      ...(checkpoint
        ? {
            checkpoint: {
              everySeconds: checkpoint.everySeconds,
              write: async () =>
                checkpoint.save({ solver: await solver.exportState(), host: { N, mass, t, sample, nonunique, firstNonunique, frames, frameT, written: [...written], wallSeconds: wallBefore + (performance.now() - segmentStart) / 1000 } }),
            },
          }
        : {}),
    });
    const wallSeconds = wallBefore + loop.wallSeconds;
    const state = await solver.readState();
    const n = await density();
    if (loop.stop && !written.has(loop.steps)) await hooks.onSnapshot?.({ t: loop.steps * dt, step: loop.steps, n });
    const status = STATUS_OF[state.status];
    const message = elapsedStopMessage(state.status, config.time.Nmax, { t: (state.taken + 1) * dt, step: state.taken + 1, keptT: state.taken * dt });
    const tt = t.slice(0, sample);
    const NN = N.subarray(0, sample);
    return {
      status,
      ...(message ? { message } : {}),
      steps: loop.steps,
      t: tt,
      N: NN,
      mass: mass.subarray(0, sample),
      frameT,
      frames: frames.subarray(0, frameT.length * ns),
      N_final: state.N,
      mass_initial: solver.initialMass,
      mass_final: state.mass,
      nonunique_steps: nonunique,
      t_first_nonunique: firstNonunique,
      t_blowup: status === 'blowup' ? (state.taken + 1) * dt : null,
      oscillation: measureOscillation(tt, NN),
      wallSeconds,
      stepsPerSecond: loop.steps / Math.max(wallSeconds, 1e-9),
      n,
    };
  } finally {
    solver.destroy();
  }
}
