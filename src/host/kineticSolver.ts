/**
 * The kinetic solver on the GPU: buffers, pipelines and the encoding of many Strang steps per queue
 * submission. A step is five dispatches in one compute pass, with no readback:
 *
 *   rowStep (first half)   ng workgroups     p_A → p_B   F(dt/2)T(dt/2) (vc) | T(dt/2) (threshold)
 *   conductanceFactor      1 workgroup       N* → Geq → LU of I + dt L_G (same for all columns)
 *   conductanceSolve       nv/64 workgroups  p_B in place, one invocation per v-column
 *                                            (vc-limit: conductanceProject, the ε → 0 limit)
 *   rowStep (second half)  ng workgroups     p_B → p_A   T(dt/2)F(dt/2) (vc) | T(dt/2) (threshold)
 *   recordDiagnostics      1 workgroup       N(t_n), mass → history ring; step counter + 1
 *
 * so the state is always back in p_A after a step. N(t) and the mass are read back in blocks from
 * the history ring.
 */
import type { KinfireConfig } from '../models/config';
import {
  firingCellCoefficients,
  firingRateCells,
  gCenter,
  type Grid,
  gridOf,
  initialDensity,
  sameGridCells,
  transportRowCoefficients,
} from '../models/discretization';
import { readBuffer } from './buffers';
import type { GpuContext } from './gpu';
import { type StepLayout, stepLayout } from './layout';
import { composeWgsl, type ShaderFile } from './shaderSource';

/**
 * Workgroup size of the kernels that reduce over a row (or over the rows): about eight cells per
 * invocation, a power of two in [32, 256]. Barriers cost more the larger the workgroup (on SwiftShader
 * a 256-wide row reduction of a 64-cell row is 20x slower than a 32-wide one), and idle invocations
 * only add barrier work. The size is a function of the grid alone, so the reduction tree, and with it
 * every rounding, is the same on every run of the same grid.
 */
export function reductionWorkgroupSize(cells: number): number {
  const want = 2 ** Math.ceil(Math.log2(Math.max(1, cells / 8)));
  return Math.min(256, Math.max(32, want));
}
export const COLUMN_WORKGROUP = 64;
/** History ring length: the most steps one block may take between readbacks. */
export const HISTORY_CAPACITY = 4096;

export class GridTooLargeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GridTooLargeError';
  }
}

/** The largest cell count one state buffer may hold on this device, and the check of a grid against it. */
export function checkGridFits(limits: GPUSupportedLimits, nv: number, ng: number): void {
  const maxBytes = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  const maxCells = Math.floor(maxBytes / 4);
  const side = Math.floor(Math.sqrt(maxCells));
  if (nv * ng > maxCells) {
    throw new GridTooLargeError(
      `grid: nv × ng = ${nv} × ${ng} = ${nv * ng} cells needs ${(nv * ng * 4) / 2 ** 20} MiB per state buffer, ` +
        `but this adapter allows ${maxBytes / 2 ** 20} MiB per storage binding: at most ${maxCells} cells ` +
        `(e.g. ${side} × ${side}).`,
    );
  }
  if (ng > limits.maxComputeWorkgroupsPerDimension) {
    throw new GridTooLargeError(`grid.ng = ${ng} exceeds this adapter's ${limits.maxComputeWorkgroupsPerDimension} workgroups per dimension (one per g-row)`);
  }
  if (Math.ceil(nv / COLUMN_WORKGROUP) > limits.maxComputeWorkgroupsPerDimension) {
    throw new GridTooLargeError(`grid.nv = ${nv} exceeds ${limits.maxComputeWorkgroupsPerDimension * COLUMN_WORKGROUP} columns`);
  }
}

/** The kernels of the kinetic step and its reductions, by name (for running or timing one alone). */
export type KernelName = 'rowFirstHalf' | 'rowSecondHalf' | 'conductanceFactor' | 'conductanceSolve' | 'conductanceProject' | 'recordDiagnostics' | 'stateRowStats' | 'voltageMarginal';

interface KernelSpec {
  files: readonly ShaderFile[];
  entryPoint: string;
  defines: Record<string, boolean>;
}

