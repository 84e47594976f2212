/**
 * `kinfire sweep` of an nnlif `run` with batching (cli/sweepBatch.ts): the points of a task that differ only
 * in member parameters are one batched solve, and every point's folder is byte for byte what the point run
 * alone writes (summary.json apart from its wall times), a blown-up member included; shards, SIGTERM
 * mid-batch and its resume, and the grouping itself (signature, capacity, split).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { batchSignature, groupCapacity, groupPoints, removeFinishedGroups } from '../../src/cli/sweepBatch';
import { loadSweepSpec } from '../../src/cli/sweepSpec';
import { kinfire, repoRoot } from '../helpers/cli';

const root = mkdtempSync(join(tmpdir(), 'kinfire-sweepbatch-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const path = (name: string) => join(root, name);
function writeSpec(name: string, body: unknown): string {
  writeFileSync(path(name), JSON.stringify(body));
  return path(name);
}
const json = (text: string) => JSON.parse(text.trim().split('\n').pop()!);
const manifestOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { points: { id: string; status: string; attempts?: number; result?: string; message?: string }[] };

/** summary.json without the fields a batched point legitimately has otherwise: the group's wall time and the steps per second over it. */
const withoutWallTimes = (file: string) => {
  const s = JSON.parse(readFileSync(file, 'utf8'));
  delete s.wall_s;
  delete s.steps_per_s;
  return s;
};

/** Every point folder of sweep `b` holds the files of sweep `a`'s, byte for byte (summary.json apart from its wall times). */
function expectSamePoints(a: string, b: string, ids: string[]): void {
  expect(readdirSync(join(b, 'points')).sort()).toEqual(ids);
  expect(readdirSync(join(a, 'points')).sort()).toEqual(ids);
  for (const id of ids) {
    const [pa, pb] = [join(a, 'points', id), join(b, 'points', id)];
    const files = readdirSync(pa).filter((f) => f !== '.kinfire-results').sort();
    expect(readdirSync(pb).filter((f) => f !== '.kinfire-results').sort(), id).toEqual(files);
    expect(files, id).toEqual(expect.arrayContaining(['summary.json', 'activity.csv', 'run.png']));
    expect(files.some((f) => f.endsWith('.npy')), id).toBe(true);
    for (const f of files) {
      if (f === 'summary.json') expect(withoutWallTimes(join(pb, f)), `${id}/${f}`).toEqual(withoutWallTimes(join(pa, f)));
      else expect(readFileSync(join(pb, f)).equals(readFileSync(join(pa, f))), `${id}/${f}`).toBe(true);
    }
  }
}

// A delay, τ = 0 and τ > 0, b = 3 blowing up early (its point stops alone), and a vmin high enough that the
// other points warn of mass reaching it: 6 points of 250 steps on 64 nodes.
const BASE = { model: 'nnlif', grid: { nv: 64 }, initial: { v0: 1.6, sv: 0.1 }, time: { T: 0.5, dt: 0.002, Nmax: 500 }, nnlif: { delay: 0.01, vmin: -2 }, output: { snapshots: [0.25, 0.5] } };
const PRODUCT = { 'nnlif.b': [-1, 0.5, 3], 'nnlif.tau': [0, 0.1] };
const IDS = ['000_b=-1_tau=0', '001_b=-1_tau=0.1', '002_b=0.5_tau=0', '003_b=0.5_tau=0.1', '004_b=3_tau=0', '005_b=3_tau=0.1'];

