/**
 * `kinfire particles`: the particle system of a config (models vc, vc-threshold, nnlif, elapsed). Validates the
 * config, opens the GPU, runs, and writes the results folder atomically (PendingResults):
 *
 *   summary.json   model, params, dt, steps, adapter, wall_s, status, count, seed, N_mean ± N_se over
 *                  the window (batch means), particle_steps_per_s, the snapshots, …; nnlif: per population
 *                  (populations[]) its N_mean ± N_se, N_final and histogram grid (the top-level N_* are
 *                  population 0's, as in the PDE's summary)
 *   activity.csv   t,N  (N of the step ending at t; the row t = 0 is the initial feedback N0); with K > 1
 *                  populations one column each: t,N_E,N_I,…
 *   p_t<time>.npy  vc, vc-threshold: the (v, g) histogram, float32, shape (ng, nv), v fastest, a density
 *                  (Σ p·Δv·Δg = fraction of the neurons on the grid), as the kinetic snapshots
 *   n_t<time>.npy  nnlif: the v histogram, float32, shape (nv,), on [vmin, VF + thresholdSpread] (soft:
 *                  [vmin, vmax]); with K > 1 populations shape (K, nv), row α on population α's axis and
 *                  normalised by its own count
 *                  elapsed: the age histogram, float32, shape (ns,), on the PDE's age cells [i·dt, (i+1)·dt)
 *                  (the last one every age beyond), a density (Σ n·ds = 1), as the PDE's n_t<time>.npy
 *   *.png          a heatmap (vc) or a line plot (nnlif, elapsed: with the exact steady density when there is one)
 *
 * Bad input (config, --out, a count too large for the adapter) is a ConfigError / OutputDirError: exit 2
 * and no results folder. Checkpoints (--checkpoint-every, SIGINT / SIGTERM) and `kinfire resume` as for
 * `kinfire run` (checkpointing.ts): the neurons' Philox draws are keyed by the step, so a checkpoint's
 * random-number position is its step, and the resumed run is bitwise the uninterrupted one.
 */
import { totalmem } from 'node:os';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import pkg from '../../package.json' with { type: 'json' };
import { type AdapterSummary, describeAdapter } from '../host/gpu';
import { type ParticleRunHost, runParticles, type ParticleRunResult, type ParticleSnapshot } from '../host/particleRun';
import { checkParticleMemory, particleHistogramGrid, particlePopulations } from '../host/particleSystem';
import { encodeNpy } from '../io/npy';
import { type ParticleConfig, type ParticleElapsed, type ParticleNetwork, resolveParticleConfig } from '../models/config';
import { nnlifKernelParams, nnlifParticleSteadyRates } from '../models/particles/nnlifReference';
import { nnlifSteadyDensity } from '../models/nnlif/steadyRate';
import { elapsedSteadyRates, steadyCells } from '../models/elapsed/steadyStates';
import { describeElapsed } from '../models/elapsed/config';
import { renderHeatmapPng } from '../render/png/heatmap';
import { renderLinePlotPng } from '../render/png/lineplot';
import { progressReporter } from './progress';
import { calibrationConfig, LONG_RUN_STEPS, refuseLongRun } from './longRuns';
import { rawConfigFromOptions } from './runCommand';
import { withGpuAndFolder } from './gpuCommand';
import { checkpointEveryOption, commandResume, parseCheckpointEvery } from './checkpointing';

export interface ParticlesOptions {
  config?: string;
  out: string;
  set?: string[];
  force?: boolean;
  quiet?: boolean;
  /** run more than LONG_RUN_STEPS steps */
  allowLong?: boolean;
  /** the config itself, instead of --config and --set (a point of kinfire sweep, kinfire resume) */
  raw?: Record<string, unknown>;
  /** seconds between checkpoints (default DEFAULT_CHECKPOINT_EVERY; 0: only on a signal) */
  checkpointEvery?: number | string;
  /** continue the interrupted run in `out` (kinfire resume) */
  resume?: boolean;
}

