/**
 * The single-neuron models of the decks (000_…: Hodgkin–Huxley, FitzHugh–Nagumo, Morris–Lecar, Mitchell–Schaeffer;
 * 001_…: the Morris–Lecar and FitzHugh–Nagumo forms): their equations in f64 and their standard parameter sets, one
 * table per model. The WGSL twin of every right-hand side is src/shaders/neuronsStep.wgsl (the same formulas in the
 * same order, the parameters passed in the table's order). The state is at most 4 variables; component 0 is the
 * membrane potential, whose upward crossing of the threshold is a spike.
 */

export const NEURON_MODELS = ['hh', 'fhn', 'ml-class1', 'ml-class2', 'ms'] as const;
export type NeuronModelName = (typeof NEURON_MODELS)[number];

export interface ParameterEntry {
  value: number;
  unit: string;
  what: string;
}

export interface NeuronModelSpec {
  name: NeuronModelName;
  title: string;
  reference: string;
  /** the state variables, component 0 the potential */
  state: readonly string[];
  /** the parameters in the order the kernel reads them (p[0], p[1], …) */
  parameters: Readonly<Record<string, ParameterEntry>>;
  /** the parameter dividing the input current in the potential's equation (C dV/dt = I − …), or null (dv/dt = I + …) */
  capacitance: string | null;
  /** the default spike threshold of component 0 */
  threshold: number;
  /** units of time, potential and current (for figures and the README) */
  units: { time: string; potential: string; current: string };
  /** the range of the potential scanned for the resting state */
  restRange: [number, number];
}

/** x / (1 − exp(−x/10)), with its removable singularity at x = 0 handled by the series 10(1 + u/2 + u²/12), u = x/10, for |x| < 0.5 (truncation u⁴/720 < 1e-8 relative). */
export function hhRateShape(x: number): number {
  if (Math.abs(x) < 0.5) {
    const u = x / 10;
    return 10 * (1 + u / 2 + (u * u) / 12);
  }
  return x / (1 - Math.exp(-x / 10));
}

/** The HH rates of the seed (V in mV, rates in 1/ms): a_m = .1(V+40)/(1−e^{−(V+40)/10}), b_m = 4e^{−(V+65)/18}, a_h = .07e^{−(V+65)/20}, b_h = 1/(1+e^{−(V+35)/10}), a_n = .01(V+55)/(1−e^{−(V+55)/10}), b_n = .125e^{−(V+65)/80}. */
export function hhRates(V: number): { am: number; bm: number; ah: number; bh: number; an: number; bn: number } {
  return {
    am: 0.1 * hhRateShape(V + 40),
    bm: 4 * Math.exp(-(V + 65) / 18),
    ah: 0.07 * Math.exp(-(V + 65) / 20),
    bh: 1 / (1 + Math.exp(-(V + 35) / 10)),
    an: 0.01 * hhRateShape(V + 55),
    bn: 0.125 * Math.exp(-(V + 65) / 80),
  };
}

const ML_COMMON = {
  C: { value: 20, unit: 'µF/cm²', what: 'membrane capacitance' },
  gL: { value: 2, unit: 'mS/cm²', what: 'leak conductance' },
  gCa: { value: 4.4, unit: 'mS/cm²', what: 'calcium conductance' },
  gK: { value: 8, unit: 'mS/cm²', what: 'potassium conductance' },
  EL: { value: -60, unit: 'mV', what: 'leak reversal potential' },
  ECa: { value: 120, unit: 'mV', what: 'calcium reversal potential' },
  EK: { value: -84, unit: 'mV', what: 'potassium reversal potential' },
  V1: { value: -1.2, unit: 'mV', what: 'half-activation of m∞' },
  V2: { value: 18, unit: 'mV', what: 'slope of m∞' },
  V3: { value: 2, unit: 'mV', what: 'half-activation of w∞' },
  V4: { value: 30, unit: 'mV', what: 'slope of w∞' },
  phi: { value: 0.04, unit: '1/ms', what: 'rate of w' },
} as const;

const ML_UNITS = { time: 'ms', potential: 'mV', current: 'µA/cm²' };
const ML_REFERENCE = 'Morris & Lecar, Biophys. J. 35 (1981); the parameter sets of Rinzel & Ermentrout, "Analysis of neural excitability and oscillations" (1989), Table 1, as in Ermentrout & Terman, Mathematical Foundations of Neuroscience (2010), §3.1';

