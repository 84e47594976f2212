/**
 * The configuration entry points: the union of the model families' run configs (models/registry.ts; each
 * family's schema lives in its folder), the particle system's config for every family that has one, and
 * the --set overrides.
 */
import { type ElapsedInitial, type ElapsedKernel, type ElapsedModel, resolveElapsedParsed } from './elapsed/config';
import { type NnlifFiring } from './nnlif/fokkerPlanck';
import { type NnlifBlock, type NnlifPopulationConfig, resolveNnlifNetwork } from './nnlif/config';
import { particlesSchema } from './particles/config';
import { parseConfig } from './registry';
import { ConfigError } from './schema';
import { defaultGmax, type KinfireConfig, maxVoltageSpeed, type ModelParams, vcRunSchema, type VcParsed, voltageTop } from './vc/config';

export { ConfigError, F32_MAX } from './schema';
export { type ConfigInput, configSchema, familyOf, MODEL_FAMILIES, MODELS, parseConfig, resolveConfig, resolveNnlifRunConfig } from './registry';
export { defaultGmax, type FiringRateKind, type FiringRateParams, type KinfireConfig, maxFiringRate, maxVoltageSpeed, type ModelKind, type ModelParams, voltageTop } from './vc/config';

// ---------------------------------------------------------------------------------------------------
// The particle system

export type ParticleModelKind = 'vc' | 'vc-threshold' | 'nnlif' | 'elapsed';
export type NnlifModelParams = Omit<NnlifBlock, 'vmin' | 'b' | 'a1' | 'populations' | 'firing'> & { vmin: number; b: number; a1: number; firing: NnlifFiring };

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

/**
 * The renewal neurons of the elapsed-time model (model "elapsed"): the firing rate p(s, X), the coupling
 * kernel, the PDE's age grid (the histogram's) and initial data, as the PDE resolves them
 * (models/elapsed/config.ts). Time and output are the particle config's own (time, output).
 */