export interface ParticleSnapshotRecord {
  t: number;
  step: number;
  npy: string;
  png: string;
  /** Σ density·Δv·Δg: the fraction of the neurons on the grid (of all the populations) */
  mass: number;
  outside: number;
  refractory: number;
  /** nnlif: the same fractions of each population's neurons */
  populations?: { name: string; mass: number; outside: number; refractory: number }[];
}

/** One population of an nnlif particle run in summary.json. */
export interface ParticlesPopulationSummary {
  name: string;
  count: number;
  N0: number;
  N_final: number;
  N_mean: number | null;
  N_se: number | null;
  lag1: number | null;
  /** its histogram axis: nv cells on [vmin, vmax] */
  grid: { nv: number; vmin: number; vmax: number; dv: number };
}

export interface ParticlesSummary {
  kinfire: string;
  kind: 'particles';
  model: ParticleConfig['model'];
  /** vc: params; nnlif: the flat parameters of one population, or with K > 1 the network (populations, coupling, …); elapsed: the firing rate and the kernel */
  params: ParticleConfig['params'] | NonNullable<ParticleConfig['nnlif']> | ParticleNetwork | (ParticleElapsed['model'] & { kernel: ParticleElapsed['kernel'] });
  count: number;
  seed: number;
  grid: Record<string, number>;
  T: number;
  dt: number;
  steps: number;
  t_final: number;
  adapter: AdapterSummary;
  runtime: string;
  workgroup_size: number;
  /** the state slices the population was split into (1 unless it exceeds one storage binding) */
  state_slices: number;
  wall_s: number;
  steps_per_s: number;
  particle_steps_per_s: number;
  N0: number;
  N_final: number;
  window: [number, number];
  N_mean: number | null;
  N_se: number | null;
  batch_means: { batches: number; steps_per_batch: number; steps_used: number; steps_dropped: number; lag1: number | null; rule: string };
  /** nnlif with one population: every steady rate of the mean-field equation; elapsed: every steady rate of the PDE; for comparison */
  N_exact?: number[];
  /** nnlif: every population (K = 1 included) */
  populations?: ParticlesPopulationSummary[];
  status: ParticleRunResult['status'];
  message?: string;
  warnings: string[];
  snapshots: ParticleSnapshotRecord[];
  config: ParticleConfig;
}

export function particlesConfigFromOptions(options: { config?: string; set?: string[] }): ParticleConfig {
  return resolveParticleConfig(rawConfigFromOptions(options));
}

/** The exact steady rates of an nnlif config of one population or of an elapsed config (null for the vc models and for K > 1). */
export function exactSteadyRates(config: ParticleConfig): number[] | null {
  if (config.elapsed) return elapsedSteadyRates(config.elapsed.model);
  return config.nnlif ? nnlifParticleSteadyRates(config.nnlif) : null;
}

/** The age histogram of an elapsed run (with n∞ of the steady state when there is exactly one). */
function elapsedSnapshotFiles(config: ParticleConfig, e: ParticleElapsed, s: ParticleSnapshot, exact: number[] | null): { stem: string; npy: Uint8Array; png: Buffer } {
  const { ns, ds } = e.grid;
  const ages = Array.from({ length: ns }, (_, i) => (i + 0.5) * ds);
  const series = [{ x: ages, y: s.histogram.density, label: `particles (${formatCount(config.particles.count)})` }];
  if (exact && exact.length === 1) {
    const steady = steadyCells(e.model, exact[0]!, ns, ds);
    series.push({ x: ages, y: Float32Array.from(steady, (m) => m / ds), label: `steady state, N* = ${exact[0]!.toPrecision(6)}` });
  }
  const png = renderLinePlotPng(series, {
    title: `age histogram n(s, t = ${s.t.toPrecision(4)})   elapsed particles, ${describeElapsed({ elapsed: e.model, kernel: e.kernel })}`,
    xLabel: 's (age since the last spike)',
    yLabel: 'n',
  });
  return { stem: `n_t${s.t.toFixed(6)}`, npy: encodeNpy(s.histogram.density, [ns]), png };
}

