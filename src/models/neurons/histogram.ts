/**
 * The population density of an ensemble over a plane of two state variables, as a 2D histogram at chosen times
 * (config `neurons.histogram`). The plane is the model's two slow variables: (v, w) for FitzHugh–Nagumo, (V, w) for
 * Morris–Lecar, (v, h) for Mitchell–Schaeffer (their whole state), and (V, n) for Hodgkin–Huxley, the plane of
 * Rinzel's reduction (m is fast, m ≈ m∞(V), and h ≈ 0.8 − n), where the ensemble's cycles stay apart.
 *
 * The bins are [lo, hi) in each variable, nx × ny of them; a neuron whose point lies outside (or is not finite) is
 * counted apart. The bin of a value x is ⌊(x − lo)·(n/(hi − lo))⌋ with every operation in f32 (lo and n/(hi − lo)
 * rounded to f32 first): the GPU kernel (neuronsHistogram.wgsl) and binF32 below compute it alike, so the GPU's
 * counts of a state equal this file's counts of the same state exactly (f32 +, −, × are correctly rounded in WGSL).
 * Counting is by integer atomics: the same in every order, so a run is bitwise reproducible.
 */
import { z } from 'zod';
import { ConfigError, num } from '../schema';
import { NEURON_MODEL_SPECS, type NeuronModelName } from './models';
import { nearestSteps } from '../timeGrid';

/** The most bins along one axis. */
export const HISTOGRAM_MAX_BINS = 1024;
/** The most histogram times of one run. */
export const HISTOGRAM_MAX_TIMES = 1000;

/** The plane of each model: the state components drawn on x and y, and their default ranges. */
export const HISTOGRAM_PLANES: Record<NeuronModelName, { x: number; y: number; xRange: [number, number]; yRange: [number, number] }> = {
  hh: { x: 0, y: 3, xRange: [-90, 60], yRange: [0, 1] },
  fhn: { x: 0, y: 1, xRange: [-2.5, 2.5], yRange: [-1, 2.5] },
  'ml-class1': { x: 0, y: 1, xRange: [-80, 60], yRange: [0, 1] },
  'ml-class2': { x: 0, y: 1, xRange: [-80, 60], yRange: [0, 1] },
  ms: { x: 0, y: 1, xRange: [0, 1.2], yRange: [0, 1] },
};

const rangeSchema = z.tuple([num(), num()], { error: 'must be [lo, hi], two numbers' });

export const histogramSchema = z.strictObject({
  /** the times of the histograms [time]; each is taken at the step nearest it */
  times: z.array(num({ min: 0 })).min(1).max(HISTOGRAM_MAX_TIMES),
  /** bins along x and y */
  bins: z.tuple([num({ min: 1, max: HISTOGRAM_MAX_BINS, integer: true }), num({ min: 1, max: HISTOGRAM_MAX_BINS, integer: true })], { error: `must be [nx, ny], integers in [1, ${HISTOGRAM_MAX_BINS}]` }).default([64, 64]),
  /** the range of the x variable (default the model's: HISTOGRAM_PLANES) */
  x: rangeSchema.optional(),
  /** the range of the y variable */
  y: rangeSchema.optional(),
});

export type HistogramParsed = z.output<typeof histogramSchema>;

export interface NeuronHistogramConfig {
  /** the state components on x and y, and their names */
  xComponent: number;
  yComponent: number;
  xName: string;
  yName: string;
  nx: number;
  ny: number;
  x: [number, number];
  y: [number, number];
  /** the steps of the histograms (ascending, distinct) */
  steps: number[];
}

/** Resolve `neurons.histogram` for model `neuron` on a run of `steps` steps of `dt` (T = steps·dt). */
export function resolveHistogram(h: HistogramParsed, neuron: NeuronModelName, steps: number, dt: number): NeuronHistogramConfig {
  const plane = HISTOGRAM_PLANES[neuron];
  const T = steps * dt;
  h.times.forEach((t, k) => {
    if (t > T * (1 + 1e-12)) throw new ConfigError(`neurons.histogram.times.${k}`, `must lie in [0, T] = [0, ${T}] (got ${t})`);
  });
  const range = (given: [number, number] | undefined, fallback: [number, number], field: string): [number, number] => {
    const r = given ?? fallback;
    if (!(r[1] > r[0])) throw new ConfigError(`neurons.histogram.${field}`, `must be [lo, hi] with hi > lo (got [${r[0]}, ${r[1]}])`);
    return [r[0], r[1]];
  };
  const names = NEURON_MODEL_SPECS[neuron].state;
  return {
    xComponent: plane.x,
    yComponent: plane.y,
    xName: names[plane.x]!,
    yName: names[plane.y]!,
    nx: h.bins[0],
    ny: h.bins[1],
    x: range(h.x, plane.xRange, 'x'),
    y: range(h.y, plane.yRange, 'y'),
    steps: nearestSteps(h.times, dt, steps),
  };
}

/** The f32 constants of one axis: lo and n/(hi − lo), as the kernel gets them. */
export function axisF32(range: [number, number], bins: number): { lo: number; scale: number } {
  return { lo: Math.fround(range[0]), scale: Math.fround(bins / (range[1] - range[0])) };
}

/** The bin of x (an f32 value) on an axis of `bins` bins, or −1 outside [lo, hi) or not finite: f32 arithmetic, as the kernel. */
export function binF32(x: number, axis: { lo: number; scale: number }, bins: number): number {
  const u = Math.fround(Math.fround(x - axis.lo) * axis.scale);
  if (!(u >= 0)) return -1; // NaN too
  const k = Math.floor(u);
  return k < bins ? k : -1;
}

export interface HistogramCounts {
  /** counts[j·nx + i]: the neurons in bin i of x and bin j of y (row 0 at the lowest y) */
  counts: Uint32Array;
  /** neurons outside the range, or with a non-finite coordinate */
  outside: number;
}

/** The histogram of a state laid out as the ensemble's (component c of neuron i at [c·M + i]). */
export function histogramOfState(state: ArrayLike<number>, M: number, h: NeuronHistogramConfig): HistogramCounts {
  const ax = axisF32(h.x, h.nx);
  const ay = axisF32(h.y, h.ny);
  const counts = new Uint32Array(h.nx * h.ny);
  let outside = 0;
  for (let i = 0; i < M; i++) {
    const bx = binF32(Math.fround(state[h.xComponent * M + i]!), ax, h.nx);
    const by = binF32(Math.fround(state[h.yComponent * M + i]!), ay, h.ny);
    if (bx < 0 || by < 0) outside++;
    else counts[by * h.nx + bx]!++;
  }
  return { counts, outside };
}

/** The density of a histogram: counts/(M·Δx·Δy), so that it integrates to the fraction of neurons inside the range. */
export function histogramDensity(counts: Uint32Array, M: number, h: NeuronHistogramConfig): Float32Array {
  const cell = ((h.x[1] - h.x[0]) / h.nx) * ((h.y[1] - h.y[0]) / h.ny);
  return Float32Array.from(counts, (c) => c / (M * cell));
}
