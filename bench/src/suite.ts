/**
 * The benchmark cases, runtime-agnostic (Node with Dawn, or a browser page): the copy kernel, the
 * kinetic step (`vc`, `vc-limit`) over grid sizes, the step's kernels and the reductions alone, the
 * particle systems (`vc`, `nnlif`) over counts, the NNLIF PDE over batches, the elapsed-time model over
 * age cells, the single-neuron ensembles over counts and the Wilson–Cowan plane over grids. Sizes grow from the smallest to the largest that fits
 * the adapter's limits, and stop early, with the reason recorded, where one step would take longer than
 * `maxStepSeconds` (predicted from the size before: on a CPU adapter the largest sizes would take hours).
 */
import type { GpuContext } from '../../src/host/gpu';
import { conductanceChunks, type KernelName, KineticSolver, stepStagesOf } from '../../src/host/kineticSolver';
import { ElapsedSolver } from '../../src/host/elapsedSolver';
import { type NnlifProblem, NnlifSolver, singlePopulationProblem } from '../../src/host/nnlifSolver';
import { DISPATCH_NEURON_STEPS, NeuronEnsemble } from '../../src/host/neuronEnsemble';
import { ParticleSystem } from '../../src/host/particleSystem';
import type { NeuronsRunConfig } from '../../src/models/neurons/config';
import { NEURON_MODEL_SPECS, type NeuronModelName } from '../../src/models/neurons/models';
import { runNeuronsReference } from '../../src/models/neurons/reference';
import { NnlifNetworkReference, nnlifGrid, nnlifInitialDensity } from '../../src/models/nnlif/fokkerPlanck';
import { resolveConfig, resolveParticleConfig } from '../../src/models/config';
import type { ElapsedRunConfig } from '../../src/models/elapsed/config';
import { ElapsedReference } from '../../src/models/elapsed/scheme';
import { resolveElapsedRunConfig, resolveNeuronsRunConfig } from '../../src/models/registry';
import { gridOf } from '../../src/models/discretization';
import { copyBytes, elapsedStepBytes, kernelBytes, type KineticModel, kineticStepBytes, neuronsDispatchBytesPerNeuron, neuronsStepBytes, nnlifStepBytes, type ParticleBenchModel, particleStepBytes } from './bytes';
import { createCopyKernel } from './copyKernel';
import { benchField, type FieldBenchCase } from './fieldBench';
import { type AdaptiveOptions, GpuTimer, type Measured, measureAdaptive, type TimingMethod } from './timing';

export interface SuiteOptions {
  quick: boolean;
  /** NNLIF PDE sizes (members × nodes); default 1×256 … 4096×1024 */
  nnlifSizes?: [number, number][];
  /** age cells of the elapsed-time model; default 256, 1024 (quick) or ELAPSED_BENCH_SIZES */
  elapsedSizes?: number[];
  /** ensemble sizes of `kinfire neurons`; default 10⁴, 10⁵ (quick) or NEURONS_BENCH_COUNTS */
  neuronCounts?: number[];
  /** use timestamp queries where the device has them (default true) */
  timestamps: boolean;
  /** time one measured repetition should take, s */
  target_s: number;
  reps: number;
  /** stop growing a sweep where one step (one copy) is predicted to take longer than this, s */
  maxStepSeconds: number;
  kineticSides: number[];
  /** grid sides at which the step's kernels and the reductions are also timed alone */
  kernelSides: number[];
  particleCounts: number[];
  copySizes: number[];
  /** column chunks P of the g-solve (default: the solver's choice for the grid and adapter) */
  conductanceChunks?: number;
  log: (line: string) => void;
}

export interface CopyCase {
  bytes: number;
  seconds: number;
  GBps: number;
  method: TimingMethod;
  runs: number;
}

/** The timing of a stepping case (kinetic or particles): time per step, bytes moved, roofline share. */
export interface StepTiming {
  seconds_per_step: number;
  wall_seconds_per_step: number;
  dispatches_per_step: number;
  bytes_per_step: number;
  GBps: number;
  roofline_fraction: number;
  method: TimingMethod;
  steps: number;
  reps: number;
  timestamp_note?: string;
}

export interface KineticCase extends StepTiming {
  model: KineticModel;
  nv: number;
  ng: number;
  cells: number;
  cell_updates_per_s: number;
  /** column chunks P of the g-solve */
  conductance_chunks: number;
}

export interface KernelCase {
  kernel: KernelName | 'gStep';
  what: string;
  nv: number;
  ng: number;
  /** column chunks P of the g-solve the kernel ran with */
  chunks: number;
  seconds: number;
  bytes: number;
  GBps: number;
  roofline_fraction: number;
  /** share of the measured vc step at this grid */
  step_share: number;
  method: TimingMethod;
  runs: number;
}

