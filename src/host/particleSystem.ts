/**
 * The particle system on the GPU: K populations (vc, vc-threshold, elapsed: one; nnlif: the network's K ≤ 8,
 * K = 1 from the flat keys) of `count` neurons each, every neuron advanced exactly in law over a step with the
 * Philox-4x32-10 generator, its spikes counted with integer atomics per population and turned into the
 * activities N_α(t) that feed back at the next step. A step is one dispatch per state slice and one more,
 * in one compute pass, with no readback:
 *
 *   stepParticles   ⌈count/WG⌉ workgroups (2D) per slice   every neuron over [t_n, t_{n+1}]; spikes → control.spikes[α]
 *   recordActivity  1 invocation                          N_α = spikes_α/(count_α·dt) → feedback (smoothed) → history ring
 *
 * (elapsed, instant kernel: before them spikeSearchPasses pairs of countSpikes, the spikes of the step at a
 * candidate count without writing the ages, and searchSpikes, 1 invocation, the bracket and the next candidate:
 * the step's own spike count solved implicitly, elapsedReference.ts spikeSearch), and many steps go into one submission; N(t) is read back in blocks from the history ring. A neuron of
 * population α sees the input Σβ b_αβ N_β and the noise a0_α + Σβ a1_αβ N_β of the activities of D steps
 * before (control.seen, D the delay in steps); an elapsed neuron sees X = b·(the activity seen) and s*(X)
 * (control.input[0]), with the instant kernel X = b·(the step's own N). The state is f32, structure-of-arrays: v (all models; elapsed: the age), g
 * (vc, vc-threshold) or the neuron's threshold (nnlif with a threshold spread), the remaining refractory
 * time (nnlif with some τ > 0), 4 bytes per neuron each; each state slice holds neurons of one population.
 *
 * Buffers (particlesBindings.wgsl): params (uniform: the shared constants, one ParticlePopulation per
 * population, the K × K couplings at 8α + β), per slice its (offset, count, population) uniform and state
 * arrays; control (step, spikes[8], feedback[8], seen[8], input[8] = (Σβ b_αβ N_β, a_α)); history (capacity × K entries (spikes, feedback),
 * entry n·K + α); histogram (K blocks of nv·ng cells + outside + refractory); initialAgeCdf (elapsed: the
 * distribution of the initial age cells).
 *
 * Determinism: every random number is a pure function of (seed, population, neuron, step, stream, block),
 * the population α entering the Philox key as (seed low, seed high + α) and the neuron as its index within
 * its population; the spike counts and the histogram are sums of integers. So the spike counts, N(t) and the
 * histograms are bitwise the same for every workgroup size, slice size and run (test/particles/
 * determinism.test.ts); population 0 draws with the seed's own key, so a network of one population is
 * bitwise the flat-key run, and population α of an uncoupled network is bitwise the one-population run with
 * seed + α·2^32 (test/particles/network.test.ts).
 */
import { ConfigError, type ParticleConfig } from '../models/config';
import { ELAPSED_PARTICLE_STREAMS, elapsedFeedbackRule, elapsedInitialAgeCdf, elapsedMaxSpikes, elapsedQuietMargin, spikeSearchPasses } from '../models/particles/elapsedReference';
import { initialActivity } from '../models/particles/initial';
import { seedKey } from '../models/reference/philox';
import type { StructuredView } from 'webgpu-utils';
import { BufferCheckpoint, readBuffer, readRing } from './buffers';
import type { SolverState } from './blockLoop';
import type { GpuContext } from './gpu';
import { bindingLayout } from './layout';
import { composeWgsl, type ShaderFile, shaderFiles } from './shaderSource';

/** Philox stream ids (counter word 2), one per use of randomness; the same as particlesBindings.wgsl. */
export const PARTICLE_STREAMS = {
  conductanceNoise: 0,
  firing: 1,
  bridge: 2,
  refractory: 3,
  threshold: 4,
  voltageNoise: 5,
  reflection: 6,
  initVoltage: 7,
  initConductance: 8,
  initThreshold: 9,
  softFiring: 10,
  initAge: ELAPSED_PARTICLE_STREAMS.initAge,
  ageFiring: ELAPSED_PARTICLE_STREAMS.ageFiring,
} as const;

/** History ring length: the most steps one block may take between readbacks. */
export const PARTICLE_HISTORY_CAPACITY = 4096;
export const DEFAULT_PARTICLE_WORKGROUP = 64;
/** The most populations of a particle system (MAX_POPULATIONS of particlesBindings.wgsl). */
export const MAX_PARTICLE_POPULATIONS = 8;
/**
 * Bytes of ParticleControl: step, spikes, feedback and seen of MAX_POPULATIONS populations, then (at 104, 8-aligned) their input (mu, a),
 * then the elapsed spike search (SpikeSearch: count, lo, hi, candidate, scanning, evaluations).
 */
const CONTROL_BYTES = 104 + 8 * MAX_PARTICLE_POPULATIONS + 24;
/** Byte offset of SpikeSearch.evaluations in ParticleControl. */
const SEARCH_EVALUATIONS_OFFSET = 104 + 8 * MAX_PARTICLE_POPULATIONS + 20;
const CONTROL_BUFFER_BYTES = Math.ceil(CONTROL_BYTES / 16) * 16;

export interface ParticleSystemOptions {
  /** invocations per workgroup of the per-neuron kernels (1 … 256); changes no result, only the speed */
  workgroupSize?: number;
  /** the most neurons per state slice (default and upper bound: maxSliceCount of the device); changes no result */
  maxSliceNeurons?: number;
}

/** Per-step records of K populations, step-major: entry k·K + α is population α at step steps[k] (K = 1: entry k). */
export interface ParticleBlock {
  /** K, the populations */
  populations: number;
  /** step indices n of the entries: the activity of the step ending at t_n = n·dt */
  steps: number[];
  /** spikes in each step (exact) */
  spikes: Uint32Array;
  /** N = spikes / (count·dt), in f64, with the dt of each entry's step */
  N: Float64Array;
  /** the feedback the GPU used for the next step (f32; equals N without smoothing, to f32 rounding) */
  feedback: Float32Array;
}

