/**
 * Bifurcation diagram of the ε → 0 limit model: its steady states (findSteadyStates) and their
 * stability (classifyStability, by perturbed time evolution) against one parameter, with the points
 * where states appear or disappear located by bisection on the parameter.
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
  try {
    return resolveConfig({
      model: 'vc-limit',
      params: raw,
      // neutral, always valid when the parameters are: the limit model uses none of these
      grid: { gmax: 1 },
      initial: { v0: 0.5 * (VL + VE), g0: 0 },
    }).params;
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(e.field, `${e.problem} (at --param ${param} = ${value})`);
    throw e;
  }
}

/** K equally spaced values from `from` to `to` (both included). */
export function linspace(from: number, to: number, n: number): number[] {
  return Array.from({ length: n }, (_, k) => (k === n - 1 ? to : from + ((to - from) * k) / (n - 1)));
}

export interface BifurcationState extends SteadyState {
  stable: boolean;
  /** largest |N − N*| over the second half of the perturbed runs (see classifyStability) */
  deviation: number;
}

export interface BifurcationSlice {
  value: number;
  /** every steady state at this value, ordered by N (the quiescent state first) */
  states: BifurcationState[];
}

export interface FoldPoint {
  /** 'fold': two firing states merge (saddle-node); 'quiescent': V*(0) = VF, the quiescent state N = 0 appears/disappears */
  kind: 'fold' | 'quiescent';
  /** parameter value: the bisection end that still has the merging states */
  param: number;
  /** fold: mean of the two merging roots there; quiescent: 0 */
  N: number;
  /** as the parameter goes from values[interval] to values[interval + 1], the states appear or disappear */
  direction: 'appear' | 'disappear';
  /** index k of the parameter interval [values[k], values[k+1]] that holds the point */
  interval: number;
  /** the final bisection bracket [the end with the states, the end without] */
  bracket: [number, number];
  /** fold: the two merging roots at `param` */
  merging?: [number, number];
}

export interface BifurcationProgress {
  done: number;
  total: number;
  value: number;
  states: number;
}

export interface BifurcationOptions {
  /** options of classifyStability (nv, T, ...) */
  stability?: StabilityOptions;
  /** options of findSteadyStates */
  scan?: SteadyScanOptions;
  /** bisections on the parameter per fold / quiescent point (default 40) */
  bisections?: number;
  /** called after each parameter value (its states classified and the points before it located) */
  onProgress?: (p: BifurcationProgress) => void;
}

export interface BifurcationDiagram {
  param: BifurcationParam;
  values: number[];
  slices: BifurcationSlice[];
  folds: FoldPoint[];
}

/** The pair (i, i+1) of `more` whose removal leaves the roots closest, rank by rank, to `fewer`. */
function mergingPair(more: number[], fewer: number[]): number {
  let best = 0;
  let bestCost = Infinity;
  for (let i = 0; i + 1 < more.length; i++) {
    const rest = more.filter((_, j) => j !== i && j !== i + 1);
    let cost = 0;
    rest.forEach((N, j) => {
      cost = Math.max(cost, Math.abs(N - fewer[j]));
    });
    if (cost < bestCost) {
      bestCost = cost;
      best = i;
    }
  }
  return best;
}

/**
 * The steady states of the limit model at each of `values` of `param` (with their stability), and the
 * fold and quiescent points between consecutive values, located by bisection. Every parameter set is
 * validated by resolveConfig first (ConfigError naming the field and the value of --param).
 */
