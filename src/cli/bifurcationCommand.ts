/**
 * `kinfire bifurcation`: the steady states of the ε → 0 limit model against one parameter, with their
 * stability, the fold points (saddle-nodes) and the points where the quiescent state appears, as CSV,
 * JSON and a PNG plot (src/models/limit/bifurcation.ts does the computing).
 *
 * Cost: the stability of each state is decided by two perturbed runs of the 1D limit scheme
 * (classifyStability), which is nearly all of the time; its cost grows like nv²·T (the time step is
 * proportional to Δv). The defaults here are nv = 300 and T = 20 (the `steady` command uses nv = 400,
 * T = 30: about 2.5 s a state). Measured on 2 cores, one used: about 0.7 s a state at nv = 200, 1.3 s
 * at nv = 300; a 40-value diagram of b in [0.2, 1.2] took 66 s at gin = −0.5 (44 states) and 122 s at
 * gin = −1 (94 states, the quiescent state at every value). On the 95 states of sweeps of b in
 * [0.2, 1.2] at gin = −0.5, −1 and 0.8, nv = 200 with T = 10 or 20 gave the same verdicts as nv = 400,
 * T = 30; nv = 100 or 150 called the stable state at b = 0.45, 0.003 past the fold, unstable: near a
 * fold the scheme's O(Δv) offset from the exact N* grows, and it must stay inside the 2% band. nv = 300
 * keeps a margin there at about two minutes for the worst 40-value diagram. Near a fold an unstable
 * state also leaves slowly (the eigenvalue tends to 0), so a state very close to one can be called
 * stable: raise --stability-time (and --stability-nv) to check such a point.
 */
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { join, resolve } from 'node:path';
import pkg from '../../package.json' with { type: 'json' };
import { interruptRequested, throwIfInterrupted } from '../host/interrupt';
import { CHECKPOINT_FILE, encodeCheckpoint, readCheckpointFile } from '../io/checkpoint';
import { PendingResults } from '../io/resultsFolder';
import { ConfigError, type ModelParams, resolveConfig } from '../models/config';
import { type BifurcationDiagram, bifurcationBranches, type DiagramFamily, type DiagramState, type DiagramUnderWay, diagramSteps, linspace } from '../models/bifurcation';
import { ELAPSED_BIFURCATION_PARAMS, type ElapsedSteadyState, elapsedDiagramFamily, parseElapsedBifurcationParam } from '../models/elapsed/steadyStates';
import { BIFURCATION_PARAMS, type BifurcationParam, type BifurcationState, limitDiagramFamily, PARAM_DESCRIPTIONS, paramValue, parseBifurcationParam, withParam } from '../models/limit/bifurcation';
import {
  NNLIF_BIFURCATION_PARAMS,
  NNLIF_PARAM_DESCRIPTIONS,
  type NnlifBifurcationState,
  type NnlifNetworkBifurcationState,
  nnlifConfigWith,
  nnlifDiagramFamily,
  nnlifNetworkConfigWith,
  nnlifNetworkDiagramFamily,
  parseNnlifBifurcationParam,
  parseNnlifNetworkParam,
} from '../models/nnlif/bifurcation';
import { type NnlifRunConfig, nnlifSchema, nnlifSteadyParamsOf } from '../models/nnlif/config';
import { resolveNnlifRunConfig } from '../models/registry';
import { type LineSeries, type PlotAnnotation, renderLinePlotPng } from '../render/png/lineplot';
import { checkpointHeader, DEFAULT_CHECKPOINT_EVERY, parseCheckpointEvery, resumeWarning } from './checkpointing';
import { rawConfigFromOptions } from './runCommand';
import { familyOf, resolveElapsedRunConfig } from '../models/registry';
import { readFieldInputs } from '../io/fieldInputs';
import { FIELD_BIFURCATION_PARAMS, fieldDiagramFamily, locateTuringPoints, parseFieldBifurcationParam } from '../models/field/bifurcation';
import type { HomogeneousState } from '../models/field/steadyStates';
import { resolveFieldRunConfig } from '../models/registry';

export const BIFURCATION_DEFAULTS = { n: 40, stabilityTime: 20, stabilityNv: 300, bisections: 40, width: 900, height: 600 } as const;

export interface BifurcationCommandOptions {
  config?: string;
  set?: string[];
  param: string;
  from: string;
  to: string;
  n?: string;
  out: string;
  stabilityTime?: string;
  stabilityNv?: string;
  bisections?: string;
  width?: string;
  height?: string;
  population?: string;
  pointsPerDecade?: string;
  force?: boolean;
  quiet?: boolean;
  /** seconds between checkpoints of the diagram under way (default 600; 0: only on a signal) */
  checkpointEvery?: string | number;
  /** continue the interrupted diagram in `out` (kinfire resume) */
  resume?: boolean;
  /** the config itself (file and --set applied), instead of reading --config again (kinfire resume) */
  raw?: Record<string, unknown>;
}

/** The options that say which diagram to compute (all but the results folder). */
export type DiagramInput = Omit<BifurcationCommandOptions, 'out'>;

