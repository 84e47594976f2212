/**
 * The particle system on the GPU: `count` neurons, each advanced exactly in law over a step with the
 * Philox-4x32-10 generator keyed by (seed, neuron, step, stream), their spikes counted with integer
 * atomics and turned into the network activity N(t) that feeds back at the next step. A step is two
 * dispatches in one compute pass, with no readback:
 *
 *   stepParticles   ⌈count/WG⌉ workgroups (2D)   every neuron over [t_n, t_{n+1}]; spikes → control.spikes
 *   recordActivity  1 invocation                 N = spikes/(count·dt) → feedback (smoothed) → history ring
 *
 * and many steps go into one submission; N(t) is read back in blocks from the history ring. The state
 * is f32, structure-of-arrays: v (all models), g (vc, vc-threshold) or the neuron's threshold (nnlif with
 * a threshold spread), the remaining refractory time (nnlif with τ > 0), 4 bytes per neuron each.
 *
 * Determinism: every random number is a pure function of (seed, neuron, step, stream, block), the spike
 * count and the histogram are sums of integers, so the spike counts, N(t) and the histograms are bitwise
 * the same for every workgroup size and on every run (test/particles/particles.test.ts).
 */
import { ConfigError, type ParticleConfig } from '../models/config';
import { initialActivity } from '../models/particles/initial';
import { seedKey } from '../models/reference/philox';
import type { StructuredView } from 'webgpu-utils';
import { readBuffer } from './buffers';
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
} as const;

/** History ring length: the most steps one block may take between readbacks. */
export const PARTICLE_HISTORY_CAPACITY = 4096;
export const DEFAULT_PARTICLE_WORKGROUP = 64;

export interface ParticleSystemOptions {
  /** invocations per workgroup of the per-neuron kernels (1 … 256); changes no result, only the speed */
  workgroupSize?: number;
}

export interface ParticleBlock {
  /** step indices n of the entries: the activity of the step ending at t_n = n·dt */
  steps: number[];
  /** spikes in each step (exact) */
  spikes: Uint32Array;
  /** N = spikes / (count·dt), in f64 */
  N: Float64Array;
  /** the feedback the GPU used for the next step (f32; equals N without smoothing, to f32 rounding) */
  feedback: Float32Array;
}

export interface ParticleHistogram {
  /** vc: (ng, nv), v fastest; nnlif: (nv,) */
  shape: number[];
  counts: Uint32Array;
  /** counts / (count·Δv·Δg) (nnlif: count·Δv): Σ density·Δv·Δg = fraction of the neurons on the grid */
  density: Float32Array;
  /** Σ density·Δv·Δg in f64: 1 − outside − refractory */
  mass: number;
  /** fraction of the neurons off the grid */
  outside: number;
  /** fraction of the neurons in the refractory state (nnlif, τ > 0) */
  refractory: number;
}

/** The histogram grid: cells of [vlo, vhi] × [0, gmax] (nnlif: one g cell of unit width). */
export function particleHistogramGrid(config: ParticleConfig): { nv: number; ng: number; vlo: number; vhi: number; dv: number; dg: number; gmax: number } {
  const { nv, ng, vlo, vhi, gmax } = config.grid;
  const nnlif = config.model === 'nnlif';
  return { nv, ng: nnlif ? 1 : ng, vlo, vhi, dv: (vhi - vlo) / nv, dg: nnlif ? 1 : gmax / ng, gmax };
}

/** The largest count whose state arrays fit one storage binding of this device. */
export function maxParticleCount(limits: GPUSupportedLimits): number {
  return Math.min(Math.floor(Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize) / 4), 0xffffffff);
}

/** Refuses a count whose f32 state arrays exceed this adapter's storage binding limit (ConfigError). */
export function checkParticleCountFits(limits: GPUSupportedLimits, count: number): void {
  const maxBytes = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  if (count * 4 > maxBytes) {
    throw new ConfigError(
      'particles.count',
      `${count} neurons need ${(count * 4) / 2 ** 20} MiB per state array (4 bytes per neuron), but this adapter binds at most ` +
        `${maxBytes / 2 ** 20} MiB per storage buffer: at most ${maxParticleCount(limits)} neurons (state splitting is not implemented yet)`,
    );
  }
}

