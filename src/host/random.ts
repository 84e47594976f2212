/**
 * Random numbers on the GPU: fills a storage buffer with K values per neuron for one (seed, step,
 * stream), by the counter-based Philox-4x32-10 of src/shaders/random.wgsl, and reads them back.
 *
 * Value k (0 ≤ k < K) of neuron n comes from the Philox output of
 *     counter = (n, step, stream, block = ⌊k/4⌋),   key = (seed low, seed high),
 * word k mod 4 (block 0 is the standard draw of the WGSL convention). For normals, words (0, 1) and
 * (2, 3) of a block each give one Box–Muller pair. The buffer is laid out value-major: value k of
 * neuron n is at index k·count + n, so that consecutive invocations write consecutive words.
 *
 * Every value is a pure function of (seed, n, step, stream, k): the workgroup size and the dispatch
 * shape change nothing (the tests check it bitwise for 32, 64 and 256).
 */
import type { GpuContext } from './gpu';
import { composeWgsl } from './shaderSource';
import { seedKey } from '../models/reference/philox';

export type RandomKind = 'bits' | 'uniform' | 'normal';

export interface RandomFill {
  /** 64-bit seed: a non-negative safe integer or a bigint < 2^64 */
  seed: number | bigint;
  /** time step, a u32 */
  step: number;
  /** stream id, a u32 (one per use of randomness) */
  stream: number;
  /** number of neurons, ≥ 1 */
  count: number;
  /** values per neuron, K ≥ 1 (4 per Philox call) */
  perNeuron: number;
  /** raw u32, uniform01 on (0, 1), or N(0, 1) by Box–Muller */
  kind: RandomKind;
}

const KIND_CODE: Record<RandomKind, number> = { bits: 0, uniform: 1, normal: 2 };

/** The WGSL module of the fill kernel (random.wgsl + the kernel). */
export function randomFillWgsl(): string {
  return composeWgsl(['random', 'randomFill']);
}

function checkU32(name: string, x: number): void {
  if (!Number.isInteger(x) || x < 0 || x > 0xffffffff) throw new Error(`${name} must be an integer in [0, 2^32), got ${x}`);
}

export class RandomGenerator {
  private constructor(
    private readonly device: GPUDevice,
    private readonly pipeline: GPUComputePipeline,
    readonly workgroupSize: number,
    private readonly maxGroupsPerDim: number,
    private readonly maxBinding: number,
  ) {}

  /** Compiles the fill kernel for `workgroupSize` invocations per workgroup (a power of two is typical). */
  static async create(ctx: GpuContext, workgroupSize = 64): Promise<RandomGenerator> {
    const { device, limits } = ctx;
    if (!Number.isInteger(workgroupSize) || workgroupSize < 1 || workgroupSize > limits.maxComputeWorkgroupSizeX || workgroupSize > limits.maxComputeInvocationsPerWorkgroup) {
      throw new Error(`workgroupSize must be an integer in [1, ${Math.min(limits.maxComputeWorkgroupSizeX, limits.maxComputeInvocationsPerWorkgroup)}], got ${workgroupSize}`);
    }
    device.pushErrorScope('validation');
    const module = device.createShaderModule({ code: randomFillWgsl(), label: 'randomFill' });
    const pipeline = await device.createComputePipelineAsync({
      label: `randomFill (workgroup ${workgroupSize})`,
      layout: 'auto',
      compute: { module, entryPoint: 'randomFill', constants: { RANDOM_WG: workgroupSize } },
    });
    const error = await device.popErrorScope();
    if (error) throw new Error(`WebGPU validation failed for the random fill kernel: ${error.message}`);
    const maxBinding = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
    return new RandomGenerator(device, pipeline, workgroupSize, limits.maxComputeWorkgroupsPerDimension, maxBinding);
  }

  /** Bytes of the buffer a fill writes: 4·K·count. */
  static byteSize(fill: Pick<RandomFill, 'count' | 'perNeuron'>): number {
    return 4 * fill.perNeuron * fill.count;
  }

  private check(fill: RandomFill): void {
    if (!Number.isInteger(fill.count) || fill.count < 1) throw new Error(`count must be an integer ≥ 1, got ${fill.count}`);
    if (!Number.isInteger(fill.perNeuron) || fill.perNeuron < 1) throw new Error(`perNeuron must be an integer ≥ 1, got ${fill.perNeuron}`);
    checkU32('step', fill.step);
    checkU32('stream', fill.stream);
    if (!(fill.kind in KIND_CODE)) throw new Error(`kind must be bits, uniform or normal, got ${fill.kind}`);
    const bytes = RandomGenerator.byteSize(fill);
    if (bytes > this.maxBinding || fill.count * Math.ceil(fill.perNeuron / 4) > 0xffffffff) {
      throw new Error(`${fill.perNeuron} values × ${fill.count} neurons need ${bytes} bytes; this adapter binds at most ${this.maxBinding}`);
    }
  }

  /**
   * Records the fill of `target` (STORAGE usage, at least byteSize(fill) bytes) into `encoder`.
   * Returns the small uniform buffer of the fill's parameters, which the caller may destroy once the
   * encoder's work is submitted (or leave to the garbage collector).
   */
  encode(encoder: GPUCommandEncoder, target: GPUBuffer, fill: RandomFill): GPUBuffer {
    this.check(fill);
    if (target.size < RandomGenerator.byteSize(fill)) throw new Error(`target buffer has ${target.size} bytes, the fill needs ${RandomGenerator.byteSize(fill)}`);
    const [lo, hi] = seedKey(fill.seed);
    const blocks = Math.ceil(fill.perNeuron / 4);
    const params = this.device.createBuffer({ label: 'randomFill params', size: 32, usage: GPUBufferUsage.UNIFORM, mappedAtCreation: true });
    new Uint32Array(params.getMappedRange()).set([lo, hi, fill.step, fill.stream, fill.count, fill.perNeuron, blocks, KIND_CODE[fill.kind]]);
    params.unmap();
    const bindGroup = this.device.createBindGroup({
      layout: this.pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: params } },
        { binding: 1, resource: { buffer: target, size: RandomGenerator.byteSize(fill) } },
      ],
    });
    const groups = Math.ceil((fill.count * blocks) / this.workgroupSize);
    const x = Math.min(groups, this.maxGroupsPerDim);
    const y = Math.ceil(groups / x);
    const pass = encoder.beginComputePass({ label: 'randomFill' });
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(x, y);
    pass.end();
    return params;
  }

  /** Fills a fresh buffer on the GPU and reads it back: value k of neuron n at index k·count + n. */
  generate(fill: RandomFill & { kind: 'bits' }): Promise<Uint32Array>;
  generate(fill: RandomFill & { kind: 'uniform' | 'normal' }): Promise<Float32Array>;
  generate(fill: RandomFill): Promise<Uint32Array | Float32Array>;
  async generate(fill: RandomFill): Promise<Uint32Array | Float32Array> {
    this.check(fill);
    const size = RandomGenerator.byteSize(fill);
    const target = this.device.createBuffer({ label: 'random values', size, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
    const staging = this.device.createBuffer({ label: 'random readback', size, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ });
    const encoder = this.device.createCommandEncoder();
    const params = this.encode(encoder, target, fill);
    encoder.copyBufferToBuffer(target, 0, staging, 0, size);
    this.device.queue.submit([encoder.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const copy = staging.getMappedRange().slice(0);
    staging.unmap();
    for (const b of [staging, target, params]) b.destroy();
    return fill.kind === 'bits' ? new Uint32Array(copy) : new Float32Array(copy);
  }
}