export interface BifurcationSummary {
  out: string;
  param: string;
  from: number;
  to: number;
  n: number;
  states: number;
  folds: { kind: string; param: number; N: number }[];
  wall_s: number;
}

/** A number option: finite, optionally an integer within [min, max]; ConfigError naming the option otherwise. */
function numberOption(name: string, text: string | undefined, spec: { integer?: boolean; min?: number; max?: number; minOpen?: boolean } = {}): number {
  const value = text === undefined || text.trim() === '' ? Number.NaN : Number(text);
  const ok =
    Number.isFinite(value) &&
    (!spec.integer || Number.isInteger(value)) &&
    (spec.min === undefined || (spec.minOpen ? value > spec.min : value >= spec.min)) &&
    (spec.max === undefined || value <= spec.max);
  if (!ok) {
    const kind = spec.integer ? 'an integer' : 'a finite number';
    const range = spec.min !== undefined || spec.max !== undefined ? ` in ${spec.minOpen ? '(' : '['}${spec.min ?? '-∞'}, ${spec.max ?? '∞'}]` : '';
    throw new ConfigError(name, `must be ${kind}${range} (got ${JSON.stringify(text ?? null)})`);
  }
  return value;
}

/** Progress over a count of items: a bar on a terminal, a plain line at each tenth otherwise. */
export interface CountReporter {
  update(done: number, total: number, info: string): void;
  stop(): void;
}

export function countReporter(label: string, unit: string, stream: NodeJS.WriteStream = process.stderr, quiet = false): CountReporter {
  if (quiet) return { update() {}, stop() {} };
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      { stream, format: `${label} {bar} {percentage}% | {value}/{total} ${unit} | {info} | eta {eta_formatted}`, hideCursor: true, etaBuffer: 10 },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(done, total, info) {
        if (!started) {
          bar.start(total, done, { info });
          started = true;
        } else bar.update(done, { info });
      },
      stop() {
        if (started) bar.stop();
      },
    };
  }
  let nextTenth = 1;
  const start = performance.now();
  return {
    update(done, total, info) {
      if (done * 10 >= nextTenth * total || done === total) {
        while (done * 10 >= nextTenth * total) nextTenth++;
        stream.write(`${label}: ${done}/${total} ${unit}, ${info}, ${((performance.now() - start) / 1000).toFixed(1)} s\n`);
      }
    },
    stop() {},
  };
}

const fmt = (x: number) => String(x);

/** One row per state: the parameter value, then `columns` of the state (a number, a boolean or null). */
export function bifurcationCsv<S extends DiagramState>(d: BifurcationDiagram<S>, columns: [string, (s: S) => number | boolean | null][]): string {
  const rows = [['param', ...columns.map(([name]) => name)].join(',')];
  for (const slice of d.slices) {
    for (const s of slice.states) rows.push([slice.value, ...columns.map(([, of]) => of(s))].map((x) => (typeof x === 'number' ? fmt(x) : String(x))).join(','));
  }
  return `${rows.join('\n')}\n`;
}

/** The vc limit's columns: N, stable, V*, ḡ, quiescent. */
const LIMIT_COLUMNS: [string, (s: BifurcationState) => number | boolean][] = [
  ['N', (s) => s.N],
  ['stable', (s) => s.stable],
  ['Vstar', (s) => s.vStar],
  ['gbar', (s) => s.gbar],
  ['quiescent', (s) => s.quiescent],
];

/** The NNLIF population's columns: N, stable, a(N), R = τN, and N at the end of the two perturbed runs. */
const NNLIF_COLUMNS: [string, (s: NnlifBifurcationState) => number | boolean | null][] = [
  ['N', (s) => s.N],
  ['stable', (s) => s.stable],
  ['a', (s) => s.a],
  ['R', (s) => s.R],
  ['N_up', (s) => s.N_up],
  ['N_down', (s) => s.N_down],
];

export function foldsCsv(d: BifurcationDiagram<DiagramState>): string {
  return `${['param,N,kind', ...d.folds.map((f) => `${fmt(f.param)},${fmt(f.N)},${f.kind}`)].join('\n')}\n`;
}

/** Short text for a number on the plot: 4 significant digits, no trailing zeros. */
const short = (x: number) => String(Number(x.toPrecision(4)));

/** The parameters that differ from the defaults (other than the one varied and ε), for the title. */
function nonDefaultParams(params: ModelParams, param: BifurcationParam): string {
  const defaults = resolveConfig({}).params;
  const parts: string[] = [];
  for (const key of BIFURCATION_PARAMS) {
    if (key === param) continue;
    const [v, d] = [paramValue(params, key), paramValue(defaults, key)];
    if (v !== d) parts.push(`${key === 'phiF.rate' ? 'φ0' : key === 'phiF.width' ? 'w' : key} = ${short(v)}`);
  }
  if (params.phiF.kind !== 'step') parts.push(`φF ${params.phiF.kind}`);
  return parts.join(', ');
}

