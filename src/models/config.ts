/**
 * The run configuration: every key, its unit, its default and its allowed range, validated by zod.
 *
 * Units are the dimensionless ones of the voltage-conductance model: voltages in units of
 * (V_F − V_L), conductances in units of the leak g_L, time in units of the membrane time 1/g_L.
 * The defaults are those of the issue / README: gL = 1, VL = VR = 0, VF = 1, VE = 14/3, a = 0.3,
 * gin = 0.8, b = 0.5, φ0 = 20, ε = 0.05.
 */
import { z } from 'zod';
import { type NnlifPopulationConfig, nnlifSchema, resolveNnlifNetwork } from './nnlif/config';
import type { NnlifFiring } from './nnlif/fokkerPlanck';
import { ConfigError, num, parseWith } from './schema';

export { ConfigError, F32_MAX } from './schema';

export type ModelKind = 'vc' | 'vc-threshold' | 'vc-limit';
export type FiringRateKind = 'step' | 'constant' | 'sigmoid';

const firingRateSchema = z.strictObject({
  /** φF(v): 'step' φ0·1{v > VF}, 'constant' φ0, 'sigmoid' φ0 / (1 + exp(−(v − VF)/w)) */
  kind: z.enum(['step', 'constant', 'sigmoid']).default('step'),
  /** φ0, firing rate scale [1/time] */
  rate: num({ min: 0 }).default(20),
  /** w, sigmoid width [voltage]; used only by 'sigmoid' */
  width: num({ min: 0, minOpen: true }).default(0.05),
});

const paramsSchema = z.strictObject({
  gL: num({ min: 0, minOpen: true }).default(1),
  VL: num().default(0),
  VR: num().default(0),
  VF: num().default(1),
  VE: num().default(14 / 3),
  /** variance of the conductance noise; the g-equilibrium is N(Geq, a) truncated to g ≥ 0 */
  a: num({ min: 0, minOpen: true }).default(0.3),
  /** ε, the conductance time scale; the g-step is stable for any ε, dt */
  eps: num({ min: 1e-12, max: 1e6 }).default(0.05),
  /** Geq(v, N) = gin + b·N */
  gin: num().default(0.8),
  /** network connectivity: b > 0 excitatory, b < 0 inhibitory */
  b: num().default(0.5),
  phiF: firingRateSchema.default(() => firingRateSchema.parse({})),
});

const gridSchema = z.strictObject({
  /** cells in v */
  nv: num({ min: 8, max: 65536, integer: true }).default(256),
  /** cells in g */
  ng: num({ min: 8, max: 65535, integer: true }).default(128),
  /** upper end of the conductance axis; default from the equilibrium bound (see defaultGmax) */
  gmax: num({ min: 0, minOpen: true }).optional(),
});

const timeSchema = z.strictObject({
  /** final time */
  T: num({ min: 0, minOpen: true }).default(1),
  /** time step; default cfl·Δv / max|u| (the transport CFL bound) */
  dt: num({ min: 0, minOpen: true }).optional(),
  /** Courant number for the default dt; the semi-Lagrangian transport is stable for any value */
  cfl: num({ min: 0, minOpen: true, max: 1000 }).default(0.9),
  /** a run stops with status "blowup" when N(t) exceeds this rate */
  Nmax: num({ min: 0, minOpen: true }).default(1e6),
});

const initialSchema = z.strictObject({
  kind: z.literal('gaussian').default('gaussian'),
  v0: num().default(0.5),
  sv: num({ min: 0, minOpen: true }).default(0.15),
  g0: num().default(0.8),
  sg: num({ min: 0, minOpen: true }).default(0.3),
  /**
   * well-prepared data: keep the v-profile, replace the g-profile by the local equilibrium
   * M(g; Geq(N0)) (always so for vc-limit)
   */
  prepared: z.boolean({ error: 'must be true or false' }).default(false),
});

const outputSchema = z.strictObject({
  /** write a row of activity.csv every `every` steps */
  every: num({ min: 1, max: 1e9, integer: true }).default(1),
  /** times at which p is written (.npy and .png); default [T] */
  snapshots: z.array(num({ min: 0 })).max(10000).optional(),
});

