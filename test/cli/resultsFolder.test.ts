/**
 * Results folders never destroy what kinfire did not write (src/io/resultsFolder.ts), tried with real
 * folders through the built CLI, as a user (or an attacker of its input) would: --force on the working
 * directory, its ancestors, the home folder and foreign folders; demo; two runs on one --out; paths that
 * cannot be written; a full disk; signals; leftovers of killed runs.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RunInterrupted } from '../../src/host/interrupt';
import { PendingResults } from '../../src/io/resultsFolder';
import { type CliResult, kinfire, repoRoot } from '../helpers/cli';

const work = mkdtempSync(join(tmpdir(), 'kinfire-folders-'));
chmodSync(work, 0o755);
afterAll(() => rmSync(work, { recursive: true, force: true }));

const tiny = ['--set', 'grid.nv=16', '--set', 'grid.ng=16', '--set', 'time.T=0.01', '-q'];
/** long enough to be signalled mid-run (tens of seconds on SwiftShader), short blocks */
const long = ['--set', 'grid.nv=64', '--set', 'grid.ng=64', '--set', 'time.T=20', '-q'];
const bin = join(repoRoot, 'bin/kinfire.js');
const env = { ...process.env, XDG_RUNTIME_DIR: '/tmp' };

function kinfireAt(cwd: string, extraEnv: Record<string, string>, ...args: string[]): CliResult {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: { ...env, ...extraEnv }, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function userFolder(name: string): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'thesis.tex'), 'years of work');
  mkdirSync(join(dir, 'data'));
  writeFileSync(join(dir, 'data', 'raw.csv'), '1,2,3');
  return dir;
}

const intact = (dir: string) => {
  expect(readFileSync(join(dir, 'thesis.tex'), 'utf8')).toBe('years of work');
  expect(readFileSync(join(dir, 'data', 'raw.csv'), 'utf8')).toBe('1,2,3');
};

/** Entries beside `dir` that kinfire keeps while it works: none may be left. */
const leftovers = (parent: string) => readdirSync(parent).filter((f) => /\.(partial|old|lock|probe)/.test(f));

/** Stderr must be short lines, never a stack trace. */
const noStackTrace = (stderr: string) => expect(stderr).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);

