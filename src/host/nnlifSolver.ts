/**
 * The NNLIF Fokker–Planck solver on the GPU: M members (a batch over parameters, or one run) on one grid,
 * each stepped by one invocation of nnlifStep.wgsl per step, many steps per submission. A member whose
 * step would give a non-finite N or one above Nmax does not take it and stops alone, keeping its last good
 * state; the others go on. History (N, mass, status) of every member at every step is kept in a ring on
 * the GPU and read back once per block. The f64 twin is src/models/nnlif/fokkerPlanck.ts.
 */
import { initialRate, type NnlifGrid, type NnlifMember, reinjectionWeights, widthOf } from '../models/nnlif/fokkerPlanck';
import type { BlockSystem } from './blockLoop';
import { readBuffer, readRing } from './buffers';
import type { GpuContext } from './gpu';
import { bindingLayout } from './layout';
import { composeWgsl, shaderFiles } from './shaderSource';

export interface NnlifProblem {
  grid: NnlifGrid;
  members: NnlifMember[];
  dt: number;
  /** the synaptic delay in steps, D = round(d / dt) */
  delaySteps: number;
  Nmax: number;
  /** the initial density: nv values for every member, or M × nv */
  initial: Float64Array | Float32Array;
}

/** A block of steps: per step k and member m, entry k·M + m. */
export interface NnlifBlock {
  steps: number[];
  N: Float32Array;
  /** Σ w n + R */
  mass: Float32Array;
  /** the refractory mass R */
  R: Float32Array;
  /** 0 running, 1 blowup, 2 nonfinite, after the step */
  status: Uint32Array;
}

export const NNLIF_STATUS = ['running', 'blowup', 'nonfinite'] as const;
export type NnlifMemberStatus = (typeof NNLIF_STATUS)[number];

export interface NnlifMemberState {
  N: number;
  R: number;
  mass: number;
  /** steps taken (the member's time is taken·dt) */
  taken: number;
  status: NnlifMemberStatus;
}

const WORKGROUP = 64;
const MEMBER_BYTES = 32;
const STATE_BYTES = 32;
/** the history ring holds at most this many slots, and at most 64 MiB */
export const NNLIF_HISTORY_SLOTS = 4096;
const HISTORY_BYTES_MAX = 64 * 2 ** 20;
const HISTORY_ENTRY_BYTES = 16;

/** Slots of the history ring for M members (each slot holds M entries of 16 bytes). */
export function nnlifHistoryCapacity(members: number): number {
  return Math.max(1, Math.min(NNLIF_HISTORY_SLOTS, Math.floor(HISTORY_BYTES_MAX / (HISTORY_ENTRY_BYTES * members))));
}

type BufferName = 'params' | 'members' | 'memberState' | 'density' | 'scratch' | 'delayRing' | 'history';

export class NnlifSolver implements BlockSystem<NnlifBlock> {
  /** dispatches so far (the history slot of the next step) */
  stepIndex = 0;
  readonly capacity: number;
  private checkpointStep = 0;
  private readonly checkpoint: { density: GPUBuffer; memberState: GPUBuffer; delayRing: GPUBuffer };