/** The NNLIF Fokker–Planck step (nnlifStep.wgsl) for `members` members of `nv` nodes. */
export interface NnlifPdeCase extends StepTiming {
  members: number;
  nv: number;
  node_updates_per_s: number;
  /** the f64 CPU twin (fokkerPlanck.ts) on the same size, per step (one member timed, times the members); omitted where too slow */
  cpu_reference_seconds_per_step?: number;
}

/** The elapsed-time model's step (elapsedStep.wgsl, one workgroup of 256) on `ns` age cells, with one coupling kernel. */
export interface ElapsedCase extends StepTiming {
  /** instant: the boundary relation N = G(N) solved in every step (sigmoid: a reduction per evaluation, the scan four points a reduction, then Illinois); delay: X from the past, one evaluation */
  kernel: ElapsedBenchKernel;
  ns: number;
  cell_updates_per_s: number;
  /** the f64 CPU twin (scheme.ts) on the same config, per step; omitted where too slow */
  cpu_reference_seconds_per_step?: number;
}

export type ElapsedBenchKernel = 'instant' | 'delay';

/** An ensemble of `kinfire neurons` (neuronsStep.wgsl, one invocation a neuron), uncoupled or coupled through N(t). */
export interface NeuronsCase extends StepTiming {
  model: NeuronModelName;
  coupled: boolean;
  count: number;
  neuron_steps_per_s: number;
  /** steps one dispatch takes (uncoupled: the state stays in registers over them) */
  steps_per_dispatch: number;
  /** the neuron-steps/s a step would reach if it moved the state and counters through memory every step at the copy bandwidth */
  memory_bound_neuron_steps_per_s: number;
  /** the f64 twin (runNeuronsReference, the same step) in neuron-steps/s */
  cpu_reference_neuron_steps_per_s?: number;
}

export interface ParticleCase extends StepTiming {
  model: ParticleBenchModel;
  count: number;
  neuron_steps_per_s: number;
}

/** The StepTiming of a measurement `m` of steps that move `bytes` each, in `dispatches` dispatches. */
function stepTiming(m: Measured, bytes: number, dispatches: number, fraction: (bytes: number, seconds: number) => number): StepTiming {
  return {
    seconds_per_step: m.seconds,
    wall_seconds_per_step: m.wall_seconds,
    dispatches_per_step: dispatches,
    bytes_per_step: bytes,
    GBps: bytes / m.seconds / 1e9,
    roofline_fraction: fraction(bytes, m.seconds),
    method: m.method,
    steps: m.units,
    reps: m.reps,
    ...(m.timestamp_note ? { timestamp_note: m.timestamp_note } : {}),
  };
}

export interface SweepLimit {
  /** the largest size the adapter's limits allow (grid side, neuron count, bytes) */
  largest_fitting: number;
  largest_measured: number;
  /** why the sweep stopped before the largest that fits, if it did */
  stopped?: string;
}

export interface SuiteResults {
  timing: { method: TimingMethod; note: string };
  roofline: { GBps: number; bytes: number; what: string };
  copy: CopyCase[];
  kinetic: KineticCase[];
  kernels: KernelCase[];
  particles: ParticleCase[];
  nnlif_pde?: NnlifPdeCase[];
  elapsed?: ElapsedCase[];
  neurons?: NeuronsCase[];
  /** the Wilson–Cowan plane: the ETDRK4 step and the forward 2D FFT (fieldBench.ts) */
  field?: FieldBenchCase[];
  field_stopped?: string;
  sweeps: { copy: SweepLimit; kinetic: Record<KineticModel, SweepLimit>; particles: Record<ParticleBenchModel, SweepLimit> };
}

export const KERNEL_WHAT: Record<KernelName | 'gStep', string> = {
  rowFirstHalf: 'row half F(dt/2)T(dt/2): firing, v-transport, N* row sums',
  rowSecondHalf: 'row half T(dt/2)F(dt/2), N(t,g) and m(g) row sums',
  conductanceFactor: 'g-step: N* reduction, Geq, tridiagonal factorization by a workgroup scan (1 workgroup)',
  conductanceSolve: 'g-step: batched tridiagonal solve, one invocation per column and chunk',
  conductanceProject: 'vc-limit: projection on the g-equilibrium',
  recordDiagnostics: 'reduction N(t), mass: over the ng row sums',
  stateRowStats: 'reduction N(t,g) and m(g) of the state (row sums)',
  voltageMarginal: 'reduction n(v) = ∫p dg (column sums)',
  gStep: 'g-step: factorization + batched solve',
};

