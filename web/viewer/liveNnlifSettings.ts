/**
 * What live mode for nnlif (the NNLIF Fokker–Planck PDE of a network of K ≤ 8 populations) lets the user set,
 * how it goes into an nnlif run config (src/models/nnlif/config.ts, which validates it and names the field
 * it refuses), and how it reads from and writes to the URL (?mode=live&model=nnlif&b=…). Units are those of
 * the config: voltages as in the NNLIF model (VR = 1, VF = 2 by default), time in membrane times.
 *
 * One population (K = 1) goes into the config's flat keys (nnlif.b, nnlif.a0, …), K > 1 into
 * nnlif.populations with the K × K matrices b and a1. In the URL every key of a population is a list of K
 * values separated by commas (a0=1,0.8), the matrices b and a1 are K rows separated by ';' (b=1,-0.6;0.8,-0.3),
 * and pops names the populations (K > 1): so the URL of one population is the same as before networks.
 */
import type { NnlifRunConfig } from '../../src/models/nnlif/config';
import { NNLIF_MAX_POPULATIONS } from '../../src/host/nnlifSolver';
import { resolveNnlifRunConfig } from '../../src/models/registry';
import type { SliderSpec } from './livePanel';

/** The constants of one population with a slider (each population has its own). */
export type NnlifPopulationKey = 'a0' | 'tau' | 'VR' | 'VF' | 'rate' | 'v0' | 'sv';
/** The couplings and the delay: b[α][β] and a1[α][β] of the population shown, and the shared delay. */
export type NnlifCouplingKey = 'b' | 'a1' | 'delay';

/**
 * The sliders of a population, with the config field of one population (K = 1); for a network the config
 * names nnlif.populations.α.<key> (and nnlif.populations.α.initial.v0), shown under the same control.
 * Which of them go on from the running state: liveNnlif.ts.
 */
export const NNLIF_POPULATION_PARAMETERS: readonly SliderSpec<NnlifPopulationKey>[] = [
  { key: 'a0', field: 'nnlif.a0', label: 'a₀', min: 0.05, max: 5, log: true, hint: 'noise: a(N) = a0 + a1·N is the diffusion coefficient (σ² = 2a)', allowed: '(0, ∞)' },
  { key: 'tau', field: 'nnlif.tau', label: 'τ', min: 0, max: 1, hint: 'mean refractory time (0: none); setting it to 0 from τ > 0 restarts', allowed: '[0, ∞)' },
  { key: 'VR', field: 'nnlif.VR', label: 'V_R', min: -1, max: 1.95, hint: 'reset potential', allowed: 'vmin < VR < VF' },
  { key: 'VF', field: 'nnlif.VF', label: 'V_F', min: -1, max: 4, hint: 'firing threshold, the top of the v axis (hard); restarts', allowed: 'VR < VF, v0 < VF' },
  { key: 'rate', field: 'nnlif.firing.rate', label: 'soft rate', min: 1, max: 200, log: true, hint: 'soft threshold: neurons above VF fire at this rate', allowed: '(0, ∞)' },
  { key: 'v0', field: 'initial.v0', label: 'v₀', min: -1, max: 1.95, hint: 'centre of the initial Gaussian; restarts', allowed: 'vmin < v0 < VF' },
  { key: 'sv', field: 'initial.sv', label: 's_v', min: 0.01, max: 1, log: true, hint: 'width of the initial Gaussian; restarts', allowed: '(0, ∞)' },
];

/** b and a1 (of one population: the numbers; of a network: the row of the population shown, one slider per source β) and the delay. */
export const NNLIF_COUPLING_PARAMETERS: readonly SliderSpec<NnlifCouplingKey>[] = [
  { key: 'b', field: 'nnlif.b', label: 'b', min: -5, max: 5, hint: 'connectivity: the drift is −v + b·N(t − d) (b > 0 excitatory)', allowed: 'any finite number' },
  { key: 'a1', field: 'nnlif.a1', label: 'a₁', min: -1, max: 5, hint: 'growth of the noise with the activity; a(N) ≤ 0 stops the run', allowed: 'any finite number' },
  { key: 'delay', field: 'nnlif.delay', label: 'delay d', min: 0, max: 0.5, hint: 'synaptic delay: drift and noise see N(t − d); restarts', allowed: '[0, ∞), a whole number of steps dt' },
];

export type NnlifFiringKind = 'hard' | 'soft';

export interface NnlifLivePopulation {
  /** the name in the labels (n_E(v), N_E(t)); the config's "n" for one population */
  name: string;
  values: Record<NnlifPopulationKey, number>;
  /** hard: absorbing at VF, N the outflux; soft: neurons above VF fire at `rate`, the axis goes on to VF + 1 */
  firing: NnlifFiringKind;
  /** bottom of the v axis; fixed once chosen (default: the config's rule at the page's parameters), so a0 and VR change without moving the grid */
  vmin: number;
}

