/**
 * Bifurcation diagram of one NNLIF population against one of its parameters: at each value every steady
 * rate (steadyRate.ts: the Siegert form for the hard threshold, the frozen ODE for the soft one; a1 and τ
 * allowed) with its stability (stability.ts: perturbed evolution of the f64 twin of the scheme, with the
 * config's delay), and the folds located by bisection (models/bifurcation.ts). The NNLIF network has no
 * quiescent state: I(N) is finite at N = 0, so N = 0 never solves N·(I(N) + τ) = 1.
 */
import { atParamValue, type BifurcationDiagram, type DiagramFamily, type DiagramOptions, type DiagramState, steadyStateDiagram } from '../bifurcation';
import { ConfigError } from '../schema';
import { type NnlifRunConfig, nnlifSteadyParamsOf } from './config';
import { resolveNnlifRunConfig } from '../registry';
import { classifyNnlifStability, type NnlifStabilityOptions } from './stability';
import { nnlifNoise, nnlifSteadyRates } from './steadyRate';
import { nnlifNetworkStateAt, nnlifNetworkSteadyRates } from './networkSteady';

/** The keys of the nnlif block a diagram can be drawn against. */
export const NNLIF_BIFURCATION_PARAMS = ['b', 'a0', 'a1', 'tau', 'VR', 'VF', 'firing.rate', 'firing.vmax', 'delay'] as const;
export type NnlifBifurcationParam = (typeof NNLIF_BIFURCATION_PARAMS)[number];

export const NNLIF_PARAM_DESCRIPTIONS: Record<NnlifBifurcationParam, string> = {
  b: 'connectivity',
  a0: 'noise a0',
  a1: 'noise growth a1',
  tau: 'refractory time τ',
  VR: 'reset potential',
  VF: 'firing threshold',
  'firing.rate': 'soft threshold loss rate',
  'firing.vmax': 'top of the soft domain',
  delay: 'synaptic delay (changes stability only)',
};

/** `b` or `nnlif.b` → the canonical name; ConfigError('--param') otherwise. */
export function parseNnlifBifurcationParam(name: string): NnlifBifurcationParam {
  const key = name.trim().replace(/^nnlif\./, '');
  if (!(NNLIF_BIFURCATION_PARAMS as readonly string[]).includes(key)) {
    throw new ConfigError('--param', `unknown nnlif parameter ${JSON.stringify(name)}; choose one of ${NNLIF_BIFURCATION_PARAMS.join(', ')}`);
  }
  return key as NnlifBifurcationParam;
}

/** The raw config with nnlif.<param> = value, resolved (ConfigError naming the field and the value of --param). */
export function nnlifConfigWith(raw: Record<string, unknown>, param: NnlifBifurcationParam, value: number): NnlifRunConfig {
  const r = structuredClone(raw);
  const block = ((r.nnlif ??= {}) as Record<string, unknown>);
  if (block.populations !== undefined) throw new ConfigError('nnlif.populations', 'a network of populations takes its parameters as b.α.β, a1.α.β, populations.α.<key> or delay (nnlifNetworkConfigWith)');
  if (param.startsWith('firing.')) {
    const firing = (block.firing ?? {}) as Record<string, unknown>;
    if (firing.kind !== 'soft') throw new ConfigError('--param', `${param} is a key of the soft threshold: set nnlif.firing = {"kind": "soft", …} first`);
    block.firing = { ...firing, [param.slice('firing.'.length)]: value };
  } else block[param] = value;
  return atParamValue(param, value, () => resolveNnlifRunConfig(r));
}

export interface NnlifBifurcationState extends DiagramState {
  /** a(N*) and R* = τN* */
  a: number;
  R: number;
  /** N at the end of the perturbed runs; null where one blew up */
  N_up: number | null;
  N_down: number | null;
}

export interface NnlifBifurcationOptions extends DiagramOptions {
  stability?: Omit<NnlifStabilityOptions, 'delay'>;
}

export function nnlifBifurcationDiagram(raw: Record<string, unknown>, param: NnlifBifurcationParam, values: number[], options: NnlifBifurcationOptions = {}): BifurcationDiagram<NnlifBifurcationState> {
  return steadyStateDiagram(nnlifDiagramFamily(raw, param, values, options), param, values, options);
}

