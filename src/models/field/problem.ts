/**
 * A resolved field run with its arrays: the kernel's multiplier on the grid (or the network's W), the source
 * s(x), ŵ(0), and the initial data. Shared by the GPU solver (which uploads it as f32) and the f64 reference.
 */
import { cellsOf, checkFieldArrays, type FieldArrays, type FieldRunConfig } from './config';
import { gridMultiplier } from './kernels';
import { homogeneousStates } from './steadyStates';
import { ConfigError } from '../schema';

export interface FieldProblem {
  config: FieldRunConfig;
  cells: number;
  /** fields: the kernel's multiplier in DFT order, complex interleaved (kernels.ts gridMultiplier) */
  multiplier?: Float64Array;
  /** network: W row-major, W[i·M + j] */
  W?: Float64Array;
  /** s(x) at each point, or null when the source is the constant s0 (also for noise: its mean) */
  source: Float64Array | null;
  s0: number;
  /** the amplitude a of the additive noise a·dW_i (0 without noise) */
  noise: number;
  /** ŵ(0) (field) or the common row sum of W (network; NaN when the rows differ) */
  wHat0: number;
}

/** Philox streams of the field (src/host/random.ts conventions): the initial perturbation and the noise. */
export const FIELD_PERTURBATION_STREAM = 0x4649; // "FI"
export const FIELD_NOISE_STREAM = 0x4e4f; // "NO"

export function fieldProblem(config: FieldRunConfig, arrays: FieldArrays = {}): FieldProblem {
  const c = checkFieldArrays(config, arrays);
  const cells = cellsOf(c);
  const src = c.source;
  let source: Float64Array | null = null;
  if (src.kind === 'bump') {
    source = new Float64Array(cells);
    const [cx, cy] = [src.centre[0]!, src.centre[1] ?? 0];
    const wrap = (d: number) => d - c.L * Math.round(d / c.L); // the nearest image on the periodic domain
    for (let iy = 0; iy < (c.dim === 2 ? c.n : 1); iy++) {
      for (let ix = 0; ix < c.n; ix++) {
        const dx = wrap(ix * c.dx - cx);
        const dy = c.dim === 2 ? wrap(iy * c.dx - cy) : 0;
        source[iy * c.n + ix] = src.s0 + src.amplitude * Math.exp(-(dx * dx + dy * dy) / (2 * src.radius * src.radius));
      }
    }
  } else if (src.kind === 'npy') {
    source = new Float64Array(cells);
    for (let k = 0; k < cells; k++) source[k] = src.s0 + arrays.source!.data[k]!;
  }
  const problem: FieldProblem = { config: c, cells, source, s0: src.s0, noise: src.kind === 'noise' ? src.amplitude : 0, wHat0: Number.NaN };
  if (c.domain === 'network') {
    const M = c.n;
    problem.W = Float64Array.from(arrays.W!.data);
    let first = Number.NaN;
    let same = true;
    for (let i = 0; i < M; i++) {
      let row = 0;
      for (let j = 0; j < M; j++) row += problem.W[i * M + j]!;
      if (i === 0) first = row;
      else if (Math.abs(row - first) > 1e-9 * Math.max(1, Math.abs(first))) same = false;
    }
    problem.wHat0 = same ? first : Number.NaN;
  } else {
    problem.multiplier = gridMultiplier(c.kernel as Exclude<FieldRunConfig['kernel'], { kind: 'matrix' }>, c.n, c.L, c.dim as 1 | 2, arrays.kernel?.data);
    problem.wHat0 = problem.multiplier[0]!;
  }
  return problem;
}

/** The homogeneous value the initial data starts from (uniform N0, or the chosen homogeneous steady state). */
export function initialLevel(problem: FieldProblem): number {
  const i = problem.config.initial;
  if (i.kind === 'uniform') return i.N0;
  if (i.kind !== 'steady') throw new Error('initialLevel: npy initial data has no level');
  if (!Number.isFinite(problem.wHat0)) {
    throw new ConfigError('initial.kind', '"steady" needs a homogeneous state: the rows of field.W have different sums, so there is none; use initial kind "uniform" or "npy"');
  }
  const states = homogeneousStates(problem.wHat0, problem.s0, problem.config.sigmoid);
  const k = i.index < 0 ? states.length + i.index : i.index;
  if (k < 0 || k >= states.length) throw new ConfigError('initial.index', `must be in [${-states.length}, ${states.length - 1}]: there ${states.length === 1 ? 'is 1 homogeneous steady state' : `are ${states.length} homogeneous steady states`} (N = ${states.map((s) => s.toPrecision(6)).join(', ')}) (got ${i.index})`);
  return states[k]!;
}

/**
 * The initial field: level + ε·(2u − 1) at each point, u the Philox uniforms of (seed, point, step 0,
 * FIELD_PERTURBATION_STREAM) (given: the GPU draws them for large grids, random.ts), or the .npy data.
 */
export function initialField(problem: FieldProblem, arrays: FieldArrays, uniforms?: ArrayLike<number>): Float64Array {
  const i = problem.config.initial;
  const out = new Float64Array(problem.cells);
  if (i.kind === 'npy') {
    for (let k = 0; k < out.length; k++) out[k] = arrays.initial!.data[k]!;
    return out;
  }
  const level = initialLevel(problem);
  const eps = i.perturbation;
  if (eps > 0 && (!uniforms || uniforms.length < out.length)) throw new Error('initialField: the perturbation needs one uniform per point');
  for (let k = 0; k < out.length; k++) out[k] = level + (eps > 0 ? eps * (2 * uniforms![k]! - 1) : 0);
  return out;
}
