/**
 * The kinetic solver on the GPU: buffers, pipelines and the encoding of many Strang steps per queue
 * submission. A step is one compute pass of dispatches, with no readback:
 *
 *   rowStep (first half)   ng workgroups     p_A → p_B   F(dt/2)T(dt/2) (vc) | T(dt/2) (threshold)
 *   conductanceFactor      1 workgroup       N* → Geq → LU of I + dt L_G (same for all columns), by a
 *                                            workgroup scan; products over the column chunks
 *   g-solve, P = 1         nv/64 workgroups  forwardSweep: p_B in place, one invocation per v-column
 *   g-solve, P > 1         (nv/64) × P       forwardChunkEnds, forwardSweep, backwardSweep: one
 *                                            invocation per (v-column, chunk of ng/P rows)
 *                                            (vc-limit: columnMassChunks if P > 1, conductanceProject)
 *   rowStep (second half)  ng workgroups     p_B → p_A   T(dt/2)F(dt/2) (vc) | T(dt/2) (threshold)
 *   recordDiagnostics      1 workgroup       N(t_n), mass → history ring; step counter + 1
 *
 * so the state is always back in p_A after a step: five dispatches with P = 1, seven with P > 1. P (the
 * column chunks of the g-solve, conductanceChunks) buys parallelism for GPUs whose memory latency nv
 * invocations cannot cover; see src/shaders/conductanceStep.wgsl. N(t) and the mass are read back in
 * blocks from the history ring.
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
import type { SolverState } from './blockLoop';
import { readBuffer, readRing } from './buffers';
import type { GpuContext } from './gpu';
import { type StepLayout, stepLayout } from './layout';
import { composeWgsl, type ShaderFile } from './shaderSource';

/**
 * Workgroup size of the kernels that reduce over a row (or over the rows). On a GPU: about eight cells
 * per invocation, a power of two in [32, 256], so that a row's loads are spread over enough
 * invocations. On a CPU adapter: 32 whatever the row. SwiftShader runs a workgroup's invocations as
 * coroutines and every barrier switches through all of them, so barriers cost more the larger the
 * workgroup: the whole 1024² `vc` step took 524 ms with 256-wide row workgroups and 226 ms with 32-wide
 * ones (measured there, 2 cores). The size is a function of the grid and the adapter kind only, so the
 * reduction tree, and with it every rounding, is the same on every run of the same grid on one device.
 */
export function reductionWorkgroupSize(cells: number, cpuAdapter = false): number {
  if (cpuAdapter) return 32;
  const want = 2 ** Math.ceil(Math.log2(Math.max(1, cells / 8)));
  return Math.min(256, Math.max(32, want));
}
export const COLUMN_WORKGROUP = 64;

/**
 * Invocations the g-solve aims for on a GPU: enough loads in flight to cover the memory latency of a
 * large GPU (an H100/H200 keeps about 2.7e5 invocations resident, and a few loads in flight from
 * each of 6.5e4 saturate its memory system). A choice from the hardware's shape, not a measured optimum.
 */
export const CONDUCTANCE_SOLVE_INVOCATIONS = 2 ** 16;
/** Fewest rows in a chunk: the O(P) combination of the chunk ends stays small against the chunk's own rows. */
export const MIN_CHUNK_ROWS = 32;

/**
 * Column chunks P of the g-solve: 1 on CPU adapters (a few cores are already busy with nv columns, and
 * chunking adds a read of the state), else enough to give nv·P ≈ CONDUCTANCE_SOLVE_INVOCATIONS with at
 * least MIN_CHUNK_ROWS rows per chunk. A function of the grid and the adapter kind alone, so a run on one
 * device is bitwise reproducible.
 */
export function conductanceChunks(nv: number, ng: number, cpuAdapter: boolean): number {
  if (cpuAdapter) return 1;
  return Math.max(1, Math.min(Math.ceil(CONDUCTANCE_SOLVE_INVOCATIONS / nv), Math.floor(ng / MIN_CHUNK_ROWS)));
}