export interface NnlifLiveSettings {
  populations: NnlifLivePopulation[];
  /** b[α][β]: the effect of population β on α (K × K) */
  b: number[][];
  /** a1[α][β]: the growth of α's noise with β's rate */
  a1: number[][];
  /** the synaptic delay d, shared */
  delay: number;
  nv: number;
  dt: number;
  /** a step whose N would exceed this is refused: the run stops with status blowup */
  Nmax: number;
  /** the span of time N(t) shows (a scrolling plot) */
  window: number;
  stepsPerFrame: number;
}

/** The CLI's defaults (resolveNnlifRunConfig of {model: "nnlif"}), and these for live mode only. */
const LIVE_DEFAULTS = { window: 5, stepsPerFrame: 20, rate: 20 };

/** The run config of these settings (validated: throws ConfigError naming the field). */
export function nnlifLiveConfig(s: NnlifLiveSettings): NnlifRunConfig {
  return resolveNnlifRunConfig(configInput(s));
}

const firingOf = (p: NnlifLivePopulation) => (p.firing === 'soft' ? { kind: 'soft', rate: p.values.rate } : { kind: 'hard' });
const vminOf = (p: NnlifLivePopulation) => (Number.isFinite(p.vmin) ? { vmin: p.vmin } : {});

function configInput(s: NnlifLiveSettings) {
  // live mode has no final time; T = dt keeps dt as given (a run's dt is T over a whole number of steps)
  const rest = { grid: { nv: s.nv }, time: { T: s.dt, dt: s.dt, Nmax: s.Nmax } };
  if (s.populations.length === 1) {
    const p = s.populations[0]!;
    const v = p.values;
    return {
      model: 'nnlif',
      nnlif: { b: s.b[0]![0]!, a0: v.a0, a1: s.a1[0]![0]!, tau: v.tau, delay: s.delay, VR: v.VR, VF: v.VF, firing: firingOf(p), ...vminOf(p) },
      initial: { v0: v.v0, sv: v.sv },
      ...rest,
    };
  }
  return {
    model: 'nnlif',
    nnlif: {
      populations: s.populations.map((p) => ({ name: p.name, a0: p.values.a0, VR: p.values.VR, VF: p.values.VF, tau: p.values.tau, firing: firingOf(p), ...vminOf(p), initial: { v0: p.values.v0, sv: p.values.sv } })),
      b: s.b,
      a1: s.a1,
      delay: s.delay,
    },
    ...rest,
  };
}

/** The default population of live mode (the CLI's defaults, the soft rate of live mode). */
function defaultPopulation(): NnlifLivePopulation {
  const defaults = resolveNnlifRunConfig({ model: 'nnlif' });
  const pop = defaults.populations[0]!;
  return { name: pop.name, values: { a0: pop.a0, tau: pop.tau, VR: pop.VR, VF: pop.VF, rate: LIVE_DEFAULTS.rate, v0: pop.initial.v0, sv: pop.initial.sv }, firing: 'hard', vmin: Number.NaN };
}

/** A population name not yet taken: P1, P2, … */
function freshName(taken: string[]): string {
  for (let k = 1; ; k++) if (!taken.includes(`P${k}`)) return `P${k}`;
}

/**
 * The network with K populations: the first K kept (one population's "n", which the config gives a flat
 * run, becomes P1 in a network), each new one a copy of the last with its own name, coupled to itself as
 * the last is (b and a1 on the diagonal) and to no other (0 off the diagonal).
 */
export function withPopulationCount(s: NnlifLiveSettings, K: number): NnlifLiveSettings {
  const count = Math.max(1, Math.min(NNLIF_MAX_POPULATIONS, Math.round(K)));
  const pops = s.populations.slice(0, count).map((p) => structuredClone(p));
  if (count === 1) pops[0]!.name = 'n';
  else pops.forEach((p, a) => (p.name === 'n' ? (p.name = freshName(pops.filter((_, b) => b !== a).map((q) => q.name))) : undefined));
  while (pops.length < count) {
    const copy = structuredClone(pops[pops.length - 1]!);
    copy.name = freshName(pops.map((p) => p.name));
    pops.push(copy);
  }
  const grow = (m: number[][]) =>
    Array.from({ length: count }, (_, a) => Array.from({ length: count }, (_, b) => (a < m.length && b < m.length ? m[a]![b]! : a === b ? m[m.length - 1]![m.length - 1]! : 0)));
  return { ...structuredClone(s), populations: pops, b: grow(s.b), a1: grow(s.a1) };
}

/**
 * The settings of a resolved config of model nnlif (a file the user loaded, examples/nnlif-ei-compare.json):
 * its populations, couplings, delay, grid, dt and Nmax; the view's own settings (window, steps per frame) are
 * kept from `view`. A soft threshold's vmax is not kept (live mode's soft axis ends at VF + 1).
 */