describe('kinfire sweep of an nnlif run, batched within a task', () => {
  const spec = writeSpec('run.json', { command: 'run', base: BASE, product: PRODUCT });
  const batched = path('batched');
  const single = path('single');

  it('solves the points as one batch; each point folder is bitwise the point run alone (--no-batch), its warnings and a blown-up point included', () => {
    const b = kinfire('sweep', '--spec', spec, '--out', batched);
    expect(b.code, b.stderr).toBe(0);
    expect(json(b.stdout)).toMatchObject({ points: 6, mine: 6, ran: 6, failed: [] });
    expect(b.stderr).toContain(`points 1, 2, 3, 4, 5, 6 of 6 as one batch: ${IDS.join(' ')}`);
    const s = kinfire('sweep', '--spec', spec, '--out', single, '--no-batch');
    expect(s.code, s.stderr).toBe(0);
    expect(s.stderr).not.toContain('as one batch');
    expectSamePoints(single, batched, IDS);
    const statuses = manifestOf(batched).points.map((p) => [p.id, p.status, p.result]);
    expect(statuses).toEqual(manifestOf(single).points.map((p) => [p.id, p.status, p.result]));
    expect(statuses[4]).toEqual([IDS[4], 'done', 'blowup']);
    expect(statuses.filter(([, , r]) => r === 'ok')).toHaveLength(5);
    expect(b.stderr).toContain(`[${IDS[4]}] run stopped: blowup: N(t) exceeded time.Nmax = 500`);
    const warned = IDS.filter((id) => JSON.parse(readFileSync(join(batched, 'points', id, 'summary.json'), 'utf8')).warnings.some((w: string) => w.startsWith('mass reaches vmin')));
    expect(warned).toEqual(IDS.slice(0, 4));
    // the group's checkpoint folder is gone once its points are written
    expect(readdirSync(join(batched, 'groups'))).toEqual([]);
    for (const dir of [batched, single]) expect(kinfire('sweep', 'collect', dir).code).toBe(0);
    expect(readFileSync(join(batched, 'sweep.csv'), 'utf8')).toBe(readFileSync(join(single, 'sweep.csv'), 'utf8'));
  });

  it('"batch": false in the spec runs every point alone; a rerun of a batched sweep skips its finished points', () => {
    const off = writeSpec('off.json', { command: 'run', base: BASE, product: PRODUCT, batch: false });
    // (a third of the points: 1 and 4, which batching would group)
    const r = kinfire('sweep', '--spec', off, '--out', path('off'), '--shard', '1/3');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('as one batch');
    expect(r.stderr).toContain(`point 4/6 ${IDS[3]}`);
    const offIds = [IDS[0]!, IDS[3]!];
    expect(readdirSync(join(path('off'), 'points')).sort()).toEqual(offIds);
    for (const id of offIds) expect(readFileSync(join(path('off'), 'points', id, 'activity.csv')).equals(readFileSync(join(single, 'points', id, 'activity.csv')))).toBe(true);
    // the spec's hash leaves "batch" out: the folder of the batched sweep continues under either
    const again = kinfire('sweep', '--spec', off, '--out', batched, '--quiet');
    expect(again.code, again.stderr).toBe(0);
    expect(json(again.stdout)).toMatchObject({ ran: 0, skipped: 6 });
  });

  it('shards: each task batches its own points, and together they cover every point once', () => {
    const sharded = path('sharded');
    for (const shard of ['1/2', '2/2']) {
      const r = kinfire('sweep', '--spec', spec, '--out', sharded, '--shard', shard);
      expect(r.code, r.stderr).toBe(0);
      expect(json(r.stdout)).toMatchObject({ shard, mine: 3, ran: 3, skipped: 0 });
      expect(r.stderr).toContain(shard === '1/2' ? 'points 1, 3, 5 of 6 as one batch' : 'points 2, 4, 6 of 6 as one batch');
    }
    expect(manifestOf(sharded).points.map((p) => [p.status, p.attempts])).toEqual(IDS.map(() => ['done', 1]));
    expectSamePoints(single, sharded, IDS);
  });

  // 1250 steps on 100 nodes: long enough to be stopped mid-way
  const body = { command: 'run', base: { ...BASE, grid: { nv: 100 }, time: { T: 2.5, dt: 0.002, Nmax: 500 }, output: { snapshots: [1, 2.5] } }, product: { 'nnlif.b': [-1, 0.5], 'nnlif.tau': [0, 0.1] } };
  const long = writeSpec('long.json', body);
  const ids = IDS.slice(0, 4); // b ∈ {−1, 0.5} × τ ∈ {0, 0.1}
  const reference = path('long-ref');

  it('a batch stopped by SIGTERM, or killed after a periodic checkpoint, is resumed by the same task, bitwise the uninterrupted points', async () => {
    const ref = kinfire('sweep', '--spec', long, '--out', reference, '--no-batch', '--quiet');
    expect(ref.code, ref.stderr).toBe(0);

    for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
      const cut = path(`long-${signal}`);
      const spec = signal === 'SIGTERM' ? long : writeSpec('long-kill.json', { ...body, options: { checkpointEvery: 0.2 } });
      const stopped = signal === 'SIGTERM' ? await sweepAndStop(['--spec', spec, '--out', cut], signal, 3) : await sweepAndStop(['--spec', spec, '--out', cut], signal, 5, checkpointIn(join(cut, 'groups'), 'g0-4-'));
      const m = manifestOf(cut);
      expect(readdirSync(join(cut, 'points'))).toEqual([]);
      if (signal === 'SIGTERM') {
        expect(stopped.code, stopped.stderr).toBe(143);
        expect(stopped.stderr).toContain(`holds the run up to its checkpoint (status interrupted): continue with \`kinfire sweep --spec ${spec} --out ${cut}\``);
        expect(m.points.map((p) => p.status)).toEqual(['interrupted', 'interrupted', 'interrupted', 'interrupted']);
        expect(m.points[0]!.message).toMatch(/^stopped by SIGTERM \(the batch's checkpoint is in .*groups\/g0-4-/);
        const [group] = readdirSync(join(cut, 'groups'));
        expect(existsSync(join(cut, 'groups', group!, 'checkpoint.bin'))).toBe(true);
        expect(json(kinfire('sweep', 'collect', cut).stdout).counts).toEqual({ interrupted: 4 });
      } else {
        expect(stopped.code).toBeNull();
        // the dead task's manifest still says running; the group's working area holds its last checkpoint
        expect(m.points.map((p) => p.status)).toEqual(['running', 'running', 'running', 'running']);
        const [working] = readdirSync(join(cut, 'groups')).filter((f) => f.startsWith('.g0-4-') && f.includes('.partial-'));
        expect(existsSync(join(cut, 'groups', working!, 'checkpoint.bin'))).toBe(true);
      }
      const r = kinfire('sweep', '--spec', spec, '--out', cut);
      expect(r.code, r.stderr).toBe(0);
      expect(json(r.stdout)).toMatchObject({ ran: 4, skipped: 0, failed: [] });
      expect(r.stderr).toMatch(/points 1, 2, 3, 4 of 4 as one batch \(attempt 2\)[^]*resuming a batch of 4 points/);
      expect(manifestOf(cut).points.map((p) => [p.status, p.attempts])).toEqual(ids.map(() => ['done', 2]));
      expectSamePoints(reference, cut, ids);
      expect(readdirSync(join(cut, 'groups'))).toEqual([]);
    }
  });

  it('a point killed while run alone (--no-batch) resumes alone from its working area; the task batches the others', async () => {
    const cut = path('long-alone');
    const spec = writeSpec('long-kill.json', { ...body, options: { checkpointEvery: 0.2 } });
    const killed = await sweepAndStop(['--spec', spec, '--out', cut, '--no-batch'], 'SIGKILL', 5, checkpointIn(join(cut, 'points'), `${ids[0]}.`));
    expect(killed.code).toBeNull();
    expect(readdirSync(join(cut, 'points')).filter((f) => f.startsWith(`.${ids[0]}.partial-`))).toHaveLength(1);
    const r = kinfire('sweep', '--spec', spec, '--out', cut);
    expect(r.code, r.stderr).toBe(0);
    expect(json(r.stdout)).toMatchObject({ ran: 4, skipped: 0, failed: [] });
    expect(r.stderr).toContain(`point 1/4 ${ids[0]} (attempt 2)`);
    expect(r.stderr).toContain(`[${ids[0]}] resuming from its checkpoint`);
    expect(r.stderr).toContain(`points 2, 3, 4 of 4 as one batch: ${ids.slice(1).join(' ')}`);
    expect(manifestOf(cut).points.map((p) => [p.status, p.attempts])).toEqual([['done', 2], ['done', 1], ['done', 1], ['done', 1]]);
    expectSamePoints(reference, cut, ids);
  });
});

/**
 * Starts `kinfire sweep …` (not quiet), sends `signal` once its progress passes `tenth` tenths of the steps
 * and `ready()` holds (for SIGKILL: a periodic checkpoint is on disk), and returns its exit.
 */
function sweepAndStop(args: string[], signal: NodeJS.Signals, tenth: number, ready: () => boolean = () => true): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'bin/kinfire.js'), 'sweep', ...args], { env: { ...process.env, XDG_RUNTIME_DIR: '/tmp' } });
    let stderr = '';
    let stopped = false;
    const check = () => {
      const m = [...stderr.matchAll(/step (\d+) \/ (\d+)/g)].pop();
      if (m && !stopped && Number(m[1]) >= (tenth * Number(m[2])) / 10 && ready()) {
        stopped = true;
        child.kill(signal);
      }
    };
    const poll = setInterval(check, 20);
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      check();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(poll);
      resolve({ code, stderr });
    });
  });
}

