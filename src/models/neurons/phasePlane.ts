/**
 * The phase plane of the two-variable models (FHN, Morris–Lecar I/II, Mitchell–Schaeffer) in f64: both nullclines in
 * closed form and the equilibria (their intersections) with their linear stability. HH has four variables and no
 * phase plane here.
 */
import { type NeuronModelName, NEURON_MODEL_SPECS, neuronRhs, signChanges, slowManifold } from './models';

export type PhasePlaneModel = 'fhn' | 'ml-class1' | 'ml-class2' | 'ms';

export function hasPhasePlane(model: NeuronModelName): model is PhasePlaneModel {
  return model !== 'hh';
}

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
  }
}

/** The second variable on its own nullcline (dy/dt = 0): the slow manifold (FHN (v + a)/b, ML w∞(V), MS h = 1 below v_gate, 0 above). */
export function secondNullcline(model: PhasePlaneModel, p: ArrayLike<number>, x: number): number {
  return slowManifold(model, p, x)[1]!;
}

export interface PhasePlaneEquilibrium {
  state: [number, number];
  /** Trace and determinant of the Jacobian (central differences, step 1e-6 of each variable's scale). */
  trace: number;
  det: number;
  /** Linearly stable: trace < 0 and det > 0 (both eigenvalues in the left half plane). */
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
    neuronRhs(model, p, [x, secondNullcline(model, p, x)], I, f);
    return f[0]!;
  };
  const found: PhasePlaneEquilibrium[] = [];
  for (const x of signChanges(F, lo, hi, 'both')) {
    const state: [number, number] = [x, secondNullcline(model, p, x)];
    if (!found.some((e) => Math.abs(e.state[0] - x) <= 1e-9 * Math.max(1, Math.abs(x)))) found.push({ state, ...jacobianStability(model, p, I, state) });
  }
  return found;
}

function jacobianStability(model: PhasePlaneModel, p: ArrayLike<number>, I: number, y: [number, number]): { trace: number; det: number; stable: boolean } {
  const J = [0, 0, 0, 0];
  const fp = new Float64Array(4);
  const fm = new Float64Array(4);
  for (let c = 0; c < 2; c++) {
    const h = 1e-6 * Math.max(1e-3, Math.abs(y[c]!));
    const yp = [y[0], y[1]];
    const ym = [y[0], y[1]];
    yp[c]! += h;
    ym[c]! -= h;
    neuronRhs(model, p, yp, I, fp);
    neuronRhs(model, p, ym, I, fm);
    J[c] = (fp[0]! - fm[0]!) / (2 * h);
    J[2 + c] = (fp[1]! - fm[1]!) / (2 * h);
  }
  const trace = J[0]! + J[3]!;
  const det = J[0]! * J[3]! - J[1]! * J[2]!;
  return { trace, det, stable: trace < 0 && det > 0 };
}