describe('--force replaces only what kinfire wrote', () => {
  it('refuses the working directory, with or without --force, and touches nothing', () => {
    const dir = userFolder('cwd');
    for (const force of [[], ['--force']]) {
      const r = kinfireAt(dir, {}, 'run', ...tiny, '--out', '.', ...force);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('--out .: it is the working directory');
      intact(dir);
    }
    expect(readdirSync(dir).sort()).toEqual(['data', 'thesis.tex']);
  });

  it('refuses an ancestor of the working directory and the home folder', () => {
    const top = userFolder('ancestor');
    const inner = join(top, 'data');
    const up = kinfireAt(inner, {}, 'run', ...tiny, '--out', '..', '--force');
    expect(up.code).toBe(2);
    expect(up.stderr).toContain('contains the working directory');
    intact(top);
    const home = userFolder('home');
    writeFileSync(join(home, RESULTS_MARKER_NAME), JSON.stringify({ kinfire: '0', command: 'run', written: '' })); // even marked
    const r = kinfireAt(work, { HOME: home }, 'run', ...tiny, '--out', home, '--force');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('it is the home folder');
    intact(home);
    const root = kinfireAt(work, {}, 'run', ...tiny, '--out', '/', '--force');
    expect(root.code).toBe(2);
    expect(root.stderr).toContain('filesystem root');
  });

  it('refuses a non-empty folder kinfire did not write, even with --force', () => {
    const dir = userFolder('foreign');
    const r = kinfire('run', ...tiny, '--out', dir, '--force');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--out .*foreign: the folder is not empty and is not a kinfire results folder/);
    intact(dir);
    expect(leftovers(work)).toEqual([]);
  });

  it('replaces its own folder with --force, atomically, and one written before markers existed', () => {
    const out = join(work, 'own');
    expect(kinfire('run', ...tiny, '--out', out).code).toBe(0);
    const marker = JSON.parse(readFileSync(join(out, '.kinfire-results'), 'utf8'));
    expect(marker).toMatchObject({ command: 'run' });
    writeFileSync(join(out, 'note-from-last-run.txt'), 'x');
    const again = kinfire('run', ...tiny, '--out', out);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('pass --force');
    const forced = kinfire('run', ...tiny, '--out', out, '--force');
    expect(forced.code, forced.stderr).toBe(0);
    expect(readdirSync(out)).not.toContain('note-from-last-run.txt');
    expect(readdirSync(out)).toContain('summary.json');
    expect(leftovers(work)).toEqual([]);
    // An earlier version's folder: summary.json with a "kinfire" version, no marker.
    rmSync(join(out, '.kinfire-results'));
    const legacy = kinfire('run', ...tiny, '--out', out, '--force');
    expect(legacy.code, legacy.stderr).toBe(0);
    // A summary.json that is not kinfire's does not make a folder kinfire's.
    const fake = userFolder('fake-summary');
    writeFileSync(join(fake, 'summary.json'), '{"mine": true}');
    expect(kinfire('run', ...tiny, '--out', fake, '--force').code).toBe(2);
    intact(fake);
  });

  it('demo refuses a non-empty folder that is not a demo\'s, and replaces its own', () => {
    const dir = userFolder('demo-foreign');
    const r = kinfire('demo', '--out', dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('not a kinfire results folder');
    intact(dir);
    const run = join(work, 'a-run');
    expect(kinfire('run', ...tiny, '--out', run).code).toBe(0);
    const overRun = kinfire('demo', '--out', run);
    expect(overRun.code).toBe(2);
    expect(overRun.stderr).toContain('does not replace');
    // A demo's folder (its marker says so), with a file of the last demo: replaced without --force.
    const demo = join(work, 'demo');
    mkdirSync(demo);
    writeFileSync(join(demo, RESULTS_MARKER_NAME), JSON.stringify({ kinfire: '0.1.0', command: 'demo', written: '' }));
    writeFileSync(join(demo, 'old.txt'), 'x');
    const again = kinfire('demo', '--out', demo);
    expect(again.code, again.stderr).toBe(0);
    expect(readdirSync(demo)).not.toContain('old.txt');
    expect(JSON.parse(readFileSync(join(demo, RESULTS_MARKER_NAME), 'utf8')).command).toBe('demo');
  }, 300_000);
});