/** A working area (`.<prefix>….partial-PID`) in `dir` holding a checkpoint. */
const checkpointIn = (dir: string, prefix: string) => () => existsSync(dir) && readdirSync(dir).some((f) => f.startsWith(`.${prefix}`) && f.includes('.partial-') && existsSync(join(dir, f, 'checkpoint.bin')));

describe('grouping the points of a task', () => {
  const base = { ...BASE, nnlif: { delay: 0.01 } };
  const plan = loadSweepSpec(writeSpec('grouping.json', { command: 'run', base, product: { 'nnlif.b': [0, 1], 'nnlif.a0': [1, 2], 'grid.nv': [64, 80] } }));

  it('groups the points that differ only in member parameters, a grid (or a vmin that follows a0) apart', () => {
    // vmin follows a0 and VR by default, so a0 = 1 and a0 = 2 are different grids
    const units = groupPoints(plan.points, () => true);
    expect(units.map((u) => u.map((p) => p.index))).toEqual([
      [0, 4],
      [1, 5],
      [2, 6],
      [3, 7],
    ]);
    const fixedVmin = loadSweepSpec(writeSpec('vmin.json', { command: 'run', base: BASE, product: { 'nnlif.a0': [1, 2], 'nnlif.b': [0, 1] } }));
    expect(groupPoints(fixedVmin.points, () => true).map((u) => u.length)).toEqual([4]);
    expect(batchSignature(plan.points[0]!.raw)).toBe(batchSignature(plan.points[4]!.raw));
    expect(batchSignature(plan.points[0]!.raw)).not.toBe(batchSignature(plan.points[1]!.raw));
    expect(batchSignature({ time: { T: 1 } })).toBeNull(); // the kinetic model: no batch
  });

  it('leaves points already begun alone and splits a group at its capacity', () => {
    const begun = new Set([plan.points[4]!.id]);
    expect(groupPoints(plan.points, (id) => !begun.has(id)).map((u) => u.map((p) => p.index))).toEqual([[0], [1, 5], [2, 6], [3, 7], [4]]);
    const fixedVmin = loadSweepSpec(writeSpec('many.json', { command: 'run', base: BASE, product: { 'nnlif.b': { from: 0, to: 1, n: 10 } } }));
    expect(groupPoints(fixedVmin.points, () => true, () => 4).map((u) => u.map((p) => p.index))).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ]);
  });

  it('caps a group by the batch member limit and by what its histories and frames take on the host', () => {
    // 250 steps: 251 samples, 251 frames of 64 nodes; the frame cap 25e6 / (251·64) = 1556 members binds
    expect(groupCapacity(plan.points[0]!.raw)).toBe(Math.floor(25_000_000 / (251 * 64)));
    // 4000 steps on 20000 nodes: 400 frames of 20000 values, 25e6 / 8e6 = 3 members
    expect(groupCapacity({ ...base, grid: { nv: 20000 }, time: { T: 8, dt: 0.002, Nmax: 500 } })).toBe(3);
    // 100000 steps on 16 nodes, N kept at every step: the cap of 1e8 values of N, 1e8 / 100002 = 999 members, binds
    expect(groupCapacity({ ...base, grid: { nv: 16 }, time: { T: 200, dt: 0.002, Nmax: 500 } })).toBe(999);
  });

  it('removes the checkpoint folder of a group whose points were all finished otherwise, and nothing else', () => {
    const groups = path('groups');
    const group = (name: string, ids?: string[]) => {
      mkdirSync(join(groups, name), { recursive: true });
      if (ids) writeFileSync(join(groups, name, 'points.txt'), `${ids.join('\n')}\n`);
    };
    group('g0-2-done', ['a', 'b']);
    group('g2-2-half', ['a', 'c']);
    group('.g4-1-x.partial-123', ['a']); // a live task's working area
    group('other');
    removeFinishedGroups(groups, (id) => id === 'a' || id === 'b');
    expect(readdirSync(groups).sort()).toEqual(['.g4-1-x.partial-123', 'g2-2-half', 'other']);
  });
});
