/** `kinfire sweep` on one machine (the built CLI): points, shards, reruns, collect, and bad input. */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync, rmSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { kinfire, kinfireWithEnv, repoRoot } from '../helpers/cli';

const root = mkdtempSync(join(tmpdir(), 'kinfire-sweep-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const path = (name: string) => join(root, name);
function writeSpec(name: string, body: unknown): string {
  writeFileSync(path(name), JSON.stringify(body));
  return path(name);
}
const json = (text: string) => JSON.parse(text.trim().split('\n').pop()!);

// Steady states of the limit model at a coarse stability check: a few tenths of a second per point.
const STEADY = { command: 'steady', base: { params: { gin: -1 } }, options: { stabilityNv: 100, stabilityTime: 5 }, product: { 'params.b': [0.5, 1], 'params.a': [0.3, 0.5] } };

describe('kinfire sweep (local)', () => {
  const spec = writeSpec('steady.json', STEADY);
  const whole = path('whole');

  it('runs every point into points/<id>/ as kinfire steady would, records them in the manifest, and collects a table and a heatmap', () => {
    const r = kinfire('sweep', '--spec', spec, '--out', whole, '--quiet');
    expect(r.code, r.stderr).toBe(0);
    expect(json(r.stdout)).toMatchObject({ points: 4, mine: 4, ran: 4, skipped: 0, failed: [] });
    const manifest = JSON.parse(readFileSync(join(whole, 'manifest.json'), 'utf8'));
    expect(manifest.points.map((p: { id: string; status: string }) => [p.id, p.status])).toEqual([
      ['000_b=0.5_a=0.3', 'done'],
      ['001_b=0.5_a=0.5', 'done'],
      ['002_b=1_a=0.3', 'done'],
      ['003_b=1_a=0.5', 'done'],
    ]);
    // each point is the base config with its values, through the same code as `kinfire steady`
    const direct = kinfire('steady', '--set', 'params.gin=-1', '--set', 'params.b=1', '--set', 'params.a=0.3', '--stability-nv', '100', '--stability-time', '5');
    expect(direct.code, direct.stderr).toBe(0);
    const point = JSON.parse(readFileSync(join(whole, 'points/002_b=1_a=0.3/steady.json'), 'utf8'));
    expect(point.steady).toEqual(JSON.parse(direct.stdout).steady);
    expect(point.config).toEqual({ params: { gin: -1, b: 1, a: 0.3 } });

    const c = kinfire('sweep', 'collect', whole);
    expect(c.code, c.stderr).toBe(0);
    expect(json(c.stdout)).toMatchObject({ points: 4, counts: { done: 4 }, files: ['sweep.csv', 'sweep.json', 'sweep.png'] });
    const rows = readFileSync(join(whole, 'sweep.csv'), 'utf8').trim().split('\n');
    expect(rows[0]).toBe('id,params.b,params.a,status,result,n_states,n_stable,N_stable_min,N_stable_max');
    const states = point.steady as { N: number; stable: boolean }[];
    const stable = states.filter((s) => s.stable).map((s) => s.N);
    expect(rows[3]).toBe(['002_b=1_a=0.3', 1, 0.3, 'done', 'ok', states.length, stable.length, Math.min(...stable), Math.max(...stable)].join(','));
    const png = readFileSync(join(whole, 'sweep.png'));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(JSON.parse(readFileSync(join(whole, 'sweep.json'), 'utf8')).figure.shows).toBe('n_stable over params.a × params.b');
  });

  it('a rerun skips the finished points and rewrites none of them', () => {
    const before = statSync(join(whole, 'points/000_b=0.5_a=0.3/steady.json')).mtimeMs;
    const r = kinfire('sweep', '--spec', spec, '--out', whole, '--quiet');
    expect(r.code, r.stderr).toBe(0);
    expect(json(r.stdout)).toMatchObject({ ran: 0, skipped: 4 });
    expect(statSync(join(whole, 'points/000_b=0.5_a=0.3/steady.json')).mtimeMs).toBe(before);
  });

  it('shards (--shard, or the Slurm array variables) together give the same sweep.csv as one run through', () => {
    const sharded = path('sharded');
    const first = kinfire('sweep', '--spec', spec, '--out', sharded, '--shard', '1/2', '--quiet');
    expect(first.code, first.stderr).toBe(0);
    expect(json(first.stdout)).toMatchObject({ shard: '1/2', mine: 2, ran: 2 });
    const partial = kinfire('sweep', 'collect', sharded);
    expect(json(partial.stdout).counts).toEqual({ done: 2, pending: 2 });
    expect(readdirSync(join(sharded, 'points')).sort()).toEqual(['000_b=0.5_a=0.3', '002_b=1_a=0.3']);
    // a 1-based array: task 2 of tasks 1..2 is shard 2/2
    const second = kinfireWithEnv({ SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_COUNT: '2', SLURM_JOB_ID: '77' }, 'sweep', '--spec', spec, '--out', sharded, '--quiet');
    expect(second.code, second.stderr).toBe(0);
    expect(json(second.stdout)).toMatchObject({ shard: '2/2', mine: 2, ran: 2 });
    expect(kinfire('sweep', 'collect', sharded).code).toBe(0);
    expect(readFileSync(join(sharded, 'sweep.csv'), 'utf8')).toBe(readFileSync(join(whole, 'sweep.csv'), 'utf8'));
    const manifest = JSON.parse(readFileSync(join(sharded, 'manifest.json'), 'utf8'));
    expect(manifest.points[1]).toMatchObject({ status: 'done', shard: '2/2', job: '77' });
  });

  it('one swept key gives every steady state against it', () => {
    const one = writeSpec('one.json', { ...STEADY, product: { 'params.b': { from: 0.4, to: 1.2, n: 3 } } });
    const out = path('one');
    expect(kinfire('sweep', '--spec', one, '--out', out, '--quiet').code).toBe(0);
    const c = kinfire('sweep', 'collect', out);
    expect(c.code, c.stderr).toBe(0);
    expect(json(c.stdout).figure).toBe('every steady state N against params.b');
    expect(existsSync(join(out, 'sweep.png'))).toBe(true);
  });

  it('run and particles points are what kinfire run and kinfire particles write for the same config', () => {
    const base = { model: 'nnlif', grid: { nv: 50 }, time: { T: 0.05 } };
    const run = writeSpec('run.json', { command: 'run', base, points: [{ 'nnlif.b': 0.5, 'nnlif.tau': 0.1 }] });
    const parts = writeSpec('particles.json', { command: 'particles', base: { ...base, particles: { count: 2000 } }, points: [{ 'nnlif.b': 0.5 }] });
    for (const [name, specPath] of [['run', run], ['particles', parts]] as const) {
      const r = kinfire('sweep', '--spec', specPath, '--out', path(`sw-${name}`), '--quiet');
      expect(r.code, r.stderr).toBe(0);
    }
    const direct = kinfire('run', '--set', 'model=nnlif', '--set', 'grid.nv=50', '--set', 'time.T=0.05', '--set', 'nnlif.b=0.5', '--set', 'nnlif.tau=0.1', '--out', path('direct-run'), '--quiet');
    expect(direct.code, direct.stderr).toBe(0);
    const directParticles = kinfire('particles', '--set', 'model=nnlif', '--set', 'grid.nv=50', '--set', 'time.T=0.05', '--set', 'particles.count=2000', '--set', 'nnlif.b=0.5', '--out', path('direct-particles'), '--quiet');
    expect(directParticles.code, directParticles.stderr).toBe(0);
    for (const [sweep, one] of [[join(path('sw-run'), 'points', '000_b=0.5_tau=0.1'), path('direct-run')], [join(path('sw-particles'), 'points', '000_b=0.5'), path('direct-particles')]]) {
      expect(readdirSync(sweep!).sort()).toEqual(readdirSync(one!).sort());
      expect(readFileSync(join(sweep!, 'activity.csv'), 'utf8')).toBe(readFileSync(join(one!, 'activity.csv'), 'utf8'));
    }
    const c = kinfire('sweep', 'collect', path('sw-run'));
    expect(c.code, c.stderr).toBe(0);
    const [header, row] = readFileSync(join(path('sw-run'), 'sweep.csv'), 'utf8').trim().split('\n');
    const summary = JSON.parse(readFileSync(join(path('direct-run'), 'summary.json'), 'utf8'));
    const cells = Object.fromEntries(header!.split(',').map((k, i) => [k, row!.split(',')[i]]));
    expect(cells).toMatchObject({ id: '000_b=0.5_tau=0.1', 'nnlif.b': '0.5', 'nnlif.tau': '0.1', status: 'done', result: 'ok', N_final: String(summary.N_final), steps: String(summary.steps) });
    expect(header).not.toContain('wall_s');
  });

  it('sweep slurm writes the sbatch array script into DIR/slurm/ (bash accepts it), refusing bad options before writing', () => {
    const out = path('slurm');
    const bad = kinfire('sweep', 'slurm', '--spec', spec, '--out', out, '--time', '1', '--signal-before', '120');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--signal-before: must be shorter than the time limit (60 s from --time 1; got 120 s)');
    expect(existsSync(out)).toBe(false);
    const r = kinfire('sweep', 'slurm', '--spec', spec, '--out', out, '--tasks', '2', '--time', '00:30:00', '--partition', 'gpu');
    expect(r.code, r.stderr).toBe(0);
    const script = join(out, 'slurm', 'sweep.sbatch');
    expect(json(r.stdout)).toEqual({ script });
    const text = readFileSync(script, 'utf8');
    expect(text).toContain('#SBATCH --array=0-1\n');
    expect(text).toContain(`sweep --spec ${spec} --out ${out} &`);
    const syntax = spawnSync('bash', ['-n', script], { encoding: 'utf8' });
    expect(syntax.status, syntax.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).points).toHaveLength(4);
  });

  it('bifurcation points are the diagrams kinfire bifurcation draws; collect gives every fold against the swept key (a two-parameter map)', () => {
    const options = { param: 'b', from: 0.4, to: 0.56, n: 5, stabilityNv: 60, stabilityTime: 3, bisections: 20 };
    const specPath = writeSpec('bifurcation.json', { command: 'bifurcation', base: {}, options, product: { 'params.gin': [-0.6, -0.5] } });
    const out = path('sw-bifurcation');
    const r = kinfire('sweep', '--spec', specPath, '--out', out, '--quiet');
    expect(r.code, r.stderr).toBe(0);
    const direct = path('direct-bifurcation');
    const d = kinfire('bifurcation', '--set', 'params.gin=-0.5', '--param', 'b', '--from', '0.4', '--to', '0.56', '--n', '5', '--stability-nv', '60', '--stability-time', '3', '--bisections', '20', '--out', direct, '--quiet');
    expect(d.code, d.stderr).toBe(0);
    const point = join(out, 'points', '001_gin=-0.5');
    expect(readdirSync(point).sort()).toEqual(readdirSync(direct).sort());
    for (const f of ['bifurcation.csv', 'folds.csv', 'bifurcation.png']) expect(readFileSync(join(point, f)).equals(readFileSync(join(direct, f))), f).toBe(true);
    const c = kinfire('sweep', 'collect', out);
    expect(c.code, c.stderr).toBe(0);
    expect(json(c.stdout).figure).toBe("every fold's parameter value against params.gin");
    const [header, ...rows] = readFileSync(join(out, 'sweep.csv'), 'utf8').trim().split('\n');
    const cells = Object.fromEntries(header!.split(',').map((k, i) => [k, rows[1]!.split(',')[i]]));
    const folds = readFileSync(join(direct, 'folds.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    expect(folds.length).toBeGreaterThan(0);
    expect(cells).toMatchObject({ id: '001_gin=-0.5', status: 'done', result: 'ok', n_folds: String(folds.length), fold_1_param: folds[0]![0], fold_1_N: folds[0]![1] });
    // a diagram's options are checked point by point before anything is written
    const bad = kinfire('sweep', '--spec', writeSpec('bad-bifurcation.json', { command: 'bifurcation', options: { ...options, param: 'eps' }, product: { 'params.gin': [-0.5] } }), '--out', path('bad-bifurcation'));
    expect(bad.code, bad.stderr).toBe(2);
    expect(bad.stderr).toMatch(/point 000_gin=-0\.5\): --param: eps cannot be varied/);
    expect(existsSync(path('bad-bifurcation'))).toBe(false);
  });

  it('a bifurcation point stopped by SIGTERM keeps the values it has done, and the rerun resumes it: the same sweep.csv and files', async () => {
    const body = { command: 'bifurcation', options: { param: 'b', from: 0.4, to: 0.56, n: 10, stabilityNv: 60, stabilityTime: 3, bisections: 20 }, product: { 'params.gin': [-0.5] } };
    const specPath = writeSpec('bifurcation-long.json', body);
    const reference = path('sw-bifurcation-ref');
    expect(kinfire('sweep', '--spec', specPath, '--out', reference, '--quiet').code).toBe(0);
    const cut = path('sw-bifurcation-cut');
    const stopped = await new Promise<{ code: number | null; stderr: string }>((done, reject) => {
      const child = spawn(process.execPath, [join(repoRoot, 'bin/kinfire.js'), 'sweep', '--spec', specPath, '--out', cut], { env: { ...process.env, XDG_RUNTIME_DIR: '/tmp' } });
      let stderr = '';
      child.stderr.on('data', (chunk) => {
        const before = /bifurcation: 3\/10 values/.test(stderr);
        stderr += chunk;
        if (!before && /bifurcation: 3\/10 values/.test(stderr)) child.kill('SIGTERM');
      });
      child.on('error', reject);
      child.on('exit', (code) => done({ code, stderr }));
    });
    expect(stopped.code, stopped.stderr).toBe(143);
    const id = '000_gin=-0.5';
    expect(JSON.parse(readFileSync(join(cut, 'points', id, '.kinfire-results'), 'utf8'))).toMatchObject({ command: 'bifurcation', status: 'interrupted' });
    const r = kinfire('sweep', '--spec', specPath, '--out', cut);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`[${id}] resuming from its checkpoint`);
    expect(r.stderr).not.toMatch(/bifurcation: [123]\/10 values/);
    for (const dir of [reference, cut]) expect(kinfire('sweep', 'collect', dir).code).toBe(0);
    expect(readFileSync(join(cut, 'sweep.csv'), 'utf8')).toBe(readFileSync(join(reference, 'sweep.csv'), 'utf8'));
    for (const f of ['bifurcation.csv', 'folds.csv', 'bifurcation.png']) expect(readFileSync(join(cut, 'points', id, f)).equals(readFileSync(join(reference, 'points', id, f))), f).toBe(true);
  });

  it('compare points are what kinfire compare writes; collect gives the fitted exponents and each count\'s errors', () => {
    const base = { grid: { nv: 32, ng: 24 }, time: { T: 0.2 } };
    const specPath = writeSpec('compare.json', { command: 'compare', base, options: { counts: [500, 1000] }, points: [{ 'params.b': 0.5 }] });
    const out = path('sw-compare');
    const r = kinfire('sweep', '--spec', specPath, '--out', out, '--quiet');
    expect(r.code, r.stderr).toBe(0);
    const direct = path('direct-compare');
    const d = kinfire('compare', '--set', 'grid.nv=32', '--set', 'grid.ng=24', '--set', 'time.T=0.2', '--set', 'params.b=0.5', '--counts', '500,1000', '--out', direct, '--quiet');
    expect(d.code, d.stderr).toBe(0);
    const point = join(out, 'points', '000_b=0.5');
    expect(readdirSync(point).sort()).toEqual(readdirSync(direct).sort());
    expect(readFileSync(join(point, 'compare.png')).equals(readFileSync(join(direct, 'compare.png')))).toBe(true);
    const withoutWall = (dir: string) => readFileSync(join(dir, 'compare.csv'), 'utf8').trim().split('\n').map((l) => l.split(',').filter((_, k) => k !== 5));
    expect(withoutWall(point)).toEqual(withoutWall(direct));
    expect(kinfire('sweep', 'collect', out).code).toBe(0);
    const [header, row] = readFileSync(join(out, 'sweep.csv'), 'utf8').trim().split('\n');
    const cells = Object.fromEntries(header!.split(',').map((k, i) => [k, row!.split(',')[i]]));
    const report = JSON.parse(readFileSync(join(direct, 'compare.json'), 'utf8'));
    expect(cells).toMatchObject({ status: 'done', result: 'ok', L1_hist_exponent: String(report.fits.L1_hist.exponent), L1_N_1000: String(report.rows[1].L1_N) });
    const bad = kinfire('sweep', '--spec', writeSpec('bad-compare.json', { command: 'compare', base, options: { counts: '1000' }, points: [{ 'params.b': 0.5 }] }), '--out', path('bad-compare'));
    expect(bad.code, bad.stderr).toBe(2);
    expect(bad.stderr).toMatch(/point 000_b=0\.5\): --counts: needs at least two distinct counts/);
    expect(existsSync(path('bad-compare'))).toBe(false);
  });

  it('study points are what kinfire study eps writes; collect gives the observed ε-rates', () => {
    const base = { time: { T: 0.4 }, initial: { v0: 0.7 } };
    const specPath = writeSpec('study.json', { command: 'study', base, options: { eps: [0.01, 0.005], grids: [16] }, points: [{ 'params.b': 0.5 }] });
    const out = path('sw-study');
    const r = kinfire('sweep', '--spec', specPath, '--out', out, '--quiet');
    expect(r.code, r.stderr).toBe(0);
    const direct = path('direct-study');
    const d = kinfire('study', 'eps', '--eps', '0.01,0.005', '--grids', '16', '--set', 'time.T=0.4', '--set', 'initial.v0=0.7', '--set', 'params.b=0.5', '--out', direct, '--quiet');
    expect(d.code, d.stderr).toBe(0);
    const point = join(out, 'points', '000_b=0.5');
    const files = readdirSync(direct).sort();
    expect(readdirSync(point).sort()).toEqual(files);
    for (const f of files.filter((x) => x.endsWith('.png') || /^N_.*\.csv$/.test(x))) expect(readFileSync(join(point, f)).equals(readFileSync(join(direct, f))), f).toBe(true);
    expect(kinfire('sweep', 'collect', out).code).toBe(0);
    const [header, row] = readFileSync(join(out, 'sweep.csv'), 'utf8').trim().split('\n');
    const cells = Object.fromEntries(header!.split(',').map((k, i) => [k, row!.split(',')[i]]));
    const report = JSON.parse(readFileSync(join(direct, 'study.json'), 'utf8'));
    expect(report.grids[0].rates.n_L1_T.slope).toEqual(expect.any(Number));
    expect(cells).toMatchObject({ status: 'done', result: 'ok', rate_n_L1_T: String(report.grids[0].rates.n_L1_T.slope), limit_N_T: String(report.grids[0].limit.N_T) });
    const bad = kinfire('sweep', '--spec', writeSpec('bad-study.json', { command: 'study', base, options: { eps: [-1] }, points: [{ 'params.b': 0.5 }] }), '--out', path('bad-study'));
    expect(bad.code, bad.stderr).toBe(2);
    expect(bad.stderr).toMatch(/point 000_b=0\.5\): --eps/);
    expect(existsSync(path('bad-study'))).toBe(false);
  });

  it('refuses bad input with exit 2, naming the field, and writes nothing', () => {
    // (every kind of bad spec is checked in sweepSpec.test.ts; here, that the CLI exits 2 before writing)
    const bad = kinfire('sweep', '--spec', writeSpec('bad.json', { ...STEADY, product: { 'params.b': [1], 'params.bogus': [1, 2] } }), '--out', path('bad'));
    expect(bad.code, bad.stderr).toBe(2);
    expect(bad.stderr).toMatch(/point 000_b=1_bogus=1\): params\.bogus: unknown key/);
    expect(existsSync(path('bad'))).toBe(false);
    const shard = kinfire('sweep', '--spec', spec, '--out', path('badshard'), '--shard', '3/2');
    expect(shard.code).toBe(2);
    expect(shard.stderr).toMatch(/--shard: must be i\/n with integers 1 ≤ i ≤ n \(got "3\/2"\)/);
    expect(existsSync(path('badshard'))).toBe(false);
    // a folder holding another sweep is left as it is
    const other = writeSpec('other.json', { ...STEADY, product: { 'params.b': [0.7] } });
    const manifestBefore = readFileSync(join(whole, 'manifest.json'), 'utf8');
    const clash = kinfire('sweep', '--spec', other, '--out', whole);
    expect(clash.code).toBe(2);
    expect(clash.stderr).toMatch(/--out .*: holds another sweep \(4 points of `kinfire steady` over params\.b, params\.a/);
    expect(readFileSync(join(whole, 'manifest.json'), 'utf8')).toBe(manifestBefore);
    expect(readdirSync(join(whole, 'points'))).toHaveLength(4);
    // a folder of other files
    mkdirSync(path('foreign'));
    writeFileSync(join(path('foreign'), 'notes.txt'), 'mine');
    const foreign = kinfire('sweep', '--spec', spec, '--out', path('foreign'));
    expect(foreign.code).toBe(2);
    expect(foreign.stderr).toMatch(/holds no sweep/);
    expect(readdirSync(path('foreign'))).toEqual(['notes.txt']);
    expect(kinfire('sweep', 'collect', whole, '--quantity', 'N_bogus').stderr).toMatch(/--quantity: is not a result of these points; their scalars are n_states, n_stable/);
  });
});
