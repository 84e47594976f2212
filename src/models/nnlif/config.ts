/**
 * The config of the NNLIF family (model "nnlif"): the `nnlif` block, shared by the particle system
 * (`kinfire particles`) and the Fokker–Planck PDE (`kinfire run`), and the resolution of a PDE run.
 * Units: voltages as in the deck's NNLIF model (VR = 1, VF = 2 by default), time in membrane times.
 */
import { z } from 'zod';
import { particlesSchema } from '../particles/config';
import { ConfigError, num } from '../schema';
import type { NnlifFiring } from './fokkerPlanck';
import type { NnlifParams } from './steadyRate';

const hardFiringSchema = z.strictObject({ kind: z.literal('hard') });
const softFiringSchema = z.strictObject({
  kind: z.literal('soft'),
  /** loss rate above VF [1/time] */
  rate: num({ min: 0, minOpen: true }).default(20),
  /** top of the domain, above VF; default VF + 1 */
  vmax: num().optional(),
});

/** One population of a network (nnlif.populations[α]); the keys default as the flat nnlif keys do. */
const populationSchema = z.strictObject({
  /** a name for the output columns (N_<name>), letters, digits and _ */
  name: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,31}$/, { error: 'must be a name of letters, digits and _ (starting with a letter, at most 32)' }),
  a0: num({ min: 0, minOpen: true }).default(1),
  VR: num().default(1),
  VF: num().default(2),
  tau: num({ min: 0 }).default(0),
  firing: z.discriminatedUnion('kind', [hardFiringSchema, softFiringSchema], { error: 'must be {"kind": "hard"} or {"kind": "soft", "rate": …, "vmax": …}' }).default({ kind: 'hard' }),
  vmin: num().optional(),
  /** this population's initial Gaussian; default the top-level `initial` */
  initial: z.strictObject({ v0: num(), sv: num({ min: 0, minOpen: true }) }).optional(),
});

/**
 * The noisy leaky integrate-and-fire model, dV = (−V + b·N(t−d)) dt + √(2a(N(t−d))) dW, a(N) = a0 + a1·N,
 * V < VF, reset to VR. Its own block, not `params`: b, a, VR and VF mean other things (and have other
 * defaults) than in the voltage-conductance models.
 */
export const nnlifSchema = z.strictObject({
  /** a0 > 0: the noise a(N) = a0 + a1·N (diffusion coefficient; σ² = 2a) */
  a0: num({ min: 0, minOpen: true }).default(1),
  /** a1: growth of the noise with the activity (particles clamp a(N) at 0; the PDE stops where a(N) ≤ 0). With populations: K × K */
  a1: z.union([num(), z.array(z.array(num()))], { error: 'must be a finite number, or with nnlif.populations a K × K matrix' }).default(0),
  /** connectivity: the drift is −V + b·N; > 0 excitatory, < 0 inhibitory. With populations: a K × K matrix, b[α][β] */
  b: z.union([num(), z.array(z.array(num()))], { error: 'must be a finite number, or with nnlif.populations a K × K matrix (an array of K arrays of K numbers)' }).default(0.5),
  /** reset potential */
  VR: num().default(1),
  /** firing threshold (the centre of the threshold distribution when thresholdSpread > 0) */
  VF: num().default(2),
  /** mean refractory time τ ≥ 0 [time]: a neuron that fired waits an Exp(mean τ) time, then re-enters at VR; 0 = none */
  tau: num({ min: 0 }).default(0),
  /** particles only: s ≥ 0, each neuron's threshold is uniform in [VF − s, VF + s], redrawn at every reset (with populations: the same s for each, around its VF) */
  thresholdSpread: num({ min: 0 }).default(0),
  /** particles only: Brownian-bridge correction of the threshold crossings between steps (with populations: for each hard-threshold population) */
  bridge: z.boolean({ error: 'must be true or false' }).default(true),
  /** bottom of the v axis; default min(VR − 6√a0, v0 − 6·sv) */
  vmin: num().optional(),
  /** {kind: "hard"} (absorbing at VF, the default) or {kind: "soft", rate, vmax} (loss rate·n above VF; particles: firing with probability 1 − e^{−rate·dt} per step above VF) */
  firing: z.discriminatedUnion('kind', [hardFiringSchema, softFiringSchema], { error: 'must be {"kind": "hard"} or {"kind": "soft", "rate": …, "vmax": …}' }).default({ kind: 'hard' }),
  /** synaptic delay d ≥ 0 [time], shared by the populations: drift and noise see N(t − d); N(s) = 0 for s ≤ 0 */
  delay: num({ min: 0 }).default(0),
  /** K populations (1 … 8), each with its own a0, VR, VF, τ, firing, vmin and initial data; b and a1 are then K × K (the PDE, and the particles with particles.count neurons per population) */
  populations: z.array(populationSchema).min(1).max(8).optional(),
});

