/** `kinfire run`: validate the config, open the GPU, run, write the results folder atomically. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeAdapter } from '../host/gpu';
import { checkGridFits } from '../host/kineticSolver';
import { type KineticRunHost, runSimulation } from '../host/run';
import { activityCsv, makeSummary, type SnapshotFile, type Summary, writeDensitySnapshot } from '../io/results';
import type { ResultsMarker } from '../io/resultsFolder';
import { applyOverrides, ConfigError, type KinfireConfig, resolveConfig } from '../models/config';
import { calibrationConfig, refuseLongRun } from './longRuns';
import { progressReporter } from './progress';
import { withGpuAndFolder } from './gpuCommand';
import { commandResume, parseCheckpointEvery } from './checkpointing';

export interface RunOptions {
  config?: string;
  out: string;
  set?: string[];
  force?: boolean;
  quiet?: boolean;
  /** run more than LONG_RUN_STEPS steps */
  allowLong?: boolean;
  /** the shipped demo: replaces, without --force, only a folder a demo wrote */
  demo?: boolean;
  /** the config itself, instead of --config and --set (a point of kinfire sweep) */
  raw?: Record<string, unknown>;
  /** seconds between checkpoints (default DEFAULT_CHECKPOINT_EVERY; 0: only on a signal) */
  checkpointEvery?: number | string;
  /** continue the interrupted run in `out` (kinfire resume) */
  resume?: boolean;
}

/** A demo's folder: its marker says demo, or (written before markers) its summary.json has the demo's config. */
function isDemoFolder(marker: ResultsMarker, dir: string, config: KinfireConfig): boolean {
  if (marker.command === 'demo') return true;
  if (marker.command !== 'legacy:summary.json') return false;
  try {
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { config?: unknown };
    return JSON.stringify(summary.config) === JSON.stringify(config);
  } catch {
    return false;
  }
}

export function loadConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError('--config', `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ConfigError('--config', `${path} is not valid JSON: ${(e as Error).message}`);
  }
}

/** The config file with the --set overrides applied, before any model's schema has seen it. */
export function rawConfigFromOptions(options: { config?: string; set?: string[] }): Record<string, unknown> {
  const raw = options.config ? loadConfigFile(options.config) : {};
  return applyOverrides(raw, options.set ?? []) as Record<string, unknown>;
}

export function configFromOptions(options: { config?: string; set?: string[] }): KinfireConfig {
  return resolveConfig(rawConfigFromOptions(options));
}

export async function runCommand(options: RunOptions, version: string, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<Summary> {
  // Everything that can reject the input happens before the results folder exists.
  const raw = options.raw ?? rawConfigFromOptions(options);
  const config = resolveConfig(raw);
  const everySeconds = parseCheckpointEvery(options.checkpointEvery);
  return withGpuAndFolder(options.out, {
    force: !!options.force,
    command: options.demo ? 'demo' : 'run',
    version,
    ...(options.resume ? { resume: true } : {}),
    ...(options.demo ? { replaceWithoutForce: true, replaces: (marker: ResultsMarker, dir: string) => isDemoFolder(marker, dir, config) } : {}),
  }, async (ctx, reservation) => {
    checkGridFits(ctx.limits, config.grid.nv, config.grid.ng);
    if (!options.resume) await refuseLongRun(config.time.steps, !!options.allowLong, async () => (await runSimulation(ctx, calibrationConfig(config))).stepsPerSecond);
    if (!options.quiet) {
      log(`kinfire ${version}: model ${config.model}, grid ${config.grid.nv} × ${config.grid.ng}, dt = ${config.time.dt.toPrecision(4)}, ${config.time.steps} steps to T = ${config.time.T}`);
      log(`adapter: ${describeAdapter(ctx.adapterInfo)} (${ctx.runtime})`);
    }
    const progress = progressReporter('run', process.stderr, options.quiet);
    try {
      return await reservation.produce(async (pending) => {
        const { checkpoint, snapshots, moved } = commandResume<KineticRunHost, SnapshotFile>(
          pending,
          !!options.resume,
          { command: 'run', family: 'vc', raw, options: { allowLong: !!options.allowLong, checkpointEvery: everySeconds }, version, adapter: ctx.adapterInfo, steps: config.time.steps, dt: config.time.dt, everySeconds },
          log,
        );
        const result = await runSimulation(ctx, config, {
          onProgress: (p) => progress.update(p),
          onSnapshot: (s) => writeDensitySnapshot(pending, snapshots, config, s),
          onWarning: (w) => log(`warning: ${w}`),
          checkpoint,
        });
        progress.stop();
        if (moved) result.warnings.push(moved);
        const summary = makeSummary(config, result, ctx.adapterInfo, ctx.runtime, snapshots, version);
        pending.write('summary.json', `${JSON.stringify(summary, null, 2)}\n`);
        pending.write('activity.csv', activityCsv(result.activity));
        if (result.status !== 'ok') log(`run stopped: ${result.status}: ${result.message}`);
        return summary;
      });
    } finally {
      progress.stop();
    }
  });
}
