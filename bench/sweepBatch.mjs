#!/usr/bin/env node
/**
 * `kinfire sweep` of an nnlif run, its points batched within the task (the default) against every point run
 * alone (--no-batch): the wall time of each (the built CLI, bin/kinfire.js, in a child process, as a user
 * runs it), the load average around each, and whether the two give the same sweep.csv and point files.
 *
 *   npm run build && node bench/sweepBatch.mjs            # 32 points over nnlif.b in [−2, 1], 128 nodes, 500 steps
 *   node bench/sweepBatch.mjs --points=64 --nv=256 --T=2 --dt=0.002
 *
 * Prints one JSON line. Nothing is written outside a temporary folder, removed at the end.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'kinfire.js');
const opts = { points: 32, nv: 128, T: 1, dt: 0.002 };
for (const arg of process.argv.slice(2)) {
  const m = /^--([A-Za-z]+)=(.*)$/.exec(arg);
  if (!m || !(m[1] in opts) || !Number.isFinite(Number(m[2]))) throw new Error(`unknown argument ${arg} (options: ${Object.keys(opts).map((k) => `--${k}=…`).join(' ')})`);
  opts[m[1]] = Number(m[2]);
}

const dir = mkdtempSync(join(os.tmpdir(), 'kinfire-bench-sweep-'));
try {
  const spec = join(dir, 'spec.json');
  writeFileSync(spec, JSON.stringify({ command: 'run', base: { model: 'nnlif', grid: { nv: opts.nv }, time: { T: opts.T, dt: opts.dt } }, product: { 'nnlif.b': { from: -2, to: 1, n: opts.points } } }));
  const run = (name, ...extra) => {
    const out = join(dir, name);
    const load = os.loadavg()[0];
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [cli, 'sweep', '--spec', spec, '--out', out, '--quiet', ...extra], { encoding: 'utf8' });
    const wall = (performance.now() - t0) / 1000;
    if (r.status !== 0) throw new Error(`kinfire sweep ${extra.join(' ')} exited ${r.status}: ${r.stderr}`);
    const c = spawnSync(process.execPath, [cli, 'sweep', 'collect', out], { encoding: 'utf8' });
    if (c.status !== 0) throw new Error(`kinfire sweep collect exited ${c.status}: ${c.stderr}`);
    return { out, wall_s: Number(wall.toFixed(2)), load: [Number(load.toFixed(2)), Number(os.loadavg()[0].toFixed(2))] };
  };
  const batched = run('batched');
  const alone = run('alone', '--no-batch');
  const ids = readdirSync(join(alone.out, 'points'));
  // every file of every point byte for byte, summary.json apart (its wall times differ)
  const sameFiles = ids.every((id) =>
    readdirSync(join(alone.out, 'points', id))
      .filter((f) => f !== 'summary.json' && f !== '.kinfire-results')
      .every((f) => readFileSync(join(alone.out, 'points', id, f)).equals(readFileSync(join(batched.out, 'points', id, f)))),
  );
  const sameCsv = readFileSync(join(alone.out, 'sweep.csv'), 'utf8') === readFileSync(join(batched.out, 'sweep.csv'), 'utf8');
  process.stdout.write(
    `${JSON.stringify({ ...opts, steps: Math.round(opts.T / opts.dt), cores: os.cpus().length, batched: { wall_s: batched.wall_s, load: batched.load }, alone: { wall_s: alone.wall_s, load: alone.load }, speedup: Number((alone.wall_s / batched.wall_s).toFixed(2)), same_sweep_csv: sameCsv, same_point_files: sameFiles })}\n`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