type KernelName = 'initParticles' | 'stepParticles' | 'recordActivity' | 'histogramParticles';

/** The preprocessor variant of a config. */
export function particleDefines(config: ParticleConfig): Record<string, boolean> {
  const n = config.nnlif;
  return {
    VC: config.model !== 'nnlif',
    THRESHOLD: config.model === 'vc-threshold',
    NNLIF: config.model === 'nnlif',
    BRIDGE: !!n && n.bridge,
    REFRACTORY: !!n && n.tau > 0,
    SPREAD: !!n && n.thresholdSpread > 0,
  };
}

export function particleKernelSpecs(config: ParticleConfig): Record<KernelName, { files: readonly ShaderFile[]; entryPoint: string; defines: Record<string, boolean> }> {
  const defines = particleDefines(config);
  const step = ['random', 'particlesBindings', 'particlesStep'] as const;
  const diag = ['particlesBindings', 'particlesDiagnostics'] as const;
  return {
    initParticles: { files: step, entryPoint: 'initParticles', defines },
    stepParticles: { files: step, entryPoint: 'stepParticles', defines },
    recordActivity: { files: diag, entryPoint: 'recordActivity', defines },
    histogramParticles: { files: diag, entryPoint: 'histogramParticles', defines },
  };
}

const INFINITE_BOUND = 1e30;
type BufferName = 'params' | 'stateV' | 'stateG' | 'stateR' | 'control' | 'history' | 'histogram';
type CheckpointName = 'stateV' | 'stateG' | 'stateR' | 'control';

export class ParticleSystem {
  /** steps taken since the initial state */
  stepIndex = 0;
  readonly workgroupSize: number;
  /** N at t = 0: the feedback of the first step */
  readonly initialN: number;
  private readonly device: GPUDevice;
  private checkpointStep = 0;

  private constructor(
    readonly ctx: GpuContext,
    readonly config: ParticleConfig,
    private readonly buffers: Record<BufferName, GPUBuffer>,
    private readonly checkpoint: Partial<Record<CheckpointName, GPUBuffer>>,
    private readonly pipelines: Record<KernelName, GPUComputePipeline>,
    private readonly bindGroup: GPUBindGroup,
    private readonly groups: [number, number],
    workgroupSize: number,
    initialN: number,
  ) {
    this.device = ctx.device;
    this.workgroupSize = workgroupSize;
    this.initialN = initialN;
  }