/**
 * The particle system (`kinfire particles`, src/host/particleSystem.ts). Ignored by the kinetic solver,
 * so that one config file can serve both commands.
 */
const particlesSchema = z.strictObject({
  /** number of neurons (particles) */
  count: num({ min: 1, max: 0xffffffff, integer: true }).default(1e5),
  /** 64-bit Philox key; a non-negative safe integer */
  seed: num({ min: 0, max: Number.MAX_SAFE_INTEGER, integer: true }).default(1),
  /** [t0, t1], the averaging window of N_mean; default the last half of [0, T] */
  window: z.array(num({ min: 0 }), { error: 'must be an array [t0, t1] of two times' }).length(2, { error: 'must be an array [t0, t1] of two times' }).optional(),
  /** τ_N ≥ 0 [time]: the feedback is N smoothed by an exponential filter of this time constant; 0 = none */
  smoothing: num({ min: 0 }).default(0),
  /** number of batches of the batch-means standard error of N_mean */
  batches: num({ min: 2, max: 1e6, integer: true }).default(20),
});

export const configSchema = z.strictObject({
  model: z.enum(['vc', 'vc-threshold', 'vc-limit', 'nnlif']).default('vc'),
  params: paramsSchema.default(() => paramsSchema.parse({})),
  grid: gridSchema.default(() => gridSchema.parse({})),
  time: timeSchema.default(() => timeSchema.parse({})),
  initial: initialSchema.default(() => initialSchema.parse({})),
  output: outputSchema.default(() => outputSchema.parse({})),
  particles: particlesSchema.optional(),
  nnlif: nnlifSchema.optional(),
});

export type ConfigInput = z.input<typeof configSchema>;
type Parsed = z.output<typeof configSchema>;
export type ModelParams = Parsed['params'];
export type FiringRateParams = ModelParams['phiF'];

/** A fully resolved configuration: every default filled in, derived quantities computed. */
export interface KinfireConfig {
  model: ModelKind;
  params: ModelParams;
  grid: { nv: number; ng: number; gmax: number };
  time: { T: number; dt: number; cfl: number; Nmax: number; steps: number };
  initial: Parsed['initial'];
  output: { every: number; snapshots: number[] };
}

/** Largest firing rate the model can produce, used to bound Geq from above for the default gmax. */
export function maxFiringRate(params: ModelParams): number {
  return params.phiF.rate;
}

/**
 * Default gmax: the g-equilibrium is a Gaussian of mean Geq = gin + b·N and variance a. For the soft
 * model N = ∫φF p ≤ φ0 (mass 1), so Geq ≤ gin + max(b, 0)·φ0. Six standard deviations above the largest
 * possible mean leave a tail mass below 1e-9 of the equilibrium; the initial data's own tail is covered
 * the same way. The threshold model has no a-priori bound on N; φ0 is used as its rate scale and a
 * warning is raised during the run if mass piles up near gmax.
 */
export function defaultGmax(params: ModelParams, initial: Parsed['initial']): number {
  const geqMax = Math.max(params.gin, params.gin + params.b * maxFiringRate(params));
  return Math.max(geqMax + 6 * Math.sqrt(params.a), initial.g0 + 6 * initial.sg, 6 * Math.sqrt(params.a));
}

/** Upper end of the voltage axis: VE for `vc` and `vc-limit` (soft threshold), VF for `vc-threshold`. */
export function voltageTop(model: ModelKind, params: ModelParams): number {
  return model === 'vc-threshold' ? params.VF : params.VE;
}

/** max over the grid of |u(v,g)| = |gL(VL − v) + g(VE − v)|, attained at a corner of the domain. */
export function maxVoltageSpeed(model: ModelKind, params: ModelParams, gmax: number): number {
  const u = (v: number, g: number) => Math.abs(params.gL * (params.VL - v) + g * (params.VE - v));
  const top = voltageTop(model, params);
  return Math.max(u(params.VL, 0), u(params.VL, gmax), u(top, 0), u(top, gmax));
}

