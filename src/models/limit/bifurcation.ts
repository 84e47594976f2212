/**
 * Bifurcation diagram of the ε → 0 limit model: its steady states (findSteadyStates) and their
 * stability (classifyStability, by perturbed time evolution) against one parameter; the folds and the
 * points where the quiescent state appears are located by the shared machinery (models/bifurcation.ts):
 *
 * - **Folds** (saddle-nodes). Where the number of steady states with N > 0 changes by two between
 *   consecutive parameter values, two roots of F(N) = N·I(N) − 1 have merged. The parameter interval
 *   is bisected (keeping one end with the larger count and one with the smaller) until it is
 *   2^-bisections of the step wide. The fold is reported at the end that still has the two merging
 *   roots, with N = the mean of those two roots: there F(N) ≈ 0 and dF/dN ≈ 0 (a double root). The
 *   merging pair is the adjacent pair whose removal best matches the roots on the other side.
 * - **Quiescent points.** The quiescent state N = 0 exists (step φF) when V*(0) ≤ VF. Where that
 *   changes between consecutive values, V*(0) − VF is bisected the same way; the point is reported at
 *   the end where the quiescent state exists, with N = 0. There a branch of firing states reaches
 *   N = 0 (the number of firing states changes by one, which is not a fold).
 *
 * What is not seen: a pair of states that appears and disappears again between two consecutive
 * parameter values (the counts at both ends agree), and changes by more than two at one point.
 *
 * Everything here is pure (no I/O): the CLI (src/cli/bifurcationCommand.ts) writes the files.
 */
import { atParamValue, type BifurcationDiagram, type DiagramFamily, type DiagramOptions, steadyStateDiagram } from '../bifurcation';
import { ConfigError, type ModelParams, resolveConfig } from '../config';
import { classifyStability } from './stability';
import { findSteadyStates, limitVelocity, type StabilityOptions, type SteadyScanOptions, type SteadyState } from './steadyStates';

/** The parameters a diagram can be drawn against: the numeric keys of `params` except ε. */
export const BIFURCATION_PARAMS = ['gL', 'VL', 'VR', 'VF', 'VE', 'a', 'gin', 'b', 'phiF.rate', 'phiF.width'] as const;
export type BifurcationParam = (typeof BIFURCATION_PARAMS)[number];

/** Words for axis labels. */
export const PARAM_DESCRIPTIONS: Record<BifurcationParam, string> = {
  gL: 'leak conductance',
  VL: 'leak reversal potential',
  VR: 'reset potential',
  VF: 'firing threshold',
  VE: 'excitatory reversal potential',
  a: 'conductance noise variance',
  gin: 'input conductance',
  b: 'connectivity',
  'phiF.rate': 'firing rate φ0',
  'phiF.width': 'sigmoid width',
};

/** `b`, `params.b`, `phiF.rate`, `params.phiF.rate` → the canonical name; ConfigError('--param') otherwise. */
export function parseBifurcationParam(name: string): BifurcationParam {
  const key = name.trim().replace(/^params\./, '');
  if (key === 'eps') {
    throw new ConfigError(
      '--param',
      `eps cannot be varied: the steady states of the ε → 0 limit model do not depend on ε; choose one of ${BIFURCATION_PARAMS.join(', ')}`,
    );
  }
  if (!(BIFURCATION_PARAMS as readonly string[]).includes(key)) {
    throw new ConfigError('--param', `unknown parameter ${JSON.stringify(name)}; choose one of ${BIFURCATION_PARAMS.join(', ')}`);
  }
  return key as BifurcationParam;
}

export function paramValue(params: ModelParams, param: BifurcationParam): number {
  if (param === 'phiF.rate') return params.phiF.rate;
  if (param === 'phiF.width') return params.phiF.width;
  return params[param];
}

/**
 * `params` with `param` set to `value`, re-validated by resolveConfig (as the `vc-limit` model, with the
 * rest of the config at neutral values so that only the parameters are judged). An invalid value throws
 * the ConfigError of the field at fault, saying which value of --param caused it.
 */
export function withParam(params: ModelParams, param: BifurcationParam, value: number): ModelParams {
  const raw: Record<string, unknown> = { ...params, phiF: { ...params.phiF } };
  if (param === 'phiF.rate') (raw.phiF as Record<string, unknown>).rate = value;
  else if (param === 'phiF.width') (raw.phiF as Record<string, unknown>).width = value;
  else raw[param] = value;
  const VL = param === 'VL' ? value : params.VL;
  const VE = param === 'VE' ? value : params.VE;
  return atParamValue(param, value, () =>
    resolveConfig({
      model: 'vc-limit',
      params: raw,
      // neutral, always valid when the parameters are: the limit model uses none of these
      grid: { gmax: 1 },
      initial: { v0: 0.5 * (VL + VE), g0: 0 },
    }).params,
  );
}

export { type BifurcationDiagram, type BifurcationSlice, type BranchPiece, bifurcationBranches, type FoldPoint, linspace } from '../bifurcation';

export interface BifurcationState extends SteadyState {
  stable: boolean;
  /** largest |N − N*| over the second half of the perturbed runs (see classifyStability) */
  deviation: number;
}

export interface BifurcationOptions extends DiagramOptions {
  /** options of classifyStability (nv, T, ...) */
  stability?: StabilityOptions;
  /** options of findSteadyStates */
  scan?: SteadyScanOptions;
}

/**
 * The limit model's steady states as a family of models/bifurcation.ts against `param`: every parameter set
 * of `values` is validated by resolveConfig first (ConfigError naming the field and the value of --param).
 */
export function limitDiagramFamily(params: ModelParams, param: BifurcationParam, values: number[], options: BifurcationOptions = {}): DiagramFamily<BifurcationState> {
  if (values.length === 0) throw new ConfigError('--n', 'at least one parameter value is needed');
  for (const v of values) if (!Number.isFinite(v)) throw new ConfigError('--param', `parameter values must be finite (got ${v})`);
  const paramsAt = new Map(values.map((v) => [v, withParam(params, param, v)])); // every value validated before any work
  const at = (v: number) => paramsAt.get(v) ?? withParam(params, param, v);
  return {
    states: (v) => {
      const p = at(v);
      return findSteadyStates(p, options.scan).map((s) => {
        const verdict = classifyStability(p, s, options.stability);
        return { ...s, stable: verdict.stable, deviation: verdict.deviation };
      });
    },
    firingRates: (v) => findSteadyStates(at(v), options.scan).filter((s) => !s.quiescent).map((s) => s.N),
    hasQuiescent: (v) => {
      const p = at(v);
      return p.phiF.kind === 'step' && limitVelocity(p, 0).vStar <= p.VF;
    },
  };
}

/**
 * The steady states of the limit model at each of `values` of `param` (with their stability), and the
 * fold and quiescent points between consecutive values, located by bisection (limitDiagramFamily).
 */
export function bifurcationDiagram(params: ModelParams, param: BifurcationParam, values: number[], options: BifurcationOptions = {}): BifurcationDiagram<BifurcationState> & { param: BifurcationParam } {
  return { ...steadyStateDiagram(limitDiagramFamily(params, param, values, options), param, values, options), param };
}
