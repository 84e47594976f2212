/**
 * The config of `kinfire neurons` (model "neurons", block `neurons`): an ensemble of M independent single neurons of
 * one model (models.ts), neuron i driven by its own current I_i (a sweep of I over the ensemble gives an f–I curve in
 * one run) and a common input kind (constant, a step, a sine, white noise). Units are the model's (models.ts):
 * HH and Morris–Lecar in ms, mV, µA/cm²; FitzHugh–Nagumo dimensionless; Mitchell–Schaeffer in ms with v and I·ms
 * dimensionless.
 */
import { z } from 'zod';
import { ConfigError, num } from '../schema';
import { histogramSchema, type NeuronHistogramConfig, resolveHistogram } from './histogram';
import { NEURON_MODEL_SPECS, NEURON_MODELS, type NeuronModelName, restingState } from './models';

/** The most neurons of one ensemble. */
export const NEURONS_MAX = 10_000_000;
/** The most neurons whose traces are recorded. */
export const NEURONS_MAX_TRACES = 64;

const inputSchema = z.discriminatedUnion(
  'kind',
  [
    /** I(t) = I_i */
    z.strictObject({ kind: z.literal('constant') }),
    /** I(t) = I_i for on ≤ t < off, 0 otherwise [time] */
    z.strictObject({ kind: z.literal('step'), on: num({ min: 0 }).default(0), off: num({ min: 0 }).optional() }),
    /** I(t) = I_i + amplitude·sin(2π·frequency·t) [current, 1/time] */
    z.strictObject({ kind: z.literal('sine'), amplitude: num().default(1), frequency: num({ min: 0 }).default(0.01) }),
    /** I(t) = I_i + σ·ξ(t), ξ white noise: the potential gets (σ/C)·dW [current·time^½]; Philox stream `seed` */
    z.strictObject({ kind: z.literal('noise'), sigma: num({ min: 0, minOpen: true }).default(1), seed: num({ min: 0, max: 2 ** 32 - 1, integer: true }).default(1) }),
  ],
  { error: 'must be {"kind": "constant"}, {"kind": "step", "on", "off"}, {"kind": "sine", "amplitude", "frequency"} or {"kind": "noise", "sigma", "seed"}' },
);

const sweepSchema = z.strictObject({ from: num(), to: num() });

export const neuronsSchema = z.strictObject({
  model: z.enum(NEURON_MODELS, { error: `must be one of ${NEURON_MODELS.map((m) => JSON.stringify(m)).join(', ')}` }).default('hh'),
  /** overrides of the model's standard parameters (models.ts), by name */
  params: z.record(z.string(), num()).default({}),
  /** HH: integrate the gates m, h, n with RK4 (default) or with Rush–Larsen exponential steps */
  gates: z.enum(['rk4', 'rush-larsen'], { error: 'must be "rk4" or "rush-larsen"' }).default('rk4'),
  /** the current of each neuron: one value, a list (one per neuron), or a sweep {from, to} over `count` neurons */
  I: z.union([num(), z.array(num()).min(1).max(NEURONS_MAX), sweepSchema], { error: 'must be a number, a list of numbers, or {"from", "to"}' }).default(0),
  /** the number of neurons M (with a list of I: its length) */
  count: num({ min: 1, max: NEURONS_MAX, integer: true }).optional(),
  input: inputSchema.default(() => inputSchema.parse({ kind: 'constant' })),
  /** the initial state: "rest" (the resting state at I = 0, the same for every neuron) or the state vector */
  initial: z.union([z.literal('rest'), z.array(num()).min(2).max(4)], { error: 'must be "rest" or the state vector' }).default('rest'),
  /** the run length [time] */
  T: num({ min: 0, minOpen: true }).default(100),
  /** the time step [time]; T/dt is rounded up to whole steps */
  dt: num({ min: 0, minOpen: true }).default(0.01),
  /** the spike threshold of the potential (default the model's: 0 mV HH and ML, 1 FHN, 0.5 MS) */
  threshold: num().optional(),
  /** spikes at t ≥ window count for the firing rate of the f–I curve (default T/2) [time] */
  window: num({ min: 0 }).optional(),
  /** the neurons whose traces are recorded (indices) */
  traces: z.array(num({ min: 0, max: NEURONS_MAX - 1, integer: true })).max(NEURONS_MAX_TRACES).default([0]),
  /** a trace sample every this many steps */
  traceEvery: num({ min: 1, max: 1e9, integer: true }).default(10),
  /** the first this many spike times of every neuron are kept */
  spikesPerNeuron: num({ min: 0, max: 1024, integer: true }).default(16),
  /** invocations per workgroup (1 … 256): changes no result, only the speed */
  workgroupSize: num({ min: 1, max: 256, integer: true }).default(64),
  /** mean-field coupling: I_i += J·N(t), N the population's rate [spikes per neuron per time]; J in current·time */
  J: num().default(0),
  /** the population density over the model's plane of two slow variables at chosen times (histogram.ts); absent: none */
  histogram: histogramSchema.optional(),
});

export const neuronsRunSchema = z.strictObject({
  model: z.literal('neurons'),
  neurons: neuronsSchema.default(() => neuronsSchema.parse({})),
});

export type NeuronsParsed = z.output<typeof neuronsRunSchema>;

export type NeuronInput = { kind: 'constant' } | { kind: 'step'; on: number; off: number } | { kind: 'sine'; amplitude: number; frequency: number } | { kind: 'noise'; sigma: number; seed: number };

