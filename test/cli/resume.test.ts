/**
 * Checkpoint and resume through the built CLI: a run stopped by SIGTERM or SIGINT mid-way keeps its folder
 * (status interrupted) and `kinfire resume` finishes it bitwise as the uninterrupted run (every file, and
 * summary.json apart from wall times), for `kinfire run` of the kinetic solver, the NNLIF PDE and the
 * elapsed-time model, `kinfire particles` (vc, and an nnlif network with a delay and τ, whose delayed
 * feedback reads the history ring across the checkpoint) and `kinfire field` (a ring driven by noise, whose
 * Philox draws are keyed by the step), `kinfire neurons` (noisy Hodgkin–Huxley neurons, Philox keyed by the
 * step, and a coupled ensemble whose step reads the previous step's N across the checkpoint); after SIGKILL the
 * last periodic checkpoint survives; `kinfire study` and `kinfire compare` (their finished runs kept, the one in
 * progress resumed) after SIGTERM and SIGKILL; `kinfire bifurcation` (the diagram's values done kept) after SIGINT and
 * SIGKILL.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { kinfire, repoRoot } from '../helpers/cli';

const root = mkdtempSync(join(tmpdir(), 'kinfire-resume-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/**
 * Starts `kinfire <command> …`, sends `signal` once its progress (of the run whose progress lines start with
 * `label`, when given; a RegExp: the progress lines it matches, their done and total as its two groups) passes
 * `tenth` tenths of the steps, and returns its exit.
 */
function runAndStop(command: string, args: string[], signal: NodeJS.Signals, tenth: number, label?: string | RegExp): Promise<{ code: number | null; stderr: string; stoppedAt: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'bin/kinfire.js'), command, ...args], { env: { ...process.env, XDG_RUNTIME_DIR: '/tmp' } });
    let stderr = '';
    let stoppedAt = -1;
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      const m = [...stderr.matchAll(label instanceof RegExp ? label : label ? new RegExp(`^${label}: t = .*step (\\d+) / (\\d+)`, 'gm') : /step (\d+) \/ (\d+)/g)].pop();
      if (m && stoppedAt < 0 && Number(m[1]) >= (tenth * Number(m[2])) / 10) {
        stoppedAt = Number(m[1]);
        child.kill(signal);
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stderr, stoppedAt }));
  });
}

/** After SIGKILL: no `cut` yet, only the dead process's working area beside it, holding its last checkpoint. */
function expectWorkingAreaWithCheckpoint(cut: string): void {
  expect(existsSync(cut)).toBe(false);
  const working = readdirSync(root).filter((f) => f.startsWith(`.${basename(cut)}.partial-`));
  expect(working).toHaveLength(1);
  expect(existsSync(join(root, working[0]!, 'checkpoint.bin'))).toBe(true);
}

/**
 * Kills `kinfire <command> … --out cut` with SIGKILL past `tenth` tenths of its progress (see runAndStop), checks that
 * only its working area is left, holding its last periodic checkpoint, and resumes it; returns once the resume succeeded.
 */
async function killAndResume(command: string, args: string[], cut: string, tenth: number, label?: string | RegExp): Promise<void> {
  const killed = await runAndStop(command, [...args, '--out', cut], 'SIGKILL', tenth, label);
  expect(killed.code).toBeNull();
  expectWorkingAreaWithCheckpoint(cut);
  const resumed = kinfire('resume', cut, '--quiet');
  expect(resumed.code, resumed.stderr).toBe(0);
}

/** The folder `name` of the uninterrupted `kinfire <command> …`, run by the first test that needs it. */
function uninterrupted(name: string, command: string, args: string[]): string {
  const whole = join(root, name);
  if (!existsSync(whole)) expect(kinfire(command, ...args, '--out', whole, '--quiet').code).toBe(0);
  return whole;
}

const withoutWallTimes = (path: string) => {
  const s = JSON.parse(readFileSync(path, 'utf8'));
  delete s.wall_s;
  delete s.steps_per_s;
  delete s.particle_steps_per_s;
  delete s.neuron_steps_per_s;
  return s;
};