/** One population's steady states as a family of models/bifurcation.ts against `param` (every value of `values` validated first). */
export function nnlifDiagramFamily(raw: Record<string, unknown>, param: NnlifBifurcationParam, values: number[], options: NnlifBifurcationOptions = {}): DiagramFamily<NnlifBifurcationState> {
  if (values.length === 0) throw new ConfigError('--n', 'at least one parameter value is needed');
  for (const v of values) if (!Number.isFinite(v)) throw new ConfigError('--param', `parameter values must be finite (got ${v})`);
  const configs = new Map(values.map((v) => [v, nnlifConfigWith(raw, param, v)])); // every value validated before any work
  const at = (v: number) => configs.get(v) ?? nnlifConfigWith(raw, param, v);
  return {
    states: (v) => {
      const config = at(v);
      const p = nnlifSteadyParamsOf(config);
      return nnlifSteadyRates(p).map((N) => {
        const verdict = classifyNnlifStability(p, N, { ...options.stability, delay: config.delay });
        return { N, stable: verdict.stable, quiescent: false, a: nnlifNoise(p, N), R: (p.tau ?? 0) * N, N_up: verdict.N_up, N_down: verdict.N_down };
      });
    },
    firingRates: (v) => nnlifSteadyRates(nnlifSteadyParamsOf(at(v))),
  };
}

/**
 * A parameter of a network of K populations (nnlif.populations): an entry of a coupling matrix, `b.α.β` or
 * `a1.α.β` (the effect of population β on α), a key of one population, `populations.α.<key>` with key one of
 * a0, VR, VF, tau, firing.rate, firing.vmax, or the shared `delay`; α and β are population names or indices.
 */
export interface NnlifNetworkParam {
  /** the canonical name, with indices: b.0.1, populations.1.a0, delay */
  name: string;
  /** the path of the key inside the nnlif block */
  path: (string | number)[];
  /** for the axis: "b[E][I] (effect of I on E)" */
  label: string;
}

const POPULATION_PARAM_KEYS = ['a0', 'VR', 'VF', 'tau', 'firing.rate', 'firing.vmax'] as const;

export function parseNnlifNetworkParam(name: string, populations: string[]): NnlifNetworkParam {
  const parts = name.trim().replace(/^nnlif\./, '').split('.');
  const K = populations.length;
  const indexOf = (token: string | undefined): number | null => {
    if (token === undefined) return null;
    if (/^\d+$/.test(token) && Number(token) < K) return Number(token);
    const k = populations.indexOf(token);
    return k >= 0 ? k : null;
  };
  const choices = `b.α.β, a1.α.β, populations.α.{${POPULATION_PARAM_KEYS.join(', ')}} or delay, α and β a population (${populations.join(', ')}) or its index`;
  const unknown = () => new ConfigError('--param', `unknown parameter ${JSON.stringify(name)} of a network of ${K} population${K === 1 ? '' : 's'}; choose one of ${choices}`);
  if (parts.length === 1 && parts[0] === 'delay') return { name: 'delay', path: ['delay'], label: `delay (${NNLIF_PARAM_DESCRIPTIONS.delay})` };
  if ((parts[0] === 'b' || parts[0] === 'a1') && parts.length === 3) {
    const [alpha, beta] = [indexOf(parts[1]), indexOf(parts[2])];
    if (alpha === null || beta === null) throw unknown();
    const what = parts[0] === 'b' ? 'connectivity' : 'noise growth';
    return { name: `${parts[0]}.${alpha}.${beta}`, path: [parts[0], alpha, beta], label: `${parts[0]}[${populations[alpha]}][${populations[beta]}] (${what}: ${populations[beta]} → ${populations[alpha]})` };
  }
  if (parts[0] === 'populations' && parts.length >= 3) {
    const alpha = indexOf(parts[1]);
    const key = parts.slice(2).join('.');
    if (alpha === null || !(POPULATION_PARAM_KEYS as readonly string[]).includes(key)) throw unknown();
    return { name: `populations.${alpha}.${key}`, path: ['populations', alpha, ...key.split('.')], label: `${key} of ${populations[alpha]} (${NNLIF_PARAM_DESCRIPTIONS[key as NnlifBifurcationParam]})` };
  }
  throw unknown();
}

/** The raw config with the network parameter set to value, resolved (ConfigError naming the field and the value of --param). */
export function nnlifNetworkConfigWith(raw: Record<string, unknown>, param: NnlifNetworkParam, value: number): NnlifRunConfig {
  const r = structuredClone(raw);
  let node = (r.nnlif ??= {}) as Record<string | number, unknown>;
  const path = param.path;
  for (let k = 0; k < path.length - 1; k++) {
    const key = path[k]!;
    if (key === 'firing') {
      const firing = (node.firing ?? {}) as Record<string, unknown>;
      if (firing.kind !== 'soft') throw new ConfigError('--param', `${param.name} is a key of the soft threshold: set nnlif.populations[${String(path[1])}].firing = {"kind": "soft", …} first`);
      node.firing = { ...firing };
    }
    const next = node[key];
    if (typeof next !== 'object' || next === null) {
      if (key === 'a1' && k === 0) {
        const K = (r.nnlif as { populations: unknown[] }).populations.length;
        node.a1 = Array.from({ length: K }, () => new Array<number>(K).fill(0));
      }
      else throw new ConfigError(`nnlif.${path.slice(0, k + 1).join('.')}`, `must be set to draw the diagram against ${param.name}`);
    }
    node = node[key] as Record<string | number, unknown>;
  }
  node[path[path.length - 1]!] = value;
  return atParamValue(param.name, value, () => resolveNnlifRunConfig(r));
}