export const NEURON_MODEL_SPECS: Readonly<Record<NeuronModelName, NeuronModelSpec>> = {
  hh: {
    name: 'hh',
    title: 'Hodgkin–Huxley',
    reference: 'Hodgkin & Huxley, J. Physiol. 117 (1952), with the rates of the seed deck in the modern convention (rest near −65 mV; Dayan & Abbott, Theoretical Neuroscience (2001), §5.6; Gerstner et al., Neuronal Dynamics (2014), Table 2.1)',
    state: ['V', 'm', 'h', 'n'],
    parameters: {
      C: { value: 1, unit: 'µF/cm²', what: 'membrane capacitance' },
      gNa: { value: 120, unit: 'mS/cm²', what: 'sodium conductance' },
      gK: { value: 36, unit: 'mS/cm²', what: 'potassium conductance' },
      gL: { value: 0.3, unit: 'mS/cm²', what: 'leak conductance' },
      ENa: { value: 50, unit: 'mV', what: 'sodium reversal potential' },
      EK: { value: -77, unit: 'mV', what: 'potassium reversal potential' },
      EL: { value: -54.387, unit: 'mV', what: 'leak reversal potential' },
    },
    capacitance: 'C',
    threshold: 0,
    units: { time: 'ms', potential: 'mV', current: 'µA/cm²' },
    restRange: [-100, 50],
  },
  fhn: {
    name: 'fhn',
    title: 'FitzHugh–Nagumo',
    reference: 'FitzHugh, Biophys. J. 1 (1961): dv/dt = v − v³/3 − w + I, dw/dt = ε(v + a − b w), a = 0.7, b = 0.8, ε = 0.08 (dimensionless)',
    state: ['v', 'w'],
    parameters: {
      a: { value: 0.7, unit: '1', what: 'offset of the w-nullcline' },
      b: { value: 0.8, unit: '1', what: 'slope of the w-nullcline' },
      eps: { value: 0.08, unit: '1', what: 'time-scale ratio ε of w' },
    },
    capacitance: null,
    threshold: 1,
    units: { time: '1', potential: '1', current: '1' },
    restRange: [-3, 3],
  },
  'ml-class1': {
    name: 'ml-class1',
    title: 'Morris–Lecar, class I (SNIC)',
    reference: ML_REFERENCE,
    state: ['V', 'w'],
    parameters: { ...ML_COMMON, gCa: { ...ML_COMMON.gCa, value: 4 }, V3: { ...ML_COMMON.V3, value: 12 }, V4: { ...ML_COMMON.V4, value: 17.4 }, phi: { ...ML_COMMON.phi, value: 1 / 15 } },
    capacitance: 'C',
    threshold: 0,
    units: ML_UNITS,
    restRange: [-100, 60],
  },
  'ml-class2': {
    name: 'ml-class2',
    title: 'Morris–Lecar, class II (Hopf)',
    reference: ML_REFERENCE,
    state: ['V', 'w'],
    parameters: ML_COMMON,
    capacitance: 'C',
    threshold: 0,
    units: ML_UNITS,
    restRange: [-100, 60],
  },
  ms: {
    name: 'ms',
    title: 'Mitchell–Schaeffer',
    reference: 'Mitchell & Schaeffer, Bull. Math. Biol. 65 (2003): dv/dt = h v²(1 − v)/τ_in − v/τ_out + I; dh/dt = (1 − h)/τ_open for v < v_gate, −h/τ_close otherwise (their Table 1)',
    state: ['v', 'h'],
    parameters: {
      tauIn: { value: 0.3, unit: 'ms', what: 'τ_in, inward current' },
      tauOut: { value: 6, unit: 'ms', what: 'τ_out, outward current' },
      tauOpen: { value: 120, unit: 'ms', what: 'τ_open, gate opening' },
      tauClose: { value: 150, unit: 'ms', what: 'τ_close, gate closing' },
      vGate: { value: 0.13, unit: '1', what: 'v_gate, the gate switch' },
    },
    capacitance: null,
    threshold: 0.5,
    units: { time: 'ms', potential: '1', current: '1/ms' },
    restRange: [-0.5, 1.5],
  },
};

export const NEURON_MAX_PARAMETERS = 16;

