/**
 * The Wilson–Cowan field on the GPU: the state N (f32, one value per grid point or node), the coupling w ∗ σ(N)
 * by the shared real-to-complex FFT (src/host/fft.ts GpuRealFft; σ(N) is real, so its half spectrum carries all of
 * it: the ring one row, the plane rows–split/transpose–columns) or W·σ(N) by a
 * matrix–vector product (fieldMatvec), and the exponential integrator of src/models/field/etd.ts in the pointwise
 * kernels of src/shaders/fieldStep.wgsl. Many steps go in one submission; each step writes (mean, max, max |N|,
 * bad) to a history ring, and the steps of the activity rows also the dominant mode of the spectrum of N to a
 * second ring, both read back once per block (the block driver, blockLoop.ts, with a checkpoint of N for the
 * rollback of a bad step). The f64 twin is src/models/field/reference.ts.
 */
import { makeShaderDataDefinitions, makeStructuredView } from 'webgpu-utils';
import { etdCoefficients } from '../models/field/etd';
import { halfSpectrumOf } from '../models/field/fft64';
import { FIELD_NOISE_STREAM, type FieldProblem } from '../models/field/problem';
import { logistic } from '../models/field/sigmoid';
import { seedKey } from '../models/reference/philox';
import type { BlockSystem, SolverState } from './blockLoop';
import { BufferCheckpoint, readBuffer, readRing } from './buffers';
import { GpuRealFft } from './fft';
import type { GpuContext } from './gpu';
import { composeWgsl } from './shaderSource';

/** A block of steps: entry k is step steps[k] (1-based: the state after it). */
export interface FieldBlock {
  steps: number[];
  mean: Float32Array;
  max: Float32Array;
  maxAbs: Float32Array;
  bad: Uint8Array;
  /** the dominant mode ≠ 0 of the spectrum, at the steps that computed it (else index −1) */
  spectrum: { power: number; index: number; dc: number }[];
}

export const FIELD_HISTORY_SLOTS = 2048;
const WG = 256;

type PipelineName = 'pack' | 'stage0' | 'stage1' | 'stage2' | 'stage3' | 'stage4' | 'noise' | 'partials' | 'reduce' | 'specPartial' | 'specReduce' | 'matvec' | 'matvecRow';
type Name = 'u' | 'stageA' | 'acc' | 'nu' | 'X' | 'Y' | 'source' | 'partials' | 'counter' | 'history' | 'specPartials' | 'spectrum' | 'weights' | 'W';

export interface FieldSolverOptions {
  /** the steps (1-based) after which the spectrum's dominant mode is computed */
  spectrumAt?: (step: number) => boolean;
  /** force the FFT's route (tests) */
  fftRoute?: 'shared' | 'global';
  /** the Philox seed of the noise */
  seed?: number;
}

/** The number P of strided partial reductions (each sums the points t, t + P, …): about 64 points each, at most 65536. */
export function partialCount(cells: number): number {
  return Math.max(1, Math.min(65536, Math.ceil(cells / 64)));
}

/** Complex bins of the half spectrum of a field ((n/2 + 1)·n for the plane, n/2 + 1 for the ring; 0 for a network). */
export function spectrumBins(problem: FieldProblem): number {
  const c = problem.config;
  return c.domain === 'network' ? 0 : (c.n / 2 + 1) * (c.dim === 2 ? c.n : 1);
}

/** The bytes of GPU memory a field needs (state and stages, the two buffers of the real FFT and its multiplier on the half spectrum, W or s). */
export function fieldBytes(problem: FieldProblem): number {
  const cells = problem.cells;
  const network = problem.config.domain === 'network';
  const xy = network ? 4 * cells : 8 * spectrumBins(problem);
  return 4 * 4 * cells + 3 * xy + (problem.source ? 4 * cells : 0) + (network ? 4 * cells * cells : 0);
}

/** The step's kernels, compiled once per device (SwiftShader takes seconds per pipeline). */
const pipelineCache = new WeakMap<GPUDevice, Promise<Record<PipelineName, GPUComputePipeline>>>();