/** Rows per chunk and the number of (non-empty) chunks for a requested P. */
export function chunkLayout(ng: number, chunks: number): { chunkRows: number; chunkCount: number } {
  if (!Number.isInteger(chunks) || chunks < 1 || chunks > ng) throw new Error(`conductanceChunks must be an integer in [1, ng = ${ng}], got ${chunks}`);
  const chunkRows = Math.ceil(ng / chunks);
  return { chunkRows, chunkCount: Math.ceil(ng / chunkRows) };
}

export interface KineticSolverOptions {
  /** column chunks of the g-solve (default: conductanceChunks for this grid and adapter) */
  conductanceChunks?: number;
  /** fewest rows per block of the factorization's scan (default FACTOR_BLOCK_ROWS; ≥ ng is the serial recurrence) */
  factorBlockRows?: number;
}

/**
 * Fewest rows in a block of conductanceFactor's scan: the rows of a block follow the exact recurrence,
 * and only block starts take their excess from the scan. Grids with ng ≤ 32 are therefore factored
 * exactly as by the serial recurrence.
 */
export const FACTOR_BLOCK_ROWS = 32;
/** History ring length: the most steps one block may take between readbacks. */
export const HISTORY_CAPACITY = 4096;

export class GridTooLargeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GridTooLargeError';
  }
}

/** GPU memory of the kinetic solver's buffers that grow with the grid, in bytes (three copies of p dominate). */
export function kineticStateBytes(nv: number, ng: number): number {
  return 3 * nv * ng * 4 + (ng + nv) * 16 + ng * 16 + nv * 4;
}

