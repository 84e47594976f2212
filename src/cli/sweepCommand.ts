/**
 * `kinfire sweep`: many points of one command (run, steady, particles, bifurcation, compare, study) over a base config, each a normal
 * results folder under DIR/points/<id>/ (the spec: sweepSpec.ts; the folder and its manifest:
 * io/sweepFolder.ts). A task runs its shard of the points (--shard i/n, or the Slurm array variables),
 * skips the finished ones and leaves the others to later tasks, so rerunning a task, or Slurm requeueing
 * it, loses nothing finished. `kinfire sweep slurm` writes (and submits) the sbatch array script;
 * `kinfire sweep collect` gathers the points into sweep.csv, sweep.json and sweep.png.
 */
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import pkg from '../../package.json' with { type: 'json' };
import { GpuUnavailableError } from '../host/gpu';
import { RunInterrupted, throwIfInterrupted } from '../host/interrupt';
import { GridTooLargeError } from '../host/kineticSolver';
import { collectSweep } from '../io/sweepCollect';
import { type PointRecord, SweepFolder } from '../io/sweepFolder';
import { holdSignals, OutputDirError, PendingResults, resultsFolderMarker } from '../io/resultsFolder';
import { ConfigError, familyOf } from '../models/config';
import { elapsedRunCommand } from './elapsedRunCommand';
import { fieldRunCommand } from './fieldCommand';
import { nnlifRunCommand } from './nnlifRunCommand';
import { bifurcationCommand, bifurcationOptions } from './bifurcationCommand';
import { compareCommand } from './compareCommand';
import { studyCommand } from './studyCommand';
import { particlesCommand } from './particlesCommand';
import { resumeCommand } from './resumeCommand';
import { runCommand } from './runCommand';
import { parseCheckpointEvery } from './checkpointing';
import { steadyResult } from './steadyCommand';
import { groupName, type GroupOutcome, groupPoints, removeFinishedGroups, runNnlifGroup } from './sweepBatch';
import { listText, loadSweepSpec, studyPointOptions, resolveShard, type Shard, shardPoints, type SweepPlan, type SweepPoint } from './sweepSpec';
import { registerSweepSlurm } from './sweepSlurm';

export interface SweepOptions {
  spec: string;
  out: string;
  shard?: string;
  quiet?: boolean;
  /** false (--no-batch, or "batch": false in the spec): every point its own run */
  batch?: boolean;
}

export interface SweepTaskResult {
  shard: Shard;
  points: number;
  mine: number;
  ran: number;
  skipped: number;
  failed: { id: string; message: string }[];
  /** points another process was writing (their lock), left to it */
  busy: string[];
}

/** The Slurm job of this task, for the manifest: jobid (array job_task), and the restarts. */
function slurmJob(env = process.env): string | undefined {
  if (!env.SLURM_JOB_ID) return undefined;
  const array = env.SLURM_ARRAY_JOB_ID ? ` (array ${env.SLURM_ARRAY_JOB_ID}_${env.SLURM_ARRAY_TASK_ID})` : '';
  return `${env.SLURM_JOB_ID}${array}${env.SLURM_RESTART_COUNT ? `, restart ${env.SLURM_RESTART_COUNT}` : ''}`;
}