function parseConfig(input: unknown): Parsed {
  return parseWith(configSchema, input);
}

/**
 * Validate and resolve a config (an object parsed from JSON) for the kinetic solver. Throws ConfigError
 * naming the field. The `particles` block is validated and ignored; model "nnlif" (and the `nnlif` block)
 * belong to the particle system, see resolveParticleConfig.
 */
export function resolveConfig(input: unknown): KinfireConfig {
  const c = parseConfig(input);
  if (c.model === 'nnlif') throw new ConfigError('model', 'model "nnlif" is not taken by this command: `kinfire run` solves its Fokker–Planck PDE and `kinfire particles` its neurons (the models here are "vc", "vc-threshold", "vc-limit")');
  if (c.nnlif !== undefined) throw new ConfigError('nnlif', `the nnlif block is only used with model "nnlif" (model is "${c.model}")`);
  const model = c.model;
  const p = c.params;
  const order = (field: string, ok: boolean, what: string) => {
    if (!ok) throw new ConfigError(field, what);
  };
  order('params.VR', p.VL <= p.VR && p.VR < p.VF, `must satisfy VL ≤ VR < VF (got VL=${p.VL}, VR=${p.VR}, VF=${p.VF})`);
  order('params.VE', p.VF < p.VE, `must satisfy VF < VE (got VF=${p.VF}, VE=${p.VE})`);
  if (model === 'vc-threshold') {
    order('params.VR', p.VR === p.VL, `model vc-threshold reinjects at VL: VR must equal VL (got VR=${p.VR}, VL=${p.VL})`);
  }
  const gmax = c.grid.gmax ?? defaultGmax(p, c.initial);
  order(
    'grid.gmax',
    Number.isFinite(gmax) && gmax <= 1e6,
    `the default gmax = gin + max(b,0)·phiF.rate + 6√a = ${gmax} (from params.gin, params.b, params.phiF.rate, params.a) must be at most 1e6; set grid.gmax explicitly`,
  );
  const top = voltageTop(model, p);
  order('initial.v0', c.initial.v0 > p.VL && c.initial.v0 < top, `must lie in (VL, ${model === 'vc-threshold' ? 'VF' : 'VE'}) = (${p.VL}, ${top}) (got ${c.initial.v0})`);
  order('initial.g0', c.initial.g0 >= 0 && c.initial.g0 < gmax, `must lie in [0, gmax) = [0, ${gmax}) (got ${c.initial.g0})`);

  const dv = (top - p.VL) / c.grid.nv;
  const dtCfl = (c.time.cfl * dv) / maxVoltageSpeed(model, p, gmax);
  const dtWanted = c.time.dt ?? dtCfl;
  // T is hit exactly: the step is shortened so that an integer number of steps reaches T.
  const steps = Math.max(1, Math.ceil(c.time.T / dtWanted - 1e-9));
  order('time.dt', steps <= 1e9, `gives ${steps} steps to reach T; must give at most 1e9 (use a larger dt or smaller T)`);
  const dt = c.time.T / steps;

  const snapshots = (c.output.snapshots ?? [c.time.T]).slice().sort((x, y) => x - y);
  snapshots.forEach((s, k) => order(`output.snapshots.${k}`, s <= c.time.T * (1 + 1e-12), `must lie in [0, T] = [0, ${c.time.T}] (got ${s})`));

  return {
    model: model,
    params: p,
    grid: { nv: c.grid.nv, ng: c.grid.ng, gmax },
    time: { T: c.time.T, dt, cfl: c.time.cfl, Nmax: c.time.Nmax, steps },
    initial: c.initial,
    output: { every: c.output.every, snapshots },
  };
}

// ---------------------------------------------------------------------------------------------------
// The particle system

export type ParticleModelKind = 'vc' | 'vc-threshold' | 'nnlif';
export type NnlifModelParams = Omit<z.output<typeof nnlifSchema>, 'vmin' | 'b' | 'a1' | 'populations' | 'firing'> & { vmin: number; b: number; a1: number; firing: NnlifFiring };