function fieldPipelines(device: GPUDevice): Promise<Record<PipelineName, GPUComputePipeline>> {
  let p = pipelineCache.get(device);
  if (!p) {
    p = (async () => {
      device.pushErrorScope('validation');
      const module = device.createShaderModule({ label: 'fieldStep', code: composeWgsl(['random', 'fieldStep']) });
      const info = await module.getCompilationInfo();
      const errors = info.messages.filter((m) => m.type === 'error');
      if (errors.length) throw new Error(`fieldStep.wgsl does not compile:\n${errors.map((m) => `${m.lineNum}:${m.linePos} ${m.message}`).join('\n')}`);
      const make = (entryPoint: string, constants?: Record<string, number>) => device.createComputePipelineAsync({ label: `field ${entryPoint}${constants ? ` ${JSON.stringify(constants)}` : ''}`, layout: 'auto', compute: { module, entryPoint, ...(constants ? { constants } : {}) } });
      const names: [PipelineName, string, Record<string, number>?][] = [
        ['pack', 'fieldPack'],
        ...[0, 1, 2, 3, 4].map((k): [PipelineName, string, Record<string, number>] => [`stage${k}` as PipelineName, 'fieldStage', { FIELD_STAGE: k }]),
        ['noise', 'fieldNoise'],
        ['partials', 'fieldPartials'],
        ['reduce', 'fieldReduce'],
        ['specPartial', 'fieldSpectrumPartial'],
        ['specReduce', 'fieldSpectrumReduce'],
        ['matvec', 'fieldMatvec'],
        ['matvecRow', 'fieldMatvecRow'],
      ];
      const made = await Promise.all(names.map(([, entry, constants]) => make(entry, constants)));
      const error = await device.popErrorScope();
      if (error) throw new Error(`WebGPU validation failed while building the field kernels: ${error.message}`);
      return Object.fromEntries(names.map(([name], k) => [name, made[k]!])) as Record<PipelineName, GPUComputePipeline>;
    })();
    pipelineCache.set(device, p);
    p.catch(() => pipelineCache.delete(device));
  }
  return p;
}

/**
 * The coupling's data on the GPU: the multiplier (fields: with the 1/cells of the inverse transforms, in the layout
 * of the convolving pass) or W (networks), and s(x) where the source is not the constant s0.
 */
function uploadCoupling(device: GPUDevice, buffers: Record<Name, GPUBuffer>, problem: FieldProblem): void {
  const c = problem.config;
  const cells = problem.cells;
  if (c.domain !== 'network') {
    // the half spectrum kx ≤ n/2 (the convolving pass sees row kx, column ky): the transform of a real kernel is
    // Hermitian, ŵ(−k) = conj ŵ(k), so it holds all of ŵ, symmetric (real ŵ) or not (a .npy kernel: complex ŵ)
    const m = halfSpectrumOf(problem.multiplier!, c.n, c.dim as 1 | 2);
    let wmax = 0;
    for (let k = 0; k < m.length; k++) wmax = Math.max(wmax, Math.abs(m[k]!));
    // multipliers below 1e-20 of the largest change nothing in f32 but would make denormal products, which
    // a CPU adapter computes ~100× slower: they are set to 0 (a Gaussian's ŵ at the grid's top k is e^{−200})
    const flush = (v: number) => (Math.abs(v) < 1e-20 * wmax ? 0 : v / cells);
    device.queue.writeBuffer(buffers.weights, 0, Float32Array.from(m, flush));
  } else device.queue.writeBuffer(buffers.W, 0, Float32Array.from(problem.W!));
  if (problem.source) device.queue.writeBuffer(buffers.source, 0, Float32Array.from(problem.source));
}

let paramsDefinition: ReturnType<typeof makeShaderDataDefinitions>['uniforms'][string] | undefined;

