/**
 * The elapsed-time model on the GPU (elapsedStep.wgsl): one run, one workgroup, one dispatch per step and many
 * steps per submission. The age cells are a ring whose head moves one cell per step (the exact shift; no
 * copy). Threshold firing compiles the variant whose boundary relation costs O(1) per evaluation (suffix sums of
 * the cells, see elapsedStep.wgsl). A step whose N would be non-finite or above Nmax is not taken: the run keeps its last good state
 * (refusesBadSteps in blockLoop.ts). History (N, mass, X, non-uniqueness) of every step is kept in a ring on the
 * GPU and read back once per block. The f64 twin is src/models/elapsed/scheme.ts.
 */
import type { ElapsedRunConfig } from '../models/elapsed/config';
import { elapsedInitialCells, kernelDecay } from '../models/elapsed/scheme';
import type { BlockSystem, SolverState } from './blockLoop';
import { BufferCheckpoint, readBuffer, readRing } from './buffers';
import type { GpuContext } from './gpu';
import { bindingLayout } from './layout';
import { composeWgsl, shaderFiles } from './shaderSource';

export const ELAPSED_STATUS = ['running', 'blowup', 'nonfinite'] as const;
export type ElapsedSolverStatus = (typeof ELAPSED_STATUS)[number];

/** A block of steps: entry k is step steps[k]. */
export interface ElapsedBlock {
  steps: number[];
  N: Float32Array;
  mass: Float32Array;
  X: Float32Array;
  /** 1 where the step's boundary relation had more than one root */
  nonunique: Uint8Array;
  /** 0 good, else the index in ELAPSED_STATUS of why the step was not taken */
  status: Uint32Array;
}

export interface ElapsedSolverState {
  N: number;
  X: number;
  Y: number;
  mass: number;
  taken: number;
  status: ElapsedSolverStatus;
  nonuniqueSteps: number;
}

/** The relative bracket width at which the kernel closes the boundary relation (a few f32 ulps). */
export const ELAPSED_GPU_TOLERANCE = 1e-6;
const HISTORY_SLOTS = 4096;
const STATE_BYTES = 48;
const CHECKPOINTED = ['state', 'ring', 'delayRing'] as const;
type BufferName = 'params' | 'state' | 'ring' | 'delayRing' | 'history' | 'suffix';

/** The params uniform of a config. */
function paramsData(layoutInfo: ReturnType<typeof bindingLayout>, config: ElapsedRunConfig): ArrayBuffer {
  const m = config.elapsed;
  const view = layoutInfo.makeParamsView();
  view.set({
    ns: config.grid.ns,
    capacity: HISTORY_SLOTS,
    kernel: ['instant', 'delay', 'exponential'].indexOf(config.kernel.kind),
    firing: m.firing === 'sigmoid' ? 1 : 0,
    ageKind: m.thresholdAge === 'linear' ? 1 : 0,
    infinite: Number.isFinite(m.phi0) ? 0 : 1,
    delaySlots: Math.max(1, config.time.delaySteps),
    dt: config.time.dt,
    Nmax: Math.min(config.time.Nmax, 3.4e38),
    b: m.b,
    phi0: Number.isFinite(m.phi0) ? m.phi0 : 0,
    w: m.w,
    s0: m.s0,
    k: m.k,
    smin: m.smin,
    decay: kernelDecay(config.kernel, config.time.dt),
    tol: ELAPSED_GPU_TOLERANCE,
  });
  return view.arrayBuffer;
}

export class ElapsedSolver implements BlockSystem<ElapsedBlock> {
  stepIndex = 0;
  readonly capacity = HISTORY_SLOTS;
  private readonly checkpoint: BufferCheckpoint<(typeof CHECKPOINTED)[number]>;

  private constructor(
    private readonly ctx: GpuContext,
    private current: ElapsedRunConfig,
    private readonly buffers: Record<BufferName, GPUBuffer>,
    /** the kernel's two variants (elapsedStep.wgsl: THRESHOLD, the O(1) boundary relation, or sigmoid), so that setParameters can change the firing kind */
    private readonly pipelines: Record<ElapsedRunConfig['elapsed']['firing'], GPUComputePipeline>,
    private readonly bindGroup: GPUBindGroup,
    /** Σ of the initial cells as uploaded (f32) */
    readonly initialMass: number,
    private readonly layoutInfo: ReturnType<typeof bindingLayout>,
  ) {
    this.checkpoint = new BufferCheckpoint(ctx.device, buffers, CHECKPOINTED, 'elapsed');
  }