/** The NNLIF PDE sizes of a full run: members × nodes, from one member to a batch of 4096. */
export const NNLIF_BENCH_SIZES: [number, number][] = [[1, 256], [1, 1024], [64, 256], [64, 1024], [1024, 256], [1024, 1024], [4096, 256], [4096, 1024]];

/** A batch of `members` members over b ∈ [−1, 1] (none blows up) on `nv` nodes. */
export function nnlifBenchProblem(members: number, nv: number): NnlifProblem {
  const grid = nnlifGrid(nv, -5, 2);
  const list = Array.from({ length: members }, (_, m) => ({ b: members === 1 ? 0.5 : -1 + (2 * m) / (members - 1), a0: 1, a1: 0, VR: 1, tau: 0 }));
  return singlePopulationProblem(grid, list, 1e-3, 0, 1e6, nnlifInitialDensity(grid, 0.5, 0.3));
}

/** The elapsed-time model's age cells of a full run: 256 · 4^k up to 2^20 (a sweep stops at the step-time cap). */
export const ELAPSED_BENCH_SIZES = [256, 1024, 4096, 16384, 65536, 262144, 1048576];

/**
 * The bench's elapsed-time model on `ns` cells of [0, 8]: inhibitory (b = −0.5, so the instant kernel's
 * boundary relation has one root, closed by Illinois), the sigmoid firing rate φ0 = 10, w = 0.1 around
 * s* = 1/(1 + X) (every cell fires a fraction: the bytes of elapsedStepBytes exactly), from the default
 * Gaussian of ages; the delay kernel with d = 0.5, a whole number of steps dt = 8/ns for ns ≥ 16.
 */
export function elapsedBenchConfig(kernel: ElapsedBenchKernel, ns: number): ElapsedRunConfig {
  const dt = 8 / ns;
  return resolveElapsedRunConfig({
    model: 'elapsed',
    elapsed: { b: -0.5, kernel, ...(kernel === 'delay' ? { d: 0.5 } : {}), firing: 'sigmoid', phi0: 10, w: 0.1, s0: 1, k: 1 },
    grid: { ns },
    time: { T: dt, dt },
    output: { snapshots: [] },
  });
}

/** Seconds per step of the elapsed model's f64 twin on `config`, over about 0.2 s (at least 2 steps). */
function cpuElapsedSecondsPerStep(config: ElapsedRunConfig): number {
  const ref = ElapsedReference.of(config);
  ref.advance(); // warm-up (JIT)
  let steps = 0;
  const t0 = performance.now();
  while (steps < 2 || performance.now() - t0 < 200) {
    ref.advance();
    steps++;
  }
  return (performance.now() - t0) / 1000 / steps;
}

/** Seconds per step of the f64 twin for one member of the problem (its first), over about 0.2 s. */
function cpuNnlifSecondsPerStep(problem: NnlifProblem): number {
  const member = problem.members[0]!;
  const ref = new NnlifNetworkReference(
    problem.populations.map((p, a) => ({ ...p, ...member.populations[a]! })),
    member.coupling,
    problem.dt,
    problem.delaySteps,
    problem.initial.map((x) => Float64Array.from(x)),
  );
  let steps = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < 200) {
    for (let k = 0; k < 10; k++) ref.advance();
    steps += 10;
  }
  return (performance.now() - t0) / 1000 / steps;
}

/** Ensemble sizes of a full run: 10⁴ · 10^k up to NEURONS_MAX (a sweep stops at the step-time cap). */
export const NEURONS_BENCH_COUNTS = [1e4, 1e5, 1e6, 1e7];
/** The models benched (ML class I has class II's cost), and HH coupled through N(t) (one dispatch a step). */
export const NEURONS_BENCH_CASES: { model: NeuronModelName; coupled: boolean }[] = [
  { model: 'hh', coupled: false },
  { model: 'fhn', coupled: false },
  { model: 'ml-class2', coupled: false },
  { model: 'ms', coupled: false },
  { model: 'hh', coupled: true },
];
/** A bias current spread over the neurons that takes each model from rest through its onset of firing. */
const NEURONS_BENCH_CURRENT: Record<NeuronModelName, { from: number; to: number }> = {
  hh: { from: 0, to: 20 },
  fhn: { from: 0, to: 1 },
  'ml-class1': { from: 30, to: 60 },
  'ml-class2': { from: 80, to: 110 },
  ms: { from: 0, to: 0.05 },
};

