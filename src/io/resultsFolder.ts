/**
 * Results folders, written so that kinfire never destroys what it did not write.
 *
 * A command first *reserves* its `--out DIR`, before the GPU is opened or any work is done:
 * - the path is checked: DIR, if it exists, is a folder; its parent can be created and written (each
 *   missing folder is made by one plain mkdir, so a path like /proc/x fails at once instead of looping);
 * - DIR is locked by `.DIR.lock` beside it, created exclusively (O_EXCL) and holding the pid and the host, so a
 *   second command on the same DIR is refused at once whatever the timing; a lock of a dead process on this host
 *   is stale, and one of another host (tasks of a sweep on several nodes share DIR) when its holder has not
 *   touched it for LOCK_STALE_MS (it does every LOCK_HEARTBEAT_MS while it holds it);
 * - leftovers of dead processes beside DIR (`.DIR.partial-PID`, `.DIR.old-PID`) are removed, or an
 *   `.old` copy is put back where DIR is missing (a replacement killed between its two renames);
 * - an existing non-empty DIR is refused unless `--force`, and `--force` replaces only a kinfire results
 *   folder (the marker file `.kinfire-results`, or, from earlier versions, a summary.json / study.json /
 *   compare.json / bifurcation.json carrying a "kinfire" version), never the working directory, one of
 *   its ancestors, the home folder or a filesystem root.
 * The files are then written into `.DIR.partial-PID` and committed by renames: the old DIR aside to
 * `.DIR.old-PID`, the new one in, then the old one deleted. A run that fails removes its partial folder
 * and its lock. A run stopped by SIGINT or SIGTERM that keeps checkpoints (checkpoint.ts) commits its
 * partial folder as DIR with the marker's status "interrupted" (`kinfire resume DIR` goes on from it);
 * one without a checkpoint removes it. After SIGKILL the next command on DIR cleans up: a partial folder
 * holding a checkpoint becomes DIR, interrupted; any other is removed.
 */
import { closeSync, existsSync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, realpathSync, renameSync, rmdirSync, rmSync, statSync, unlinkSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { basename, dirname, join, parse, resolve, sep } from 'node:path';
import { clearInterrupt, requestInterrupt, RunInterrupted } from '../host/interrupt';
import { CHECKPOINT_FILE } from './checkpoint';

export class OutputDirError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutputDirError';
  }
}

/** The file that marks a folder as kinfire's: JSON {kinfire, command, written}. */
export const RESULTS_MARKER = '.kinfire-results';
/** Files by which earlier versions' results folders are recognised (each holds a "kinfire" version). */
const LEGACY_RESULT_FILES = ['summary.json', 'study.json', 'compare.json', 'bifurcation.json'];

export interface ResultsMarker {
  kinfire: string;
  command: string;
  written: string;
  /** "interrupted": stopped with a checkpoint, to be continued by `kinfire resume` (absent: finished) */
  status?: 'interrupted';
  /** an interrupted folder: the signal, or "killed" for one recovered after its process died */
  stopped?: string;
  /**
   * A working area (or an interrupted folder) of a run reserved to replace the kinfire folder at DIR (--force):
   * recovered after a kill, it may replace that folder too. Absent: it may take DIR only where DIR is absent or empty.
   */
  replaces?: true;
}

