/**
 * Ensembles of single neurons on the GPU (neuronsStep.wgsl): M independent neurons of one model, neuron i driven by
 * its own current I_i. One invocation per neuron takes many steps per dispatch with its state in registers; a block
 * of the shared driver (blockLoop.ts) is one or more dispatches (at most DISPATCH_NEURON_STEPS neuron-steps each, so
 * that no dispatch runs for long), one submission each, and ends with one readback of the trace samples it wrote
 * into the trace ring. Spike counts, the first/last spike in the rate window and the first K spike times stay on the
 * GPU until readStats(). No step is ever refused (the neurons are independent and a non-finite state stays the
 * neuron's own), so the loop keeps no device-side copy to roll back to. A checkpoint on disk (kinfire resume)
 * holds what carries the run from one step to the next: the state, the spike counters and times, and the clock
 * and per-step spike counts of the coupling buffer (with J ≠ 0 the previous step's N); the trace ring is read
 * back after every block and needs no keeping. The noise of step n is Philox's (seed, neuron, n), so the
 * checkpoint's random-number position is its step, and a resumed run is bitwise the uninterrupted one.
 * The f64 twin is src/models/neurons/reference.ts.
 */
import type { NeuronsRunConfig } from '../models/neurons/config';
import { axisF32, type HistogramCounts, type NeuronHistogramConfig } from '../models/neurons/histogram';
import { NEURON_MODEL_SPECS } from '../models/neurons/models';
import { ConfigError } from '../models/schema';
import { type BlockProgress, type BlockSystem, blockCheckpoint, type RunCheckpointing, runBlocks, type SolverState } from './blockLoop';
import { readBuffer, readRing } from './buffers';
import type { GpuContext } from './gpu';
import { bindingLayout } from './layout';
import { composeWgsl, shaderFiles } from './shaderSource';

/** Trace samples the ring holds per traced neuron (a block takes at most traceEvery·TRACE_SLOTS steps). */
export const TRACE_SLOTS = 1024;
/** The most neuron-steps of one dispatch. */
export const DISPATCH_NEURON_STEPS = 1 << 23;
const NOT_TRACED = 0xffffffff;
/** Steps whose ensemble spike counts the ring of the coupling buffer holds (ACTIVITY_SLOTS in neuronsStep.wgsl). */
export const ACTIVITY_SLOTS = 4096;
const INPUT_KINDS = ['constant', 'step', 'sine', 'noise'] as const;

export interface NeuronBlock {
  count: number;
  /** the spikes of the whole ensemble in each step of the block */
  stepSpikes: Uint32Array;
  /** the trace samples of the block: their step and the state of every traced neuron, [j·4 + c] */
  samples: { step: number; values: Float32Array }[];
}

export interface NeuronStats {
  count: Uint32Array;
  windowCount: Uint32Array;
  first: Float32Array;
  last: Float32Array;
  /** neuron i's k-th spike time (k < min(count, K)) at [i·K + k] */
  spikeTimes: Float32Array;
  /** component c of neuron i at [c·M + i] */
  state: Float32Array;
}

type BufferName = 'params' | 'state' | 'current' | 'traceIndex' | 'counts' | 'times' | 'spikeTimes' | 'traces' | 'coupling';
/** The buffers a step reads and writes that carry over to the next block (the others are set once or read back per block). */
const CARRIED: readonly BufferName[] = ['state', 'counts', 'times', 'spikeTimes', 'coupling'];

/** A histogram of an ensemble kept on the GPU (NeuronEnsemble.createHistogram). */
export interface EnsembleHistogram {
  /** nx·ny f32: the density of the last encoded histogram (x fastest, row 0 at the lowest y), as the density renderer reads it */
  readonly density: GPUBuffer;
  /** count the ensemble's state now into the histogram, and its density (after the commands before it) */
  encode(encoder: GPUCommandEncoder): void;
  read(): Promise<HistogramCounts>;
  destroy(): void;
}