/** The histogram of one population: its cells and the fractions of its neurons. */
export interface ParticleHistogramPart {
  counts: Uint32Array;
  /** counts / (count·Δv·Δg) (nnlif: count·Δv), count the population's: Σ density·Δv·Δg = fraction of its neurons on its grid */
  density: Float32Array;
  /** Σ density·Δv·Δg in f64: 1 − outside − refractory */
  mass: number;
  /** fraction of its neurons off its grid */
  outside: number;
  /** fraction of its neurons in the refractory state (nnlif, τ > 0) */
  refractory: number;
}

export interface ParticleHistogram {
  /** vc: (ng, nv), v fastest; nnlif: (nv,), with K > 1 populations (K, nv); elapsed: (ns,), the PDE's age cells */
  shape: number[];
  /** every population's cells, population-major (each normalised by its own count) */
  counts: Uint32Array;
  density: Float32Array;
  /** the fractions of all the neurons: on the grids, off them, refractory (K = 1: those of the population) */
  mass: number;
  outside: number;
  refractory: number;
  /** each population's histogram (views into counts and density) */
  populations: ParticleHistogramPart[];
}

/** One population as the kernels see it: its neurons and its histogram axis [vlo, vhi]. */
export interface ParticlePopulationSpec {
  name: string;
  count: number;
  vlo: number;
  vhi: number;
}

/** The populations of a config: vc, vc-threshold and elapsed one; nnlif the network's (K = 1 from the flat keys), particles.count neurons each. */
export function particlePopulations(config: ParticleConfig): ParticlePopulationSpec[] {
  if (config.network) return config.network.populations.map((p) => ({ name: p.name, count: config.particles.count, vlo: p.vmin, vhi: p.vhi }));
  return [{ name: 'n', count: config.particles.count, vlo: config.grid.vlo, vhi: config.grid.vhi }];
}

/** The histogram grid of population α: cells of [vlo, vhi] × [0, gmax] (nnlif: one g cell of unit width, nv shared; elapsed: the PDE's age cells, dv = dt). */
export function particleHistogramGrid(config: ParticleConfig, alpha = 0): { nv: number; ng: number; vlo: number; vhi: number; dv: number; dg: number; gmax: number } {
  const { nv, ng, gmax } = config.grid;
  const population = particlePopulations(config)[alpha];
  if (!population) throw new Error(`particleHistogramGrid: no population ${alpha}`);
  const { vlo, vhi } = population;
  const oneAxis = config.model === 'nnlif' || config.model === 'elapsed';
  return { nv, ng: oneAxis ? 1 : ng, vlo, vhi, dv: (vhi - vlo) / nv, dg: oneAxis ? 1 : gmax / ng, gmax };
}

/** A run of neurons of one population whose state lives in one set of buffers: its indices offset … offset + count − 1 within the population. */
export interface ParticleSlice {
  offset: number;
  count: number;
  population: number;
}

/** The most neurons one slice may hold: each f32 state array of a slice is one storage binding. */
export function maxSliceCount(limits: GPUSupportedLimits): number {
  return Math.floor(Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize) / 4);
}

/**
 * A population (index `population`) cut into slices of at most `maxPerSlice` neurons (the last one may be
 * shorter). A count whose state does not fit one binding (4 bytes × count > maxStorageBufferBindingSize:
 * 2.7e8 neurons on SwiftShader's 1 GiB, 5.4e8 on a 2 GiB binding) is split; the randomness is keyed by
 * the index within the population, so every split gives bitwise the run of one slice.
 */
export function particleSlices(count: number, maxPerSlice: number, population = 0): ParticleSlice[] {
  if (!Number.isInteger(maxPerSlice) || maxPerSlice < 1) throw new Error(`particleSlices: maxPerSlice must be a positive integer, got ${maxPerSlice}`);
  const slices: ParticleSlice[] = [];
  for (let offset = 0; offset < count; offset += maxPerSlice) slices.push({ offset, count: Math.min(maxPerSlice, count - offset), population });
  return slices;
}

/** Every population cut into slices (population 0's first): a slice never spans two populations. */
export function networkSlices(counts: number[], maxPerSlice: number): ParticleSlice[] {
  return counts.flatMap((count, alpha) => particleSlices(count, maxPerSlice, alpha));
}

/** Neurons of all the populations together. */
const totalCount = (config: ParticleConfig) => particlePopulations(config).reduce((sum, p) => sum + p.count, 0);

/** Bytes of GPU memory the state of `count` neurons takes: the f32 arrays and their checkpoint copies. */
export function particleStateBytes(config: ParticleConfig): number {
  const d = particleDefines(config);
  const arrays = 1 + (d.VC || d.SPREAD ? 1 : 0) + (d.REFRACTORY ? 1 : 0);
  return 2 * arrays * 4 * totalCount(config);
}

/**
 * Refuses a population whose state cannot be held: WebGPU does not report a device's memory, so on a GPU an
 * allocation that fails is caught when the system is built; on a CPU adapter the memory is the host's
 * RAM (`hostBytes`), and kinfire takes at most half of it rather than drive the host into swap.
 */
export function checkParticleMemory(config: ParticleConfig, cpuAdapter: boolean, hostBytes: number, field = 'particles.count'): void {
  const need = particleStateBytes(config);
  if (cpuAdapter && need > hostBytes / 2) {
    const gib = (x: number) => (x / 2 ** 30).toFixed(1);
    const K = particlePopulations(config).length;
    const each = K > 1 ? ` in each of ${K} populations` : '';
    throw new ConfigError(
      field,
      `${config.particles.count} neurons${each} need ${gib(need)} GiB for their state and its checkpoint, more than this adapter holds: ` +
        `it is a CPU implementation using the host's ${gib(hostBytes)} GiB of RAM, of which kinfire takes at most half ` +
        `(at most ${Math.floor((config.particles.count * hostBytes) / 2 / need)} neurons${K > 1 ? ' per population' : ''} of this model)`,
    );
  }
}