/** The bench's ensemble: `count` neurons with the current swept over NEURONS_BENCH_CURRENT, RK4, no traces; J = 1 when coupled. */
export function neuronsBenchConfig(model: NeuronModelName, count: number, coupled: boolean, steps = 1000): NeuronsRunConfig {
  const dt = model === 'fhn' ? 0.05 : model === 'ms' ? 0.05 : 0.01;
  return resolveNeuronsRunConfig({ model: 'neurons', neurons: { model, count, I: NEURONS_BENCH_CURRENT[model], T: steps * dt, dt, traces: [], ...(coupled ? { J: 1 } : {}) } });
}

/** Neuron-steps/s of the f64 twin on the bench's ensemble (count 256), over about 0.2 s. */
function cpuNeuronsStepsPerSecond(model: NeuronModelName, coupled: boolean): number {
  const count = 256;
  runNeuronsReference(neuronsBenchConfig(model, count, coupled, 10)); // warm-up (JIT)
  for (let steps = 50; ; steps *= 2) {
    const t0 = performance.now();
    runNeuronsReference(neuronsBenchConfig(model, count, coupled, steps));
    const s = (performance.now() - t0) / 1000;
    if (s > 0.2 || steps >= 1 << 16) return (count * steps) / s;
  }
}

/** Defaults of the two modes. */
export function defaultSuiteOptions(quick: boolean, log: (line: string) => void = () => {}): SuiteOptions {
  // quick: the sizes are listed and small; the step-time cap only guards them (2 s: a loaded 2-core CI machine
  // once predicted 0.52 s for 256² from 128² and skipped it, and with it the kernels timed at 256²)
  return quick
    ? { quick, timestamps: true, target_s: 0.2, reps: 1, maxStepSeconds: 2, kineticSides: [128, 256], kernelSides: [256], particleCounts: [1e4, 1e5], copySizes: [2 ** 16, 2 ** 18, 2 ** 20, 2 ** 22, 2 ** 24], log }
    : {
        quick,
        timestamps: true,
        target_s: 0.5,
        reps: 3,
        maxStepSeconds: 6,
        kineticSides: [],
        kernelSides: [512, 2048],
        particleCounts: [],
        copySizes: [],
        log,
      };
}

const maxBindingBytes = (limits: GPUSupportedLimits): number => Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);

/** Grid sides 128·2^k that fit one state buffer in one binding, and the largest square that fits. */
export function kineticSidesThatFit(limits: GPUSupportedLimits): { sides: number[]; largest: number } {
  const maxCells = Math.floor(maxBindingBytes(limits) / 4);
  const largest = Math.min(Math.floor(Math.sqrt(maxCells)), limits.maxComputeWorkgroupsPerDimension);
  const sides: number[] = [];
  for (let s = 128; s <= largest; s *= 2) sides.push(s);
  const top = Math.floor(largest / 64) * 64;
  if (top > sides[sides.length - 1]) sides.push(top);
  return { sides, largest };
}

/**
 * Neuron counts 1e4, 3e4, 1e5, … up to 2³² − 1 (the neuron index is a u32). A population larger than a
 * binding is split into state slices, so the device's memory is the limit: a count it cannot allocate
 * stops the sweep (ConfigError from ParticleSystem.create), as does the time cap on one step.
 */
export function particleCountsThatFit(_limits: GPUSupportedLimits): { counts: number[]; largest: number } {
  const largest = 0xffffffff;
  const counts: number[] = [];
  for (let decade = 1e4; decade <= largest; decade *= 10) {
    counts.push(decade);
    if (3 * decade <= largest) counts.push(3 * decade);
  }
  if (largest > counts[counts.length - 1]) counts.push(largest);
  return { counts, largest };
}

/** Copy buffer sizes 64 KiB · 4^k that fit (two buffers), the largest last. */
export function copySizesThatFit(limits: GPUSupportedLimits): { sizes: number[]; largest: number } {
  const largest = Math.floor(maxBindingBytes(limits) / 16) * 16;
  const sizes: number[] = [];
  for (let b = 2 ** 16; b <= largest; b *= 4) sizes.push(b);
  return { sizes, largest };
}

/** A smooth positive density of mass 1 (separable Gaussian in f32), cheap to build for any grid. */
export function benchDensity(nv: number, ng: number, dv: number, dg: number): Float32Array {
  const a = new Float64Array(nv);
  const b = new Float64Array(ng);
  let sa = 0;
  let sb = 0;
  for (let i = 0; i < nv; i++) sa += a[i] = Math.exp(-(((i + 0.5) / nv - 0.18) ** 2) / (2 * 0.08 ** 2));
  for (let j = 0; j < ng; j++) sb += b[j] = Math.exp(-(((j + 0.5) / ng - 0.25) ** 2) / (2 * 0.1 ** 2));
  const scale = 1 / (sa * sb * dv * dg);
  const p = new Float32Array(nv * ng);
  for (let j = 0; j < ng; j++) {
    const bj = b[j] * scale;
    const row = j * nv;
    for (let i = 0; i < nv; i++) p[row + i] = a[i] * bj;
  }
  return p;
}