export class NeuronEnsemble implements BlockSystem<NeuronBlock> {
  stepIndex = 0;
  readonly capacity: number;
  readonly dim: number;
  /** the last step of the previous block, whose ring slot is cleared once the next block no longer needs it */
  private keptSlot = -1;
  /** the histogram kernel, built at its first use */
  private histogramKernel: { count: GPUComputePipeline; density: GPUComputePipeline; layout: GPUBindGroupLayout; makeParams: ReturnType<typeof bindingLayout>['makeParamsView']; paramsSize: number; bindingOf: Record<string, number> } | null = null;

  private constructor(
    private readonly ctx: GpuContext,
    readonly config: NeuronsRunConfig,
    readonly workgroupSize: number,
    private readonly buffers: Record<BufferName, GPUBuffer>,
    private readonly pipeline: GPUComputePipeline,
    private readonly bindGroup: GPUBindGroup,
    private readonly params: { view: ReturnType<ReturnType<typeof bindingLayout>['makeParamsView']> },
    private readonly groups: [number, number],
    private readonly tickPipeline: GPUComputePipeline | null,
  ) {
    this.dim = NEURON_MODEL_SPECS[config.neuron].state.length;
    // a block reads its steps' slots of the activity ring and keeps the slot of its last step (the next step's feedback)
    this.capacity = Math.min(config.traceEvery * TRACE_SLOTS, ACTIVITY_SLOTS - 1);
  }

