/**
 * The homogeneous steady states of the field against one parameter (`kinfire bifurcation` with model "field"), on
 * the shared machinery of models/bifurcation.ts, and the Turing points: where, along a branch, the grid's largest
 * growth rate at k ≠ 0, max_m λ(k_m) = −1 + max_m Re ŵ_m·σ′(N*), crosses 0 while λ(0) < 0 (the state stays
 * stable to uniform perturbations): bisection on the parameter, the branch followed by the nearest root.
 */
import { atParamValue, type BifurcationDiagram, type DiagramFamily } from '../bifurcation';
import { resolveFieldRunConfig } from '../registry';
import { ConfigError } from '../schema';
import type { FieldArrays } from './config';
import { fieldProblem } from './problem';
import { classifyHomogeneous, type HomogeneousState } from './steadyStates';

/** parameter → its key in the config */
export const FIELD_BIFURCATION_PARAMS = { s0: 'field.source.s0', beta: 'field.sigmoid.beta', theta: 'field.sigmoid.theta', Ae: 'field.kernel.Ae', Ai: 'field.kernel.Ai', se: 'field.kernel.se', si: 'field.kernel.si', L: 'field.L' } as const;
export type FieldBifurcationParam = keyof typeof FIELD_BIFURCATION_PARAMS;

export function parseFieldBifurcationParam(name: string): FieldBifurcationParam {
  const key = name.trim().replace(/^field\.(source\.|sigmoid\.|kernel\.)?/, '');
  if (!(key in FIELD_BIFURCATION_PARAMS)) throw new ConfigError('--param', `unknown field parameter ${JSON.stringify(name)}; choose one of ${Object.keys(FIELD_BIFURCATION_PARAMS).join(', ')}`);
  return key as FieldBifurcationParam;
}

function withValue(raw: Record<string, unknown>, param: FieldBifurcationParam, value: number): Record<string, unknown> {
  const r = structuredClone(raw);
  const path = FIELD_BIFURCATION_PARAMS[param].split('.');
  let o = r as Record<string, unknown>;
  for (const key of path.slice(0, -1)) o = (o[key] ??= key === 'kernel' ? { kind: 'mexican-hat' } : {}) as Record<string, unknown>;
  o[path[path.length - 1]!] = value;
  return r;
}

/** The field's homogeneous states at each value of `param` (arrays: the config's .npy files, read once). */
export function fieldDiagramFamily(raw: Record<string, unknown>, param: FieldBifurcationParam, arrays: FieldArrays): DiagramFamily<HomogeneousState> & { at(value: number): HomogeneousState[] } {
  const at = (value: number) =>
    atParamValue(param, value, () => {
      const config = resolveFieldRunConfig(withValue(raw, param, value));
      if (config.source.kind !== 'constant' && config.source.kind !== 'noise') throw new ConfigError('field.source.kind', 'homogeneous states need a homogeneous source (kind "constant" or "noise")');
      const p = fieldProblem(config, arrays);
      if (!Number.isFinite(p.wHat0)) throw new ConfigError('field.W', 'the rows of W have different sums: there is no homogeneous state');
      return classifyHomogeneous(p.config, p.wHat0, p.s0, p.multiplier);
    });
  return { at, states: at, firingRates: (v) => at(v).map((s) => s.N) };
}

export interface TuringPoint {
  param: number;
  N: number;
  k: number;
  mode: [number, number];
  /** as the parameter goes from values[interval] to values[interval + 1]: the state becomes unstable or stable */
  direction: 'destabilises' | 'stabilises';
  interval: number;
}

/** The Turing points of a diagram: on each interval where the counts agree, each rank whose grid λ changes sign with λ(0) < 0. */
export function locateTuringPoints(diagram: BifurcationDiagram<HomogeneousState>, family: { at(value: number): HomogeneousState[] }, bisections = 40): TuringPoint[] {
  const points: TuringPoint[] = [];
  const { values, slices } = diagram;
  for (let k = 0; k + 1 < slices.length; k++) {
    const [A, B] = [slices[k]!.states, slices[k + 1]!.states];
    if (A.length !== B.length) continue;
    A.forEach((sa, r) => {
      const sb = B[r]!;
      if (!sa.grid || !sb.grid || sa.lambda0 >= 0 || sb.lambda0 >= 0 || sa.grid.lambda < 0 === sb.grid.lambda < 0) return;
      let [a, b, Na] = [values[k]!, values[k + 1]!, sa.N];
      const negAtA = sa.grid.lambda < 0;
      let last = sa;
      for (let it = 0; it < bisections; it++) {
        const mid = 0.5 * (a + b);
        const states = family.at(mid);
        if (!states.length) break;
        const s = states.reduce((best, x) => (Math.abs(x.N - Na) < Math.abs(best.N - Na) ? x : best));
        if (s.grid!.lambda < 0 === negAtA) [a, Na] = [mid, s.N];
        else b = mid;
        last = s;
      }
      points.push({ param: 0.5 * (a + b), N: last.N, k: last.grid!.k, mode: last.grid!.mode, direction: negAtA ? 'destabilises' : 'stabilises', interval: k });
    });
  }
  return points;
}