export type NnlifBlock = z.output<typeof nnlifSchema>;

const gridSchema = z.strictObject({
  /** nodes of the v axis (the PDE's unknowns) */
  nv: num({ min: 8, max: 1 << 20, integer: true }).default(256),
});

const timeSchema = z.strictObject({
  T: num({ min: 0, minOpen: true }).default(1),
  /** default 1e-3; the scheme is implicit, so dt is limited by accuracy only */
  dt: num({ min: 0, minOpen: true }).optional(),
  /** a member whose N would exceed this stops with status "blowup" */
  Nmax: num({ min: 0, minOpen: true }).default(1e6),
  /** kept for configs shared with the vc models; unused by nnlif */
  cfl: num({ min: 0, minOpen: true }).optional(),
});

const initialSchema = z.strictObject({
  kind: z.literal('gaussian').default('gaussian'),
  v0: num().default(0.5),
  sv: num({ min: 0, minOpen: true }).default(0.15),
});

const outputSchema = z.strictObject({
  every: num({ min: 1, max: 1e9, integer: true }).default(1),
  snapshots: z.array(num({ min: 0 })).max(10000).optional(),
});

/** The run config of the nnlif family; `particles` is the particle system's block (used by `kinfire particles`). */
export const nnlifRunSchema = z.strictObject({
  model: z.literal('nnlif'),
  nnlif: nnlifSchema.default(() => nnlifSchema.parse({})),
  grid: gridSchema.default(() => gridSchema.parse({})),
  time: timeSchema.default(() => timeSchema.parse({})),
  initial: initialSchema.default(() => initialSchema.parse({})),
  output: outputSchema.default(() => outputSchema.parse({})),
  particles: particlesSchema.optional(),
});

export type NnlifParsed = z.output<typeof nnlifRunSchema>;

export const NNLIF_PDE_DEFAULT_DT = 1e-3;

/** One population of a resolved run. */
export interface NnlifPopulationConfig {
  name: string;
  a0: number;
  VR: number;
  VF: number;
  tau: number;
  firing: NnlifFiring;
  vmin: number;
  initial: { v0: number; sv: number };
}

/** A resolved NNLIF PDE run: K populations (K = 1 from the flat keys) and their K × K couplings. */
export interface NnlifRunConfig {
  model: 'nnlif';
  populations: NnlifPopulationConfig[];
  coupling: { b: number[][]; a1: number[][] };
  /** the synaptic delay d (shared) */
  delay: number;
  grid: { nv: number };
  time: { T: number; dt: number; Nmax: number; steps: number; delaySteps: number };
  output: { every: number; snapshots: number[] };
}

const isMatrix = (x: unknown): x is number[][] => Array.isArray(x);

type PopulationInput = { name: string; a0: number; VR: number; VF: number; tau: number; firing: z.output<typeof populationSchema>['firing']; vmin?: number; initial?: { v0: number; sv: number } };

/** The populations and couplings of a network: K = 1 from the flat keys, or nnlif.populations. */
export interface NnlifNetworkConfig {
  populations: NnlifPopulationConfig[];
  coupling: { b: number[][]; a1: number[][] };
}

/**
 * The populations of an `nnlif` block (validated by nnlifSchema) and their K × K couplings: with
 * nnlif.populations each population's own keys (the flat a0, VR, VF, tau, firing and vmin are then
 * refused) and b, a1 as K × K matrices (a1 defaults to 0); without, one population named "n" from the
 * flat keys, b and a1 numbers. `rawBlock` is the block as given (to tell a default from a key set),
 * `initial` the top-level initial data each population defaults to. Shared by the PDE (kinfire run) and
 * the particle system (kinfire particles). Throws ConfigError naming the field.
 */
