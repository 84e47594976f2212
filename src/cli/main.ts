/**
 * The `kinfire` command line. Exit codes: 0 ok; 1 a failure of the run or the GPU; 2 bad input
 * (config, options, output folder, grid too large for the adapter); 3 the run stopped early with
 * status "blowup" or "nonfinite" (its results folder is written); 130 / 143 stopped by SIGINT / SIGTERM
 * (a run that keeps checkpoints — run, particles, field — leaves DIR with status interrupted for `kinfire
 * resume`; the other commands remove their partial results and write nothing).
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import pkg from '../../package.json' with { type: 'json' };
import { GpuUnavailableError } from '../host/gpu';
import { GridTooLargeError } from '../host/kineticSolver';
import { RunInterrupted } from '../host/interrupt';
import { OutputDirError, signalExitCode } from '../io/resultsFolder';
import { ConfigError } from '../models/config';
import { LONG_RUN_STEPS } from './longRuns';
import { elapsedRunCommand } from './elapsedRunCommand';
import { fieldRunCommand, registerField } from './fieldCommand';
import { nnlifRunCommand } from './nnlifRunCommand';
import { rawConfigFromOptions, runCommand } from './runCommand';
import { registerBifurcation } from './bifurcationCommand';
import { registerCompare } from './compareCommand';
import { registerNeurons } from './neuronsCommand';
import { registerParticles } from './particlesCommand';
import { registerSteady } from './steadyCommand';
import { registerStudy } from './studyCommand';
import { registerSweep } from './sweepCommand';
import { registerResume } from './resumeCommand';
import { checkpointEveryOption } from './checkpointing';
import { registerView } from './viewCommand';
import { familyOf } from '../models/registry';

const collect = (value: string, previous: string[]) => [...previous, value];

/** The shipped demo config, next to the package root. */
export function demoConfigPath(): string {
  return resolve(fileURLToPath(new URL('../examples/demo.json', import.meta.url)));
}

export function buildProgram(): Command {
  const program = new Command()
    .name('kinfire')
    .description('WebGPU solvers for the kinetic and population-density equations of integrate-and-fire networks')
    .version(pkg.version)
    .showHelpAfterError()
    .exitOverride();

  checkpointEveryOption(
    program
      .command('run')
      .description('run a PDE model (vc, vc-threshold, vc-limit, nnlif, elapsed, field) and write a results folder')
      .option('-c, --config <file>', 'JSON config (every key has a default; see README)')
      .requiredOption('-o, --out <dir>', 'results folder (must not exist or be empty, unless --force)')
      .option('-s, --set <key=value>', 'override one config key, e.g. params.b=0.7 (repeatable)', collect, [])
      .option('-f, --force', 'replace a results folder kinfire wrote (never other files)')
      .option('-q, --quiet', 'no progress output')
      .option('--allow-long', `run more than ${LONG_RUN_STEPS.toExponential(0)} steps`)
      .option('-b, --batch <key=values>', 'model nnlif: solve many members at once, e.g. nnlif.b=0:3:64 (start:stop:count) or nnlif.tau=0,0.1; several --batch make a product', collect, []),
  ).action(async (opts) => {
    const raw = rawConfigFromOptions(opts);
    const family = familyOf(raw).name;
    if (family === 'neurons') throw new ConfigError('model', 'model "neurons" is run by `kinfire neurons` (single-neuron ensembles), not `kinfire run`');
    if (family !== 'nnlif' && opts.batch.length) throw new ConfigError('--batch', `batches are solved for model "nnlif" (the config's model is ${JSON.stringify(raw.model ?? 'vc')})`);
    const summary = family === 'nnlif' ? await nnlifRunCommand(raw, opts, pkg.version) : family === 'elapsed' ? await elapsedRunCommand(raw, opts, pkg.version) : family === 'field' ? await fieldRunCommand(raw, opts, pkg.version) : await runCommand(opts, pkg.version);
    process.stdout.write(`${JSON.stringify({ out: resolve(opts.out), status: summary.status, N_final: summary.N_final, mass_drift: summary.mass_drift, steps: summary.steps, wall_s: summary.wall_s })}\n`);
    if (summary.status !== 'ok') process.exitCode = 3;
  });

  program
    .command('demo')
    .description('run the shipped demo (examples/demo.json) and say where its results are')
    .option('-o, --out <dir>', 'results folder (replaced if a demo wrote it; any other non-empty folder is refused)', 'runs/demo')
    .action(async (opts) => {
      const config = demoConfigPath();
      const summary = await runCommand({ config, out: opts.out, demo: true }, pkg.version);
      const out = resolve(opts.out);
      process.stdout.write(
        [
          '',
          `demo finished: status ${summary.status}, ${summary.steps} steps in ${summary.wall_s.toFixed(2)} s (${summary.steps_per_s.toFixed(1)} steps/s) on ${summary.adapter.description || summary.adapter.architecture}`,
          `N(T) = ${summary.N_final.toPrecision(6)}, relative mass drift ${summary.mass_drift.toExponential(2)}`,
          `results in ${out}:`,
          `  summary.json, activity.csv (t,N,mass), ${summary.snapshots.map((s) => s.png).join(', ')} (+ .npy)`,
          '',
        ].join('\n'),
      );
    });
  registerField(program);
  registerSteady(program);
  registerBifurcation(program);
  registerStudy(program);
  registerParticles(program);
  registerNeurons(program);
  registerCompare(program);
  registerView(program);
  registerSweep(program);
  registerResume(program);
  return program;
}

const INPUT_ERRORS = [ConfigError, OutputDirError, GridTooLargeError];
/** Errors of the file system during a run: one line, exit 1. */
const FILE_SYSTEM_ERRORS: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'the file system is read-only',
  EIO: 'input/output error',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
};

export async function main(argv = process.argv): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (INPUT_ERRORS.some((E) => e instanceof E)) {
      process.stderr.write(`kinfire: ${(e as Error).message}\n`);
      return 2;
    }
    if (e instanceof RunInterrupted) {
      if (e.kept.length) process.stderr.write(`\nkinfire: stopped by ${e.signal}; ${e.kept.join(', ')} holds the run up to its checkpoint (status interrupted): continue with \`${e.continueWith ?? `kinfire resume ${e.kept[0]}`}\`\n`);
      else process.stderr.write(`\nkinfire: stopped by ${e.signal}; the partial results were removed and nothing was written\n`);
      return signalExitCode(e.signal);
    }
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && FILE_SYSTEM_ERRORS[code]) {
      // The partial folder is already removed (PendingResults.produce); a stack trace would say nothing more.
      process.stderr.write(`kinfire: cannot write the results: ${FILE_SYSTEM_ERRORS[code]} (${code}${(e as NodeJS.ErrnoException).path ? `, ${(e as NodeJS.ErrnoException).path}` : ''}); no results folder was written\n`);
      return 1;
    }
    if (e instanceof GpuUnavailableError) {
      process.stderr.write(`kinfire: ${e.message}\n`);
      return 1;
    }
    process.stderr.write(`kinfire: ${(e as Error).stack ?? e}\n`);
    return 1;
  }
}
