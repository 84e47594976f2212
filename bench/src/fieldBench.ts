/**
 * The Wilson–Cowan field in the benchmark: the plane's ETDRK4 step and its forward 2D FFT alone, on n × n grids from
 * 256² to the largest whose complex buffer fits one binding (or the step-time cap), in GB/s against the copy
 * roofline. Bytes are counted from the WGSL (src/shaders/fft.wgsl, fieldStep.wgsl), each buffer read or written
 * once per dispatch that touches it:
 *   a row pass in workgroup memory, a transpose: read + write the complex field, 16 n² bytes each;
 *   a global pass (rows longer than fit workgroup memory, every row on a CPU adapter): 16 n² bytes each, ⌈log2(n)/2⌉
 *   of them per sweep (radix 4), plus a copy back of 16 n² when that count is odd;
 *   the forward 2D FFT: rows, transpose, rows; a convolution: rows, transpose, rows ×ŵ (+ 8 n² for ŵ), transpose, rows
 *   (globally: 4 sweeps, 2 transposes and a multiply pass of 24 n²);
 *   the step: pack (12 n²) + 4 convolutions + the stages (32 + 28 + 32 + 20) n² + the reductions (negligible).
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

/** Bytes of the forward 2D FFT and of one ETDRK4 step of the plane n × n (the counting rule above), for the route taken. */
export function fieldBenchBytes(n: number, shared: boolean): { fft: number; step: number } {
  const pass = 16 * n * n;
  // globally: ⌈log2(n)/2⌉ passes (radix 4, one radix 2 for an odd log2 n), and a copy back after an odd count
  const passes = Math.ceil(Math.log2(n) / 2);
  const rows = shared ? pass : passes * pass + (passes % 2 ? pass : 0);
  const fft = 2 * rows + pass;
  // rows forward, transpose, rows (forward ×ŵ inverse), transpose, rows inverse; globally the ×ŵ is its own pass (r/w 16 n², ŵ 8 n²)
  const convolve = shared ? 5 * pass + 8 * n * n : 4 * rows + 2 * pass + 24 * n * n;
  const step = 12 * n * n + 4 * convolve + (32 + 28 + 32 + 20) * n * n;
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
    if (8 * n * n > largestBinding) return { cases, stopped: `${n}²: the complex buffer (${8 * n * n} bytes) exceeds one binding (${largestBinding})` };
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