  /** the config being solved (its model and kernel as last set by setParameters) */
  get config(): ElapsedRunConfig {
    return this.current;
  }

  /**
   * Why the running state cannot go on under `next` (null: it can). The state (the age cells of width dt, the
   * kernel's memory: the filtered rate Y of the exponential kernel, the ring of the last D rates of the delay
   * kernel) keeps its meaning when b, φ0, the firing rate's kind and width, s0, k, smin, s*'s kind, τ and Nmax
   * change, but not when the cells move (ns or dt) or the kernel's memory changes its kind or its length D.
   */
  static whyNotContinued(now: ElapsedRunConfig, next: ElapsedRunConfig): string | null {
    if (now.grid.ns !== next.grid.ns || now.time.dt !== next.time.dt) return 'the age cells changed (ns or dt)';
    if (now.kernel.kind !== next.kernel.kind) return 'the coupling kernel changed its kind (its memory: none, the delay ring or the filtered rate)';
    if (now.time.delaySteps !== next.time.delaySteps) return 'the delay in steps changed (the delay ring holds D slots)';
    return null;
  }

  /**
   * Go on from the current state with the model and kernel of `next` from the next step on; throws where
   * whyNotContinued(config, next) gives a reason. The state and the step count are kept: the next step is
   * the step of a solver created from this state with these parameters.
   */
  setParameters(next: ElapsedRunConfig): void {
    const why = ElapsedSolver.whyNotContinued(this.current, next);
    if (why) throw new Error(`elapsed: setParameters cannot go on from the running state: ${why}`);
    this.ctx.device.queue.writeBuffer(this.buffers.params, 0, paramsData(this.layoutInfo, next));
    this.current = next;
  }

  /** `initial`: the mass of each age cell (default the config's initial data) */
  static async create(ctx: GpuContext, config: ElapsedRunConfig, initial?: ArrayLike<number>): Promise<ElapsedSolver> {
    const { device } = ctx;
    const ns = config.grid.ns;
    const cells = Float32Array.from(initial ?? elapsedInitialCells(config.initial, ns, config.time.dt));
    if (cells.length !== ns) throw new Error(`elapsed: ${ns} initial cells needed (got ${cells.length})`);
    const layoutInfo = bindingLayout(shaderFiles.elapsedBindings, 'elapsedBindings.wgsl');
    device.pushErrorScope('validation');
    const layout = device.createBindGroupLayout({ label: 'elapsed', entries: layoutInfo.entries });
    const pipelineLayout = device.createPipelineLayout({ bindGroupLayouts: [layout] });
    const variant = async (firing: 'threshold' | 'sigmoid') => {
      const module = device.createShaderModule({ label: `elapsedStep (${firing})`, code: composeWgsl(['elapsedBindings', 'elapsedStep'], { THRESHOLD: firing === 'threshold' }) });
      const info = await module.getCompilationInfo();
      const errors = info.messages.filter((msg) => msg.type === 'error');
      if (errors.length) throw new Error(`elapsedStep.wgsl (${firing}) does not compile:\n${errors.map((msg) => `${msg.lineNum}:${msg.linePos} ${msg.message}`).join('\n')}`);
      return device.createComputePipelineAsync({ label: `elapsedStep (${firing})`, layout: pipelineLayout, compute: { module, entryPoint: 'elapsedStep' } });
    };
    const [threshold, sigmoid] = await Promise.all([variant('threshold'), variant('sigmoid')]);
    const pipelines = { threshold, sigmoid };
    const storage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    const make = (label: string, size: number, usage = storage) => device.createBuffer({ label, size: Math.max(16, Math.ceil(size / 16) * 16), usage });
    const slots = Math.max(1, config.time.delaySteps);
    const buffers: Record<BufferName, GPUBuffer> = {
      params: make('elapsed params', layoutInfo.paramsSize, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST),
      state: make('elapsed state', STATE_BYTES),
      ring: make('elapsed age ring', ns * 4),
      delayRing: make('elapsed delay ring', slots * 4),
      history: make('elapsed history', HISTORY_SLOTS * 16),
      suffix: make('elapsed suffix sums', (ns + 1) * 4),
    };
    const bindGroup = device.createBindGroup({ label: 'elapsed', layout, entries: (Object.keys(buffers) as BufferName[]).map((name) => ({ binding: layoutInfo.bindingOf[name]!, resource: { buffer: buffers[name] } })) });
    const validation = await device.popErrorScope();
    if (validation) throw new Error(`WebGPU validation failed while building the elapsed solver: ${validation.message}`);
    device.queue.writeBuffer(buffers.params, 0, paramsData(layoutInfo, config));
    let mass = 0;
    for (const v of cells) mass += v;
    const st = new ArrayBuffer(STATE_BYTES);
    new Float32Array(st)[7] = mass;
    device.queue.writeBuffer(buffers.state, 0, st);
    device.queue.writeBuffer(buffers.ring, 0, cells);
    device.queue.writeBuffer(buffers.delayRing, 0, new Float32Array(slots));
    return new ElapsedSolver(ctx, config, buffers, pipelines, bindGroup, mass, layoutInfo);
  }