function readJsonObject(path: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * What kinfire wrote into `dir`: its marker, or for a folder of an earlier version the command its
 * result file belongs to ('legacy:summary.json', …); null when nothing says the folder is kinfire's.
 */
export function resultsFolderMarker(dir: string): ResultsMarker | null {
  const marker = readJsonObject(join(dir, RESULTS_MARKER));
  if (marker && typeof marker.kinfire === 'string' && typeof marker.command === 'string') {
    return {
      kinfire: marker.kinfire,
      command: marker.command,
      written: String(marker.written ?? ''),
      ...(marker.status === 'interrupted' ? { status: 'interrupted' as const, ...(typeof marker.stopped === 'string' ? { stopped: marker.stopped } : {}) } : {}),
    };
  }
  for (const name of LEGACY_RESULT_FILES) {
    const json = readJsonObject(join(dir, name));
    if (json && typeof json.kinfire === 'string') return { kinfire: json.kinfire, command: `legacy:${name}`, written: '' };
  }
  return null;
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

/** How often a holder touches its lock, and how long another host's untouched lock counts as held. */
const LOCK_HEARTBEAT_MS = 30_000;
const LOCK_STALE_MS = 10 * 60_000;

/** A lock's holder: "PID HOST" (a lock without a host, from an earlier version, is this host's). */
function lockOwner(content: string): { pid: number; host: string } {
  const [pid, host] = content.trim().split(/\s+/);
  return { pid: Number.parseInt(pid ?? '', 10), host: host ?? hostname() };
}

/**
 * Whether the holder of the lock at `path` may still be writing: on this host, its process is alive; on another
 * (where its pid says nothing), it touched the lock within LOCK_STALE_MS.
 */
function lockHeld(path: string, owner: { pid: number; host: string }): boolean {
  if (owner.host === hostname()) return isAlive(owner.pid);
  const touched = statSync(path, { throwIfNoEntry: false })?.mtimeMs;
  return touched !== undefined && Date.now() - touched < LOCK_STALE_MS;
}

const describeOwner = (owner: { pid: number; host: string }) => `pid ${owner.pid}${owner.host === hostname() ? '' : ` on ${owner.host}`}`;

const errCode = (e: unknown) => (e as NodeJS.ErrnoException).code ?? (e as Error).message;

/** Real path of the deepest existing ancestor of `path` (itself included), and the missing rest. */
function existingPrefix(path: string): { existing: string; missing: string[] } {
  const missing: string[] = [];
  let at = path;
  // Bounded by the number of path components.
  for (;;) {
    try {
      lstatSync(at);
      return { existing: at, missing };
    } catch (e) {
      const code = errCode(e);
      if (code !== 'ENOENT') throw new OutputDirError(`--out ${path}: cannot look at ${at} (${code})`);
    }
    const up = dirname(at);
    if (up === at) return { existing: at, missing };
    missing.unshift(basename(at));
    at = up;
  }
}

/** Why `dir` may never be replaced (a filesystem root, the home folder, the working directory or an ancestor of it), or null. */
export function protectedFolder(dir: string): string | null {
  const real = (() => {
    try {
      return realpathSync(dir);
    } catch {
      return resolve(dir);
    }
  })();
  if (parse(real).root === real) return 'it is a filesystem root';
  const home = (() => {
    try {
      return realpathSync(homedir());
    } catch {
      return resolve(homedir());
    }
  })();
  if (real === home) return 'it is the home folder';
  const cwd = (() => {
    try {
      return realpathSync(process.cwd());
    } catch {
      return process.cwd();
    }
  })();
  if (cwd === real) return 'it is the working directory';
  if (cwd.startsWith(real + sep)) return 'it contains the working directory';
  if (home.startsWith(real + sep)) return 'it contains the home folder';
  return null;
}

export interface ReserveOptions {
  /** replace an existing kinfire results folder */
  force?: boolean;
  /** the command writing the folder (recorded in the marker) */
  command: string;
  /** kinfire's version (recorded in the marker) */
  version: string;
  /**
   * Which existing kinfire folders this command may replace (default: any). `demo` replaces only a
   * demo's folder, and does so without --force.
   */
  replaces?: (marker: ResultsMarker, dir: string) => boolean;
  /** replace a matching folder without --force (demo) */
  replaceWithoutForce?: boolean;
  /** continue the interrupted run in DIR (kinfire resume): DIR must be one, and becomes the working area */
  resume?: boolean;
}

/** Reservations held by this process: released at exit. */
const held = new Set<PendingResults>();
/** Reservations whose partial folder exists: removed on SIGINT / SIGTERM. */
const writing = new Set<PendingResults>();
const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };
/** Exit code of a command stopped by `signal`. */
export const signalExitCode = (signal: string): number => SIGNAL_EXIT[signal] ?? 1;
/** How long a run may take to reach the end of its block after a signal before it is stopped hard. */
const GRACE_MS = 10_000;
let signalled = false;

/**
 * SIGINT / SIGTERM while results are being written: the run is asked to stop after its current block
 * (its GPU work finished, so the process can leave cleanly), and its partial folder is then removed by
 * produce(). A second signal, or a run that has not stopped within GRACE_MS, removes the partial
 * folders at once and exits.
 */
function onSignal(signal: NodeJS.Signals): void {
  if (signalled) hardStop(signal);
  signalled = true;
  requestInterrupt(signal);
  setTimeout(() => hardStop(signal), GRACE_MS).unref();
}

function hardStop(signal: NodeJS.Signals): never {
  const kept: string[] = [];
  const removed: string[] = [];
  for (const p of [...writing]) {
    try {
      p.saveNow?.(); // a command paused where its state is consistent writes its checkpoint now
    } catch {
      /* the last checkpoint, if any, stays */
    }
    if (p.hasCheckpoint()) {
      try {
        p.commitInterrupted(signal);
        kept.push(p.target);
        continue;
      } catch {
        // left as the working area, with its checkpoint: the next command on DIR recovers it
        p.leaveForRecovery();
        kept.push(p.target); // kinfire resume DIR recovers it first
        continue;
      }
    }
    removed.push(p.target);
  }
  releaseAll();
  const what = [kept.length ? `${kept.join(', ')} kept at the last checkpoint (continue with kinfire resume)` : '', removed.length ? `the partial results of ${removed.join(', ')} removed` : ''].filter(Boolean).join('; ');
  process.stderr.write(`\nkinfire: stopped by ${signal}; ${what || 'nothing was being written'}\n`);
  process.exit(signalExitCode(signal));
}

function releaseAll(): void {
  for (const p of [...held]) p.abandon();
}

let exitHook = false;
let heartbeat: ReturnType<typeof setInterval> | undefined;

function holdLock(p: PendingResults): void {
  held.add(p);
  if (!exitHook) {
    exitHook = true;
    process.on('exit', releaseAll);
  }
  // The locks held are touched while this process lives: another host sees them held (lockHeld).
  heartbeat ??= setInterval(() => {
    const now = new Date();
    for (const q of held) q.touchLock(now);
  }, LOCK_HEARTBEAT_MS).unref();
}

function dropLock(p: PendingResults): void {
  held.delete(p);
  if (held.size === 0 && heartbeat) {
    clearInterval(heartbeat);
    heartbeat = undefined;
  }
}

/** Holders of the signal handlers besides the folders being written (a sweep, between its points). */
let holds = 0;
let handlersOn = false;

function syncHandlers(): void {
  const want = writing.size > 0 || holds > 0;
  if (want === handlersOn) return;
  handlersOn = want;
  if (want) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  } else {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (!signalled) clearInterrupt();
  }
}