/** 10000000 → "1e7", 25000 → "25000" */
function formatCount(n: number): string {
  return n >= 1e5 ? n.toExponential().replace('e+', 'e') : String(n);
}

/** A short description of an nnlif network for figure titles. */
function describeNetwork(net: ParticleNetwork): string {
  const a1 = net.coupling.a1.some((row) => row.some((x) => x !== 0)) ? `, a1 = ${JSON.stringify(net.coupling.a1)}` : '';
  return `${net.populations.map((p) => p.name).join('–')}, b = ${JSON.stringify(net.coupling.b)}${a1}${net.delay ? `, d = ${net.delay}` : ''}`;
}

function snapshotFiles(config: ParticleConfig, s: ParticleSnapshot, exact: number[] | null): { stem: string; npy: Uint8Array; png: Buffer } {
  if (config.elapsed) return elapsedSnapshotFiles(config, config.elapsed, s, exact);
  const grid = particleHistogramGrid(config);
  const h = s.histogram;
  if (config.model === 'nnlif') {
    const stem = `n_t${s.t.toFixed(6)}`;
    const n = config.nnlif;
    const populations = particlePopulations(config);
    const K = populations.length;
    const series = populations.map((p, alpha) => {
      const g = particleHistogramGrid(config, alpha);
      const v = Array.from({ length: g.nv }, (_, i) => g.vlo + (i + 0.5) * g.dv);
      return { x: v, y: h.populations[alpha]!.density, label: K === 1 ? `particles (${formatCount(config.particles.count)})` : `${p.name}, particles (${formatCount(p.count)})` };
    });
    if (n && exact && exact.length === 1 && n.tau === 0 && n.thresholdSpread === 0) {
      const v = series[0]!.x;
      const steady = nnlifSteadyDensity(nnlifKernelParams(n), exact[0], grid.vlo, grid.vhi, grid.nv);
      series.push({ x: v, y: Float32Array.from(steady), label: `steady state, N = ${exact[0].toPrecision(6)}` });
    }
    const what = n ? `b = ${n.b}, a0 = ${n.a0}, VR = ${n.VR}, VF = ${n.VF}` : describeNetwork(config.network!);
    const png = renderLinePlotPng(series, {
      title: `n(v, t = ${s.t.toPrecision(4)})   nnlif, ${what}`,
      xLabel: 'v (voltage)',
      yLabel: 'n',
    });
    return { stem, npy: encodeNpy(h.density, K > 1 ? [K, grid.nv] : [grid.nv]), png };
  }
  const stem = `p_t${s.t.toFixed(6)}`;
  const p = config.params;
  const markers = [{ x: p.VF, label: 'VF' }];
  if (p.VR > grid.vlo) markers.push({ x: p.VR, label: 'VR' });
  const png = renderHeatmapPng(h.density, grid.nv, grid.ng, {
    title: `particles p(v, g, t = ${s.t.toPrecision(4)})   ${config.model}, ${formatCount(config.particles.count)} neurons, ε = ${p.eps}, b = ${p.b}`,
    xLabel: 'v (voltage)',
    yLabel: 'g (conductance)',
    xRange: [grid.vlo, grid.vhi],
    yRange: [0, grid.gmax],
    colorBarLabel: 'p',
    markers: markers.filter((m) => m.x > grid.vlo && m.x < grid.vhi),
  });
  return { stem, npy: encodeNpy(h.density, [grid.ng, grid.nv]), png };
}

