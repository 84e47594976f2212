/**
 * `kinfire field` (and `kinfire run` with model "field"): the Wilson–Cowan field on the GPU (src/host/fieldRun.ts).
 * The config, its .npy files, the grid's memory and --out are checked before any step is taken. Checkpoints
 * (--checkpoint-every, SIGINT / SIGTERM) and `kinfire resume` as for the other models of `kinfire run`
 * (checkpointing.ts); the noise's Philox draws are keyed by the step, so a checkpoint's noise position is its step.
 */
import type { Command } from 'commander';
import { resolve } from 'node:path';
import pkg from '../../package.json' with { type: 'json' };
import { type FieldRunHost, fieldInitialData, runField } from '../host/fieldRun';
import { fieldBytes, spectrumBins } from '../host/fieldSolver';
import { describeAdapter } from '../host/gpu';
import { readFieldInputs } from '../io/fieldInputs';
import { describeField, dispersionCsv, fieldActivityCsv, fieldRunFigure, type FieldSnapshotFile, type FieldSummary, makeFieldSummary, writeFieldSnapshot } from '../io/fieldResults';
import { fieldProblem, initialLevel } from '../models/field/problem';
import { resolveFieldRunConfig } from '../models/registry';
import { ConfigError } from '../models/schema';
import { calibrationConfig, LONG_RUN_STEPS, refuseLongRun } from './longRuns';
import { progressReporter } from './progress';
import { rawConfigFromOptions } from './runCommand';
import { withGpuAndFolder } from './gpuCommand';
import { checkpointEveryOption, commandResume, parseCheckpointEvery } from './checkpointing';

export interface FieldRunOptions {
  out: string;
  force?: boolean;
  quiet?: boolean;
  allowLong?: boolean;
  /** seconds between checkpoints (default DEFAULT_CHECKPOINT_EVERY; 0: only on a signal) */
  checkpointEvery?: number | string;
  /** continue the interrupted run in `out` (kinfire resume) */
  resume?: boolean;
}

export async function fieldRunCommand(raw: Record<string, unknown>, options: FieldRunOptions, version: string, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<FieldSummary> {
  const resolved = resolveFieldRunConfig(raw);
  const { config, arrays } = readFieldInputs(resolved);
  const problem = fieldProblem(config, arrays);
  const level = config.initial.kind === 'npy' ? null : initialLevel(problem); // a bad initial.index is exit 2 here
  const everySeconds = parseCheckpointEvery(options.checkpointEvery);
  return withGpuAndFolder(options.out, { force: !!options.force, command: 'run', version, ...(options.resume ? { resume: true } : {}) }, async (ctx, reservation) => {
    const need = fieldBytes(problem);
    const largest = Math.min(ctx.limits.maxStorageBufferBindingSize, ctx.limits.maxBufferSize);
    // the largest single buffer: W for a network, else the state (4 bytes a point) or the half spectrum of the real FFT
    const biggest = config.domain === 'network' ? 4 * problem.cells * problem.cells : Math.max(4 * problem.cells, 8 * spectrumBins(problem));
    if (biggest > largest) throw new ConfigError(config.domain === 'network' ? 'field.W' : 'field.n', `needs a buffer of ${biggest} bytes; this adapter binds at most ${largest} (use a smaller grid)`);
    if (!options.resume) await refuseLongRun(config.time.steps, !!options.allowLong, async () => (await runField(ctx, { ...problem, config: calibrationConfig(config) }, arrays)).stepsPerSecond);
    if (!options.quiet) {
      log(`kinfire ${version}: model field (Wilson–Cowan), ${describeField(config)}, ${config.time.scheme} dt = ${config.time.dt.toPrecision(4)}, ${config.time.steps} steps to T = ${config.time.T}; about ${(need / 2 ** 20).toFixed(0)} MiB on the GPU`);
      log(`adapter: ${describeAdapter(ctx.adapterInfo)} (${ctx.runtime})`);
    }
    const initial = await fieldInitialData(ctx, problem, arrays);
    const progress = progressReporter('field', process.stderr, options.quiet);
    try {
      return await reservation.produce(async (pending) => {
        const { checkpoint, snapshots, moved } = commandResume<FieldRunHost, FieldSnapshotFile>(
          pending,
          !!options.resume,
          { command: 'run', family: 'field', raw, options: { allowLong: !!options.allowLong, checkpointEvery: everySeconds }, version, adapter: ctx.adapterInfo, steps: config.time.steps, dt: config.time.dt, everySeconds },
          log,
        );
        const result = await runField(ctx, problem, arrays, { onProgress: (p) => progress.update(p), onSnapshot: (s) => writeFieldSnapshot(pending, snapshots, config, s), checkpoint }, initial);
        progress.stop();
        const summary = makeFieldSummary(problem, level, result, ctx.adapterInfo, ctx.runtime, snapshots, version);
        if (moved) (summary as FieldSummary & { warnings?: string[] }).warnings = [moved];
        pending.write('summary.json', `${JSON.stringify(summary, null, 2)}\n`);
        pending.write('activity.csv', fieldActivityCsv(config, result));
        if (config.dim > 0) pending.write('dispersion.csv', dispersionCsv(problem, level ?? summary.N_final));
        pending.write('run.png', await fieldRunFigure(config, result));
        if (result.status !== 'ok') log(`run stopped: ${result.status}: ${result.message}`);
        return summary;
      });
    } finally {
      progress.stop();
    }
  });
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerField(program: Command): void {
  checkpointEveryOption(
    program
      .command('field')
      .description('the Wilson–Cowan neural field (ring, plane or network) on the GPU: a results folder with activity, spectrum, snapshots and the hallucination view')
      .option('-c, --config <file>', 'JSON config (model "field" is implied; every key has a default; see README)')
      .requiredOption('-o, --out <dir>', 'results folder (must not exist or be empty, unless --force)')
      .option('-s, --set <key=value>', 'override one config key, e.g. field.n=512 (repeatable)', collect, [])
      .option('-f, --force', 'replace a results folder kinfire wrote (never other files)')
      .option('-q, --quiet', 'no progress output')
      .option('--allow-long', `run more than ${LONG_RUN_STEPS.toExponential(0)} steps`),
  ).action(async (opts) => {
    const raw = rawConfigFromOptions(opts);
    if (raw.model === undefined) raw.model = 'field';
    if (raw.model !== 'field') throw new ConfigError('model', `kinfire field runs model "field" (got ${JSON.stringify(raw.model)}); use kinfire run for the others`);
    const summary = await fieldRunCommand(raw, opts, pkg.version);
    process.stdout.write(`${JSON.stringify({ out: resolve(opts.out), status: summary.status, N_final: summary.N_final, steps: summary.steps, wall_s: summary.wall_s, k_dominant: summary.measured?.k_dominant_final ?? null })}\n`);
    if (summary.status !== 'ok') process.exitCode = 3;
  });
}
