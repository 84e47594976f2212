import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { slurmScript, slurmTimeSeconds } from '../../src/cli/sweepSlurm';
import { loadSweepSpec, resolveShard, shardPoints } from '../../src/cli/sweepSpec';
import { ConfigError } from '../../src/models/config';

const dir = mkdtempSync(join(tmpdir(), 'kinfire-sweepspec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function spec(body: unknown): string {
  const path = join(dir, `spec${n++}.json`);
  writeFileSync(path, JSON.stringify(body));
  return path;
}
function configError(f: () => unknown): ConfigError {
  try {
    f();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('no ConfigError');
}

describe('sweep spec', () => {
  it('expands a product with the last key fastest, each point the base config with the values applied', () => {
    const plan = loadSweepSpec(spec({ command: 'steady', base: { params: { a: 0.4 } }, set: ['params.VF=1'], product: { 'params.b': [0.5, 1], 'params.gin': { from: -1, to: 0, n: 3 } } }));
    expect(plan.keys).toEqual(['params.b', 'params.gin']);
    expect(plan.points.map((p) => p.values)).toEqual([
      { 'params.b': 0.5, 'params.gin': -1 },
      { 'params.b': 0.5, 'params.gin': -0.5 },
      { 'params.b': 0.5, 'params.gin': 0 },
      { 'params.b': 1, 'params.gin': -1 },
      { 'params.b': 1, 'params.gin': -0.5 },
      { 'params.b': 1, 'params.gin': 0 },
    ]);
    expect(plan.points.map((p) => p.id)).toEqual(['000_b=0.5_gin=-1', '001_b=0.5_gin=-0.5', '002_b=0.5_gin=0', '003_b=1_gin=-1', '004_b=1_gin=-0.5', '005_b=1_gin=0']);
    expect(plan.points[4]!.raw).toEqual({ params: { a: 0.4, VF: 1, b: 1, gin: -0.5 } });
    expect(plan.axes).toEqual({ 'params.b': [0.5, 1], 'params.gin': [-1, -0.5, 0] });
    expect(plan.options).toEqual({ stabilityTime: 30, stabilityNv: 400 });
  });

  it('gives the same hash for the same sweep whatever the key order in the file, and another for other points', () => {
    const a = loadSweepSpec(spec({ command: 'steady', product: { 'params.b': [0.5, 1] }, options: { stabilityNv: 100, stabilityTime: 5 } }));
    const b = loadSweepSpec(spec({ options: { stabilityTime: 5, stabilityNv: 100 }, product: { 'params.b': [0.5, 1] }, command: 'steady' }));
    const c = loadSweepSpec(spec({ command: 'steady', product: { 'params.b': [0.5, 1.5] }, options: { stabilityNv: 100, stabilityTime: 5 } }));
    expect(a.hash).toBe(b.hash);
    expect(c.hash).not.toBe(a.hash);
    // "batch" (default true) changes how a task runs its points, not the points: the hash leaves it out
    const off = loadSweepSpec(spec({ command: 'steady', product: { 'params.b': [0.5, 1] }, options: { stabilityNv: 100, stabilityTime: 5 }, batch: false }));
    expect([a.batch, off.batch]).toEqual([true, false]);
    expect(off.hash).toBe(a.hash);
  });

  it('names a key by its whole path where two swept keys share their last component, and keeps ids file-safe', () => {
    const plan = loadSweepSpec(spec({ command: 'run', base: { model: 'nnlif', nnlif: { b: [[0.5, -0.5], [0.5, -0.5]], populations: [{ name: 'E' }, { name: 'I' }] } }, points: [{ 'nnlif.populations.0.tau': 0, 'nnlif.populations.1.tau': 0.1 }] }));
    expect(plan.points[0]!.id).toBe('000_nnlif.populations.0.tau=0_nnlif.populations.1.tau=0.1');
    const strings = loadSweepSpec(spec({ command: 'steady', points: [{ 'params.phiF.kind': 'sigmoid' }, { 'params.phiF.kind': 'step' }] }));
    expect(strings.points.map((p) => p.id)).toEqual(['000_kind=sigmoid', '001_kind=step']);
  });

  it('refuses bad specs, naming the field', () => {
    expect(configError(() => loadSweepSpec(spec({ command: 'simulate', product: { 'params.b': [1] } }))).message).toMatch(/command: must be one of "run", "steady", "particles"/);
    expect(configError(() => loadSweepSpec(spec({ command: 'steady', product: { 'params.b': [1] }, extra: 1 }))).message).toMatch(/extra.*unknown key/);
    expect(configError(() => loadSweepSpec(spec({ command: 'steady', product: { 'params.bogus': [1] } }))).message).toMatch(/point 000_bogus=1.*params\.bogus: unknown key/);
    expect(configError(() => loadSweepSpec(spec({ command: 'steady', product: { 'params.a': [0.3, -1] } }))).message).toMatch(/point 001_a=-1.*params\.a/);
    expect(configError(() => loadSweepSpec(spec({ command: 'steady', points: [] }))).message).toMatch(/points: is empty/);
    expect(configError(() => loadSweepSpec(spec({ command: 'steady', product: { 'params.b': [] } }))).message).toMatch(/product\.params\.b: must list at least one value/);
    expect(configError(() => loadSweepSpec(spec({ command: 'steady' }))).message).toMatch(/"product".*"points"/);
    expect(configError(() => loadSweepSpec(spec({ command: 'steady', points: [{ 'params.b': 1 }, { 'params.b': 1 }] }))).message).toMatch(/points\.1: repeats point 0/);
    expect(configError(() => loadSweepSpec(spec({ command: 'steady', product: { 'params.b': [1] }, options: { allowLong: true } }))).message).toMatch(/options \(of steady\).*allowLong/);
    expect(configError(() => loadSweepSpec(join(dir, 'missing.json'))).message).toMatch(/--spec: cannot read/);
    expect(configError(() => loadSweepSpec(spec({ command: 'steady', product: { 'params.b': [1] }, batch: 'no' }))).message).toMatch(/batch/);
  });

  it('splits the points over shards round robin, from --shard or the Slurm array variables', () => {
    const points = Array.from({ length: 7 }, (_, index) => ({ index }));
    const all = [1, 2, 3].flatMap((i) => shardPoints(points, resolveShard(`${i}/3`)).map((p) => p.index));
    expect(all.sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(shardPoints(points, resolveShard('2/3')).map((p) => p.index)).toEqual([1, 4]);
    expect(resolveShard(undefined, {})).toMatchObject({ index: 1, count: 1 });
    // --array=0-2 and --array=1-3 both give shards 1..3
    expect(resolveShard(undefined, { SLURM_ARRAY_TASK_ID: '0', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_COUNT: '3' })).toMatchObject({ index: 1, count: 3 });
    expect(resolveShard(undefined, { SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_COUNT: '3' })).toMatchObject({ index: 3, count: 3 });
    expect(resolveShard(undefined, { SLURM_ARRAY_TASK_ID: '4', SLURM_ARRAY_TASK_MIN: '2', SLURM_ARRAY_TASK_MAX: '5' })).toMatchObject({ index: 3, count: 4 });
    // --shard wins over the environment
    expect(resolveShard('2/2', { SLURM_ARRAY_TASK_ID: '0', SLURM_ARRAY_TASK_COUNT: '3' })).toMatchObject({ index: 2, count: 2 });
    for (const bad of ['0/2', '3/2', '1/0', 'a/b', '1']) expect(configError(() => resolveShard(bad)).message).toMatch(/--shard: must be i\/n/);
    // a strided array (--array=0-4:2) has gaps: refused with the way out
    expect(configError(() => resolveShard(undefined, { SLURM_ARRAY_TASK_ID: '4', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_COUNT: '3' })).message).toMatch(/SLURM_ARRAY_TASK_ID: gives shard 5 of 3/);
  });
});

describe('the sbatch script', () => {
  const plan = loadSweepSpec(spec({ command: 'steady', product: { 'params.b': [0.5, 1, 1.5] } }));
  it('is an array of one task per shard with --requeue and a signal to the batch shell before the limit', () => {
    const text = slurmScript(plan, '/s/spec.json', '/runs/sw', { gpusPerTask: 1, time: '01:30:00', partition: 'gpu', signalBefore: 90 }, { node: '/usr/bin/node', bin: '/k/bin/kinfire.js' });
    const directives = text.split('\n').filter((l) => l.startsWith('#SBATCH'));
    expect(directives).toEqual([
      '#SBATCH --job-name=kinfire-sweep',
      '#SBATCH --array=0-2',
      '#SBATCH --ntasks=1',
      '#SBATCH --gpus-per-task=1',
      '#SBATCH --time=01:30:00',
      '#SBATCH --partition=gpu',
      '#SBATCH --requeue',
      '#SBATCH --signal=B:USR1@90',
      '#SBATCH --output=/runs/sw/slurm/%A_%a.out',
      '#SBATCH --open-mode=append',
    ]);
    expect(text).toContain('/usr/bin/node /k/bin/kinfire.js sweep --spec /s/spec.json --out /runs/sw &');
    expect(text).toContain('trap on_time_limit USR1');
    expect(text).toContain('scontrol requeue "${SLURM_JOB_ID}"');
    const two = slurmScript(plan, '/s/spec.json', '/runs/sw', { gpusPerTask: 0, tasks: 2, signalBefore: 60, maxRunning: 1 }, { node: '/usr/bin/node', bin: '/k/bin/kinfire.js' });
    expect(two).toContain('#SBATCH --array=0-1%1');
    expect(two).not.toContain('--gpus-per-task');
  });

  it('checks the time limit, the signal and the task count', () => {
    expect(slurmTimeSeconds('90')).toBe(5400);
    expect(slurmTimeSeconds('1-02:03:04')).toBe(93784);
    expect(slurmTimeSeconds('10:30')).toBe(630);
    expect(configError(() => slurmTimeSeconds('1h')).message).toMatch(/--time: must be a Slurm time limit/);
    const paths = { node: 'n', bin: 'b' };
    expect(configError(() => slurmScript(plan, 's', 'd', { gpusPerTask: 1, time: '1', signalBefore: 120 }, paths)).message).toMatch(/--signal-before: must be shorter than the time limit \(60 s/);
    expect(configError(() => slurmScript(plan, 's', 'd', { gpusPerTask: 1, tasks: 4, signalBefore: 60 }, paths)).message).toMatch(/--tasks: must be an integer in \[1, 3\]/);
    expect(configError(() => slurmScript(plan, 's', 'd', { gpusPerTask: 1, partition: 'a b', signalBefore: 60 }, paths)).message).toMatch(/--partition/);
  });
});