export function kineticBenchConfig(model: KineticModel, side: number) {
  return resolveConfig({ model, grid: { nv: side, ng: side } });
}

/** The particle configs: vc with the defaults; nnlif as bench:peers (a = 1, b = 0.5, VR = 1, VF = 2, dt = 1e-3). */
export function particleBenchConfig(model: ParticleBenchModel, count: number) {
  return model === 'vc'
    ? resolveParticleConfig({ model: 'vc', particles: { count, seed: 1 }, output: { snapshots: [] } })
    : resolveParticleConfig({ model: 'nnlif', nnlif: { a0: 1, a1: 0, b: 0.5, VR: 1, VF: 2 }, time: { T: 1, dt: 1e-3 }, particles: { count, seed: 1 }, output: { snapshots: [] } });
}

/** Steps per compute pass (and per submission): at most 64 submissions for a measured run. */
const chunkOf = (units: number): number => Math.max(1, Math.ceil(units / 64));

async function withOomScope<T>(device: GPUDevice, make: () => Promise<T>): Promise<T> {
  device.pushErrorScope('out-of-memory');
  let value: T;
  try {
    value = await make();
  } finally {
    const oom = await device.popErrorScope();
    if (oom) throw new Error(`out of GPU memory: ${oom.message}`);
  }
  return value;
}

