/**
 * The config of the elapsed-time model (model "elapsed", Pakdaman–Perthame–Salort): the `elapsed` block and
 * the resolution of a run. n(s, t) is the density of neurons whose last spike was s ago,
 *   ∂t n + ∂s n + p(s, X(t)) n = 0,  N(t) = n(0, t) = ∫ p(s, X) n ds,  X(t) = b·∫ α(u) N(t − u) du.
 * Units: ages s, s0, smin, d, τ and w in the model's time unit; φ0 and N in 1/time; X = b·(averaged N),
 * so k is in 1/X (s*(X) = s0/(1 + kX) or max(s0 − kX, smin)).
 */
import { z } from 'zod';
import { particlesSchema } from '../particles/config';
import { ConfigError, num } from '../schema';

/** φ0: a positive rate, or the string "Infinity" (JSON has no ∞): a neuron fires exactly when its age reaches s*. */
const phi0Schema = z.union([num({ min: 0, minOpen: true }), z.literal('Infinity')], { error: 'must be a finite number in (0, 3.4028235e38] or the string "Infinity"' });

export const elapsedSchema = z.strictObject({
  /** connectivity b [X per unit of N]: > 0 excitatory (shortens s*), < 0 inhibitory (lengthens it) */
  b: num().default(0.1),
  /** the coupling kernel α: instant (X = b·N), delay (X = b·N(t − d)), exponential (α(u) = e^{−u/τ}/τ) */
  kernel: z.enum(['instant', 'delay', 'exponential'], { error: 'must be "instant", "delay" or "exponential"' }).default('instant'),
  /** kernel "delay": the delay d > 0 [time], a whole number of steps */
  d: num({ min: 0, minOpen: true }).optional(),
  /** kernel "exponential": the time constant τ > 0 [time] */
  tau: num({ min: 0, minOpen: true }).optional(),
  /** the firing rate p(s, X): threshold φ0·1{s > s*(X)} or sigmoid φ0/(1 + exp(−(s − s*(X))/w)) */
  firing: z.enum(['threshold', 'sigmoid'], { error: 'must be "threshold" or "sigmoid"' }).default('threshold'),
  /** the rate φ0 above the threshold age [1/time]; "Infinity" (threshold only): firing exactly at s* */
  phi0: phi0Schema.default(10),
  /** firing "sigmoid": the width w > 0 of the sigmoid [time] */
  w: num({ min: 0, minOpen: true }).optional(),
  /** the threshold age s*(X): hyperbolic s0/(1 + kX) or linear max(s0 − kX, smin) */
  thresholdAge: z.enum(['hyperbolic', 'linear'], { error: 'must be "hyperbolic" or "linear"' }).default('hyperbolic'),
  /** s0 > 0: the threshold age of the uncoupled neuron [time] */
  s0: num({ min: 0, minOpen: true }).default(1),
  /** k ≥ 0: the sensitivity of s* to X [1/X] */
  k: num({ min: 0 }).default(1),
  /** thresholdAge "linear": the floor smin ∈ [0, s0] of s* [time] */
  smin: num({ min: 0 }).optional(),
});

const gridSchema = z.strictObject({
  /** the largest age resolved [time]; the last cell collects every age beyond. Default: see resolveElapsedRunConfig */
  smax: num({ min: 0, minOpen: true }).optional(),
  /** the number of age cells (instead of smax: smax = ns·dt) */
  ns: num({ min: 2, max: 1 << 22, integer: true }).optional(),
});

const timeSchema = z.strictObject({
  T: num({ min: 0, minOpen: true }).default(20),
  /** the time step, also the age cell Δs = dt (the transport is an exact shift); T/dt is rounded up to whole steps */
  dt: num({ min: 0, minOpen: true }).default(0.01),
  /** a step with N above this is not taken: the run stops with status "blowup" */
  Nmax: num({ min: 0, minOpen: true }).default(1e6),
});

const initialSchema = z.discriminatedUnion(
  'kind',
  [
    /** a Gaussian of ages (truncated to s ≥ 0), mass 1 */
    z.strictObject({ kind: z.literal('gaussian'), mean: num({ min: 0 }).default(0.5), sd: num({ min: 0, minOpen: true }).default(0.2) }),
    /** uniform on [0, s1], mass 1 */
    z.strictObject({ kind: z.literal('uniform'), s1: num({ min: 0, minOpen: true }).default(1) }),
    /** every neuron at age s (one cell), mass 1 */
    z.strictObject({ kind: z.literal('age'), s: num({ min: 0 }).default(0) }),
  ],
  { error: 'must be {"kind": "gaussian", "mean", "sd"}, {"kind": "uniform", "s1"} or {"kind": "age", "s"}' },
);

