/**
 * `kinfire sweep slurm`: the sbatch array script of a sweep, written into DIR/slurm/ (and with --submit
 * handed to sbatch). Each array task runs `kinfire sweep` on its shard (it reads SLURM_ARRAY_TASK_ID,
 * _MIN and _COUNT itself). What survives what:
 *  - preemption, `scontrol requeue`, scancel, a node failure: Slurm sends SIGTERM to the task's processes;
 *    kinfire stops at the end of its current block and exits; `--requeue` puts the task back in the queue
 *    (node failure, preemption with PreemptMode=REQUEUE, scontrol requeue), and the requeued task skips
 *    the finished points;
 *  - the time limit: `--signal=B:USR1@S` sends USR1 to the batch shell S seconds before it; the script's
 *    trap stops kinfire with SIGTERM, waits for it, and requeues its own job (scontrol requeue), so the
 *    task goes on in a new allocation instead of being killed at the limit;
 *  - SIGKILL (KillWait over, OOM): what was committed (whole point folders) survives; a point in progress
 *    is run again.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import pkg from '../../package.json' with { type: 'json' };
import { SweepFolder, writeFileAtomic } from '../io/sweepFolder';
import { ConfigError } from '../models/config';
import { loadSweepSpec, type SweepPlan } from './sweepSpec';

/** Slurm's array size limit by default (MaxArraySize = 1001 gives indices 0..1000). */
export const DEFAULT_MAX_ARRAY_TASKS = 1000;

export interface SlurmScriptOptions {
  /** array tasks (shards); default one per point, at most DEFAULT_MAX_ARRAY_TASKS */
  tasks?: number;
  /** GPUs per task (0: no --gpus-per-task line, for a CPU partition) */
  gpusPerTask: number;
  cpusPerTask?: number;
  /** Slurm time limit: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS */
  time?: string;
  partition?: string;
  account?: string;
  mem?: string;
  /** seconds before the time limit at which the task is told to checkpoint and requeue */
  signalBefore: number;
  /** job name */
  name?: string;
  /** the most tasks running at once (%k of --array) */
  maxRunning?: number;
}

/** Seconds of a Slurm time limit, or ConfigError naming --time. */
export function slurmTimeSeconds(text: string): number {
  const t = text.trim();
  let m: RegExpExecArray | null;
  let d = 0,
    h = 0,
    min = 0,
    s = 0;
  if ((m = /^(\d+)$/.exec(t))) min = Number(m[1]);
  else if ((m = /^(\d+):(\d+)$/.exec(t))) [min, s] = [Number(m[1]), Number(m[2])];
  else if ((m = /^(\d+):(\d+):(\d+)$/.exec(t))) [h, min, s] = [Number(m[1]), Number(m[2]), Number(m[3])];
  else if ((m = /^(\d+)-(\d+)$/.exec(t))) [d, h] = [Number(m[1]), Number(m[2])];
  else if ((m = /^(\d+)-(\d+):(\d+)$/.exec(t))) [d, h, min] = [Number(m[1]), Number(m[2]), Number(m[3])];
  else if ((m = /^(\d+)-(\d+):(\d+):(\d+)$/.exec(t))) [d, h, min, s] = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])];
  else throw new ConfigError('--time', `must be a Slurm time limit: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS (got ${JSON.stringify(text)})`);
  const total = ((d * 24 + h) * 60 + min) * 60 + s;
  if (total <= 0) throw new ConfigError('--time', `must be longer than 0 (got ${JSON.stringify(text)})`);
  return total;
}

