/**
 * A whole NNLIF PDE run (one member, or a batch of members; each a network of K populations) on the shared
 * block driver (blockLoop.ts): N(t), the mass and R of every population of every member at every
 * `output.every` steps, snapshots of n(v), frames of n(v, t) of member 0 for the space-time figure, and each
 * member's stop (blow-up, non-finite) with its time.
 */
import type { NnlifRunConfig } from '../models/nnlif/config';
import { type NnlifGrid, type NnlifPopulation, nnlifGrid, nnlifInitialDensity } from '../models/nnlif/fokkerPlanck';
import { type BlockProgress, type RunCheckpointing, runBlocks, type Stop } from './blockLoop';
import type { GpuContext } from './gpu';
import { type NnlifBlock, type NnlifMemberState, type NnlifMemberStatus, type NnlifNetworkMember, type NnlifProblem, NnlifSolver } from './nnlifSolver';
import { nearestSteps } from '../models/timeGrid';

export type NnlifRunStatus = 'ok' | 'blowup' | 'nonfinite';

export interface NnlifRunHooks {
  onProgress?(p: BlockProgress): void;
  /** n(v) of every population of every member (M × K × nv) at a snapshot time */
  onSnapshot?(s: { t: number; step: number; n: Float32Array }): void | Promise<void>;
  onWarning?(message: string): void;
  /** keep checkpoints (and resume from one): see blockLoop.ts */
  checkpoint?: RunCheckpointing<NnlifRunHost>;
  /** keep the frames of n(v, t) of every member, not only member 0's (a sweep writes each member's figure) */
  everyMemberFrames?: boolean;
}

/** What an NNLIF run has accumulated on the host at a checkpoint. */
export interface NnlifRunHost {
  N: Float32Array[];
  mass: Float32Array[];
  R: Float32Array[];
  t: number[];
  sample: number;
  frames: Float32Array;
  frameT: number[];
  written: number[];
  lowWarned: boolean;
  warnings: string[];
  wallSeconds: number;
}

/** One population of one member at the end of a run. */
export interface NnlifPopulationResult {
  N_final: number;
  R_final: number;
  mass_initial: number;
  mass_final: number;
  /** N averaged over the last quarter of the member's kept steps */
  N_last_quarter: number;
}

export interface NnlifMemberResult {
  status: NnlifRunStatus;
  message?: string;
  /** the time of the step that would have exceeded Nmax (blowup), else null */
  t_blowup: number | null;
  /** steps taken: the kept state is at t = steps·dt */
  steps: number;
  populations: NnlifPopulationResult[];
}

export interface NnlifRunResult {
  /** a single run: its member's status; a batch: 'ok', or the status of the step at which every member had stopped */
  status: NnlifRunStatus;
  message?: string;
  grids: NnlifGrid[];
  members: NnlifMemberResult[];
  /** sample times (every output.every steps, and t = 0) */
  t: number[];
  /** at the sample times, per population of each member (entry m·K + α) */
  N: Float32Array[];
  mass: Float32Array[];
  R: Float32Array[];
  /**
   * frames of n(v, t) for the space-time figure: frameT[k], frames[((k·F + m)·K + α)·nv + i] with F = 1
   * (member 0) or, with everyMemberFrames, F = M
   */
  frameT: number[];
  frames: Float32Array;
  steps: number;
  wallSeconds: number;
  stepsPerSecond: number;
  warnings: string[];
  /** the final (or last good) n of every population of every member, M × K × nv */
  n: Float32Array;
}

/** At most this many frames of n(v, t) are kept for the space-time figure. */
export const NNLIF_FRAMES = 400;
/** Mass fraction in the lowest 2% of the v axis above which the run warns that vmin is too high. */
export const VMIN_PILEUP_THRESHOLD = 1e-6;