export interface ParticleElapsed {
  model: ElapsedModel;
  kernel: ElapsedKernel;
  /** ns cells of width ds = dt on [0, smax]; the last one collects every age ≥ (ns − 1)·dt */
  grid: { ns: number; ds: number; smax: number };
  initial: ElapsedInitial;
  /** kernel delay: d/dt, whole steps (0 for the other kernels) */
  delaySteps: number;
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
  /** model elapsed: its neurons' firing rate, kernel, age grid and initial data, else null */
  elapsed: ParticleElapsed | null;
  /**
   * the histogram grid. vc, vc-threshold: the kinetic grid, nv × ng cells on (VL, vhi) × (0, gmax).
   * nnlif: nv cells on [vlo, vhi] = [vmin, VF + thresholdSpread] (soft: [vmin, vmax]) of population 0,
   * ng = 1 and gmax = 0 (no g axis); population α has nv cells on [vmin_α, vhi_α] (network.populations).
   * elapsed: the PDE's age grid, nv = ns cells of width dt on [0, smax] (ng = 1, gmax = 0).
   */
  grid: { nv: number; ng: number; gmax: number; vlo: number; vhi: number };
  time: { T: number; dt: number; cfl: number; Nmax: number; steps: number };
  initial: VcParsed['initial'];
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
  const config = parseConfig(input);
  const order = (field: string, ok: boolean, what: string) => {
    if (!ok) throw new ConfigError(field, what);
  };
  if (config.family === 'neurons') throw new ConfigError('model', 'model "neurons" is run by `kinfire neurons`; particle models: "vc", "vc-threshold", "nnlif", "elapsed"');
  if (config.family === 'field') throw new ConfigError('model', 'model "field" (the Wilson–Cowan field) has no particle system; run it with kinfire field; particle models: "vc", "vc-threshold", "nnlif", "elapsed"');
  const vcDefaults = vcRunSchema.parse({});
  // the keys every family has: time, output, particles
  const c = config.parsed;
  const model = c.model;
  const parts = c.particles ?? particlesSchema.parse({});
  const { T } = c.time;
  let nnlif: NnlifModelParams | null = null;
  let network: ParticleNetwork | null = null;
  let elapsed: ParticleElapsed | null = null;
  let grid: ParticleConfig['grid'];
  let dtDefault: number;
  let params: ModelParams;
  let initial: VcParsed['initial'];
  if (config.family === 'elapsed') {
    // the PDE's resolution (its checks, age grid and dt), then what the neurons cannot do
    const e = resolveElapsedParsed(config.parsed);
    params = vcDefaults.params;
    initial = vcDefaults.initial;
    order(
      'particles.smoothing',
      parts.smoothing === 0,
      `must be 0 for model "elapsed": its neurons see X = b·(the activity through the kernel elapsed.kernel); for a filtered activity use elapsed.kernel = "exponential" with elapsed.tau (got ${parts.smoothing})`,
    );
    order('elapsed.d', e.time.delaySteps <= PARTICLE_DELAY_LIMIT, `is ${e.time.delaySteps} steps; the particle system holds at most ${PARTICLE_DELAY_LIMIT} (its history ring on the GPU): use a larger time.dt`);
    elapsed = { model: e.elapsed, kernel: e.kernel, grid: e.grid, initial: e.initial, delaySteps: e.time.delaySteps };
    grid = { nv: e.grid.ns, ng: 1, gmax: 0, vlo: 0, vhi: e.grid.smax };
    dtDefault = e.time.dt;
  } else if (config.family === 'nnlif') {
    const n = config.parsed.nnlif;
    const { v0, sv } = config.parsed.initial;
    params = vcDefaults.params;
    initial = { ...vcDefaults.initial, v0, sv };
    // the populations as the PDE resolves them (K = 1 from the flat keys), then the particle-only keys
    const { populations, coupling } = resolveNnlifNetwork(n, ((input as Record<string, unknown>).nnlif ?? {}) as Record<string, unknown>, { v0, sv });
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
    grid = { nv: config.parsed.grid.nv, ng: 1, gmax: 0, vlo: p0.vmin, vhi: p0.vhi };
    dtDefault = NNLIF_DEFAULT_DT;
  } else {
    const v = config.parsed;
    if (v.model === 'vc-limit') throw new ConfigError('model', 'model "vc-limit" has no particle system (use "vc" with a small params.eps); particle models: "vc", "vc-threshold", "nnlif", "elapsed"');
    const p = v.params;
    params = p;
    initial = v.initial;
    order('params.VR', p.VL <= p.VR && p.VR < p.VF, `must satisfy VL ≤ VR < VF (got VL=${p.VL}, VR=${p.VR}, VF=${p.VF})`);
    order('params.VE', p.VF < p.VE, `must satisfy VF < VE (got VF=${p.VF}, VE=${p.VE})`);
    if (v.model === 'vc-threshold') order('params.VR', p.VR === p.VL, `model vc-threshold reinjects at VL: VR must equal VL (got VR=${p.VR}, VL=${p.VL})`);
    const gmax = v.grid.gmax ?? defaultGmax(p, v.initial);
    order('grid.gmax', Number.isFinite(gmax) && gmax <= 1e6, `the default gmax = ${gmax} must be at most 1e6; set grid.gmax explicitly`);
    const top = voltageTop(v.model, p);
    order('initial.v0', v.initial.v0 > p.VL && v.initial.v0 < top, `must lie in (VL, ${v.model === 'vc-threshold' ? 'VF' : 'VE'}) = (${p.VL}, ${top}) (got ${v.initial.v0})`);
    order('initial.g0', v.initial.g0 >= 0 && v.initial.g0 < gmax, `must lie in [0, gmax) = [0, ${gmax}) (got ${v.initial.g0})`);
    grid = { nv: v.grid.nv, ng: v.grid.ng, gmax, vlo: p.VL, vhi: top };
    dtDefault = (v.time.cfl * ((top - p.VL) / v.grid.nv)) / maxVoltageSpeed(v.model, p, gmax);
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
    model: model as ParticleModelKind,
    params,
    nnlif,
    network,
    elapsed,
    grid,
    time: { T, dt, cfl: ('cfl' in c.time ? c.time.cfl : undefined) ?? vcDefaults.time.cfl, Nmax: c.time.Nmax, steps },
    initial,
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