/** The largest cell count one state buffer may hold on this device, and the check of a grid against it. */
export function checkGridFits(limits: GPUSupportedLimits, nv: number, ng: number): void {
  const maxBytes = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  const maxCells = Math.floor(maxBytes / 4);
  // A driver may refuse a buffer of exactly its limit (SwiftShader: 1 GiB − 4 KiB is the largest it
  // allocates): the example grid stays a page below, on a multiple of 64 cells.
  const side = Math.floor(Math.sqrt((maxBytes - 4096) / 4) / 64) * 64;
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

/**
 * The stages of the kinetic step and its reductions, by name (for running or timing one alone). Each is
 * one kernel, except the g-solve (conductanceSolve) and its ε → 0 limit (conductanceProject), whose
 * dispatches depend on the column chunks.
 */
export type KernelName = 'rowFirstHalf' | 'rowSecondHalf' | 'conductanceFactor' | 'conductanceSolve' | 'conductanceProject' | 'recordDiagnostics' | 'stateRowStats' | 'voltageMarginal';

/** The compute pipelines (WGSL entry points and variants). */
export type PipelineName =
  | 'rowFirstHalf'
  | 'rowSecondHalf'
  | 'conductanceFactor'
  | 'forwardChunkEnds'
  | 'forwardSweep'
  | 'backwardSweep'
  | 'columnMassChunks'
  | 'conductanceProject'
  | 'recordDiagnostics'
  | 'stateRowStats'
  | 'voltageMarginal';

interface KernelSpec {
  files: readonly ShaderFile[];
  entryPoint: string;
  defines: Record<string, boolean>;
}

/** Every kernel of the step: which WGSL files make its module, which entry point and variant. */
export function kernelSpecs(threshold: boolean, limit = false): Record<PipelineName, KernelSpec> {
  const row = ['bindings', 'reduce', 'vTransport', 'rowStep'] as const;
  const conductance = ['bindings', 'reduce', 'conductanceStep'] as const;
  const diag = ['bindings', 'reduce', 'diagnostics'] as const;
  return {
    rowFirstHalf: { files: row, entryPoint: 'rowStep', defines: { FIRST_HALF: true, THRESHOLD: threshold, FIRING_BEFORE_TRANSPORT: !threshold } },
    rowSecondHalf: { files: row, entryPoint: 'rowStep', defines: { FIRST_HALF: false, THRESHOLD: threshold, FIRING_BEFORE_TRANSPORT: false } },
    conductanceFactor: { files: conductance, entryPoint: 'conductanceFactor', defines: { EQUILIBRIUM_VECTOR: limit } },
    forwardChunkEnds: { files: conductance, entryPoint: 'forwardChunkEnds', defines: { EQUILIBRIUM_VECTOR: limit } },
    forwardSweep: { files: conductance, entryPoint: 'forwardSweep', defines: { EQUILIBRIUM_VECTOR: limit } },
    backwardSweep: { files: conductance, entryPoint: 'backwardSweep', defines: { EQUILIBRIUM_VECTOR: limit } },
    columnMassChunks: { files: conductance, entryPoint: 'columnMassChunks', defines: { EQUILIBRIUM_VECTOR: limit } },
    conductanceProject: { files: conductance, entryPoint: 'conductanceProject', defines: { EQUILIBRIUM_VECTOR: limit } },
    recordDiagnostics: { files: diag, entryPoint: 'recordDiagnostics', defines: { THRESHOLD: threshold } },
    stateRowStats: { files: diag, entryPoint: 'stateRowStats', defines: { THRESHOLD: threshold } },
    voltageMarginal: { files: diag, entryPoint: 'voltageMarginal', defines: { THRESHOLD: threshold } },
  };
}

/** The stages of one step of `model`, in order. */
export function stepStagesOf(model: KinfireConfig['model']): KernelName[] {
  return ['rowFirstHalf', 'conductanceFactor', model === 'vc-limit' ? 'conductanceProject' : 'conductanceSolve', 'rowSecondHalf', 'recordDiagnostics'];
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
  private readonly buffers: Record<'params' | 'stateA' | 'stateB' | 'coefficients' | 'rowStats' | 'factor' | 'chunkCarry' | 'diagnostics' | 'marginal' | 'checkpoint', GPUBuffer>;
  private readonly pipelines: Record<PipelineName, GPUComputePipeline>;
  /** rows per chunk and chunks per column of the g-solve */
  readonly chunks: { chunkRows: number; chunkCount: number };
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
      chunks: KineticSolver['chunks'];
    },
  ) {
    this.device = ctx.device;
    this.currentConfig = config;
    this.currentGrid = gridOf(config);
    this.buffers = parts.buffers;
    this.pipelines = parts.pipelines;
    this.forward = parts.forward;
    this.backward = parts.backward;
    this.chunks = parts.chunks;
  }

  /** Compile the kernels, allocate the buffers and upload the initial density (or `p0`). */
  static async create(ctx: GpuContext, config: KinfireConfig, p0?: Float32Array | Float64Array, options: KineticSolverOptions = {}): Promise<KineticSolver> {
    const { device } = ctx;
    const grid = gridOf(config);
    checkGridFits(ctx.limits, grid.nv, grid.ng);
    const chunks = chunkLayout(grid.ng, options.conductanceChunks ?? conductanceChunks(grid.nv, grid.ng, ctx.cpuAdapter));
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

    const pipelines = {} as Record<PipelineName, GPUComputePipeline>;
    for (const [name, spec] of Object.entries(specs) as [PipelineName, KernelSpec][]) {
      const code = codeOf(spec);
      // Row kernels reduce over nv cells; the single-workgroup kernels reduce over the ng rows.
      const reducesRows = name === 'conductanceFactor' || name === 'recordDiagnostics';
      const constants: Record<string, number> = { WG: reductionWorkgroupSize(reducesRows ? grid.ng : grid.nv, ctx.cpuAdapter) };
      if (code.includes('override WG_COLUMN')) constants.WG_COLUMN = COLUMN_WORKGROUP;
      if (name === 'conductanceFactor') constants.FACTOR_BLOCK_ROWS = Math.min(options.factorBlockRows ?? FACTOR_BLOCK_ROWS, grid.ng);
      pipelines[name] = await device.createComputePipelineAsync({
        label: name,
        layout: pipelineLayout,
        compute: { module: moduleOf(spec), entryPoint: spec.entryPoint, constants },
      });
    }

    const cells = grid.nv * grid.ng;
    const storage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    const created: GPUBuffer[] = [];
    const make = (label: string, size: number, usage = storage) => {
      const buffer = device.createBuffer({ label, size: Math.max(16, size), usage });
      created.push(buffer);
      return buffer;
    };
    // WebGPU does not report a device's free memory: an allocation that fails is caught here and
    // reported as bad input (the grid), instead of surfacing later as an uncaptured error.
    device.pushErrorScope('out-of-memory');
    const buffers = {
      params: make('params', stepBindings.paramsSize, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST),
      stateA: make('p (state A)', cells * 4),
      stateB: make('p (state B)', cells * 4),
      checkpoint: make('p (last good state)', cells * 4),
      coefficients: make('coefficients', (grid.ng + grid.nv) * 16),
      rowStats: make('rowStats', grid.ng * 16),
      factor: make('factor', (grid.ng + chunks.chunkCount) * 16),
      chunkCarry: make('chunkCarry', grid.nv * chunks.chunkCount * 8),
      diagnostics: make('diagnostics', 16 + HISTORY_CAPACITY * 8),
      marginal: make('marginal', grid.nv * 4),
    };
    const outOfMemory = await device.popErrorScope();
    if (outOfMemory) {
      for (const b of created) b.destroy();
      await device.popErrorScope();
      throw new GridTooLargeError(
        `grid: nv × ng = ${grid.nv} × ${grid.ng} needs ${(kineticStateBytes(grid.nv, grid.ng) / 2 ** 30).toFixed(2)} GiB of GPU memory ` +
          `(p twice and its last good state, ${((cells * 4) / 2 ** 20).toFixed(0)} MiB each), more than this device could allocate (${outOfMemory.message.split('\n')[0]}); use a smaller grid`,
      );
    }
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
          ['chunkCarry', buffers.chunkCarry],
          ['diagnostics', buffers.diagnostics],
          ['marginal', buffers.marginal],
        ].map(([name, buffer]) => ({ binding: stepBindings.bindingOf[name as string], resource: { buffer: buffer as GPUBuffer } })),
      });
    const forward = bindGroup(buffers.stateA, buffers.stateB, 'A→B');
    const backward = bindGroup(buffers.stateB, buffers.stateA, 'B→A');
    const error = await device.popErrorScope();
    if (error) throw new Error(`WebGPU validation failed while building the solver: ${error.message}`);

    const solver = new KineticSolver(ctx, config, { buffers, pipelines, forward, backward, chunks });
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
      chunkRows: this.chunks.chunkRows,
      chunkCount: this.chunks.chunkCount,
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
    this.encodeKernel(pass, 'stateRowStats');
    this.encodeKernel(pass, 'recordDiagnostics');
    pass.end();
    this.device.queue.submit([encoder.finish()]);
  }

  private dispatch(pass: GPUComputePassEncoder, kernel: PipelineName, group: GPUBindGroup, workgroups: number, chunks = 1): void {
    pass.setPipeline(this.pipelines[kernel]);
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(workgroups, chunks);
  }

  /** The dispatches of a stage, in order: (pipeline, bind group, workgroups in x, in y). */
  private stageDispatches(stage: KernelName): [PipelineName, GPUBindGroup, number, number][] {
    const { nv, ng } = this.grid;
    const { chunkCount } = this.chunks;
    const columns = Math.ceil(nv / COLUMN_WORKGROUP);
    const F = this.forward;
    switch (stage) {
      case 'conductanceSolve':
        return chunkCount === 1
          ? [['forwardSweep', F, columns, 1]]
          : [
              ['forwardChunkEnds', F, columns, chunkCount - 1],
              ['forwardSweep', F, columns, chunkCount],
              ['backwardSweep', F, columns, chunkCount],
            ];
      case 'conductanceProject':
        return chunkCount === 1
          ? [['conductanceProject', F, columns, 1]]
          : [
              ['columnMassChunks', F, columns, chunkCount],
              ['conductanceProject', F, columns, chunkCount],
            ];
      case 'rowFirstHalf':
      case 'stateRowStats':
        return [[stage, F, ng, 1]];
      case 'rowSecondHalf':
        return [[stage, this.backward, ng, 1]];
      case 'conductanceFactor':
      case 'recordDiagnostics':
        return [[stage, F, 1, 1]];
      case 'voltageMarginal':
        return [[stage, F, Math.ceil(nv / 64), 1]];
    }
  }

  /** The stages of one step, in order. */
  get stepStages(): KernelName[] {
    return stepStagesOf(this.config.model);
  }

  /** The dispatches of one step, fixed once the solver exists (setParameters keeps model and grid). */
  private stepDispatchList?: [PipelineName, GPUBindGroup, number, number][];
  private get stepDispatches(): [PipelineName, GPUBindGroup, number, number][] {
    this.stepDispatchList ??= this.stepStages.flatMap((stage) => this.stageDispatches(stage));
    return this.stepDispatchList;
  }

  /** Dispatches per step (5 with one column chunk, 7 with more). */
  get dispatchesPerStep(): number {
    return this.stepDispatches.length;
  }

  /** Encode one step into a pass. */
  encodeStep(pass: GPUComputePassEncoder): void {
    for (const [pipeline, group, x, y] of this.stepDispatches) this.dispatch(pass, pipeline, group, x, y);
  }

  /**
   * Encode one stage alone into a pass, on the current buffers (the row second half reads the
   * intermediate state, the others as in a step): for the kernel tests and for timing a kernel by itself.
   */
  encodeKernel(pass: GPUComputePassEncoder, kernel: KernelName): void {
    for (const [pipeline, group, x, y] of this.stageDispatches(kernel)) this.dispatch(pass, pipeline, group, x, y);
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
    const raw = new Float32Array(await readRing(this.device, this.buffers.diagnostics, { base: 16, entryBytes: 8, capacity: HISTORY_CAPACITY }, first, n));
    const steps: number[] = [];
    for (let k = 0; k < n; k++) {
      N[k] = raw[2 * k];
      mass[k] = raw[2 * k + 1];
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

  /** The g-step's factors: ng rows of (forward multiplier, upper, 1/pivot, M_j). */
  async readFactor(): Promise<Float32Array> {
    return new Float32Array(await readBuffer(this.device, this.buffers.factor, 0, this.grid.ng * 16));
  }

  /** Per column chunk k: (π_k, ρ_k, 0, 0), the products over the chunk of conductanceStep.wgsl. */
  async readChunkProducts(): Promise<Float32Array> {
    return new Float32Array(await readBuffer(this.device, this.buffers.factor, this.grid.ng * 16, this.chunks.chunkCount * 16));
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

  /**
   * The state on the host, for a checkpoint on disk: the step and p. Nothing else carries from one step to
   * the next (the rest of rowStats, the factor and N* are rewritten within each step before they are read),
   * as restoreCheckpoint relies on too.
   */
  async exportState(): Promise<SolverState> {
    return { step: this.stepIndex, buffers: { p: new Uint8Array(await readBuffer(this.device, this.buffers.stateA, 0, this.grid.nv * this.grid.ng * 4)) } };
  }

  /** Continue from a state exportState gave (a solver of the same config): p and the step counter of the history ring. */
  importState(state: SolverState): void {
    const p = state.buffers.p;
    if (!p || p.byteLength !== this.grid.nv * this.grid.ng * 4) throw new Error(`checkpoint: p has ${p?.byteLength ?? 'no'} bytes, the grid needs ${this.grid.nv * this.grid.ng * 4}`);
    this.device.queue.writeBuffer(this.buffers.stateA, 0, Uint8Array.from(p));
    this.device.queue.writeBuffer(this.buffers.diagnostics, 0, new Uint32Array([state.step + 1]));
    this.stepIndex = state.step;
    this.checkpointStep = state.step;
  }

  destroy(): void {
    for (const b of Object.values(this.buffers)) b.destroy();
  }
}