/** A shell word: single-quoted unless it is plainly safe. */
const sh = (word: string) => (/^[A-Za-z0-9_./:=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);

/** The CLI entry this process runs (bin/kinfire.js of this package). */
export function kinfireBin(): string {
  return resolve(fileURLToPath(new URL('../bin/kinfire.js', import.meta.url)));
}

export function checkSlurmOptions(plan: SweepPlan, o: SlurmScriptOptions): { tasks: number } {
  const int = (field: string, v: number | undefined, min: number, max: number) => {
    if (v !== undefined && !(Number.isInteger(v) && v >= min && v <= max)) throw new ConfigError(field, `must be an integer in [${min}, ${max}] (got ${v})`);
  };
  int('--tasks', o.tasks, 1, Math.max(1, plan.points.length));
  int('--gpus-per-task', o.gpusPerTask, 0, 64);
  int('--cpus-per-task', o.cpusPerTask, 1, 4096);
  int('--signal-before', o.signalBefore, 1, 65535);
  int('--max-running', o.maxRunning, 1, 1_000_000);
  if (o.time !== undefined && slurmTimeSeconds(o.time) <= o.signalBefore) {
    throw new ConfigError('--signal-before', `must be shorter than the time limit (${slurmTimeSeconds(o.time)} s from --time ${o.time}; got ${o.signalBefore} s)`);
  }
  for (const [field, v] of [['--partition', o.partition], ['--account', o.account], ['--mem', o.mem], ['--name', o.name]] as const) {
    if (v !== undefined && !/^[A-Za-z0-9_.,:+-]+$/.test(v)) throw new ConfigError(field, `must be a Slurm name (letters, digits and _ . , : + -; got ${JSON.stringify(v)})`);
  }
  return { tasks: o.tasks ?? Math.min(plan.points.length, DEFAULT_MAX_ARRAY_TASKS) };
}

/** The sbatch script of a sweep. `node` and `bin` are the absolute paths the tasks run. */
export function slurmScript(plan: SweepPlan, spec: string, dir: string, o: SlurmScriptOptions, paths: { node: string; bin: string }): string {
  const { tasks } = checkSlurmOptions(plan, o);
  const perTask = Math.ceil(plan.points.length / tasks);
  const lines = [
    '#!/bin/bash',
    `# kinfire ${pkg.version} sweep: ${plan.points.length} points of \`kinfire ${plan.command}\` over ${plan.keys.join(', ')}, in ${tasks} array tasks (about ${perTask} point${perTask === 1 ? '' : 's'} each).`,
    `# Written by \`kinfire sweep slurm\`. Submit: sbatch ${sh(join(dir, 'slurm', 'sweep.sbatch'))}    Then: kinfire sweep collect ${sh(dir)}`,
    `#SBATCH --job-name=${o.name ?? 'kinfire-sweep'}`,
    `#SBATCH --array=0-${tasks - 1}${o.maxRunning ? `%${o.maxRunning}` : ''}`,
    '#SBATCH --ntasks=1',
    ...(o.gpusPerTask > 0 ? [`#SBATCH --gpus-per-task=${o.gpusPerTask}`] : []),
    ...(o.cpusPerTask ? [`#SBATCH --cpus-per-task=${o.cpusPerTask}`] : []),
    ...(o.time ? [`#SBATCH --time=${o.time}`] : []),
    ...(o.partition ? [`#SBATCH --partition=${o.partition}`] : []),
    ...(o.account ? [`#SBATCH --account=${o.account}`] : []),
    ...(o.mem ? [`#SBATCH --mem=${o.mem}`] : []),
    // A requeued task (preemption, node failure, scontrol requeue, the trap below) starts again and skips what is finished.
    '#SBATCH --requeue',
    // USR1 to the batch shell (B:) before the time limit: the trap below stops kinfire cleanly and requeues.
    `#SBATCH --signal=B:USR1@${o.signalBefore}`,
    `#SBATCH --output=${join(dir, 'slurm', '%A_%a.out')}`,
    '#SBATCH --open-mode=append',
    '',
    'set -u',
    'export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"',
    'echo "kinfire sweep: task ${SLURM_ARRAY_TASK_ID} of array ${SLURM_ARRAY_JOB_ID} (job ${SLURM_JOB_ID}, restart ${SLURM_RESTART_COUNT:-0}) on $(hostname) at $(date -u +%FT%TZ)"',
    'on_time_limit() {',
    '  echo "kinfire sweep: the time limit is near: stopping kinfire (SIGTERM) and requeueing job ${SLURM_JOB_ID}"',
    '  kill -TERM "$child" 2>/dev/null',
    '  wait "$child"',
    '  scontrol requeue "${SLURM_JOB_ID}"',
    '  exit 0',
    '}',
    'trap on_time_limit USR1',
    // Not exec: the shell stays to catch USR1. SIGTERM from Slurm (scancel, requeue, preemption) reaches kinfire itself.
    `${sh(paths.node)} ${sh(paths.bin)} sweep --spec ${sh(spec)} --out ${sh(dir)} &`,
    'child=$!',
    'wait "$child"',
    'status=$?',
    'echo "kinfire sweep: exit ${status} at $(date -u +%FT%TZ)"',
    'exit "$status"',
    '',
  ];
  return lines.join('\n');
}

interface SlurmCliOptions {
  spec?: string;
  out?: string;
  tasks?: string;
  gpusPerTask: string;
  cpusPerTask?: string;
  time?: string;
  partition?: string;
  account?: string;
  mem?: string;
  signalBefore: string;
  name?: string;
  maxRunning?: string;
  submit?: boolean;
}

const intOption = (field: string, text: string | undefined): number | undefined => {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (!Number.isInteger(v)) throw new ConfigError(field, `must be an integer (got ${JSON.stringify(text)})`);
  return v;
};

/** Writes DIR/slurm/sweep.sbatch (the sweep folder is created as `kinfire sweep` would); with `submit`, runs sbatch on it. */
export function sweepSlurmCommand(opts: SlurmCliOptions, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): { script: string; job?: string } {
  if (!opts.spec) throw new ConfigError('--spec', 'is required: the sweep spec (JSON)');
  if (!opts.out) throw new ConfigError('--out', 'is required: the sweep folder');
  const plan = loadSweepSpec(opts.spec);
  const o: SlurmScriptOptions = {
    ...(intOption('--tasks', opts.tasks) !== undefined ? { tasks: intOption('--tasks', opts.tasks)! } : {}),
    gpusPerTask: intOption('--gpus-per-task', opts.gpusPerTask)!,
    ...(opts.cpusPerTask !== undefined ? { cpusPerTask: intOption('--cpus-per-task', opts.cpusPerTask)! } : {}),
    ...(opts.time !== undefined ? { time: opts.time } : {}),
    ...(opts.partition !== undefined ? { partition: opts.partition } : {}),
    ...(opts.account !== undefined ? { account: opts.account } : {}),
    ...(opts.mem !== undefined ? { mem: opts.mem } : {}),
    signalBefore: intOption('--signal-before', opts.signalBefore)!,
    ...(opts.name !== undefined ? { name: opts.name } : {}),
    ...(opts.maxRunning !== undefined ? { maxRunning: intOption('--max-running', opts.maxRunning)! } : {}),
  };
  checkSlurmOptions(plan, o);
  if (opts.submit) {
    const which = spawnSync('sh', ['-c', 'command -v sbatch'], { encoding: 'utf8' });
    if (which.status !== 0) throw new ConfigError('--submit', 'sbatch is not on the PATH: run this on a Slurm login node, or leave out --submit and submit the script yourself');
  }
  const spec = resolve(opts.spec);
  const folder = SweepFolder.open(opts.out, { hash: plan.hash, command: plan.command, keys: plan.keys, base: plan.base, options: plan.options, axes: plan.axes, points: plan.points.map((p) => ({ id: p.id, index: p.index, values: p.values })) }, pkg.version);
  mkdirSync(join(folder.dir, 'slurm'), { recursive: true });
  const script = join(folder.dir, 'slurm', 'sweep.sbatch');
  writeFileAtomic(script, slurmScript(plan, spec, folder.dir, o, { node: process.execPath, bin: kinfireBin() }));
  log(`kinfire sweep slurm: wrote ${script}`);
  if (!opts.submit) return { script };
  const r = spawnSync('sbatch', ['--parsable', script], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sbatch ${script} failed (exit ${r.status}): ${(r.stderr || r.stdout || String(r.error ?? '')).trim()}`);
  const job = r.stdout.trim().split(';')[0]!;
  log(`kinfire sweep slurm: submitted array job ${job}`);
  return { script, job };
}

export function registerSweepSlurm(sweep: Command): void {
  sweep
    .command('slurm')
    .description('write the sbatch array script of a sweep into DIR/slurm/sweep.sbatch (with --requeue and a signal before the time limit), and with --submit submit it')
    .option('--spec <file>', 'the sweep spec')
    .option('-o, --out <dir>', 'the sweep folder')
    .option('--tasks <n>', `array tasks, each a shard of the points (default: one per point, at most ${DEFAULT_MAX_ARRAY_TASKS})`)
    .option('--gpus-per-task <n>', 'GPUs of each task (0: no GPU request)', '1')
    .option('--cpus-per-task <n>', 'CPUs of each task')
    .option('--time <limit>', 'time limit of each task (Slurm format, e.g. 04:00:00)')
    .option('--partition <name>', 'partition')
    .option('--account <name>', 'account')
    .option('--mem <size>', 'memory of each task (Slurm format, e.g. 16G)')
    .option('--signal-before <seconds>', 'seconds before the time limit at which a task checkpoints and requeues itself', '120')
    .option('--name <name>', 'job name (default kinfire-sweep)')
    .option('--max-running <k>', 'at most k tasks at once (--array=…%k)')
    .option('--submit', 'submit the script with sbatch and print the job id')
    .action((_opts: SlurmCliOptions, cmd: Command) => {
      // --spec and --out are also options of `sweep` itself, which may take them: read both.
      const r = sweepSlurmCommand(cmd.optsWithGlobals<SlurmCliOptions>());
      process.stdout.write(`${JSON.stringify({ script: r.script, ...(r.job ? { job: r.job } : {}) })}\n`);
    });
}
