/**
 * The phase plane of each model in f64: both nullclines in closed form and the equilibria (their intersections) with
 * their linear stability. The two-variable models (FHN, Morris–Lecar I/II, Mitchell–Schaeffer) in their whole state;
 * Hodgkin–Huxley in the (V, n) plane of the population histogram (histogram.ts) with the fast m and the slow h at
 * their steady values m∞(V), h∞(V) on the V-nullcline. Its equilibria are then exactly those of the full model (every
 * gate at its steady value), but their stability is not the plane's: it is taken from the full 4 × 4 Jacobian.
 */
import { determinant, EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { HISTOGRAM_PLANES } from './histogram';
import { type NeuronModelName, NEURON_MODEL_SPECS, neuronRhs, signChanges, slowManifold } from './models';

export type PhasePlaneModel = NeuronModelName;

export function hasPhasePlane(model: NeuronModelName): model is PhasePlaneModel {
  return model in HISTOGRAM_PLANES;
}

/** The state component on the plane's y axis (HH: n, component 3; the others: their second variable). */
export const phasePlaneY = (model: PhasePlaneModel): number => HISTOGRAM_PLANES[model].y;

/**
 * The second variable y on the first variable's nullcline (dx/dt = 0) at x, NaN where the nullcline has no point:
 * FHN w = v − v³/3 + I; ML w = (I − gL(V − EL) − gCa m∞(V)(V − ECa))/(gK(V − EK)); MS h = τ_in (v/τ_out − I)/(v²(1 − v)).
 */
export function firstNullcline(model: PhasePlaneModel, p: ArrayLike<number>, I: number, x: number): number {
  switch (model) {
    case 'fhn':
      return x - (x * x * x) / 3 + I;
    case 'ml-class1':
    case 'ml-class2': {
      const minf = 0.5 * (1 + Math.tanh((x - p[7]!) / p[8]!));
      const den = p[3]! * (x - p[6]!);
      return den === 0 ? Number.NaN : (I - p[1]! * (x - p[4]!) - p[2]! * minf * (x - p[5]!)) / den;
    }
    case 'ms': {
      const den = x * x * (1 - x);
      return den === 0 ? Number.NaN : (p[0]! * (x / p[1]! - I)) / den;
    }
    case 'hh': {
      // C V' = I − gNa m∞³ h∞ (V − ENa) − gK n⁴ (V − EK) − gL (V − EL) = 0, solved for n ≥ 0
      const [, m, h] = slowManifold('hh', p, x) as [number, number, number, number];
      const den = p[2]! * (x - p[5]!);
      const n4 = den === 0 ? Number.NaN : (I - p[1]! * m * m * m * h * (x - p[4]!) - p[3]! * (x - p[6]!)) / den;
      return n4 >= 0 ? Math.sqrt(Math.sqrt(n4)) : Number.NaN;
    }
  }
}

/** The second variable on its own nullcline (dy/dt = 0): the slow manifold (FHN (v + a)/b, ML w∞(V), MS h = 1 below v_gate, 0 above, HH n∞(V)). */
export function secondNullcline(model: PhasePlaneModel, p: ArrayLike<number>, x: number): number {
  return slowManifold(model, p, x)[phasePlaneY(model)]!;
}

export interface PhasePlaneEquilibrium {
  state: [number, number];
  /** Trace and determinant of the Jacobian (central differences, step 1e-6 of each variable's scale); HH: of its full 4 × 4 one. */
  trace: number;
  det: number;
  /** Linearly stable: every eigenvalue of the Jacobian in the left half plane (2 × 2: trace < 0 and det > 0). */
  stable: boolean;
}

/**
 * Every equilibrium on the model's potential range: each sign change of dx/dt along the second nullcline (2000 cells,
 * bisected to the f64 limit), skipping sign changes across a jump of that nullcline (MS at v_gate), as restingState does.
 */
export function phasePlaneEquilibria(model: PhasePlaneModel, p: ArrayLike<number>, I: number): PhasePlaneEquilibrium[] {
  const [lo, hi] = NEURON_MODEL_SPECS[model].restRange;
  const f = new Float64Array(4);
  const F = (x: number) => {
    neuronRhs(model, p, slowManifold(model, p, x), I, f);
    return f[0]!;
  };
  const found: PhasePlaneEquilibrium[] = [];
  for (const x of signChanges(F, lo, hi, 'both')) {
    const state: [number, number] = [x, secondNullcline(model, p, x)];
    if (!found.some((e) => Math.abs(e.state[0] - x) <= 1e-9 * Math.max(1, Math.abs(x)))) found.push({ state, ...jacobianStability(model, p, I, slowManifold(model, p, x)) });
  }
  return found;
}

/** The Jacobian of the model's right-hand side at the state y (central differences, step 1e-6 of each variable's scale), and its stability. */
function jacobianStability(model: PhasePlaneModel, p: ArrayLike<number>, I: number, y: number[]): { trace: number; det: number; stable: boolean } {
  const dim = y.length;
  const J = Matrix.zeros(dim, dim);
  const fp = new Float64Array(4);
  const fm = new Float64Array(4);
  for (let c = 0; c < dim; c++) {
    const h = 1e-6 * Math.max(1e-3, Math.abs(y[c]!));
    const yp = y.slice();
    const ym = y.slice();
    yp[c]! += h;
    ym[c]! -= h;
    neuronRhs(model, p, yp, I, fp);
    neuronRhs(model, p, ym, I, fm);
    for (let r = 0; r < dim; r++) J.set(r, c, (fp[r]! - fm[r]!) / (2 * h));
  }
  const trace = J.trace();
  if (dim === 2) {
    const det = J.get(0, 0) * J.get(1, 1) - J.get(0, 1) * J.get(1, 0);
    return { trace, det, stable: trace < 0 && det > 0 };
  }
  const e = new EigenvalueDecomposition(J, { assumeSymmetric: false });
  return { trace, det: determinant(J), stable: Math.max(...e.realEigenvalues) < 0 };
}