/** The step's uniforms: the scheme's coefficients at dt, σ's β and θ, s0, the noise (identity: the pack of N itself). */
function fieldParams(problem: FieldProblem, options: FieldSolverOptions, identity: 0 | 1): ArrayBuffer {
  const c = problem.config;
  const q = etdCoefficients(c.time.scheme, c.time.dt);
  const s = c.sigmoid;
  const [seedLo, seedHi] = seedKey(options.seed ?? (c.source.kind === 'noise' ? c.source.seed : 1));
  paramsDefinition ??= makeShaderDataDefinitions(composeWgsl(['random', 'fieldStep'])).uniforms.params!;
  const view = makeStructuredView(paramsDefinition);
  view.set({
    cells: problem.cells,
    hasSource: problem.source ? 1 : 0,
    noise: problem.noise > 0 ? 1 : 0,
    seed: [seedLo, seedHi],
    partials: partialCount(problem.cells),
    spectrumCells: spectrumBins(problem),
    capacity: FIELD_HISTORY_SLOTS,
    sigmaKind: s.kind === 'logistic' ? 0 : s.kind === 'logistic-shifted' ? 1 : 2,
    noiseStream: FIELD_NOISE_STREAM,
    E: q.E,
    E2: q.E2,
    Q: q.Q,
    f1: q.f1,
    f2: q.f2,
    f3: q.f3,
    g: q.g,
    s0: problem.s0,
    beta: s.beta,
    theta: s.theta,
    sigmaShift: s.kind === 'logistic-shifted' ? logistic(-s.beta * s.theta) : 0,
    noiseAmp: problem.noise * q.noiseScale,
    identity,
  });
  return view.arrayBuffer;
}

export class FieldSolver implements BlockSystem<FieldBlock> {
  stepIndex = 0;
  readonly capacity = FIELD_HISTORY_SLOTS;
  private readonly checkpoint: BufferCheckpoint<'u' | 'counter'>;
  private readonly groupCount: [number, number];
  /** the dispatch of the P strided partial reductions (64 invocations a workgroup) */
  private readonly partialGroups: [number, number];

  private constructor(
    private readonly ctx: GpuContext,
    public problem: FieldProblem,
    private readonly buffers: Record<Name, GPUBuffer>,
    private readonly fft: GpuRealFft | undefined,
    private readonly pipelines: Record<PipelineName, GPUComputePipeline>,
    private readonly uniforms: { pack: GPUBuffer; packIdentity: GPUBuffer },
    private readonly options: FieldSolverOptions,
  ) {
    this.checkpoint = new BufferCheckpoint(ctx.device, buffers, ['u', 'counter'], 'field');
    const groups = Math.ceil(problem.cells / WG);
    const x = Math.min(groups, ctx.limits.maxComputeWorkgroupsPerDimension);
    this.groupCount = [x, Math.ceil(groups / x)];
    const pg = Math.ceil(partialCount(problem.cells) / 64);
    const px = Math.min(pg, ctx.limits.maxComputeWorkgroupsPerDimension);
    this.partialGroups = [px, Math.ceil(pg / px)];
  }