export interface NeuronsRunConfig {
  model: 'neurons';
  neuron: NeuronModelName;
  /** the parameters by name, standard values with the overrides */
  params: Record<string, number>;
  /** the same in the table's order (the kernel's p[0], p[1], …) */
  paramVector: number[];
  gates: 'rk4' | 'rush-larsen';
  /** the current of every neuron */
  I: Float64Array;
  count: number;
  input: NeuronInput;
  /** the state every neuron starts from */
  initial: number[];
  T: number;
  dt: number;
  steps: number;
  threshold: number;
  window: number;
  traces: number[];
  traceEvery: number;
  spikesPerNeuron: number;
  workgroupSize: number;
  /** mean-field coupling I_i += J·N(t) (0: independent neurons) */
  J: number;
  /** the integrator: RK4, Rush–Larsen (HH gates), or Euler–Maruyama (noise) */
  scheme: 'rk4' | 'rush-larsen' | 'euler-maruyama';
  /** the 2D histograms of the population (null: none) */
  histogram: NeuronHistogramConfig | null;
}

/** Validate and resolve a config of model "neurons". Throws ConfigError naming the field and the allowed range. */
export function resolveNeuronsParsed(c: NeuronsParsed): NeuronsRunConfig {
  const n = c.neurons;
  const spec = NEURON_MODEL_SPECS[n.model];
  const names = Object.keys(spec.parameters);
  const params: Record<string, number> = Object.fromEntries(names.map((k) => [k, spec.parameters[k]!.value]));
  for (const [k, v] of Object.entries(n.params)) {
    if (!(k in params)) throw new ConfigError(`neurons.params.${k}`, `is not a parameter of model ${JSON.stringify(n.model)}; its parameters are ${names.join(', ')}`);
    params[k] = v;
  }
  const positive = n.model === 'hh' ? ['C'] : n.model === 'fhn' ? ['eps'] : n.model === 'ms' ? ['tauIn', 'tauOut', 'tauOpen', 'tauClose'] : ['C', 'V2', 'V4', 'phi'];
  for (const k of positive) if (!(params[k]! > 0)) throw new ConfigError(`neurons.params.${k}`, `must be > 0 (got ${params[k]})`);
  if (n.gates === 'rush-larsen' && n.model !== 'hh') throw new ConfigError('neurons.gates', `"rush-larsen" steps the gates of model "hh"; model ${JSON.stringify(n.model)} takes "rk4"`);
  if (n.gates === 'rush-larsen' && n.input.kind === 'noise') throw new ConfigError('neurons.gates', 'with input "noise" the step is Euler–Maruyama; use "rk4" (the default)');

  let I: Float64Array;
  if (typeof n.I === 'number') I = new Float64Array(n.count ?? 1).fill(n.I);
  else if (Array.isArray(n.I)) {
    if (n.count !== undefined && n.count !== n.I.length) throw new ConfigError('neurons.count', `must equal the length of neurons.I (${n.I.length}) or be left out (got ${n.count})`);
    I = Float64Array.from(n.I);
  } else {
    const M = n.count;
    if (M === undefined) throw new ConfigError('neurons.count', 'is needed with a sweep neurons.I = {from, to}: the number of neurons, an integer in [1, 10000000]');
    const { from, to } = n.I;
    I = Float64Array.from({ length: M }, (_, i) => (M === 1 ? from : from + ((to - from) * i) / (M - 1)));
  }
  const count = I.length;

  const steps = Math.max(1, Math.ceil(n.T / n.dt - 1e-9));
  if (steps > 1e9) throw new ConfigError('neurons.dt', `gives ${steps} steps to reach T; must give at most 1e9 (use a larger dt or smaller T)`);
  if (steps >= 2 ** 32 - 1) throw new ConfigError('neurons.dt', 'too many steps for the noise counter');
  const dt = n.T / steps;
  const window = n.window ?? n.T / 2;
  if (window > n.T) throw new ConfigError('neurons.window', `must lie in [0, T] = [0, ${n.T}] (got ${window})`);

  const dim = spec.state.length;
  const paramVector = names.map((k) => params[k]!);
  let initial: number[];
  if (n.initial === 'rest') initial = restingState(n.model, paramVector, 0);
  else {
    if (n.initial.length !== dim) throw new ConfigError('neurons.initial', `must be "rest" or ${dim} numbers (${spec.state.join(', ')}) for model ${JSON.stringify(n.model)} (got ${n.initial.length})`);
    initial = n.initial.slice();
  }
  n.traces.forEach((i, k) => {
    if (i >= count) throw new ConfigError(`neurons.traces.${k}`, `must be a neuron index in [0, ${count - 1}] (got ${i})`);
  });
  const input: NeuronInput = n.input.kind === 'step' ? { kind: 'step', on: n.input.on, off: n.input.off ?? Infinity } : n.input;
  if (input.kind === 'step' && !(input.off > input.on)) throw new ConfigError('neurons.input.off', `must be after input.on = ${input.on} (got ${input.off})`);
  return {
    model: 'neurons',
    neuron: n.model,
    params,
    paramVector,
    gates: n.gates,
    I,
    count,
    input,
    initial,
    T: n.T,
    dt,
    steps,
    threshold: n.threshold ?? spec.threshold,
    window,
    traces: [...new Set(n.traces)],
    traceEvery: n.traceEvery,
    spikesPerNeuron: n.spikesPerNeuron,
    workgroupSize: n.workgroupSize,
    J: n.J,
    scheme: input.kind === 'noise' ? 'euler-maruyama' : n.gates === 'rush-larsen' ? 'rush-larsen' : 'rk4',
    histogram: n.histogram ? resolveHistogram(n.histogram, n.model, steps, dt) : null,
  };
}