type KernelName = 'initParticles' | 'initInput' | 'stepParticles' | 'recordActivity' | 'histogramParticles' | 'countSpikes' | 'searchSpikes';
/** The kernels of the elapsed variant only (the instant kernel's implicit step). */
type ElapsedKernelName = 'countSpikes' | 'searchSpikes';
type KernelSpec = { files: readonly ShaderFile[]; entryPoint: string; defines: Record<string, boolean> };

/**
 * The preprocessor variant of a config. elapsed: ELAPSED (the age in stateV, nothing else). nnlif: HARD and SOFT when some population has that threshold
 * (with both, each population takes its own at run time), REFRACTORY when some has τ > 0 (τ = 0 then
 * gives refractory times of exactly 0, the path without the state), BRIDGE and SPREAD for all.
 */
export function particleDefines(config: ParticleConfig): Record<string, boolean> {
  const net = config.network;
  const populations = net?.populations ?? [];
  const hard = populations.some((p) => p.firing.kind === 'hard');
  return {
    VC: config.model === 'vc' || config.model === 'vc-threshold',
    THRESHOLD: config.model === 'vc-threshold',
    NNLIF: config.model === 'nnlif',
    ELAPSED: config.model === 'elapsed',
    HARD: hard,
    SOFT: populations.some((p) => p.firing.kind === 'soft'),
    BRIDGE: !!net && net.bridge && hard,
    REFRACTORY: populations.some((p) => p.tau > 0),
    SPREAD: !!net && net.thresholdSpread > 0,
  };
}

/** The kernels of a config's variant (countSpikes and searchSpikes only for elapsed). */
export function particleKernelSpecs(config: ParticleConfig): Record<Exclude<KernelName, ElapsedKernelName>, KernelSpec> & Partial<Record<ElapsedKernelName, KernelSpec>> {
  const defines = particleDefines(config);
  const step = ['random', 'particlesBindings', 'particlesStep'] as const;
  const diag = ['particlesBindings', 'particlesDiagnostics'] as const;
  return {
    initParticles: { files: step, entryPoint: 'initParticles', defines },
    initInput: { files: diag, entryPoint: 'initInput', defines },
    stepParticles: { files: step, entryPoint: 'stepParticles', defines },
    recordActivity: { files: diag, entryPoint: 'recordActivity', defines },
    histogramParticles: { files: diag, entryPoint: 'histogramParticles', defines },
    ...(defines.ELAPSED
      ? { countSpikes: { files: step, entryPoint: 'countSpikes', defines }, searchSpikes: { files: diag, entryPoint: 'searchSpikes', defines } }
      : {}),
  };
}

const INFINITE_BOUND = 1e30;
/** Buffers of the whole system (one each). */
type SharedBufferName = 'params' | 'control' | 'history' | 'histogram' | 'initialAgeCdf';
/** Buffers of one slice: its offset uniform and its state arrays. */
type StateName = 'stateV' | 'stateG' | 'stateR';

/** One slice on the GPU: its neurons, state arrays, bind group and dispatch size. */
interface SliceResources extends ParticleSlice {
  uniform: GPUBuffer;
  state: Record<StateName, GPUBuffer>;
  /** the state arrays the model uses (the others are 16-byte placeholders) */
  used: StateName[];
  bindGroup: GPUBindGroup;
  groups: [number, number];
}

/**
 * The buffers of the populations cut into `layoutSlices`: one set shared by all (params, control, history,
 * histogram), per slice its (offset, count, population) uniform, state arrays and bind group, and the
 * checkpoint of the state (BufferCheckpoint: control, the history ring and every slice's state arrays in
 * use). When an allocation fails every buffer made here is destroyed and the driver's message is returned.
 */