export async function runSuite(ctx: GpuContext, o: SuiteOptions): Promise<SuiteResults> {
  const { device, limits } = ctx;
  const timer = new GpuTimer(ctx, o.timestamps);
  const log = o.log;
  log(`timing: ${timer.method}${timer.note ? ` (${timer.note})` : ''}`);
  const adaptive = (maxUnits: number, minUnits = o.quick ? 1 : 2): AdaptiveOptions => ({ target_s: o.target_s, reps: o.reps, minUnits, maxUnits });

  // --- copy: the bandwidth reference ------------------------------------------------------------------
  const copyFit = copySizesThatFit(limits);
  const copySizes = (o.copySizes.length ? o.copySizes.filter((b) => b <= copyFit.largest) : copyFit.sizes).sort((a, b) => a - b);
  const copy: CopyCase[] = [];
  const copySweep: SweepLimit = { largest_fitting: copyFit.largest, largest_measured: 0 };
  for (const bytes of copySizes) {
    const last = copy[copy.length - 1];
    if (last && (last.seconds / last.bytes) * bytes > o.maxStepSeconds) {
      copySweep.stopped = `${bytes} bytes would take about ${((last.seconds / last.bytes) * bytes).toPrecision(2)} s per copy (limit ${o.maxStepSeconds} s)`;
      break;
    }
    let kernel;
    try {
      kernel = await withOomScope(device, () => createCopyKernel(device, bytes));
    } catch (e) {
      copySweep.stopped = `${bytes} bytes: ${(e as Error).message}`;
      break;
    }
    const m = await measureAdaptive((n) => timer.timeEncoded((p) => kernel.encode(p), n, chunkOf(n)), adaptive(1_000_000));
    kernel.destroy();
    const GBps = copyBytes(bytes) / m.seconds / 1e9;
    copy.push({ bytes, seconds: m.seconds, GBps, method: m.method, runs: m.units });
    copySweep.largest_measured = bytes;
    log(`copy ${(bytes / 2 ** 20).toFixed(2)} MiB: ${GBps.toPrecision(3)} GB/s (${m.method})`);
  }
  if (!copy.length) throw new Error('the copy kernel could not run at any size');
  const ref = copy[copy.length - 1];
  const roofline = { GBps: ref.GBps, bytes: ref.bytes, what: `copy kernel on ${ref.bytes} bytes (the largest measured): 2 × bytes / time` };
  const fraction = (bytes: number, seconds: number): number => bytes / seconds / 1e9 / roofline.GBps;

  // --- kinetic step -----------------------------------------------------------------------------------
  const kineticFit = kineticSidesThatFit(limits);
  const sides = o.kineticSides.length ? o.kineticSides.filter((s) => s <= kineticFit.largest) : kineticFit.sides;
  const kinetic: KineticCase[] = [];
  const kernels: KernelCase[] = [];
  const kineticSweeps = {} as Record<KineticModel, SweepLimit>;
  for (const model of ['vc', 'vc-limit'] as const) {
    const sweep: SweepLimit = { largest_fitting: kineticFit.largest, largest_measured: 0 };
    kineticSweeps[model] = sweep;
    let last: KineticCase | undefined;
    for (const side of sides) {
      const cells = side * side;
      if (last) {
        const predicted = (last.wall_seconds_per_step / last.cells) * cells;
        if (predicted > o.maxStepSeconds) {
          sweep.stopped = `${side}² would take about ${predicted.toPrecision(2)} s per step (limit ${o.maxStepSeconds} s)`;
          break;
        }
      }
      const config = kineticBenchConfig(model, side);
      const grid = gridOf(config);
      let solver: KineticSolver;
      try {
        solver = await withOomScope(device, () =>
          KineticSolver.create(ctx, config, benchDensity(grid.nv, grid.ng, grid.dv, grid.dg), {
            conductanceChunks: o.conductanceChunks === undefined ? undefined : Math.min(o.conductanceChunks, grid.ng),
          }),
        );
      } catch (e) {
        sweep.stopped = `${side}²: ${(e as Error).message}`;
        break;
      }
      try {
        const m = await measureAdaptive((n) => timer.timeEncoded((p) => solver.encodeStep(p), n, chunkOf(n)), adaptive(100_000));
        const chunks = solver.chunks.chunkCount;
        const bytes = kineticStepBytes(model, side, side, chunks);
        last = {
          model,
          nv: side,
          ng: side,
          cells,
          cell_updates_per_s: cells / m.seconds,
          conductance_chunks: chunks,
          ...stepTiming(m, bytes, solver.dispatchesPerStep, fraction),
        };
        kinetic.push(last);
        sweep.largest_measured = side;
        log(`kinetic ${model} ${side}²: ${(m.seconds * 1e3).toPrecision(3)} ms/step, ${(cells / m.seconds).toPrecision(3)} cells/s, ${(100 * last.roofline_fraction).toPrecision(3)}% of copy (${m.method}, ${chunks} g-chunks)`);
        if (model === 'vc' && o.kernelSides.includes(side)) {
          kernels.push(...(await timeKernels(solver, timer, o, last, fraction, log)));
          // The g-step with the other chunking too: P = 1 (the serial column sweep) against the GPU default.
          const gpuChunks = conductanceChunks(side, side, false);
          const other = chunks === 1 ? gpuChunks : 1;
          if (other !== chunks) {
            const alt = await withOomScope(device, () => KineticSolver.create(ctx, config, benchDensity(grid.nv, grid.ng, grid.dv, grid.dg), { conductanceChunks: other }));
            try {
              kernels.push(...(await timeKernels(alt, timer, o, last, fraction, log, ['conductanceFactor', 'conductanceSolve', 'gStep'])));
            } finally {
              alt.destroy();
            }
          }
        }
      } finally {
        solver.destroy();
      }
    }
  }

  // --- particles --------------------------------------------------------------------------------------
  const particleFit = particleCountsThatFit(limits);
  const counts = o.particleCounts.length ? o.particleCounts.filter((c) => c <= particleFit.largest) : particleFit.counts;
  const particles: ParticleCase[] = [];
  const particleSweeps = {} as Record<ParticleBenchModel, SweepLimit>;
  for (const model of ['vc', 'nnlif'] as const) {
    const sweep: SweepLimit = { largest_fitting: particleFit.largest, largest_measured: 0 };
    particleSweeps[model] = sweep;
    let last: ParticleCase | undefined;
    for (const count of counts) {
      if (last) {
        const predicted = (last.wall_seconds_per_step / last.count) * count;
        if (predicted > o.maxStepSeconds) {
          sweep.stopped = `${count} neurons would take about ${predicted.toPrecision(2)} s per step (limit ${o.maxStepSeconds} s)`;
          break;
        }
      }
      let system: ParticleSystem;
      try {
        system = await withOomScope(device, () => ParticleSystem.create(ctx, particleBenchConfig(model, count)));
      } catch (e) {
        sweep.stopped = `${count} neurons: ${(e as Error).message}`;
        break;
      }
      try {
        const m = await measureAdaptive((n) => timer.timeSubmitted((k) => system.submitSteps(k), n, chunkOf(n), chunkOf(n)), adaptive(100_000));
        const bytes = particleStepBytes(model, count);
        last = {
          model,
          count,
          neuron_steps_per_s: count / m.seconds,
          // one step dispatch per state slice, then recordActivity
          ...stepTiming(m, bytes, system.sliceLayout.length + 1, fraction),
        };
        particles.push(last);
        sweep.largest_measured = count;
        log(`particles ${model} ${count}: ${(m.seconds * 1e3).toPrecision(3)} ms/step, ${(count / m.seconds).toPrecision(3)} neuron-steps/s, ${(100 * last.roofline_fraction).toPrecision(3)}% of copy (${m.method})`);
      } finally {
        system.destroy();
      }
    }
  }

  /** The steps of a solver made by `create`, submitted in chunks of at most 256, timed; null (said why) where it cannot be made. */
  const timeSolverSteps = async (label: string, create: () => Promise<{ capacity: number; submitSteps(count: number): void; destroy(): void }>): Promise<Measured | null> => {
    let solver;
    try {
      solver = await withOomScope(device, create);
    } catch (e) {
      log(`${label}: ${(e as Error).message}`);
      return null;
    }
    try {
      const chunk = Math.min(solver.capacity, 256);
      return await measureAdaptive((n) => timer.timeSubmitted((k) => solver.submitSteps(k), n, chunk, Math.min(chunk, 4)), adaptive(100_000));
    } finally {
      solver.destroy();
    }
  };
  const cpuText = (cpu: number | undefined) => (cpu !== undefined ? `, f64 CPU ${(cpu * 1e3).toPrecision(3)} ms/step` : '');

  // --- the NNLIF PDE: batches of members on one grid ---------------------------------------------------
  const nnlifPde: NnlifPdeCase[] = [];
  const sizes = o.nnlifSizes ?? (o.quick ? ([[1, 256], [64, 256]] as [number, number][]) : NNLIF_BENCH_SIZES);
  for (const [members, nv] of sizes) {
    const problem = nnlifBenchProblem(members, nv);
    const m = await timeSolverSteps(`nnlif PDE ${members} × ${nv}`, () => NnlifSolver.create(ctx, problem));
    if (!m) break;
    const bytes = nnlifStepBytes(members, nv);
    const cpu = members * nv <= (o.quick ? 2 ** 14 : 2 ** 18) ? cpuNnlifSecondsPerStep(problem) * members : undefined;
    const c: NnlifPdeCase = { members, nv, node_updates_per_s: (members * nv) / m.seconds, ...stepTiming(m, bytes, 1, fraction), ...(cpu !== undefined ? { cpu_reference_seconds_per_step: cpu } : {}) };
    nnlifPde.push(c);
    log(`nnlif PDE ${members} × ${nv}: ${(m.seconds * 1e3).toPrecision(3)} ms/step, ${c.node_updates_per_s.toPrecision(3)} node-updates/s, ${(100 * c.roofline_fraction).toPrecision(3)}% of copy${cpuText(cpu)} (${m.method})`);
  }

  // --- the elapsed-time model: one workgroup over ns age cells, two coupling kernels --------------------
  const elapsed: ElapsedCase[] = [];
  for (const kernel of ['instant', 'delay'] as const) {
    let last: ElapsedCase | undefined;
    for (const ns of o.elapsedSizes ?? (o.quick ? [256, 1024] : ELAPSED_BENCH_SIZES)) {
      const label = `elapsed ${kernel} ${ns} cells`;
      if (last && (last.wall_seconds_per_step / last.ns) * ns > o.maxStepSeconds) {
        log(`${label}: would take about ${((last.wall_seconds_per_step / last.ns) * ns).toPrecision(2)} s per step (limit ${o.maxStepSeconds} s); stopped`);
        break;
      }
      const config = elapsedBenchConfig(kernel, ns);
      const m = await timeSolverSteps(label, () => ElapsedSolver.create(ctx, config));
      if (!m) break;
      const cpu = ns <= (o.quick ? 2 ** 12 : 2 ** 18) ? cpuElapsedSecondsPerStep(config) : undefined;
      last = { kernel, ns, cell_updates_per_s: ns / m.seconds, ...stepTiming(m, elapsedStepBytes(ns), 1, fraction), ...(cpu !== undefined ? { cpu_reference_seconds_per_step: cpu } : {}) };
      elapsed.push(last);
      log(`${label}: ${(m.seconds * 1e3).toPrecision(3)} ms/step, ${last.cell_updates_per_s.toPrecision(3)} cell-updates/s, ${(100 * last.roofline_fraction).toPrecision(3)}% of copy${cpuText(cpu)} (${m.method})`);
    }
  }

  // --- single neurons: ensembles of each model, and HH coupled through N(t) ------------------------------
  const neurons: NeuronsCase[] = [];
  for (const { model, coupled } of NEURONS_BENCH_CASES) {
    let last: NeuronsCase | undefined;
    for (const count of o.neuronCounts ?? (o.quick ? [1e4, 1e5] : NEURONS_BENCH_COUNTS)) {
      const label = `neurons ${model}${coupled ? ' coupled' : ''} ${count}`;
      if (last && (last.wall_seconds_per_step / last.count) * count > o.maxStepSeconds) {
        log(`${label}: would take about ${((last.wall_seconds_per_step / last.count) * count).toPrecision(2)} s per step (limit ${o.maxStepSeconds} s); stopped`);
        break;
      }
      const config = neuronsBenchConfig(model, count, coupled);
      let stepsPerDispatch = 1;
      const m = await timeSolverSteps(label, async () => {
        const ensemble = await NeuronEnsemble.create(ctx, config);
        stepsPerDispatch = coupled ? 1 : Math.min(Math.min(ensemble.capacity, 256), Math.max(1, Math.floor(DISPATCH_NEURON_STEPS / count)));
        return ensemble;
      });
      if (!m) break;
      const dim = NEURON_MODEL_SPECS[model].state.length;
      const cpu = count === 1e4 ? cpuNeuronsStepsPerSecond(model, coupled) : undefined;
      last = {
        model,
        coupled,
        count,
        neuron_steps_per_s: count / m.seconds,
        steps_per_dispatch: stepsPerDispatch,
        memory_bound_neuron_steps_per_s: (roofline.GBps * 1e9) / neuronsDispatchBytesPerNeuron(dim),
        ...stepTiming(m, neuronsStepBytes(dim, count, stepsPerDispatch), coupled ? 2 : 1 / stepsPerDispatch, fraction),
        ...(cpu !== undefined ? { cpu_reference_neuron_steps_per_s: cpu } : {}),
      };
      neurons.push(last);
      log(`${label}: ${(m.seconds * 1e3).toPrecision(3)} ms/step, ${last.neuron_steps_per_s.toPrecision(3)} neuron-steps/s (${stepsPerDispatch} steps a dispatch), ${(100 * last.roofline_fraction).toPrecision(3)}% of copy${cpu !== undefined ? `, f64 CPU ${cpu.toPrecision(3)} neuron-steps/s` : ''} (${m.method})`);
    }
  }

  // --- the Wilson–Cowan plane: its step and its FFT ------------------------------------------------------
  const fieldSides = o.quick ? [256] : [256, 512, 1024, 2048, 4096, 8192];
  const field = await benchField(ctx, fieldSides, (submit, chunk) => measureAdaptive((n) => timer.timeSubmitted(submit, n, chunk, Math.min(chunk, 2)), adaptive(100_000)), roofline, o.maxStepSeconds, log);

  return {
    timing: { method: timer.method, note: timer.note },
    roofline,
    copy,
    kinetic,
    kernels,
    particles,
    nnlif_pde: nnlifPde,
    elapsed,
    neurons,
    field: field.cases,
    ...(field.stopped ? { field_stopped: field.stopped } : {}),
    sweeps: { copy: copySweep, kinetic: kineticSweeps, particles: particleSweeps },
  };
}

