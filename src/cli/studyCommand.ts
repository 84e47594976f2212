/**
 * `kinfire study eps`: the ε → 0 study. For each grid, the limit model (vc-limit) once and the kinetic
 * model (vc) at every ε, from the same n0 on the same grid and dt; the errors, the observed ε-rates
 * (with and without the initial layer) and the discretization error of the limit solution, written
 * atomically to a results folder: study.csv, study.json, N_<grid>.csv and log-log PNG plots.
 * The computation is src/host/epsStudy.ts.
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import pkg from '../../package.json' with { type: 'json' };
import { describeAdapter } from '../host/gpu';
import {
  ERROR_NOISE_FLOOR,
  type EpsStudyHooks,
  type EpsStudyResult,
  type GridStudy,
  gridLabel,
  parseEpsList,
  parseGridList,
  planEpsStudy,
  type Rate,
  REPORT_LABELS,
  resolveStudyGrids,
  runEpsStudy,
  type StudyRunInfo,
  type StudyRunRecord,
} from '../host/epsStudy';
import { checkGridFits } from '../host/kineticSolver';
import { applyOverrides, ConfigError, type KinfireConfig, resolveConfig } from '../models/config';
import { type LineSeries, renderLinePlotPng } from '../render/png/lineplot';
import { loadConfigFile } from './runCommand';
import { withGpuAndFolder } from './gpuCommand';
import { checkpointEveryOption, commandRunsResume, parseCheckpointEvery } from './checkpointing';
import type { KineticRunHost } from '../host/run';
import type { SavedCapture } from '../host/epsStudy';

export const STUDY_KINDS = ['eps'] as const;
export const DEFAULT_EPS = '0.1,0.05,0.02,0.01,0.005,0.001';

export interface StudyOptions {
  config?: string;
  out?: string;
  eps?: string;
  grids?: string;
  t0?: string;
  set?: string[];
  force?: boolean;
  quiet?: boolean;
  /** seconds between checkpoints (default DEFAULT_CHECKPOINT_EVERY; 0: only on a signal) */
  checkpointEvery?: number | string;
  /** continue the interrupted study in `out` (kinfire resume) */
  resume?: boolean;
  /** the config itself (file and --set applied), instead of reading --config again (kinfire resume) */
  raw?: Record<string, unknown>;
}

/** The validated input of a study: everything that can be rejected is rejected here, before any GPU work. */
export function parseStudyInput(kind: string | undefined, options: StudyOptions) {
  if (!STUDY_KINDS.includes(kind as (typeof STUDY_KINDS)[number])) {
    throw new ConfigError('study <kind>', `must be one of ${STUDY_KINDS.map((k) => JSON.stringify(k)).join(', ')} (got ${JSON.stringify(kind ?? '')})`);
  }
  if (typeof options.out !== 'string' || !options.out) throw new ConfigError('--out', 'is required: the results folder (must not exist or be empty, unless --force)');
  const eps = parseEpsList(options.eps ?? DEFAULT_EPS);
  const gridTokens = options.grids === undefined ? undefined : parseGridList(options.grids);
  let t0: number | undefined;
  if (options.t0 !== undefined) {
    t0 = Number(options.t0);
    if (!options.t0.trim() || !Number.isFinite(t0)) throw new ConfigError('--t0', `must be a number in [0, T) (got ${JSON.stringify(options.t0)})`);
  }
  const raw = options.raw ?? applyOverrides(options.config ? loadConfigFile(options.config) : {}, options.set ?? []);
  const base: KinfireConfig = resolveConfig(raw);
  const grids = resolveStudyGrids(gridTokens, base);
  // Resolves every run's config: a bad grid, t0 or model is reported here.
  const plan = planEpsStudy(raw, { eps, grids, t0 });
  return { kind: kind as 'eps', out: options.out, raw, base, eps, grids, t0: plan.t0, plan };
}

