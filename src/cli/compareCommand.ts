/**
 * `kinfire compare`: the `vc` particle system against the kinetic PDE on the same grid and dt, at several
 * particle counts (src/host/compare.ts); with model nnlif, the NNLIF particles against the Fokker–Planck PDE
 * (src/host/nnlifCompare.ts); with model elapsed, the renewal neurons against the elapsed-time PDE
 * (src/host/elapsedCompare.ts). Writes the results folder atomically (PendingResults):
 *
 *   compare.csv   count,L1_hist,L1_N,N_mean_particles,N_mean_pde,wall_s  (one row per count); nnlif with
 *                 K > 1 populations: L1_hist and L1_N summed over the populations, N_mean_* population 0's,
 *                 then per population L1_hist_<name>,L1_N_<name>,N_mean_particles_<name>,N_mean_pde_<name>
 *   compare.json  the fitted exponents of L1_hist and L1_N against count (least squares in log-log; with
 *                 K > 1 also per population, fits.populations), the rows, the PDE run, the adapter, the
 *                 resolved config, the definitions and the seed rule
 *   compare.png   the errors against count (log-log), the fitted power laws and a count^(−1/2) reference
 *
 * Bad input (config, model other than vc, --counts, --out, a count too large for the adapter) is a
 * ConfigError / OutputDirError: exit 2 and no results folder. A run that stops early (blowup) gives exit 3.
 * It keeps checkpoints as the run commands do (--checkpoint-every; SIGINT / SIGTERM write one and leave the
 * folder interrupted): each holds the finished runs and the one in progress, and `kinfire resume DIR` goes on
 * from it, bitwise the uninterrupted comparison (its wall times apart).
 */
import { totalmem } from 'node:os';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import pkg from '../../package.json' with { type: 'json' };
import { type CompareHooks, type CompareResult, type ComparisonCheckpointing, type ComparisonPart, type ComparisonPartial, compareConfigs, runComparison } from '../host/compare';
import { nnlifCompareConfigs, runNnlifComparison } from '../host/nnlifCompare';
import { elapsedCompareConfigs, runElapsedComparison } from '../host/elapsedCompare';
import { describeElapsed } from '../models/elapsed/config';
import { elapsedSteadyRates } from '../models/elapsed/steadyStates';
import { type AdapterSummary, describeAdapter, type GpuContext } from '../host/gpu';
import { checkParticleMemory } from '../host/particleSystem';
import { applyOverrides, ConfigError } from '../models/config';
import { renderLinePlotPng } from '../render/png/lineplot';
import { progressReporter, type ProgressReporter } from './progress';
import { loadConfigFile } from './runCommand';
import { withGpuAndFolder } from './gpuCommand';
import { checkpointEveryOption, commandRunsResume, parseCheckpointEvery } from './checkpointing';
import type { PendingResults } from '../io/resultsFolder';
import { familyOf } from '../models/registry';

export const DEFAULT_COUNTS = '1e4,1e5,1e6';
export const COMPARE_CSV_HEADER = 'count,L1_hist,L1_N,N_mean_particles,N_mean_pde,wall_s';

export interface CompareOptions {
  config?: string;
  counts?: string;
  out?: string;
  set?: string[];
  force?: boolean;
  quiet?: boolean;
  /** seconds between checkpoints (default DEFAULT_CHECKPOINT_EVERY; 0: only on a signal) */
  checkpointEvery?: number | string;
  /** continue the interrupted comparison in `out` (kinfire resume) */
  resume?: boolean;
  /** the config itself (file and --set applied), instead of reading --config again (kinfire resume) */
  raw?: Record<string, unknown>;
}

/**
 * The checkpoints of a comparison (its runs one after another: the PDE, then the particles at each count), and
 * the resume of one: the header keeps the config and the counts, each checkpoint the finished runs and the
 * one in progress (host/compare.ts, compareRuns).
 */
function comparisonCheckpoint(pending: PendingResults, options: CompareOptions, ctx: GpuContext, family: string, raw: Record<string, unknown>, counts: number[], time: { steps: number; dt: number }, log: (line: string) => void) {
  const everySeconds = parseCheckpointEvery(options.checkpointEvery);
  return commandRunsResume<ComparisonPart, ComparisonPartial, unknown>(
    pending,
    !!options.resume,
    { command: 'compare', family, raw, options: { counts: counts.join(','), checkpointEvery: everySeconds }, version: pkg.version, adapter: ctx.adapterInfo, steps: time.steps, dt: time.dt, everySeconds },
    log,
  );
}