/** The title and x label of the limit model's plot. */
function limitLabels(params: ModelParams, param: BifurcationParam): { title: string; xLabel: string } {
  const others = nonDefaultParams(params, param);
  return { title: `Steady states of the ε → 0 limit against ${param}${others ? `   (${others})` : ''}`, xLabel: `${param} (${PARAM_DESCRIPTIONS[param]})` };
}

export function bifurcationPng(d: BifurcationDiagram<DiagramState>, labels: { title: string; xLabel: string }, size: { width: number; height: number }): Buffer {
  const pieces = bifurcationBranches(d);
  const joined = (stable: boolean) => {
    const x: number[] = [];
    const y: number[] = [];
    for (const p of pieces.filter((q) => q.stable === stable)) {
      if (x.length) {
        x.push(Number.NaN);
        y.push(Number.NaN);
      }
      x.push(...p.x);
      y.push(...p.y);
    }
    return { x, y };
  };
  const points = (stable: boolean) => {
    const x: number[] = [];
    const y: number[] = [];
    for (const slice of d.slices) {
      for (const s of slice.states) {
        if (s.stable === stable) {
          x.push(slice.value);
          y.push(s.N);
        }
      }
    }
    return { x, y };
  };
  const STABLE = '#1f77b4';
  const UNSTABLE = '#d62728';
  const folds = d.folds.filter((f) => f.kind === 'fold');
  // 'infinity' points have no marker (their N is off the plot); the text below names them
  const quiescent = d.folds.filter((f) => f.kind === 'quiescent');
  const series: LineSeries[] = [
    { ...joined(true), label: 'stable', colour: STABLE, lineWidth: 2.5, marker: 'none' },
    { ...joined(false), label: 'unstable', colour: UNSTABLE, lineWidth: 2, dash: [7, 5], marker: 'none' },
    // the computed states, as small dots without a legend entry
    { ...points(true), label: '', colour: STABLE, line: false, marker: 'dot', markerSize: 2.5, legend: false },
    { ...points(false), label: '', colour: UNSTABLE, line: false, marker: 'dot', markerSize: 2.5, legend: false },
  ];
  if (folds.length) series.push({ x: folds.map((f) => f.param), y: folds.map((f) => f.N), label: 'fold (saddle-node)', colour: '#222222', line: false, marker: 'diamond', markerSize: 6.5 });
  if (quiescent.length) series.push({ x: quiescent.map((f) => f.param), y: quiescent.map(() => 0), label: 'V*(0) = VF: end of the quiescent state', colour: '#2ca02c', line: false, marker: 'square', markerSize: 6.5 });
  // the fold's parameter value next to its marker, to the side away from the branches' nose
  // the x range of what is drawn: the values that have states, and the located points
  const drawn = [...d.slices.filter((sl) => sl.states.length > 0).map((sl) => sl.value), ...d.folds.filter((f) => f.kind !== 'infinity').map((f) => f.param)];
  const [xlo, xhi] = drawn.length ? [Math.min(...drawn), Math.max(...drawn)] : [Math.min(...d.values), Math.max(...d.values)];
  const annotations: PlotAnnotation[] = d.folds.flatMap((f): PlotAnnotation[] => {
    const state = d.slices[f.direction === 'appear' ? f.interval + 1 : f.interval]!;
    if (f.kind === 'infinity') {
      // the highest state there comes from N = ∞: say so at its first (or last) computed point
      const top = state.states[state.states.length - 1];
      return top ? [{ x: state.value, y: top.N, text: `N → ∞ as ${d.param} → ${short(f.param)}`, dx: 8, dy: 0, align: 'left' }] : [];
    }
    // the branches open towards the side that has the states: write the value on the other side, unless
    // that side is the last 15% of the axis (the text would leave the plot)
    const opensRight = state.value > f.param;
    const left = opensRight ? f.param - xlo > 0.15 * (xhi - xlo) : xhi - f.param < 0.15 * (xhi - xlo);
    return [{ x: f.param, y: f.N, text: `${d.param} = ${short(f.param)}`, dx: left ? -10 : 10, dy: 0, align: left ? 'right' : 'left' }];
  });
  // the quiescent branch lies on N = 0: say so above the start of each stretch of it
  d.slices.forEach((slice, k) => {
    const has = (j: number) => d.slices[j]?.states.some((s) => s.quiescent) ?? false;
    if (!has(k) || has(k - 1)) return;
    const ascending = d.values[d.values.length - 1] > d.values[0];
    let end = k;
    while (has(end + 1)) end++;
    // write it from the left end of the stretch, whichever way the values run
    const leftmost = ascending ? slice.value : d.slices[end].value;
    annotations.push({ x: leftmost, y: 0, text: 'quiescent state, N = 0', dx: 6, dy: 12, align: 'left' });
  });
  return renderLinePlotPng(series, {
    title: labels.title,
    xLabel: labels.xLabel,
    yLabel: 'N (steady firing rate)',
    width: size.width,
    height: size.height,
    annotations,
  });
}