const outputSchema = z.strictObject({
  every: num({ min: 1, max: 1e9, integer: true }).default(1),
  snapshots: z.array(num({ min: 0 })).max(10000).optional(),
});

/** The run config of model "elapsed" (`kinfire run`); `particles` is the particle system's block (no elapsed particles yet). */
export const elapsedRunSchema = z.strictObject({
  model: z.literal('elapsed'),
  elapsed: elapsedSchema.default(() => elapsedSchema.parse({})),
  grid: gridSchema.default(() => gridSchema.parse({})),
  time: timeSchema.default(() => timeSchema.parse({})),
  initial: initialSchema.default(() => initialSchema.parse({ kind: 'gaussian' })),
  output: outputSchema.default(() => outputSchema.parse({})),
  particles: particlesSchema.optional(),
});

export type ElapsedParsed = z.output<typeof elapsedRunSchema>;

/** The firing rate p(s, X) and the threshold age s*(X), resolved. */
export interface ElapsedModel {
  b: number;
  firing: 'threshold' | 'sigmoid';
  /** Infinity: a neuron fires exactly when its age reaches s* */
  phi0: number;
  /** the sigmoid width (0 for the threshold) */
  w: number;
  thresholdAge: 'hyperbolic' | 'linear';
  s0: number;
  k: number;
  /** the floor of the linear s* (0 for the hyperbolic one) */
  smin: number;
}

export type ElapsedKernel = { kind: 'instant' } | { kind: 'delay'; d: number } | { kind: 'exponential'; tau: number };

export type ElapsedInitial = { kind: 'gaussian'; mean: number; sd: number } | { kind: 'uniform'; s1: number } | { kind: 'age'; s: number };

export interface ElapsedRunConfig {
  model: 'elapsed';
  elapsed: ElapsedModel;
  kernel: ElapsedKernel;
  /** ns cells of width ds = dt; cell i holds ages [i·dt, (i+1)·dt), the last one every age ≥ (ns − 1)·dt */
  grid: { ns: number; ds: number; smax: number };
  time: { T: number; dt: number; Nmax: number; steps: number; delaySteps: number };
  initial: ElapsedInitial;
  output: { every: number; snapshots: number[] };
}

/** At most this many age cells (the ring lives in one workgroup's pass). */
export const ELAPSED_MAX_CELLS = 1 << 22;

/** The default smax: beyond the uncoupled threshold age by 20 decay lengths of the firing (and the initial data). */
export function defaultSmax(m: ElapsedModel, initial: ElapsedInitial): number {
  const decay = Number.isFinite(m.phi0) ? 20 / m.phi0 : 0;
  const top = initial.kind === 'gaussian' ? initial.mean + 5 * initial.sd : initial.kind === 'uniform' ? initial.s1 : initial.s;
  return Math.max(2 * m.s0 + decay + 20 * m.w, 1.1 * top);
}