/** Every file of `b` is byte for byte that of `a`, and summary.json the same apart from its wall times; `expected` among them. */
function expectSameResults(a: string, b: string, expected: (files: string[]) => boolean = (files) => files.some((f) => f.endsWith('.npy'))): void {
  const files = readdirSync(a).filter((f) => f !== '.kinfire-results').sort();
  expect(readdirSync(b).filter((f) => f !== '.kinfire-results').sort()).toEqual(files);
  for (const f of files) {
    if (f === 'summary.json') expect(withoutWallTimes(join(b, f)), f).toEqual(withoutWallTimes(join(a, f)));
    else expect(readFileSync(join(b, f)).equals(readFileSync(join(a, f))), f).toBe(true);
  }
  expect(expected(files), files.join(', ')).toBe(true);
}

/** Every file of the study in `b` is that of `a`: byte for byte, study.json and study.csv apart from their wall times. */
function expectSameStudy(whole: string, cut: string): void {
    const files = readdirSync(whole).filter((f) => f !== '.kinfire-results').sort();
    expect(readdirSync(cut).filter((f) => f !== '.kinfire-results').sort()).toEqual(files);
    expect(files).toEqual(expect.arrayContaining(['study.csv', 'study.json', 'error_n.png']));
    expect(files.filter((f) => /^N_\d+x\d+\.csv$/.test(f))).toHaveLength(1);
    // wall times apart: study.json's wall_s, total_s, steps_per_s (every run, the limits, the cost), study.csv's wall_s and steps_per_s columns
    const jsonWithoutWall = (path: string) => JSON.parse(readFileSync(path, 'utf8'), (key, v) => (['wall_s', 'total_s', 'steps_per_s', 'limit_wall_s'].includes(key) ? undefined : v));
    const csvWithoutWall = (path: string) => {
      const rows = readFileSync(path, 'utf8').trim().split('\n').map((l) => l.split(','));
      const drop = ['wall_s', 'steps_per_s'].map((c) => rows[0]!.indexOf(c));
      return rows.map((r) => r.filter((_, k) => !drop.includes(k)));
    };
    for (const f of files) {
      if (f === 'study.json') expect(jsonWithoutWall(join(cut, f)), f).toEqual(jsonWithoutWall(join(whole, f)));
      else if (f === 'study.csv') expect(csvWithoutWall(join(cut, f)), f).toEqual(csvWithoutWall(join(whole, f)));
      else expect(readFileSync(join(cut, f)).equals(readFileSync(join(whole, f))), f).toBe(true);
    }
}

/** Every file of the comparison in `b` is that of `a`: byte for byte, compare.json and compare.csv apart from their wall times. */
function expectSameComparison(a: string, b: string): void {
  const files = readdirSync(a).filter((f) => f !== '.kinfire-results').sort();
  expect(files).toEqual(['compare.csv', 'compare.json', 'compare.png']);
  expect(readdirSync(b).filter((f) => f !== '.kinfire-results').sort()).toEqual(files);
  const json = (dir: string) => {
    const j = JSON.parse(readFileSync(join(dir, 'compare.json'), 'utf8'));
    delete j.wall_s;
    delete j.pde.wall_s;
    for (const row of j.rows) delete row.wall_s;
    return j;
  };
  expect(json(b)).toEqual(json(a));
  const csv = (dir: string) => {
    const rows = readFileSync(join(dir, 'compare.csv'), 'utf8').trim().split('\n').map((l) => l.split(','));
    const wall = rows[0]!.indexOf('wall_s');
    return rows.map((r) => r.filter((_, k) => k !== wall));
  };
  expect(csv(b)).toEqual(csv(a));
  expect(readFileSync(join(b, 'compare.png')).equals(readFileSync(join(a, 'compare.png'))), 'compare.png').toBe(true);
}

const NEURON_FILES = ['traces.csv', 'spikes.csv', 'activity.csv', 'fI.csv', 'summary.json'];
/** the noisy HH case keeps histograms on both sides of its cut */
const NEURON_HISTOGRAMS = ['density_t0.000000.npy', 'density_t120.000000.npy'];
const neuronFiles = (files: string[]) => NEURON_FILES.every((f) => files.includes(f)) && (!files.some((f) => f.startsWith('density_t')) || NEURON_HISTOGRAMS.every((f) => files.includes(f)));