export interface ParticleSettings {
  /** number of neurons (nnlif with populations: of each population) */
  count: number;
  /** 64-bit Philox key */
  seed: number;
  /** [t0, t1]: N_mean averages the steps that lie in it */
  window: [number, number];
  /** τ_N [time], 0 = no smoothing of the feedback */
  smoothing: number;
  /** batches of the batch-means standard error */
  batches: number;
}

/**
 * One population of the nnlif particle network: its keys as the PDE resolves them and its histogram axis.
 * Its neurons are particles.count (the same for every population; particlePopulations in
 * src/host/particleSystem.ts is the one place that says so).
 */
export interface ParticlePopulation extends NnlifPopulationConfig {
  /** top of its histogram axis [vmin, vhi]: VF + thresholdSpread (hard threshold) or firing.vmax (soft) */
  vhi: number;
}

/** The nnlif network of the particle system: K ≤ 8 populations (K = 1 from the flat keys) and what they share. */
export interface ParticleNetwork {
  populations: ParticlePopulation[];
  /** b[α][β], a1[α][β]: the effect of population β on α (K × K) */
  coupling: { b: number[][]; a1: number[][] };
  /** the synaptic delay d */
  delay: number;
  thresholdSpread: number;
  bridge: boolean;
}

/** A resolved particle-system config: every default filled in. */
export interface ParticleConfig {
  model: ParticleModelKind;
  /** the voltage-conductance parameters (used by vc and vc-threshold; defaults for nnlif) */
  params: ModelParams;
  /** the NNLIF parameters of one population in the flat form (model nnlif with K = 1: the flat keys or one population), else null */
  nnlif: NnlifModelParams | null;
  /** model nnlif: its populations and couplings (K = 1 from the flat keys), else null; the kernels read this */
  network: ParticleNetwork | null;
  /**
   * the histogram grid. vc, vc-threshold: the kinetic grid, nv × ng cells on (VL, vhi) × (0, gmax).
   * nnlif: nv cells on [vlo, vhi] = [vmin, VF + thresholdSpread] (soft: [vmin, vmax]) of population 0,
   * ng = 1 and gmax = 0 (no g axis); population α has nv cells on [vmin_α, vhi_α] (network.populations).
   */
  grid: { nv: number; ng: number; gmax: number; vlo: number; vhi: number };
  time: { T: number; dt: number; cfl: number; Nmax: number; steps: number };
  initial: Parsed['initial'];
  output: { every: number; snapshots: number[] };
  particles: ParticleSettings;
}

/** The particle system's delay must be shorter than this many steps (its history ring, PARTICLE_HISTORY_CAPACITY). */
export const PARTICLE_DELAY_LIMIT = 4096;

/** Default dt of the nnlif particles (time units of the membrane time). */
export const NNLIF_DEFAULT_DT = 1e-3;

/**
 * Validate and resolve a config for the particle system (`kinfire particles`). Models "vc" and
 * "vc-threshold" take `params`, `grid` (the histogram grid, the kinetic one) and `initial` as the kinetic
 * solver does; "nnlif" takes the `nnlif` block (giving `params` is an error), `grid.nv` (histogram cells)
 * and `initial.v0`, `initial.sv`. Default dt: the kinetic CFL rule for vc and vc-threshold (the same dt as
 * `kinfire run` on the same grid), 1e-3 for nnlif; shortened so that an integer number of steps reaches T.
 */
