/**
 * The NNLIF Fokker–Planck solver on the GPU: M members (a batch over parameters, or one run), each a
 * network of K populations (each population its own grid of nv nodes), each member stepped by one
 * invocation of nnlifStep.wgsl per step, many steps per submission. A member whose step would give a
 * non-finite N or one above Nmax does not take it and stops alone, keeping its last good state; the others
 * go on. History (N, mass, R) of every population of every member at every step is kept in a ring on the
 * GPU and read back once per block. The f64 twin is src/models/nnlif/fokkerPlanck.ts.
 */
import { delaySlotsOf, type NnlifCoupling, type NnlifGrid, type NnlifMember, type NnlifPopulation, reinjectionWeights, widthOf } from '../models/nnlif/fokkerPlanck';
import type { BlockSystem, SolverState } from './blockLoop';
import { BufferCheckpoint, readBuffer, readRing } from './buffers';
import type { GpuContext } from './gpu';
import { bindingLayout } from './layout';
import { composeWgsl, shaderFiles } from './shaderSource';

/** One member of a batch: its couplings (K × K) and its populations' a0, VR and τ. */
export interface NnlifNetworkMember {
  coupling: NnlifCoupling;
  populations: { a0: number; VR: number; tau: number }[];
}

export interface NnlifProblem {
  /** the K populations (grid, and the a0, VR, τ of a member that gives none); every grid has the same nv */
  populations: NnlifPopulation[];
  members: NnlifNetworkMember[];
  dt: number;
  /** the synaptic delay in steps, D = round(d / dt) */
  delaySteps: number;
  Nmax: number;
  /** the initial density of each population: nv values each, shared by every member */
  initial: (Float64Array | Float32Array)[];
}

/** A member of one population (K = 1) as a network member. */
export function singlePopulationMember(m: NnlifMember): NnlifNetworkMember {
  return { coupling: { b: [[m.b]], a1: [[m.a1]] }, populations: [{ a0: m.a0, VR: m.VR, tau: m.tau }] };
}

/** The problem of members of one population on `grid`. */
export function singlePopulationProblem(grid: NnlifGrid, members: NnlifMember[], dt: number, delaySteps: number, Nmax: number, initial: Float64Array | Float32Array): NnlifProblem {
  const m0 = members[0]!;
  return { populations: [{ grid, a0: m0.a0, VR: m0.VR, tau: m0.tau }], members: members.map(singlePopulationMember), dt, delaySteps, Nmax, initial: [initial] };
}

/** A block of steps: per step k, member m and population α, entry (k·M + m)·K + α. */
export interface NnlifBlock {
  steps: number[];
  N: Float32Array;
  /** Σ w n + R */
  mass: Float32Array;
  /** the refractory mass R */
  R: Float32Array;
  /** the member's status after the step: 0 running, 1 blowup, 2 nonfinite, 3 norelation (one entry per population) */
  status: Uint32Array;
}

/** The kernel's status codes; `norelation`: the flux relation N = a(N)·(−∂v n(VF)) has no positive solution. */
export const NNLIF_STATUS = ['running', 'blowup', 'nonfinite', 'norelation'] as const;
export type NnlifMemberStatus = (typeof NNLIF_STATUS)[number];

/** The state of one population of one member (its member's status). */
export interface NnlifMemberState {
  N: number;
  R: number;
  mass: number;
  /** steps taken (the member's time is taken·dt) */
  taken: number;
  status: NnlifMemberStatus;
}

const WORKGROUP = 64;
const POPULATION_BYTES = 48;
const STATE_BYTES = 32;
/** populations per member the kernel holds (MAX_POPULATIONS in nnlifBindings.wgsl) */
export const NNLIF_MAX_POPULATIONS = 8;
/** the history ring holds at most this many slots, and at most 64 MiB */
export const NNLIF_HISTORY_SLOTS = 4096;
const HISTORY_BYTES_MAX = 64 * 2 ** 20;
const HISTORY_ENTRY_BYTES = 16;

/** Slots of the history ring for `entries` populations in all (each slot holds one entry of 16 bytes per population). */
export function nnlifHistoryCapacity(entries: number): number {
  return Math.max(1, Math.min(NNLIF_HISTORY_SLOTS, Math.floor(HISTORY_BYTES_MAX / (HISTORY_ENTRY_BYTES * entries))));
}