/** [name, command, its arguments, the signal, the folder's marker command] */
const MODELS: [string, string, string[], NodeJS.Signals, string][] = [
  ['the kinetic solver (vc)', 'run', ['--set', 'grid.nv=32', '--set', 'grid.ng=16', '--set', 'time.T=0.5', '--set', 'output.snapshots=[0.25,0.5]'], 'SIGTERM', 'run'],
  ['the NNLIF PDE', 'run', ['--set', 'model=nnlif', '--set', 'grid.nv=100', '--set', 'time.T=2', '--set', 'output.snapshots=[1,2]'], 'SIGTERM', 'run'],
  ['the elapsed-time model', 'run', ['--set', 'model=elapsed', '--set', 'grid.ns=100', '--set', 'time.T=0.4', '--set', 'output.snapshots=[0.2,0.4]'], 'SIGINT', 'run'],
  ['particles (vc)', 'particles', ['--set', 'particles.count=2000', '--set', 'time.T=0.5', '--set', 'output.snapshots=[0.25,0.5]'], 'SIGTERM', 'particles'],
  [
    'particles (nnlif, a delay of 50 steps, τ > 0)',
    'particles',
    ['--set', 'model=nnlif', '--set', 'particles.count=2000', '--set', 'nnlif.delay=0.05', '--set', 'nnlif.tau=0.05', '--set', 'time.T=1', '--set', 'output.snapshots=[0.5,1]'],
    'SIGINT',
    'particles',
  ],
  ['the field (a ring with noise)', 'field', ['--set', 'field.domain="ring"', '--set', 'field.n=256', '--set', 'field.source.kind="noise"', '--set', 'time.T=20', '--set', 'output.snapshots=[10,20]'], 'SIGTERM', 'run'],
  [
    'neurons (Hodgkin–Huxley, noisy input)',
    'neurons',
    ['--set', 'neurons.I={"from":5,"to":15}', '--set', 'neurons.count=256', '--set', 'neurons.T=120', '--set', 'neurons.input={"kind":"noise","sigma":3,"seed":7}', '--set', 'neurons.traces=[0,255]', '--set', 'neurons.histogram={"times":[0,30,60,90,120],"bins":[16,16]}'],
    'SIGTERM',
    'neurons',
  ],
  [
    'neurons (Hodgkin–Huxley, coupled J = 2)',
    'neurons',
    ['--set', 'neurons.I={"from":5,"to":15}', '--set', 'neurons.count=8', '--set', 'neurons.T=80', '--set', 'neurons.J=2'],
    'SIGINT',
    'neurons',
  ],
];