  submitSteps(count: number): void {
    if (!Number.isInteger(count) || count < 1 || count > this.capacity) throw new Error(`submitSteps: count must be an integer in [1, ${this.capacity}]`);
    const encoder = this.ctx.device.createCommandEncoder();
    const pass = encoder.beginComputePass({ label: 'elapsed steps' });
    pass.setPipeline(this.pipelines[this.current.elapsed.firing]);
    pass.setBindGroup(0, this.bindGroup);
    for (let s = 0; s < count; s++) pass.dispatchWorkgroups(1);
    pass.end();
    this.ctx.device.queue.submit([encoder.finish()]);
    this.stepIndex += count;
  }

  async advance(count: number): Promise<ElapsedBlock> {
    const first = this.stepIndex;
    this.submitSteps(count);
    return this.readHistory(first, count);
  }

  /** History of dispatches first … first + count − 1 (steps first + 1 … first + count). */
  async readHistory(first: number, count: number): Promise<ElapsedBlock> {
    // the ring and the state in one round trip (both maps in flight together)
    const [ring, state] = await Promise.all([readRing(this.ctx.device, this.buffers.history, { base: 0, entryBytes: 16, capacity: this.capacity }, first, count), this.readState()]);
    const raw = new Float32Array(ring);
    const block: ElapsedBlock = { steps: [], N: new Float32Array(count), mass: new Float32Array(count), X: new Float32Array(count), nonunique: new Uint8Array(count), status: new Uint32Array(count) };
    for (let k = 0; k < count; k++) {
      const step = first + k + 1;
      block.steps.push(step);
      block.N[k] = raw[4 * k]!;
      block.mass[k] = raw[4 * k + 1]!;
      block.X[k] = raw[4 * k + 2]!;
      block.nonunique[k] = raw[4 * k + 3]! > 0 ? 1 : 0;
      block.status[k] = state.status !== 'running' && step > state.taken ? ELAPSED_STATUS.indexOf(state.status) : 0;
    }
    return block;
  }

  async readState(): Promise<ElapsedSolverState> {
    const raw = await readBuffer(this.ctx.device, this.buffers.state, 0, STATE_BYTES);
    const f = new Float32Array(raw);
    const u = new Uint32Array(raw);
    return { taken: u[1]!, status: ELAPSED_STATUS[u[3]!] ?? 'nonfinite', N: f[4]!, Y: f[5]!, X: f[6]!, mass: f[7]!, nonuniqueSteps: u[8]! };
  }

  /** The mass of each age cell, in age order (cell i: ages [i·dt, (i+1)·dt)). */
  async readCells(): Promise<Float32Array> {
    const ns = this.config.grid.ns;
    const head = new Uint32Array(await readBuffer(this.ctx.device, this.buffers.state, 0, 16))[0]!;
    const ring = new Float32Array(await readBuffer(this.ctx.device, this.buffers.ring, 0, ns * 4));
    const cells = new Float32Array(ns);
    for (let i = 0; i < ns; i++) cells[i] = ring[(head + i) % ns]!;
    return cells;
  }

  saveCheckpoint(): void {
    this.checkpoint.save(this.stepIndex);
  }

  restoreCheckpoint(): void {
    this.stepIndex = this.checkpoint.restore();
  }

  /** The state on the host, for a checkpoint on disk: the step and the buffers the last-good-state copy keeps. */
  async exportState(): Promise<SolverState> {
    return this.checkpoint.exportState(this.stepIndex);
  }

  /** Continue from a state exportState gave (a solver of the same problem): the next step is the one after it. */
  importState(state: SolverState): void {
    this.stepIndex = this.checkpoint.importState(state);
  }

  destroy(): void {
    for (const b of Object.values<GPUBuffer>(this.buffers)) b.destroy();
    this.checkpoint.destroy();
  }
}