function startWriting(p: PendingResults): void {
  writing.add(p);
  syncHandlers();
}

function stopWriting(p: PendingResults): void {
  if (!writing.delete(p)) return;
  syncHandlers();
}

/**
 * Keeps the SIGINT / SIGTERM handlers on between results folders (a sweep between two points): a signal
 * then asks the caller to stop (throwIfInterrupted, host/interrupt.ts) instead of killing the process.
 * Returns the release.
 */
export function holdSignals(): () => void {
  holds++;
  syncHandlers();
  let released = false;
  return () => {
    if (released) return;
    released = true;
    holds--;
    syncHandlers();
  };
}

/** A results folder reserved, then being written: `path` is the partial folder the files go to. */
export class PendingResults {
  readonly target: string;
  readonly path: string;
  private readonly lockPath: string;
  private readonly parent: string;
  private readonly name: string;
  private replacing = false;
  private created = false;
  private done = false;

  private constructor(
    target: string,
    private readonly options: ReserveOptions,
  ) {
    this.target = target;
    this.parent = dirname(target);
    this.name = basename(target);
    this.path = join(this.parent, `.${this.name}.partial-${process.pid}`);
    this.lockPath = join(this.parent, `.${this.name}.lock`);
  }

  /**
   * Checks `--out` and locks it, before any work (see the file comment). Throws OutputDirError (exit 2)
   * naming `--out` and why; nothing is left behind by a refusal but the parent folders it made.
   */
  static reserve(out: string, options: ReserveOptions): PendingResults {
    if (typeof out !== 'string' || out.trim() === '') throw new OutputDirError('--out: must name a folder');
    const target = resolve(out);
    if (parse(target).root === target) throw new OutputDirError(`--out ${out}: it is a filesystem root`);
    const pending = new PendingResults(target, options);
    pending.prepareParent(out);
    pending.lock(out);
    try {
      pending.cleanLeftovers();
      if (options.resume) pending.checkResumable(out);
      else pending.checkTarget(out);
    } catch (e) {
      pending.unlock();
      throw e;
    }
    holdLock(pending);
    return pending;
  }