export function resolveNnlifNetwork(n: NnlifBlock, rawBlock: Record<string, unknown>, initial: { v0: number; sv: number }): NnlifNetworkConfig {
  const order = (field: string, ok: boolean, what: string) => {
    if (!ok) throw new ConfigError(field, what);
  };
  const resolvePopulation = (field: string, p: PopulationInput): NnlifPopulationConfig => {
    order(`${field}VF`, p.VR < p.VF, `must satisfy VR < VF (got VR=${p.VR}, VF=${p.VF})`);
    const own = p.initial ?? { v0: initial.v0, sv: initial.sv };
    order(p.initial ? `${field}initial.v0` : 'initial.v0', own.v0 < p.VF, `must lie below VF = ${p.VF} (got ${own.v0})`);
    const vmin = p.vmin ?? Math.min(p.VR - 6 * Math.sqrt(p.a0), own.v0 - 6 * own.sv);
    order(`${field}vmin`, vmin < Math.min(p.VR, own.v0), `must lie below VR = ${p.VR} and v0 = ${own.v0} (got ${vmin})`);
    let firing: NnlifFiring;
    if (p.firing.kind === 'soft') {
      const vmax = p.firing.vmax ?? p.VF + 1;
      order(`${field}firing.vmax`, vmax > p.VF, `must lie above VF = ${p.VF} (got ${vmax})`);
      firing = { kind: 'soft', rate: p.firing.rate, vmax };
    } else firing = { kind: 'hard' };
    return { name: p.name, a0: p.a0, VR: p.VR, VF: p.VF, tau: p.tau, firing, vmin, initial: own };
  };
  if (n.populations) {
    for (const key of ['a0', 'VR', 'VF', 'tau', 'firing', 'vmin']) {
      order(`nnlif.${key}`, rawBlock[key] === undefined, `with nnlif.populations each population has its own ${key} (nnlif.populations[α].${key})`);
    }
    const K = n.populations.length;
    const names = n.populations.map((p) => p.name);
    order('nnlif.populations', new Set(names).size === K, `the names must differ (got ${names.join(', ')})`);
    const populations = n.populations.map((p, k) => resolvePopulation(`nnlif.populations.${k}.`, p));
    const matrix = (key: 'b' | 'a1'): number[][] => {
      const value = n[key];
      if (key === 'a1' && rawBlock.a1 === undefined) return Array.from({ length: K }, () => new Array<number>(K).fill(0));
      order(`nnlif.${key}`, isMatrix(value) && value.length === K && value.every((row) => row.length === K), `with ${K} populations must be a ${K} × ${K} matrix, ${key}[α][β] the effect of population β on α (got ${JSON.stringify(value)})`);
      return value as number[][];
    };
    return { populations, coupling: { b: matrix('b'), a1: matrix('a1') } };
  }
  order('nnlif.b', !isMatrix(n.b), 'is a matrix only with nnlif.populations; one population takes a number');
  order('nnlif.a1', !isMatrix(n.a1), 'is a matrix only with nnlif.populations; one population takes a number');
  const populations = [resolvePopulation('nnlif.', { name: 'n', a0: n.a0, VR: n.VR, VF: n.VF, tau: n.tau, firing: n.firing, ...(n.vmin !== undefined ? { vmin: n.vmin } : {}) })];
  return { populations, coupling: { b: [[n.b as number]], a1: [[n.a1 as number]] } };
}

/**
 * Resolve a parsed config for the NNLIF PDE (models/registry.ts parses raw input; resolveNnlifRunConfig
 * there is the entry point). `input` is the raw config, for the keys whose absence matters. Throws
 * ConfigError naming the field and the range.
 */
export function resolveNnlifParsed(c: NnlifParsed, input: unknown): NnlifRunConfig {
  const order = (field: string, ok: boolean, what: string) => {
    if (!ok) throw new ConfigError(field, what);
  };
  const n = c.nnlif;
  const rawBlock = ((input as Record<string, unknown>)?.nnlif ?? {}) as Record<string, unknown>;
  order('nnlif.thresholdSpread', n.thresholdSpread === 0, 'is a particle-system key (a random threshold per neuron); the PDE has the soft threshold nnlif.firing = {"kind": "soft", …} instead');
  const { populations, coupling } = resolveNnlifNetwork(n, rawBlock, c.initial);
  const { T } = c.time;
  const steps = Math.max(1, Math.ceil(T / (c.time.dt ?? NNLIF_PDE_DEFAULT_DT) - 1e-9));
  order('time.dt', steps <= 1e9, `gives ${steps} steps to reach T; must give at most 1e9 (use a larger dt or smaller T)`);
  const dt = T / steps;
  const delaySteps = Math.round(n.delay / dt);
  order('nnlif.delay', Math.abs(delaySteps * dt - n.delay) <= 1e-9 * Math.max(n.delay, dt), `must be a whole number of steps: d / dt = ${n.delay / dt} (dt = ${dt}); choose time.dt so that it divides both T and d`);
  order('nnlif.delay', delaySteps <= 1e6, `is ${delaySteps} steps; at most 1e6 (the delay ring lives on the GPU)`);
  const snapshots = (c.output.snapshots ?? [T]).slice().sort((x, y) => x - y);
  snapshots.forEach((s, k) => order(`output.snapshots.${k}`, s <= T * (1 + 1e-12), `must lie in [0, T] = [0, ${T}] (got ${s})`));
  return {
    model: 'nnlif',
    populations,
    coupling,
    delay: n.delay,
    grid: { nv: c.grid.nv },
    time: { T, dt, Nmax: c.time.Nmax, steps, delaySteps },
    output: { every: c.output.every, snapshots },
  };
}

/** The steady-state parameters (steadyRate.ts) of a one-population run config. */
export function nnlifSteadyParamsOf(config: NnlifRunConfig): NnlifParams {
  const n = config.populations[0]!;
  return { a: n.a0, a1: config.coupling.a1[0]![0]!, b: config.coupling.b[0]![0]!, VR: n.VR, VF: n.VF, tau: n.tau, firing: n.firing };
}