/** Every kernel of the step: which WGSL files make its module, which entry point and variant. */
export function kernelSpecs(threshold: boolean, limit = false): Record<KernelName, KernelSpec> {
  const row = ['bindings', 'reduce', 'vTransport', 'rowStep'] as const;
  const conductance = ['bindings', 'reduce', 'conductanceStep'] as const;
  const diag = ['bindings', 'reduce', 'diagnostics'] as const;
  return {
    rowFirstHalf: { files: row, entryPoint: 'rowStep', defines: { FIRST_HALF: true, THRESHOLD: threshold, FIRING_BEFORE_TRANSPORT: !threshold } },
    rowSecondHalf: { files: row, entryPoint: 'rowStep', defines: { FIRST_HALF: false, THRESHOLD: threshold, FIRING_BEFORE_TRANSPORT: false } },
    conductanceFactor: { files: conductance, entryPoint: 'conductanceFactor', defines: { EQUILIBRIUM_VECTOR: limit } },
    conductanceSolve: { files: conductance, entryPoint: 'conductanceSolve', defines: { EQUILIBRIUM_VECTOR: limit } },
    conductanceProject: { files: conductance, entryPoint: 'conductanceProject', defines: { EQUILIBRIUM_VECTOR: limit } },
    recordDiagnostics: { files: diag, entryPoint: 'recordDiagnostics', defines: { THRESHOLD: threshold } },
    stateRowStats: { files: diag, entryPoint: 'stateRowStats', defines: { THRESHOLD: threshold } },
    voltageMarginal: { files: diag, entryPoint: 'voltageMarginal', defines: { THRESHOLD: threshold } },
  };
}

export interface ActivityBlock {
  /** step indices n (time n·dt) */
  steps: number[];
  N: Float32Array;
  mass: Float32Array;
}

export class KineticSolver {
  private currentGrid: Grid;
  /** steps taken since the initial state */
  stepIndex = 0;
  private readonly device: GPUDevice;
  private readonly buffers: Record<'params' | 'stateA' | 'stateB' | 'coefficients' | 'rowStats' | 'factor' | 'diagnostics' | 'marginal' | 'checkpoint', GPUBuffer>;
  private readonly pipelines: Record<KernelName, GPUComputePipeline>;
  /** src = A, dst = B (first half, g-step) and src = B, dst = A (second half) */
  private readonly forward: GPUBindGroup;
  private readonly backward: GPUBindGroup;
  private checkpointStep = 0;
  private currentConfig: KinfireConfig;

  private constructor(
    readonly ctx: GpuContext,
    config: KinfireConfig,
    parts: {
      buffers: KineticSolver['buffers'];
      pipelines: KineticSolver['pipelines'];
      forward: GPUBindGroup;
      backward: GPUBindGroup;
    },
  ) {
    this.device = ctx.device;
    this.currentConfig = config;
    this.currentGrid = gridOf(config);
    this.buffers = parts.buffers;
    this.pipelines = parts.pipelines;
    this.forward = parts.forward;
    this.backward = parts.backward;
  }

