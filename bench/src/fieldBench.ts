/**
 * The Wilson–Cowan field in the benchmark: the plane's ETDRK4 step and its forward 2D FFT alone, on n × n grids from
 * 256² to the largest whose half-spectrum buffer fits one binding (or the step-time cap), in GB/s against the copy
 * roofline. Bytes are counted from the WGSL (src/shaders/fft.wgsl, fieldStep.wgsl), each buffer read or written
 * once per dispatch that touches it. The transforms are real-to-complex (GpuRealFft): the real field, 4 n² bytes,
 * read as n rows of n/2 complex, and its half spectrum S = 8(n/2 + 1)n ≈ 4 n² bytes:
 *   the rows' complex FFT of n/2: in workgroup memory one read + write (8 n²); globally ⌈log2(n/2)/2⌉ passes
 *   (radix 4) of 8 n² each, plus a copy back of 8 n² when that count is odd;
 *   the split with the transpose (r2cUnpackTranspose): 4 n² + S; its inverse (c2rPackTranspose) the same;
 *   the columns' complex FFT of n on n/2 + 1 rows: 2S per pass or per workgroup-memory dispatch, ⌈log2(n)/2⌉ passes
 *   and the copy back as above; the forward transform: rows, split, columns;
 *   a convolution: rows, split, columns forward ×ŵ inverse (in workgroup memory 2S + S for ŵ; globally 2 sweeps
 *   and a multiply pass of 3S), split back, rows inverse;
 *   the step: pack (8 n²) + 4 convolutions + the stages (24 + 20 + 24 + 16) n² + the reductions (negligible).
 */
import { FieldSolver } from '../../src/host/fieldSolver';
import type { GpuContext } from '../../src/host/gpu';
import { fieldProblem } from '../../src/models/field/problem';
import { resolveFieldRunConfig } from '../../src/models/registry';
import type { Measured } from './timing';

export interface FieldBenchCase {
  n: number;
  points: number;
  /** the FFT's route for rows of n */
  fft_route: 'workgroup memory' | 'global passes';
  seconds_per_step: number;
  step_bytes: number;
  step_GBps: number;
  step_roofline_fraction: number;
  fft_seconds: number;
  fft_bytes: number;
  fft_GBps: number;
  fft_roofline_fraction: number;
  point_updates_per_s: number;
  method: string;
  steps: number;
}

/** Bytes of the forward 2D real FFT and of one ETDRK4 step of the plane n × n (the counting rule above), for the route taken. */
export function fieldBenchBytes(n: number, shared: boolean): { fft: number; step: number } {
  const real = 4 * n * n;
  const S = 8 * (n / 2 + 1) * n;
  // a sweep of complex passes over `bytes`: ⌈log2(length)/2⌉ passes (radix 4, one radix 2 for an odd log2), a copy back after an odd count
  const sweep = (length: number, bytes: number) => {
    if (shared) return 2 * bytes;
    const passes = Math.ceil(Math.log2(length) / 2);
    return (passes + (passes % 2)) * 2 * bytes;
  };
  const rows = sweep(n / 2, real);
  const split = real + S;
  const fft = rows + split + sweep(n, S);
  const columnsConvolve = shared ? 3 * S : 2 * sweep(n, S) + 3 * S;
  const convolve = 2 * rows + 2 * split + columnsConvolve;
  const step = 8 * n * n + 4 * convolve + (24 + 20 + 24 + 16) * n * n;
  return { fft, step };
}

export async function benchField(
  ctx: GpuContext,
  sides: number[],
  measure: (submit: (count: number) => void, chunk: number) => Promise<Measured>,
  roofline: { GBps: number },
  maxStepSeconds: number,
  log: (line: string) => void,
): Promise<{ cases: FieldBenchCase[]; stopped?: string }> {
  const cases: FieldBenchCase[] = [];
  const largestBinding = Math.min(ctx.limits.maxStorageBufferBindingSize, ctx.limits.maxBufferSize);
  for (const n of sides) {
    const spectrumBytes = 8 * (n / 2 + 1) * n;
    if (spectrumBytes > largestBinding) return { cases, stopped: `${n}²: the half spectrum's buffer (${spectrumBytes} bytes) exceeds one binding (${largestBinding})` };
    const last = cases[cases.length - 1];
    if (last && (last.seconds_per_step / last.points) * n * n > maxStepSeconds) return { cases, stopped: `${n}² would take about ${((last.seconds_per_step / last.points) * n * n).toPrecision(2)} s per step (limit ${maxStepSeconds} s)` };
    const problem = fieldProblem(resolveFieldRunConfig({ model: 'field', field: { domain: 'plane', n, L: 40 }, time: { dt: 0.1, T: 1 }, initial: { kind: 'uniform', N0: 1, perturbation: 0 } }));
    let solver: FieldSolver;
    try {
      ctx.device.pushErrorScope('out-of-memory');
      solver = await FieldSolver.create(ctx, problem, new Float32Array(problem.cells).fill(1));
      const oom = await ctx.device.popErrorScope();
      if (oom) throw new Error(oom.message);
    } catch (e) {
      return { cases, stopped: `${n}²: ${(e as Error).message}` };
    }
    try {
      const step = await measure((k) => {
        const encoder = ctx.device.createCommandEncoder();
        solver.encodeSteps(encoder, k);
        ctx.device.queue.submit([encoder.finish()]);
      }, 8);
      const fft = await measure((k) => {
        const encoder = ctx.device.createCommandEncoder();
        for (let j = 0; j < k; j++) solver.encodeForwardFft(encoder);
        ctx.device.queue.submit([encoder.finish()]);
      }, 16);
      const shared = !!solver.fftShared;
      const bytes = fieldBenchBytes(n, shared);
      const c: FieldBenchCase = {
        n,
        points: n * n,
        fft_route: shared ? 'workgroup memory' : 'global passes',
        seconds_per_step: step.seconds,
        step_bytes: bytes.step,
        step_GBps: bytes.step / step.seconds / 1e9,
        step_roofline_fraction: bytes.step / step.seconds / 1e9 / roofline.GBps,
        fft_seconds: fft.seconds,
        fft_bytes: bytes.fft,
        fft_GBps: bytes.fft / fft.seconds / 1e9,
        fft_roofline_fraction: bytes.fft / fft.seconds / 1e9 / roofline.GBps,
        point_updates_per_s: (n * n) / step.seconds,
        method: step.method,
        steps: step.units,
      };
      cases.push(c);
      log(`field ${n}²: step ${(step.seconds * 1e3).toPrecision(3)} ms (${c.step_GBps.toPrecision(3)} GB/s, ${(100 * c.step_roofline_fraction).toPrecision(3)}% of copy), FFT ${(fft.seconds * 1e3).toPrecision(3)} ms (${c.fft_GBps.toPrecision(3)} GB/s, ${(100 * c.fft_roofline_fraction).toPrecision(3)}%), ${c.fft_route} (${step.method})`);
    } finally {
      solver.destroy();
    }
  }
  return { cases };
}