/** A steady state of the network in the diagram: N is the rate of the population drawn; every rate is kept. */
export interface NnlifNetworkBifurcationState extends DiagramState {
  rates: number[];
  V: number[];
  a: number[];
}

export interface NnlifNetworkBifurcationOptions extends DiagramOptions {
  /** the population whose rate is the diagram's N (default 0) */
  population?: number;
  stability?: { T?: number; nv?: number };
  /** grid points per decade of the root search (networkSteady.ts; default 8 for K = 2) */
  pointsPerDecade?: number;
}

/**
 * The bifurcation diagram of a network of K populations against one parameter: at each value every steady
 * state of the K-dimensional system (networkSteady.ts: a grid of the log box and Newton), with its stability
 * (perturbed evolution of the f64 network twin), projected on the rate of one population for the folds and the
 * plot. A fold is where the number of states changes by two, whatever population is drawn; the merging pair
 * is located on the drawn rate (two states with the same rate of that population would look like one). The
 * bisections continue the known states by Newton (see ratesAt), so a fold is located to the bisection's width.
 */
export function nnlifNetworkBifurcationDiagram(raw: Record<string, unknown>, param: NnlifNetworkParam, values: number[], options: NnlifNetworkBifurcationOptions = {}): BifurcationDiagram<NnlifNetworkBifurcationState> {
  return steadyStateDiagram(nnlifNetworkDiagramFamily(raw, param, values, options), param.name, values, options);
}

/** The network's steady states as a family of models/bifurcation.ts against `param`, drawn on one population's rate; its memory is the continuation's states seen so far. */
export function nnlifNetworkDiagramFamily(raw: Record<string, unknown>, param: NnlifNetworkParam, values: number[], options: NnlifNetworkBifurcationOptions = {}): DiagramFamily<NnlifNetworkBifurcationState> {
  if (values.length === 0) throw new ConfigError('--n', 'at least one parameter value is needed');
  for (const v of values) if (!Number.isFinite(v)) throw new ConfigError('--param', `parameter values must be finite (got ${v})`);
  const configs = new Map(values.map((v) => [v, nnlifNetworkConfigWith(raw, param, v)]));
  const at = (v: number) => configs.get(v) ?? nnlifNetworkConfigWith(raw, param, v);
  const shown = options.population ?? 0;
  const scan = options.pointsPerDecade ? { pointsPerDecade: options.pointsPerDecade } : {};
  // The states found at each value, for the continuation of the bisections: the roots at a new value are the
  // grid's and those Newton reaches from the states of the nearest values seen on either side, so that two
  // states about to merge at a fold are followed until they do (the grid alone loses them one cell early).
  const known = new Map<number, number[][]>();
  const ratesAt = (v: number): number[][] => {
    const seen = [...known.keys()];
    const below = seen.filter((x) => x < v).sort((x, y) => y - x)[0];
    const above = seen.filter((x) => x > v).sort((x, y) => x - y)[0];
    const seeds = [below, above].flatMap((x) => (x === undefined ? [] : known.get(x)!));
    const rates = nnlifNetworkSteadyRates(networkOf(at(v)), { ...scan, seeds });
    known.set(v, rates);
    return rates;
  };
  const networkOf = (config: NnlifRunConfig) => ({ populations: config.populations.map((p) => ({ a0: p.a0, VR: p.VR, VF: p.VF, tau: p.tau, firing: p.firing })), b: config.coupling.b, a1: config.coupling.a1 });
  return {
    states: (v) => {
      const config = at(v);
      return ratesAt(v)
        .map((N) => nnlifNetworkStateAt(networkOf(config), N, { ...options.stability, delay: config.delay }))
        .map((s) => ({ N: s.N[shown]!, stable: s.stable, quiescent: false, rates: s.N, V: s.V, a: s.a }))
        .sort((x, y) => x.N - y.N);
    },
    firingRates: (v) => ratesAt(v).map((N) => N[shown]!).sort((x, y) => x - y),
    memory: {
      save: () => [...known.entries()].map(([v, rates]) => [v, rates.map((r) => [...r])]),
      restore: (saved) => {
        known.clear();
        for (const [v, rates] of saved as [number, number[][]][]) known.set(v, rates);
      },
    },
  };
}