  static async create(ctx: GpuContext, problem: FieldProblem, initial: ArrayLike<number>, options: FieldSolverOptions = {}): Promise<FieldSolver> {
    const { device } = ctx;
    const c = problem.config;
    const cells = problem.cells;
    if (initial.length !== cells) throw new Error(`FieldSolver: ${cells} initial values needed (got ${initial.length})`);
    const network = c.domain === 'network';
    const fft = network ? undefined : await GpuRealFft.create(ctx, c.n, c.dim as 1 | 2, options.fftRoute);

    const pipelines = await fieldPipelines(device);
    device.pushErrorScope('validation');
    device.pushErrorScope('out-of-memory');

    const storage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    const buf = (label: string, size: number) => device.createBuffer({ label: `field ${label}`, size: Math.max(16, Math.ceil(size / 16) * 16), usage: storage });
    const partials = partialCount(cells);
    const buffers: Record<Name, GPUBuffer> = {
      u: buf('N', 4 * cells),
      stageA: buf('stage a', 4 * cells),
      acc: buf('accumulator', 4 * cells),
      nu: buf('F(N)', 4 * cells),
      // X: the real field (σ(N), then w ∗ σ(N)) and the scratch of the half spectrum; Y: the half spectrum
      X: buf('X', network ? 4 * cells : 8 * spectrumBins(problem)),
      Y: buf('Y', network ? 4 * cells : 8 * spectrumBins(problem)),
      source: buf('source', problem.source ? 4 * cells : 16),
      partials: buf('partials', 16 * partials),
      counter: buf('counter', 16),
      history: buf('history', 16 * FIELD_HISTORY_SLOTS),
      specPartials: buf('spectrum partials', 8 * partials),
      spectrum: buf('spectrum history', 16 * FIELD_HISTORY_SLOTS),
      weights: buf('multiplier', network ? 16 : 8 * spectrumBins(problem)),
      W: buf('W', network ? 4 * cells * cells : 16),
    };
    const oom = await device.popErrorScope();
    const validation = await device.popErrorScope();
    if (oom || validation) {
      for (const b of Object.values(buffers)) b.destroy();
      fft?.destroy();
      throw new Error(`the field's GPU buffers could not be made (${(oom ?? validation)!.message})`);
    }

    uploadCoupling(device, buffers, problem);
    device.queue.writeBuffer(buffers.u, 0, Float32Array.from(initial));
    device.queue.writeBuffer(buffers.counter, 0, new Uint32Array(4));

    const uniform = (identity: 0 | 1) => {
      const data = fieldParams(problem, options, identity);
      const b = device.createBuffer({ label: 'field params', size: data.byteLength, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
      device.queue.writeBuffer(b, 0, data);
      return b;
    };
    const uniforms = { pack: uniform(0), packIdentity: uniform(1) };
    return new FieldSolver(ctx, problem, buffers, fft, pipelines, uniforms, options);
  }

  private readonly bindGroups = new Map<string, GPUBindGroup>();

  private group(pipeline: PipelineName, params: GPUBuffer, key: string, entries: [number, Name][]): GPUBindGroup {
    const id = `${pipeline}|${key}`;
    let g = this.bindGroups.get(id);
    if (!g) {
      g = this.ctx.device.createBindGroup({
        label: `field ${id}`,
        layout: this.pipelines[pipeline].getBindGroupLayout(0),
        entries: [{ binding: 0, resource: { buffer: params } }, ...entries.map(([binding, name]) => ({ binding, resource: { buffer: this.buffers[name] } }))],
      });
      this.bindGroups.set(id, g);
    }
    return g;
  }

  private dispatch(encoder: GPUCommandEncoder, pipeline: PipelineName, bindGroup: GPUBindGroup, groups: [number, number]): void {
    const pass = encoder.beginComputePass({ label: `field ${pipeline}` });
    pass.setPipeline(this.pipelines[pipeline]);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(groups[0], groups[1]);
    pass.end();
  }

  /** conv.x ← w ∗ conv.x (field) or W·conv.x (network), in X */
  private encodeCoupling(encoder: GPUCommandEncoder): void {
    const c = this.problem.config;
    const { X, Y, weights } = this.buffers;
    if (c.domain === 'network') {
      const M = this.problem.cells;
      const maxGroups = this.ctx.limits.maxComputeWorkgroupsPerDimension;
      // a workgroup per row on a GPU; an invocation per row (no barrier) on a CPU adapter
      const [kind, groups] = this.ctx.cpuAdapter ? (['matvecRow', Math.ceil(M / 64)] as const) : (['matvec', M] as const);
      const x = Math.min(groups, maxGroups);
      this.dispatch(encoder, kind, this.group(kind, this.uniforms.pack, kind, [[5, 'X'], [12, 'W'], [13, 'Y']]), [x, Math.ceil(groups / x)]);
      encoder.copyBufferToBuffer(Y, 0, X, 0, 4 * M);
    } else this.fft!.encodeConvolve(encoder, X, Y, weights);
  }

  /** The step's dispatches (and, if asked for at this step, the spectrum's). */
  private encodeStep(encoder: GPUCommandEncoder, stepAfter: number): void {
    // every stage pipeline's auto layout holds the bindings of the whole function (static use is syntactic)
    const stageEntries: [number, Name][] = [[1, 'u'], [2, 'stageA'], [3, 'acc'], [4, 'nu'], [5, 'X'], [6, 'source']];
    this.dispatch(encoder, 'pack', this.group('pack', this.uniforms.pack, 'sigma', [[1, 'u'], [5, 'X']]), this.groupCount);
    const stages = this.problem.config.time.scheme === 'etd1' ? [4] : [0, 1, 2, 3];
    for (const stage of stages) {
      this.encodeCoupling(encoder);
      const name = `stage${stage}` as PipelineName;
      this.dispatch(encoder, name, this.group(name, this.uniforms.pack, name, stageEntries), this.groupCount);
    }
    if (this.problem.noise > 0) this.dispatch(encoder, 'noise', this.group('noise', this.uniforms.pack, 'noise', [[1, 'u'], [8, 'counter']]), this.groupCount);
    this.dispatch(encoder, 'partials', this.group('partials', this.uniforms.pack, 'partials', [[1, 'u'], [7, 'partials']]), this.partialGroups);
    this.dispatch(encoder, 'reduce', this.group('reduce', this.uniforms.pack, 'reduce', [[7, 'partials'], [8, 'counter'], [9, 'history']]), [1, 1]);
    if (this.options.spectrumAt?.(stepAfter) && this.problem.config.domain !== 'network') this.encodeSpectrum(encoder);
  }

  /** The forward transform of N and its dominant mode into the spectrum ring (slot of the last step taken). */
  private encodeSpectrum(encoder: GPUCommandEncoder): void {
    const c = this.problem.config;
    this.dispatch(encoder, 'pack', this.group('pack', this.uniforms.packIdentity, 'identity', [[1, 'u'], [5, 'X']]), this.groupCount);
    this.fft!.encodeForward(encoder, this.buffers.X, this.buffers.Y);
    this.dispatch(encoder, 'specPartial', this.group('specPartial', this.uniforms.pack, 'partial', [[14, 'Y'], [10, 'specPartials']]), this.partialGroups);
    this.dispatch(encoder, 'specReduce', this.group('specReduce', this.uniforms.pack, 'reduce', [[14, 'Y'], [8, 'counter'], [10, 'specPartials'], [11, 'spectrum']]), [1, 1]);
  }

  submitSteps(count: number): void {
    if (!Number.isInteger(count) || count < 1 || count > this.capacity) throw new Error(`submitSteps: count must be an integer in [1, ${this.capacity}]`);
    const encoder = this.ctx.device.createCommandEncoder({ label: 'field steps' });
    for (let k = 0; k < count; k++) this.encodeStep(encoder, this.stepIndex + k + 1);
    this.ctx.device.queue.submit([encoder.finish()]);
    this.stepIndex += count;
  }

  async advance(count: number): Promise<FieldBlock> {
    const first = this.stepIndex;
    this.submitSteps(count);
    return this.readHistory(first, count);
  }

  /** The history of the `count` steps after step `first` (submitted already; the live viewer reads them after drawing). */
  async readHistory(first: number, count: number): Promise<FieldBlock> {
    const ring = { base: 0, entryBytes: 16, capacity: this.capacity };
    const raw = new Float32Array(await readRing(this.ctx.device, this.buffers.history, ring, first, count));
    const specBytes = await readRing(this.ctx.device, this.buffers.spectrum, ring, first, count);
    const specU = new Uint32Array(specBytes);
    const specF = new Float32Array(specBytes);
    const block: FieldBlock = { steps: [], mean: new Float32Array(count), max: new Float32Array(count), maxAbs: new Float32Array(count), bad: new Uint8Array(count), spectrum: [] };
    for (let k = 0; k < count; k++) {
      const step = first + k + 1;
      block.steps.push(step);
      block.mean[k] = raw[4 * k]!;
      block.max[k] = raw[4 * k + 1]!;
      block.maxAbs[k] = raw[4 * k + 2]!;
      block.bad[k] = raw[4 * k + 3]! > 0 ? 1 : 0;
      const has = !!this.options.spectrumAt?.(step) && this.problem.config.domain !== 'network';
      block.spectrum.push(has ? { power: specF[4 * k]!, index: specU[4 * k + 1]!, dc: specF[4 * k + 2]! } : { power: 0, index: -1, dc: 0 });
    }
    return block;
  }

  /**
   * Why the state of `from` cannot go on under `to` (null: it can, by setParameters): the grid (domain, n, L),
   * a source that becomes or stops being a field s(x) (its buffer), or a network's W.
   */
  static whyNotContinued(from: FieldProblem, to: FieldProblem): string | null {
    const [a, b] = [from.config, to.config];
    if (a.domain !== b.domain || a.n !== b.n || a.L !== b.L) return 'the grid changed';
    if (!from.source !== !to.source) return 'the source changed between a constant and a field s(x)';
    if (a.domain === 'network') return 'a network\'s W is fixed once read';
    return null;
  }

  /**
   * The parameters of `problem` from the next step on, the state going on: the kernel's multiplier (its transform,
   * computed by fieldProblem), σ, the source, dt and the scheme. The grid must be the same (whyNotContinued).
   */
  setParameters(problem: FieldProblem): void {
    const why = FieldSolver.whyNotContinued(this.problem, problem);
    if (why) throw new Error(`FieldSolver.setParameters: ${why}; build a new solver`);
    this.problem = problem;
    uploadCoupling(this.ctx.device, this.buffers, problem);
    this.ctx.device.queue.writeBuffer(this.uniforms.pack, 0, fieldParams(problem, this.options, 0));
    this.ctx.device.queue.writeBuffer(this.uniforms.packIdentity, 0, fieldParams(problem, this.options, 1));
  }

  /** The buffer of N (f32 per point, row-major: N[iy·n + ix]), for drawing it where it is. */
  get state(): GPUBuffer {
    return this.buffers.u;
  }

  /** N at every point (row-major for the plane). */
  async readField(): Promise<Float32Array> {
    return new Float32Array(await readBuffer(this.ctx.device, this.buffers.u, 0, 4 * this.problem.cells));
  }

  /** One evaluation of the coupling w ∗ f (or W·f) of given values, through the same dispatches as a step (tests). */
  async coupleOnce(f: ArrayLike<number>): Promise<Float32Array> {
    const cells = this.problem.cells;
    this.ctx.device.queue.writeBuffer(this.buffers.X, 0, Float32Array.from(f));
    const encoder = this.ctx.device.createCommandEncoder();
    this.encodeCoupling(encoder);
    this.ctx.device.queue.submit([encoder.finish()]);
    return new Float32Array(await readBuffer(this.ctx.device, this.buffers.X, 0, 4 * cells));
  }

  /** Encodes `count` steps into `encoder` without submitting (the benchmark times them). */
  encodeSteps(encoder: GPUCommandEncoder, count: number): void {
    for (let k = 0; k < count; k++) this.encodeStep(encoder, Number.NaN);
    this.stepIndex += count;
  }

  /** The FFT alone: the forward real transform of what X holds, its half spectrum into Y (bench). */
  encodeForwardFft(encoder: GPUCommandEncoder): void {
    if (!this.fft) throw new Error('a network has no FFT');
    this.fft.encodeForward(encoder, this.buffers.X, this.buffers.Y);
  }

  get fftShared(): boolean | undefined {
    return this.fft?.shared;
  }

  saveCheckpoint(): void {
    this.checkpoint.save(this.stepIndex);
  }

  restoreCheckpoint(): void {
    this.stepIndex = this.checkpoint.restore();
  }

  /**
   * The state on the host, for a checkpoint on disk: N and the step counter (which also keys the noise's
   * Philox draws and the ring slots), so the state holds the noise's position.
   */
  async exportState(): Promise<SolverState> {
    return this.checkpoint.exportState(this.stepIndex);
  }

  /** Continue from a state exportState gave (a solver of the same problem): the next step is the one after it. */
  importState(state: SolverState): void {
    this.stepIndex = this.checkpoint.importState(state);
  }

  destroy(): void {
    for (const b of Object.values<GPUBuffer>(this.buffers)) b.destroy();
    for (const b of [this.uniforms.pack, this.uniforms.packIdentity]) b.destroy();
    this.checkpoint.destroy();
    this.fft?.destroy();
  }
}
