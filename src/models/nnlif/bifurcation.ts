/**
 * Bifurcation diagram of one NNLIF population against one of its parameters: at each value every steady
 * rate (steadyRate.ts: the Siegert form for the hard threshold, the frozen ODE for the soft one; a1 and τ
 * allowed) with its stability (stability.ts: perturbed evolution of the f64 twin of the scheme, with the
 * config's delay), and the folds located by bisection (models/bifurcation.ts). The NNLIF network has no
 * quiescent state: I(N) is finite at N = 0, so N = 0 never solves N·(I(N) + τ) = 1.
 */
import { atParamValue, type BifurcationDiagram, type DiagramOptions, type DiagramState, steadyStateDiagram } from '../bifurcation';
import { ConfigError } from '../schema';
import { type NnlifRunConfig, nnlifSteadyParamsOf } from './config';
import { resolveNnlifRunConfig } from '../registry';
import { classifyNnlifStability, type NnlifStabilityOptions } from './stability';
import { nnlifNoise, nnlifSteadyRates } from './steadyRate';

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
  if (block.populations !== undefined) throw new ConfigError('nnlif.populations', 'kinfire bifurcation draws one population against its parameters; `kinfire steady` has the states of K populations');
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
  if (values.length === 0) throw new ConfigError('--n', 'at least one parameter value is needed');
  for (const v of values) if (!Number.isFinite(v)) throw new ConfigError('--param', `parameter values must be finite (got ${v})`);
  const configs = new Map(values.map((v) => [v, nnlifConfigWith(raw, param, v)])); // every value validated before any work
  const at = (v: number) => configs.get(v) ?? nnlifConfigWith(raw, param, v);
  return steadyStateDiagram<NnlifBifurcationState>(
    {
      states: (v) => {
        const config = at(v);
        const p = nnlifSteadyParamsOf(config);
        return nnlifSteadyRates(p).map((N) => {
          const verdict = classifyNnlifStability(p, N, { ...options.stability, delay: config.delay });
          return { N, stable: verdict.stable, quiescent: false, a: nnlifNoise(p, N), R: (p.tau ?? 0) * N, N_up: verdict.N_up, N_down: verdict.N_down };
        });
      },
      firingRates: (v) => nnlifSteadyRates(nnlifSteadyParamsOf(at(v))),
    },
    param,
    values,
    options,
  );
}