  /**
   * Puts back, as DIR with status "interrupted", the working area of a dead process that holds a checkpoint
   * (after SIGKILL), and removes the other leftovers: what reserve() does first, without reserving. Throws
   * OutputDirError when a live process holds DIR's lock.
   */
  static recoverLeftovers(out: string): void {
    const target = resolve(out);
    const pending = new PendingResults(target, { command: 'recover', version: '' });
    if (!existsSync(pending.parent)) return;
    pending.lock(out);
    try {
      pending.cleanLeftovers();
    } finally {
      pending.unlock();
    }
  }

  /** The folder's parent exists (made one level at a time) and takes new entries. */
  private prepareParent(out: string): void {
    const { existing, missing } = existingPrefix(this.target);
    const existingStat = statSync(existing, { throwIfNoEntry: false });
    if (missing.length === 0) {
      // DIR itself exists.
      if (!existingStat?.isDirectory()) throw new OutputDirError(`--out ${out}: exists and is not a folder`);
    } else if (!existingStat?.isDirectory()) {
      throw new OutputDirError(`--out ${out}: ${existing} is not a folder`);
    }
    let at = existing;
    for (const part of missing.slice(0, -1)) {
      at = join(at, part);
      try {
        mkdirSync(at); // one level, never recursive: no retry loops on special filesystems
      } catch (e) {
        throw new OutputDirError(`--out ${out}: cannot create the folder ${at} (${errCode(e)})`);
      }
    }
    // A probe folder: the parent must take new entries (the partial folder and the lock go there).
    const probe = join(this.parent, `.${this.name}.probe-${process.pid}`);
    try {
      mkdirSync(probe);
      rmdirSync(probe);
    } catch (e) {
      throw new OutputDirError(`--out ${out}: cannot write in ${this.parent} (${errCode(e)})`);
    }
  }

