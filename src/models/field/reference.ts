/**
 * The f64 twin of the GPU field solver (src/host/fieldSolver.ts): the same discretisation — the convolution by
 * the grid's multiplier (fft.js, not the WGSL FFT), or W·σ on a network, and the same exponential integrator
 * (etd.ts) — in plain TypeScript. The noise uses the GPU's Philox numbers (philox.ts: the same bits; the normal
 * transform in f64).
 */
import { philoxDraw, normalPair, uniform01 } from '../reference/philox';
import { type EtdCoefficients, etdCoefficients } from './etd';
import { convolveGrid } from './fft64';
import { FIELD_NOISE_STREAM, type FieldProblem } from './problem';
import { sigma } from './sigmoid';

export class FieldReference {
  readonly u: Float64Array;
  steps = 0;
  readonly coefficients: EtdCoefficients;

  constructor(
    readonly problem: FieldProblem,
    initial: ArrayLike<number>,
    /** the seed of the noise (source kind "noise") */
    private readonly seed = 1,
  ) {
    if (initial.length !== problem.cells) throw new Error(`FieldReference: ${problem.cells} initial values needed`);
    this.u = Float64Array.from(initial);
    this.coefficients = etdCoefficients(problem.config.time.scheme, problem.config.time.dt);
  }

  /** w ∗ σ(x) (field) or W·σ(x) (network) */
  coupling(x: ArrayLike<number>): Float64Array {
    const { config: c, cells } = this.problem;
    const sx = new Float64Array(cells);
    for (let k = 0; k < cells; k++) sx[k] = sigma(c.sigmoid, x[k]!);
    if (c.domain !== 'network') return convolveGrid(sx, this.problem.multiplier!, c.n, c.dim as 1 | 2);
    const W = this.problem.W!;
    const out = new Float64Array(cells);
    for (let i = 0; i < cells; i++) {
      let s = 0;
      for (let j = 0; j < cells; j++) s += W[i * cells + j]! * sx[j]!;
      out[i] = s;
    }
    return out;
  }

  /** F(x) = coupling + s */
  F(x: ArrayLike<number>): Float64Array {
    const y = this.coupling(x);
    const src = this.problem.source;
    for (let k = 0; k < y.length; k++) y[k]! += src ? src[k]! : this.problem.s0;
    return y;
  }

  step(): void {
    const u = this.u;
    const n = u.length;
    const q = this.coefficients;
    const Fu = this.F(u);
    if (q.scheme === 'etd1') {
      for (let k = 0; k < n; k++) u[k] = q.E * u[k]! + q.g * Fu[k]!;
    } else {
      const a = new Float64Array(n);
      for (let k = 0; k < n; k++) a[k] = q.E2 * u[k]! + q.Q * Fu[k]!;
      const Fa = this.F(a);
      const b = new Float64Array(n);
      for (let k = 0; k < n; k++) b[k] = q.E2 * u[k]! + q.Q * Fa[k]!;
      const Fb = this.F(b);
      const c = new Float64Array(n);
      for (let k = 0; k < n; k++) c[k] = q.E2 * a[k]! + q.Q * (2 * Fb[k]! - Fu[k]!);
      const Fc = this.F(c);
      for (let k = 0; k < n; k++) u[k] = q.E * u[k]! + q.f1 * Fu[k]! + 2 * q.f2 * (Fa[k]! + Fb[k]!) + q.f3 * Fc[k]!;
    }
    if (this.problem.noise > 0) {
      const amp = this.problem.noise * q.noiseScale;
      for (let k = 0; k < n; k++) u[k]! += amp * fieldNoise(this.seed, k, this.steps);
    }
    this.steps++;
  }
}

/** The N(0, 1) draw of point k at step s (0-based: the step from s to s + 1): the first of the Box–Muller pair. */
export function fieldNoise(seed: number, k: number, s: number): number {
  const bits = philoxDraw(seed, k, s, FIELD_NOISE_STREAM);
  return normalPair(uniform01(bits[0]), uniform01(bits[1]))[0];
}

/** The Philox uniforms of the initial perturbation (the GPU draws the same: src/host/random.ts, kind "uniform"). */
export function perturbationUniforms(seed: number, cells: number, stream: number): Float64Array {
  const out = new Float64Array(cells);
  for (let k = 0; k < cells; k++) out[k] = uniform01(philoxDraw(seed, k, 0, stream)[0]);
  return out;
}