describe('checkpoint and resume (kinfire run, particles, field, neurons, study, compare, bifurcation)', () => {
  for (const [name, command, args, signal, marker] of MODELS) {
    it(`${name}: stopped by ${signal} mid-way and resumed is bitwise the uninterrupted run`, async () => {
      const tag = name.replace(/\W+/g, '-');
      const whole = join(root, `${tag}-whole`);
      const ref = kinfire(command, ...args, '--out', whole, '--quiet');
      expect(ref.code, ref.stderr).toBe(0);

      const cut = join(root, `${tag}-cut`);
      const stopped = await runAndStop(command, [...args, '--out', cut], signal, 3);
      expect(stopped.code, stopped.stderr).toBe(signal === 'SIGINT' ? 130 : 143);
      expect(stopped.stderr).toContain(`holds the run up to its checkpoint (status interrupted): continue with \`kinfire resume ${cut}\``);
      expect(JSON.parse(readFileSync(join(cut, '.kinfire-results'), 'utf8'))).toMatchObject({ command: marker, status: 'interrupted', stopped: signal });
      expect(existsSync(join(cut, 'checkpoint.bin'))).toBe(true);
      expect(existsSync(join(cut, 'summary.json'))).toBe(false);

      const resumed = kinfire('resume', cut, '--quiet');
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(JSON.parse(resumed.stdout)).toMatchObject({ status: 'ok' });
      expectSameResults(whole, cut, command === 'neurons' ? neuronFiles : undefined);
      expect(existsSync(join(cut, 'checkpoint.bin'))).toBe(false);
      expect(JSON.parse(readFileSync(join(cut, '.kinfire-results'), 'utf8')).status).toBeUndefined();
    });
  }

  const STUDY_ARGS = ['eps', '--eps', '0.01,0.005', '--grids', '16', '--set', 'time.T=0.4', '--set', 'initial.v0=0.7'];
  it('kinfire study eps: stopped by SIGTERM after the first of its 3 runs and resumed gives the uninterrupted study (every file, wall times apart)', async () => {
    const args = STUDY_ARGS;
    const whole = join(root, 'study-whole');
    const ref = kinfire('study', ...args, '--out', whole, '--quiet');
    expect(ref.code, ref.stderr).toBe(0);
    const cut = join(root, 'study-cut');
    const stopped = await new Promise<{ code: number | null; stderr: string }>((done, reject) => {
      const child = spawn(process.execPath, [join(repoRoot, 'bin/kinfire.js'), 'study', ...args, '--out', cut], { env: { ...process.env, XDG_RUNTIME_DIR: '/tmp' } });
      let stderr = '';
      child.stderr.on('data', (chunk) => {
        const first = !stderr.includes('study: run 1/3');
        stderr += chunk;
        if (first && stderr.includes('study: run 1/3')) child.kill('SIGTERM');
      });
      child.on('error', reject);
      child.on('exit', (code) => done({ code, stderr }));
    });
    expect(stopped.code, stopped.stderr).toBe(143);
    expect(stopped.stderr).not.toContain('study: run 3/3');
    expect(JSON.parse(readFileSync(join(cut, '.kinfire-results'), 'utf8'))).toMatchObject({ command: 'study', status: 'interrupted', stopped: 'SIGTERM' });
    expect(existsSync(join(cut, 'checkpoint.bin'))).toBe(true);
    expect(existsSync(join(cut, 'study.json'))).toBe(false);

    const resumed = kinfire('resume', cut, '--quiet');
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ status: 'ok' });
    expectSameStudy(whole, cut);
    expect(existsSync(join(cut, 'checkpoint.bin'))).toBe(false);
  });

  it('kinfire study eps: after SIGKILL once its second run has ended, the last periodic checkpoint (every 0.02 s) survives, and resume finishes the study bitwise', async () => {
    const whole = uninterrupted('study-whole', 'study', STUDY_ARGS);
    const cut = join(root, 'study-killed');
    // killed as its second run begins: 2 of 3 runs is past 6 tenths, 1 of 3 is not
    await killAndResume('study', [...STUDY_ARGS, '--checkpoint-every', '0.02'], cut, 6, /^study: run (\d+)\/(\d+)/gm);
    expectSameStudy(whole, cut);
  });

  // the NNLIF PDE, the nnlif particles and the field: each killed after a periodic checkpoint
  for (const k of [1, 4, 5]) {
    const [name, command, args, , marker] = MODELS[k]!;
    it(`${name}: after SIGKILL the last periodic checkpoint survives, and resume finishes the run bitwise`, async () => {
      const tag = name.replace(/\W+/g, '-');
      const whole = uninterrupted(`${tag}-whole`, command, args);
      const cut = join(root, `${tag}-killed`);
      const killed = await runAndStop(command, [...args, '--out', cut, '--checkpoint-every', '0.2'], 'SIGKILL', 5);
      expect(killed.code).toBeNull();
      // the folder is still the dead process's working area, holding its last checkpoint
      expectWorkingAreaWithCheckpoint(cut);
      // a new run on it is refused and told to resume; the working area became the interrupted folder
      const again = kinfire(command, ...args, '--out', cut);
      expect(again.code).toBe(2);
      expect(again.stderr).toContain(`holds an interrupted \`kinfire ${marker}\`; continue it with \`kinfire resume ${cut}\`, or pass --force to start again`);
      expect(JSON.parse(readFileSync(join(cut, '.kinfire-results'), 'utf8'))).toMatchObject({ status: 'interrupted', stopped: 'killed' });
      const resumed = kinfire('resume', cut, '--quiet');
      expect(resumed.code, resumed.stderr).toBe(0);
      expectSameResults(whole, cut);
      // nothing left to resume
      const twice = kinfire('resume', cut);
      expect(twice.code).toBe(2);
      expect(twice.stderr).toContain(`holds finished results of \`kinfire ${marker}\`; there is nothing to resume`);
    });
  }
  const COMPARE_ARGS = ['--set', 'grid.nv=32', '--set', 'grid.ng=24', '--set', 'time.T=0.5', '--counts', '1000,4000'];
  it('kinfire compare (vc): stopped by SIGTERM in its second particle run and resumed gives the uninterrupted comparison (every file, wall times apart)', async () => {
    const whole = join(root, 'compare-whole');
    const ref = kinfire('compare', ...COMPARE_ARGS, '--out', whole, '--quiet');
    expect(ref.code, ref.stderr).toBe(0);
    const cut = join(root, 'compare-cut');
    const stopped = await runAndStop('compare', [...COMPARE_ARGS, '--out', cut], 'SIGTERM', 3, 'particles 4000');
    expect(stopped.code, stopped.stderr).toBe(143);
    expect(stopped.stderr).toContain(`holds the run up to its checkpoint (status interrupted): continue with \`kinfire resume ${cut}\``);
    expect(JSON.parse(readFileSync(join(cut, '.kinfire-results'), 'utf8'))).toMatchObject({ command: 'compare', status: 'interrupted', stopped: 'SIGTERM' });
    expect(existsSync(join(cut, 'compare.json'))).toBe(false);
    const resumed = kinfire('resume', cut);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ status: 'ok' });
    // the PDE and the first count were finished: the resume goes on with the second count alone
    expect(resumed.stderr).toContain('particles 4000');
    expect(resumed.stderr).not.toMatch(/^(pde|particles 1000): t = /m);
    expectSameComparison(whole, cut);
    expect(existsSync(join(cut, 'checkpoint.bin'))).toBe(false);
  });

  it('kinfire compare (nnlif): after SIGKILL the last periodic checkpoint survives, and resume finishes the comparison bitwise', async () => {
    const args = ['--set', 'model=nnlif', '--set', 'grid.nv=100', '--set', 'time.T=2', '--counts', '1000,2000'];
    const whole = join(root, 'compare-nnlif-whole');
    const ref = kinfire('compare', ...args, '--out', whole, '--quiet');
    expect(ref.code, ref.stderr).toBe(0);
    const cut = join(root, 'compare-nnlif-killed');
    await killAndResume('compare', [...args, '--checkpoint-every', '0.2'], cut, 5, 'particles 1000');
    expectSameComparison(whole, cut);
  });
  // kinfire bifurcation (the vc limit, on the CPU): a stop is taken between two parameter values
  const BIFURCATION_ARGS = ['--set', 'params.gin=-0.5', '--param', 'b', '--from', '0.4', '--to', '0.56', '--n', '10', '--stability-time', '5', '--stability-nv', '100', '--bisections', '20'];
  const BIFURCATION_PROGRESS = /^bifurcation: (\d+)\/(\d+) values/gm;
  /** Every file of the diagram in `b` is that of `a`: byte for byte, bifurcation.json apart from its wall time. */
  function expectSameDiagram(a: string, b: string): void {
    const files = readdirSync(a).filter((f) => f !== '.kinfire-results').sort();
    expect(files).toEqual(['bifurcation.csv', 'bifurcation.json', 'bifurcation.png', 'folds.csv']);
    expect(readdirSync(b).filter((f) => f !== '.kinfire-results').sort()).toEqual(files);
    const json = (dir: string) => JSON.parse(readFileSync(join(dir, 'bifurcation.json'), 'utf8'), (key, v) => (key === 'wall_s' ? undefined : v));
    expect(json(b)).toEqual(json(a));
    for (const f of files.filter((x) => x !== 'bifurcation.json')) expect(readFileSync(join(b, f)).equals(readFileSync(join(a, f))), f).toBe(true);
  }
  it('kinfire bifurcation: stopped by SIGINT between two parameter values and resumed gives the uninterrupted diagram (every file, the wall time apart)', async () => {
    const whole = join(root, 'bifurcation-whole');
    const ref = kinfire('bifurcation', ...BIFURCATION_ARGS, '--out', whole, '--quiet');
    expect(ref.code, ref.stderr).toBe(0);
    expect(JSON.parse(ref.stdout).folds.map((f: { kind: string }) => f.kind)).toEqual(['fold', 'fold']);
    const cut = join(root, 'bifurcation-cut');
    const stopped = await runAndStop('bifurcation', [...BIFURCATION_ARGS, '--out', cut], 'SIGINT', 3, BIFURCATION_PROGRESS);
    expect(stopped.code, stopped.stderr).toBe(130);
    expect(stopped.stderr).toContain(`holds the run up to its checkpoint (status interrupted): continue with \`kinfire resume ${cut}\``);
    expect(JSON.parse(readFileSync(join(cut, '.kinfire-results'), 'utf8'))).toMatchObject({ command: 'bifurcation', status: 'interrupted', stopped: 'SIGINT' });
    expect(existsSync(join(cut, 'bifurcation.json'))).toBe(false);
    const resumed = kinfire('resume', cut);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ status: 'ok', steps: 10 });
    // the values done before the stop are not computed again
    const after = Number(/a diagram after (\d+) of 10 values/.exec(resumed.stderr)?.[1]);
    expect(after).toBeGreaterThanOrEqual(stopped.stoppedAt);
    expect(after).toBeLessThan(10);
    expect(resumed.stderr).not.toMatch(new RegExp(`^bifurcation: ${after}/10 values`, 'm'));
    expectSameDiagram(whole, cut);
    expect(existsSync(join(cut, 'checkpoint.bin'))).toBe(false);
  });

  it('kinfire bifurcation: Ctrl+C twice during a value (a hard stop) still keeps the values done, and resume finishes the diagram bitwise', async () => {
    const whole = uninterrupted('bifurcation-whole', 'bifurcation', BIFURCATION_ARGS);
    const cut = join(root, 'bifurcation-twice');
    // both signals come while the fourth value is computed (the computation is synchronous): they are taken together after it
    const stopped = await new Promise<{ code: number | null; stderr: string }>((done, reject) => {
      const child = spawn(process.execPath, [join(repoRoot, 'bin/kinfire.js'), 'bifurcation', ...BIFURCATION_ARGS, '--out', cut], { env: { ...process.env, XDG_RUNTIME_DIR: '/tmp' } });
      let stderr = '';
      child.stderr.on('data', (chunk) => {
        const before = /bifurcation: 3\/10 values/.test(stderr);
        stderr += chunk;
        if (!before && /bifurcation: 3\/10 values/.test(stderr)) {
          child.kill('SIGINT');
          setTimeout(() => child.kill('SIGINT'), 20);
        }
      });
      child.on('error', reject);
      child.on('exit', (code) => done({ code, stderr }));
    });
    expect(stopped.code, stopped.stderr).toBe(130);
    expect(stopped.stderr).toContain(`kinfire: stopped by SIGINT; ${cut} kept at the last checkpoint (continue with kinfire resume)`);
    expect(JSON.parse(readFileSync(join(cut, '.kinfire-results'), 'utf8'))).toMatchObject({ command: 'bifurcation', status: 'interrupted' });
    const resumed = kinfire('resume', cut);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(Number(/a diagram after (\d+) of 10 values/.exec(resumed.stderr)?.[1])).toBeGreaterThanOrEqual(4);
    expectSameDiagram(whole, cut);
  });

  it('kinfire bifurcation: after SIGKILL the last periodic checkpoint survives, and resume finishes the diagram bitwise', async () => {
    const whole = uninterrupted('bifurcation-whole', 'bifurcation', BIFURCATION_ARGS);
    const cut = join(root, 'bifurcation-killed');
    await killAndResume('bifurcation', [...BIFURCATION_ARGS, '--checkpoint-every', '0.01'], cut, 6, BIFURCATION_PROGRESS);
    expectSameDiagram(whole, cut);
  });
});