/** What the command needs of a model family: its diagram, its CSV columns, its words. */
interface DiagramPlan {
  model: string;
  param: string;
  /** the parameters held fixed (for bifurcation.json) */
  params: unknown;
  labels: { title: string; xLabel: string };
  method: Record<string, string>;
  /** ConfigError naming the field and the value of --param at the first invalid value */
  validate(values: number[]): void;
  /** the family of states whose diagram models/bifurcation.ts computes (diagramSteps) */
  family(values: number[]): DiagramFamily<DiagramState>;
  csv(d: BifurcationDiagram<DiagramState>): string;
  /** more keys of bifurcation.json (the field's Turing points) */
  extra?(d: BifurcationDiagram<DiagramState>): Record<string, unknown>;
}

const FOLD_METHOD = (bisections: number, param: string) => `where the number of firing states changes by two between consecutive values: ${bisections} bisections on ${param}; reported at the end that still has the merging pair, N = their mean`;
const BRANCH_METHOD = 'plot: states ordered by N at each value, joined rank by rank; the pair that appears or disappears is joined to its fold or quiescent point';

function limitPlan(opts: DiagramInput, raw: Record<string, unknown>, nv: number, T: number, bisections: number): DiagramPlan {
  const config = resolveConfig(raw);
  const param = parseBifurcationParam(opts.param);
  return {
    model: config.model,
    param,
    params: config.params,
    labels: limitLabels(config.params, param),
    method: {
      model: 'ε → 0 limit (voltage) equation; its steady states do not depend on ε',
      roots: 'scan of F(N) = N·I(N) − 1 on (0, max φF], polished to 1e-12 relative; closed form of I for the step φF, quadrature otherwise; quiescent state N = 0 when V*(0) ≤ VF (step φF)',
      gbar: 'mean of N(gin + bN, a) truncated to [0, ∞)',
      stability: `perturbed time evolution of the 1D limit scheme (nv = ${nv}, T = ${T}): stable when N stays within 2% of N* (absolute 0.02 for N* < 1)`,
      folds: FOLD_METHOD(bisections, param),
      quiescent: `where V*(0) − VF changes sign: ${bisections} bisections on ${param}; reported at the end where the quiescent state exists`,
      branches: BRANCH_METHOD,
    },
    validate: (values) => values.forEach((v) => withParam(config.params, param, v)),
    family: (values) => limitDiagramFamily(config.params, param, values, { stability: { nv, T } }),
    csv: (d) => bifurcationCsv(d as BifurcationDiagram<BifurcationState>, LIMIT_COLUMNS),
  };
}

function nnlifPlan(opts: DiagramInput, raw: Record<string, unknown>, nv: number, T: number, bisections: number): DiagramPlan {
  const config = resolveNnlifRunConfig(raw); // the config itself must be valid, before any value of --param
  if ((raw.nnlif as Record<string, unknown> | undefined)?.populations !== undefined) return nnlifNetworkPlan(opts, raw, config, nv, T, bisections);
  if (opts.population !== undefined) throw new ConfigError('--population', 'chooses a population of a network (nnlif.populations); this config has one');
  const param = parseNnlifBifurcationParam(opts.param);
  const pop = config.populations[0]!;
  const fixed = { ...nnlifSteadyParamsOf(config), delay: config.delay };
  // the parameters held fixed that differ from the defaults, for the title
  const defaults: Record<string, unknown> = nnlifSchema.parse({});
  const held = { b: fixed.b, a0: fixed.a, a1: fixed.a1 ?? 0, tau: fixed.tau ?? 0, VR: fixed.VR, VF: fixed.VF, delay: fixed.delay };
  const others = [
    ...Object.entries(held)
      .filter(([key, v]) => key !== param && v !== defaults[key])
      .map(([key, v]) => `${key} = ${short(v)}`),
    ...(pop.firing.kind === 'soft' ? [`soft threshold, rate ${short(pop.firing.rate)}`] : []),
  ].join(', ');
  return {
    model: 'nnlif',
    param,
    params: fixed,
    labels: {
      title: `Steady states of the NNLIF population against ${param}${others ? `   (${others})` : ''}`,
      xLabel: `${param} (${NNLIF_PARAM_DESCRIPTIONS[param]})`,
    },
    method: {
      model: 'the NNLIF Fokker–Planck equation of one population (src/models/nnlif); no quiescent state (N = 0 never solves N·(I(N) + τ) = 1)',
      infinity: `where the number of states changes by one: the highest comes in from N = ∞ (beyond the scan's largest rate, 1e12); ${bisections} bisections on ${param}`,
      roots: 'every zero of ln N + ln(I(N) + τ) by a scan in ln N and Brent polishing; I(N) the Siegert integral (hard threshold) or the mean time to a firing from the frozen stationary ODE (soft)',
      stability: `time evolution of the discrete PDE (the f64 twin of the GPU scheme, ${nv} nodes, dt = 0.01, T = ${T}, the config's delay) from the exact profile with 1% of the mass moved up and down in v: stable when N(T) stays within 2% of N* (absolute 0.02 for N* < 1) in both`,
      folds: FOLD_METHOD(bisections, param),
      branches: BRANCH_METHOD,
    },
    validate: (values) => values.forEach((v) => nnlifConfigWith(raw, param, v)),
    family: (values) => nnlifDiagramFamily(raw, param, values, { stability: { nv, T } }),
    csv: (d) => bifurcationCsv(d as BifurcationDiagram<NnlifBifurcationState>, NNLIF_COLUMNS),
  };
}