/** The config of a comparison: the one a resume gives back, or the file with --set applied. */
const compareRaw = (options: CompareOptions): Record<string, unknown> => (options.raw ?? applyOverrides(options.config ? loadConfigFile(options.config) : {}, options.set ?? [])) as Record<string, unknown>;

const folderOptions = (options: CompareOptions) => ({ force: !!options.force, command: 'compare', version: pkg.version, ...(options.resume ? { resume: true } : {}) });

/** "1e4,1e5,1e6" → [10000, 100000, 1000000], sorted and without repeats; at least two distinct counts. */
export function parseCounts(text: string): number[] {
  const tokens = text.split(',').map((s) => s.trim());
  const counts = tokens.map((token) => {
    const n = Number(token);
    if (!token || !Number.isInteger(n) || n < 1 || n > 0xffffffff) {
      throw new ConfigError('--counts', `every count must be a positive integer ≤ 4294967295, e.g. 1e4,1e5,1e6 (got ${JSON.stringify(token)})`);
    }
    return n;
  });
  const unique = [...new Set(counts)].sort((a, b) => a - b);
  if (unique.length < 2) throw new ConfigError('--counts', `needs at least two distinct counts for the fit (got ${JSON.stringify(text)})`);
  return unique;
}

/** Everything that can reject a comparison's input without a GPU (the family's configs, --counts): for a sweep's points. */
export function checkCompareInput(raw: Record<string, unknown>, counts: string | undefined): void {
  const c = parseCounts(counts ?? DEFAULT_COUNTS);
  const family = familyOf(raw).name;
  if (family === 'nnlif') nnlifCompareConfigs(raw, c[0]!);
  else if (family === 'elapsed') elapsedCompareConfigs(raw, c[0]!);
  else compareConfigs(raw, c[0]!);
}

export function parseCompareInput(options: CompareOptions) {
  if (typeof options.out !== 'string' || !options.out) throw new ConfigError('--out', 'is required: the results folder (must not exist or be empty, unless --force)');
  const counts = parseCounts(options.counts ?? DEFAULT_COUNTS);
  const raw = compareRaw(options);
  const configs = compareConfigs(raw, counts[0]);
  return { out: options.out, counts, raw, ...configs };
}

export function compareCsv(result: CompareResult): string {
  const names = result.rows[0]?.populations?.map((p) => p.name) ?? [];
  const perPopulation = names.flatMap((name) => ['L1_hist', 'L1_N', 'N_mean_particles', 'N_mean_pde'].map((key) => `${key}_${name}`));
  const rows = [[COMPARE_CSV_HEADER, ...perPopulation].join(',')];
  for (const r of result.rows) {
    const extra = (r.populations ?? []).flatMap((p) => [p.L1_hist, p.L1_N, p.N_mean_particles ?? '', p.N_mean_pde]);
    rows.push([r.count, r.L1_hist, r.L1_N, r.N_mean_particles ?? '', r.N_mean_pde, r.wall_s, ...extra].join(','));
  }
  return `${rows.join('\n')}\n`;
}

const fmtExp = (k: number) => (k < 0 ? `−${(-k).toFixed(3)}` : k.toFixed(3));

export function comparePng(result: CompareResult, title: string): Buffer {
  const counts = result.rows.map((r) => r.count);
  const lo = counts[0];
  const hi = counts[counts.length - 1];
  const ends = [lo, hi];
  const series: Parameters<typeof renderLinePlotPng>[0] = [];
  const add = (key: 'L1_hist' | 'L1_N', label: string, colour: string) => {
    const fit = result.fits[key];
    series.push({ x: counts, y: result.rows.map((r) => r[key]), label: `${label}${fit ? `, fitted slope ${fmtExp(fit.exponent)}` : ''}`, colour, marker: 'dot' });
    if (fit) series.push({ x: ends, y: ends.map((c) => fit.prefactor * c ** fit.exponent), label: `${label} fit: ${fit.prefactor.toPrecision(3)}·count^${fmtExp(fit.exponent)}`, colour, dash: [8, 5], lineWidth: 1.5, marker: 'none' });
  };
  add('L1_hist', 'L1 histogram Σ|h − p|ΔvΔg', '#1f77b4');
  add('L1_N', 'L1 of N(t), (1/T)Σ|N_part − N_pde|dt', '#d62728');
  const y0 = result.rows[0]?.L1_hist;
  if (y0 > 0) series.push({ x: ends, y: ends.map((c) => y0 * (c / lo) ** -0.5), label: 'reference count^(−1/2)', colour: '#7f7f7f', dash: [3, 4], lineWidth: 1.5, marker: 'none' });
  return renderLinePlotPng(series, { title, xLabel: 'particle count', yLabel: 'error', logX: true, logY: true });
}

