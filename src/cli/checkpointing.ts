/**
 * Checkpoints of `kinfire run` (every PDE model: vc, vc-threshold, vc-limit, nnlif, elapsed): what a run
 * command writes into its working area (io/checkpoint.ts: the solver's buffers, the run's histories, the
 * command's list of snapshot files, and the config and options to go on with), when (every
 * --checkpoint-every seconds of wall time, and on SIGINT / SIGTERM), and how `kinfire resume DIR` reads it
 * back. The PDE solvers are deterministic: a checkpoint holds no random-number position.
 */
import { join } from 'node:path';
import type { SavedRun, RunCheckpointing } from '../host/blockLoop';
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

/** What a run command puts into its checkpoints besides the run: the header's fields it knows. */
export interface CommandCheckpoint {
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

/** The checkpointing of a run command: each save writes the whole checkpoint (atomically) into the working area. */
export function commandCheckpointing<Host, Extra>(pending: PendingResults, c: CommandCheckpoint, extra: () => Extra, from?: SavedRun<Host>): RunCheckpointing<Host> {
  return {
    everySeconds: c.everySeconds,
    ...(from ? { from } : {}),
    save: (run) => {
      const header: CheckpointHeader = {
        format: CHECKPOINT_FORMAT,
        kinfire: c.version,
        command: 'run',
        family: c.family,
        raw: c.raw,
        options: c.options,
        adapter: c.adapter,
        step: run.solver.step,
        steps: c.steps,
        t: run.solver.step * c.dt,
        written: new Date().toISOString(),
      };
      pending.writeCheckpoint(encodeCheckpoint(header, { run, extra: extra() }));
    },
  };
}

/** A warning when a run resumes on another adapter or version than the one that computed its checkpoint (valid, but not bitwise the uninterrupted run). */
export function resumeWarning(header: CheckpointHeader, adapter: AdapterSummary, version: string): string | undefined {
  const same = header.adapter.vendor === adapter.vendor && header.adapter.architecture === adapter.architecture && header.adapter.description === adapter.description;
  if (same && header.kinfire === version) return undefined;
  return `resumed at step ${header.step} on ${same ? '' : `adapter ${adapter.description || adapter.architecture} (the checkpoint's: ${header.adapter.description || header.adapter.architecture})`}${!same && header.kinfire !== version ? ' and ' : ''}${header.kinfire !== version ? `kinfire ${version} (the checkpoint's: ${header.kinfire})` : ''}: the run is valid but not bitwise the uninterrupted one`;
}