  /** `workgroupSize` overrides the config's (it changes no result). */
  static async create(ctx: GpuContext, config: NeuronsRunConfig, options: { workgroupSize?: number } = {}): Promise<NeuronEnsemble> {
    const { device } = ctx;
    const spec = NEURON_MODEL_SPECS[config.neuron];
    const dim = spec.state.length;
    const M = config.count;
    const K = config.spikesPerNeuron;
    const wg = options.workgroupSize ?? config.workgroupSize;
    const wgMax = Math.min(256, ctx.limits.maxComputeInvocationsPerWorkgroup, ctx.limits.maxComputeWorkgroupSizeX);
    if (!Number.isInteger(wg) || wg < 1 || wg > wgMax) throw new ConfigError('neurons.workgroupSize', `must be an integer in [1, ${wgMax}] on this adapter (got ${wg})`);
    const bindingMax = Math.min(ctx.limits.maxStorageBufferBindingSize, ctx.limits.maxBufferSize);
    const need = (field: string, bytes: number, what: string) => {
      if (bytes > bindingMax) throw new ConfigError(field, `${what} needs ${bytes} bytes, above this adapter's ${bindingMax} bytes per storage buffer; use fewer neurons`);
    };
    need('neurons.count', dim * M * 4, `the state of ${M} neurons of ${dim} variables`);
    need('neurons.spikesPerNeuron', M * K * 4, `keeping ${K} spike times of ${M} neurons`);
    const traced = config.traces.length;
    const layoutInfo = bindingLayout(shaderFiles.neuronsBindings, 'neuronsBindings.wgsl');
    const defines = {
      HH: config.neuron === 'hh',
      FHN: config.neuron === 'fhn',
      ML: config.neuron === 'ml-class1' || config.neuron === 'ml-class2',
      MS: config.neuron === 'ms',
      NOISE: config.scheme === 'euler-maruyama',
      RUSH_LARSEN: config.scheme === 'rush-larsen',
      COUPLED: config.J !== 0,
      DIM: dim,
    };
    device.pushErrorScope('validation');
    const layout = device.createBindGroupLayout({ label: 'neurons', entries: layoutInfo.entries });
    const module = device.createShaderModule({ label: 'neuronsStep', code: composeWgsl(['neuronsBindings', 'random', 'neuronsStep'], defines) });
    const info = await module.getCompilationInfo();
    const errors = info.messages.filter((msg) => msg.type === 'error');
    if (errors.length) throw new Error(`neuronsStep.wgsl does not compile:\n${errors.map((msg) => `${msg.lineNum}:${msg.linePos} ${msg.message}`).join('\n')}`);
    const pipeline = await device.createComputePipelineAsync({ label: 'neuronsStep', layout: device.createPipelineLayout({ bindGroupLayouts: [layout] }), compute: { module, entryPoint: 'neuronsStep', constants: { WG: wg } } });
    const tickPipeline = config.J !== 0 ? await device.createComputePipelineAsync({ label: 'neuronsTick', layout: device.createPipelineLayout({ bindGroupLayouts: [layout] }), compute: { module, entryPoint: 'neuronsTick' } }) : null;
    const storage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    const make = (label: string, size: number, usage = storage) => device.createBuffer({ label, size: Math.max(16, Math.ceil(size / 16) * 16), usage });
    const buffers: Record<BufferName, GPUBuffer> = {
      params: make('neurons params', layoutInfo.paramsSize, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST),
      state: make('neurons state', dim * M * 4),
      current: make('neurons current', M * 4),
      traceIndex: make('neurons trace index', M * 4),
      counts: make('neurons spike counts', M * 8),
      times: make('neurons window spike times', M * 8),
      spikeTimes: make('neurons spike times', M * K * 4),
      traces: make('neurons traces', TRACE_SLOTS * Math.max(1, traced) * 16),
      coupling: make('neurons clock and activity', (4 + ACTIVITY_SLOTS) * 4),
    };
    const bindGroup = device.createBindGroup({ label: 'neurons', layout, entries: (Object.keys(buffers) as BufferName[]).map((name) => ({ binding: layoutInfo.bindingOf[name]!, resource: { buffer: buffers[name] } })) });
    const validation = await device.popErrorScope();
    if (validation) throw new Error(`WebGPU validation failed while building the neuron ensemble: ${validation.message}`);

    const totalGroups = Math.ceil(M / wg);
    const gx = Math.min(totalGroups, ctx.limits.maxComputeWorkgroupsPerDimension);
    const gy = Math.ceil(totalGroups / gx);
    if (gy > ctx.limits.maxComputeWorkgroupsPerDimension) throw new ConfigError('neurons.count', `${M} neurons need more than ${ctx.limits.maxComputeWorkgroupsPerDimension}² workgroups of ${wg}`);
    const view = layoutInfo.makeParamsView();
    const C = spec.capacitance ? config.params[spec.capacitance]! : 1;
    const input = config.input;
    const p = new Float32Array(16);
    p.set(config.paramVector);
    view.set({
      count: M,
      stepStart: 0,
      stepCount: config.J !== 0 ? 1 : 0,
      traceEvery: config.traceEvery,
      traceSlots: TRACE_SLOTS,
      traced: Math.max(1, traced),
      spikeSlots: K,
      inputKind: INPUT_KINDS.indexOf(input.kind),
      seedLo: input.kind === 'noise' ? input.seed >>> 0 : 0,
      seedHi: 0,
      rowStride: gx * wg,
      dt: config.dt,
      threshold: config.threshold,
      window: config.window,
      noiseScale: input.kind === 'noise' ? (input.sigma / C) * Math.sqrt(config.dt) : 0,
      inOn: input.kind === 'step' ? input.on : 0,
      inOff: input.kind === 'step' ? Math.min(input.off, 3.4e38) : 0,
      amplitude: input.kind === 'sine' ? input.amplitude : 0,
      twoF: input.kind === 'sine' ? 2 * input.frequency : 0,
      J: config.J,
      p,
    });
    const state = new Float32Array(dim * M);
    for (let c = 0; c < dim; c++) state.fill(config.initial[c]!, c * M, (c + 1) * M);
    device.queue.writeBuffer(buffers.state, 0, state);
    device.queue.writeBuffer(buffers.current, 0, Float32Array.from(config.I));
    const traceIndex = new Uint32Array(M).fill(NOT_TRACED);
    config.traces.forEach((i, j) => (traceIndex[i] = j));
    device.queue.writeBuffer(buffers.traceIndex, 0, traceIndex);
    // counts, times and spikeTimes start at zero (WebGPU zero-initialises buffers)
    if (config.J !== 0) device.queue.writeBuffer(buffers.params, 0, view.arrayBuffer);
    return new NeuronEnsemble(ctx, config, wg, buffers, pipeline, bindGroup, { view }, [gx, gy], tickPipeline);
  }