export function nnlifSettingsOfConfig(config: NnlifRunConfig, view: Pick<NnlifLiveSettings, 'window' | 'stepsPerFrame'>): NnlifLiveSettings {
  return {
    populations: config.populations.map((p) => ({
      name: p.name,
      values: { a0: p.a0, tau: p.tau, VR: p.VR, VF: p.VF, rate: p.firing.kind === 'soft' ? p.firing.rate : LIVE_DEFAULTS.rate, v0: p.initial.v0, sv: p.initial.sv },
      firing: p.firing.kind,
      vmin: p.vmin,
    })),
    b: config.coupling.b.map((r) => [...r]),
    a1: config.coupling.a1.map((r) => [...r]),
    delay: config.delay,
    nv: config.grid.nv,
    dt: config.time.dt,
    Nmax: config.time.Nmax,
    window: view.window,
    stepsPerFrame: view.stepsPerFrame,
  };
}

/** The values of a list key (a0=1,0.8): NaN where one is not a number; absent: null. */
function listOf(query: URLSearchParams, key: string): number[] | null {
  const text = query.get(key);
  return text === null ? null : text.split(',').map((x) => (x.trim() === '' ? Number.NaN : Number(x)));
}

/** A matrix key (b=1,-0.6;0.8,-0.3): K rows of K values; a single number is a 1 × 1 matrix. */
function matrixOf(query: URLSearchParams, key: string): number[][] | null {
  const text = query.get(key);
  return text === null ? null : text.split(';').map((row) => row.split(',').map((x) => (x.trim() === '' ? Number.NaN : Number(x))));
}

/**
 * The defaults, then every key present in the URL on top (K from `pops`, else 1); the vmin of each
 * population from the config's default rule where absent. A list shorter than K leaves the rest at the
 * defaults; a matrix that is not K × K is given to the config, which names it.
 */
export function nnlifSettingsFromUrl(query: URLSearchParams): NnlifLiveSettings {
  const defaults = resolveNnlifRunConfig({ model: 'nnlif' });
  const names = query.get('pops')?.split(',').filter((n) => n !== '') ?? [];
  const K = Math.max(1, Math.min(NNLIF_MAX_POPULATIONS, names.length));
  const populations = Array.from({ length: K }, (_, a) => ({ ...defaultPopulation(), name: K > 1 ? names[a]! : 'n' }));
  for (const spec of NNLIF_POPULATION_PARAMETERS) {
    listOf(query, spec.key)?.forEach((x, a) => {
      if (a < K) populations[a]!.values[spec.key] = x;
    });
  }
  query.get('firing')?.split(',').forEach((kind, a) => {
    if (a < K) populations[a]!.firing = kind === 'soft' ? 'soft' : 'hard';
  });
  listOf(query, 'vmin')?.forEach((x, a) => {
    if (a < K) populations[a]!.vmin = x;
  });
  const square = (x: number) => Array.from({ length: K }, (_, a) => Array.from({ length: K }, (_, b) => (a === b ? x : 0)));
  const number = (key: string) => (query.has(key) ? Number(query.get(key)) : undefined);
  const settings: NnlifLiveSettings = {
    populations,
    b: matrixOf(query, 'b') ?? square(defaults.coupling.b[0]![0]!),
    a1: matrixOf(query, 'a1') ?? square(defaults.coupling.a1[0]![0]!),
    delay: number('delay') ?? defaults.delay,
    nv: number('nv') ?? defaults.grid.nv,
    dt: number('dt') ?? defaults.time.dt,
    Nmax: number('Nmax') ?? defaults.time.Nmax,
    window: number('window') ?? LIVE_DEFAULTS.window,
    stepsPerFrame: number('spf') ?? LIVE_DEFAULTS.stepsPerFrame,
  };
  fixVmin(settings);
  return settings;
}

/** Each vmin not yet chosen, from the config's default rule at these parameters (then fixed). */
export function fixVmin(settings: NnlifLiveSettings): void {
  if (settings.populations.every((p) => Number.isFinite(p.vmin))) return;
  try {
    const config = nnlifLiveConfig(settings);
    settings.populations.forEach((p, a) => (p.vmin = Number.isFinite(p.vmin) ? p.vmin : config.populations[a]!.vmin));
  } catch {
    // invalid parameters: the page reports them; vmin stays to the config's rule
  }
}

const joined = (xs: number[]) => xs.join(',');

export function nnlifSettingsToUrl(s: NnlifLiveSettings): Record<string, string | number> {
  const pops = s.populations;
  return {
    mode: 'live',
    model: 'nnlif',
    ...(pops.length > 1 ? { pops: pops.map((p) => p.name).join(',') } : {}),
    b: s.b.map(joined).join(';'),
    a1: s.a1.map(joined).join(';'),
    ...Object.fromEntries(NNLIF_POPULATION_PARAMETERS.map((spec) => [spec.key, joined(pops.map((p) => p.values[spec.key]))])),
    delay: s.delay,
    firing: pops.map((p) => p.firing).join(','),
    nv: s.nv,
    dt: s.dt,
    ...(pops.every((p) => Number.isFinite(p.vmin)) ? { vmin: joined(pops.map((p) => p.vmin)) } : {}),
    Nmax: s.Nmax,
    window: s.window,
    spf: s.stepsPerFrame,
  };
}