export function compareJson(result: CompareResult, input: ReturnType<typeof parseCompareInput>, adapter: AdapterSummary, runtime: string, wall_s: number) {
  const k = input.kinetic;
  const p = input.particles;
  return {
    kinfire: pkg.version,
    kind: 'compare',
    model: 'vc',
    status: result.ok ? 'ok' : 'stopped',
    counts: input.counts,
    seed: p.particles.seed,
    seed_rule: 'every count runs with the config\'s particles.seed: the random numbers are a pure function of (seed, neuron, step, stream), so each run is reproducible; the runs are not nested samples (the feedback differs between counts)',
    fits: {
      L1_hist: result.fits.L1_hist,
      L1_N: result.fits.L1_N,
      rule: 'least squares of log(error) against log(count) over every count; sampling noise predicts an exponent of −1/2 until the PDE discretisation error is reached',
    },
    definitions: {
      L1_hist: 'Σ|h − p|ΔvΔg at T: h the particle histogram normalised as a density (counts/(count·Δv·Δg)), p the kinetic density, on the kinetic grid',
      L1_N: '(1/T)Σ_n |N_part,n − N_pde,n| dt over every step: N_part,n = spikes in the step/(count·dt), N_pde,n = ½(N(t_{n−1}) + N(t_n)) of the kinetic state',
      N_mean: 'the mean over particles.window of the per-step N (particles: batch means, with N_se; PDE: N_pde,n over the same steps)',
    },
    T: k.time.T,
    dt: k.time.dt,
    steps: k.time.steps,
    grid: { nv: k.grid.nv, ng: k.grid.ng, gmax: k.grid.gmax, dv: (p.grid.vhi - p.grid.vlo) / k.grid.nv, dg: k.grid.gmax / k.grid.ng },
    window: result.window,
    rows: result.rows,
    pde: result.pde,
    adapter,
    runtime,
    wall_s,
    warnings: result.warnings,
    config: { model: 'vc', params: k.params, grid: k.grid, time: k.time, initial: k.initial, particles: { ...p.particles, count: undefined } },
  };
}

/** One progress bar per run of a comparison (the PDE, then each count), and its warnings logged. */
function comparisonProgress(options: CompareOptions, log: (line: string) => void): { hooks: CompareHooks; stop(): void } {
  let bar: ProgressReporter | undefined;
  return {
    hooks: {
      onStart: (what) => {
        bar?.stop();
        bar = progressReporter(what.kind === 'pde' ? 'pde' : `particles ${what.count}`, process.stderr, options.quiet);
      },
      onProgress: (p) => bar?.update(p),
      onWarning: (w) => (options.quiet ? undefined : log(`warning: ${w}`)),
    },
    stop: () => bar?.stop(),
  };
}

/**
 * What the three comparisons differ in: the family's configs, its run, compare.json and the figure's title. The rest
 * (the GPU and the folder, the memory check, progress, checkpoints, the files) is comparisonCommand's.
 */
interface ComparisonCommandPlan<Json extends { wall_s: number }> {
  family: 'vc' | 'nnlif' | 'elapsed';
  out: string;
  raw: Record<string, unknown>;
  counts: number[];
  /** the PDE's time grid (a checkpoint's header) */
  time: { steps: number; dt: number };
  /** refuses, naming --counts, a count whose particles would not fit in memory */
  checkMemory(ctx: GpuContext, count: number): void;
  banner: string;
  run(ctx: GpuContext, hooks: CompareHooks, checkpoint: ComparisonCheckpointing): Promise<CompareResult>;
  json(result: CompareResult, ctx: GpuContext, wall_s: number): Json;
  /** JSON.stringify's replacer of compare.json (elapsed: an infinite age as text) */
  replacer?: (key: string, value: unknown) => unknown;
  title: string;
}