/** One point, through the same command code as the CLI, into `out`; returns the command's status. */
async function runPoint(plan: SweepPlan, point: SweepPoint, out: string, quiet: boolean, log: (line: string) => void): Promise<string> {
  const o = plan.options;
  if (plan.command === 'steady') {
    const opts = { stabilityTime: o.stabilityTime as number, stabilityNv: o.stabilityNv as number, ...(o.pointsPerDecade !== undefined ? { pointsPerDecade: o.pointsPerDecade as number } : {}) };
    // steady computes on the CPU and prints JSON; a point keeps that JSON in a results folder of its own.
    const reservation = PendingResults.reserve(out, { command: 'steady', version: pkg.version });
    try {
      await reservation.produce((pending) => {
        const report = steadyResult(point.raw, opts);
        pending.write('steady.json', `${JSON.stringify({ kinfire: pkg.version, ...report, config: point.raw }, null, 1)}\n`);
      });
    } finally {
      reservation.release();
    }
    return 'ok';
  }
  const common = { out, quiet, allowLong: !!o.allowLong };
  // A run killed after a checkpoint left its working area: it becomes the point's folder, interrupted.
  PendingResults.recoverLeftovers(out);
  if (resultsFolderMarker(out)?.status === 'interrupted') {
    log('resuming from its checkpoint');
    return (await resumeCommand(out, { quiet }, log)).status;
  }
  const run = { ...common, ...(o.checkpointEvery !== undefined ? { checkpointEvery: o.checkpointEvery as number } : {}) };
  if (plan.command === 'study') {
    const { result } = await studyCommand('eps', { out, quiet, raw: point.raw, ...studyPointOptions(o) }, log);
    return result.ok ? 'ok' : 'stopped';
  }
  if (plan.command === 'compare') {
    const { result } = await compareCommand({ ...run, raw: point.raw, ...(o.counts !== undefined ? { counts: listText(o.counts)! } : {}) }, log);
    return result.ok ? 'ok' : 'stopped';
  }
  if (plan.command === 'bifurcation') {
    await bifurcationCommand({ ...bifurcationOptions(o), raw: point.raw, out, quiet }, log);
    return 'ok';
  }
  if (plan.command === 'particles') return (await particlesCommand({ ...run, raw: point.raw }, pkg.version, log)).status;
  const family = familyOf(point.raw).name;
  if (family === 'nnlif') return (await nnlifRunCommand(point.raw, run, pkg.version, log)).status;
  if (family === 'elapsed') return (await elapsedRunCommand(point.raw, run, pkg.version, log)).status;
  if (family === 'field') return (await fieldRunCommand(point.raw, run, pkg.version, log)).status;
  return (await runCommand({ ...run, raw: point.raw }, pkg.version, log)).status;
}

/** Errors that fail one point (its input, or its folder) and let the task go on to the next. */
const POINT_ERRORS = [ConfigError, GridTooLargeError, OutputDirError];

/**
 * Runs this task's shard of a sweep. Everything that can reject the sweep (the spec, every point's config,
 * the shard, DIR) is checked before anything is written.
 */