/** activity.csv: t,N; with K > 1 populations t,N_<name>,… (the columns of the PDE's activity.csv). */
export function particlesActivityCsv(result: Pick<ParticleRunResult, 'activity' | 'populations'>): string {
  const K = result.populations.length;
  const rows = [['t', ...result.populations.map((p) => (K === 1 ? 'N' : `N_${p.name}`))].join(',')];
  const t = result.activity.t;
  for (let k = 0; k < t.length; k++) rows.push([t[k], ...result.populations.map((p) => p.activityN[k])].join(','));
  return `${rows.join('\n')}\n`;
}

export function makeParticlesSummary(
  config: ParticleConfig,
  result: ParticleRunResult,
  adapter: AdapterSummary,
  runtime: string,
  snapshots: ParticleSnapshotRecord[],
  exact: number[] | null,
  version: string,
): ParticlesSummary {
  const grid = particleHistogramGrid(config);
  return {
    kinfire: version,
    kind: 'particles',
    model: config.model,
    params: config.elapsed ? { ...config.elapsed.model, kernel: config.elapsed.kernel } : (config.nnlif ?? config.network ?? config.params),
    count: config.particles.count,
    seed: config.particles.seed,
    grid: config.elapsed
      ? config.elapsed.grid
      : config.model === 'nnlif'
        ? { nv: grid.nv, vmin: grid.vlo, vmax: grid.vhi, dv: grid.dv }
        : { nv: grid.nv, ng: grid.ng, gmax: grid.gmax, dv: grid.dv, dg: grid.dg },
    T: config.time.T,
    dt: config.time.dt,
    steps: result.steps,
    t_final: result.t,
    adapter,
    runtime,
    workgroup_size: result.workgroupSize,
    state_slices: result.slices.length,
    wall_s: result.wallSeconds,
    steps_per_s: result.stepsPerSecond,
    particle_steps_per_s: result.particleStepsPerSecond,
    N0: result.N0,
    N_final: result.N_final,
    window: config.particles.window,
    N_mean: result.N_mean,
    N_se: result.N_se,
    batch_means: {
      batches: result.batch.batches,
      steps_per_batch: result.batch.batchSteps,
      steps_used: result.batch.used,
      steps_dropped: result.batch.dropped,
      lag1: result.batch.lag1,
      rule: 'the window\'s per-step N cut into B contiguous batches of ⌊M/B⌋ steps (leftover steps dropped at the start); N_mean = mean of the batch means, N_se = their standard deviation / √B',
    },
    ...(exact ? { N_exact: exact } : {}),
    ...(config.model === 'nnlif'
      ? {
          populations: result.populations.map((p, alpha): ParticlesPopulationSummary => {
            const g = particleHistogramGrid(config, alpha);
            return { name: p.name, count: p.count, N0: result.N0, N_final: p.N_final, N_mean: p.N_mean, N_se: p.N_se, lag1: p.batch.lag1, grid: { nv: g.nv, vmin: g.vlo, vmax: g.vhi, dv: g.dv } };
          }),
        }
      : {}),
    status: result.status,
    ...(result.message ? { message: result.message } : {}),
    warnings: result.warnings,
    snapshots,
    config,
  };
}