  /** Compile the kernels, allocate the buffers and draw the initial state (step 0). */
  static async create(ctx: GpuContext, config: ParticleConfig, options: ParticleSystemOptions = {}): Promise<ParticleSystem> {
    const { device, limits } = ctx;
    const wg = options.workgroupSize ?? DEFAULT_PARTICLE_WORKGROUP;
    const wgMax = Math.min(limits.maxComputeWorkgroupSizeX, limits.maxComputeInvocationsPerWorkgroup);
    if (!Number.isInteger(wg) || wg < 1 || wg > wgMax) throw new Error(`workgroupSize must be an integer in [1, ${wgMax}], got ${wg}`);
    const count = config.particles.count;
    checkParticleCountFits(limits, count);
    const totalGroups = Math.ceil(count / wg);
    const gx = Math.min(totalGroups, limits.maxComputeWorkgroupsPerDimension);
    const gy = Math.ceil(totalGroups / gx);
    if (gy > limits.maxComputeWorkgroupsPerDimension) throw new ConfigError('particles.count', `${count} neurons need more than ${limits.maxComputeWorkgroupsPerDimension}² workgroups of ${wg}`);

    const specs = particleKernelSpecs(config);
    const layoutInfo = bindingLayout(shaderFiles.particlesBindings, 'particlesBindings.wgsl');
    device.pushErrorScope('validation');
    const layout = device.createBindGroupLayout({ label: 'particles', entries: layoutInfo.entries });
    const pipelineLayout = device.createPipelineLayout({ bindGroupLayouts: [layout] });
    const modules = new Map<string, GPUShaderModule>();
    const pipelines = {} as Record<KernelName, GPUComputePipeline>;
    for (const [name, spec] of Object.entries(specs) as [KernelName, (typeof specs)[KernelName]][]) {
      const code = composeWgsl(spec.files, spec.defines);
      let module = modules.get(code);
      if (!module) {
        module = device.createShaderModule({ code, label: `particles: ${spec.files[spec.files.length - 1]}` });
        const info = await module.getCompilationInfo();
        const errors = info.messages.filter((m) => m.type === 'error');
        if (errors.length) throw new Error(`WGSL of ${spec.entryPoint} does not compile:\n${errors.map((m) => `${m.lineNum}:${m.linePos} ${m.message}`).join('\n')}`);
        modules.set(code, module);
      }
      const constants: Record<string, number> = name === 'recordActivity' ? {} : { WG: wg };
      pipelines[name] = await device.createComputePipelineAsync({ label: name, layout: pipelineLayout, compute: { module, entryPoint: spec.entryPoint, constants } });
    }

    const defines = particleDefines(config);
    const grid = particleHistogramGrid(config);
    const storage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    const make = (label: string, size: number, usage = storage) => device.createBuffer({ label, size: Math.max(16, Math.ceil(size / 4) * 4), usage });
    const usesG = defines.VC || defines.SPREAD;
    const usesR = defines.REFRACTORY;
    const paramsView = layoutInfo.makeParamsView();
    const buffers: Record<BufferName, GPUBuffer> = {
      params: make('particle params', paramsView.arrayBuffer.byteLength, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST),
      stateV: make('v', count * 4),
      stateG: make(defines.VC ? 'g' : 'threshold', usesG ? count * 4 : 16),
      stateR: make('refractory time', usesR ? count * 4 : 16),
      control: make('control', 16),
      history: make('history', PARTICLE_HISTORY_CAPACITY * 8),
      histogram: make('histogram', (grid.nv * grid.ng + 2) * 4),
    };
    const checkpoint: Partial<Record<CheckpointName, GPUBuffer>> = {
      stateV: make('checkpoint v', count * 4),
      control: make('checkpoint control', 16),
    };
    if (usesG) checkpoint.stateG = make('checkpoint g', count * 4);
    if (usesR) checkpoint.stateR = make('checkpoint refractory', count * 4);
    const bindGroup = device.createBindGroup({
      label: 'particles',
      layout,
      entries: (Object.keys(buffers) as BufferName[]).map((name) => ({ binding: layoutInfo.bindingOf[name], resource: { buffer: buffers[name] } })),
    });
    const error = await device.popErrorScope();
    if (error) throw new Error(`WebGPU validation failed while building the particle system: ${error.message}`);

    const N0 = initialActivity(config);
    const system = new ParticleSystem(ctx, config, buffers, checkpoint, pipelines, bindGroup, [gx, gy], wg, N0);
    device.queue.writeBuffer(buffers.params, 0, particleParams(config, paramsView, N0));
    system.initialize();
    return system;
  }

  /** Draw the initial state, reset the clock and record t = 0 (N0, no spikes). */
  initialize(): void {
    const control = new ArrayBuffer(16);
    new Uint32Array(control).set([0, 0]);
    new Float32Array(control, 8, 1)[0] = this.initialN;
    this.device.queue.writeBuffer(this.buffers.control, 0, control);
    this.device.queue.writeBuffer(this.buffers.history, 0, new Uint32Array([0, new Uint32Array(new Float32Array([this.initialN]).buffer)[0]]));
    this.stepIndex = 0;
    const encoder = this.device.createCommandEncoder();
    const pass = encoder.beginComputePass({ label: 'initParticles' });
    this.dispatch(pass, 'initParticles');
    pass.end();
    this.device.queue.submit([encoder.finish()]);
  }

  private dispatch(pass: GPUComputePassEncoder, kernel: KernelName): void {
    pass.setPipeline(this.pipelines[kernel]);
    pass.setBindGroup(0, this.bindGroup);
    if (kernel === 'recordActivity') pass.dispatchWorkgroups(1);
    else pass.dispatchWorkgroups(this.groups[0], this.groups[1]);
  }

