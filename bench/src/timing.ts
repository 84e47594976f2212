/**
 * Timing GPU work, the same way in Node (Dawn) and in the browser.
 *
 * - **timestamp-query**, where the device has the feature (openGpu requests it when the adapter has it):
 *   - work we encode ourselves (the kinetic step, one kernel) goes into compute passes that carry
 *     `timestampWrites`; the GPU time is the sum of the passes' end − begin, idle gaps between passes excluded;
 *   - work that submits its own passes (ParticleSystem.submitSteps, whose passes we do not open) is
 *     bracketed by two empty timestamped passes in the same queue. The queue is first primed with one
 *     untimed chunk, so the GPU is still busy while the CPU encodes the first timed chunk and the
 *     bracket does not count that encoding as GPU time.
 *   Timestamps are unquantized only where asked for: Dawn's toggle `timestamp_quantization` disabled in
 *   Node (bench/main.ts sets it), `--enable-webgpu-developer-features` in Chrome (the harness passes it).
 * - **wall**, everywhere as well: performance.now() around many steps submitted in chunks (so the GPU
 *   starts while the CPU encodes the rest) with one synchronisation at the end (onSubmittedWorkDone).
 *
 * A timestamp sample is rejected (and the wall time used, with the reason recorded) when a pass ends
 * before it begins, when the total is zero, or when it exceeds the wall time around it: the behaviour of
 * an adapter whose timestamps are not usable. Modelled on webgpu-samples' TimestampQueryManager.
 */
import type { GpuContext } from '../../src/host/gpu';

export type TimingMethod = 'timestamp-query' | 'wall';

export interface TimingSample {
  /** GPU seconds of the timed work (timestamp-query), when usable */
  gpu_s?: number;
  /** wall seconds from before the first encode to the end of the synchronisation */
  wall_s: number;
  /** repetitions (steps, kernel runs) in the sample; wall_s may cover `wallUnits` instead */
  units: number;
  /** repetitions the wall time covers (the timed ones plus the priming chunk, if any) */
  wallUnits: number;
  /** why a timestamp sample was not used */
  rejected?: string;
}

const MAX_QUERIES = 4096;

const now = (): number => performance.now() / 1000;

export class GpuTimer {
  readonly method: TimingMethod;
  /** the reason timestamps are not used, when they are not */
  readonly note: string;
  private readonly device: GPUDevice;

  constructor(ctx: GpuContext, useTimestamps: boolean) {
    this.device = ctx.device;
    if (!useTimestamps) {
      this.method = 'wall';
      this.note = 'timestamps not requested (--wall-time)';
    } else if (!ctx.hasTimestampQuery || !ctx.device.features.has('timestamp-query')) {
      this.method = 'wall';
      this.note = "the adapter has no 'timestamp-query' feature";
    } else {
      this.method = 'timestamp-query';
      this.note = '';
    }
  }

