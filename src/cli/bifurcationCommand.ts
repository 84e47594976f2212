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
import { resolve } from 'node:path';
import pkg from '../../package.json' with { type: 'json' };
import { PendingResults } from '../io/resultsFolder';
import { ConfigError, type ModelParams, resolveConfig } from '../models/config';
import {
  BIFURCATION_PARAMS,
  type BifurcationDiagram,
  type BifurcationParam,
  bifurcationBranches,
  bifurcationDiagram,
  linspace,
  PARAM_DESCRIPTIONS,
  paramValue,
  parseBifurcationParam,
  withParam,
} from '../models/limit/bifurcation';
import { type LineSeries, type PlotAnnotation, renderLinePlotPng } from '../render/png/lineplot';
import { configFromOptions } from './runCommand';

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
  force?: boolean;
  quiet?: boolean;
}

export interface BifurcationSummary {
  out: string;
  param: BifurcationParam;
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

export function bifurcationCsv(d: BifurcationDiagram): string {
  const rows = ['param,N,stable,Vstar,gbar,quiescent'];
  for (const slice of d.slices) {
    for (const s of slice.states) rows.push([slice.value, s.N, s.stable, s.vStar, s.gbar, s.quiescent].map((x) => (typeof x === 'number' ? fmt(x) : String(x))).join(','));
  }
  return `${rows.join('\n')}\n`;
}

export function foldsCsv(d: BifurcationDiagram): string {
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

export function bifurcationPng(d: BifurcationDiagram, params: ModelParams, size: { width: number; height: number }): Buffer {
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
  const annotations: PlotAnnotation[] = d.folds.map((f) => {
    const state = d.slices[f.direction === 'appear' ? f.interval + 1 : f.interval];
    // the branches open towards the side that has the states: write the value on the other side
    const opensRight = state.value > f.param;
    return { x: f.param, y: f.N, text: `${d.param} = ${short(f.param)}`, dx: opensRight ? -10 : 10, dy: 0, align: opensRight ? 'right' : 'left' };
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
  const others = nonDefaultParams(params, d.param);
  return renderLinePlotPng(series, {
    title: `Steady states of the ε → 0 limit against ${d.param}${others ? `   (${others})` : ''}`,
    xLabel: `${d.param} (${PARAM_DESCRIPTIONS[d.param]})`,
    yLabel: 'N (steady firing rate)',
    width: size.width,
    height: size.height,
    annotations,
  });
}

export async function bifurcationCommand(opts: BifurcationCommandOptions, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<BifurcationSummary> {
  // Everything that can reject the input happens before any work and before DIR is touched.
  const config = configFromOptions(opts);
  const param = parseBifurcationParam(opts.param);
  const from = numberOption('--from', opts.from);
  const to = numberOption('--to', opts.to);
  if (from === to) throw new ConfigError('--to', `must differ from --from (both are ${from})`);
  const n = numberOption('--n', opts.n ?? String(BIFURCATION_DEFAULTS.n), { integer: true, min: 2, max: 10000 });
  const T = numberOption('--stability-time', opts.stabilityTime ?? String(BIFURCATION_DEFAULTS.stabilityTime), { min: 0, minOpen: true, max: 1e5 });
  const nv = numberOption('--stability-nv', opts.stabilityNv ?? String(BIFURCATION_DEFAULTS.stabilityNv), { integer: true, min: 20, max: 100000 });
  const bisections = numberOption('--bisections', opts.bisections ?? String(BIFURCATION_DEFAULTS.bisections), { integer: true, min: 1, max: 100 });
  const width = numberOption('--width', opts.width ?? String(BIFURCATION_DEFAULTS.width), { integer: true, min: 200, max: 16384 });
  const height = numberOption('--height', opts.height ?? String(BIFURCATION_DEFAULTS.height), { integer: true, min: 150, max: 16384 });
  const reservation = PendingResults.reserve(opts.out, { force: !!opts.force, command: 'bifurcation', version: pkg.version });
  // The folder is written only when the diagram is complete; a failure or a signal removes the partial one.
  const { diagram, wall_s } = await reservation.produce((pending) => {
    const values = linspace(from, to, n);
    for (const v of values) withParam(config.params, param, v); // ConfigError naming the field and the value

    if (!opts.quiet) log(`kinfire ${pkg.version} bifurcation: ${param} from ${from} to ${to}, ${n} values; stability by perturbed evolution, nv = ${nv}, T = ${T}`);
    const progress = countReporter('bifurcation', 'values', process.stderr, opts.quiet);
    const start = performance.now();
    let diagram: BifurcationDiagram;
    try {
      diagram = bifurcationDiagram(config.params, param, values, {
        stability: { nv, T },
        bisections,
        onProgress: (p) => progress.update(p.done, p.total, `${param} = ${short(p.value)}: ${p.states} state${p.states === 1 ? '' : 's'}`),
      });
    } finally {
      progress.stop();
    }
    const wall_s = (performance.now() - start) / 1000;

    const json = {
      kinfire: pkg.version,
      param,
      from,
      to,
      n,
      values,
      params: config.params,
      method: {
        model: 'ε → 0 limit (voltage) equation; its steady states do not depend on ε',
        roots: 'scan of F(N) = N·I(N) − 1 on (0, max φF], polished to 1e-12 relative; closed form of I for the step φF, quadrature otherwise; quiescent state N = 0 when V*(0) ≤ VF (step φF)',
        gbar: 'mean of N(gin + bN, a) truncated to [0, ∞)',
        stability: `perturbed time evolution of the 1D limit scheme (nv = ${nv}, T = ${T}): stable when N stays within 2% of N* (absolute 0.02 for N* < 1)`,
        folds: `where the number of firing states changes by two between consecutive values: ${bisections} bisections on ${param}; reported at the end that still has the merging pair, N = their mean`,
        quiescent: `where V*(0) − VF changes sign: ${bisections} bisections on ${param}; reported at the end where the quiescent state exists`,
        branches: 'plot: states ordered by N at each value, joined rank by rank; the pair that appears or disappears is joined to its fold or quiescent point',
      },
      folds: diagram.folds,
      states: diagram.slices.map((s) => ({ value: s.value, N: s.states.map((x) => x.N), stable: s.states.map((x) => x.stable), quiescent: s.states.map((x) => x.quiescent) })),
      wall_s,
    };
    const png = bifurcationPng(diagram, config.params, { width, height });
    pending.write('bifurcation.csv', bifurcationCsv(diagram));
    pending.write('folds.csv', foldsCsv(diagram));
    pending.write('bifurcation.json', `${JSON.stringify(json, null, 2)}\n`);
    pending.write('bifurcation.png', png);
    return { diagram, wall_s };
  });
  if (!opts.quiet) {
    const way = to > from ? 'increases' : 'decreases';
    for (const f of diagram.folds) {
      const what = f.kind === 'fold' ? `fold at ${param} = ${short(f.param)}, N = ${short(f.N)}: two states` : `V*(0) = VF at ${param} = ${short(f.param)}: the quiescent state N = 0 and a firing state`;
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
    .description('steady states of the ε → 0 limit model against one parameter, with stability and folds: CSV, JSON and a PNG plot')
    .option('-c, --config <file>', 'JSON config (its params are used)')
    .option('-s, --set <key=value>', 'override one config key, e.g. params.gin=-0.5 (repeatable)', collect, [])
    .requiredOption('-p, --param <name>', `the parameter to vary: ${BIFURCATION_PARAMS.join(', ')}`)
    .requiredOption('--from <x>', 'first parameter value')
    .requiredOption('--to <y>', 'last parameter value')
    .option('-n, --n <K>', 'number of equally spaced parameter values, in [2, 10000]', String(d.n))
    .requiredOption('-o, --out <dir>', 'results folder (must not exist or be empty, unless --force)')
    .option('--stability-time <T>', 'observation time of the perturbed evolutions that decide stability', String(d.stabilityTime))
    .option('--stability-nv <cells>', 'cells of the 1D limit scheme used for stability', String(d.stabilityNv))
    .option('--bisections <k>', 'bisections on the parameter that locate each fold', String(d.bisections))
    .option('--width <px>', 'width of bifurcation.png', String(d.width))
    .option('--height <px>', 'height of bifurcation.png', String(d.height))
    .option('-f, --force', 'replace a results folder kinfire wrote (never other files)')
    .option('-q, --quiet', 'no progress output')
    .action(async (opts: BifurcationCommandOptions) => {
      const summary = await bifurcationCommand(opts);
      process.stdout.write(`${JSON.stringify(summary)}\n`);
    });
}