async function allocateParticleState(
  ctx: GpuContext,
  config: ParticleConfig,
  layout: GPUBindGroupLayout,
  bindingOf: Record<string, number>,
  paramsBytes: number,
  layoutSlices: ParticleSlice[],
  wg: number,
): Promise<{ buffers: Record<SharedBufferName, GPUBuffer>; slices: SliceResources[]; checkpoint: BufferCheckpoint<string> } | { outOfMemory: string }> {
  const { device, limits } = ctx;
  const defines = particleDefines(config);
  const grid = particleHistogramGrid(config);
  const K = particlePopulations(config).length;
  const storage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
  const created: GPUBuffer[] = [];
  const make = (label: string, size: number, usage = storage) => {
    const buffer = device.createBuffer({ label, size: Math.max(16, Math.ceil(size / 4) * 4), usage });
    created.push(buffer);
    return buffer;
  };
  const usesG = defines.VC || defines.SPREAD;
  const usesR = defines.REFRACTORY;
  device.pushErrorScope('validation');
  device.pushErrorScope('out-of-memory');
  const buffers: Record<SharedBufferName, GPUBuffer> = {
    params: make('particle params', paramsBytes, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST),
    control: make('control', CONTROL_BUFFER_BYTES),
    history: make('history', PARTICLE_HISTORY_CAPACITY * K * 8),
    histogram: make('histogram', K * (grid.nv * grid.ng + 2) * 4),
    initialAgeCdf: make('initial age cdf', config.elapsed ? config.elapsed.grid.ns * 4 : 16, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST),
  };
  if (config.elapsed) device.queue.writeBuffer(buffers.initialAgeCdf, 0, elapsedInitialAgeCdf(config.elapsed.initial, config.elapsed.grid.ns, config.time.dt));
  const slices: SliceResources[] = layoutSlices.map((slice, k) => {
    const bytes = slice.count * 4;
    const name = `slice ${k}, population ${slice.population} [${slice.offset}, ${slice.offset + slice.count})`;
    const uniform = make(`${name}: offset`, 16, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
    device.queue.writeBuffer(uniform, 0, new Uint32Array([slice.offset, slice.count, slice.population, 0]));
    const state: Record<StateName, GPUBuffer> = {
      stateV: make(`${name}: v`, bytes),
      stateG: make(`${name}: ${defines.VC ? 'g' : 'threshold'}`, usesG ? bytes : 16),
      stateR: make(`${name}: refractory time`, usesR ? bytes : 16),
    };
    const used: StateName[] = ['stateV', ...(usesG ? (['stateG'] as const) : []), ...(usesR ? (['stateR'] as const) : [])];
    const resources: Record<string, GPUBuffer> = { ...buffers, ...state, slice: uniform };
    const bindGroup = device.createBindGroup({
      label: `particles, ${name}`,
      layout,
      entries: Object.entries(bindingOf).map(([variable, binding]) => ({ binding, resource: { buffer: resources[variable] } })),
    });
    const totalGroups = Math.ceil(slice.count / wg);
    const gx = Math.min(totalGroups, limits.maxComputeWorkgroupsPerDimension);
    const gy = Math.ceil(totalGroups / gx);
    if (gy > limits.maxComputeWorkgroupsPerDimension) throw new Error(`a slice of ${slice.count} neurons needs more than ${limits.maxComputeWorkgroupsPerDimension}² workgroups of ${wg}`);
    return { ...slice, uniform, state, used, bindGroup, groups: [gx, gy] as [number, number] };
  });
  // The whole state from step to step: the control block (the step, which keys the Philox draws, the
  // feedback and the activities seen), the history ring (a delayed feedback reads the steps before a
  // checkpoint from it) and the neurons' arrays; its copies are allocated here, within the error scopes.
  const named: Record<string, GPUBuffer> = { control: buffers.control, history: buffers.history };
  slices.forEach((slice, k) => slice.used.forEach((name) => (named[`slice ${k} ${name}`] = slice.state[name])));
  const checkpoint = new BufferCheckpoint(device, named, Object.keys(named), 'particles');
  const outOfMemory = await device.popErrorScope();
  // a buffer that could not be allocated is invalid, so its bind group fails validation too
  const invalid = await device.popErrorScope();
  if (outOfMemory) {
    for (const b of created) b.destroy();
    checkpoint.destroy();
    return { outOfMemory: outOfMemory.message };
  }
  if (invalid) throw new Error(`WebGPU validation failed while allocating the particle state: ${invalid.message}`);
  return { buffers, slices, checkpoint };
}

export class ParticleSystem {
  /** steps taken since the initial state */
  stepIndex = 0;
  readonly workgroupSize: number;
  /** N at t = 0 of every population: the feedback of the first step */
  readonly initialN: number;
  /** the populations: their neurons and histogram axes */
  readonly populations: ParticlePopulationSpec[];
  /** where population α starts in the joined state arrays of readState */
  private readonly populationOffsets: number[];
  private readonly device: GPUDevice;
  /**
   * The time steps in force, as (first step taken with it, dt), in order: the history ring keeps spike
   * counts, and N = spikes/(count·dt) needs the dt of the step that counted them (setParameters may
   * change dt between blocks).
   */
  private dtSince: { step: number; dt: number }[] = [];

  private currentConfig: ParticleConfig;

  private constructor(
    readonly ctx: GpuContext,
    config: ParticleConfig,
    private readonly paramsView: StructuredView,
    private readonly buffers: Record<SharedBufferName, GPUBuffer>,
    private readonly slices: SliceResources[],
    private readonly checkpoint: BufferCheckpoint<string>,
    private readonly pipelines: Record<KernelName, GPUComputePipeline>,
    workgroupSize: number,
    initialN: number,
    /** elapsed: the arguments of the indirect counting passes and their bind group (group 1 of searchSpikes) */
    private readonly countDispatch: { buffer: GPUBuffer; bindGroup: GPUBindGroup } | null,
  ) {
    this.device = ctx.device;
    this.currentConfig = config;
    this.workgroupSize = workgroupSize;
    this.initialN = initialN;
    this.populations = particlePopulations(config);
    let offset = 0;
    this.populationOffsets = this.populations.map((p) => (offset += p.count) - p.count);
  }

  /** The configuration the system steps with (setParameters may replace it). */
  get config(): ParticleConfig {
    return this.currentConfig;
  }

  /**
   * Step on with other model parameters (and dt), keeping every neuron's state and the clock: only the
   * uniform block is rewritten. The model variant (which kernels) and the population must stay the same.
   */
  setParameters(config: ParticleConfig): void {
    const same = (a: Record<string, boolean>, b: Record<string, boolean>) => Object.keys(a).every((k) => a[k] === b[k]);
    const counts = (c: ParticleConfig) => particlePopulations(c).map((p) => p.count).join(',');
    if (counts(config) !== counts(this.config) || !same(particleDefines(config), particleDefines(this.config))) {
      throw new Error('setParameters: the model variant, the populations and the count must stay the same (build a new system for another one)');
    }
    this.currentConfig = config;
    this.device.queue.writeBuffer(this.buffers.params, 0, particleParams(config, this.paramsView, this.initialN));
    this.recomputeInput(); // the next step's input from the new couplings
    this.stepsFromNowUse(config.time.dt);
  }

  /** Record that the steps after stepIndex are taken with `dt`. */
  private stepsFromNowUse(dt: number): void {
    const step = this.stepIndex + 1;
    this.dtSince = this.dtSince.filter((d) => d.step < step);
    if (this.dtSince.at(-1)?.dt !== dt) this.dtSince.push({ step, dt });
  }

  /** dt of step n (the step ending at entry n of the history). */
  private dtOfStep(n: number): number {
    let dt = this.dtSince[0].dt;
    for (const d of this.dtSince) if (d.step <= n) dt = d.dt;
    return dt;
  }

  /** The state buffers of each slice (v and the second array: g for vc), for drawing the neurons where they lie; offset in the joined arrays. */
  get stateSlices(): { offset: number; count: number; population: number; v: GPUBuffer; g: GPUBuffer }[] {
    return this.slices.map((s) => ({ offset: this.populationOffsets[s.population]! + s.offset, count: s.count, population: s.population, v: s.state.stateV, g: s.state.stateG }));
  }

  /** The state slices: one per population unless a population exceeds one storage binding (or options.maxSliceNeurons). */
  get sliceLayout(): ParticleSlice[] {
    return this.slices.map(({ offset, count, population }) => ({ offset, count, population }));
  }

  /** Compile the kernels, allocate the buffers and draw the initial state (step 0). */
  static async create(ctx: GpuContext, config: ParticleConfig, options: ParticleSystemOptions = {}): Promise<ParticleSystem> {
    const { device, limits } = ctx;
    const wg = options.workgroupSize ?? DEFAULT_PARTICLE_WORKGROUP;
    const wgMax = Math.min(limits.maxComputeWorkgroupSizeX, limits.maxComputeInvocationsPerWorkgroup);
    if (!Number.isInteger(wg) || wg < 1 || wg > wgMax) throw new Error(`workgroupSize must be an integer in [1, ${wgMax}], got ${wg}`);
    const perSliceMax = maxSliceCount(limits);
    const perSlice = options.maxSliceNeurons ?? perSliceMax;
    if (!Number.isInteger(perSlice) || perSlice < 1 || perSlice > perSliceMax) throw new Error(`maxSliceNeurons must be an integer in [1, ${perSliceMax}], got ${perSlice}`);
    const populations = particlePopulations(config);
    if (populations.length > MAX_PARTICLE_POPULATIONS) throw new Error(`a particle system has at most ${MAX_PARTICLE_POPULATIONS} populations, got ${populations.length}`);
    const counts = populations.map((p) => p.count);
    const count = Math.max(...counts);

    const specs = particleKernelSpecs(config);
    const layoutInfo = bindingLayout(shaderFiles.particlesBindings, 'particlesBindings.wgsl');
    device.pushErrorScope('validation');
    const layout = device.createBindGroupLayout({ label: 'particles', entries: layoutInfo.entries });
    const pipelineLayout = device.createPipelineLayout({ bindGroupLayouts: [layout] });
    // searchSpikes also writes the arguments of the indirect counting passes (group 1, particlesDiagnostics.wgsl)
    const dispatchLayout = device.createBindGroupLayout({ label: 'particles: counting-pass arguments', entries: [{ binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'storage' } }] });
    const searchLayout = device.createPipelineLayout({ bindGroupLayouts: [layout, dispatchLayout] });
    const modules = new Map<string, GPUShaderModule>();
    const pipelines = {} as Record<KernelName, GPUComputePipeline>;
    for (const [name, spec] of Object.entries(specs) as [KernelName, KernelSpec][]) {
      const code = composeWgsl(spec.files, spec.defines);
      let module = modules.get(code);
      if (!module) {
        module = device.createShaderModule({ code, label: `particles: ${spec.files[spec.files.length - 1]}` });
        const info = await module.getCompilationInfo();
        const errors = info.messages.filter((m) => m.type === 'error');
        if (errors.length) throw new Error(`WGSL of ${spec.entryPoint} does not compile:\n${errors.map((m) => `${m.lineNum}:${m.linePos} ${m.message}`).join('\n')}`);
        modules.set(code, module);
      }
      const constants: Record<string, number> = name === 'recordActivity' || name === 'initInput' || name === 'searchSpikes' ? {} : { WG: wg };
      pipelines[name] = await device.createComputePipelineAsync({ label: name, layout: name === 'searchSpikes' ? searchLayout : pipelineLayout, compute: { module, entryPoint: spec.entryPoint, constants } });
    }

    const paramsView = layoutInfo.makeParamsView();
    const validationError = await device.popErrorScope();
    if (validationError) throw new Error(`WebGPU validation failed while building the particle pipelines: ${validationError.message}`);

    // A driver may refuse an allocation below maxBufferSize (SwiftShader: 1 GiB − 4 KiB is the largest
    // buffer it allocates, its limit says 1 GiB): then the default slices are halved, at most 4 times,
    // before the population is declared too large for the device.
    let sliceNeurons = perSlice;
    let state = await allocateParticleState(ctx, config, layout, layoutInfo.bindingOf, paramsView.arrayBuffer.byteLength, networkSlices(counts, sliceNeurons), wg);
    for (let retry = 0; 'outOfMemory' in state && options.maxSliceNeurons === undefined && retry < 4 && sliceNeurons < count; retry++) {
      sliceNeurons = Math.ceil(sliceNeurons / 2);
      state = await allocateParticleState(ctx, config, layout, layoutInfo.bindingOf, paramsView.arrayBuffer.byteLength, networkSlices(counts, sliceNeurons), wg);
    }
    if ('outOfMemory' in state) {
      throw new ConfigError(
        'particles.count',
        `${totalCount(config)} neurons need ${(particleStateBytes(config) / 2 ** 30).toFixed(2)} GiB of GPU memory (state and checkpoint), more than this device could allocate (${state.outOfMemory})`,
      );
    }
    const { buffers, slices, checkpoint } = state;
    const countDispatch = particleDefines(config).ELAPSED ? countDispatchResources(device, dispatchLayout, slices) : null;

    const N0 = initialActivity(config);
    const system = new ParticleSystem(ctx, config, paramsView, buffers, slices, checkpoint, pipelines, wg, N0, countDispatch);
    device.queue.writeBuffer(buffers.params, 0, particleParams(config, paramsView, N0));
    system.initialize();
    return system;
  }

  /** Draw the initial state, reset the clock and record t = 0 (N0 for every population, no spikes). */
  initialize(): void {
    const K = this.populations.length;
    const M = MAX_PARTICLE_POPULATIONS;
    const control = new ArrayBuffer(CONTROL_BUFFER_BYTES); // step 0, no spikes
    new Float32Array(control, 4 + 4 * M, K).fill(this.initialN); // feedback
    new Float32Array(control, 4 + 8 * M, K).fill(this.initialN); // seen
    this.device.queue.writeBuffer(this.buffers.control, 0, control);
    const bitsN0 = new Uint32Array(new Float32Array([this.initialN]).buffer)[0]!;
    this.device.queue.writeBuffer(this.buffers.history, 0, new Uint32Array(Array.from({ length: K }, () => [0, bitsN0]).flat()));
    this.stepIndex = 0;
    this.dtSince = [];
    this.stepsFromNowUse(this.config.time.dt);
    this.recomputeInput();
    const encoder = this.device.createCommandEncoder();
    const pass = encoder.beginComputePass({ label: 'initParticles' });
    this.dispatchSlices(pass, 'initParticles');
    pass.end();
    this.device.queue.submit([encoder.finish()]);
  }

  /** The populations' input (control.input) from the activities they see and the current params. */
  private recomputeInput(): void {
    const encoder = this.device.createCommandEncoder();
    const pass = encoder.beginComputePass({ label: 'initInput' });
    pass.setPipeline(this.pipelines.initInput);
    pass.setBindGroup(0, this.slices[0]!.bindGroup);
    pass.dispatchWorkgroups(1);
    pass.end();
    this.device.queue.submit([encoder.finish()]);
  }

  /** One per-neuron kernel over every slice (each slice's dispatch adds to the same spike counter). */
  private dispatchSlices(pass: GPUComputePassEncoder, kernel: Exclude<KernelName, 'recordActivity' | 'initInput' | 'searchSpikes'>): void {
    pass.setPipeline(this.pipelines[kernel]);
    for (const slice of this.slices) {
      pass.setBindGroup(0, slice.bindGroup);
      pass.dispatchWorkgroups(slice.groups[0], slice.groups[1]);
    }
  }

  /** Submit `count` steps (≤ PARTICLE_HISTORY_CAPACITY) in one command buffer; returns immediately. */
  submitSteps(count: number): void {
    if (!Number.isInteger(count) || count < 1 || count > PARTICLE_HISTORY_CAPACITY) throw new Error(`submitSteps: count must be an integer in [1, ${PARTICLE_HISTORY_CAPACITY}]`);
    if (this.stepIndex + count > 0xfffffffe) throw new Error('submitSteps: the step counter (a u32 Philox word) would overflow');
    const encoder = this.device.createCommandEncoder();
    const pass = encoder.beginComputePass({ label: 'particle steps' });
    const searchPasses = this.spikeSearchPasses;
    for (let s = 0; s < count; s++) {
      // the instant kernel's implicit step: count, update the bracket, a fixed number of times (the passes
      // after convergence return at once), then the step at the root's s*
      for (let p = 0; p < searchPasses; p++) {
        if (p === 0) this.dispatchSlices(pass, 'countSpikes');
        else {
          // the arguments searchSpikes wrote: (0, 0, 0) once converged
          pass.setPipeline(this.pipelines.countSpikes);
          for (const [k, slice] of this.slices.entries()) {
            pass.setBindGroup(0, slice.bindGroup);
            pass.dispatchWorkgroupsIndirect(this.countDispatch!.buffer, 12 * (this.slices.length + k));
          }
        }
        pass.setPipeline(this.pipelines.searchSpikes);
        pass.setBindGroup(0, this.slices[0].bindGroup);
        pass.setBindGroup(1, this.countDispatch!.bindGroup);
        pass.dispatchWorkgroups(1);
      }
      this.dispatchSlices(pass, 'stepParticles');
      // every slice of the step has counted its spikes before N is formed (dispatches of a pass are ordered)
      pass.setPipeline(this.pipelines.recordActivity);
      pass.setBindGroup(0, this.slices[0].bindGroup);
      pass.dispatchWorkgroups(1);
    }
    pass.end();
    this.device.queue.submit([encoder.finish()]);
    this.stepIndex += count;
  }

  /**
   * Counting passes encoded per step: elapsed with the instant kernel and b ≠ 0, spikeSearchPasses(Kmax, b)
   * (Kmax = count·ELAPSED_MAX_SPIKES_PER_STEP; 20 for 10⁵ neurons and b < 0, 40 for b > 0); else 0.
   */
  get spikeSearchPasses(): number {
    const e = this.config.elapsed;
    if (!e || e.kernel.kind !== 'instant') return 0;
    return spikeSearchPasses(elapsedMaxSpikes(this.populations[0]!.count), e.model.b);
  }

  /** Take `count` steps and read back their activity (one synchronisation). */
  async advance(count: number): Promise<ParticleBlock> {
    const first = this.stepIndex + 1;
    this.submitSteps(count);
    return this.readHistory(first, this.stepIndex);
  }

  /** History entries t_first … t_last (inclusive), which must lie within the ring (entry 0 is t = 0). */
  async readHistory(first: number, last: number): Promise<ParticleBlock> {
    const n = last - first + 1;
    if (n < 1 || n > PARTICLE_HISTORY_CAPACITY || last > this.stepIndex || first < 0) throw new Error(`readHistory: [${first}, ${last}] is not within the ring`);
    const K = this.populations.length;
    const raw = await readRing(this.device, this.buffers.history, { base: 0, entryBytes: 8 * K, capacity: PARTICLE_HISTORY_CAPACITY }, first, n);
    const words = new Uint32Array(raw);
    const floats = new Float32Array(raw);
    const block: ParticleBlock = { populations: K, steps: [], spikes: new Uint32Array(n * K), N: new Float64Array(n * K), feedback: new Float32Array(n * K) };
    for (let k = 0; k < n; k++) {
      block.steps.push(first + k);
      const dt = this.dtOfStep(first + k);
      for (let alpha = 0; alpha < K; alpha++) {
        const e = k * K + alpha;
        block.spikes[e] = words[2 * e]!;
        block.N[e] = first + k === 0 ? this.initialN : words[2 * e]! / (this.populations[alpha]!.count * dt);
        block.feedback[e] = floats[2 * e + 1]!;
      }
    }
    return block;
  }

  /**
   * The state: v (elapsed: the ages), and g (vc) or the thresholds (nnlif with a spread), and the refractory times (nnlif, τ > 0),
   * slices joined, population after population (population α's neuron i at Σ_{β<α} count_β + i).
   */
  async readState(): Promise<{ v: Float32Array; g?: Float32Array; threshold?: Float32Array; refractory?: Float32Array }> {
    const defines = particleDefines(this.config);
    const total = this.populations.reduce((sum, p) => sum + p.count, 0);
    const read = async (name: StateName) => {
      const out = new Float32Array(total);
      for (const slice of this.slices) out.set(new Float32Array(await readBuffer(this.device, slice.state[name], 0, slice.count * 4)), this.populationOffsets[slice.population]! + slice.offset);
      return out;
    };
    const out: { v: Float32Array; g?: Float32Array; threshold?: Float32Array; refractory?: Float32Array } = { v: await read('stateV') };
    if (defines.VC) out.g = await read('stateG');
    if (defines.SPREAD) out.threshold = await read('stateG');
    if (defines.REFRACTORY) out.refractory = await read('stateR');
    return out;
  }

  /**
   * The step counter, the feedback N of each population on the GPU, and (elapsed, instant kernel) the counting
   * passes the implicit steps ran since the start, the skipped ones after convergence not counted (a u32).
   */
  async readControl(): Promise<{ step: number; feedback: number[]; searchEvaluations: number }> {
    const raw = await readBuffer(this.device, this.buffers.control, 0, CONTROL_BUFFER_BYTES);
    const words = new Uint32Array(raw);
    return { step: words[0]!, feedback: Array.from(new Float32Array(raw, 4 + 4 * MAX_PARTICLE_POPULATIONS, this.populations.length)), searchEvaluations: words[SEARCH_EVALUATIONS_OFFSET / 4]! };
  }

  /** Bin the current state onto each population's histogram grid (integer atomics) and normalise it as a density. */
  async histogram(): Promise<ParticleHistogram> {
    const K = this.populations.length;
    const { nv, ng } = particleHistogramGrid(this.config);
    const cells = nv * ng;
    const encoder = this.device.createCommandEncoder();
    encoder.clearBuffer(this.buffers.histogram);
    const pass = encoder.beginComputePass({ label: 'histogramParticles' });
    this.dispatchSlices(pass, 'histogramParticles');
    pass.end();
    this.device.queue.submit([encoder.finish()]);
    const raw = new Uint32Array(await readBuffer(this.device, this.buffers.histogram, 0, K * (cells + 2) * 4));
    const counts = new Uint32Array(K * cells);
    const density = new Float32Array(K * cells);
    let onGrid = 0;
    let outside = 0;
    let refractory = 0;
    const populations = this.populations.map((p, alpha): ParticleHistogramPart => {
      const grid = particleHistogramGrid(this.config, alpha);
      const block = raw.subarray(alpha * (cells + 2), (alpha + 1) * (cells + 2));
      counts.set(block.subarray(0, cells), alpha * cells);
      const scale = 1 / (p.count * grid.dv * grid.dg);
      let mine = 0;
      for (let c = 0; c < cells; c++) {
        density[alpha * cells + c] = block[c]! * scale;
        mine += block[c]!;
      }
      onGrid += mine;
      outside += block[cells]!;
      refractory += block[cells + 1]!;
      return {
        counts: counts.subarray(alpha * cells, (alpha + 1) * cells),
        density: density.subarray(alpha * cells, (alpha + 1) * cells),
        mass: mine / p.count,
        outside: block[cells]! / p.count,
        refractory: block[cells + 1]! / p.count,
      };
    });
    const total = this.populations.reduce((sum, p) => sum + p.count, 0);
    return {
      shape: particleDefines(this.config).VC ? [ng, nv] : K > 1 ? [K, nv] : [nv],
      counts,
      density,
      mass: onGrid / total,
      outside: outside / total,
      refractory: refractory / total,
      populations,
    };
  }

  /** Copy the state aside (GPU to GPU), to return to it if a later block goes bad. */
  saveCheckpoint(): void {
    this.checkpoint.save(this.stepIndex);
  }

  /** Go back to the checkpoint (the history ring too, so the entries after it are those from before the block). */
  restoreCheckpoint(): void {
    this.stepIndex = this.checkpoint.restore();
    this.stepsFromNowUse(this.config.time.dt);
  }

  /**
   * The state on the host, for a checkpoint on disk: the control block, the history ring and the neurons'
   * arrays. The random numbers are Philox draws keyed by the step (control.step), so the state holds the
   * generator's position: a system that imports it draws what the exporting one would have drawn next.
   */
  async exportState(): Promise<SolverState> {
    return this.checkpoint.exportState(this.stepIndex);
  }

  /**
   * Continue from a state exportState gave (a system of the same config, stepped with its time.dt: a run of
   * `kinfire particles`, which never calls setParameters); the next step is the one after it.
   */
  importState(state: SolverState): void {
    this.stepIndex = this.checkpoint.importState(state);
    this.dtSince = [];
    this.stepsFromNowUse(this.config.time.dt);
  }

  destroy(): void {
    for (const b of Object.values(this.buffers)) b.destroy();
    this.countDispatch?.buffer.destroy();
    this.checkpoint.destroy();
    for (const slice of this.slices) for (const b of [slice.uniform, ...Object.values(slice.state)]) b.destroy();
  }
}