/** Validate and resolve a config of model "elapsed". Throws ConfigError naming the field and the allowed range. */
export function resolveElapsedParsed(c: ElapsedParsed): ElapsedRunConfig {
  const order = (field: string, ok: boolean, what: string) => {
    if (!ok) throw new ConfigError(field, what);
  };
  const e = c.elapsed;
  const phi0 = e.phi0 === 'Infinity' ? Infinity : e.phi0;
  order('elapsed.phi0', e.firing === 'threshold' || Number.isFinite(phi0), 'must be finite for the sigmoid firing rate ("Infinity" is the threshold firing\'s limit)');
  order('elapsed.w', e.firing === 'sigmoid' || e.w === undefined, 'is the width of the sigmoid firing rate; set elapsed.firing = "sigmoid" or remove it');
  order('elapsed.smin', e.thresholdAge === 'linear' || e.smin === undefined, 'is the floor of the linear threshold age; set elapsed.thresholdAge = "linear" or remove it');
  const smin = e.thresholdAge === 'linear' ? (e.smin ?? 0) : 0;
  order('elapsed.smin', smin <= e.s0, `must lie in [0, s0] = [0, ${e.s0}] (got ${smin})`);
  order('elapsed.d', e.kernel === 'delay' || e.d === undefined, 'is the delay of kernel "delay"; set elapsed.kernel = "delay" or remove it');
  order('elapsed.tau', e.kernel === 'exponential' || e.tau === undefined, 'is the time constant of kernel "exponential"; set elapsed.kernel = "exponential" or remove it');
  order('elapsed.d', e.kernel !== 'delay' || e.d !== undefined, 'is needed with kernel "delay": a delay d > 0 [time]');
  order('elapsed.tau', e.kernel !== 'exponential' || e.tau !== undefined, 'is needed with kernel "exponential": a time constant τ > 0 [time]');
  const model: ElapsedModel = { b: e.b, firing: e.firing, phi0, w: e.firing === 'sigmoid' ? (e.w ?? 0.1) : 0, thresholdAge: e.thresholdAge, s0: e.s0, k: e.k, smin };

  const { T } = c.time;
  const steps = Math.max(1, Math.ceil(T / c.time.dt - 1e-9));
  order('time.dt', steps <= 1e9, `gives ${steps} steps to reach T; must give at most 1e9 (use a larger dt or smaller T)`);
  const dt = T / steps;
  order('grid', c.grid.smax === undefined || c.grid.ns === undefined, 'give grid.smax or grid.ns, not both (the cells have width dt, so one fixes the other)');
  const initial = c.initial as ElapsedInitial;
  const smaxWanted = c.grid.ns !== undefined ? c.grid.ns * dt : (c.grid.smax ?? defaultSmax(model, initial));
  const ns = c.grid.ns ?? Math.max(2, Math.ceil(smaxWanted / dt - 1e-9));
  order(c.grid.ns !== undefined ? 'grid.ns' : 'grid.smax', ns <= ELAPSED_MAX_CELLS, `gives ${ns} age cells of width dt = ${dt}; at most ${ELAPSED_MAX_CELLS} (use a larger time.dt or a smaller smax)`);
  const smax = ns * dt;
  const top = initial.kind === 'gaussian' ? initial.mean : initial.kind === 'uniform' ? initial.s1 : initial.s;
  const initialField = initial.kind === 'gaussian' ? 'initial.mean' : initial.kind === 'uniform' ? 'initial.s1' : 'initial.s';
  order(initialField, top <= smax, `must lie in [0, smax] = [0, ${smax}] (got ${top}); raise grid.smax`);
  order(initialField, initial.kind !== 'uniform' || initial.s1 >= dt, `must be at least one age cell, dt = ${dt} (got ${top})`);

  let kernel: ElapsedKernel = { kind: 'instant' };
  let delaySteps = 0;
  if (e.kernel === 'delay') {
    const d = e.d!;
    delaySteps = Math.round(d / dt);
    order('elapsed.d', delaySteps >= 1 && Math.abs(delaySteps * dt - d) <= 1e-9 * Math.max(d, dt), `must be a whole number of steps ≥ 1: d / dt = ${d / dt} (dt = ${dt}); choose time.dt so that it divides both T and d`);
    order('elapsed.d', delaySteps <= 1e6, `is ${delaySteps} steps; at most 1e6 (the delay ring lives on the GPU)`);
    kernel = { kind: 'delay', d };
  } else if (e.kernel === 'exponential') kernel = { kind: 'exponential', tau: e.tau! };

  const snapshots = (c.output.snapshots ?? [T]).slice().sort((x, y) => x - y);
  snapshots.forEach((s, k) => order(`output.snapshots.${k}`, s <= T * (1 + 1e-12), `must lie in [0, T] = [0, ${T}] (got ${s})`));
  return {
    model: 'elapsed',
    elapsed: model,
    kernel,
    grid: { ns, ds: dt, smax },
    time: { T, dt, Nmax: c.time.Nmax, steps, delaySteps },
    initial,
    output: { every: c.output.every, snapshots },
  };
}

/** The model in one line (titles of the figures and of the viewer): b, the kernel, the firing rate, s*(X). */
export function describeElapsed(config: Pick<ElapsedRunConfig, 'elapsed' | 'kernel'>): string {
  const m = config.elapsed;
  const k = config.kernel;
  const kernel = k.kind === 'delay' ? `delay d = ${k.d}` : k.kind === 'exponential' ? `exponential τ = ${k.tau}` : 'instant';
  const firing = m.firing === 'sigmoid' ? `sigmoid φ0 = ${m.phi0}, w = ${m.w}` : `threshold φ0 = ${Number.isFinite(m.phi0) ? m.phi0 : '∞'}`;
  const age = m.thresholdAge === 'linear' ? `s* = max(${m.s0} − ${m.k}X, ${m.smin})` : `s* = ${m.s0}/(1 + ${m.k}X)`;
  return `b = ${m.b}, ${kernel}, ${firing}, ${age}`;
}