async function comparisonCommand<Json extends { wall_s: number }>(options: CompareOptions, plan: ComparisonCommandPlan<Json>, log: (line: string) => void) {
  parseCheckpointEvery(options.checkpointEvery);
  return withGpuAndFolder(plan.out, folderOptions(options), async (ctx, reservation) => {
    for (const count of plan.counts) plan.checkMemory(ctx, count);
    if (!options.quiet) {
      log(plan.banner);
      log(`adapter: ${describeAdapter(ctx.adapterInfo)} (${ctx.runtime})`);
    }
    const progress = comparisonProgress(options, log);
    const started = performance.now();
    try {
      return await reservation.produce(async (pending) => {
        const { checkpoint, moved } = comparisonCheckpoint(pending, options, ctx, plan.family, plan.raw, plan.counts, plan.time, log);
        const result = await plan.run(ctx, progress.hooks, checkpoint);
        progress.stop();
        if (moved) result.warnings.push(moved);
        const json = plan.json(result, ctx, (performance.now() - started) / 1000);
        pending.write('compare.csv', compareCsv(result));
        pending.write('compare.json', `${JSON.stringify(json, plan.replacer, 2)}\n`);
        pending.write('compare.png', comparePng(result, plan.title));
        if (!result.ok) log('compare: a run stopped early (see compare.json → pde.status, rows[].status); the fits are left empty');
        return { out: resolve(plan.out), result, json };
      });
    } finally {
      progress.stop();
    }
  });
}

/** The first keys of compare.json of the nnlif and elapsed comparisons. */
const compareJsonHead = (model: string, result: CompareResult, counts: number[], seed: number) => ({
  kinfire: pkg.version,
  kind: 'compare',
  model,
  status: result.ok ? 'ok' : 'stopped',
  counts,
  seed,
  seed_rule: "every count runs with the config's particles.seed (see the vc comparison)",
});

/** The keys of compare.json of the nnlif and elapsed comparisons after their definitions: the time grid, the runs, the adapter. */
const compareJsonRuns = (result: CompareResult, ctx: GpuContext, wall_s: number, time: { T: number; dt: number; steps: number }, grid: unknown) => ({
  T: time.T,
  dt: time.dt,
  steps: time.steps,
  grid,
  window: result.window,
  rows: result.rows,
  pde: result.pde,
  adapter: ctx.adapterInfo,
  runtime: ctx.runtime,
  wall_s,
  warnings: result.warnings,
});