type BufferName = 'params' | 'populations' | 'coupling' | 'populationState' | 'density' | 'scratch' | 'delayRing' | 'history';
const CHECKPOINTED = ['density', 'populationState', 'delayRing'] as const;

/** The params uniform of a problem. */
function paramsData(layoutInfo: ReturnType<typeof bindingLayout>, problem: NnlifProblem, capacity: number): ArrayBuffer {
  const view = layoutInfo.makeParamsView();
  view.set({
    members: problem.members.length,
    populations: problem.populations.length,
    nv: problem.populations[0]!.grid.nv,
    delaySlots: delaySlotsOf(problem.delaySteps),
    capacity,
    dt: problem.dt,
    Nmax: Math.min(problem.Nmax, 3.4e38),
  });
  return view.arrayBuffer;
}

/** The populations (grid, a0, τ, the reset as a node pair) and couplings (b, a1) of every member, as the kernel reads them. */
function memberData(problem: NnlifProblem): { populations: ArrayBuffer; coupling: Float32Array<ArrayBuffer> } {
  const { populations, members } = problem;
  const K = populations.length;
  const Q = members.length * K;
  const popData = new ArrayBuffer(Q * POPULATION_BYTES);
  const pf = new Float32Array(popData);
  const pu = new Uint32Array(popData);
  const couplingData = new Float32Array(Q * K * 2);
  members.forEach((member, m) => {
    populations.forEach((pop, alpha) => {
      const q = m * K + alpha;
      const own = member.populations[alpha]!;
      const { grid } = pop;
      const { cell, theta } = reinjectionWeights(grid, own.VR);
      const at = (q * POPULATION_BYTES) / 4;
      pf.set([grid.vmin, grid.h, grid.VF, grid.vtop], at);
      pu[at + 4] = grid.firing.kind === 'soft' ? 1 : 0;
      pf.set([grid.firing.kind === 'soft' ? grid.firing.rate : 0, own.a0, own.tau, theta], at + 5);
      pu[at + 9] = cell;
      for (let beta = 0; beta < K; beta++) couplingData.set([member.coupling.b[alpha]![beta]!, member.coupling.a1[alpha]![beta]!], (q * K + beta) * 2);
    });
  });
  return { populations: popData, coupling: couplingData };
}

export class NnlifSolver implements BlockSystem<NnlifBlock> {
  /** dispatches so far (the history slot of the next step) */
  stepIndex = 0;
  readonly capacity: number;
  private readonly checkpoint: BufferCheckpoint<(typeof CHECKPOINTED)[number]>;

  private constructor(
    private readonly ctx: GpuContext,
    private current: NnlifProblem,
    private readonly buffers: Record<BufferName, GPUBuffer>,
    private readonly pipeline: GPUComputePipeline,
    private readonly bindGroup: GPUBindGroup,
    capacity: number,
    /** N^0 and Σ w n0 of each population of each member (entry m·K + α) */
    readonly initialN: number[],
    readonly initialMass: number[],
    private readonly layoutInfo: ReturnType<typeof bindingLayout>,
  ) {
    this.capacity = capacity;
    this.checkpoint = new BufferCheckpoint(ctx.device, buffers, CHECKPOINTED, 'nnlif');
  }

  /** the problem being solved (its members' parameters as last set; `initial` as created) */
  get problem(): NnlifProblem {
    return this.current;
  }

  get members(): number {
    return this.problem.members.length;
  }

  /** K, the populations of each member */
  get populations(): number {
    return this.problem.populations.length;
  }

