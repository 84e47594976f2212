/**
 * Bifurcation diagrams of steady states against one parameter, for any model family: the states (and
 * their stability) at each parameter value, and the points where states appear or disappear, located by
 * bisection on the parameter. A family supplies its steady states at a value (models/limit for the ε → 0
 * limit of the vc models, models/nnlif for the NNLIF network); this file does the rest.
 *
 * - **Folds** (saddle-nodes). Where the number of firing states (N > 0) changes by two between
 *   consecutive parameter values, two roots of the steady-state relation have merged. The parameter
 *   interval is bisected (keeping one end with the larger count and one with the smaller) until it is
 *   2^-bisections of the step wide. The fold is reported at the end that still has the two merging
 *   roots, with N = the mean of those two roots: there the relation and its derivative in N vanish (a
 *   double root). The merging pair is the adjacent pair whose removal best matches the roots on the
 *   other side.
 * - **States at infinity** (families without a quiescent state, such as the NNLIF network). Where the
 *   number of states changes by one, the highest state has come in from N = ∞ (for the NNLIF population
 *   at b = VF − VR); bisected the same way and reported at the end that has the state, with its N.
 * - **Quiescent points** (families with a quiescent state N = 0, such as the vc limit with a step φF).
 *   Where its existence changes between consecutive values, the family's test is bisected the same way;
 *   the point is reported at the end where the quiescent state exists, with N = 0. There a branch of
 *   firing states reaches N = 0 (the number of firing states changes by one, which is not a fold).
 *
 * What is not seen: a pair of states that appears and disappears again between two consecutive
 * parameter values (the counts at both ends agree), and changes by more than two at one point.
 *
 * Everything here is pure (no I/O): the CLI (src/cli/bifurcationCommand.ts) writes the files.
 */

import { ConfigError } from './schema';

/** `resolve()`, with a ConfigError it throws saying which value of --param caused it. */
export function atParamValue<T>(param: string, value: number, resolve: () => T): T {
  try {
    return resolve();
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(e.field, `${e.problem} (at --param ${param} = ${value})`);
    throw e;
  }
}

/** What the diagram needs of a steady state. */
export interface DiagramState {
  N: number;
  stable: boolean;
  /** the quiescent state N = 0 */
  quiescent: boolean;
}

/** A model family's steady states as functions of the parameter value. */
export interface DiagramFamily<S extends DiagramState> {
  /** every steady state at `value`, ordered by N (the quiescent state first), with its stability */
  states(value: number): S[];
  /** the rates of the firing states (N > 0) at `value`, ascending, without stability: for the bisections */
  firingRates(value: number): number[];
  /** whether the quiescent state exists at `value`; absent when the family has none */
  hasQuiescent?(value: number): boolean;
  /**
   * What the family remembers from one value to the next and that changes what it finds later (the NNLIF
   * network's continuation seeds): saved with a diagram under way and put back before it goes on, so that a
   * diagram stopped and continued is the uninterrupted one. Absent for a family with no such memory.
   */
  memory?: { save(): unknown; restore(saved: unknown): void };
}

/** K equally spaced values from `from` to `to` (both included). */
export function linspace(from: number, to: number, n: number): number[] {
  return Array.from({ length: n }, (_, k) => (k === n - 1 ? to : from + ((to - from) * k) / (n - 1)));
}

export interface BifurcationSlice<S extends DiagramState = DiagramState> {
  value: number;
  /** every steady state at this value, ordered by N (the quiescent state first) */
  states: S[];
}

