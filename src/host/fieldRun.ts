/**
 * A whole run of the Wilson–Cowan field on the shared block driver (blockLoop.ts): the activity rows (mean, max and,
 * for the ring and the plane, the dominant mode of the spectrum of N with its wavenumber and amplitude) every
 * `output.every` steps and at the last, snapshots of N, and frames of the ring's N(x, t) for its space-time figure.
 * A checkpoint holds the solver's N and step counter (FieldSolver.exportState; the counter keys the noise's
 * Philox draws) and the rows and frames so far: a resumed run is bitwise the uninterrupted one.
 */
import { type FieldArrays, type FieldRunConfig, cellsOf } from '../models/field/config';
import { signedFrequency } from '../models/field/kernels';
import { FIELD_PERTURBATION_STREAM, type FieldProblem, initialField } from '../models/field/problem';
import { blockCheckpoint, type BlockProgress, type RunCheckpointing, runBlocks } from './blockLoop';
import { type FieldBlock, FieldSolver } from './fieldSolver';
import type { GpuContext } from './gpu';
import { RandomGenerator } from './random';
import { nearestSteps } from '../models/timeGrid';

export type FieldRunStatus = 'ok' | 'blowup' | 'nonfinite';

export interface FieldRunHooks {
  onProgress?(p: BlockProgress): void;
  onSnapshot?(s: { t: number; step: number; N: Float32Array }): void | Promise<void>;
  /** keep checkpoints (and resume from one): see blockLoop.ts */
  checkpoint?: RunCheckpointing<FieldRunHost>;
}

/** What a field run has accumulated on the host at a checkpoint. */
export interface FieldRunHost {
  activity: FieldActivity;
  frames: Float32Array;
  frameT: number[];
  written: number[];
  wallSeconds: number;
}

export interface FieldActivity {
  t: number[];
  mean: number[];
  max: number[];
  /** |k| of the dominant mode ≠ 0 of N's spectrum (NaN for a network) */
  kDominant: number[];
  /** its signed mode numbers (mx, my): k = 2π(mx, my)/L, in the half plane my > 0 or (my = 0, mx > 0) */
  mode: [number, number][];
  /** the amplitude A of the mode's cosine A·cos(k·x + φ) in N: 2|N̂(m)|/points (|N̂(m)|/points at a Nyquist mode) */
  amplitude: number[];
}

export interface FieldRunResult {
  status: FieldRunStatus;
  message?: string;
  steps: number;
  activity: FieldActivity;
  /** ring: frames of N(x, t), frameT[k], frames[k·n + i] */
  frameT: number[];
  frames: Float32Array;
  /** N at the end (the last good state) */
  N: Float32Array;
  /** the initial field as uploaded */
  initial: Float32Array;
  wallSeconds: number;
  stepsPerSecond: number;
  fftShared?: boolean;
}

/** Ring frames kept for the space-time figure (rings of at most this many points). */
export const FIELD_FRAMES = 400;
export const FIELD_FRAME_MAX_POINTS = 8192;

/** The initial field on the GPU's terms: the perturbation's uniforms drawn by the GPU's Philox (random.ts). */
export async function fieldInitialData(ctx: GpuContext, problem: FieldProblem, arrays: FieldArrays): Promise<Float32Array> {
  const i = problem.config.initial;
  let uniforms: Float32Array | undefined;
  if (i.kind !== 'npy' && i.perturbation > 0) {
    const rng = await RandomGenerator.create(ctx, 64);
    uniforms = await rng.generate({ seed: i.seed, step: 0, stream: FIELD_PERTURBATION_STREAM, count: problem.cells, perNeuron: 1, kind: 'uniform' });
  }
  return Float32Array.from(initialField(problem, arrays, uniforms));
}

/** Decodes a spectrum index of the solver (ring: j; plane: the transposed layout kx·n + ky). */
export function modeOfIndex(index: number, n: number, dim: 1 | 2): [number, number] {
  let mx = signedFrequency(dim === 2 ? Math.floor(index / n) : index, n);
  let my = dim === 2 ? signedFrequency(index % n, n) : 0;
  if (my < 0 || (my === 0 && mx < 0)) [mx, my] = [-mx, -my];
  return [mx, my];
}

/**
 * The dominant mode of a step's spectrum (the solver's index ≥ 0, ring or plane): its mode numbers, |k| and the
 * amplitude A of its cosine A·cos(k·x + φ) in N, 2|N̂(m)|/points (|N̂(m)|/points at a Nyquist mode).
 */
export function dominantMode(spec: FieldBlock['spectrum'][number], c: Pick<FieldRunConfig, 'n' | 'L' | 'dim'>): { mode: [number, number]; k: number; amplitude: number } {
  const mode = modeOfIndex(spec.index, c.n, c.dim as 1 | 2);
  const nyquist = mode.every((m) => m === 0 || Math.abs(m) === c.n / 2);
  return { mode, k: ((2 * Math.PI) / c.L) * Math.hypot(mode[0], mode[1]), amplitude: ((nyquist ? 1 : 2) * Math.sqrt(spec.power)) / cellsOf(c) };
}