  static async create(ctx: GpuContext, problem: NnlifProblem): Promise<NnlifSolver> {
    const { device } = ctx;
    const { populations, members, delaySteps } = problem;
    const M = members.length;
    const K = populations.length;
    if (M < 1 || K < 1) throw new Error('nnlif: at least one member and one population');
    if (K > NNLIF_MAX_POPULATIONS) throw new Error(`nnlif: at most ${NNLIF_MAX_POPULATIONS} populations (got ${K})`);
    const nv = populations[0]!.grid.nv;
    if (populations.some((p) => p.grid.nv !== nv)) throw new Error('nnlif: every population has the same number of nodes');
    if (problem.initial.length !== K || problem.initial.some((x) => x.length !== nv)) throw new Error(`nnlif: one initial density of ${nv} values per population`);
    for (const m of members) {
      if (m.populations.length !== K || m.coupling.b.length !== K || m.coupling.a1.length !== K || [...m.coupling.b, ...m.coupling.a1].some((row) => row.length !== K)) throw new Error(`nnlif: every member has K = ${K} populations and K × K couplings`);
    }
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

    const Q = M * K; // populations in all
    const capacity = nnlifHistoryCapacity(Q);
    const slots = delaySlotsOf(delaySteps);
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
      populations: make('nnlif populations', Q * POPULATION_BYTES),
      coupling: make('nnlif coupling', Q * K * 8),
      populationState: make('nnlif population state', Q * STATE_BYTES),
      density: make('nnlif density', Q * nv * 4),
      scratch: make('nnlif scratch', Q * nv * 3 * 4),
      delayRing: make('nnlif delay ring', Q * slots * 4),
      history: make('nnlif history', capacity * Q * HISTORY_ENTRY_BYTES),
    };
    const oom = await device.popErrorScope();
    if (oom) {
      for (const b of created) b.destroy();
      await device.popErrorScope();
      throw new Error(`nnlif: ${M} members × ${K} populations × ${nv} nodes need ${((Q * nv * 32) / 2 ** 30).toFixed(2)} GiB, more than this device could allocate (${oom.message})`);
    }
    const bindGroup = device.createBindGroup({
      label: 'nnlif',
      layout,
      entries: (Object.keys(buffers) as BufferName[]).map((name) => ({ binding: layoutInfo.bindingOf[name]!, resource: { buffer: buffers[name] } })),
    });
    const validation = await device.popErrorScope();
    if (validation) throw new Error(`WebGPU validation failed while building the nnlif solver: ${validation.message}`);