/** The nnlif comparison: the NNLIF particle system against the Fokker–Planck PDE (src/host/nnlifCompare.ts). */
function nnlifCompareCommand(options: CompareOptions, raw: Record<string, unknown>, counts: number[], log: (line: string) => void) {
  const { pde, particles } = nnlifCompareConfigs(raw, counts[0]);
  const p0 = pde.populations[0]!;
  const K = pde.populations.length;
  const what = K > 1 ? `${pde.populations.map((p) => p.name).join('–')} (errors summed), b = ${JSON.stringify(pde.coupling.b)}` : `b = ${pde.coupling.b[0]![0]}${p0.tau ? `, τ = ${p0.tau}` : ''}${p0.firing.kind === 'soft' ? ', soft threshold' : ''}`;
  return comparisonCommand(
    options,
    {
      family: 'nnlif',
      out: options.out!,
      raw,
      counts,
      time: pde.time,
      checkMemory: (ctx, count) => checkParticleMemory({ ...particles, particles: { ...particles.particles, count } }, ctx.cpuAdapter, totalmem(), '--counts'),
      banner: `kinfire ${pkg.version}: compare nnlif particles (counts ${counts.join(', ')}${K > 1 ? ` in each of ${K} populations` : ''}, seed ${particles.particles.seed}) against the Fokker–Planck PDE on ${pde.grid.nv} nodes, dt = ${pde.time.dt.toPrecision(4)}, ${pde.time.steps} steps to T = ${pde.time.T}`,
      run: (ctx, hooks, checkpoint) => runNnlifComparison(ctx, raw, counts, hooks, checkpoint),
      json: (result, ctx, wall_s) => ({
        ...compareJsonHead('nnlif', result, counts, particles.particles.seed),
        fits: {
          L1_hist: result.fits.L1_hist,
          L1_N: result.fits.L1_N,
          ...(result.populationFits ? { populations: result.populationFits } : {}),
          rule: `least squares of log(error) against log(count) over every count${K > 1 ? ' (L1_hist, L1_N: of the sums over the populations; populations: of each one\'s)' : ''}; sampling noise predicts an exponent of −1/2 until the PDE and time-step errors are reached`,
        },
        definitions: {
          L1_hist: "Σ|h − p|Δv at T over the particle histogram's cells: h the histogram of the active neurons as a density, p the PDE's n averaged over each cell (its linear interpolant between the nodes)" + (K > 1 ? '; per population, and their sum over the populations' : ''),
          L1_N: "(1/T)Σ_n |N_part,n − N_pde,n| dt over every step: N_part,n = spikes in the step/(count·dt), N_pde,n the rate of the PDE's step n" + (K > 1 ? '; per population, and their sum over the populations' : ''),
          N_mean: `the mean over particles.window of the per-step N${K > 1 ? ' (top level: population 0; each population in rows[].populations)' : ''}`,
          ...(K > 1 ? { count: `particles.count neurons in each of the ${K} populations` } : {}),
        },
        ...compareJsonRuns(result, ctx, wall_s, pde.time, { nv: pde.grid.nv, vmin: p0.vmin, histogram: particles.grid }),
        config: { model: 'nnlif', nnlif: particles.nnlif ?? particles.network, time: particles.time, initial: { v0: particles.initial.v0, sv: particles.initial.sv }, particles: { ...particles.particles, count: undefined } },
      }),
      title: `nnlif particles against the Fokker–Planck PDE, ${pde.grid.nv} nodes, T = ${pde.time.T}, ${what}${pde.delay ? `, d = ${pde.delay}` : ''}`,
    },
    log,
  );
}

/** The elapsed comparison: the renewal neurons against the elapsed-time PDE (src/host/elapsedCompare.ts). */
function elapsedCompareCommand(options: CompareOptions, raw: Record<string, unknown>, counts: number[], log: (line: string) => void) {
  const { pde, particles } = elapsedCompareConfigs(raw, counts[0]);
  return comparisonCommand(
    options,
    {
      family: 'elapsed',
      out: options.out!,
      raw,
      counts,
      time: pde.time,
      checkMemory: (ctx, count) => checkParticleMemory({ ...particles, particles: { ...particles.particles, count } }, ctx.cpuAdapter, totalmem(), '--counts'),
      banner: `kinfire ${pkg.version}: compare elapsed particles (counts ${counts.join(', ')}, seed ${particles.particles.seed}) against the elapsed-time PDE on ${pde.grid.ns} age cells, dt = ${pde.time.dt.toPrecision(4)}, ${pde.time.steps} steps to T = ${pde.time.T}`,
      run: (ctx, hooks, checkpoint) => runElapsedComparison(ctx, raw, counts, hooks, checkpoint),
      json: (result, ctx, wall_s) => ({
        ...compareJsonHead('elapsed', result, counts, particles.particles.seed),
        fits: {
          L1_hist: result.fits.L1_hist,
          L1_N: result.fits.L1_N,
          rule: 'least squares of log(error) against log(count) over every count; sampling noise predicts an exponent of −1/2 until the PDE\'s O(dt) error (and, for the exponential kernel, the neurons\' one-step lag of X) is reached',
        },
        definitions: {
          L1_hist: "Σ|h − n|ds at T over the PDE's age cells: h the neurons' age histogram as a density (the last cell every age beyond), n the PDE's n(s, T)",
          L1_N: "(1/T)Σ_n |N_part,n − N_pde,n| dt over every step: N_part,n = spikes in the step/(count·dt), N_pde,n the PDE's fired mass of step n over dt",
          N_mean: 'the mean over particles.window of the per-step N',
          coupling:
            pde.kernel.kind === 'delay'
              ? 'both see X = b·N(t − d) of the same past'
              : pde.kernel.kind === 'instant'
                ? "both solve X = b·N of the step in the step (implicit): the neurons' spike count K with f(K) = K (b > 0; for b < 0 the crossing f(K) ≤ K ≤ f(K − 1)), the PDE's N = G(N), each taking the smallest root"
                : 'the neurons see X of the filtered activity at the start of the step (explicit), the PDE solves it in the step (implicit): O(dt) apart',
        },
        N_exact: elapsedSteadyRates(pde.elapsed),
        ...compareJsonRuns(result, ctx, wall_s, pde.time, pde.grid),
        config: { model: 'elapsed', elapsed: pde.elapsed, kernel: pde.kernel, time: particles.time, initial: pde.initial, particles: { ...particles.particles, count: undefined } },
      }),
      replacer: (_, v) => (v === Infinity ? 'Infinity' : v),
      title: `elapsed particles against the elapsed-time PDE, ${pde.grid.ns} age cells, T = ${pde.time.T}, ${describeElapsed(pde)}`,
    },
    log,
  );
}

