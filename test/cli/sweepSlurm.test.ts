/**
 * `kinfire sweep` on a real Slurm cluster (test/helpers/slurm.ts: slurmctld, slurmd and munged of Debian's
 * slurm-wlm on this host), not a mock: `kinfire sweep slurm --submit` submits a 2-task array over 4 short
 * NNLIF runs, each task's 2 points one batch (cli/sweepBatch.ts); task 0 is requeued (`scontrol requeue`) in
 * the middle of its batch, the kinfire of task 1 is killed with SIGKILL in the middle of its batch (as the
 * OOM killer would) and that task requeued; `sweep collect` must then give exactly the sweep.csv of the
 * same sweep run locally, point by point (--no-batch), without interruption, and every point folder the
 * same files.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kinfire, kinfireWithEnv } from '../helpers/cli';
import { type SlurmCluster, slurmUnavailable, startSlurmCluster } from '../helpers/slurm';

const why = slurmUnavailable();
if (why) console.warn(`skipping the Slurm tests: ${why}`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(why !== null)('kinfire sweep on a real Slurm cluster', () => {
  let cluster: SlurmCluster;
  const root = mkdtempSync(join(tmpdir(), 'kinfire-sweep-slurm-'));
  const spec = join(root, 'spec.json');
  // 4 points of about 2000 NNLIF steps each, a checkpoint every 0.3 s of wall time
  writeFileSync(spec, JSON.stringify({ command: 'run', base: { model: 'nnlif', grid: { nv: 100 }, time: { T: 2 }, output: { snapshots: [1, 2] } }, options: { checkpointEvery: 0.3 }, product: { 'nnlif.b': [0.5, 1.5], 'nnlif.a0': [0.5, 1] } }));

  beforeAll(async () => {
    cluster = await startSlurmCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  const manifest = (dir: string) => JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { points: { id: string; index: number; status: string; pid?: number; attempts?: number }[] };
  const state = (job: string) => cluster.run('squeue', '-h', '-t', 'all', '-j', job, '-o', '%T').stdout.trim();
  /** What the tasks printed and the manifest, for a failure's message: a task that fails on a cluster is seen only through these. */
  const diagnostics = () => {
    const out = join(root, 'cluster');
    const slurm = join(out, 'slurm');
    const logs = existsSync(slurm) ? readdirSync(slurm).filter((f) => f.endsWith('.out')).map((f) => `--- ${f}:\n${readFileSync(join(slurm, f), 'utf8').split('\n').slice(-40).join('\n')}`) : [];
    const m = existsSync(join(out, 'manifest.json')) ? readFileSync(join(out, 'manifest.json'), 'utf8') : '(no manifest)';
    return [...logs, `--- manifest.json:\n${m}`, ...['slurmd', 'slurmctld'].map((d) => `--- ${d}.log:\n${existsSync(join(cluster.dir, 'log', `${d}.log`)) ? readFileSync(join(cluster.dir, 'log', `${d}.log`), 'utf8').split('\n').slice(-30).join('\n') : '(none)'}`), `--- scontrol show job:\n${cluster.run('scontrol', 'show', 'job').stdout.split('\n').filter((l) => /JobState|Reason|ExitCode|Restarts|RunTime/.test(l)).join('\n')}`].join('\n');
  };
  const until = async (what: string, seconds: number, test: () => boolean) => {
    const end = Date.now() + seconds * 1000;
    while (Date.now() < end) {
      if (test()) return;
      await sleep(200);
    }
    throw new Error(`${what} within ${seconds} s: squeue ${cluster.run('squeue', '-t', 'all').stdout}\n${diagnostics()}`);
  };
  /**
   * A requeued job waits for its BeginTime (about 2 minutes on); let it start sooner. Not at once: slurmd
   * revoked the job's credential when it was killed, and refuses a credential made in the same second
   * ("Job credential revoked", the job FAILED at 0:00 without running), which is what the 2 minutes guard.
   */
  const release = async (job: string) => {
    await until(`${job} pending again`, 60, () => state(job) === 'PENDING');
    await sleep(3000);
    const r = cluster.run('scontrol', 'update', `JobId=${job}`, 'StartTime=now');
    expect(r.code, r.stderr).toBe(0);
  };
  /** The working area of the batch of a task's points (its first point's index, 2 points), once it holds a checkpoint. */
  const checkpointed = (dir: string, first: number) => existsSync(join(dir, 'groups')) && readdirSync(join(dir, 'groups')).some((f) => f.startsWith(`.g${first}-2-`) && f.includes('.partial-') && existsSync(join(dir, 'groups', f, 'checkpoint.bin')));

  it('a requeued task and a SIGKILLed one lose nothing: collect equals the uninterrupted local sweep', async () => {
    const local = join(root, 'local');
    const l = kinfire('sweep', '--spec', spec, '--out', local, '--quiet', '--no-batch');
    expect(l.code, l.stderr).toBe(0);
    expect(kinfire('sweep', 'collect', local).code).toBe(0);

    const out = join(root, 'cluster');
    const s = kinfireWithEnv({ SLURM_CONF: cluster.env.SLURM_CONF! }, 'sweep', 'slurm', '--spec', spec, '--out', out, '--tasks', '2', '--gpus-per-task', '0', '--signal-before', '30', '--submit');
    expect(s.code, s.stderr).toBe(0);
    const job = JSON.parse(s.stdout).job as string;
    expect(job).toMatch(/^\d+$/);
    const [a, b] = [`${job}_0`, `${job}_1`];
    // task 0 runs points 0 and 2 (a0 = 0.5: the same grid), one batch; task 1 points 1 and 3 (a0 = 1)

    // Task 0: requeued in the middle of its batch (Slurm sends SIGTERM; kinfire writes the batch's checkpoint).
    await until('task 0 in its batch', 90, () => existsSync(join(out, 'manifest.json')) && manifest(out).points[0]!.status === 'running' && checkpointed(out, 0));
    expect(cluster.run('scontrol', 'requeue', a).code).toBe(0);
    // Task 1: its kinfire killed with SIGKILL in the middle of its batch, after a periodic checkpoint.
    await until('task 1 in its batch', 90, () => manifest(out).points[1]!.status === 'running' && checkpointed(out, 1));
    process.kill(manifest(out).points[1]!.pid!, 'SIGKILL');
    await until('task 1 failed', 60, () => state(b) === 'FAILED');
    expect(cluster.run('scontrol', 'requeue', b).code).toBe(0);
    await release(a);
    await release(b);

    await until('both tasks completed', 240, () => state(a) === 'COMPLETED' && state(b) === 'COMPLETED');
    const c = kinfire('sweep', 'collect', out);
    expect(c.code, c.stderr).toBe(0);
    expect(JSON.parse(c.stdout).counts).toEqual({ done: 4 });
    expect(readFileSync(join(out, 'sweep.csv'), 'utf8')).toBe(readFileSync(join(local, 'sweep.csv'), 'utf8'));
    for (const p of manifest(local).points) {
      for (const f of readdirSync(join(local, 'points', p.id))) {
        if (f === 'summary.json' || f === '.kinfire-results') continue;
        expect(readFileSync(join(out, 'points', p.id, f)).equals(readFileSync(join(local, 'points', p.id, f))), `${p.id}/${f}`).toBe(true);
      }
    }
    const points = manifest(out).points;
    expect(points.map((p) => [p.status, p.attempts])).toEqual([
      ['done', 2],
      ['done', 2],
      ['done', 2],
      ['done', 2],
    ]);
    for (const task of ['0', '1']) {
      const log = readdirSync(join(out, 'slurm'))
        .filter((f) => f.endsWith(`_${task}.out`))
        .map((f) => readFileSync(join(out, 'slurm', f), 'utf8'))
        .join('\n');
      expect(log, `task ${task}`).toMatch(/resuming a batch of 2 points/);
    }
    expect(readdirSync(join(out, 'groups'))).toEqual([]);
  }, 400_000);
});