  private querySet(count: number): { set: GPUQuerySet; resolve: GPUBuffer; read: GPUBuffer } {
    const set = this.device.createQuerySet({ type: 'timestamp', count });
    const resolve = this.device.createBuffer({ size: 8 * count, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
    const read = this.device.createBuffer({ size: 8 * count, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ });
    return { set, resolve, read };
  }

  /** Resolve, read and sum the (begin, end) pairs; undefined with a reason when they are not usable. */
  private async readPairs(q: { set: GPUQuerySet; resolve: GPUBuffer; read: GPUBuffer }, pairs: number, wall_s: number): Promise<{ gpu_s?: number; rejected?: string }> {
    try {
      await q.read.mapAsync(GPUMapMode.READ);
      const ticks = new BigInt64Array(q.read.getMappedRange().slice(0));
      q.read.unmap();
      let total = 0n;
      for (let k = 0; k < pairs; k++) {
        const d = ticks[2 * k + 1] - ticks[2 * k];
        if (d < 0n) return { rejected: `pass ${k} ends before it begins (${d} ns)` };
        total += d;
      }
      const gpu_s = Number(total) * 1e-9;
      if (!(gpu_s > 0)) return { rejected: 'all timestamps are equal' };
      if (gpu_s > wall_s * 1.05 + 1e-3) return { rejected: `GPU time ${gpu_s.toPrecision(3)} s exceeds the wall time ${wall_s.toPrecision(3)} s around it` };
      return { gpu_s };
    } finally {
      q.set.destroy();
      q.resolve.destroy();
      q.read.destroy();
    }
  }

  /**
   * Time `units` repetitions of `encode(pass)` (e.g. one step), `chunk` repetitions per compute pass and
   * one submission per pass; one synchronisation at the end.
   */
  async timeEncoded(encode: (pass: GPUComputePassEncoder) => void, units: number, chunk: number): Promise<TimingSample> {
    const { device } = this;
    const passes = Math.ceil(units / chunk);
    const stamps = this.method === 'timestamp-query' && 2 * passes <= MAX_QUERIES ? this.querySet(2 * passes) : undefined;
    await device.queue.onSubmittedWorkDone();
    const t0 = now();
    let left = units;
    for (let p = 0; p < passes; p++) {
      const encoder = device.createCommandEncoder();
      const pass = encoder.beginComputePass(stamps ? { timestampWrites: { querySet: stamps.set, beginningOfPassWriteIndex: 2 * p, endOfPassWriteIndex: 2 * p + 1 } } : {});
      for (let k = 0; k < Math.min(chunk, left); k++) encode(pass);
      left -= chunk;
      pass.end();
      device.queue.submit([encoder.finish()]);
    }
    if (stamps) {
      const encoder = device.createCommandEncoder();
      encoder.resolveQuerySet(stamps.set, 0, 2 * passes, stamps.resolve, 0);
      encoder.copyBufferToBuffer(stamps.resolve, 0, stamps.read, 0, 16 * passes);
      device.queue.submit([encoder.finish()]);
    }
    await device.queue.onSubmittedWorkDone();
    const wall_s = now() - t0;
    const sample: TimingSample = { wall_s, units, wallUnits: units };
    if (stamps) Object.assign(sample, await this.readPairs(stamps, passes, wall_s));
    else if (this.method === 'timestamp-query') sample.rejected = `more than ${MAX_QUERIES / 2} passes`;
    return sample;
  }

  /**
   * Time work that submits its own command buffers: `submit(n)` submits n repetitions. Without
   * timestamps: wall time of `units` repetitions. With them: one untimed chunk of `prime` repetitions
   * first, then the timed ones between two empty timestamped passes; the wall time covers both.
   */
  async timeSubmitted(submit: (n: number) => void, units: number, chunk: number, prime: number): Promise<TimingSample> {
    const { device } = this;
    const stamps = this.method === 'timestamp-query' ? this.querySet(2) : undefined;
    const bracket = (index: number): void => {
      const encoder = device.createCommandEncoder();
      encoder.beginComputePass({ timestampWrites: { querySet: stamps!.set, [index === 0 ? 'beginningOfPassWriteIndex' : 'endOfPassWriteIndex']: index } }).end();
      if (index === 1) {
        encoder.resolveQuerySet(stamps!.set, 0, 2, stamps!.resolve, 0);
        encoder.copyBufferToBuffer(stamps!.resolve, 0, stamps!.read, 0, 16);
      }
      device.queue.submit([encoder.finish()]);
    };
    await device.queue.onSubmittedWorkDone();
    const t0 = now();
    let wallUnits = units;
    if (stamps) {
      if (prime > 0) submit(prime);
      wallUnits += prime;
      bracket(0);
    }
    for (let left = units; left > 0; left -= chunk) submit(Math.min(chunk, left));
    if (stamps) bracket(1);
    await device.queue.onSubmittedWorkDone();
    const wall_s = now() - t0;
    const sample: TimingSample = { wall_s, units, wallUnits };
    if (stamps) {
      // One pair: the begin of the first bracket pass and the end of the second.
      Object.assign(sample, await this.readPairs(stamps, 1, wall_s));
    }
    return sample;
  }
}

/** Seconds per unit of a sample: GPU time where usable, else wall time. */
export function perUnit(sample: TimingSample): { seconds: number; method: TimingMethod; wall: number } {
  const wall = sample.wall_s / sample.wallUnits;
  if (sample.gpu_s !== undefined) return { seconds: sample.gpu_s / sample.units, method: 'timestamp-query', wall };
  return { seconds: wall, method: 'wall', wall };
}

export interface Measured {
  /** seconds per unit (step, kernel run): the median over the repetitions */
  seconds: number;
  /** wall seconds per unit, median (equal to `seconds` with the wall method) */
  wall_seconds: number;
  method: TimingMethod;
  /** units per repetition and repetitions */
  units: number;
  reps: number;
  /** why timestamps were not used for this measurement, if they were not */
  timestamp_note?: string;
}

export interface AdaptiveOptions {
  /** time one repetition should take, s */
  target_s: number;
  reps: number;
  minUnits: number;
  maxUnits: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
};

/**
 * Warm up (one unit: first use, pipeline caches), probe the cost of a unit, then run `reps` repetitions
 * of as many units as fill `target_s` (within [minUnits, maxUnits]) and take the median. A unit that
 * alone takes longer than the target gets minUnits and one repetition.
 */
export async function measureAdaptive(run: (units: number) => Promise<TimingSample>, o: AdaptiveOptions): Promise<Measured> {
  const warm = await run(1);
  let per = warm.wall_s / warm.wallUnits;
  if (per * 20 < o.target_s) {
    const probeUnits = Math.min(o.maxUnits, Math.max(1, Math.ceil((0.1 * o.target_s) / per)));
    const probe = await run(probeUnits);
    per = probe.wall_s / probe.wallUnits;
  }
  const units = Math.min(o.maxUnits, Math.max(o.minUnits, Math.ceil(o.target_s / Math.max(per, 1e-9))));
  const reps = per * units > 1.5 * o.target_s ? 1 : o.reps;
  const samples: TimingSample[] = [];
  for (let r = 0; r < reps; r++) samples.push(await run(units));
  const per_ = samples.map(perUnit);
  const usedStamps = per_.every((p) => p.method === 'timestamp-query');
  const seconds = median(usedStamps ? per_.map((p) => p.seconds) : per_.map((p) => p.wall));
  const rejected = samples.find((s) => s.rejected)?.rejected;
  return {
    seconds,
    wall_seconds: median(per_.map((p) => p.wall)),
    method: usedStamps ? 'timestamp-query' : 'wall',
    units,
    reps,
    ...(rejected ? { timestamp_note: rejected } : {}),
  };
}