  /** The state of every traced neuron now, [j·4 + c] (the step-0 sample). */
  async readTraced(): Promise<Float32Array> {
    const M = this.config.count;
    const state = new Float32Array(await readBuffer(this.ctx.device, this.buffers.state, 0, this.dim * M * 4));
    const out = new Float32Array(this.config.traces.length * 4);
    this.config.traces.forEach((i, j) => {
      for (let c = 0; c < this.dim; c++) out[j * 4 + c] = state[c * M + i]!;
    });
    return out;
  }

  submitSteps(count: number): void {
    const { device } = this.ctx;
    if (this.tickPipeline) {
      // coupled: every step needs the whole ensemble's previous step, so one dispatch per step, the clock in between
      const encoder = device.createCommandEncoder();
      const pass = encoder.beginComputePass({ label: 'neurons coupled steps' });
      pass.setBindGroup(0, this.bindGroup);
      for (let s = 0; s < count; s++) {
        pass.setPipeline(this.pipeline);
        pass.dispatchWorkgroups(this.groups[0], this.groups[1]);
        pass.setPipeline(this.tickPipeline);
        pass.dispatchWorkgroups(1);
      }
      pass.end();
      device.queue.submit([encoder.finish()]);
      this.stepIndex += count;
      return;
    }
    const perDispatch = Math.max(1, Math.floor(DISPATCH_NEURON_STEPS / this.config.count));
    let done = 0;
    while (done < count) {
      const steps = Math.min(perDispatch, count - done);
      this.params.view.set({ stepStart: this.stepIndex + done, stepCount: steps });
      device.queue.writeBuffer(this.buffers.params, 0, this.params.view.arrayBuffer);
      const encoder = device.createCommandEncoder();
      const pass = encoder.beginComputePass({ label: 'neurons steps' });
      pass.setPipeline(this.pipeline);
      pass.setBindGroup(0, this.bindGroup);
      pass.dispatchWorkgroups(this.groups[0], this.groups[1]);
      pass.end();
      device.queue.submit([encoder.finish()]);
      done += steps;
    }
    this.stepIndex += count;
  }

  async advance(count: number): Promise<NeuronBlock> {
    if (!Number.isInteger(count) || count < 1 || count > this.capacity) throw new Error(`advance: count must be an integer in [1, ${this.capacity}]`);
    const first = this.stepIndex;
    this.submitSteps(count);
    return this.readBlock(first, count);
  }

  /**
   * What steps first + 1 … first + count wrote (submitted, not yet read): their trace samples and the ensemble's spikes
   * in each; their slots of the activity ring are then cleared for reuse, but for the last step's (the next step's feedback).
   */
  async readBlock(first: number, count: number): Promise<NeuronBlock> {
    const every = this.config.traceEvery;
    const sFirst = Math.floor(first / every) + 1;
    const sLast = Math.floor((first + count) / every);
    const samples: NeuronBlock['samples'] = [];
    const traced = this.config.traces.length;
    if (traced > 0 && sLast >= sFirst) {
      const raw = new Float32Array(await readRing(this.ctx.device, this.buffers.traces, { base: 0, entryBytes: traced * 16, capacity: TRACE_SLOTS }, sFirst, sLast - sFirst + 1));
      for (let s = sFirst; s <= sLast; s++) samples.push({ step: s * every, values: raw.slice((s - sFirst) * traced * 4, (s - sFirst + 1) * traced * 4) });
    }
    const stepSpikes = new Uint32Array(await readRing(this.ctx.device, this.buffers.coupling, { base: 16, entryBytes: 4, capacity: ACTIVITY_SLOTS }, first, count));
    // the slots read are cleared for their next use, but for the last step's (the next step's feedback); the one kept by the previous block is cleared now
    const clear = (step: number, n: number) => {
      for (let k = 0; k < n; ) {
        const slot = (step + k) % ACTIVITY_SLOTS;
        const run = Math.min(n - k, ACTIVITY_SLOTS - slot);
        this.ctx.device.queue.writeBuffer(this.buffers.coupling, 16 + slot * 4, new Uint32Array(run));
        k += run;
      }
    };
    if (this.keptSlot >= 0) clear(this.keptSlot, 1);
    if (count > 1) clear(first, count - 1);
    this.keptSlot = first + count - 1;
    return { count, stepSpikes, samples };
  }