export async function sweepCommand(options: SweepOptions, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<SweepTaskResult> {
  if (!options.spec) throw new ConfigError('--spec', 'is required: the sweep spec (JSON)');
  if (!options.out) throw new ConfigError('--out', 'is required: the sweep folder');
  const plan = loadSweepSpec(options.spec);
  const shard = resolveShard(options.shard);
  const folder = SweepFolder.open(options.out, { hash: plan.hash, command: plan.command, keys: plan.keys, base: plan.base, options: plan.options, axes: plan.axes, points: plan.points.map((p) => ({ id: p.id, index: p.index, values: p.values })) }, pkg.version);
  const mine = shardPoints(plan.points, shard);
  const task = { shard: `${shard.index}/${shard.count}`, ...(slurmJob() ? { job: slurmJob()! } : {}) };
  const result: SweepTaskResult = { shard, points: plan.points.length, mine: mine.length, ran: 0, skipped: 0, failed: [], busy: [] };
  if (!options.quiet) log(`kinfire sweep: ${plan.points.length} points of \`kinfire ${plan.command}\` over ${plan.keys.join(', ')} in ${folder.dir}; shard ${shard.index}/${shard.count} (${shard.source}): ${mine.length} points, on ${hostname()}${task.job ? `, Slurm job ${task.job}` : ''}`);
  const batching = plan.command === 'run' && plan.batch && options.batch !== false;
  /** A point not begun: no folder, once the working area of a killed run of it is recovered (it then resumes alone). */
  const fresh = (id: string): boolean => {
    try {
      PendingResults.recoverLeftovers(folder.pointDir(id));
    } catch (e) {
      if (e instanceof OutputDirError) return false; // a live process holds it: runOne leaves it to that process
      throw e;
    }
    return folder.pointOnDisk(id).state === 'absent';
  };
  const units = batching ? groupPoints(mine, fresh) : mine.map((p) => [p]);
  const release = holdSignals();
  try {
    for (const unit of units) {
      throwIfInterrupted();
      // Points of a group begun meanwhile (another task finished one) go alone; the others are still one batch.
      const batch = unit.length > 1 ? unit.filter((p) => fresh(p.id)) : [];
      for (const point of unit) {
        if (batch.length > 1 && batch.includes(point)) continue;
        throwIfInterrupted();
        await runOne(point);
      }
      if (batch.length > 1) await runGroup(batch);
    }
    // Checkpoints of groups whose points were all finished since (e.g. by a task grouped otherwise) are of no further use.
    if (plan.command === 'run') removeFinishedGroups(folder.groupsDir, (id) => folder.pointOnDisk(id).state === 'done');
  } finally {
    release();
  }
  return result;

  /** Marks the points running (attempts + 1) and returns their attempts. */
  function markRunning(points: SweepPoint[]): number[] {
    const attempts: number[] = [];
    folder.update((m) => {
      for (const point of points) {
        const p = m.points.find((q) => q.id === point.id)!;
        attempts.push((p.attempts ?? 0) + 1);
        Object.assign(p, { status: 'running', attempts: attempts.at(-1), host: hostname(), pid: process.pid, updated: new Date().toISOString(), shard: task.shard }, task.job ? { job: task.job } : {});
        delete p.message;
        delete p.result;
      }
    });
    return attempts;
  }

  /** A failed point: recorded, and the task goes on for the errors of one point (else rethrown). */
  function fail(id: string, e: Error): void {
    folder.record(id, { status: 'failed', message: e.message }, task);
    if (!POINT_ERRORS.some((E) => e instanceof E)) throw e;
    result.failed.push({ id, message: e.message });
    log(`[${id}] failed: ${e.message}`);
  }

  async function runOne(point: SweepPoint): Promise<void> {
    const disk = folder.pointOnDisk(point.id);
    if (disk.state === 'done') {
      result.skipped++;
      const known = folder.read().points.find((p) => p.id === point.id);
      // The folder is the truth; bring the manifest along where a task died between the two.
      if (known?.status !== 'done' || known.result !== disk.result) folder.record(point.id, { status: 'done', result: disk.result }, task);
      return;
    }
    const [attempts] = markRunning([point]);
    if (!options.quiet) log(`point ${point.index + 1}/${plan.points.length} ${point.id}${attempts! > 1 ? ` (attempt ${attempts})` : ''}`);
    try {
      const status = await runPoint(plan, point, folder.pointDir(point.id), !!options.quiet, (l) => log(`[${point.id}] ${l}`));
      folder.record(point.id, { status: 'done', result: status }, task);
      result.ran++;
    } catch (e) {
      if (e instanceof RunInterrupted) {
        const disk2 = folder.pointOnDisk(point.id);
        folder.record(point.id, { status: disk2.state === 'interrupted' ? 'interrupted' : 'pending', message: `stopped by ${e.signal}` } satisfies Partial<PointRecord>, task);
        throw e;
      }
      if (e instanceof OutputDirError && /another kinfire process/.test(e.message)) {
        // Another task holds this point's lock (a duplicate of this shard): leave the point to it.
        result.busy.push(point.id);
        if (!options.quiet) log(`[${point.id}] skipped: ${e.message}`);
        return;
      }
      fail(point.id, e as Error);
    }
  }

  /** Points of one batch (sweepBatch.ts): one solve, then each point's folder. */
  async function runGroup(points: SweepPoint[]): Promise<void> {
    const groupDir = folder.groupDir(groupName(points));
    const attempts = markRunning(points);
    if (!options.quiet) log(`points ${points.map((p) => p.index + 1).join(', ')} of ${plan.points.length} as one batch${Math.max(...attempts) > 1 ? ` (attempt ${Math.max(...attempts)})` : ''}: ${points.map((p) => p.id).join(' ')}`);
    const o = plan.options;
    let outcomes: GroupOutcome[];
    try {
      outcomes = await runNnlifGroup(points, groupDir, (id) => folder.pointDir(id), { allowLong: !!o.allowLong, checkpointEvery: parseCheckpointEvery(o.checkpointEvery), quiet: !!options.quiet }, pkg.version, log);
    } catch (e) {
      if (e instanceof RunInterrupted) {
        // The group's checkpoint is the members' progress: they are interrupted, to be resumed as this group.
        const kept = resultsFolderMarker(groupDir)?.status === 'interrupted';
        for (const point of points) folder.record(point.id, { status: kept ? 'interrupted' : 'pending', message: `stopped by ${e.signal}${kept ? ` (the batch's checkpoint is in ${groupDir})` : ''}` } satisfies Partial<PointRecord>, task);
        // `kinfire resume` does not continue a group's folder: the same sweep task does.
        if (kept) e.continueWith = `kinfire sweep --spec ${options.spec} --out ${options.out}${options.shard ? ` --shard ${options.shard}` : ''}`;
        throw e;
      }
      if (e instanceof OutputDirError && /another kinfire process/.test(e.message)) {
        result.busy.push(...points.map((p) => p.id));
        if (!options.quiet) log(`batch ${groupDir} skipped: ${e.message}`);
        return;
      }
      if (!POINT_ERRORS.some((E) => e instanceof E)) {
        for (const point of points) folder.record(point.id, { status: 'failed', message: (e as Error).message }, task);
        throw e;
      }
      for (const point of points) fail(point.id, e as Error);
      return;
    }
    for (const outcome of outcomes) {
      if ('error' in outcome) {
        if (outcome.error instanceof OutputDirError && /another kinfire process/.test(outcome.error.message)) {
          // Another task holds this point's folder (a duplicate of this shard): its folder is left to it.
          result.busy.push(outcome.id);
          if (!options.quiet) log(`[${outcome.id}] skipped: ${outcome.error.message}`);
        } else fail(outcome.id, outcome.error);
      } else {
        folder.record(outcome.id, { status: 'done', result: outcome.status }, task);
        result.ran++;
      }
    }
  }
}

export function registerSweep(program: Command): void {
  const sweep = program
    .command('sweep')
    .description('run many points of one command (run, steady, particles, bifurcation, compare, study) over a base config, each a results folder DIR/points/<id>/; a shard of them with --shard i/n or under a Slurm array')
    .option('--spec <file>', 'the sweep spec (JSON: command, config or base, product or points; see README)')
    .option('-o, --out <dir>', 'the sweep folder: created, or the same sweep continued (finished points are skipped)')
    .option('--shard <i/n>', 'run the points k with k mod n = i − 1 (1 ≤ i ≤ n); default under a Slurm array: from SLURM_ARRAY_TASK_ID, _MIN and _COUNT')
    .option('--no-batch', 'solve every point of an nnlif run sweep as its own run (default: the points of a task that differ only in member parameters are one batched solve)')
    .option('-q, --quiet', 'no progress output')
    .action(async (opts: SweepOptions) => {
      const r = await sweepCommand(opts);
      process.stdout.write(`${JSON.stringify({ out: resolve(opts.out), shard: `${r.shard.index}/${r.shard.count}`, points: r.points, mine: r.mine, ran: r.ran, skipped: r.skipped, failed: r.failed.map((f) => f.id), busy: r.busy })}\n`);
      if (r.failed.length) process.exitCode = 1;
    });
  sweep
    .command('collect')
    .description('gather the points of a sweep folder into sweep.csv, sweep.json and (for one or two swept keys) sweep.png')
    .argument('<dir>', 'the sweep folder')
    .option('--quantity <name>', 'the scalar the figure shows (default: N_final for run, N_mean for particles, the steady states for steady, the folds for bifurcation)')
    .action((dir: string, opts: { quantity?: string }) => {
      const { folder, manifest } = SweepFolder.existing(dir);
      const r = collectSweep(folder, manifest, pkg.version, opts.quantity);
      process.stdout.write(`${JSON.stringify({ out: folder.dir, points: r.rows.length, counts: r.counts, files: r.files, figure: r.figure })}\n`);
    });
  registerSweepSlurm(sweep);
}