/** A network of K populations against one of its parameters, drawn on the rate of one population (--population). */
function nnlifNetworkPlan(opts: DiagramInput, raw: Record<string, unknown>, config: NnlifRunConfig, nv: number, T: number, bisections: number): DiagramPlan {
  const names = config.populations.map((p) => p.name);
  const param = parseNnlifNetworkParam(opts.param, names);
  const shown = opts.population === undefined ? 0 : names.indexOf(opts.population);
  if (shown < 0) throw new ConfigError('--population', `must be one of the populations ${names.join(', ')} (got ${JSON.stringify(opts.population)})`);
  const pointsPerDecade = opts.pointsPerDecade === undefined ? undefined : numberOption('--points-per-decade', opts.pointsPerDecade, { min: 1, max: 200 });
  const K = names.length;
  const columns: [string, (s: NnlifNetworkBifurcationState) => number | boolean | null][] = [
    ['N', (s) => s.N],
    ['stable', (s) => s.stable],
    ...names.map((name, k): [string, (s: NnlifNetworkBifurcationState) => number] => [`N_${name}`, (s) => s.rates[k]!]),
    ...names.map((name, k): [string, (s: NnlifNetworkBifurcationState) => number] => [`V_${name}`, (s) => s.V[k]!]),
    ...names.map((name, k): [string, (s: NnlifNetworkBifurcationState) => number] => [`a_${name}`, (s) => s.a[k]!]),
  ];
  return {
    model: 'nnlif',
    param: param.name,
    params: { populations: config.populations.map((p) => ({ name: p.name, a0: p.a0, VR: p.VR, VF: p.VF, tau: p.tau, firing: p.firing })), b: config.coupling.b, a1: config.coupling.a1, delay: config.delay, drawn: names[shown] },
    labels: { title: `Steady states of the NNLIF network (${K} populations: ${names.join(', ')}) against ${param.name}, rate of ${names[shown]}`, xLabel: param.label },
    method: {
      model: `the NNLIF Fokker–Planck equations of ${K} populations (src/models/nnlif); the diagram's N is the rate of ${names[shown]} (--population), every rate is in bifurcation.csv`,
      roots: `every zero of F_α = ln N_α + ln(I_α(V_α, a_α) + τ_α) in the box N_α ∈ [1e-8, 1e4]: a grid in ln N (${pointsPerDecade ?? (K <= 2 ? 8 : 'at most 40000 points,')} points per decade), Newton in each cell where every F_α changes sign (src/models/nnlif/networkSteady.ts)`,
      stability: `time evolution of the discrete network (the f64 twin, ${nv} nodes per population, dt = 0.01, T = ${T}, the config's delay) from the exact profiles with 1% of each population's mass moved both ways: stable when every N(T) stays within 2% of its steady value (absolute 0.02 below 1)`,
      infinity: `where the number of states changes by one: a state comes in from the edge of the box (N_α = 1e4); ${bisections} bisections on ${param.name}`,
      folds: `${FOLD_METHOD(bisections, param.name)}; the count is of the network's states, the merging pair located on the rate of ${names[shown]}`,
      branches: BRANCH_METHOD,
    },
    validate: (values) => values.forEach((v) => nnlifNetworkConfigWith(raw, param, v)),
    family: (values) => nnlifNetworkDiagramFamily(raw, param, values, { stability: { nv, T }, population: shown, ...(pointsPerDecade ? { pointsPerDecade } : {}) }),
    csv: (d) => bifurcationCsv(d as BifurcationDiagram<NnlifNetworkBifurcationState>, columns),
  };
}

/** The elapsed-time model's columns: N, stable, X = bN, s*(X), and the deviations of the stability run. */
const ELAPSED_COLUMNS: [string, (s: ElapsedSteadyState) => number | boolean | null][] = [
  ['N', (s) => s.N],
  ['stable', (s) => s.stable],
  ['X', (s) => s.X],
  ['thresholdAge', (s) => s.thresholdAge],
  ['early', (s) => s.early],
  ['late', (s) => s.late],
];

function elapsedPlan(opts: DiagramInput, raw: Record<string, unknown>, bisections: number): DiagramPlan {
  const param = parseElapsedBifurcationParam(opts.param);
  const config = resolveElapsedRunConfig(raw); // the config itself must be valid, before any value of --param
  const family = elapsedDiagramFamily(raw, param);
  return {
    model: 'elapsed',
    param,
    params: { ...config.elapsed, kernel: config.kernel },
    labels: { title: `Steady states of the elapsed-time model against ${param}`, xLabel: `${param} (elapsed.${param})` },
    method: {
      model: 'the elapsed-time model (src/models/elapsed); no quiescent state',
      roots: 'every zero of N·I(N) − 1, I(N) = ∫₀^∞ exp(−∫₀^s p(u, bN) du) ds, by a scan in ln N and bisection',
      stability: 'time evolution of the f64 twin with the config\'s kernel from a 2% sine perturbation of n∞, 40 mean interspike intervals: stable when the late deviation is below half the early one, or below 1e-3',
      infinity: `where the number of states changes by one: a state at the scan's end; ${bisections} bisections on ${param}`,
      folds: FOLD_METHOD(bisections, param),
      branches: BRANCH_METHOD,
    },
    validate: (values) => values.forEach((v) => family.firingRates(v)),
    family: () => family,
    csv: (d) => bifurcationCsv(d as BifurcationDiagram<ElapsedSteadyState>, ELAPSED_COLUMNS),
  };
}