  async readStats(): Promise<NeuronStats> {
    const { device } = this.ctx;
    const M = this.config.count;
    const K = this.config.spikesPerNeuron;
    const counts = new Uint32Array(await readBuffer(device, this.buffers.counts, 0, M * 8));
    const times = new Float32Array(await readBuffer(device, this.buffers.times, 0, M * 8));
    const spikeTimes = K > 0 ? new Float32Array(await readBuffer(device, this.buffers.spikeTimes, 0, M * K * 4)) : new Float32Array(0);
    const state = new Float32Array(await readBuffer(device, this.buffers.state, 0, this.dim * M * 4));
    const stats: NeuronStats = { count: new Uint32Array(M), windowCount: new Uint32Array(M), first: new Float32Array(M), last: new Float32Array(M), spikeTimes, state };
    for (let i = 0; i < M; i++) {
      stats.count[i] = counts[2 * i]!;
      stats.windowCount[i] = counts[2 * i + 1]!;
      stats.first[i] = times[2 * i]!;
      stats.last[i] = times[2 * i + 1]!;
    }
    return stats;
  }

  /**
   * The population's histogram over the plane of `h` now (neuronsHistogram.wgsl, one invocation a neuron, integer
   * atomics): the counts, and the neurons outside the range. Equal, count for count, to histogramOfState of the state.
   */
  async histogram(h: NeuronHistogramConfig): Promise<HistogramCounts> {
    const target = await this.createHistogram(h);
    try {
      const encoder = this.ctx.device.createCommandEncoder();
      target.encode(encoder);
      this.ctx.device.queue.submit([encoder.finish()]);
      return await target.read();
    } finally {
      target.destroy();
    }
  }

