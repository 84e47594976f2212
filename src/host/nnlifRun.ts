/**
 * A whole NNLIF PDE run (one member, or a batch of members on one grid) on the shared block driver
 * (blockLoop.ts): N(t) and the mass of every member at every `output.every` steps, snapshots of n(v),
 * frames of n(v, t) for the space-time figure, and each member's stop (blow-up, non-finite) with its time.
 */
import type { NnlifRunConfig } from '../models/nnlif/config';
import { type NnlifGrid, type NnlifMember, nnlifGrid, nnlifInitialDensity } from '../models/nnlif/fokkerPlanck';
import { type BlockProgress, runBlocks, type Stop } from './blockLoop';
import type { GpuContext } from './gpu';
import { type NnlifBlock, type NnlifMemberState, NnlifSolver } from './nnlifSolver';

export type NnlifRunStatus = 'ok' | 'blowup' | 'nonfinite';

export interface NnlifRunHooks {
  onProgress?(p: BlockProgress): void;
  /** n(v) of every member (M × nv) at a snapshot time */
  onSnapshot?(s: { t: number; step: number; n: Float32Array }): void | Promise<void>;
  onWarning?(message: string): void;
}

export interface NnlifMemberResult {
  status: NnlifRunStatus;
  message?: string;
  /** the time of the step that would have exceeded Nmax (blowup), else null */
  t_blowup: number | null;
  /** steps taken: the kept state is at t = steps·dt */
  steps: number;
  N_final: number;
  R_final: number;
  mass_initial: number;
  mass_final: number;
  /** N averaged over the last quarter of the run's kept steps */
  N_last_quarter: number;
}

export interface NnlifRunResult {
  /** 'ok' when every member ran to T; else the status of member 0 for a single run, 'blowup' or 'nonfinite' if every member stopped */
  status: NnlifRunStatus;
  message?: string;
  grid: NnlifGrid;
  members: NnlifMemberResult[];
  /** sample times (every output.every steps, and t = 0) */
  t: number[];
  /** N at the sample times, member-major: N[m][k] */
  N: Float32Array[];
  mass: Float32Array[];
  /** the refractory mass R at the sample times */
  R: Float32Array[];
  /** frames of n(v, t) of member 0 for the space-time figure: frameT[k], frames[k·nv + i] */
  frameT: number[];
  frames: Float32Array;
  steps: number;
  wallSeconds: number;
  stepsPerSecond: number;
  warnings: string[];
  /** the final (or last good) n of every member, M × nv */
  n: Float32Array;
}

/** At most this many frames of n(v, t) are kept for the space-time figure. */
export const NNLIF_FRAMES = 400;
/** Mass fraction in the lowest 2% of the v axis above which the run warns that vmin is too high. */
export const VMIN_PILEUP_THRESHOLD = 1e-6;

export function nnlifRunGrid(config: NnlifRunConfig): NnlifGrid {
  return nnlifGrid(config.grid.nv, config.nnlif.vmin, config.nnlif.VF, config.nnlif.firing);
}

/** The member of a config: its kernel parameters. */
export function memberOf(config: NnlifRunConfig): NnlifMember {
  const n = config.nnlif;
  return { b: n.b, a0: n.a0, a1: n.a1, VR: n.VR, tau: n.tau };
}

const STATUS_OF = { running: 'ok', blowup: 'blowup', nonfinite: 'nonfinite' } as const;

function stopMessage(config: NnlifRunConfig, s: NnlifMemberState): string | undefined {
  const dt = config.time.dt;
  const at = `t = ${((s.taken + 1) * dt).toPrecision(6)} (step ${s.taken + 1})`;
  const kept = `kept the last good state, t = ${(s.taken * dt).toPrecision(6)}`;
  if (s.status === 'blowup') return `N(t) exceeded time.Nmax = ${config.time.Nmax} at ${at}; ${kept}`;
  if (s.status === 'nonfinite') return `the step at ${at} gave a non-finite or negative N, or a(N) = a0 + a1·N ≤ 0; ${kept}`;
  return undefined;
}

/**
 * Runs `members` (default: the config's own) to T. Each member stops alone; the loop ends early only when
 * every member has stopped.
 */