  /** Submit `count` steps (≤ PARTICLE_HISTORY_CAPACITY) in one command buffer; returns immediately. */
  submitSteps(count: number): void {
    if (!Number.isInteger(count) || count < 1 || count > PARTICLE_HISTORY_CAPACITY) throw new Error(`submitSteps: count must be an integer in [1, ${PARTICLE_HISTORY_CAPACITY}]`);
    if (this.stepIndex + count > 0xfffffffe) throw new Error('submitSteps: the step counter (a u32 Philox word) would overflow');
    const encoder = this.device.createCommandEncoder();
    const pass = encoder.beginComputePass({ label: 'particle steps' });
    for (let s = 0; s < count; s++) {
      this.dispatch(pass, 'stepParticles');
      this.dispatch(pass, 'recordActivity');
    }
    pass.end();
    this.device.queue.submit([encoder.finish()]);
    this.stepIndex += count;
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
    const raw = await readBuffer(this.device, this.buffers.history, 0, PARTICLE_HISTORY_CAPACITY * 8);
    const words = new Uint32Array(raw);
    const floats = new Float32Array(raw);
    const scale = 1 / (this.config.particles.count * this.config.time.dt);
    const block: ParticleBlock = { steps: [], spikes: new Uint32Array(n), N: new Float64Array(n), feedback: new Float32Array(n) };
    for (let k = 0; k < n; k++) {
      const slot = (first + k) % PARTICLE_HISTORY_CAPACITY;
      block.steps.push(first + k);
      block.spikes[k] = words[2 * slot];
      block.N[k] = first + k === 0 ? this.initialN : words[2 * slot] * scale;
      block.feedback[k] = floats[2 * slot + 1];
    }
    return block;
  }

  /** The state: v, and g (vc) or the thresholds (nnlif with a spread), and the refractory times (nnlif, τ > 0). */
  async readState(): Promise<{ v: Float32Array; g?: Float32Array; threshold?: Float32Array; refractory?: Float32Array }> {
    const bytes = this.config.particles.count * 4;
    const defines = particleDefines(this.config);
    const v = new Float32Array(await readBuffer(this.device, this.buffers.stateV, 0, bytes));
    const out: { v: Float32Array; g?: Float32Array; threshold?: Float32Array; refractory?: Float32Array } = { v };
    if (defines.VC) out.g = new Float32Array(await readBuffer(this.device, this.buffers.stateG, 0, bytes));
    if (defines.SPREAD) out.threshold = new Float32Array(await readBuffer(this.device, this.buffers.stateG, 0, bytes));
    if (defines.REFRACTORY) out.refractory = new Float32Array(await readBuffer(this.device, this.buffers.stateR, 0, bytes));
    return out;
  }

  /** The step counter and the feedback N of the GPU. */
  async readControl(): Promise<{ step: number; feedback: number }> {
    const raw = await readBuffer(this.device, this.buffers.control, 0, 16);
    return { step: new Uint32Array(raw)[0], feedback: new Float32Array(raw)[2] };
  }

  /** Bin the current state onto the histogram grid (integer atomics) and normalise it as a density. */
  async histogram(): Promise<ParticleHistogram> {
    const grid = particleHistogramGrid(this.config);
    const cells = grid.nv * grid.ng;
    const encoder = this.device.createCommandEncoder();
    encoder.clearBuffer(this.buffers.histogram);
    const pass = encoder.beginComputePass({ label: 'histogramParticles' });
    this.dispatch(pass, 'histogramParticles');
    pass.end();
    this.device.queue.submit([encoder.finish()]);
    const raw = new Uint32Array(await readBuffer(this.device, this.buffers.histogram, 0, (cells + 2) * 4));
    const count = this.config.particles.count;
    const counts = raw.slice(0, cells);
    const scale = 1 / (count * grid.dv * grid.dg);
    const density = new Float32Array(cells);
    let onGrid = 0;
    for (let c = 0; c < cells; c++) {
      density[c] = counts[c] * scale;
      onGrid += counts[c];
    }
    return {
      shape: this.config.model === 'nnlif' ? [grid.nv] : [grid.ng, grid.nv],
      counts,
      density,
      mass: onGrid / count,
      outside: raw[cells] / count,
      refractory: raw[cells + 1] / count,
    };
  }