export interface FoldPoint {
  /**
   * 'fold': two firing states merge (saddle-node); 'quiescent': V*(0) = VF, the quiescent state N = 0
   * appears/disappears; 'infinity' (families without a quiescent state): the highest state comes in from,
   * or leaves to, N = ∞ (the number of states changes by one)
   */
  kind: 'fold' | 'quiescent' | 'infinity';
  /** parameter value: the bisection end that still has the merging states */
  param: number;
  /** fold: mean of the two merging roots there; quiescent: 0; infinity: the highest rate at the end that has it */
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

export interface DiagramOptions {
  /** bisections on the parameter per fold / quiescent point (default 40) */
  bisections?: number;
  /** called after each parameter value (its states classified and the points before it located) */
  onProgress?: (p: BifurcationProgress) => void;
}

/**
 * A diagram under way: the slices of the first values (their states classified), the points located
 * between them, and the family's memory. It is plain data (numbers, booleans, arrays): a checkpoint keeps it
 * and diagramSteps goes on from it.
 */
export interface DiagramUnderWay<S extends DiagramState = DiagramState> {
  slices: BifurcationSlice<S>[];
  folds: FoldPoint[];
  memory?: unknown;
}

/** A diagram: the parameter's name, its values, the states at each and the located points. */
export interface BifurcationDiagram<S extends DiagramState = DiagramState> {
  param: string;
  values: number[];
  slices: BifurcationSlice<S>[];
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
 * The family's steady states at each of `values` of the parameter named `param` (with their stability),
 * and the fold and quiescent points between consecutive values, located by bisection. The caller
 * validates every value first.
 */
export function steadyStateDiagram<S extends DiagramState>(family: DiagramFamily<S>, param: string, values: number[], options: DiagramOptions = {}): BifurcationDiagram<S> {
  const steps = diagramSteps(family, param, values, options);
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}

/**
 * steadyStateDiagram one parameter value at a time: after each value (its states classified, the points
 * between it and the one before located) the generator yields a function that gives the diagram under way
 * (a copy, taken when called, before the generator goes on), so that a caller can let signals in, save it,
 * or stop; it returns the diagram. Given `from` (a diagram under way of the same
 * family, parameter and values) it goes on after its last value, with the family's memory put back: the
 * result is the uninterrupted one's, number for number.
 */
export function* diagramSteps<S extends DiagramState>(family: DiagramFamily<S>, param: string, values: number[], options: DiagramOptions = {}, from?: DiagramUnderWay<S>): Generator<() => DiagramUnderWay<S>, BifurcationDiagram<S>> {
  const bisections = options.bisections ?? 40;
  const slices: BifurcationSlice<S>[] = from ? structuredClone(from.slices) : [];
  const folds: FoldPoint[] = from ? structuredClone(from.folds) : [];
  if (slices.length > values.length || slices.some((slice, k) => slice.value !== values[k])) throw new Error(`diagramSteps: the diagram under way has values ${slices.map((x) => x.value).join(', ')}, not the first of ${values.join(', ')}`);
  if (from && from.memory !== undefined) family.memory?.restore(structuredClone(from.memory));
  const underWay = (): DiagramUnderWay<S> => ({ slices: structuredClone(slices), folds: structuredClone(folds), ...(family.memory ? { memory: family.memory.save() } : {}) });

  const locate = (k: number) => {
    const [v0, v1] = [values[k], values[k + 1]];
    const [s0, s1] = [slices[k].states, slices[k + 1].states];
    // quiescent point: bisection on the sign of V*(0) − VF
    const q0 = s0.some((s) => s.quiescent);
    if (q0 !== s1.some((s) => s.quiescent)) {
      let [a, b] = [v0, v1]; // a: as at v0, b: as at v1
      for (let it = 0; it < bisections; it++) {
        const mid = 0.5 * (a + b);
        if (family.hasQuiescent?.(mid) === q0) a = mid;
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
        const roots = family.firingRates(mid);
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
      // a change by one goes with a quiescent point (a firing branch reaching N = 0), located above, or,
      // without a quiescent state, with a state at N = ∞
      if (Math.abs(rootsB.length - rootsA.length) === 1 && !family.hasQuiescent) {
        const appear = rootsB.length > rootsA.length;
        const more = appear ? rootsB : rootsA;
        folds.push({ kind: 'infinity', param: appear ? b : a, N: more[more.length - 1]!, direction: appear ? 'appear' : 'disappear', interval: k, bracket: appear ? [b, a] : [a, b] });
      }
      [lo, rootsLo] = [b, rootsB];
    }
  };

  for (let k = slices.length; k < values.length; k++) {
    const value = values[k]!;
    const states = family.states(value);
    slices.push({ value, states });
    if (k > 0) locate(k - 1);
    options.onProgress?.({ done: k + 1, total: values.length, value, states: states.length });
    if (k + 1 < values.length) yield underWay;
  }
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
      if (point.kind === 'infinity') {
        // the highest state on the side that has it goes to N = ∞: it is joined to nothing
        if (point.direction === 'disappear') left = left.slice(0, -1);
        else right = right.slice(0, -1);
        continue;
      }
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
