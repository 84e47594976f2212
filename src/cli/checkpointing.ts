/**
 * Checkpoints of the run commands (`kinfire run` of every PDE model: vc, vc-threshold, vc-limit, nnlif,
 * elapsed, field; `kinfire particles`, `kinfire neurons`, and `kinfire study` and `kinfire compare`, sequences of runs): what a run command writes into its working area (io/checkpoint.ts:
 * the solver's buffers, the run's histories, the command's list of snapshot files, and the config and
 * options to go on with), when (every --checkpoint-every seconds of wall time, and on SIGINT / SIGTERM), and
 * how `kinfire resume DIR` reads it back. The PDE solvers are deterministic, and the random numbers of the
 * particles and of the field's noise are counter-based (Philox keyed by the step index, which lives in the
 * solver's buffers): a checkpoint's random-number position is its step.
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import type { RunCheckpointing, RunsCheckpointing, SavedRun, SavedRuns } from '../host/blockLoop';
import type { AdapterSummary } from '../host/gpu';
import { CHECKPOINT_FILE, CHECKPOINT_FORMAT, type CheckpointHeader, encodeCheckpoint, readCheckpointFile } from '../io/checkpoint';
import type { PendingResults } from '../io/resultsFolder';
import { ConfigError } from '../models/config';

/**
 * Default seconds between checkpoints: a run shorter than this never writes a periodic one (a signal
 * still writes one), and a long run loses at most this much work to SIGKILL or a node failure.
 */
export const DEFAULT_CHECKPOINT_EVERY = 600;

/** --checkpoint-every: seconds ≥ 0 (0: only on a signal), or ConfigError. */
export function parseCheckpointEvery(value: unknown): number {
  if (value === undefined) return DEFAULT_CHECKPOINT_EVERY;
  const v = typeof value === 'number' ? value : Number(value);
  if (!(Number.isFinite(v) && v >= 0)) throw new ConfigError('--checkpoint-every', `must be a number of seconds ≥ 0 (0: a checkpoint only when stopped by a signal; got ${JSON.stringify(value)})`);
  return v;
}

/** --checkpoint-every of a command that keeps checkpoints (run, field, particles, neurons, study, compare). */
export function checkpointEveryOption(command: Command): Command {
  return command.option('--checkpoint-every <seconds>', `write a checkpoint every so many seconds of wall time (0: only when stopped by SIGINT or SIGTERM); \`kinfire resume DIR\` continues from it`, String(DEFAULT_CHECKPOINT_EVERY));
}

/** What a run command puts into its checkpoints besides the run: the header's fields it knows. */
export interface CommandCheckpoint {
  /** the command that writes it (run, particles): the one `kinfire resume` continues */
  command: string;
  family: string;
  raw: Record<string, unknown>;
  options: Record<string, unknown>;
  version: string;
  adapter: AdapterSummary;
  steps: number;
  dt: number;
  everySeconds: number;
}

/** A resumed run: the saved run and what the command saved with it. */
export interface Resumed<Host, Extra> {
  header: CheckpointHeader;
  run: SavedRun<Host>;
  extra: Extra;
}

/** Reads the checkpoint of the working area a resume moved DIR into. */
export function readResumed<Host, Extra>(pending: PendingResults): Resumed<Host, Extra> {
  const { header, payload } = readCheckpointFile(join(pending.path, CHECKPOINT_FILE));
  const p = payload as { run: SavedRun<Host>; extra: Extra };
  return { header, run: p.run, extra: p.extra };
}

/** The header of a command's checkpoint at `step` (time `t`; for kinfire bifurcation, values done and the last value). */
export function checkpointHeader(c: Omit<CommandCheckpoint, 'dt' | 'everySeconds'>, step: number, t: number): CheckpointHeader {
  return { format: CHECKPOINT_FORMAT, kinfire: c.version, command: c.command, family: c.family, raw: c.raw, options: c.options, adapter: c.adapter, step, steps: c.steps, t, written: new Date().toISOString() };
}