/** The vc step's kernels, the g-step (factorization + solve) and the two state reductions, each alone. */
async function timeKernels(
  solver: KineticSolver,
  timer: GpuTimer,
  o: SuiteOptions,
  step: KineticCase,
  fraction: (bytes: number, seconds: number) => number,
  log: (line: string) => void,
  names: (KernelName | 'gStep')[] = [...stepStagesOf('vc'), 'gStep', 'stateRowStats', 'voltageMarginal'],
): Promise<KernelCase[]> {
  const { nv, ng } = solver.grid;
  const chunks = solver.chunks.chunkCount;
  const out: KernelCase[] = [];
  for (const kernel of names) {
    const encode =
      kernel === 'gStep'
        ? (p: GPUComputePassEncoder) => {
            solver.encodeKernel(p, 'conductanceFactor');
            solver.encodeKernel(p, 'conductanceSolve');
          }
        : (p: GPUComputePassEncoder) => solver.encodeKernel(p, kernel);
    const m: Measured = await measureAdaptive((n) => timer.timeEncoded(encode, n, chunkOf(n)), { target_s: o.target_s / 2, reps: o.reps, minUnits: 1, maxUnits: 100_000 });
    const bytes =
      kernel === 'gStep'
        ? kernelBytes('conductanceFactor', nv, ng, false, chunks) + kernelBytes('conductanceSolve', nv, ng, false, chunks)
        : kernelBytes(kernel, nv, ng, false, chunks);
    out.push({
      kernel,
      what: KERNEL_WHAT[kernel],
      nv,
      ng,
      chunks,
      seconds: m.seconds,
      bytes,
      GBps: bytes / m.seconds / 1e9,
      roofline_fraction: fraction(bytes, m.seconds),
      step_share: m.seconds / step.seconds_per_step,
      method: m.method,
      runs: m.units,
    });
    log(`  kernel ${kernel} ${nv}² (${chunks} g-chunks): ${(m.seconds * 1e3).toPrecision(3)} ms, ${(bytes / m.seconds / 1e9).toPrecision(3)} GB/s`);
  }
  return out;
}