/** The right-hand side f(y, I) of a model with its parameters p (the table's order), in f64. */
export function neuronRhs(model: NeuronModelName, p: ArrayLike<number>, y: ArrayLike<number>, I: number, out: Float64Array): void {
  switch (model) {
    case 'hh': {
      const [C, gNa, gK, gL, ENa, EK, EL] = [p[0]!, p[1]!, p[2]!, p[3]!, p[4]!, p[5]!, p[6]!];
      const V = y[0]!, m = y[1]!, h = y[2]!, n = y[3]!;
      const r = hhRates(V);
      const iion = gNa * m * m * m * h * (V - ENa) + gK * n * n * n * n * (V - EK) + gL * (V - EL);
      out[0] = (I - iion) / C;
      out[1] = r.am * (1 - m) - r.bm * m;
      out[2] = r.ah * (1 - h) - r.bh * h;
      out[3] = r.an * (1 - n) - r.bn * n;
      return;
    }
    case 'fhn': {
      const v = y[0]!, w = y[1]!;
      out[0] = v - (v * v * v) / 3 - w + I;
      out[1] = p[2]! * (v + p[0]! - p[1]! * w);
      out[2] = 0;
      out[3] = 0;
      return;
    }
    case 'ml-class1':
    case 'ml-class2': {
      // p = C, gL, gCa, gK, EL, ECa, EK, V1, V2, V3, V4, φ
      const V = y[0]!, w = y[1]!;
      const minf = 0.5 * (1 + Math.tanh((V - p[7]!) / p[8]!));
      const winf = 0.5 * (1 + Math.tanh((V - p[9]!) / p[10]!));
      const rate = p[11]! * Math.cosh((V - p[9]!) / (2 * p[10]!)); // φ/τ_w(V), τ_w = 1/cosh((V − V3)/(2 V4))
      out[0] = (I - p[1]! * (V - p[4]!) - p[2]! * minf * (V - p[5]!) - p[3]! * w * (V - p[6]!)) / p[0]!;
      out[1] = rate * (winf - w);
      out[2] = 0;
      out[3] = 0;
      return;
    }
    case 'ms': {
      const [tauIn, tauOut, tauOpen, tauClose, vGate] = [p[0]!, p[1]!, p[2]!, p[3]!, p[4]!];
      const v = y[0]!, h = y[1]!;
      out[0] = (h * v * v * (1 - v)) / tauIn - v / tauOut + I;
      out[1] = v < vGate ? (1 - h) / tauOpen : -h / tauClose;
      out[2] = 0;
      out[3] = 0;
      return;
    }
  }
}

/** The gating variables at their steady values for a fixed potential (the equilibria lie on this curve). */
export function slowManifold(model: NeuronModelName, p: ArrayLike<number>, V: number): number[] {
  switch (model) {
    case 'hh': {
      const r = hhRates(V);
      return [V, r.am / (r.am + r.bm), r.ah / (r.ah + r.bh), r.an / (r.an + r.bn)];
    }
    case 'fhn':
      return [V, (V + p[0]!) / p[1]!];
    case 'ml-class1':
    case 'ml-class2':
      return [V, 0.5 * (1 + Math.tanh((V - p[9]!) / p[10]!))];
    case 'ms':
      return [V, V < p[4]! ? 1 : 0];
  }
}

/**
 * The resting state at constant current I: the lowest equilibrium on the potential's range (the first sign change
 * from + to − of dV/dt along the slow manifold, scanned in 2000 cells, then bisected to the f64 limit). A sign change
 * across a jump of the slow manifold (Mitchell–Schaeffer's gate switch at v_gate, where h∞ jumps from 1 to 0) is no
 * root: it is recognised by |dV/dt| staying at the size of the jump after bisection (a true root ends 1e-12 below the
 * cell's end values) and skipped. MS therefore has no equilibrium for I between the h = 1 branch's fold
 * (max over v < v_gate of v/τ_out − v²(1 − v)/τ_in ≈ 0.00214/ms at the defaults) and v_gate/τ_out ≈ 0.0217/ms.
 */
/**
 * The zeros of F on [lo, hi] where it changes sign (`down`: from + to − only), in ascending order: 2000 cells, each
 * sign change bisected to the f64 limit and kept only if |F| there is below 1e-6 of its values at the cell's ends —
 * a sign change across a jump of F (MS's gate at v_gate) is no zero.
 */
export function signChanges(F: (x: number) => number, lo: number, hi: number, direction: 'down' | 'both'): number[] {
  const zeros: number[] = [];
  const cells = 2000;
  let a = lo;
  let fa = F(a);
  for (let k = 1; k <= cells; k++) {
    const b = lo + ((hi - lo) * k) / cells;
    const fb = F(b);
    if ((fa > 0 && fb <= 0) || (direction === 'both' && fa < 0 && fb >= 0)) {
      let l = a;
      let r = b;
      const sl = Math.sign(fa);
      for (let it = 0; it < 200 && r - l > 1e-15 * Math.max(1, Math.abs(l)); it++) {
        const mid = 0.5 * (l + r);
        if (Math.sign(F(mid)) === sl) l = mid;
        else r = mid;
      }
      if (Math.max(Math.abs(F(l)), Math.abs(F(r))) <= 1e-6 * Math.max(Math.abs(fa), Math.abs(fb))) zeros.push(0.5 * (l + r));
    }
    a = b;
    fa = fb;
  }
  return zeros;
}

export function restingState(model: NeuronModelName, p: ArrayLike<number>, I: number): number[] {
  const [lo, hi] = NEURON_MODEL_SPECS[model].restRange;
  const dim = NEURON_MODEL_SPECS[model].state.length;
  const out = new Float64Array(4);
  const F = (V: number) => {
    neuronRhs(model, p, slowManifold(model, p, V), I, out);
    return out[0]!;
  };
  const [V] = signChanges(F, lo, hi, 'down');
  if (V !== undefined) return slowManifold(model, p, V).slice(0, dim);
  throw new Error(`${model}: no equilibrium (dV/dt crossing zero from + to − on the slow manifold) on [${lo}, ${hi}] at I = ${I}`);
}