/** The checkpointing of a run command: each save writes the whole checkpoint (atomically) into the working area. */
export function commandCheckpointing<Host, Extra>(pending: PendingResults, c: CommandCheckpoint, extra: () => Extra, from?: SavedRun<Host>): RunCheckpointing<Host> {
  return {
    everySeconds: c.everySeconds,
    ...(from ? { from } : {}),
    save: (run) => pending.writeCheckpoint(encodeCheckpoint(checkpointHeader(c, run.solver.step, run.solver.step * c.dt), { run, extra: extra() })),
  };
}

/** The checkpointing a run command wires into its run, and the resumed run's snapshot files and warning. */
export interface CommandResume<Host, Snapshot> {
  checkpoint: RunCheckpointing<Host>;
  /** the command's snapshot files: those of the resumed run, then the ones it adds (the checkpoints keep this list) */
  snapshots: Snapshot[];
  /** resumed on another adapter or version (valid, not bitwise the uninterrupted run): logged, for the summary's warnings */
  moved?: string;
}

/**
 * The wiring every run command shares: with `resume` (kinfire resume) the checkpoint of the working area is
 * read back and a move to another adapter or version logged; the checkpoints then written hold the run and
 * the snapshot list.
 */
export function commandResume<Host, Snapshot>(pending: PendingResults, resume: boolean, c: CommandCheckpoint, log: (line: string) => void): CommandResume<Host, Snapshot> {
  const resumed = resume ? readResumed<Host, { snapshots: Snapshot[] }>(pending) : undefined;
  const snapshots: Snapshot[] = resumed ? [...resumed.extra.snapshots] : [];
  const moved = resumed && resumeWarning(resumed.header, c.adapter, c.version);
  if (moved) log(`warning: ${moved}`);
  return { checkpoint: commandCheckpointing(pending, c, () => ({ snapshots }), resumed?.run), snapshots, ...(moved ? { moved } : {}) };
}

/**
 * The same wiring for a command of several runs one after another (kinfire study, kinfire compare): the checkpoint's payload
 * holds the run in progress and, as its extra, the finished runs' results and the partial results of the one
 * in progress (blockLoop.ts, SavedRuns). The header's step and t are those of the run in progress.
 */
export function commandRunsResume<Part, Partial, Host>(pending: PendingResults, resume: boolean, c: CommandCheckpoint, log: (line: string) => void): { checkpoint: RunsCheckpointing<Part, Partial, Host>; moved?: string } {
  const resumed = resume ? readResumed<Host, { done: Part[]; partial: Partial }>(pending) : undefined;
  const moved = resumed && resumeWarning(resumed.header, c.adapter, c.version);
  if (moved) log(`warning: ${moved}`);
  const from: SavedRuns<Part, Partial, Host> | undefined = resumed && { done: resumed.extra.done, partial: resumed.extra.partial, run: resumed.run };
  const checkpoint: RunsCheckpointing<Part, Partial, Host> = {
    ...(from ? { from } : {}),
    part: (done, partial, steps, dt) => commandCheckpointing<Host, { done: Part[]; partial: Partial }>(pending, { ...c, steps, dt }, () => ({ done: done(), partial: partial() })),
  };
  return { checkpoint, ...(moved ? { moved } : {}) };
}

/** A warning when a run resumes on another adapter or version than the one that computed its checkpoint (valid, but not bitwise the uninterrupted run). */
export function resumeWarning(header: CheckpointHeader, adapter: AdapterSummary, version: string): string | undefined {
  const same = header.adapter.vendor === adapter.vendor && header.adapter.architecture === adapter.architecture && header.adapter.description === adapter.description;
  if (same && header.kinfire === version) return undefined;
  return `resumed at step ${header.step} on ${same ? '' : `adapter ${adapter.description || adapter.architecture} (the checkpoint's: ${header.adapter.description || header.adapter.architecture})`}${!same && header.kinfire !== version ? ' and ' : ''}${header.kinfire !== version ? `kinfire ${version} (the checkpoint's: ${header.kinfire})` : ''}: the run is valid but not bitwise the uninterrupted one`;
}