/** The fraction of the node values of one population's n (nv of them) in the lowest 2% of its v axis: above VMIN_PILEUP_THRESHOLD, vmin is too high. */
export function massNearVmin(n: ArrayLike<number>): number {
  const low = Math.max(1, Math.ceil(0.02 * n.length));
  let total = 0;
  let bottom = 0;
  for (let i = 0; i < n.length; i++) {
    total += n[i]!;
    if (i < low) bottom += n[i]!;
  }
  return total > 0 ? bottom / total : 0;
}

/** The steps at which a frame of n(v, t) is kept: at most NNLIF_FRAMES, evenly over the run's steps. */
export function nnlifFrameSteps(steps: number): number[] {
  const frameCount = Math.min(NNLIF_FRAMES, steps + 1);
  return Array.from({ length: frameCount }, (_, k) => Math.round((k * steps) / Math.max(1, frameCount - 1)));
}

/** The steps of the config's snapshot times (each rounded to a step, within the run). */
export function nnlifSnapshotSteps(config: NnlifRunConfig): Set<number> {
  const { dt, steps } = config.time;
  return new Set(nearestSteps(config.output.snapshots, dt, steps));
}

/**
 * The warning that a member's mass reaches vmin (its n, K × nv), for its first population with more than
 * VMIN_PILEUP_THRESHOLD of its mass in the lowest 2% of the v axis; `member` names it within a batch.
 */