    device.queue.writeBuffer(buffers.params, 0, paramsData(layoutInfo, problem, capacity));
    const { populations: popData, coupling: couplingData } = memberData(problem);
    const density = new Float32Array(Q * nv);
    const state = new ArrayBuffer(Q * STATE_BYTES);
    const sf = new Float32Array(state);
    const ring = new Float32Array(Q * slots);
    const initialN: number[] = [];
    const initialMass: number[] = [];
    const n32 = problem.initial.map((x) => Float32Array.from(x));
    members.forEach((_, m) => {
      populations.forEach((pop, alpha) => {
        const q = m * K + alpha;
        const { grid } = pop;
        density.set(n32[alpha]!, q * nv);
        const N0 = 0; // silent before the start (fokkerPlanck.ts)
        let mass = 0;
        for (let i = 0; i < nv; i++) mass += widthOf(grid, i) * n32[alpha]![i]!;
        initialN.push(N0);
        initialMass.push(mass);
        sf.set([N0, 0, mass], (q * STATE_BYTES) / 4);
        ring.fill(N0, q * slots, (q + 1) * slots);
      });
    });
    device.queue.writeBuffer(buffers.populations, 0, popData);
    device.queue.writeBuffer(buffers.coupling, 0, couplingData);
    device.queue.writeBuffer(buffers.density, 0, density);
    device.queue.writeBuffer(buffers.populationState, 0, state);
    device.queue.writeBuffer(buffers.delayRing, 0, ring);
    return new NnlifSolver(ctx, problem, buffers, pipeline, bindGroup, capacity, initialN, initialMass, layoutInfo);
  }

  /**
   * Why the running state cannot go on under `next` (null: it can). The state (n on each grid, R, the delay
   * ring of D + 2 slots) keeps its meaning when the members' couplings, a0, VR, τ, the soft loss rate, dt
   * and Nmax change, but not when a grid moves (nv, vmin, VF, the firing kind, vmax), the delay in steps
   * changes (the ring), the shape of the batch changes, or τ goes from positive to 0 (the refractory mass
   * R, which the τ = 0 step never releases, would be stranded).
   */
  static whyNotContinued(now: NnlifProblem, next: NnlifProblem): string | null {
    if (next.members.length !== now.members.length) return 'the number of members changed';
    if (next.populations.length !== now.populations.length) return 'the number of populations changed';
    if (next.delaySteps !== now.delaySteps) return 'the delay in steps changed (the delay ring holds D + 2 slots)';
    for (let alpha = 0; alpha < now.populations.length; alpha++) {
      const [a, b] = [now.populations[alpha]!.grid, next.populations[alpha]!.grid];
      if (a.nv !== b.nv || a.vmin !== b.vmin || a.h !== b.h || a.VF !== b.VF || a.vtop !== b.vtop || a.firing.kind !== b.firing.kind) return 'the v grid changed (nv, vmin, VF, the firing kind or vmax)';
    }
    for (let m = 0; m < now.members.length; m++) {
      for (let alpha = 0; alpha < now.populations.length; alpha++) {
        if (now.members[m]!.populations[alpha]!.tau > 0 && !(next.members[m]!.populations[alpha]!.tau > 0)) return 'τ went to 0: the refractory mass R would be stranded';
      }
    }
    return null;
  }

  /**
   * Go on from the current state with the parameters of `next` (couplings, a0, VR, τ, the soft loss rate,
   * dt, Nmax) from the next step on; throws where whyNotContinued(problem, next) gives a reason. The state
   * and the step count are kept: the next step is the step of a solver created from this state with these
   * parameters.
   */
  setParameters(next: NnlifProblem): void {
    const why = NnlifSolver.whyNotContinued(this.current, next);
    if (why) throw new Error(`nnlif: setParameters cannot go on from the running state: ${why}`);
    const { queue } = this.ctx.device;
    queue.writeBuffer(this.buffers.params, 0, paramsData(this.layoutInfo, next, this.capacity));
    const data = memberData(next);
    queue.writeBuffer(this.buffers.populations, 0, data.populations);
    queue.writeBuffer(this.buffers.coupling, 0, data.coupling);
    this.current = { ...next, initial: this.current.initial };
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
    const Q = this.members * this.populations;
    // the ring and the states in one round trip (both maps in flight together)
    const [ring, states] = await Promise.all([readRing(this.ctx.device, this.buffers.history, { base: 0, entryBytes: Q * HISTORY_ENTRY_BYTES, capacity: this.capacity }, first, count), this.readStates()]);
    const raw = new Float32Array(ring);
    const N = new Float32Array(count * Q);
    const mass = new Float32Array(count * Q);
    const R = new Float32Array(count * Q);
    for (let k = 0; k < count * Q; k++) {
      N[k] = raw[4 * k];
      mass[k] = raw[4 * k + 1];
      R[k] = raw[4 * k + 2];
    }
    // The status after each step follows from the members' stop steps.
    const status = new Uint32Array(count * Q);
    for (let k = 0; k < count; k++) {
      const step = first + k + 1;
      for (let q = 0; q < Q; q++) {
        const s = states[q]!;
        status[k * Q + q] = s.status !== 'running' && step > s.taken ? NNLIF_STATUS.indexOf(s.status) : 0;
      }
    }
    return { steps: Array.from({ length: count }, (_, k) => first + k + 1), N, mass, R, status };
  }

  /** The state of every population of every member, entry m·K + α. */
  async readStates(): Promise<NnlifMemberState[]> {
    const Q = this.members * this.populations;
    const raw = await readBuffer(this.ctx.device, this.buffers.populationState, 0, Q * STATE_BYTES);
    const f = new Float32Array(raw);
    const u = new Uint32Array(raw);
    return Array.from({ length: Q }, (_, m) => ({
      N: f[m * 8],
      R: f[m * 8 + 1],
      mass: f[m * 8 + 2],
      taken: u[m * 8 + 3],
      status: NNLIF_STATUS[u[m * 8 + 5]] ?? 'nonfinite',
    }));
  }

  /** n of every population of the first `members` members (default all), members × K × nv. */
  async readDensity(members = this.members): Promise<Float32Array> {
    return new Float32Array(await readBuffer(this.ctx.device, this.buffers.density, 0, members * this.populations * this.problem.populations[0]!.grid.nv * 4));
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