  /** A histogram of the plane of `h` kept on the GPU: encoded into a command buffer on demand, read back, or drawn from its density buffer. */
  async createHistogram(h: NeuronHistogramConfig): Promise<EnsembleHistogram> {
    const { device } = this.ctx;
    const M = this.config.count;
    if (!this.histogramKernel) {
      const info = bindingLayout(shaderFiles.neuronsHistogram, 'neuronsHistogram.wgsl');
      const layout = device.createBindGroupLayout({ label: 'neurons histogram', entries: info.entries });
      const module = device.createShaderModule({ label: 'neuronsHistogram', code: composeWgsl(['neuronsHistogram']) });
      const pipelineLayout = device.createPipelineLayout({ bindGroupLayouts: [layout] });
      const [count, density] = await Promise.all([
        device.createComputePipelineAsync({ label: 'neuronsHistogram', layout: pipelineLayout, compute: { module, entryPoint: 'neuronsHistogram', constants: { WG: this.workgroupSize } } }),
        device.createComputePipelineAsync({ label: 'histogramDensity', layout: pipelineLayout, compute: { module, entryPoint: 'histogramDensity', constants: { WG: 64 } } }),
      ]);
      this.histogramKernel = { count, density, layout, makeParams: info.makeParamsView, paramsSize: info.paramsSize, bindingOf: info.bindingOf };
    }
    const k = this.histogramKernel;
    const ax = axisF32(h.x, h.nx);
    const ay = axisF32(h.y, h.ny);
    const view = k.makeParams();
    const cellArea = ((h.x[1] - h.x[0]) / h.nx) * ((h.y[1] - h.y[0]) / h.ny);
    view.set({ count: M, nx: h.nx, ny: h.ny, xOffset: h.xComponent * M, yOffset: h.yComponent * M, rowStride: this.groups[0] * this.workgroupSize, xLo: ax.lo, xScale: ax.scale, yLo: ay.lo, yScale: ay.scale, densityScale: 1 / (M * cellArea) });
    const cells = h.nx * h.ny;
    const params = device.createBuffer({ label: 'neurons histogram params', size: k.paramsSize, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    const binsBytes = Math.ceil(((cells + 1) * 4) / 16) * 16;
    const bins = device.createBuffer({ label: 'neurons histogram', size: binsBytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    const density = device.createBuffer({ label: 'neurons histogram density', size: Math.ceil((cells * 4) / 16) * 16, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
    device.queue.writeBuffer(params, 0, view.arrayBuffer);
    const bindGroup = device.createBindGroup({
      label: 'neurons histogram',
      layout: k.layout,
      entries: [
        { binding: k.bindingOf.params!, resource: { buffer: params } },
        { binding: k.bindingOf.state!, resource: { buffer: this.buffers.state } },
        { binding: k.bindingOf.bins!, resource: { buffer: bins } },
        { binding: k.bindingOf.density!, resource: { buffer: density } },
      ],
    });
    const groups = this.groups;
    return {
      density,
      encode(encoder: GPUCommandEncoder): void {
        encoder.clearBuffer(bins);
        const pass = encoder.beginComputePass({ label: 'neurons histogram' });
        pass.setBindGroup(0, bindGroup);
        pass.setPipeline(k.count);
        pass.dispatchWorkgroups(groups[0], groups[1]);
        pass.setPipeline(k.density);
        pass.dispatchWorkgroups(Math.ceil(cells / 64));
        pass.end();
      },
      read: async () => {
        const all = new Uint32Array(await readBuffer(device, bins, 0, (cells + 1) * 4));
        return { counts: all.slice(0, cells), outside: all[cells]! };
      },
      destroy(): void {
        params.destroy();
        bins.destroy();
        density.destroy();
      },
    };
  }

  /** The state after stepIndex steps, on the host, for a checkpoint on disk (between blocks, the GPU idle). */
  async exportState(): Promise<SolverState> {
    const bytes = await Promise.all(CARRIED.map(async (name) => new Uint8Array(await readBuffer(this.ctx.device, this.buffers[name], 0, this.buffers[name].size))));
    return { step: this.stepIndex, buffers: Object.fromEntries(CARRIED.map((name, k) => [name, bytes[k]!])) };
  }

  /** Continue from a state exportState gave (an ensemble of the same config): the next step is the one after it. */
  importState(state: SolverState): void {
    for (const name of CARRIED) {
      const data = state.buffers[name];
      if (!data || data.byteLength !== this.buffers[name].size) throw new Error(`checkpoint: buffer ${name} has ${data?.byteLength ?? 'no'} bytes, the ensemble's has ${this.buffers[name].size}`);
    }
    for (const name of CARRIED) this.ctx.device.queue.writeBuffer(this.buffers[name], 0, Uint8Array.from(state.buffers[name]!));
    this.stepIndex = state.step;
    // the slot of the last step taken is the next step's feedback, cleared after the next block as in advance()
    this.keptSlot = state.step > 0 ? state.step - 1 : -1;
  }

  /** Nothing to keep: no step is ever refused (see the file comment). */
  saveCheckpoint(): void {}

  restoreCheckpoint(): void {
    throw new Error('a neuron ensemble never rolls back: no step is refused');
  }

  destroy(): void {
    for (const b of Object.values<GPUBuffer>(this.buffers)) b.destroy();
  }
}

export interface NeuronRunResult {
  stats: NeuronStats;
  /** the population activity: N averaged over each traceEvery steps, ending at activityT[s] [spikes per neuron per time] */
  activityT: number[];
  activityN: Float64Array;
  /** trace sample times and values: sample s, traced neuron j, component c at [(s·traced + j)·4 + c] */
  traceT: number[];
  traces: Float32Array;
  /** the population's histograms at the steps of config.histogram (none without) */
  histograms: NeuronHistogram[];
  steps: number;
  wallSeconds: number;
  neuronStepsPerSecond: number;
  workgroupSize: number;
}

/** A histogram of the population (histogram.ts) after `step` steps. */
export interface NeuronHistogram extends HistogramCounts {
  step: number;
}

/** What a neuron run has accumulated on the host at a checkpoint: the trace samples, the activity bins so far and the spikes of the open bin. */
export interface NeuronRunHost {
  traceT: number[];
  traces: Float32Array;
  activityT: number[];
  activityN: number[];
  binSpikes: number;
  histograms: NeuronHistogram[];
  wallSeconds: number;
}

/** A whole run: every step, the trace samples, the spike statistics; with `checkpoint`, checkpoints kept (and resumed from). */
export async function runNeurons(
  ctx: GpuContext,
  config: NeuronsRunConfig,
  hooks: { onProgress?(p: BlockProgress): void; workgroupSize?: number; checkpoint?: RunCheckpointing<NeuronRunHost> } = {},
): Promise<NeuronRunResult> {
  const ensemble = await NeuronEnsemble.create(ctx, config, { workgroupSize: hooks.workgroupSize });
  try {
    const traced = config.traces.length;
    const from = hooks.checkpoint?.from;
    if (from && (from.solver.step > config.steps || from.host.traces.length !== from.host.traceT.length * traced * 4)) throw new Error('checkpoint: its histories do not fit this config (traces or steps differ)');
    if (from) ensemble.importState(from.solver);
    const traceT: number[] = from ? [...from.host.traceT] : [0];
    const chunks: Float32Array[] = [from ? from.host.traces : await ensemble.readTraced()];
    const every = config.traceEvery;
    const activityT: number[] = from ? [...from.host.activityT] : [];
    const activityN: number[] = from ? [...from.host.activityN] : [];
    let binSpikes = from?.host.binSpikes ?? 0;
    const histograms: NeuronHistogram[] = [...(from?.host.histograms ?? [])];
    const wallBefore = from?.host.wallSeconds ?? 0;
    const segmentStart = performance.now();
    const tracesSoFar = () => {
      const all = new Float32Array(traceT.length * traced * 4);
      let at = 0;
      for (const c of chunks) {
        all.set(c, at);
        at += c.length;
      }
      return all;
    };
    const loop = await runBlocks<NeuronBlock, never>(ensemble, {
      steps: config.steps,
      dt: config.dt,
      T: config.T,
      capacity: ensemble.capacity,
      snapshotSteps: config.histogram?.steps ?? [],
      judge: () => undefined,
      accept: (block, k, step) => {
        binSpikes += block.stepSpikes[k]!;
        if (step % every === 0 || step === config.steps) {
          const steps = step % every === 0 ? every : step % every;
          activityT.push(step * config.dt);
          activityN.push(binSpikes / (config.count * steps * config.dt));
          binSpikes = 0;
        }
        if (k > 0) return;
        for (const s of block.samples) {
          traceT.push(s.step * config.dt);
          chunks.push(s.values);
        }
      },
      onSnapshot: async (step) => {
        histograms.push({ step, ...(await ensemble.histogram(config.histogram!)) });
      },
      onProgress: hooks.onProgress,
      refusesBadSteps: true,
      ...(from ? { startStep: from.solver.step } : {}),
      ...blockCheckpoint(hooks.checkpoint, ensemble, () => ({ traceT, traces: tracesSoFar(), activityT, activityN, binSpikes, histograms, wallSeconds: wallBefore + (performance.now() - segmentStart) / 1000 })),
    });
    const traces = tracesSoFar();
    const stats = await ensemble.readStats();
    const wallSeconds = wallBefore + loop.wallSeconds;
    return { stats, activityT, activityN: Float64Array.from(activityN), traceT, traces, histograms, steps: loop.steps, wallSeconds, neuronStepsPerSecond: (loop.steps * config.count) / Math.max(wallSeconds, 1e-9), workgroupSize: ensemble.workgroupSize };
  } finally {
    ensemble.destroy();
  }
}