/** The field's columns: N, stable, λ(0), the grid's largest λ at k ≠ 0 and its k, turing. */
const FIELD_COLUMNS: [string, (s: HomogeneousState) => number | boolean | null][] = [
  ['N', (s) => s.N],
  ['stable', (s) => s.stable],
  ['lambda0', (s) => s.lambda0],
  ['lambda_grid', (s) => s.grid?.lambda ?? null],
  ['k_grid', (s) => s.grid?.k ?? null],
  ['turing', (s) => s.turing],
];

function fieldPlan(opts: DiagramInput, raw: Record<string, unknown>, bisections: number): DiagramPlan {
  const param = parseFieldBifurcationParam(opts.param);
  const { config, arrays } = readFieldInputs(resolveFieldRunConfig(raw)); // the config itself must be valid first
  const family = fieldDiagramFamily(raw, param, arrays);
  return {
    model: 'field',
    param,
    params: { kernel: config.kernel, sigmoid: config.sigmoid, source: config.source, domain: config.domain, n: config.n, L: config.L },
    labels: { title: `Homogeneous steady states of the Wilson–Cowan field against ${param}`, xLabel: `${param} (${FIELD_BIFURCATION_PARAMS[param]})` },
    method: {
      model: 'the Wilson–Cowan field (src/models/field): the constant states N = ŵ(0)σ(N) + s0',
      roots: 'a scan of s0 + ŵ(0)·[inf σ, sup σ] and bisection',
      stability: 'linear: stable when λ(0) = −1 + ŵ(0)σ′(N*) < 0 and λ < 0 at every grid mode m ≠ 0',
      turing: `where the grid's largest λ at k ≠ 0 crosses 0 along a branch with λ(0) < 0: ${bisections} bisections on ${param}`,
      folds: FOLD_METHOD(bisections, param),
      branches: BRANCH_METHOD,
    },
    validate: (values) => values.forEach((v) => family.firingRates(v)),
    family: () => family,
    csv: (d) => bifurcationCsv(d as BifurcationDiagram<HomogeneousState>, FIELD_COLUMNS),
    extra: (d) => ({ turing: locateTuringPoints(d as BifurcationDiagram<HomogeneousState>, family, bisections) }),
  };
}

/** The checkpoint of a diagram under way (io/checkpoint.ts): the slices computed, the points located, the family's memory. */
interface BifurcationCheckpoint {
  diagram: DiagramUnderWay<DiagramState>;
  /** wall seconds spent before this checkpoint (summed over the resumes) */
  wall_s: number;
}

/** The adapter a checkpoint names: the diagram is computed on the CPU in f64, whatever GPU there is. */
const CPU = { vendor: 'cpu', architecture: 'f64', description: 'the CPU (f64); kinfire bifurcation uses no GPU' };

/**
 * The command's options as a sweep spec gives them ("options" of a `bifurcation` sweep: numbers as numbers),
 * in the form the command line gives them.
 */
export function bifurcationOptions(o: Record<string, unknown>): DiagramInput {
  const text = (v: unknown) => (v === undefined ? undefined : String(v));
  const keys = ['from', 'to', 'n', 'stabilityTime', 'stabilityNv', 'bisections', 'width', 'height', 'population', 'pointsPerDecade'] as const;
  const out: DiagramInput = { param: String(o.param) } as DiagramInput;
  for (const k of keys) if (o[k] !== undefined) (out as Record<string, unknown>)[k] = text(o[k]);
  if (o.checkpointEvery !== undefined) out.checkpointEvery = o.checkpointEvery as number;
  return out;
}