/**
 * The arguments of the elapsed counting passes (particlesDiagnostics.wgsl, countDispatch): every slice's
 * workgroups (x, y, 1), then the same again as the live arguments, which searchSpikes rewrites.
 */
function countDispatchResources(device: GPUDevice, layout: GPUBindGroupLayout, slices: SliceResources[]): { buffer: GPUBuffer; bindGroup: GPUBindGroup } {
  const groups = slices.flatMap((s) => [s.groups[0], s.groups[1], 1]);
  const buffer = device.createBuffer({ label: 'counting-pass arguments', size: 8 * groups.length, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.INDIRECT | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(buffer, 0, new Uint32Array([...groups, ...groups]));
  const bindGroup = device.createBindGroup({ label: 'counting-pass arguments', layout, entries: [{ binding: 0, resource: { buffer } }] });
  return { buffer, bindGroup };
}

const PHI_KIND = { step: 0, constant: 1, sigmoid: 2 } as const;

/** The uniform block of a config (every derived constant in f64, then rounded once to f32). */
function particleParams(config: ParticleConfig, view: StructuredView, N0: number): ArrayBuffer {
  const { dt } = config.time;
  const { seed, smoothing } = config.particles;
  const grid = particleHistogramGrid(config);
  const [seedLo, seedHi] = seedKey(seed);
  const p = config.params;
  const net = config.network;
  const init = config.initial;
  const specs = particlePopulations(config);
  const K = specs.length;
  const populationGrid = (alpha: number) => {
    const g = particleHistogramGrid(config, alpha);
    return { vlo: g.vlo, invDv: 1 / g.dv };
  };
  const values: Record<string, unknown> = {
    populationCount: K,
    historyCapacity: PARTICLE_HISTORY_CAPACITY,
    seed: [seedLo, seedHi],
    dt,
    halfDt: dt / 2,
    smoothDecay: smoothing > 0 ? Math.exp(-dt / smoothing) : 0,
    smoothGain: smoothing > 0 ? -Math.expm1(-dt / smoothing) : 1,
    nv: grid.nv,
    ng: grid.ng,
    invDg: net ? 0 : 1 / grid.dg,
    gL: p.gL,
    VL: p.VL,
    VE: p.VE,
    phiKind: PHI_KIND[p.phiF.kind],
    phiRate: p.phiF.rate,
    phiWidth: p.phiF.width,
  };
  if (config.elapsed) {
    const e = config.elapsed;
    const m = e.model;
    const feedback = elapsedFeedbackRule(e, dt);
    Object.assign(values, {
      // the coupling through the history ring and its filter (elapsedReference.ts, elapsedFeedbackRule)
      smoothDecay: feedback.decay,
      smoothGain: feedback.gain,
      delaySteps: feedback.lag,
      elapsedB: m.b,
      ageKind: m.thresholdAge === 'linear' ? 1 : 0,
      ageS0: m.s0,
      ageK: m.k,
      ageSmin: m.smin,
      ageFiring: m.firing === 'sigmoid' ? 1 : 0,
      ageInfinite: Number.isFinite(m.phi0) ? 0 : 1,
      agePhi0: Number.isFinite(m.phi0) ? m.phi0 : 0,
      ageWidth: m.w,
      ageQuiet: elapsedQuietMargin(m),
      ageCells: e.grid.ns,
      ageImplicit: e.kernel.kind === 'instant' && m.b !== 0 ? 1 : 0,
      ageMaxSpikes: elapsedMaxSpikes(specs[0]!.count),
      populations: [{ count: specs[0]!.count, invCountDt: 1 / (specs[0]!.count * dt), ...populationGrid(0) }],
    });
  } else if (net) {
    const coupling = new Float32Array(4 * MAX_PARTICLE_POPULATIONS * MAX_PARTICLE_POPULATIONS);
    for (let alpha = 0; alpha < K; alpha++) {
      for (let beta = 0; beta < K; beta++) {
        coupling[4 * (MAX_PARTICLE_POPULATIONS * alpha + beta)] = net.coupling.b[alpha]![beta]!;
        coupling[4 * (MAX_PARTICLE_POPULATIONS * alpha + beta) + 1] = net.coupling.a1[alpha]![beta]!;
      }
    }
    Object.assign(values, {
      decay: Math.exp(-dt),
      varFactor: -Math.expm1(-2 * dt),
      bridgeFactor: 2 * Math.sinh(dt),
      spread: net.thresholdSpread,
      delaySteps: Math.round(net.delay / dt),
      coupling,
      populations: net.populations.map((q, alpha) => ({
        count: specs[alpha]!.count,
        invCountDt: 1 / (specs[alpha]!.count * dt),
        ...populationGrid(alpha),
        VR: q.VR,
        VF: q.VF,
        a0: q.a0,
        tau: q.tau,
        softFire: q.firing.kind === 'soft' ? -Math.expm1(-q.firing.rate * dt) : 0,
        soft: q.firing.kind === 'soft' ? 1 : 0,
        v0: q.initial.v0,
        sv: q.initial.sv,
        alphaV: -INFINITE_BOUND,
        betaV: ((q.firing.kind === 'soft' ? q.firing.vmax : q.VF) - q.initial.v0) / q.initial.sv,
      })),
    });
  } else {
    const rho = Math.exp(-dt / p.eps);
    const s2 = p.a * -Math.expm1((-2 * dt) / p.eps);
    // initial g: N(g0, sg²), or with initial.prepared the equilibrium N(Geq(N0), a), truncated to g ≥ 0
    const g0 = init.prepared ? p.gin + p.b * N0 : init.g0;
    const sg = init.prepared ? Math.sqrt(p.a) : init.sg;
    const count = config.particles.count;
    Object.assign(values, {
      gin: p.gin,
      b: p.b,
      rho,
      ouStd: Math.sqrt(s2),
      invOuVar: 1 / s2,
      g0,
      sg,
      alphaG: Math.max(-INFINITE_BOUND, -g0 / sg),
      betaG: INFINITE_BOUND,
      populations: [
        {
          count,
          invCountDt: 1 / (count * dt),
          ...populationGrid(0),
          VR: config.model === 'vc-threshold' ? p.VL : p.VR,
          VF: p.VF,
          v0: init.v0,
          sv: init.sv,
          alphaV: (grid.vlo - init.v0) / init.sv,
          betaV: (grid.vhi - init.v0) / init.sv,
        },
      ],
    });
  }
  view.set(values);
  return view.arrayBuffer;
}