export async function particlesCommand(options: ParticlesOptions, version: string, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<ParticlesSummary> {
  // Everything that can reject the input happens before the results folder exists.
  const raw = options.raw ?? rawConfigFromOptions(options);
  const config = resolveParticleConfig(raw);
  const everySeconds = parseCheckpointEvery(options.checkpointEvery);
  return withGpuAndFolder(options.out, { force: !!options.force, command: 'particles', version, ...(options.resume ? { resume: true } : {}) }, async (ctx, reservation) => {
    checkParticleMemory(config, ctx.cpuAdapter, totalmem());
    if (!options.resume) await refuseLongRun(config.time.steps, !!options.allowLong, async () => (await runParticles(ctx, calibrationConfig(config))).stepsPerSecond);
    const exact = exactSteadyRates(config);
    if (!options.quiet) {
      const K = particlePopulations(config).length;
      log(`kinfire ${version}: particles, model ${config.model}, ${config.particles.count} neurons${K > 1 ? ` in each of ${K} populations (${particlePopulations(config).map((p) => p.name).join(', ')})` : ''}, seed ${config.particles.seed}, dt = ${config.time.dt.toPrecision(4)}, ${config.time.steps} steps to T = ${config.time.T}`);
      log(`adapter: ${describeAdapter(ctx.adapterInfo)} (${ctx.runtime})`);
    }
    const progress = progressReporter('particles', process.stderr, options.quiet);
    try {
      return await reservation.produce(async (pending) => {
        const { checkpoint, snapshots, moved } = commandResume<ParticleRunHost, ParticleSnapshotRecord>(
          pending,
          !!options.resume,
          { command: 'particles', family: config.model, raw, options: { allowLong: !!options.allowLong, checkpointEvery: everySeconds }, version, adapter: ctx.adapterInfo, steps: config.time.steps, dt: config.time.dt, everySeconds },
          log,
        );
        const result = await runParticles(ctx, config, {
          onProgress: (p) => progress.update(p),
          onSnapshot: (s) => {
            const files = snapshotFiles(config, s, exact);
            pending.write(`${files.stem}.npy`, files.npy);
            pending.write(`${files.stem}.png`, files.png);
            const h = s.histogram;
            const populations = config.model === 'nnlif' ? { populations: particlePopulations(config).map((p, alpha) => ({ name: p.name, mass: h.populations[alpha]!.mass, outside: h.populations[alpha]!.outside, refractory: h.populations[alpha]!.refractory })) } : {};
            snapshots.push({ t: s.t, step: s.step, npy: `${files.stem}.npy`, png: `${files.stem}.png`, mass: h.mass, outside: h.outside, refractory: h.refractory, ...populations });
          },
          onWarning: (w) => log(`warning: ${w}`),
          checkpoint,
        });
        progress.stop();
        if (moved) result.warnings.push(moved);
        const summary = makeParticlesSummary(config, result, ctx.adapterInfo, ctx.runtime, snapshots, exact, version);
        // φ0 = ∞ of the elapsed model is written as "Infinity", its config's spelling (JSON has no ∞)
        pending.write('summary.json', `${JSON.stringify(summary, (_, v) => (v === Infinity ? 'Infinity' : v), 2)}\n`);
        pending.write('activity.csv', particlesActivityCsv(result));
        if (result.status !== 'ok') log(`run stopped: ${result.status}: ${result.message}`);
        return summary;
      });
    } finally {
      progress.stop();
    }
  });
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerParticles(program: Command): void {
  checkpointEveryOption(
    program
      .command('particles')
      .description('run the particle system (models vc, vc-threshold, nnlif, elapsed) and write a results folder')
      .option('-c, --config <file>', 'JSON config (every key has a default; see README)')
      .requiredOption('-o, --out <dir>', 'results folder (must not exist or be empty, unless --force)')
      .option('-s, --set <key=value>', 'override one config key, e.g. particles.count=1e6 (repeatable)', collect, [])
      .option('-f, --force', 'replace a results folder kinfire wrote (never other files)')
      .option('-q, --quiet', 'no progress output')
      .option('--allow-long', `run more than ${LONG_RUN_STEPS.toExponential(0)} steps`),
  ).action(async (opts) => {
    const summary = await particlesCommand(opts, pkg.version);
    process.stdout.write(
      `${JSON.stringify({
        out: resolve(opts.out),
        status: summary.status,
        model: summary.model,
        count: summary.count,
        N_mean: summary.N_mean,
        N_se: summary.N_se,
        ...(summary.populations && summary.populations.length > 1 ? { populations: summary.populations.map((p) => ({ name: p.name, N_mean: p.N_mean, N_se: p.N_se })) } : {}),
        steps: summary.steps,
        wall_s: summary.wall_s,
        particle_steps_per_s: summary.particle_steps_per_s,
      })}\n`,
    );
    if (summary.status !== 'ok') process.exitCode = 3;
  });
}