  private lock(out: string): void {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fd = openSync(this.lockPath, 'wx');
        try {
          writeSync(fd, `${process.pid} ${hostname()}\n`);
        } finally {
          closeSync(fd);
        }
        return;
      } catch (e) {
        if (errCode(e) !== 'EEXIST') throw new OutputDirError(`--out ${out}: cannot create the lock ${this.lockPath} (${errCode(e)})`);
      }
      const owner = lockOwner(readFileSafe(this.lockPath));
      if (lockHeld(this.lockPath, owner)) {
        throw new OutputDirError(`--out ${out}: another kinfire process (${describeOwner(owner)}) is writing this folder (lock ${this.lockPath}); wait for it or choose another folder`);
      }
      // Stale: move it aside atomically, and make sure what was moved is the stale lock, not a fresh one.
      const aside = `${this.lockPath}.stale-${process.pid}`;
      try {
        renameSync(this.lockPath, aside);
      } catch {
        continue; // someone else moved it: try again
      }
      const moved = lockOwner(readFileSafe(aside));
      if (lockHeld(aside, moved)) {
        try {
          renameSync(aside, this.lockPath);
        } catch {
          /* the other process will find its lock gone; it holds the folder through its partial name */
        }
        throw new OutputDirError(`--out ${out}: another kinfire process (${describeOwner(moved)}) is writing this folder; wait for it or choose another folder`);
      }
      rmSync(aside, { force: true });
    }
    throw new OutputDirError(`--out ${out}: could not lock the folder (${this.lockPath} keeps changing)`);
  }

  /** Marks the lock as held now (the heartbeat; see lockHeld). */
  touchLock(now: Date): void {
    try {
      utimesSync(this.lockPath, now, now);
    } catch {
      /* gone: released meanwhile */
    }
  }

  private unlock(): void {
    try {
      const owner = lockOwner(readFileSafe(this.lockPath));
      if (owner.pid === process.pid && owner.host === hostname()) unlinkSync(this.lockPath);
    } catch {
      /* already gone */
    }
  }

  /** Removes `.DIR.partial-PID` and `.DIR.old-PID` of dead processes; puts a lone `.old` back. */
  private cleanLeftovers(): void {
    const partial = new RegExp(`^\\.${escapeRegExp(this.name)}\\.(partial|old)-(\\d+)$`);
    let entries: string[];
    try {
      entries = readdirSync(this.parent);
    } catch {
      return;
    }
    for (const entry of entries) {
      const m = partial.exec(entry);
      if (!m || isAlive(Number(m[2]))) continue;
      const path = join(this.parent, entry);
      if (m[1] === 'partial' && existsSync(join(path, CHECKPOINT_FILE))) {
        // A run killed after a checkpoint: its working area becomes DIR, interrupted, replacing only what its
        // commit would have replaced (nothing, an empty folder, or the kinfire folder it was asked to replace
        // with --force, its marker's `replaces`), never files put there since.
        this.checkRecoverable(path);
        markInterrupted(path, 'killed');
        const old = join(this.parent, `.${this.name}.old-${process.pid}`);
        const had = existsSync(this.target);
        if (had) renameSync(this.target, old);
        renameSync(path, this.target);
        if (had) rmSync(old, { recursive: true, force: true });
        continue;
      }
      if (m[1] === 'old' && !existsSync(this.target)) renameSync(path, this.target);
      else rmSync(path, { recursive: true, force: true });
    }
  }

  /** The working area `path` of a killed run may become DIR: OutputDirError (DIR and the area left as they are) otherwise. */
  private checkRecoverable(path: string): void {
    const stat = statSync(this.target, { throwIfNoEntry: false });
    if (!stat) return;
    const why = stat.isDirectory() ? protectedFolder(this.target) : 'it is not a folder';
    const replaceable = !why && (readdirSync(this.target).length === 0 || (readJsonObject(join(path, RESULTS_MARKER))?.replaces === true && resultsFolderMarker(this.target) !== null));
    if (replaceable) return;
    throw new OutputDirError(
      `${this.target}: a kinfire run killed after a checkpoint left its working area ${path}, but ${this.target} now holds ${why ? `something kinfire never replaces (${why})` : 'other files'}; kinfire leaves both as they are: move ${this.target} away, then \`kinfire resume ${this.target}\` continues the run (or delete ${path} to drop it)`,
    );
  }

  /** kinfire resume: DIR is an interrupted run of this command, with its checkpoint. */
  private checkResumable(out: string): void {
    const marker = existsSync(this.target) ? resultsFolderMarker(this.target) : null;
    if (!marker) throw new OutputDirError(`${out}: is not a kinfire results folder${existsSync(this.target) ? '' : ' (it does not exist)'}; kinfire resume continues a run stopped by a signal`);
    if (marker.status !== 'interrupted') throw new OutputDirError(`${out}: holds finished results of \`kinfire ${marker.command}\`; there is nothing to resume`);
    if (!existsSync(join(this.target, CHECKPOINT_FILE))) throw new OutputDirError(`${out}: is marked interrupted but holds no ${CHECKPOINT_FILE}; run it again with --force`);
    if (marker.command !== this.options.command) throw new OutputDirError(`${out}: holds an interrupted \`kinfire ${marker.command}\`, not \`kinfire ${this.options.command}\``);
  }

  private checkTarget(out: string): void {
    const stat = statSync(this.target, { throwIfNoEntry: false });
    if (!stat) return;
    if (!stat.isDirectory()) throw new OutputDirError(`--out ${out}: exists and is not a folder`);
    const why = protectedFolder(this.target);
    if (why) throw new OutputDirError(`--out ${out}: ${why}; kinfire never writes there, choose a new folder`);
    if (readdirSync(this.target).length === 0) return;
    const marker = resultsFolderMarker(this.target);
    const replaceable = marker !== null && (this.options.replaces?.(marker, this.target) ?? true);
    if (replaceable && (this.options.force || this.options.replaceWithoutForce)) {
      this.replacing = true;
      return;
    }
    if (marker === null) {
      throw new OutputDirError(`--out ${out}: the folder is not empty and is not a kinfire results folder (no ${RESULTS_MARKER}); kinfire replaces only its own folders, even with --force: choose another folder`);
    }
    if (!replaceable) {
      throw new OutputDirError(`--out ${out}: holds results of \`kinfire ${marker.command}\`, which \`kinfire ${this.options.command}\` does not replace; choose another folder`);
    }
    if (marker.status === 'interrupted') throw new OutputDirError(`--out ${out}: holds an interrupted \`kinfire ${marker.command}\`; continue it with \`kinfire resume ${out}\`, or pass --force to start again`);
    throw new OutputDirError(`--out ${out}: the folder holds kinfire results; choose another or pass --force to replace them`);
  }

  /** Creates the partial folder, with its marker; for a resume, moves the interrupted DIR there (one rename). */
  begin(): void {
    if (this.created) return;
    rmSync(this.path, { recursive: true, force: true });
    if (this.options.resume) {
      renameSync(this.target, this.path);
      this.created = true;
      startWriting(this);
      return;
    }
    mkdirSync(this.path);
    this.created = true;
    startWriting(this);
    const marker: ResultsMarker = { kinfire: this.options.version, command: this.options.command, written: new Date().toISOString(), ...(this.replacing ? { replaces: true as const } : {}) };
    this.write(RESULTS_MARKER, `${JSON.stringify(marker)}\n`);
  }

  /**
   * Fill the folder: `fill` writes into `path`, which becomes the target when it returns; it is removed,
   * and the lock released, when it throws.
   */
  async produce<R>(fill: (pending: PendingResults) => Promise<R> | R): Promise<R> {
    try {
      this.begin();
      const result = await fill(this);
      this.commit();
      return result;
    } catch (e) {
      if (e instanceof RunInterrupted && this.hasCheckpoint()) {
        this.commitInterrupted(e.signal);
        e.kept.push(this.target);
        throw e;
      }
      this.abandon();
      throw e;
    }
  }

  /** The working area holds a checkpoint (the run can be resumed from it). */
  hasCheckpoint(): boolean {
    return this.created && !this.done && existsSync(join(this.path, CHECKPOINT_FILE));
  }

  /** Writes the checkpoint whole (temp file, rename): the working area always holds one complete checkpoint. */
  writeCheckpoint(bytes: Uint8Array): void {
    replaceDurably(join(this.path, `.${CHECKPOINT_FILE}.tmp`), bytes, join(this.path, CHECKPOINT_FILE));
  }

  /** Commits the working area as DIR with status "interrupted", its checkpoint kept. */
  commitInterrupted(signal: string): void {
    markInterrupted(this.path, signal);
    this.rename();
  }

  write(name: string, content: string | Uint8Array): void {
    writeFileSync(join(this.path, name), content);
  }

  /**
   * A finished run: its marker without a status, the renames, then its checkpoint removed. In that order, a
   * failure or a kill on the way leaves the checkpoint with the results (a resumed run's folder is put back
   * interrupted, a killed one is recovered), never a working area without one, which the next command removes.
   */
  commit(): void {
    const marker = readJsonObject(join(this.path, RESULTS_MARKER));
    if (marker && ('status' in marker || 'replaces' in marker)) {
      delete marker.status;
      delete marker.stopped;
      delete marker.replaces;
      this.write(RESULTS_MARKER, `${JSON.stringify({ ...marker, written: new Date().toISOString() })}\n`);
    }
    this.rename();
    rmSync(join(this.target, CHECKPOINT_FILE), { force: true });
  }

  /** The renames: old DIR aside, new DIR in, old deleted. The lock is released. */
  private rename(): void {
    const old = join(this.parent, `.${this.name}.old-${process.pid}`);
    const stat = statSync(this.target, { throwIfNoEntry: false });
    if (stat) {
      // Re-checked: what was reserved as absent, empty or kinfire's must still be so.
      if (!stat.isDirectory() || (readdirSync(this.target).length > 0 && !(this.replacing && resultsFolderMarker(this.target)))) {
        const kept = join(this.parent, `${this.name}.kinfire-${process.pid}`);
        renameSync(this.path, kept);
        this.release();
        throw new OutputDirError(`--out ${this.target}: something else was written there during the run; it was left alone and the results are in ${kept}`);
      }
      renameSync(this.target, old);
    }
    renameSync(this.path, this.target);
    this.created = false;
    if (stat) rmSync(old, { recursive: true, force: true });
    this.release();
  }

  /**
   * Removes the partial folder (if any) and releases the lock. A resumed run's working area is the
   * interrupted DIR itself: it is put back, interrupted at its last checkpoint, never removed.
   */
  abandon(): void {
    if (this.options.resume && this.hasCheckpoint()) {
      try {
        this.commitInterrupted('failed');
      } catch {
        this.leaveForRecovery();
      }
      return;
    }
    if (this.created) rmSync(this.path, { recursive: true, force: true });
    this.created = false;
    this.release();
  }

  private finishWriting(): void {
    stopWriting(this);
  }

  /**
   * Set by a command while it waits at a point where its state is consistent (kinfire bifurcation between two
   * parameter values): writes a checkpoint at once. A hard stop (a second signal, or the grace time over) calls it
   * first, so that what is done is kept even when the stop comes before the command could save it.
   */
  saveNow?: () => void;

  /** Leaves the working area as it is (it holds a checkpoint) for the next command on DIR to recover, and releases the lock. */
  leaveForRecovery(): void {
    this.created = false;
    this.release();
  }

  /** Releases the lock without writing anything (a command that fails before producing). */
  release(): void {
    if (this.done) return;
    this.done = true;
    this.unlock();
    dropLock(this);
    this.finishWriting();
  }
}

/**
 * Writes `content` to `tmp`, flushed to the disk (fsync), renames it over `path` and flushes the folder: after a
 * crash of the node (not only of the process) `path` holds the old content or the new, whole. A file system that
 * refuses a folder's fsync (some network ones) keeps the rename's atomicity.
 */
export function replaceDurably(tmp: string, content: string | Uint8Array, path: string): void {
  const fd = openSync(tmp, 'w');
  try {
    writeFileSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  try {
    const folder = openSync(dirname(path), 'r');
    try {
      fsyncSync(folder);
    } finally {
      closeSync(folder);
    }
  } catch {
    /* the rename is done; only its durability is the file system's */
  }
}

/** Sets the marker of the folder at `path` to status "interrupted". */
function markInterrupted(path: string, stopped: string): void {
  const marker = readJsonObject(join(path, RESULTS_MARKER)) ?? {};
  writeFileSync(join(path, RESULTS_MARKER), `${JSON.stringify({ ...marker, status: 'interrupted', stopped, written: new Date().toISOString() })}\n`);
}

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
