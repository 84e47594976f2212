/**
 * `kinfire neurons --config F --out DIR`: an ensemble of single neurons (model "neurons", block `neurons`) on the GPU
 * (src/host/neuronEnsemble.ts). The config and --out are checked before the GPU is opened; the results folder is
 * written atomically (resultsFolder.ts): summary.json, traces.csv + traces.png, spikes.csv, activity.csv, fI.csv + fI.png
 * and with `neurons.histogram` density_t<time>.npy + .png (src/io/neuronsResults.ts). A config without `model` is taken as model "neurons". Checkpoints (--checkpoint-every,
 * SIGINT / SIGTERM) and `kinfire resume` as for `kinfire run` (checkpointing.ts): the noise's Philox draws are keyed
 * by the step, so a checkpoint's random-number position is its step, and the resumed run is bitwise the uninterrupted one.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import pkg from '../../package.json' with { type: 'json' };
import { describeAdapter } from '../host/gpu';
import { type NeuronRunHost, runNeurons } from '../host/neuronEnsemble';
import { makeNeuronsSummary, neuronsActivityCsv, neuronsFiCsv, neuronsFiFigure, neuronsHistogramFiles, neuronsPhasePlane, neuronsPhasePlaneCsv, neuronsPhasePlaneRender, neuronsSpikesCsv, neuronsTracesCsv, neuronsTracesFigure, type NeuronsSummary } from '../io/neuronsResults';
import { NEURON_MODEL_SPECS } from '../models/neurons/models';
import { resolveNeuronsRunConfig } from '../models/registry';
import { ConfigError } from '../models/schema';
import { LONG_RUN_STEPS } from './longRuns';
import { progressReporter } from './progress';
import { rawConfigFromOptions } from './runCommand';
import { withGpuAndFolder } from './gpuCommand';
import { checkpointEveryOption, commandResume, parseCheckpointEvery } from './checkpointing';

export interface NeuronsOptions {
  config?: string;
  set?: string[];
  out: string;
  force?: boolean;
  quiet?: boolean;
  allowLong?: boolean;
  /** the config itself, instead of --config and --set (kinfire resume) */
  raw?: Record<string, unknown>;
  /** seconds between checkpoints (default DEFAULT_CHECKPOINT_EVERY; 0: only on a signal) */
  checkpointEvery?: number | string;
  /** continue the interrupted run in `out` (kinfire resume) */
  resume?: boolean;
}

export async function neuronsCommand(options: NeuronsOptions, version: string, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<NeuronsSummary> {
  const raw = options.raw ?? rawConfigFromOptions(options);
  const config = resolveNeuronsRunConfig('model' in raw ? raw : { model: 'neurons', ...raw });
  if (config.steps > LONG_RUN_STEPS && !options.allowLong) throw new ConfigError('neurons.dt', `T / dt gives ${config.steps.toExponential(3)} steps, more than the ${LONG_RUN_STEPS.toExponential(0)} a run takes without --allow-long`);
  const everySeconds = parseCheckpointEvery(options.checkpointEvery);
  return withGpuAndFolder(options.out, { force: !!options.force, command: 'neurons', version, ...(options.resume ? { resume: true } : {}) }, async (ctx, reservation) => {
    const spec = NEURON_MODEL_SPECS[config.neuron];
    if (!options.quiet) {
      log(`kinfire ${version}: neurons, ${spec.title}, ${config.count} neurons, input ${config.input.kind}${config.J !== 0 ? `, mean-field coupling J = ${config.J}` : ''}, ${config.scheme}, dt = ${config.dt}, ${config.steps} steps to T = ${config.T} ${spec.units.time}`);
      log(`adapter: ${describeAdapter(ctx.adapterInfo)} (${ctx.runtime})`);
    }
    const progress = progressReporter('neurons', process.stderr, options.quiet);
    try {
      return await reservation.produce(async (pending) => {
        const { checkpoint, moved } = commandResume<NeuronRunHost, never>(
          pending,
          !!options.resume,
          { command: 'neurons', family: 'neurons', raw, options: { allowLong: !!options.allowLong, checkpointEvery: everySeconds }, version, adapter: ctx.adapterInfo, steps: config.steps, dt: config.dt, everySeconds },
          log,
        );
        const result = await runNeurons(ctx, config, { onProgress: (p) => progress.update(p), checkpoint });
        progress.stop();
        const summary = makeNeuronsSummary(config, result, ctx.adapterInfo, ctx.runtime, version);
        if (moved) summary.warnings = [moved];
        pending.write('summary.json', `${JSON.stringify(summary, (_, v) => (v === Infinity ? 'Infinity' : v), 2)}\n`);
        pending.write('traces.csv', neuronsTracesCsv(config, result));
        pending.write('traces.png', neuronsTracesFigure(config, result));
        pending.write('spikes.csv', neuronsSpikesCsv(config, result));
        pending.write('activity.csv', neuronsActivityCsv(result));
        pending.write('fI.csv', neuronsFiCsv(config, result));
        pending.write('fI.png', neuronsFiFigure(config, result));
        for (const f of neuronsHistogramFiles(config, result)) pending.write(f.name, f.data);
        const phasePlane = neuronsPhasePlane(config, result);
        if (phasePlane !== null) {
          pending.write('phase_plane.csv', neuronsPhasePlaneCsv(config, result, phasePlane));
          pending.write('phase_plane.png', neuronsPhasePlaneRender(config, result, phasePlane).png);
        }
        return summary;
      });
    } finally {
      progress.stop();
    }
  });
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerNeurons(program: Command): void {
  checkpointEveryOption(
    program
    .command('neurons')
    .description('run an ensemble of single neurons (Hodgkin–Huxley, FitzHugh–Nagumo, Morris–Lecar, Mitchell–Schaeffer) and write a results folder')
    .option('-c, --config <file>', 'JSON config, model "neurons" (every key has a default; see README)')
    .requiredOption('-o, --out <dir>', 'results folder (must not exist or be empty, unless --force)')
    .option('-s, --set <key=value>', 'override one config key, e.g. neurons.model="fhn" (repeatable)', collect, [])
    .option('-f, --force', 'replace a results folder kinfire wrote (never other files)')
    .option('-q, --quiet', 'no progress output')
    .option('--allow-long', `run more than ${LONG_RUN_STEPS.toExponential(0)} steps`),
  ).action(async (opts) => {
      const s = await neuronsCommand(opts, pkg.version);
      process.stdout.write(`${JSON.stringify({ out: resolve(opts.out), status: s.status, model: s.model, count: s.count, steps: s.steps, spikes_total: s.spikes_total, onset_I: s.onset_I, onset_rate: s.onset_rate, wall_s: s.wall_s, neuron_steps_per_s: s.neuron_steps_per_s })}\n`);
    });
}