describe('one writer per folder', () => {
  it('of two runs started together on one --out, one writes it and the other is refused at once', async () => {
    const out = join(work, 'contended');
    const start = () =>
      new Promise<{ code: number | null; stderr: string; ms: number }>((resolve) => {
        const t0 = Date.now();
        const child = spawn(process.execPath, [bin, 'run', ...tiny, '--set', 'time.T=0.5', '--out', out], { env });
        let stderr = '';
        child.stderr.on('data', (c) => (stderr += c));
        child.on('exit', (code) => resolve({ code, stderr, ms: Date.now() - t0 }));
      });
    const results = await Promise.all([start(), start()]);
    const codes = results.map((r) => r.code).sort();
    expect(codes, results.map((r) => r.stderr).join('\n')).toEqual([0, 2]);
    const refused = results.find((r) => r.code === 2)!;
    expect(refused.stderr).toMatch(/another kinfire process \(pid \d+\) is writing this folder/);
    expect(readdirSync(out)).toContain('summary.json');
    expect(leftovers(work)).toEqual([]);
  });

  it('a lock left by a dead process is stale and taken over', () => {
    const out = join(work, 'stale-lock');
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(join(work, '.stale-lock.lock'), `${dead.stdout}\n`);
    const r = kinfire('run', ...tiny, '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(leftovers(work)).toEqual([]);
  });

  it("another host's lock (a sweep's task on another node) holds while its holder touches it, and is stale after 10 minutes untouched", () => {
    const out = join(work, 'other-host');
    const lock = join(work, '.other-host.lock');
    // pid 1 is alive here: only the host and the lock's age may decide
    writeFileSync(lock, '1 node-elsewhere\n');
    const held = kinfire('run', ...tiny, '--out', out);
    expect(held.code).toBe(2);
    expect(held.stderr).toContain('another kinfire process (pid 1 on node-elsewhere) is writing this folder');
    expect(existsSync(out)).toBe(false);
    const old = new Date(Date.now() - 11 * 60_000);
    utimesSync(lock, old, old);
    const r = kinfire('run', ...tiny, '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(leftovers(work)).toEqual([]);
    // this host's lock names it, and a holder keeps its lock fresh
    const reservation = PendingResults.reserve(join(work, 'mine'), { command: 'run', version: 'test' });
    try {
      expect(readFileSync(join(work, '.mine.lock'), 'utf8')).toBe(`${process.pid} ${hostname()}\n`);
      utimesSync(join(work, '.mine.lock'), old, old);
      reservation.touchLock(new Date());
      expect(Date.now() - statSync(join(work, '.mine.lock')).mtimeMs).toBeLessThan(60_000);
    } finally {
      reservation.release();
    }
    expect(existsSync(join(work, '.mine.lock'))).toBe(false);
  });
});

describe('paths that cannot be written: exit 2 naming --out, before any work', () => {
  it('a regular file, a path through a file, /sys and /proc (no hang)', () => {
    const file = join(work, 'a-file');
    writeFileSync(file, 'x');
    const cases: [string, RegExp][] = [
      [file, /exists and is not a folder/],
      [join(file, 'sub'), /ENOTDIR|not a folder/],
      ['/proc/kinfire-x', /cannot write in \/proc/],
      ['/proc/kinfire-x/y', /cannot create the folder \/proc\/kinfire-x/],
    ];
    if (existsSync('/sys/kernel')) cases.push(['/sys/kinfire-x', /cannot write in \/sys/]);
    for (const [out, why] of cases) {
      const t0 = Date.now();
      const r = kinfire('run', ...tiny, '--out', out);
      expect(r.code, `${out}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(/^kinfire: --out /);
      expect(r.stderr).toMatch(why);
      expect(r.stderr).not.toContain('adapter'); // the GPU was never opened
      noStackTrace(r.stderr);
      expect(Date.now() - t0).toBeLessThan(60_000);
    }
    expect(readFileSync(file, 'utf8')).toBe('x');
  });

  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  it.skipIf(!root)('a read-only folder, as a user who may not write it (EACCES)', () => {
    const ro = join(work, 'read-only');
    mkdirSync(ro);
    chmodSync(ro, 0o555);
    const r = spawnSync(process.execPath, [bin, 'run', ...tiny, '--out', join(ro, 'out')], { encoding: 'utf8', env, uid: 65534, gid: 65534, cwd: '/tmp', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/--out .*cannot write in .*read-only \(EACCES\)/);
    expect(readdirSync(ro)).toEqual([]);
  });

  it.skipIf(!root)('a full disk during a run: one line, exit 1, no partial folder', () => {
    const mnt = join(work, 'small-disk');
    mkdirSync(mnt);
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=200k', 'tmpfs', mnt]);
    if (mounted.status !== 0) return; // no mount here (a container without the capability): nothing to test
    try {
      const r = kinfire('run', '--set', 'grid.nv=256', '--set', 'grid.ng=256', '--set', 'time.T=0.01', '-q', '--out', join(mnt, 'out'));
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain('no space left on the device (ENOSPC)');
      expect(readdirSync(mnt)).toEqual([]);
    } finally {
      spawnSync('umount', [mnt]);
    }
  });
});

describe('signals', () => {
  const runUntilSignalled = (out: string, signal: NodeJS.Signals) =>
    new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [bin, 'run', ...long, '--out', out], { env });
      let stderr = '';
      child.stderr.on('data', (c) => (stderr += c));
      // Signal once the partial folder exists: the run is under way.
      const poll = setInterval(() => {
        if (readdirSync(work).some((f) => f.startsWith(`.${out.split('/').pop()}.partial-`))) {
          clearInterval(poll);
          setTimeout(() => child.kill(signal), 500);
        }
      }, 100);
      child.on('exit', (code, sig) => {
        clearInterval(poll);
        resolve({ code, signal: sig, stderr });
      });
    });

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s: the run stops after its block, keeps its folder as interrupted with a checkpoint (kinfire resume), releases its lock, says so, exits %i', async (signal, code) => {
    const out = join(work, `sig-${signal}`);
    const r = await runUntilSignalled(out, signal);
    expect(r.code, r.stderr).toBe(code);
    expect(r.stderr).toContain(`stopped by ${signal}; ${out} holds the run up to its checkpoint (status interrupted): continue with \`kinfire resume ${out}\``);
    noStackTrace(r.stderr);
    expect(JSON.parse(readFileSync(join(out, RESULTS_MARKER_NAME), 'utf8'))).toMatchObject({ command: 'run', status: 'interrupted', stopped: signal });
    expect(existsSync(join(out, 'checkpoint.bin'))).toBe(true);
    expect(existsSync(join(out, 'summary.json'))).toBe(false);
    expect(leftovers(work)).toEqual([]);
  });

  // Every GPU command keeps checkpoints and writes one when stopped; a stop with none to keep (the folder
  // filled by code that keeps none) is the folder's own rule, checked in process.
  it('a stop with no checkpoint in the working area removes the partial folder and rethrows; with one, the folder is kept interrupted', async () => {
    const none = join(work, 'stop-without-checkpoint');
    const reservation = PendingResults.reserve(none, { command: 'bifurcation', version: 'test' });
    await expect(
      reservation.produce((pending) => {
        pending.write('half.csv', 'a,b\n');
        throw new RunInterrupted('SIGTERM');
      }),
    ).rejects.toBeInstanceOf(RunInterrupted);
    expect(existsSync(none)).toBe(false);
    expect(leftovers(work)).toEqual([]);

    const kept = join(work, 'stop-with-checkpoint');
    const withOne = PendingResults.reserve(kept, { command: 'run', version: 'test' });
    await expect(
      withOne.produce((pending) => {
        pending.writeCheckpoint(new Uint8Array([1, 2, 3]));
        throw new RunInterrupted('SIGTERM');
      }),
    ).rejects.toMatchObject({ kept: [kept] });
    expect(JSON.parse(readFileSync(join(kept, RESULTS_MARKER_NAME), 'utf8'))).toMatchObject({ command: 'run', status: 'interrupted', stopped: 'SIGTERM' });
    expect(readFileSync(join(kept, 'checkpoint.bin'))).toEqual(Buffer.from([1, 2, 3]));
    expect(leftovers(work)).toEqual([]);
  });

  it('SIGKILL leaves a partial folder and a lock; the next run on that --out removes them', async () => {
    const out = join(work, 'killed');
    const r = await runUntilSignalled(out, 'SIGKILL');
    expect(r.signal).toBe('SIGKILL');
    expect(leftovers(work).sort()).toEqual([expect.stringMatching(/^\.killed\.lock$/), expect.stringMatching(/^\.killed\.partial-\d+$/)]);
    const next = kinfire('run', ...tiny, '--out', out);
    expect(next.code, next.stderr).toBe(0);
    expect(leftovers(work)).toEqual([]);
  });

  it('a replacement killed between its two renames is put back by the next run', () => {
    const out = join(work, 'half-replaced');
    expect(kinfire('run', ...tiny, '--out', out).code).toBe(0);
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    renameSync(out, join(work, `.half-replaced.old-${dead}`)); // the old folder aside, the new one never renamed in
    const r = kinfire('run', ...tiny, '--out', out);
    expect(r.code).toBe(2); // the restored folder holds results: refused without --force
    expect(readdirSync(out)).toContain('summary.json');
    expect(leftovers(work)).toEqual([]);
  });
});

const RESULTS_MARKER_NAME = '.kinfire-results';

describe("the working area of a run killed after a checkpoint replaces only what the run's commit would have", () => {
  const root = join(work, 'recovery');
  mkdirSync(root, { recursive: true });
  const deadPid = () => Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
  /** A killed run's working area beside `out`: its marker (`replaces` when it was to replace a kinfire folder) and a checkpoint. */
  function killedRun(out: string, replaces: boolean): string {
    const area = join(root, `.${out.split('/').pop()}.partial-${deadPid()}`);
    mkdirSync(area);
    writeFileSync(join(area, RESULTS_MARKER_NAME), `${JSON.stringify({ kinfire: 'test', command: 'run', written: 'then', ...(replaces ? { replaces: true } : {}) })}\n`);
    writeFileSync(join(area, 'checkpoint.bin'), 'state');
    return area;
  }

  it('a folder of the user put at DIR since is left as it is, and so is the working area; the refusal says what to do', () => {
    const out = join(root, 'user-since');
    const area = killedRun(out, true);
    userFolder('recovery/user-since');
    for (const attempt of [() => PendingResults.reserve(out, { command: 'run', version: 'test', force: true }), () => PendingResults.recoverLeftovers(out)]) {
      expect(attempt).toThrow(/a kinfire run killed after a checkpoint left its working area .*user-since\.partial-\d+, but .*user-since now holds other files; kinfire leaves both as they are: move .* away, then `kinfire resume/);
      intact(out);
      expect(readFileSync(join(area, 'checkpoint.bin'), 'utf8')).toBe('state');
    }
    // moved away, the run is recovered as DIR, interrupted
    renameSync(out, join(root, 'user-since-moved'));
    PendingResults.recoverLeftovers(out);
    expect(JSON.parse(readFileSync(join(out, RESULTS_MARKER_NAME), 'utf8'))).toMatchObject({ status: 'interrupted', stopped: 'killed' });
    expect(readFileSync(join(out, 'checkpoint.bin'), 'utf8')).toBe('state');
    intact(join(root, 'user-since-moved'));
  });

  it('a kinfire folder at DIR is replaced only by a run reserved to replace it (--force)', () => {
    for (const replaces of [false, true]) {
      const out = join(root, `kinfire-${replaces}`);
      mkdirSync(out);
      writeFileSync(join(out, RESULTS_MARKER_NAME), `${JSON.stringify({ kinfire: 'test', command: 'run', written: 'before' })}\n`);
      writeFileSync(join(out, 'summary.json'), '{}');
      killedRun(out, replaces);
      if (!replaces) {
        expect(() => PendingResults.recoverLeftovers(out)).toThrow(/now holds other files/);
        expect(readdirSync(out).sort()).toEqual([RESULTS_MARKER_NAME, 'summary.json']);
      } else {
        PendingResults.recoverLeftovers(out);
        expect(readdirSync(out).sort()).toEqual([RESULTS_MARKER_NAME, 'checkpoint.bin']);
        expect(JSON.parse(readFileSync(join(out, RESULTS_MARKER_NAME), 'utf8'))).toMatchObject({ status: 'interrupted', replaces: true });
      }
    }
  });

  it('a resumed run whose commit fails keeps DIR interrupted with its checkpoint (the checkpoint goes last)', async () => {
    const out = join(root, 'resume-fails');
    await expect(
      PendingResults.reserve(out, { command: 'run', version: 'test' }).produce((pending) => {
        pending.writeCheckpoint(new Uint8Array([7, 8]));
        throw new RunInterrupted('SIGTERM');
      }),
    ).rejects.toBeInstanceOf(RunInterrupted);
    const write = PendingResults.prototype.write;
    PendingResults.prototype.write = function (name: string, content: string | Uint8Array) {
      if (name === RESULTS_MARKER_NAME) throw Object.assign(new Error('no space left'), { code: 'ENOSPC' });
      return write.call(this, name, content);
    };
    try {
      await expect(PendingResults.reserve(out, { command: 'run', version: 'test', resume: true }).produce((pending) => pending.write('summary.json', '{}'))).rejects.toMatchObject({ code: 'ENOSPC' });
    } finally {
      PendingResults.prototype.write = write;
    }
    expect(JSON.parse(readFileSync(join(out, RESULTS_MARKER_NAME), 'utf8'))).toMatchObject({ command: 'run', status: 'interrupted', stopped: 'failed' });
    expect(readFileSync(join(out, 'checkpoint.bin'))).toEqual(Buffer.from([7, 8]));
    expect(leftovers(root).filter((f) => f.includes('resume-fails'))).toEqual([]);
  });
});