export function resolveParticleConfig(input: unknown): ParticleConfig {
  const c = parseConfig(input);
  const order = (field: string, ok: boolean, what: string) => {
    if (!ok) throw new ConfigError(field, what);
  };
  const raw = (input ?? {}) as Record<string, unknown>;
  const model = c.model;
  if (model === 'vc-limit') throw new ConfigError('model', 'model "vc-limit" has no particle system (use "vc" with a small params.eps); particle models: "vc", "vc-threshold", "nnlif"');
  const parts = c.particles ?? particlesSchema.parse({});
  const { T } = c.time;
  let nnlif: NnlifModelParams | null = null;
  let network: ParticleNetwork | null = null;
  let grid: ParticleConfig['grid'];
  let dtDefault: number;
  if (model === 'nnlif') {
    order('params', raw.params === undefined, 'model "nnlif" takes its parameters from the "nnlif" block (params is for the vc models)');
    const n = c.nnlif ?? nnlifSchema.parse({});
    // the populations as the PDE resolves them (K = 1 from the flat keys), then the particle-only keys
    const { populations, coupling } = resolveNnlifNetwork(n, (raw.nnlif ?? {}) as Record<string, unknown>, c.initial);
    const s = n.thresholdSpread;
    populations.forEach((p, k) => {
      const of = n.populations ? ` (population ${k}, ${p.name})` : '';
      order('nnlif.thresholdSpread', p.firing.kind === 'hard' || s === 0, `a random threshold and the soft threshold (nnlif.firing) exclude each other${of}`);
      order('nnlif.thresholdSpread', s < p.VF - p.VR, `must be < VF − VR = ${p.VF - p.VR}${of}, so that every threshold lies above VR (got ${s})`);
    });
    network = {
      populations: populations.map((p) => ({ ...p, vhi: p.firing.kind === 'soft' ? p.firing.vmax : p.VF + s })),
      coupling,
      delay: n.delay,
      thresholdSpread: s,
      bridge: n.bridge,
    };
    const p0 = network.populations[0]!;
    if (populations.length === 1) {
      nnlif = { a0: p0.a0, a1: coupling.a1[0]![0]!, b: coupling.b[0]![0]!, VR: p0.VR, VF: p0.VF, tau: p0.tau, thresholdSpread: s, bridge: n.bridge, vmin: p0.vmin, firing: p0.firing, delay: n.delay };
    }
    grid = { nv: c.grid.nv, ng: 1, gmax: 0, vlo: p0.vmin, vhi: p0.vhi };
    dtDefault = NNLIF_DEFAULT_DT;
  } else {
    order('nnlif', c.nnlif === undefined, `the nnlif block is only used with model "nnlif" (model is "${model}")`);
    const p = c.params;
    order('params.VR', p.VL <= p.VR && p.VR < p.VF, `must satisfy VL ≤ VR < VF (got VL=${p.VL}, VR=${p.VR}, VF=${p.VF})`);
    order('params.VE', p.VF < p.VE, `must satisfy VF < VE (got VF=${p.VF}, VE=${p.VE})`);
    if (model === 'vc-threshold') order('params.VR', p.VR === p.VL, `model vc-threshold reinjects at VL: VR must equal VL (got VR=${p.VR}, VL=${p.VL})`);
    const gmax = c.grid.gmax ?? defaultGmax(p, c.initial);
    order('grid.gmax', Number.isFinite(gmax) && gmax <= 1e6, `the default gmax = ${gmax} must be at most 1e6; set grid.gmax explicitly`);
    const top = voltageTop(model, p);
    order('initial.v0', c.initial.v0 > p.VL && c.initial.v0 < top, `must lie in (VL, ${model === 'vc-threshold' ? 'VF' : 'VE'}) = (${p.VL}, ${top}) (got ${c.initial.v0})`);
    order('initial.g0', c.initial.g0 >= 0 && c.initial.g0 < gmax, `must lie in [0, gmax) = [0, ${gmax}) (got ${c.initial.g0})`);
    grid = { nv: c.grid.nv, ng: c.grid.ng, gmax, vlo: p.VL, vhi: top };
    dtDefault = (c.time.cfl * ((top - p.VL) / c.grid.nv)) / maxVoltageSpeed(model, p, gmax);
  }
  const steps = Math.max(1, Math.ceil(T / (c.time.dt ?? dtDefault) - 1e-9));
  order('time.dt', steps <= 0xfffffffe, `gives ${steps} steps to reach T; must give fewer than 2^32 − 1 (the step is a Philox counter word)`);
  const dt = T / steps;
  if (network) {
    const D = Math.round(network.delay / dt);
    order('nnlif.delay', Math.abs(D * dt - network.delay) <= 1e-9 * Math.max(network.delay, dt), `must be a whole number of steps: d / dt = ${network.delay / dt} (dt = ${dt})`);
    order('nnlif.delay', D < PARTICLE_DELAY_LIMIT, `is ${D} steps; the particle system holds at most ${PARTICLE_DELAY_LIMIT - 1} (its history ring on the GPU)`);
  }

  const snapshots = (c.output.snapshots ?? [T]).slice().sort((x, y) => x - y);
  snapshots.forEach((s, k) => order(`output.snapshots.${k}`, s <= T * (1 + 1e-12), `must lie in [0, T] = [0, ${T}] (got ${s})`));
  const window = (parts.window ?? [T / 2, T]) as [number, number];
  order('particles.window', window[0] < window[1] && window[1] <= T * (1 + 1e-12), `must be [t0, t1] with 0 ≤ t0 < t1 ≤ T = ${T} (got [${window.join(', ')}])`);

  return {
    model,
    params: c.params,
    nnlif,
    network,
    grid,
    time: { T, dt, cfl: c.time.cfl, Nmax: c.time.Nmax, steps },
    initial: c.initial,
    output: { every: c.output.every, snapshots },
    particles: { count: parts.count, seed: parts.seed, window: [window[0], Math.min(window[1], T)], smoothing: parts.smoothing, batches: parts.batches },
  };
}