  /** Compile the kernels, allocate the buffers and upload the initial density (or `p0`). */
  static async create(ctx: GpuContext, config: KinfireConfig, p0?: Float32Array | Float64Array): Promise<KineticSolver> {
    const { device } = ctx;
    const grid = gridOf(config);
    checkGridFits(ctx.limits, grid.nv, grid.ng);
    const threshold = config.model === 'vc-threshold';
    const specs = kernelSpecs(threshold, config.model === 'vc-limit');

    device.pushErrorScope('validation');
    const modules = new Map<string, GPUShaderModule>();
    const codeOf = (spec: KernelSpec) => composeWgsl(spec.files, spec.defines);
    const moduleOf = (spec: KernelSpec) => {
      const code = codeOf(spec);
      let module = modules.get(code);
      if (!module) {
        module = device.createShaderModule({ code, label: spec.entryPoint });
        modules.set(code, module);
      }
      return module;
    };

    // One bind-group layout for all step kernels, derived from bindings.wgsl.
    const stepBindings = stepLayout();
    const layout = device.createBindGroupLayout({ label: 'kinetic step', entries: stepBindings.entries });
    const pipelineLayout = device.createPipelineLayout({ bindGroupLayouts: [layout] });

    const pipelines = {} as Record<KernelName, GPUComputePipeline>;
    for (const [name, spec] of Object.entries(specs) as [KernelName, KernelSpec][]) {
      const code = codeOf(spec);
      // Row kernels reduce over nv cells; the single-workgroup kernels reduce over the ng rows.
      const reducesRows = name === 'conductanceFactor' || name === 'recordDiagnostics';
      const constants: Record<string, number> = { WG: reductionWorkgroupSize(reducesRows ? grid.ng : grid.nv) };
      if (code.includes('override WG_COLUMN')) constants.WG_COLUMN = COLUMN_WORKGROUP;
      pipelines[name] = await device.createComputePipelineAsync({
        label: name,
        layout: pipelineLayout,
        compute: { module: moduleOf(spec), entryPoint: spec.entryPoint, constants },
      });
    }

    const cells = grid.nv * grid.ng;
    const storage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    const make = (label: string, size: number, usage = storage) => device.createBuffer({ label, size: Math.max(16, size), usage });
    const buffers = {
      params: make('params', stepBindings.paramsSize, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST),
      stateA: make('p (state A)', cells * 4),
      stateB: make('p (state B)', cells * 4),
      checkpoint: make('p (last good state)', cells * 4),
      coefficients: make('coefficients', (grid.ng + grid.nv) * 16),
      rowStats: make('rowStats', grid.ng * 16),
      factor: make('factor', grid.ng * 16),
      diagnostics: make('diagnostics', 16 + HISTORY_CAPACITY * 8),
      marginal: make('marginal', grid.nv * 4),
    };
    const bindGroup = (src: GPUBuffer, dst: GPUBuffer, label: string) =>
      device.createBindGroup({
        label,
        layout,
        entries: [
          ['params', buffers.params],
          ['src', src],
          ['dst', dst],
          ['coefficients', buffers.coefficients],
          ['rowStats', buffers.rowStats],
          ['factor', buffers.factor],
          ['diagnostics', buffers.diagnostics],
          ['marginal', buffers.marginal],
        ].map(([name, buffer]) => ({ binding: stepBindings.bindingOf[name as string], resource: { buffer: buffer as GPUBuffer } })),
      });
    const forward = bindGroup(buffers.stateA, buffers.stateB, 'A→B');
    const backward = bindGroup(buffers.stateB, buffers.stateA, 'B→A');
    const error = await device.popErrorScope();
    if (error) throw new Error(`WebGPU validation failed while building the solver: ${error.message}`);

    const solver = new KineticSolver(ctx, config, { buffers, pipelines, forward, backward });
    solver.writeParams(stepBindings);
    solver.uploadState(p0 ?? initialDensity(config, grid));
    return solver;
  }

  /** The grid; setParameters may move the reinjection cell (VR), nothing else. */
  get grid(): Grid {
    return this.currentGrid;
  }

  /** The configuration the solver steps with (setParameters may replace it). */
  get config(): KinfireConfig {
    return this.currentConfig;
  }

  /**
   * The state p after the last whole step (nv·ng f32, v fastest), for drawing it where it lies. Only
   * read it between submissions of steps: a step writes it.
   */
  get density(): GPUBuffer {
    return this.buffers.stateA;
  }

  /**
   * Step on with other parameters (model constants, ε, coupling, firing rate, dt), keeping the state and
   * the clock: the uniform block and the per-row and per-cell coefficients are rewritten. The model and
   * the grid (cells and extent) must stay the same, since they choose the kernels and give p its meaning.
   */
  setParameters(config: KinfireConfig): void {
    const grid = gridOf(config);
    if (config.model !== this.config.model || !sameGridCells(grid, this.grid)) {
      throw new Error('setParameters: the model and the grid must stay the same (build a new solver for another one)');
    }
    this.currentConfig = config;
    this.currentGrid = grid;
    this.writeParams(stepLayout());
  }

  private writeParams(layout: StepLayout): void {
    const { grid, config } = this;
    const p = config.params;
    const dt = config.time.dt;
    const view = layout.makeParamsView();
    view.set({
      nv: grid.nv,
      ng: grid.ng,
      reinjectCell: grid.reinjectCell,
      historyCapacity: HISTORY_CAPACITY,
      dv: grid.dv,
      dg: grid.dg,
      dt,
      halfDt: dt / 2,
      kappa: (dt * p.a) / (p.eps * grid.dg * grid.dg),
      dgOverA: grid.dg / p.a,
      gin: p.gin,
      b: p.b,
      gL: p.gL,
      VL: p.VL,
      VE: p.VE,
      vhi: grid.vhi,
    });
    this.device.queue.writeBuffer(this.buffers.params, 0, view.arrayBuffer);

    const phi = firingRateCells(config.model, p, grid);
    const fire = firingCellCoefficients(phi, dt / 2);
    const transport = transportRowCoefficients(p, grid, dt / 2);
    const coeff = new Float32Array((grid.ng + grid.nv) * 4);
    for (let j = 0; j < grid.ng; j++) coeff.set([transport.c[j], transport.gamma[j], gCenter(grid, j), 0], 4 * j);
    for (let i = 0; i < grid.nv; i++) coeff.set([phi[i], fire.survival[i], 0, 0], 4 * (grid.ng + i));
    this.device.queue.writeBuffer(this.buffers.coefficients, 0, coeff);
  }

