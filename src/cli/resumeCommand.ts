/**
 * `kinfire resume DIR`: continues a run stopped by SIGINT or SIGTERM (or killed after a checkpoint) from the
 * checkpoint in DIR, with the config and options it was started with: `kinfire run` (every PDE model and the
 * field; `kinfire field` writes its folders as `kinfire run`), `kinfire particles`, `kinfire neurons`, `kinfire study` and `kinfire compare` (their finished runs
 * kept, the one in progress resumed from its step), and `kinfire bifurcation` (the diagram's finished parameter values
 * kept, the next one computed again). The resumed run is
 * bitwise the uninterrupted one (N(t), snapshots, summary.json apart from wall times) on the same adapter
 * and version.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import pkg from '../../package.json' with { type: 'json' };
import { CHECKPOINT_FILE, CheckpointError, type CheckpointHeader, readCheckpointFile } from '../io/checkpoint';
import { OutputDirError, PendingResults, resultsFolderMarker } from '../io/resultsFolder';
import { type BifurcationCommandOptions, bifurcationCommand } from './bifurcationCommand';
import { compareCommand } from './compareCommand';
import { elapsedRunCommand } from './elapsedRunCommand';
import { fieldRunCommand } from './fieldCommand';
import { neuronsCommand } from './neuronsCommand';
import { nnlifRunCommand } from './nnlifRunCommand';
import { particlesCommand } from './particlesCommand';
import { runCommand } from './runCommand';
import { studyCommand } from './studyCommand';

/** The commands whose checkpoints kinfire resume continues. */
const RESUMABLE = ['run', 'particles', 'neurons', 'study', 'compare', 'bifurcation'];

export interface ResumeOptions {
  quiet?: boolean;
  /** seconds between checkpoints from here on (default: the run's own) */
  checkpointEvery?: number | string;
}

/** The checkpoint header of an interrupted run folder (after putting back the working area of a killed one). */
export function interruptedRun(dir: string): CheckpointHeader & { marker: string } {
  PendingResults.recoverLeftovers(dir);
  const marker = existsSync(dir) ? resultsFolderMarker(dir) : null;
  if (!marker) throw new OutputDirError(`${dir}: is not a kinfire results folder${existsSync(dir) ? '' : ' (it does not exist)'}; kinfire resume continues a run stopped by a signal`);
  if (marker.status !== 'interrupted') throw new OutputDirError(`${dir}: holds finished results of \`kinfire ${marker.command}\`; there is nothing to resume`);
  try {
    return { ...readCheckpointFile(join(dir, CHECKPOINT_FILE)).header, marker: marker.command };
  } catch (e) {
    if (e instanceof CheckpointError) throw new OutputDirError(`${dir}: ${e.message}; run it again with --force`);
    throw e;
  }
}

/** What every resumed command reports (the JSON line of kinfire resume). */
export interface ResumedSummary {
  status: string;
  /** the PDE and particle runs' last N (kinfire neurons has none) */
  N_final?: number;
  mass_drift?: number | null;
  steps: number;
  wall_s: number;
}

export async function resumeCommand(dir: string, opts: ResumeOptions = {}, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<ResumedSummary> {
  const header = interruptedRun(dir);
  if (!RESUMABLE.includes(header.command)) throw new OutputDirError(`${dir}: holds an interrupted \`kinfire ${header.command}\`, which kinfire resume does not continue`);
  const o = header.options;
  const common = { out: dir, resume: true, quiet: !!opts.quiet, allowLong: !!o.allowLong, checkpointEvery: opts.checkpointEvery ?? (o.checkpointEvery as number) };
  if (header.command === 'bifurcation') {
    // its checkpoint's step counts parameter values, and t is the last value done
    if (!opts.quiet) log(`kinfire resume: ${dir}, a diagram after ${header.step} of ${header.steps} values (${o.param as string} = ${header.t}), model family ${header.family}`);
    const summary = await bifurcationCommand({ ...(o as unknown as BifurcationCommandOptions), out: dir, resume: true, raw: header.raw, quiet: !!opts.quiet, checkpointEvery: common.checkpointEvery });
    return { status: 'ok', steps: summary.n, wall_s: summary.wall_s };
  }
  if (!opts.quiet) log(`kinfire resume: ${dir} at step ${header.step} of ${header.steps} (t = ${header.t.toPrecision(6)}), model family ${header.family}`);
  if (header.command === 'study') {
    const { result } = await studyCommand(
      o.kind as string,
      { out: dir, resume: true, quiet: !!opts.quiet, checkpointEvery: common.checkpointEvery, raw: header.raw, eps: o.eps as string, ...(o.grids === null ? {} : { grids: o.grids as string }), ...(o.t0 === null ? {} : { t0: o.t0 as string }), set: o.set as string[], ...(o.config === null ? {} : { config: o.config as string }) },
      log,
    );
    return { status: result.ok ? 'ok' : 'stopped', steps: header.steps, wall_s: result.wall_s };
  }
  if (header.command === 'compare') {
    const { result, json } = await compareCommand({ out: dir, resume: true, quiet: !!opts.quiet, checkpointEvery: common.checkpointEvery, raw: header.raw, counts: o.counts as string }, log);
    return { status: result.ok ? 'ok' : 'stopped', N_final: result.pde.N_final, steps: result.pde.steps, wall_s: json.wall_s };
  }
  if (header.command === 'neurons') return neuronsCommand({ ...common, raw: header.raw }, pkg.version, log);
  if (header.command === 'particles') return particlesCommand({ ...common, raw: header.raw }, pkg.version, log);
  if (header.family === 'field') return fieldRunCommand(header.raw, common, pkg.version, log);
  if (header.family === 'nnlif') return nnlifRunCommand(header.raw, { ...common, batch: (o.batch as string[]) ?? [] }, pkg.version, log);
  if (header.family === 'elapsed') return elapsedRunCommand(header.raw, common, pkg.version, log);
  // an interrupted `kinfire demo` goes on as the demo (its folder's marker says demo)
  return runCommand({ ...common, raw: header.raw, ...(header.marker === 'demo' ? { demo: true } : {}) }, pkg.version, log);
}

export function registerResume(program: Command): void {
  program
    .command('resume')
    .description('continue an interrupted run (status interrupted, after SIGINT, SIGTERM or a kill after a checkpoint) from its checkpoint; bitwise the uninterrupted run')
    .argument('<dir>', 'the results folder of the interrupted run')
    .option('--checkpoint-every <seconds>', 'seconds between checkpoints from here on (default: the run\'s own)')
    .option('-q, --quiet', 'no progress output')
    .action(async (dir: string, opts: ResumeOptions) => {
      const summary = await resumeCommand(dir, opts);
      process.stdout.write(`${JSON.stringify({ out: resolve(dir), status: summary.status, N_final: summary.N_final, mass_drift: summary.mass_drift, steps: summary.steps, wall_s: summary.wall_s })}\n`);
      if (summary.status !== 'ok') process.exitCode = 3;
    });
}