  private constructor(
    private readonly ctx: GpuContext,
    readonly problem: NnlifProblem,
    private readonly buffers: Record<BufferName, GPUBuffer>,
    private readonly pipeline: GPUComputePipeline,
    private readonly bindGroup: GPUBindGroup,
    capacity: number,
    readonly initialN: number[],
    readonly initialMass: number[],
  ) {
    this.capacity = capacity;
    const make = (label: string, size: number) => ctx.device.createBuffer({ label, size, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    this.checkpoint = {
      density: make('nnlif checkpoint: density', buffers.density.size),
      memberState: make('nnlif checkpoint: member state', buffers.memberState.size),
      delayRing: make('nnlif checkpoint: delay ring', buffers.delayRing.size),
    };
  }

  get members(): number {
    return this.problem.members.length;
  }

  static async create(ctx: GpuContext, problem: NnlifProblem): Promise<NnlifSolver> {
    const { device } = ctx;
    const { grid, members, dt, delaySteps } = problem;
    const M = members.length;
    const nv = grid.nv;
    if (M < 1) throw new Error('nnlif: at least one member');
    if (problem.initial.length !== nv && problem.initial.length !== M * nv) throw new Error(`nnlif: the initial density has ${problem.initial.length} values, not nv = ${nv} or M·nv = ${M * nv}`);
    const layoutInfo = bindingLayout(shaderFiles.nnlifBindings, 'nnlifBindings.wgsl');
    device.pushErrorScope('validation');
    const layout = device.createBindGroupLayout({ label: 'nnlif', entries: layoutInfo.entries });
    const module = device.createShaderModule({ label: 'nnlifStep', code: composeWgsl(['nnlifBindings', 'nnlifStep']) });
    const info = await module.getCompilationInfo();
    const errors = info.messages.filter((m) => m.type === 'error');
    if (errors.length) throw new Error(`nnlifStep.wgsl does not compile:\n${errors.map((m) => `${m.lineNum}:${m.linePos} ${m.message}`).join('\n')}`);
    const pipeline = await device.createComputePipelineAsync({
      label: 'nnlifStep',
      layout: device.createPipelineLayout({ bindGroupLayouts: [layout] }),
      compute: { module, entryPoint: 'nnlifStep' },
    });

    const capacity = nnlifHistoryCapacity(M);
    const slots = delaySteps + 1;
    const storage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    const created: GPUBuffer[] = [];
    const make = (label: string, size: number, usage = storage) => {
      const b = device.createBuffer({ label, size: Math.max(16, Math.ceil(size / 16) * 16), usage });
      created.push(b);
      return b;
    };
    device.pushErrorScope('out-of-memory');
    const buffers: Record<BufferName, GPUBuffer> = {
      params: make('nnlif params', layoutInfo.paramsSize, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST),
      members: make('nnlif members', M * MEMBER_BYTES),
      memberState: make('nnlif member state', M * STATE_BYTES),
      density: make('nnlif density', M * nv * 4),
      scratch: make('nnlif scratch', M * nv * 3 * 4),
      delayRing: make('nnlif delay ring', M * slots * 4),
      history: make('nnlif history', capacity * M * HISTORY_ENTRY_BYTES),
    };
    const oom = await device.popErrorScope();
    if (oom) {
      for (const b of created) b.destroy();
      await device.popErrorScope();
      throw new Error(`nnlif: ${M} members × ${nv} nodes need ${((M * nv * 24) / 2 ** 30).toFixed(2)} GiB, more than this device could allocate (${oom.message})`);
    }
    const bindGroup = device.createBindGroup({
      label: 'nnlif',
      layout,
      entries: (Object.keys(buffers) as BufferName[]).map((name) => ({ binding: layoutInfo.bindingOf[name]!, resource: { buffer: buffers[name] } })),
    });
    const validation = await device.popErrorScope();
    if (validation) throw new Error(`WebGPU validation failed while building the nnlif solver: ${validation.message}`);

    const view = layoutInfo.makeParamsView();
    view.set({
      nv,
      members: M,
      delaySlots: slots,
      capacity,
      vmin: grid.vmin,
      h: grid.h,
      dt,
      Nmax: Math.min(problem.Nmax, 3.4e38),
      soft: grid.firing.kind === 'soft' ? 1 : 0,
      softRate: grid.firing.kind === 'soft' ? grid.firing.rate : 0,
      VF: grid.VF,
      vtop: grid.vtop,
    });
    device.queue.writeBuffer(buffers.params, 0, view.arrayBuffer);

    const memberData = new ArrayBuffer(M * MEMBER_BYTES);
    const f = new Float32Array(memberData);
    const u = new Uint32Array(memberData);
    const density = new Float32Array(M * nv);
    const state = new ArrayBuffer(M * STATE_BYTES);
    const sf = new Float32Array(state);
    const ring = new Float32Array(M * slots);
    const initialN: number[] = [];
    const initialMass: number[] = [];
    members.forEach((mem, m) => {
      const { cell, theta } = reinjectionWeights(grid, mem.VR);
      f.set([mem.b, mem.a0, mem.a1, mem.tau, theta], m * 8);
      u[m * 8 + 5] = cell;
      const n0 = problem.initial.length === nv ? problem.initial : problem.initial.subarray(m * nv, (m + 1) * nv);
      density.set(n0, m * nv);
      const n32 = density.subarray(m * nv, (m + 1) * nv);
      const N0 = initialRate(grid, mem.a0, n32, dt);
      let mass = 0;
      for (let i = 0; i < nv; i++) mass += widthOf(grid, i) * n32[i];
      initialN.push(N0);
      initialMass.push(mass);
      sf.set([N0, 0, mass], m * 8);
      ring.fill(N0, m * slots, (m + 1) * slots);
    });
    device.queue.writeBuffer(buffers.members, 0, memberData);
    device.queue.writeBuffer(buffers.density, 0, density);
    device.queue.writeBuffer(buffers.memberState, 0, state);
    device.queue.writeBuffer(buffers.delayRing, 0, ring);
    return new NnlifSolver(ctx, problem, buffers, pipeline, bindGroup, capacity, initialN, initialMass);
  }

  /** Submit `count` steps (at most the history capacity) in one command buffer. */
  submitSteps(count: number): void {
    if (!Number.isInteger(count) || count < 1 || count > this.capacity) throw new Error(`submitSteps: count must be an integer in [1, ${this.capacity}]`);
    const encoder = this.ctx.device.createCommandEncoder();
    const pass = encoder.beginComputePass({ label: 'nnlif steps' });
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, this.bindGroup);
    const groups = Math.ceil(this.members / WORKGROUP);
    for (let s = 0; s < count; s++) pass.dispatchWorkgroups(groups);
    pass.end();
    this.ctx.device.queue.submit([encoder.finish()]);
    this.stepIndex += count;
  }

  async advance(count: number): Promise<NnlifBlock> {
    const first = this.stepIndex;
    this.submitSteps(count);
    return this.readHistory(first, count);
  }

  /** History of dispatches first … first + count − 1 (steps first + 1 … first + count). */
  async readHistory(first: number, count: number): Promise<NnlifBlock> {
    const M = this.members;
    const raw = new Float32Array(await readRing(this.ctx.device, this.buffers.history, { base: 0, entryBytes: M * HISTORY_ENTRY_BYTES, capacity: this.capacity }, first, count));
    const N = new Float32Array(count * M);
    const mass = new Float32Array(count * M);
    const R = new Float32Array(count * M);
    for (let k = 0; k < count * M; k++) {
      N[k] = raw[4 * k];
      mass[k] = raw[4 * k + 1];
      R[k] = raw[4 * k + 2];
    }
    // The status after each step follows from the members' stop steps.
    const states = await this.readStates();
    const status = new Uint32Array(count * M);
    for (let k = 0; k < count; k++) {
      const step = first + k + 1;
      for (let m = 0; m < M; m++) {
        const s = states[m];
        status[k * M + m] = s.status !== 'running' && step > s.taken ? NNLIF_STATUS.indexOf(s.status) : 0;
      }
    }
    return { steps: Array.from({ length: count }, (_, k) => first + k + 1), N, mass, R, status };
  }

  async readStates(): Promise<NnlifMemberState[]> {
    const raw = await readBuffer(this.ctx.device, this.buffers.memberState, 0, this.members * STATE_BYTES);
    const f = new Float32Array(raw);
    const u = new Uint32Array(raw);
    return Array.from({ length: this.members }, (_, m) => ({
      N: f[m * 8],
      R: f[m * 8 + 1],
      mass: f[m * 8 + 2],
      taken: u[m * 8 + 3],
      status: NNLIF_STATUS[u[m * 8 + 5]] ?? 'nonfinite',
    }));
  }

  /** n of every member, M × nv (member-major). */
  async readDensity(): Promise<Float32Array> {
    return new Float32Array(await readBuffer(this.ctx.device, this.buffers.density, 0, this.members * this.problem.grid.nv * 4));
  }

  saveCheckpoint(): void {
    const encoder = this.ctx.device.createCommandEncoder();
    for (const name of ['density', 'memberState', 'delayRing'] as const) encoder.copyBufferToBuffer(this.buffers[name], 0, this.checkpoint[name], 0, this.buffers[name].size);
    this.ctx.device.queue.submit([encoder.finish()]);
    this.checkpointStep = this.stepIndex;
  }

  restoreCheckpoint(): void {
    const encoder = this.ctx.device.createCommandEncoder();
    for (const name of ['density', 'memberState', 'delayRing'] as const) encoder.copyBufferToBuffer(this.checkpoint[name], 0, this.buffers[name], 0, this.buffers[name].size);
    this.ctx.device.queue.submit([encoder.finish()]);
    this.stepIndex = this.checkpointStep;
  }

  destroy(): void {
    for (const b of [...Object.values(this.buffers), ...Object.values(this.checkpoint)]) b.destroy();
  }
}