  /** An f32 copy of `p` backed by a plain ArrayBuffer, as writeBuffer wants. */
  private static asUploadable(p: Float32Array | Float64Array): Float32Array<ArrayBuffer> {
    return p instanceof Float32Array && p.buffer instanceof ArrayBuffer ? (p as Float32Array<ArrayBuffer>) : Float32Array.from(p);
  }

  /** Replace the state, reset the clock, and record the diagnostics of the new state as step 0. */
  uploadState(p: Float32Array | Float64Array): void {
    if (p.length !== this.grid.nv * this.grid.ng) throw new Error(`state has ${p.length} values, grid needs ${this.grid.nv * this.grid.ng}`);
    this.device.queue.writeBuffer(this.buffers.stateA, 0, KineticSolver.asUploadable(p));
    this.device.queue.writeBuffer(this.buffers.diagnostics, 0, new Uint32Array([0, 0, 0, 0]));
    this.stepIndex = 0;
    const encoder = this.device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    this.dispatch(pass, 'stateRowStats', this.forward, this.grid.ng);
    this.dispatch(pass, 'recordDiagnostics', this.forward, 1);
    pass.end();
    this.device.queue.submit([encoder.finish()]);
  }

  private dispatch(pass: GPUComputePassEncoder, kernel: KernelName, group: GPUBindGroup, workgroups: number): void {
    pass.setPipeline(this.pipelines[kernel]);
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(workgroups);
  }

  /** Encode one step (five dispatches) into a pass. */
  encodeStep(pass: GPUComputePassEncoder): void {
    const { nv, ng } = this.grid;
    this.dispatch(pass, 'rowFirstHalf', this.forward, ng);
    this.dispatch(pass, 'conductanceFactor', this.forward, 1);
    this.dispatch(pass, this.config.model === 'vc-limit' ? 'conductanceProject' : 'conductanceSolve', this.forward, Math.ceil(nv / COLUMN_WORKGROUP));
    this.dispatch(pass, 'rowSecondHalf', this.backward, ng);
    this.dispatch(pass, 'recordDiagnostics', this.forward, 1);
  }

  /**
   * Encode one kernel alone into a pass, on the current buffers (the row second half reads the
   * intermediate state, the others as in a step): for the kernel tests and for timing a kernel by itself.
   */
  encodeKernel(pass: GPUComputePassEncoder, kernel: KernelName): void {
    const { nv, ng } = this.grid;
    const workgroups: Record<KernelName, number> = {
      rowFirstHalf: ng,
      conductanceFactor: 1,
      conductanceSolve: Math.ceil(nv / COLUMN_WORKGROUP),
      conductanceProject: Math.ceil(nv / COLUMN_WORKGROUP),
      rowSecondHalf: ng,
      recordDiagnostics: 1,
      stateRowStats: ng,
      voltageMarginal: Math.ceil(nv / 64),
    };
    this.dispatch(pass, kernel, kernel === 'rowSecondHalf' ? this.backward : this.forward, workgroups[kernel]);
  }

  /** Run a single kernel on the current state, for the kernel-by-kernel comparisons with the CPU reference. */
  runKernel(kernel: KernelName): void {
    const encoder = this.device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    this.encodeKernel(pass, kernel);
    pass.end();
    this.device.queue.submit([encoder.finish()]);
  }

  /** Replace the intermediate state (the g-step's input), for kernel tests. */
  uploadIntermediate(p: Float32Array | Float64Array): void {
    this.device.queue.writeBuffer(this.buffers.stateB, 0, KineticSolver.asUploadable(p));
  }

  /** Submit `count` steps (≤ HISTORY_CAPACITY) in one command buffer; returns immediately. */
  submitSteps(count: number): void {
    if (count < 1 || count > HISTORY_CAPACITY) throw new Error(`submitSteps: count must be in [1, ${HISTORY_CAPACITY}]`);
    const encoder = this.device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    for (let s = 0; s < count; s++) this.encodeStep(pass);
    pass.end();
    this.device.queue.submit([encoder.finish()]);
    this.stepIndex += count;
  }