export async function compareCommand(options: CompareOptions, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)) {
  // Everything that can reject the input happens before the results folder exists.
  if (typeof options.out !== 'string' || !options.out) throw new ConfigError('--out', 'is required: the results folder (must not exist or be empty, unless --force)');
  const raw = compareRaw(options);
  if (familyOf(raw).name === 'nnlif') return nnlifCompareCommand(options, raw, parseCounts(options.counts ?? DEFAULT_COUNTS), log);
  if (familyOf(raw).name === 'elapsed') return elapsedCompareCommand(options, raw, parseCounts(options.counts ?? DEFAULT_COUNTS), log);
  const input = parseCompareInput(options);
  const { kinetic } = input;
  return comparisonCommand(
    options,
    {
      family: 'vc',
      out: input.out,
      raw: input.raw,
      counts: input.counts,
      time: kinetic.time,
      checkMemory: (ctx, count) => checkParticleMemory({ ...input.particles, particles: { ...input.particles.particles, count } }, ctx.cpuAdapter, totalmem(), '--counts'),
      banner: `kinfire ${pkg.version}: compare vc particles (counts ${input.counts.join(', ')}, seed ${input.particles.particles.seed}) against the kinetic PDE on ${kinetic.grid.nv} × ${kinetic.grid.ng}, dt = ${kinetic.time.dt.toPrecision(4)}, ${kinetic.time.steps} steps to T = ${kinetic.time.T}`,
      run: (ctx, hooks, checkpoint) => runComparison(ctx, input.raw, input.counts, hooks, checkpoint),
      json: (result, ctx, wall_s) => compareJson(result, input, ctx.adapterInfo, ctx.runtime, wall_s),
      title: `vc particles against the kinetic PDE, ${kinetic.grid.nv} × ${kinetic.grid.ng}, T = ${kinetic.time.T}, ε = ${kinetic.params.eps}, b = ${kinetic.params.b}`,
    },
    log,
  );
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerCompare(program: Command): void {
  checkpointEveryOption(program
    .command('compare')
    .description('cross-check particles against the PDE at several counts (model vc: the kinetic PDE; nnlif: the Fokker–Planck PDE; elapsed: the elapsed-time PDE): compare.csv, compare.json, compare.png')
    .option('-c, --config <file>', 'JSON config (model vc, nnlif or elapsed; every key has a default; see README)')
    .option('--counts <list>', 'comma-separated particle counts, positive integers (at least two distinct)', DEFAULT_COUNTS)
    .option('-o, --out <dir>', 'results folder (required; must not exist or be empty, unless --force)')
    .option('-s, --set <key=value>', 'override one config key, e.g. params.b=0.7 (repeatable)', collect, [])
    .option('-f, --force', 'replace a results folder kinfire wrote (never other files)')
    .option('-q, --quiet', 'no progress output'))
    .action(async (opts) => {
      const { out, result, json } = await compareCommand(opts);
      process.stdout.write(
        `${JSON.stringify({
          out,
          status: json.status,
          counts: json.counts,
          exponent_L1_hist: result.fits.L1_hist?.exponent ?? null,
          exponent_L1_N: result.fits.L1_N?.exponent ?? null,
          ...(result.populationFits ? { populations: result.populationFits.map((f) => ({ name: f.name, exponent_L1_hist: f.L1_hist?.exponent ?? null, exponent_L1_N: f.L1_N?.exponent ?? null })) } : {}),
          wall_s: json.wall_s,
        })}\n`,
      );
      if (!result.ok) process.exitCode = 3;
    });
}
