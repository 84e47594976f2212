/**
 * The elapsed-time model on the GPU (elapsedStep.wgsl): one run, one workgroup, one dispatch per step and many
 * steps per submission. The age cells are a ring whose head moves one cell per step (the exact shift; no
 * copy). A step whose N would be non-finite or above Nmax is not taken: the run keeps its last good state
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
type BufferName = 'params' | 'state' | 'ring' | 'delayRing' | 'history';

export class ElapsedSolver implements BlockSystem<ElapsedBlock> {
  stepIndex = 0;
  readonly capacity = HISTORY_SLOTS;
  private checkpointStep = 0;
  private readonly checkpoint: BufferCheckpoint<(typeof CHECKPOINTED)[number]>;

  private constructor(
    private readonly ctx: GpuContext,
    readonly config: ElapsedRunConfig,
    private readonly buffers: Record<BufferName, GPUBuffer>,
    private readonly pipeline: GPUComputePipeline,
    private readonly bindGroup: GPUBindGroup,
    /** Σ of the initial cells as uploaded (f32) */
    readonly initialMass: number,
  ) {
    this.checkpoint = new BufferCheckpoint(ctx.device, buffers, CHECKPOINTED, 'elapsed');
  }

  /** `initial`: the mass of each age cell (default the config's initial data) */
  static async create(ctx: GpuContext, config: ElapsedRunConfig, initial?: ArrayLike<number>): Promise<ElapsedSolver> {
    const { device } = ctx;
    const ns = config.grid.ns;
    const m = config.elapsed;
    const cells = Float32Array.from(initial ?? elapsedInitialCells(config.initial, ns, config.time.dt));
    if (cells.length !== ns) throw new Error(`elapsed: ${ns} initial cells needed (got ${cells.length})`);
    const layoutInfo = bindingLayout(shaderFiles.elapsedBindings, 'elapsedBindings.wgsl');
    device.pushErrorScope('validation');
    const layout = device.createBindGroupLayout({ label: 'elapsed', entries: layoutInfo.entries });
    const module = device.createShaderModule({ label: 'elapsedStep', code: composeWgsl(['elapsedBindings', 'elapsedStep']) });
    const info = await module.getCompilationInfo();
    const errors = info.messages.filter((msg) => msg.type === 'error');
    if (errors.length) throw new Error(`elapsedStep.wgsl does not compile:\n${errors.map((msg) => `${msg.lineNum}:${msg.linePos} ${msg.message}`).join('\n')}`);
    const pipeline = await device.createComputePipelineAsync({ label: 'elapsedStep', layout: device.createPipelineLayout({ bindGroupLayouts: [layout] }), compute: { module, entryPoint: 'elapsedStep' } });
    const storage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    const make = (label: string, size: number, usage = storage) => device.createBuffer({ label, size: Math.max(16, Math.ceil(size / 16) * 16), usage });
    const slots = Math.max(1, config.time.delaySteps);
    const buffers: Record<BufferName, GPUBuffer> = {
      params: make('elapsed params', layoutInfo.paramsSize, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST),
      state: make('elapsed state', STATE_BYTES),
      ring: make('elapsed age ring', ns * 4),
      delayRing: make('elapsed delay ring', slots * 4),
      history: make('elapsed history', HISTORY_SLOTS * 16),
    };
    const bindGroup = device.createBindGroup({ label: 'elapsed', layout, entries: (Object.keys(buffers) as BufferName[]).map((name) => ({ binding: layoutInfo.bindingOf[name]!, resource: { buffer: buffers[name] } })) });
    const validation = await device.popErrorScope();
    if (validation) throw new Error(`WebGPU validation failed while building the elapsed solver: ${validation.message}`);
    const view = layoutInfo.makeParamsView();
    view.set({
      ns,
      capacity: HISTORY_SLOTS,
      kernel: ['instant', 'delay', 'exponential'].indexOf(config.kernel.kind),
      firing: m.firing === 'sigmoid' ? 1 : 0,
      ageKind: m.thresholdAge === 'linear' ? 1 : 0,
      infinite: Number.isFinite(m.phi0) ? 0 : 1,
      delaySlots: slots,
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
    device.queue.writeBuffer(buffers.params, 0, view.arrayBuffer);
    let mass = 0;
    for (const v of cells) mass += v;
    const st = new ArrayBuffer(STATE_BYTES);
    new Float32Array(st)[7] = mass;
    device.queue.writeBuffer(buffers.state, 0, st);
    device.queue.writeBuffer(buffers.ring, 0, cells);
    device.queue.writeBuffer(buffers.delayRing, 0, new Float32Array(slots));
    return new ElapsedSolver(ctx, config, buffers, pipeline, bindGroup, mass);
  }

  submitSteps(count: number): void {
    if (!Number.isInteger(count) || count < 1 || count > this.capacity) throw new Error(`submitSteps: count must be an integer in [1, ${this.capacity}]`);
    const encoder = this.ctx.device.createCommandEncoder();
    const pass = encoder.beginComputePass({ label: 'elapsed steps' });
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, this.bindGroup);
    for (let s = 0; s < count; s++) pass.dispatchWorkgroups(1);
    pass.end();
    this.ctx.device.queue.submit([encoder.finish()]);
    this.stepIndex += count;
  }

  async advance(count: number): Promise<ElapsedBlock> {
    const first = this.stepIndex;
    this.submitSteps(count);
    const raw = new Float32Array(await readRing(this.ctx.device, this.buffers.history, { base: 0, entryBytes: 16, capacity: this.capacity }, first, count));
    const state = await this.readState();
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
    this.checkpoint.save();
    this.checkpointStep = this.stepIndex;
  }

  restoreCheckpoint(): void {
    this.checkpoint.restore();
    this.stepIndex = this.checkpointStep;
  }

  /** The state on the host, for a checkpoint on disk: the step and the buffers the last-good-state copy keeps. */
  async exportState(): Promise<SolverState> {
    return { step: this.stepIndex, buffers: await this.checkpoint.readLive() };
  }

  /** Continue from a state exportState gave (a solver of the same problem): the next step is the one after it. */
  importState(state: SolverState): void {
    this.checkpoint.writeLive(state.buffers);
    this.stepIndex = state.step;
    this.checkpointStep = state.step;
  }

  destroy(): void {
    for (const b of Object.values<GPUBuffer>(this.buffers)) b.destroy();
    this.checkpoint.destroy();
  }
}