/** Everything that can reject a diagram's input, checked before any work and before DIR is touched (also for a sweep's points). */
export function resolveBifurcation(opts: DiagramInput) {
  const raw = opts.raw ?? rawConfigFromOptions(opts);
  const from = numberOption('--from', opts.from);
  const to = numberOption('--to', opts.to);
  if (from === to) throw new ConfigError('--to', `must differ from --from (both are ${from})`);
  const n = numberOption('--n', opts.n ?? String(BIFURCATION_DEFAULTS.n), { integer: true, min: 2, max: 10000 });
  const T = numberOption('--stability-time', opts.stabilityTime ?? String(BIFURCATION_DEFAULTS.stabilityTime), { min: 0, minOpen: true, max: 1e5 });
  const nv = numberOption('--stability-nv', opts.stabilityNv ?? String(BIFURCATION_DEFAULTS.stabilityNv), { integer: true, min: 20, max: 100000 });
  const bisections = numberOption('--bisections', opts.bisections ?? String(BIFURCATION_DEFAULTS.bisections), { integer: true, min: 1, max: 100 });
  const width = numberOption('--width', opts.width ?? String(BIFURCATION_DEFAULTS.width), { integer: true, min: 200, max: 16384 });
  const height = numberOption('--height', opts.height ?? String(BIFURCATION_DEFAULTS.height), { integer: true, min: 150, max: 16384 });
  const everySeconds = parseCheckpointEvery(opts.checkpointEvery);
  const familyName = familyOf(raw).name;
  if (familyName !== 'nnlif') {
    if (opts.population !== undefined) throw new ConfigError('--population', 'chooses a population of an nnlif network (nnlif.populations)');
    if (opts.pointsPerDecade !== undefined) throw new ConfigError('--points-per-decade', 'is for an nnlif network (nnlif.populations)');
  }
  const plan = familyName === 'nnlif' ? nnlifPlan(opts, raw, nv, T, bisections) : familyName === 'elapsed' ? elapsedPlan(opts, raw, bisections) : familyName === 'field' ? fieldPlan(opts, raw, bisections) : limitPlan(opts, raw, nv, T, bisections);
  const { param } = plan;
  const values = linspace(from, to, n);
  plan.validate(values); // a bad value is exit 2 before DIR is touched
  const family = plan.family(values);
  // what a resume needs to compute the same diagram: the options as given, parsed (numbers as their shortest exact text)
  const options: Record<string, unknown> = {
    param: opts.param,
    from: String(from),
    to: String(to),
    n: String(n),
    stabilityTime: String(T),
    stabilityNv: String(nv),
    bisections: String(bisections),
    width: String(width),
    height: String(height),
    checkpointEvery: everySeconds,
    ...(opts.population !== undefined ? { population: opts.population } : {}),
    ...(opts.pointsPerDecade !== undefined ? { pointsPerDecade: opts.pointsPerDecade } : {}),
  };
  return { raw, from, to, n, T, nv, bisections, width, height, everySeconds, familyName, plan, values, family, options };
}