/** Progress across the runs of a study: a bar over all steps on a terminal, a line per run otherwise. */
export function studyProgress(totalSteps: number, stream: NodeJS.WriteStream = process.stderr, quiet = false): EpsStudyHooks & { stop(): void } {
  const label = (i: StudyRunInfo) => `${gridLabel(i.grid)} ${i.model === 'vc-limit' ? 'vc-limit' : `vc ε=${i.eps}`}`;
  if (quiet) return { stop() {} };
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      { stream, format: 'study {bar} {percentage}% | run {run}/{runs} {label} | {rate} steps/s | eta {eta_formatted}', hideCursor: true, etaBuffer: 50 },
      cliProgress.Presets.shades_classic,
    );
    let done = 0;
    let started = false;
    return {
      onRunStart(i) {
        const payload = { run: i.index + 1, runs: i.runs, label: label(i), rate: '…' };
        if (!started) {
          bar.start(totalSteps, 0, payload);
          started = true;
        } else bar.update(done, payload);
      },
      onRunProgress(i, p) {
        bar.update(done + p.step, { run: i.index + 1, runs: i.runs, label: label(i), rate: p.stepsPerSecond.toFixed(1) });
      },
      onRunEnd(i) {
        done += i.steps;
        bar.update(done);
      },
      stop() {
        if (started) bar.stop();
        started = false;
      },
    };
  }
  return {
    onRunEnd(i: StudyRunInfo, r: StudyRunRecord) {
      stream.write(`study: run ${i.index + 1}/${i.runs} ${label(i)}: ${r.steps} steps in ${r.wall_s.toFixed(2)} s (${r.steps_per_s.toFixed(1)} steps/s)${r.status === 'ok' ? '' : `, ${r.status}`}\n`);
    },
    stop() {},
  };
}

const cell = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? '' : String(x));

export const STUDY_CSV_COLUMNS = [
  'grid', 'nv', 'ng', 'dv', 'dg', 'dt', 'eps', 'steps', 'wall_s', 'steps_per_s', 'status',
  ...REPORT_LABELS.map((l) => `n_L1(${l})`),
  ...REPORT_LABELS.map((l) => `N_err(${l})`),
  'n_L1_max', 'n_L1_max_t0', 'N_max', 'N_max_t0', 'p_L1(T)', 'p_L1_max', 'p_L1_max_t0',
  'disc_n_L1(T)', 'disc_N_max',
] as const;