/**
 * Apply `--set path=value` overrides to a raw config object. The value is parsed as JSON when it
 * can be (numbers, booleans, arrays), else kept as a string, so that the schema reports a wrong type.
 */
/** Keys that would reach Object.prototype through a plain object: never config keys. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export function applyOverrides(raw: unknown, assignments: string[]): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError('--config', `the config must be a JSON object (got ${raw === null ? 'null' : Array.isArray(raw) ? 'an array' : typeof raw})`);
  }
  const root: Record<string, unknown> = structuredClone(raw as Record<string, unknown>);
  for (const assignment of assignments) {
    const eq = assignment.indexOf('=');
    if (eq <= 0) throw new ConfigError(assignment, 'a --set override must look like path.to.key=value');
    const path = assignment.slice(0, eq).split('.');
    const bad = path.find((key) => FORBIDDEN_KEYS.has(key) || key === '');
    if (bad !== undefined) throw new ConfigError(assignment.slice(0, eq), `${bad === '' ? 'an empty key' : `the key ${JSON.stringify(bad)}`} is not a config key`);
    const text = assignment.slice(eq + 1);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = text;
    }
    // Objects are entered (and made where missing); an array is entered only at an index it has
    // (nnlif.populations.1.tau), so --set never grows an array.
    let node: Record<string, unknown> | unknown[] = root;
    const at = (n: Record<string, unknown> | unknown[], key: string): unknown => (Array.isArray(n) ? n[Number(key)] : Object.hasOwn(n, key) ? n[key] : undefined);
    const isIndex = (n: Record<string, unknown> | unknown[], key: string) => !Array.isArray(n) || (/^\d+$/.test(key) && Number(key) < n.length);
    for (const key of path.slice(0, -1)) {
      if (!isIndex(node, key)) throw new ConfigError(path.join('.'), `${key} is not an index of that array (it has ${(node as unknown[]).length} entries)`);
      const next = at(node, key);
      if (next === undefined && !Array.isArray(node)) node[key] = {};
      else if (typeof next !== 'object' || next === null) {
        throw new ConfigError(path.join('.'), `cannot set a key inside ${key}, which is not an object`);
      }
      node = (Array.isArray(node) ? node[Number(key)] : node[key]) as Record<string, unknown> | unknown[];
    }
    const last = path[path.length - 1]!;
    if (!isIndex(node, last)) throw new ConfigError(path.join('.'), `${last} is not an index of that array (it has ${(node as unknown[]).length} entries)`);
    if (Array.isArray(node)) node[Number(last)] = value;
    else node[last] = value;
  }
  return root;
}