/** Why step `step` (entry k of the block, at time t) must not be kept: a non-finite N, or max |N| above Nmax (the CLI and the live viewer). */
export function judgeFieldStep(block: FieldBlock, k: number, step: number, t: number, Nmax: number): { status: Exclude<FieldRunStatus, 'ok'>; message: string } | undefined {
  if (block.bad[k]) return { status: 'nonfinite', message: `N was not finite after step ${step} (t = ${t.toPrecision(6)}); kept the last good state` };
  if (block.maxAbs[k]! > Nmax) return { status: 'blowup', message: `max |N| = ${block.maxAbs[k]} exceeded time.Nmax = ${Nmax} after step ${step} (t = ${t.toPrecision(6)}); kept the last good state` };
  return undefined;
}

export async function runField(ctx: GpuContext, problem: FieldProblem, arrays: FieldArrays, hooks: FieldRunHooks = {}, initialData?: Float32Array): Promise<FieldRunResult> {
  const c = problem.config;
  const { dt, steps, T, Nmax } = c.time;
  const every = c.output.every;
  const isRow = (s: number) => s % every === 0 || s === steps;
  const initial = initialData ?? (await fieldInitialData(ctx, problem, arrays));
  const solver = await FieldSolver.create(ctx, problem, initial, { spectrumAt: isRow });
  try {
    const from = hooks.checkpoint?.from;
    const activity: FieldActivity = from ? structuredClone(from.host.activity) : { t: [], mean: [], max: [], kDominant: [], mode: [], amplitude: [] };
    const cells = cellsOf(c);
    const row = (t: number, mean: number, max: number, spec: FieldBlock['spectrum'][number] | undefined) => {
      activity.t.push(t);
      activity.mean.push(mean);
      activity.max.push(max);
      if (!spec || spec.index < 0 || c.dim === 0) {
        activity.kDominant.push(Number.NaN);
        activity.mode.push([0, 0]);
        activity.amplitude.push(Number.NaN);
        return;
      }
      const { mode, k, amplitude } = dominantMode(spec, c);
      activity.kDominant.push(k);
      activity.mode.push(mode);
      activity.amplitude.push(amplitude);
    };
    if (!from) {
      // row 0: the initial data, its spectrum computed here in f64 would differ from the GPU's; the GPU's mean and max only
      let sum = 0;
      let max = -Infinity;
      for (const v of initial) {
        sum += v;
        max = Math.max(max, v);
      }
      row(0, sum / cells, max, undefined);
    }

    const ring = c.dim === 1 && c.n <= FIELD_FRAME_MAX_POINTS;
    const frameCount = ring ? Math.min(FIELD_FRAMES, steps + 1) : 0;
    const frameSteps = Array.from({ length: frameCount }, (_, k) => Math.round((k * steps) / Math.max(1, frameCount - 1)));
    const frames = from ? from.host.frames.slice() : new Float32Array(frameCount * (ring ? c.n : 0));
    const frameT: number[] = from ? [...from.host.frameT] : [];
    const snapshotSteps = new Set(nearestSteps(c.output.snapshots, dt, steps));
    const written = new Set<number>(from?.host.written ?? []);
    if (from) {
      if (frames.length !== frameCount * (ring ? c.n : 0)) throw new Error('checkpoint: its frames do not fit this config (grid or steps differ)');
      solver.importState(from.solver);
    }
    const wallBefore = from?.host.wallSeconds ?? 0;
    const segmentStart = performance.now();
    const loop = await runBlocks<FieldBlock, Exclude<FieldRunStatus, 'ok'>>(solver, {
      steps,
      dt,
      T,
      capacity: solver.capacity,
      snapshotSteps: [...new Set([...frameSteps, ...snapshotSteps])].sort((x, y) => x - y),
      judge: (block, k, step) => judgeFieldStep(block, k, step, step * dt, Nmax),
      accept: (block, k, step) => {
        if (isRow(step)) row(step * dt, block.mean[k]!, block.max[k]!, block.spectrum[k]);
      },
      onSnapshot: async (step) => {
        const N = await solver.readField();
        const frame = frameSteps.indexOf(step);
        if (frame >= 0 && frameT.length === frame) {
          frames.set(N, frame * c.n);
          frameT.push(step * dt);
        }
        if (snapshotSteps.has(step)) {
          written.add(step);
          await hooks.onSnapshot?.({ t: step * dt, step, N });
        }
      },
      onProgress: hooks.onProgress,
      startStep: from?.solver.step ?? 0,
      ...blockCheckpoint(hooks.checkpoint, solver, () => ({ activity, frames, frameT, written: [...written], wallSeconds: wallBefore + (performance.now() - segmentStart) / 1000 })),
    });
    const wallSeconds = wallBefore + loop.wallSeconds;
    const N = await solver.readField();
    if (loop.stop && !written.has(loop.steps)) await hooks.onSnapshot?.({ t: loop.steps * dt, step: loop.steps, N });
    return {
      status: loop.stop?.status ?? 'ok',
      ...(loop.stop ? { message: loop.stop.message } : {}),
      steps: loop.steps,
      activity,
      frameT,
      frames: frames.subarray(0, frameT.length * (ring ? c.n : 0)),
      N,
      initial,
      wallSeconds,
      stepsPerSecond: loop.steps / Math.max(wallSeconds, 1e-9),
      fftShared: solver.fftShared,
    };
  } finally {
    solver.destroy();
  }
}