  /** Copy the state aside (GPU to GPU), to return to it if a later block goes bad. */
  saveCheckpoint(): void {
    const encoder = this.device.createCommandEncoder();
    for (const [name, target] of Object.entries(this.checkpoint) as [CheckpointName, GPUBuffer][]) encoder.copyBufferToBuffer(this.buffers[name], 0, target, 0, target.size);
    this.device.queue.submit([encoder.finish()]);
    this.checkpointStep = this.stepIndex;
  }

  /** Go back to the checkpoint; the history entries after it are stale until rewritten. */
  restoreCheckpoint(): void {
    const encoder = this.device.createCommandEncoder();
    for (const [name, source] of Object.entries(this.checkpoint) as [CheckpointName, GPUBuffer][]) encoder.copyBufferToBuffer(source, 0, this.buffers[name], 0, source.size);
    this.device.queue.submit([encoder.finish()]);
    this.stepIndex = this.checkpointStep;
  }

  destroy(): void {
    for (const b of [...Object.values(this.buffers), ...Object.values(this.checkpoint)]) b?.destroy();
  }
}

const PHI_KIND = { step: 0, constant: 1, sigmoid: 2 } as const;

/** The uniform block of a config (every derived constant in f64, then rounded once to f32). */
function particleParams(config: ParticleConfig, view: StructuredView, N0: number): ArrayBuffer {
  const { dt } = config.time;
  const { count, seed, smoothing } = config.particles;
  const grid = particleHistogramGrid(config);
  const [seedLo, seedHi] = seedKey(seed);
  const p = config.params;
  const n = config.nnlif;
  const init = config.initial;
  const values: Record<string, unknown> = {
    count,
    historyCapacity: PARTICLE_HISTORY_CAPACITY,
    seed: [seedLo, seedHi],
    dt,
    halfDt: dt / 2,
    invCountDt: 1 / (count * dt),
    smoothDecay: smoothing > 0 ? Math.exp(-dt / smoothing) : 0,
    smoothGain: smoothing > 0 ? -Math.expm1(-dt / smoothing) : 1,
    nv: grid.nv,
    ng: grid.ng,
    vlo: grid.vlo,
    invDv: 1 / grid.dv,
    invDg: n ? 0 : 1 / grid.dg,
    gL: p.gL,
    VL: p.VL,
    VE: p.VE,
    phiKind: PHI_KIND[p.phiF.kind],
    phiRate: p.phiF.rate,
    phiWidth: p.phiF.width,
  };
  if (n) {
    Object.assign(values, {
      VR: n.VR,
      VF: n.VF,
      b: n.b,
      decay: Math.exp(-dt),
      varFactor: -Math.expm1(-2 * dt),
      bridgeFactor: 2 * Math.sinh(dt),
      a0: n.a0,
      a1: n.a1,
      tau: n.tau,
      spread: n.thresholdSpread,
      v0: init.v0,
      sv: init.sv,
      alphaV: -INFINITE_BOUND,
      betaV: (n.VF - init.v0) / init.sv,
    });
  } else {
    const rho = Math.exp(-dt / p.eps);
    const s2 = p.a * -Math.expm1((-2 * dt) / p.eps);
    // initial g: N(g0, sg²), or with initial.prepared the equilibrium N(Geq(N0), a), truncated to g ≥ 0
    const g0 = init.prepared ? p.gin + p.b * N0 : init.g0;
    const sg = init.prepared ? Math.sqrt(p.a) : init.sg;
    Object.assign(values, {
      VR: config.model === 'vc-threshold' ? p.VL : p.VR,
      VF: p.VF,
      gin: p.gin,
      b: p.b,
      rho,
      ouStd: Math.sqrt(s2),
      invOuVar: 1 / s2,
      v0: init.v0,
      sv: init.sv,
      alphaV: (grid.vlo - init.v0) / init.sv,
      betaV: (grid.vhi - init.v0) / init.sv,
      g0,
      sg,
      alphaG: Math.max(-INFINITE_BOUND, -g0 / sg),
      betaG: INFINITE_BOUND,
    });
  }
  view.set(values);
  return view.arrayBuffer;
}