export function bifurcationDiagram(params: ModelParams, param: BifurcationParam, values: number[], options: BifurcationOptions = {}): BifurcationDiagram {
  if (values.length === 0) throw new ConfigError('--n', 'at least one parameter value is needed');
  for (const v of values) if (!Number.isFinite(v)) throw new ConfigError('--param', `parameter values must be finite (got ${v})`);
  const paramsAt = values.map((v) => withParam(params, param, v)); // every value validated before any work
  const bisections = options.bisections ?? 40;
  const firing = (p: ModelParams) => findSteadyStates(p, options.scan).filter((s) => !s.quiescent);
  const hasQuiescent = (p: ModelParams) => p.phiF.kind === 'step' && limitVelocity(p, 0).vStar <= p.VF;

  const slices: BifurcationSlice[] = [];
  const folds: FoldPoint[] = [];

  const locate = (k: number) => {
    const [v0, v1] = [values[k], values[k + 1]];
    const [s0, s1] = [slices[k].states, slices[k + 1].states];
    // quiescent point: bisection on the sign of V*(0) − VF
    const q0 = s0.some((s) => s.quiescent);
    if (q0 !== s1.some((s) => s.quiescent)) {
      let [a, b] = [v0, v1]; // a: as at v0, b: as at v1
      for (let it = 0; it < bisections; it++) {
        const mid = 0.5 * (a + b);
        if (hasQuiescent(withParam(params, param, mid)) === q0) a = mid;
        else b = mid;
      }
      const withState = q0 ? a : b;
      folds.push({ kind: 'quiescent', param: withState, N: 0, direction: q0 ? 'disappear' : 'appear', interval: k, bracket: q0 ? [a, b] : [b, a] });
    }
    // folds: the first change of the number of firing states from the left end, then on from there
    let lo = v0;
    let rootsLo = s0.filter((s) => !s.quiescent).map((s) => s.N);
    const countEnd = s1.filter((s) => !s.quiescent).length;
    for (let event = 0; event < 8 && rootsLo.length !== countEnd; event++) {
      let [a, b] = [lo, v1];
      let [rootsA, rootsB] = [rootsLo, s1.filter((s) => !s.quiescent).map((s) => s.N)];
      for (let it = 0; it < bisections; it++) {
        const mid = 0.5 * (a + b);
        const roots = firing(withParam(params, param, mid)).map((s) => s.N);
        if (roots.length === rootsLo.length) [a, rootsA] = [mid, roots];
        else [b, rootsB] = [mid, roots];
      }
      if (Math.abs(rootsB.length - rootsA.length) === 2) {
        const appear = rootsB.length > rootsA.length;
        const [more, fewer] = appear ? [rootsB, rootsA] : [rootsA, rootsB];
        const i = mergingPair(more, fewer);
        folds.push({
          kind: 'fold',
          param: appear ? b : a,
          N: 0.5 * (more[i] + more[i + 1]),
          direction: appear ? 'appear' : 'disappear',
          interval: k,
          bracket: appear ? [b, a] : [a, b],
          merging: [more[i], more[i + 1]],
        });
      }
      // a change by one goes with a quiescent point (a firing branch reaching N = 0), located above
      [lo, rootsLo] = [b, rootsB];
    }
  };

  values.forEach((value, k) => {
    const p = paramsAt[k];
    const states = findSteadyStates(p, options.scan).map((s) => {
      const verdict = classifyStability(p, s, options.stability);
      return { ...s, stable: verdict.stable, deviation: verdict.deviation };
    });
    slices.push({ value, states });
    if (k > 0) locate(k - 1);
    options.onProgress?.({ done: k + 1, total: values.length, value, states: states.length });
  });
  folds.sort((x, y) => x.interval - y.interval || (values[1] >= values[0] ? x.param - y.param : y.param - x.param));
  return { param, values: [...values], slices, folds };
}

/** A piece of a branch drawn in one style: consecutive points of the same stability. */
export interface BranchPiece {
  stable: boolean;
  x: number[];
  y: number[];
}

interface Node {
  x: number;
  y: number;
  /** undefined for fold / quiescent points, which take the style of the state they join */
  stable?: boolean;
  links: number[];
}

/**
 * The branches of a diagram as polylines, for the plot. The rule:
 * - at each parameter value the states are ordered by N (the quiescent state, N = 0, first);
 * - between two consecutive values, the states that appear or disappear at a located point (fold:
 *   the adjacent pair around its N; quiescent point: the quiescent state and the lowest firing
 *   state) are joined to that point; the others are joined rank by rank (the k-th lowest to the
 *   k-th lowest) when the two counts then agree, and not joined at all when they do not;
 * - a segment between two states of the same stability is drawn in that style; between states of
 *   different stability (no fold in between: e.g. a Hopf point) it changes style half way; a segment
 *   to a fold or quiescent point has the style of the state it comes from.
 */