export function vminWarning(config: NnlifRunConfig, n: Float32Array, member?: number): string | undefined {
  const nv = config.grid.nv;
  for (let alpha = 0; alpha < config.populations.length; alpha++) {
    const fraction = massNearVmin(n.subarray(alpha * nv, (alpha + 1) * nv));
    if (fraction > VMIN_PILEUP_THRESHOLD) {
      const pop = config.populations[alpha]!;
      return `mass reaches vmin: ${fraction.toExponential(2)} of ${member !== undefined ? `member ${member}'s ` : ''}population ${pop.name}'s mass lies in the lowest 2% of its v axis; lower its vmin (now ${pop.vmin.toPrecision(4)})`;
    }
  }
  return undefined;
}

/** The grid of each population. */
export function nnlifRunGrids(config: NnlifRunConfig): NnlifGrid[] {
  return config.populations.map((p) => nnlifGrid(config.grid.nv, p.vmin, p.VF, p.firing));
}

/** The member of a config: its couplings and its populations' a0, VR, τ. */
export function memberOf(config: NnlifRunConfig): NnlifNetworkMember {
  return { coupling: { b: config.coupling.b.map((r) => [...r]), a1: config.coupling.a1.map((r) => [...r]) }, populations: config.populations.map((p) => ({ a0: p.a0, VR: p.VR, tau: p.tau })) };
}

/** The GPU problem of a config and its members. */
export function nnlifProblemOf(config: NnlifRunConfig, members: NnlifNetworkMember[]): NnlifProblem {
  const grids = nnlifRunGrids(config);
  const populations: NnlifPopulation[] = config.populations.map((p, k) => ({ grid: grids[k]!, a0: p.a0, VR: p.VR, tau: p.tau }));
  return {
    populations,
    members,
    dt: config.time.dt,
    delaySteps: config.time.delaySteps,
    Nmax: config.time.Nmax,
    initial: config.populations.map((p, k) => nnlifInitialDensity(grids[k]!, p.initial.v0, p.initial.sv)),
  };
}

const STATUS_OF = { running: 'ok', blowup: 'blowup', nonfinite: 'nonfinite', norelation: 'blowup' } as const;

/**
 * Why a member stopped, for the user: the step refused at time `t` (step `step`), the state kept at `keptT`.
 * Shared by the CLI run and the viewer's live mode.
 */
export function nnlifStopMessage(status: NnlifMemberStatus, Nmax: number, where: { t: number; step: number; keptT: number }): string | undefined {
  const at = `t = ${where.t.toPrecision(6)} (step ${where.step})`;
  const kept = `kept the last good state, t = ${where.keptT.toPrecision(6)}`;
  if (status === 'blowup') return `N(t) exceeded time.Nmax = ${Nmax} at ${at}; ${kept}`;
  if (status === 'norelation') return `the flux relation N = a(N)·(−∂v n(VF)), a(N) = a0 + a1·N, has no positive solution at ${at} (the a1 > 0 blow-up of Carrillo–Perthame–Salort–Smets); ${kept}`;
  if (status === 'nonfinite') return `the step at ${at} gave a non-finite or negative N, or a(N) = a0 + a1·N ≤ 0; ${kept}`;
  return undefined;
}

function stopMessage(config: NnlifRunConfig, s: NnlifMemberState): string | undefined {
  const dt = config.time.dt;
  return nnlifStopMessage(s.status, config.time.Nmax, { t: (s.taken + 1) * dt, step: s.taken + 1, keptT: s.taken * dt });
}

/**
 * Runs `members` (default: the config's own) to T. Each member stops alone; the loop ends early only when
 * every member has stopped.
 */
export async function runNnlif(ctx: GpuContext, config: NnlifRunConfig, hooks: NnlifRunHooks = {}, members: NnlifNetworkMember[] = [memberOf(config)]): Promise<NnlifRunResult> {
  const problem = nnlifProblemOf(config, members);
  const grids = problem.populations.map((p) => p.grid);
  const { dt, steps, T } = config.time;
  const M = members.length;
  const K = grids.length;
  const Q = M * K;
  const nv = config.grid.nv;
  const solver = await NnlifSolver.create(ctx, problem);
  const from = hooks.checkpoint?.from;
  const warnings: string[] = from ? [...from.host.warnings] : [];
  const warn = (w: string) => {
    warnings.push(w);
    hooks.onWarning?.(w);
  };
  try {
    const every = config.output.every;
    const samples = Math.floor(steps / every) + 1 + (steps % every ? 1 : 0);
    const N = from ? from.host.N.map((x) => x.slice()) : Array.from({ length: Q }, () => new Float32Array(samples));
    const mass = from ? from.host.mass.map((x) => x.slice()) : Array.from({ length: Q }, () => new Float32Array(samples));
    const R = from ? from.host.R.map((x) => x.slice()) : Array.from({ length: Q }, () => new Float32Array(samples));
    const t: number[] = from ? [...from.host.t] : [0];
    if (!from) {
      for (let q = 0; q < Q; q++) {
        N[q]![0] = solver.initialN[q]!;
        mass[q]![0] = solver.initialMass[q]!;
      }
    }
    let sample = from?.host.sample ?? 1;
    const frameSteps = nnlifFrameSteps(steps);
    const frameCount = frameSteps.length;
    const F = hooks.everyMemberFrames ? M : 1;
    const frames = from ? from.host.frames.slice() : new Float32Array(frameCount * F * K * nv);
    const frameT: number[] = from ? [...from.host.frameT] : [];
    const snapshotSteps = nnlifSnapshotSteps(config);
    const written = new Set<number>(from?.host.written ?? []);
    let lowWarned = from?.host.lowWarned ?? false;
    if (from) {
      if (N.length !== Q || N[0]!.length !== samples || frames.length !== frameCount * F * K * nv) throw new Error('checkpoint: its histories do not fit this config (members, populations, samples or frames differ)');
      solver.importState(from.solver);
    }
    const wallBefore = from?.host.wallSeconds ?? 0;
    const segmentStart = performance.now();
    const checkpoint = hooks.checkpoint;
    const checkVmin = (n: Float32Array) => {
      if (lowWarned) return;
      for (let m = 0; m < n.length / (K * nv); m++) {
        const w = vminWarning(config, n.subarray(m * K * nv, (m + 1) * K * nv), M > 1 ? m : undefined);
        if (w) {
          lowWarned = true;
          warn(w);
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
        for (let m = 0; m < M; m++) if (block.status[k * Q + m * K] === 0) return undefined;
        const status = block.status[k * Q] === 2 ? 'nonfinite' : 'blowup';
        return { status, message: M === 1 ? '' : `every member stopped (${status} and others)` } satisfies Stop<'blowup' | 'nonfinite'>;
      },
      accept: (block, k, step) => {
        if (step % every !== 0 && step !== steps) return;
        for (let q = 0; q < Q; q++) {
          N[q]![sample] = block.N[k * Q + q]!;
          mass[q]![sample] = block.mass[k * Q + q]!;
          R[q]![sample] = block.R[k * Q + q]!;
        }
        t.push(step * dt);
        sample++;
      },
      onSnapshot: async (step) => {
        // A frame of the figure needs member 0 only (F = 1); a snapshot (and the vmin check with it) every member.
        const snapshot = snapshotSteps.has(step);
        const n = await solver.readDensity(snapshot ? M : F);
        const frame = frameSteps.indexOf(step);
        if (frame >= 0 && frameT.length === frame) {
          frames.set(n.subarray(0, F * K * nv), frame * F * K * nv);
          frameT.push(step * dt);
        }
        if (snapshot) {
          written.add(step);
          await hooks.onSnapshot?.({ t: step * dt, step, n });
          checkVmin(n);
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
                checkpoint.save({ solver: await solver.exportState(), host: { N, mass, R, t, sample, frames, frameT, written: [...written], lowWarned, warnings, wallSeconds: wallBefore + (performance.now() - segmentStart) / 1000 } }),
            },
          }
        : {}),
    });
    const wallSeconds = wallBefore + loop.wallSeconds;

    const states = await solver.readStates();
    const n = await solver.readDensity();
    checkVmin(n);
    // A run stopped early: its kept state is a snapshot, under its own time (once).
    if (loop.stop && !written.has(loop.steps)) await hooks.onSnapshot?.({ t: loop.steps * dt, step: loop.steps, n });
    const memberResults = Array.from({ length: M }, (_, m): NnlifMemberResult => {
      const s0 = states[m * K]!;
      const status = STATUS_OF[s0.status];
      const kept = s0.taken * dt;
      const populations = Array.from({ length: K }, (_, alpha): NnlifPopulationResult => {
        const q = m * K + alpha;
        const s = states[q]!;
        // N over the last quarter of the member's kept steps, from the samples.
        let sum = 0;
        let count = 0;
        for (let k = 0; k < sample; k++) {
          if (t[k]! >= 0.75 * kept && t[k]! <= kept + 1e-12) {
            sum += N[q]![k]!;
            count++;
          }
        }
        return { N_final: s.N, R_final: s.R, mass_initial: solver.initialMass[q]!, mass_final: s.mass, N_last_quarter: count ? sum / count : s.N };
      });
      return {
        status,
        ...(status !== 'ok' ? { message: stopMessage(config, s0) } : {}),
        t_blowup: s0.status === 'blowup' || s0.status === 'norelation' ? (s0.taken + 1) * dt : null,
        steps: s0.taken,
        populations,
      };
    });
    const first = memberResults[0]!;
    const status: NnlifRunStatus = M === 1 ? first.status : loop.stop ? loop.stop.status : 'ok';
    const message = M === 1 ? first.message : loop.stop?.message;
    return {
      status,
      ...(message ? { message } : {}),
      grids,
      members: memberResults,
      t,
      N: N.map((x) => x.subarray(0, sample)),
      mass: mass.map((x) => x.subarray(0, sample)),
      R: R.map((x) => x.subarray(0, sample)),
      frameT,
      frames: frames.subarray(0, frameT.length * F * K * nv),
      steps: loop.steps,
      wallSeconds,
      stepsPerSecond: loop.steps / Math.max(wallSeconds, 1e-9),
      warnings,
      n,
    };
  } finally {
    solver.destroy();
  }
}