export async function runNnlif(ctx: GpuContext, config: NnlifRunConfig, hooks: NnlifRunHooks = {}, members: NnlifMember[] = [memberOf(config)]): Promise<NnlifRunResult> {
  const grid = nnlifRunGrid(config);
  const { dt, steps, T } = config.time;
  const M = members.length;
  const nv = grid.nv;
  const initial = nnlifInitialDensity(grid, config.initial.v0, config.initial.sv);
  const solver = await NnlifSolver.create(ctx, { grid, members, dt, delaySteps: config.time.delaySteps, Nmax: config.time.Nmax, initial });
  const warnings: string[] = [];
  const warn = (w: string) => {
    warnings.push(w);
    hooks.onWarning?.(w);
  };
  try {
    const every = config.output.every;
    const samples = Math.floor(steps / every) + 1 + (steps % every ? 1 : 0);
    const N = Array.from({ length: M }, () => new Float32Array(samples));
    const mass = Array.from({ length: M }, () => new Float32Array(samples));
    const R = Array.from({ length: M }, () => new Float32Array(samples));
    const t: number[] = [0];
    for (let m = 0; m < M; m++) {
      N[m]![0] = solver.initialN[m]!;
      mass[m]![0] = solver.initialMass[m]!;
    }
    let sample = 1;
    const frameCount = Math.min(NNLIF_FRAMES, steps + 1);
    const frameSteps = Array.from({ length: frameCount }, (_, k) => Math.round((k * steps) / Math.max(1, frameCount - 1)));
    const frames = new Float32Array(frameCount * nv);
    const frameT: number[] = [];
    const snapshotSteps = new Set(config.output.snapshots.map((s) => Math.min(steps, Math.max(0, Math.round(s / dt)))));
    const written = new Set<number>();
    let lowWarned = false;
    const checkVmin = (n: Float32Array) => {
      if (lowWarned) return;
      const low = Math.max(1, Math.ceil(0.02 * nv));
      for (let m = 0; m < M; m++) {
        let total = 0;
        let bottom = 0;
        for (let i = 0; i < nv; i++) {
          total += n[m * nv + i]!;
          if (i < low) bottom += n[m * nv + i]!;
        }
        if (total > 0 && bottom / total > VMIN_PILEUP_THRESHOLD) {
          lowWarned = true;
          warn(`mass reaches vmin: ${(bottom / total).toExponential(2)} of member ${m}'s mass lies in the lowest 2% of the v axis; lower nnlif.vmin (now ${grid.vmin.toPrecision(4)})`);
          return;
        }
      }
    };

    const loop = await runBlocks<NnlifBlock, Exclude<NnlifRunStatus, 'ok'>>(solver, {
      steps,
      dt,
      T,
      capacity: solver.capacity,
      snapshotSteps: [...new Set([...frameSteps, ...snapshotSteps])].sort((x, y) => x - y),
      judge: (block, k) => {
        for (let m = 0; m < M; m++) if (block.status[k * M + m] === 0) return undefined;
        const status = block.status[k * M] === 1 ? 'blowup' : 'nonfinite';
        return { status, message: M === 1 ? '' : `every member stopped (${status} and others)` } satisfies Stop<'blowup' | 'nonfinite'>;
      },
      accept: (block, k, step) => {
        if (step % every !== 0 && step !== steps) return;
        for (let m = 0; m < M; m++) {
          N[m]![sample] = block.N[k * M + m]!;
          mass[m]![sample] = block.mass[k * M + m]!;
          R[m]![sample] = block.R[k * M + m]!;
        }
        t.push(step * dt);
        sample++;
      },
      onSnapshot: async (step) => {
        const n = await solver.readDensity();
        const frame = frameSteps.indexOf(step);
        if (frame >= 0 && frameT.length === frame) {
          frames.set(n.subarray(0, nv), frame * nv);
          frameT.push(step * dt);
        }
        if (snapshotSteps.has(step)) {
          written.add(step);
          await hooks.onSnapshot?.({ t: step * dt, step, n });
        }
        checkVmin(n);
      },
      onProgress: hooks.onProgress,
      refusesBadSteps: true,
    });

    const states = await solver.readStates();
    const n = await solver.readDensity();
    checkVmin(n);
    // A run stopped early: its kept state is a snapshot, under its own time (once).
    if (loop.stop && !written.has(loop.steps)) await hooks.onSnapshot?.({ t: loop.steps * dt, step: loop.steps, n });
    const memberResults = states.map((s, m): NnlifMemberResult => {
      const status = STATUS_OF[s.status];
      // N over the last quarter of the member's kept steps, from the samples.
      const kept = s.taken * dt;
      let sum = 0;
      let count = 0;
      for (let k = 0; k < sample; k++) {
        if (t[k]! >= 0.75 * kept && t[k]! <= kept + 1e-12) {
          sum += N[m]![k]!;
          count++;
        }
      }
      return {
        status,
        ...(status !== 'ok' ? { message: stopMessage(config, s) } : {}),
        t_blowup: s.status === 'blowup' ? (s.taken + 1) * dt : null,
        steps: s.taken,
        N_final: s.N,
        R_final: s.R,
        mass_initial: solver.initialMass[m]!,
        mass_final: s.mass,
        N_last_quarter: count ? sum / count : s.N,
      };
    });
    const first = memberResults[0]!;
    const status: NnlifRunStatus = M === 1 ? first.status : loop.stop ? loop.stop.status : 'ok';
    return {
      status,
      ...(M === 1 && first.message ? { message: first.message } : loop.stop && M > 1 ? { message: loop.stop.message } : {}),
      grid,
      members: memberResults,
      t,
      N: N.map((x) => x.subarray(0, sample)),
      mass: mass.map((x) => x.subarray(0, sample)),
      R: R.map((x) => x.subarray(0, sample)),
      frameT,
      frames: frames.subarray(0, frameT.length * nv),
      steps: loop.steps,
      wallSeconds: loop.wallSeconds,
      stepsPerSecond: loop.steps / Math.max(loop.wallSeconds, 1e-9),
      warnings,
      n,
    };
  } finally {
    solver.destroy();
  }
}