/** One row per (grid, ε): every error, the step count and the wall time of the kinetic run. */
export function studyCsv(result: EpsStudyResult): string {
  const lines = [STUDY_CSV_COLUMNS.join(',')];
  for (const g of result.grids) {
    for (const r of g.rows) {
      const e = r.errors;
      lines.push(
        [
          gridLabel(g.grid), g.grid.nv, g.grid.ng, cell(g.grid.dv), cell(g.grid.dg), cell(g.dt), cell(r.eps), r.run.steps, cell(r.run.wall_s), cell(r.run.steps_per_s), r.run.status,
          ...REPORT_LABELS.map((l) => cell(e.n_L1[l])),
          ...REPORT_LABELS.map((l) => cell(e.N_err[l])),
          cell(e.n_L1_max), cell(e.n_L1_max_t0), cell(e.N_max), cell(e.N_max_t0), cell(e.p_L1_T), cell(e.p_L1_max), cell(e.p_L1_max_t0),
          cell(g.discretization.n_L1_T), cell(g.discretization.N_max),
        ].join(','),
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/** N(t) of the limit and of each ε on one grid: t,N_limit,N_eps=<ε>... */
export function traceCsv(g: GridStudy): string {
  const lines = [['t', 'N_limit', ...g.traces.map((tr) => `N_eps=${tr.eps}`)].join(',')];
  for (let k = 0; k < g.limitTrace.t.length; k++) lines.push([g.limitTrace.t[k], g.limitTrace.N[k], ...g.traces.map((tr) => cell(tr.N[k]))].join(','));
  return `${lines.join('\n')}\n`;
}

const slopeText = (r: Rate) => (r.slope === null ? 'slope n/a' : `slope ${r.slope.toFixed(2)}`);
const gridText = (g: GridStudy) => `${g.grid.nv}×${g.grid.ng}`;

/** The plots of a study: name → PNG. */
export function studyPlots(result: EpsStudyResult): Record<string, Buffer> {
  const eps = result.eps;
  const xs = (g: GridStudy) => g.rows.map((r) => r.eps);
  const layer = `t0 = ${result.t0.toPrecision(3)}`;
  const prepared = result.prepared ? 'well-prepared data' : 'ill-prepared data (initial.prepared = false)';
  const nSeries: LineSeries[] = [];
  for (const g of result.grids) {
    nSeries.push({ x: xs(g), y: g.rows.map((r) => r.errors.n_L1.T ?? Number.NaN), label: `${gridText(g)}: ‖nε − n‖L1 at T, ${slopeText(g.rates.n_L1_T)}` });
    const d = g.discretization.n_L1_T;
    if (d !== null && eps.length > 1) nSeries.push({ x: [eps[eps.length - 1], eps[0]], y: [d, d], label: `${gridText(g)}: discretization error of n (limit, vs ${g.discretization.finer?.replace('x', '×')})` });
  }
  const NSeries: LineSeries[] = [];
  const pSeries: LineSeries[] = [];
  for (const g of result.grids) {
    NSeries.push({ x: xs(g), y: g.rows.map((r) => r.errors.N_max ?? Number.NaN), label: `${gridText(g)}: max over [0, T] |Nε − N|, ${slopeText(g.rates.N_max)}` });
    NSeries.push({ x: xs(g), y: g.rows.map((r) => r.errors.N_max_t0 ?? Number.NaN), label: `${gridText(g)}: max over [t0, T], ${slopeText(g.rates.N_max_t0)}` });
    pSeries.push({ x: xs(g), y: g.rows.map((r) => r.errors.p_L1_max ?? Number.NaN), label: `${gridText(g)}: max over (0, T] ‖pε − p‖L1, ${slopeText(g.rates.p_L1_max)}` });
    pSeries.push({ x: xs(g), y: g.rows.map((r) => r.errors.p_L1_max_t0 ?? Number.NaN), label: `${gridText(g)}: max over [t0, T], ${slopeText(g.rates.p_L1_max_t0)}` });
  }
  const finest = result.grids[result.grids.length - 1];
  const traces: LineSeries[] = [
    { x: finest.limitTrace.t, y: finest.limitTrace.N, label: 'limit (vc-limit)' },
    ...finest.traces.map((tr) => ({ x: finest.limitTrace.t, y: tr.N, label: `ε = ${tr.eps}` })),
  ];
  const common = { xLabel: 'ε', logX: true, logY: true };
  return {
    'error_n.png': renderLinePlotPng(nSeries, { ...common, yLabel: '‖nε(·,T) − n(·,T)‖ L1', title: `Voltage density at T = ${result.T}: kinetic vs limit, ${prepared}` }),
    'error_N.png': renderLinePlotPng(NSeries, { ...common, yLabel: 'max |Nε(t) − N(t)|', title: `Firing rate N(t): with and without the initial layer (${layer})` }),
    'error_p.png': renderLinePlotPng(pSeries, { ...common, yLabel: 'max ‖pε − n M‖ L1 over sampled t', title: `Density p(v, g) vs the limit's n × equilibrium (${layer})` }),
    'N_t.png': renderLinePlotPng(traces, { xLabel: 't', yLabel: 'N(t)', title: `N(t) on ${gridText(finest)}: kinetic at each ε and the limit` }),
  };
}

/** study.json: the errors, the fitted rates, steps and wall time per run, the adapter and the config. */
export function studyJson(result: EpsStudyResult, base: KinfireConfig, options: { grids?: string; eps?: string; set?: string[]; config?: string }) {
  return {
    kinfire: pkg.version,
    study: 'eps',
    adapter: result.adapter,
    runtime: result.runtime,
    ok: result.ok,
    runs: result.runs,
    wall_s: result.wall_s,
    eps: result.eps,
    T: result.T,
    t0: result.t0,
    prepared: result.prepared,
    definitions: {
      n_L1: '‖nε(·,t) − n(·,t)‖_L1 = Σ_i |nε_i − n_i| Δv, n = ∫ p dg; at the steps nearest T/4, T/2, 3T/4, T (report_times)',
      N_err: '|Nε(t) − N(t)| at the same times',
      n_L1_max: 'max of n_L1 over the sampled times in (0, T] (sample_times: kT/8 and T·2^-k, to see the initial layer, and t0); _t0: over those in [t0, T]',
      N_max: 'max over every step in [0, T] of |Nε − N| (with the initial layer); N_max_t0: over [t0, T] (without)',
      p_L1: '‖pε − p‖_L1 over (v, g), p the limit run (n × the discrete equilibrium); p_L1_max(_t0) as n_L1_max(_t0)',
      rates: `least-squares slope of log(error) against log(ε) over the ε of a grid, errors ≤ ${ERROR_NOISE_FLOOR.toExponential(0)} (f32 noise) left out; C: error ≈ C ε^slope`,
      local_rates: 'log(e_k/e_k+1)/log(ε_k/ε_k+1) between successive ε',
      discretization: 'the limit solution on this grid against the next finer grid: n_L1_T = ‖n_h(T) − R n_fine(T)‖_L1 (R: cell averages of the finer n on the coarser cells), N_max = max over the coarse step times of |N_h − N_fine| (N_fine linearly interpolated)',
      grids: 'a --grids size s means nv = s and ng = round(s · ng/nv) of the config (at least 8); NVxNG is taken as it is',
    },
    options: { config: options.config ?? null, eps: options.eps ?? DEFAULT_EPS, grids: options.grids ?? null, set: options.set ?? [] },
    grids: result.grids.map((g) => ({
      grid: g.grid,
      dt: g.dt,
      steps: g.steps,
      report_times: g.report_times,
      sample_times: g.sample_times,
      limit: g.limit,
      discretization: g.discretization,
      rates: g.rates,
      local_rates: g.local_rates,
      runs: g.rows.map((r) => ({ ...r.run, errors: r.errors })),
    })),
    cost: result.grids.map((g) => ({
      grid: gridLabel(g.grid),
      eps: g.rows.map((r) => r.eps),
      steps: g.rows.map((r) => r.run.steps),
      wall_s: g.rows.map((r) => r.run.wall_s),
      limit_steps: g.limit.steps,
      limit_wall_s: g.limit.wall_s,
    })),
    warnings: result.warnings,
    config: base,
  };
}

export async function studyCommand(kind: string | undefined, options: StudyOptions, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)) {
  const input = parseStudyInput(kind, options);
  const out = input.out;
  const everySeconds = parseCheckpointEvery(options.checkpointEvery);
  return withGpuAndFolder(out, { force: !!options.force, command: 'study', version: pkg.version, ...(options.resume ? { resume: true } : {}) }, async (ctx, reservation) => {
    for (const g of input.grids) checkGridFits(ctx.limits, g.nv, g.ng);
    const totalSteps = input.plan.plans.reduce((s, p) => s + p.limit.time.steps * (1 + p.kinetic.length), 0);
    if (!options.quiet) {
      log(`kinfire ${pkg.version}: study eps, ${input.eps.length} ε (${input.eps.join(', ')}) × ${input.grids.length} grid(s), ${input.plan.plans.length * (1 + input.eps.length)} runs, ${totalSteps} steps; T = ${input.base.time.T}, t0 = ${input.t0}, initial.prepared = ${input.base.initial.prepared}`);
      for (const p of input.plan.plans) log(`  grid ${gridLabel(p.grid)}: dt = ${p.limit.time.dt.toPrecision(4)}, ${p.limit.time.steps} steps per run (every ε and the limit)`);
      log(`adapter: ${describeAdapter(ctx.adapterInfo)} (${ctx.runtime})`);
    }
    const progress = studyProgress(totalSteps, process.stderr, options.quiet);
    try {
      return await reservation.produce(async (pending) => {
        // kinfire resume gives back the options the study was started with (the header's options)
        const studyOptions = { kind: input.kind, eps: options.eps ?? DEFAULT_EPS, grids: options.grids ?? null, t0: options.t0 ?? null, set: options.set ?? [], config: options.config ?? null, checkpointEvery: everySeconds };
        const { checkpoint, moved } = commandRunsResume<SavedCapture, SavedCapture, KineticRunHost>(
          pending,
          !!options.resume,
          { command: 'study', family: 'vc', raw: input.raw as Record<string, unknown>, options: studyOptions, version: pkg.version, adapter: ctx.adapterInfo, steps: totalSteps, dt: input.plan.plans[0]!.limit.time.dt, everySeconds },
          log,
        );
        const result = await runEpsStudy(ctx, input.raw, {
          eps: input.eps,
          grids: input.grids,
          t0: input.t0,
          checkpoint,
          hooks: { ...progress, onWarning: (w) => (options.quiet ? undefined : log(`warning: ${w}`)) },
        });
        progress.stop();
        if (moved) result.warnings.push(moved);
        const json = studyJson(result, input.base, options);
        pending.write('study.json', `${JSON.stringify(json, null, 2)}\n`);
        pending.write('study.csv', studyCsv(result));
        for (const g of result.grids) pending.write(`N_${gridLabel(g.grid)}.csv`, traceCsv(g));
        for (const [name, png] of Object.entries(studyPlots(result))) pending.write(name, png);
        if (!result.ok) log('study: some runs stopped early (see study.json → grids[].runs[].status); their errors are left empty');
        return { out: resolve(out), result };
      });
    } finally {
      progress.stop();
    }
  });
}

export function registerStudy(program: Command): void {
  checkpointEveryOption(program
    .command('study')
    .description('parameter studies; "eps": the kinetic model (vc) against its ε → 0 limit (vc-limit), errors and observed rates')
    .argument('[kind]', 'the study: eps')
    .option('-c, --config <file>', 'JSON config (model vc; every key has a default)')
    .option('-o, --out <dir>', 'results folder (required; must not exist or be empty, unless --force)')
    .option('--eps <list>', 'comma-separated ε values in [1e-12, 1e6]', DEFAULT_EPS)
    .option('--grids <list>', "grid sizes: s means nv = s, ng = round(s·ng/nv) of the config; or NVxNG (default: the config's grid)")
    .option('--t0 <time>', 'errors without the initial layer are taken over [t0, T] (default T/4)')
    .option('-s, --set <key=value>', 'override one config key, e.g. params.b=0.7 (repeatable)', (v: string, prev: string[]) => [...prev, v], [])
    .option('-f, --force', 'replace a results folder kinfire wrote (never other files)')
    .option('-q, --quiet', 'no progress output'))
    .action(async (kind: string | undefined, opts: StudyOptions) => {
      const { out, result } = await studyCommand(kind, opts);
      const rates = Object.fromEntries(
        result.grids.map((g) => [gridLabel(g.grid), { n_L1_T: g.rates.n_L1_T.slope, N_max: g.rates.N_max.slope, N_max_t0: g.rates.N_max_t0.slope, p_L1_max: g.rates.p_L1_max.slope, p_L1_max_t0: g.rates.p_L1_max_t0.slope, disc_n_L1_T: g.discretization.n_L1_T }]),
      );
      process.stdout.write(`${JSON.stringify({ out, ok: result.ok, rates, runs: result.runs, wall_s: result.wall_s })}\n`);
      if (!result.ok) process.exitCode = 3;
    });
}