export function bifurcationBranches(diagram: BifurcationDiagram): BranchPiece[] {
  const nodes: Node[] = [];
  const ids = diagram.slices.map((slice) => slice.states.map((s) => nodes.push({ x: slice.value, y: s.N, stable: s.stable, links: [] }) - 1));
  const link = (a: number, b: number) => {
    nodes[a].links.push(b);
    nodes[b].links.push(a);
  };
  for (let k = 0; k + 1 < diagram.slices.length; k++) {
    let left = diagram.slices[k].states.map((s, i) => ({ N: s.N, quiescent: s.quiescent, id: ids[k][i] }));
    let right = diagram.slices[k + 1].states.map((s, i) => ({ N: s.N, quiescent: s.quiescent, id: ids[k + 1][i] }));
    for (const point of diagram.folds.filter((f) => f.interval === k)) {
      const side = point.direction === 'disappear' ? left : right;
      let i = -1;
      if (point.kind === 'quiescent') {
        if (side.length >= 2 && side[0].quiescent) i = 0;
      } else {
        let best = Infinity;
        for (let j = 0; j + 1 < side.length; j++) {
          if (side[j].quiescent) continue;
          const straddles = side[j].N <= point.N && point.N <= side[j + 1].N;
          const distance = straddles ? -1 : Math.abs(0.5 * (side[j].N + side[j + 1].N) - point.N);
          if (distance < best) [best, i] = [distance, j];
        }
      }
      if (i < 0) continue;
      const id = nodes.push({ x: point.param, y: point.N, links: [] }) - 1;
      link(side[i].id, id);
      link(side[i + 1].id, id);
      const rest = side.filter((_, j) => j !== i && j !== i + 1);
      if (point.direction === 'disappear') left = rest;
      else right = rest;
    }
    if (left.length === right.length) left.forEach((s, i) => link(s.id, right[i].id));
  }

  // Walk the paths (every node has at most two links), starting from their ends.
  const seen = new Set<number>();
  const paths: number[][] = [];
  const walk = (start: number) => {
    const path = [start];
    seen.add(start);
    let current = start;
    for (;;) {
      const next = nodes[current].links.find((n) => !seen.has(n));
      if (next === undefined) break;
      seen.add(next);
      path.push(next);
      current = next;
    }
    paths.push(path);
  };
  nodes.forEach((n, id) => {
    if (!seen.has(id) && n.links.length <= 1) walk(id);
  });
  nodes.forEach((_, id) => {
    if (!seen.has(id)) walk(id); // closed loops, if any
  });

  const pieces: BranchPiece[] = [];
  for (const path of paths) {
    const styleOf = (a: Node, b: Node) => a.stable ?? b.stable ?? true;
    const first = nodes[path[0]];
    let piece: BranchPiece = { stable: styleOf(first, nodes[path[1] ?? path[0]]), x: [first.x], y: [first.y] };
    for (let m = 1; m < path.length; m++) {
      const a = nodes[path[m - 1]];
      const b = nodes[path[m]];
      const sa = styleOf(a, b);
      const sb = styleOf(b, a);
      if (sa === piece.stable && sb === sa) {
        piece.x.push(b.x);
        piece.y.push(b.y);
        continue;
      }
      // change of style at the middle of the segment (or at its start, if the piece has another style)
      const [mx, my] = sa === piece.stable ? [0.5 * (a.x + b.x), 0.5 * (a.y + b.y)] : [a.x, a.y];
      if (sa === piece.stable) {
        piece.x.push(mx);
        piece.y.push(my);
      }
      pieces.push(piece);
      piece = { stable: sb, x: [mx, b.x], y: [my, b.y] };
    }
    pieces.push(piece);
  }
  return pieces;
}
