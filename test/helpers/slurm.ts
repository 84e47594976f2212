/**
 * A real one-node Slurm cluster for the tests (Debian's slurm-wlm and munge, run as root): a munge key and a
 * slurm.conf in a temporary folder (this host as the only node, its CPUs, no cgroups: proctrack/linuxproc,
 * task/none, select/cons_tres, no accounting), munged, slurmctld and slurmd started in the foreground as
 * children of the test with their pids recorded, and stopped by those pids afterwards: every job cancelled
 * and gone first, then the daemons (SIGTERM, SIGKILL after 10 s), then the folder removed.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

export interface SlurmCluster {
  dir: string;
  /** the environment for Slurm's commands (SLURM_CONF) */
  env: NodeJS.ProcessEnv;
  /** run a Slurm command (sbatch, squeue, scontrol, …) against this cluster */
  run(command: string, ...args: string[]): { code: number | null; stdout: string; stderr: string };
  /** the daemons' pids */
  pids: Record<string, number>;
  stop(): Promise<void>;
}

const BINARIES = ['munged', 'slurmctld', 'slurmd', 'sbatch', 'squeue', 'scontrol', 'sinfo', 'scancel'];

/** Why a cluster cannot be started here, or null. */
export function slurmUnavailable(): string | null {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'not root: the one-node Slurm cluster (munged, slurmctld, slurmd) must run as root';
  const missing = BINARIES.filter((b) => spawnSync('sh', ['-c', `command -v ${b}`]).status !== 0);
  if (missing.length) return `Slurm is not installed (missing ${missing.join(', ')}): apt-get install slurm-wlm munge (scripts/setup-system.mjs does it as root)`;
  return null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, seconds: number, test: () => boolean, log: () => string): Promise<void> {
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    if (test()) return;
    await sleep(250);
  }
  throw new Error(`${what} within ${seconds} s; ${log()}`);
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r()));
}

export async function startSlurmCluster(): Promise<SlurmCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'kinfire-slurm-'));
  chmodSync(dir, 0o755); // munged wants its socket's folder searchable by all
  for (const sub of ['state', 'spool', 'log']) mkdirSync(join(dir, sub));
  const key = join(dir, 'munge.key');
  writeFileSync(key, randomBytes(1024), { mode: 0o400 });
  const host = hostname();
  const [ctldPort, slurmdPort] = [await freePort(), await freePort()];
  const conf = join(dir, 'slurm.conf');
  writeFileSync(
    conf,
    [
      'ClusterName=kinfiretest',
      `SlurmctldHost=${host}`,
      `SlurmctldPort=${ctldPort}`,
      `SlurmdPort=${slurmdPort}`,
      'AuthType=auth/munge',
      'CredType=cred/munge',
      `AuthInfo=socket=${join(dir, 'munge.socket')}`,
      'SlurmUser=root',
      'SlurmdUser=root',
      `StateSaveLocation=${join(dir, 'state')}`,
      `SlurmdSpoolDir=${join(dir, 'spool')}`,
      `SlurmctldPidFile=${join(dir, 'slurmctld.pid')}`,
      `SlurmdPidFile=${join(dir, 'slurmd.pid')}`,
      `SlurmctldLogFile=${join(dir, 'log', 'slurmctld.log')}`,
      `SlurmdLogFile=${join(dir, 'log', 'slurmd.log')}`,
      'ProctrackType=proctrack/linuxproc',
      'TaskPlugin=task/none',
      'SelectType=select/cons_tres',
      'SelectTypeParameters=CR_CPU',
      'SchedulerType=sched/backfill',
      'SchedulerParameters=sched_interval=1',
      'JobAcctGatherType=jobacct_gather/none',
      'AccountingStorageType=accounting_storage/none',
      'JobCompType=jobcomp/none',
      'MpiDefault=none',
      'ReturnToService=2',
      'SlurmdParameters=config_overrides',
      'KillWait=15',
      'MinJobAge=600',
      `NodeName=${host} CPUs=${cpus().length} State=UNKNOWN`,
      `PartitionName=debug Nodes=${host} Default=YES MaxTime=INFINITE State=UP`,
      '',
    ].join('\n'),
  );
  const env = { ...process.env, SLURM_CONF: conf };
  const children: Record<string, ChildProcess> = {};
  const start = (name: string, command: string, args: string[]) => {
    const out = openSync(join(dir, 'log', `${name}.out`), 'a');
    const child = spawn(command, args, { env, stdio: ['ignore', out, out] });
    children[name] = child;
  };
  const run = (command: string, ...args: string[]) => {
    const r = spawnSync(command, args, { env, encoding: 'utf8', timeout: 30_000 });
    return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  };
  const logs = () => ['munged', 'slurmctld', 'slurmd'].map((n) => `${n}: ${spawnSync('tail', ['-n', '5', join(dir, 'log', `${n}.out`)], { encoding: 'utf8' }).stdout}`).join('\n');

  const stop = async () => {
    // Every job of this cluster first (its kinfire processes are their children), then the daemons, by pid.
    if (children.slurmctld && children.slurmctld.exitCode === null) {
      const jobs = run('squeue', '-h', '-o', '%A').stdout.split('\n').filter(Boolean);
      if (jobs.length) run('scancel', ...jobs);
      const until = Date.now() + 40_000;
      while (Date.now() < until && run('squeue', '-h', '-t', 'RUNNING,COMPLETING,PENDING,CONFIGURING,REQUEUED', '-o', '%A').stdout.trim() !== '') await sleep(500);
    }
    for (const name of ['slurmd', 'slurmctld', 'munged']) {
      const child = children[name];
      if (!child || child.exitCode !== null || child.signalCode !== null) continue;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited(child);
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    start('munged', 'munged', ['-F', '-f', `--key-file=${key}`, `--socket=${join(dir, 'munge.socket')}`, `--pid-file=${join(dir, 'munged.pid')}`, `--log-file=${join(dir, 'log', 'munged.log')}`, `--seed-file=${join(dir, 'munged.seed')}`]);
    await waitFor('munged made no socket', 20, () => spawnSync('test', ['-S', join(dir, 'munge.socket')]).status === 0, logs);
    start('slurmctld', 'slurmctld', ['-D', '-f', conf]);
    start('slurmd', 'slurmd', ['-D', '-f', conf]);
    await waitFor('the node did not come up idle', 60, () => /^idle/.test(run('sinfo', '-h', '-o', '%T').stdout.trim()), () => `sinfo: ${run('sinfo').stdout}\n${logs()}`);
  } catch (e) {
    await stop();
    throw e;
  }
  return { dir, env, run, pids: Object.fromEntries(Object.entries(children).map(([k, c]) => [k, c.pid!])), stop };
}