export async function bifurcationCommand(opts: BifurcationCommandOptions, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<BifurcationSummary> {
  const { raw, from, to, n, T, nv, bisections, width, height, everySeconds, familyName, plan, values, family, options } = resolveBifurcation(opts);
  const { param } = plan;
  const reservation = PendingResults.reserve(opts.out, { force: !!opts.force, command: 'bifurcation', version: pkg.version, ...(opts.resume ? { resume: true } : {}) });
  // The folder is written when the diagram is complete. A signal is let in after every parameter value: the diagram
  // under way is then checkpointed and the folder kept as interrupted (kinfire resume DIR goes on); a failure removes it.
  const { diagram, wall_s } = await reservation.produce(async (pending) => {
    const checkpoint = opts.resume ? readCheckpointFile(join(pending.path, CHECKPOINT_FILE)) : undefined;
    const resumed = checkpoint?.payload as BifurcationCheckpoint | undefined;
    const moved = checkpoint && resumeWarning(checkpoint.header, CPU, pkg.version);
    if (moved && !opts.quiet) log(`warning: ${moved}`);
    if (resumed && !opts.quiet) log(`kinfire ${pkg.version} bifurcation (${plan.model}): resumed after ${resumed.diagram.slices.length} of ${n} values`);
    else if (!opts.quiet) log(`kinfire ${pkg.version} bifurcation (${plan.model}): ${param} from ${from} to ${to}, ${n} values; stability by perturbed evolution, nv = ${nv}, T = ${T}`);
    const progress = countReporter('bifurcation', 'values', process.stderr, opts.quiet);
    const start = performance.now();
    const before = resumed?.wall_s ?? 0;
    const save = (underWay: DiagramUnderWay<DiagramState>) => {
      const done = underWay.slices.length;
      const header = checkpointHeader({ command: 'bifurcation', family: familyName, raw, options, version: pkg.version, adapter: CPU, steps: n }, done, values[done - 1]!);
      const payload: BifurcationCheckpoint = { diagram: underWay, wall_s: before + (performance.now() - start) / 1000 };
      pending.writeCheckpoint(encodeCheckpoint(header, payload));
    };
    let diagram: BifurcationDiagram<DiagramState>;
    try {
      const steps = diagramSteps(family, param, values, { bisections, onProgress: (p) => progress.update(p.done, p.total, `${param} = ${short(p.value)}: ${p.states} state${p.states === 1 ? '' : 's'}`) }, resumed?.diagram);
      let lastSave = performance.now();
      for (;;) {
        const next = steps.next();
        if (next.done) {
          diagram = next.value;
          break;
        }
        // SIGINT / SIGTERM get in between two values; a hard stop there (a second signal) saves the values done first
        pending.saveNow = () => save(next.value());
        await new Promise((r) => setImmediate(r));
        pending.saveNow = undefined;
        if (interruptRequested() !== null) {
          save(next.value());
          throwIfInterrupted();
        }
        if (everySeconds > 0 && performance.now() - lastSave >= everySeconds * 1000) {
          save(next.value());
          lastSave = performance.now();
        }
      }
    } finally {
      progress.stop();
    }
    const wall_s = before + (performance.now() - start) / 1000;
    const json = {
      kinfire: pkg.version,
      model: plan.model,
      param,
      from,
      to,
      n,
      values,
      params: plan.params,
      method: plan.method,
      folds: diagram.folds,
      states: diagram.slices.map((s) => ({
        value: s.value,
        N: s.states.map((x) => x.N),
        stable: s.states.map((x) => x.stable),
        quiescent: s.states.map((x) => x.quiescent),
        // a network's states: the rate of every population (N above is the drawn one's)
        ...(s.states.some((x) => 'rates' in x) ? { rates: s.states.map((x) => (x as NnlifNetworkBifurcationState).rates) } : {}),
      })),
      ...plan.extra?.(diagram),
      wall_s,
    };
    const png = bifurcationPng(diagram, plan.labels, { width, height });
    pending.write('bifurcation.csv', plan.csv(diagram));
    pending.write('folds.csv', foldsCsv(diagram));
    pending.write('bifurcation.json', `${JSON.stringify(json, null, 2)}\n`);
    pending.write('bifurcation.png', png);
    return { diagram, wall_s };
  });
  if (!opts.quiet) {
    const way = to > from ? 'increases' : 'decreases';
    for (const f of diagram.folds) {
      const what =
        f.kind === 'fold'
          ? `fold at ${param} = ${short(f.param)}, N = ${short(f.N)}: two states`
          : f.kind === 'infinity'
            ? `at ${param} = ${short(f.param)} a state at N = ∞ (N = ${short(f.N)} there):`
            : `V*(0) = VF at ${param} = ${short(f.param)}: the quiescent state N = 0 and a firing state`;
      log(`${what} ${f.direction} as ${param} ${way}`);
    }
  }
  return {
    out: resolve(opts.out),
    param,
    from,
    to,
    n,
    states: diagram.slices.reduce((sum, s) => sum + s.states.length, 0),
    folds: diagram.folds.map((f) => ({ kind: f.kind, param: f.param, N: f.N })),
    wall_s,
  };
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerBifurcation(program: Command): void {
  const d = BIFURCATION_DEFAULTS;
  program
    .command('bifurcation')
    .description('steady states against one parameter, with stability and folds: the ε → 0 limit of the vc models, the NNLIF network (model nnlif; one population or K), the elapsed-time model (model elapsed) or the homogeneous states of the Wilson–Cowan field with its Turing points (model field); CSV, JSON and a PNG plot')
    .option('-c, --config <file>', 'JSON config (its params are used)')
    .option('-s, --set <key=value>', 'override one config key, e.g. params.gin=-0.5 (repeatable)', collect, [])
    .requiredOption('-p, --param <name>', `the parameter to vary: ${BIFURCATION_PARAMS.join(', ')} (vc models); ${NNLIF_BIFURCATION_PARAMS.join(', ')} (nnlif, one population); b.α.β, a1.α.β, populations.α.<key>, delay (nnlif with populations); ${ELAPSED_BIFURCATION_PARAMS.join(', ')} (elapsed); ${Object.keys(FIELD_BIFURCATION_PARAMS).join(', ')} (field)`)
    .requiredOption('--from <x>', 'first parameter value')
    .requiredOption('--to <y>', 'last parameter value')
    .option('-n, --n <K>', 'number of equally spaced parameter values, in [2, 10000]', String(d.n))
    .requiredOption('-o, --out <dir>', 'results folder (must not exist or be empty, unless --force)')
    .option('--stability-time <T>', 'observation time of the perturbed evolutions that decide stability', String(d.stabilityTime))
    .option('--stability-nv <cells>', 'cells of the 1D limit scheme used for stability', String(d.stabilityNv))
    .option('--bisections <k>', 'bisections on the parameter that locate each fold', String(d.bisections))
    .option('--population <name>', 'nnlif with populations: the population whose rate is drawn (default the first; every rate is in bifurcation.csv)')
    .option('--points-per-decade <n>', 'nnlif with populations: grid points per decade of each N_α in the root search (default 8 for two populations)')
    .option('--width <px>', 'width of bifurcation.png', String(d.width))
    .option('--height <px>', 'height of bifurcation.png', String(d.height))
    .option('-f, --force', 'replace a results folder kinfire wrote (never other files)')
    .option('-q, --quiet', 'no progress output')
    .option('--checkpoint-every <seconds>', 'write a checkpoint of the diagram under way every so many seconds (0: only when stopped by SIGINT or SIGTERM); `kinfire resume DIR` continues from it', String(DEFAULT_CHECKPOINT_EVERY))
    .action(async (opts: BifurcationCommandOptions) => {
      const summary = await bifurcationCommand(opts);
      process.stdout.write(`${JSON.stringify(summary)}\n`);
    });
}