  /** Take `count` steps and read back N and mass at each of them (one synchronisation). */
  async advance(count: number): Promise<ActivityBlock> {
    const first = this.stepIndex + 1;
    this.submitSteps(count);
    return this.readHistory(first, this.stepIndex);
  }

  /** History entries for steps first..last (inclusive), which must lie within the ring. */
  async readHistory(first: number, last: number): Promise<ActivityBlock> {
    const n = last - first + 1;
    const N = new Float32Array(n);
    const mass = new Float32Array(n);
    const raw = new Float32Array(await readBuffer(this.device, this.buffers.diagnostics, 0, 16 + HISTORY_CAPACITY * 8));
    const steps: number[] = [];
    for (let k = 0; k < n; k++) {
      const slot = (first + k) % HISTORY_CAPACITY;
      N[k] = raw[4 + 2 * slot];
      mass[k] = raw[4 + 2 * slot + 1];
      steps.push(first + k);
    }
    return { steps, N, mass };
  }

  /** (N*, Geq) used by the last g-step. */
  async readCoupling(): Promise<{ nStar: number; geq: number }> {
    const raw = new Float32Array(await readBuffer(this.device, this.buffers.diagnostics, 0, 16));
    return { nStar: raw[1], geq: raw[2] };
  }

  async readDensity(): Promise<Float32Array> {
    return new Float32Array(await readBuffer(this.device, this.buffers.stateA, 0, this.grid.nv * this.grid.ng * 4));
  }

  /** The intermediate state (after the first half or the g-step), for kernel tests. */
  async readIntermediate(): Promise<Float32Array> {
    return new Float32Array(await readBuffer(this.device, this.buffers.stateB, 0, this.grid.nv * this.grid.ng * 4));
  }

  /** Per-row (N_mid, outflow_A, N(t,g_j), m(g_j)) of the last step: .z and .w are N(t,g) and m(g) of the current state. */
  async readRowStats(): Promise<Float32Array> {
    return new Float32Array(await readBuffer(this.device, this.buffers.rowStats, 0, this.grid.ng * 16));
  }

  async readFactor(): Promise<Float32Array> {
    return new Float32Array(await readBuffer(this.device, this.buffers.factor, 0, this.grid.ng * 16));
  }

  /** N(t, g_j) and m(g_j) = ∫ p dv of the current state. */
  async readConductanceMarginals(): Promise<{ N: Float32Array; m: Float32Array }> {
    this.runKernel('stateRowStats');
    const s = await this.readRowStats();
    const N = new Float32Array(this.grid.ng);
    const m = new Float32Array(this.grid.ng);
    for (let j = 0; j < this.grid.ng; j++) {
      N[j] = s[4 * j + 2];
      m[j] = s[4 * j + 3];
    }
    return { N, m };
  }

  /** n(v_i) = ∫ p dg of the current state. */
  async readVoltageMarginal(): Promise<Float32Array> {
    this.runKernel('voltageMarginal');
    return new Float32Array(await readBuffer(this.device, this.buffers.marginal, 0, this.grid.nv * 4));
  }

  /** Copy the current state aside (GPU to GPU), to return to it if a later block goes bad. */
  saveCheckpoint(): void {
    const encoder = this.device.createCommandEncoder();
    encoder.copyBufferToBuffer(this.buffers.stateA, 0, this.buffers.checkpoint, 0, this.grid.nv * this.grid.ng * 4);
    this.device.queue.submit([encoder.finish()]);
    this.checkpointStep = this.stepIndex;
  }

  /** Go back to the checkpoint; the history entries after it are stale until rewritten. */
  restoreCheckpoint(): void {
    const encoder = this.device.createCommandEncoder();
    encoder.copyBufferToBuffer(this.buffers.checkpoint, 0, this.buffers.stateA, 0, this.grid.nv * this.grid.ng * 4);
    this.device.queue.submit([encoder.finish()]);
    const counter = new Uint32Array([this.checkpointStep + 1]);
    this.device.queue.writeBuffer(this.buffers.diagnostics, 0, counter);
    this.stepIndex = this.checkpointStep;
  }

  destroy(): void {
    for (const b of Object.values(this.buffers)) b.destroy();
  }
}
