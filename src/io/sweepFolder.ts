/**
 * The folder of a sweep (`kinfire sweep --out DIR`):
 *
 *   DIR/.kinfire-results   the marker (command "sweep")
 *   DIR/manifest.json      the sweep (command, base config, options, the points with their values) and each
 *                          point's status; rewritten whole (temp file + rename) under DIR/.manifest.lock
 *   DIR/points/<id>/       one normal results folder per point, written atomically (resultsFolder.ts)
 *   DIR/groups/<name>/     the checkpoint of a batch of nnlif run points (cli/sweepBatch.ts) while it runs or
 *                          after it was interrupted; removed once its points are written
 *   DIR/sweep.csv, sweep.json, sweep.png   written by `kinfire sweep collect`
 *
 * The points' folders are the truth: a point is finished when its folder exists (a commit is one rename),
 * whatever the manifest says, so a task killed between its point's commit and the manifest's update loses
 * nothing. Several tasks (the shards of a Slurm array, on several nodes) share DIR: the manifest lock is a
 * folder made by mkdir (atomic on local and network file systems) holding its owner's host and pid.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { OutputDirError, protectedFolder, replaceDurably, RESULTS_MARKER, resultsFolderMarker } from './resultsFolder';

export const SWEEP_MANIFEST = 'manifest.json';
export const SWEEP_POINTS = 'points';
/** Where the groups of points solved as one batch keep their checkpoints. */
export const SWEEP_GROUPS = 'groups';
const LOCK = '.manifest.lock';
/** A manifest lock older than this is stale whatever its owner (an update takes milliseconds). */
const LOCK_STALE_MS = 120_000;

export type PointStatus = 'pending' | 'running' | 'done' | 'interrupted' | 'failed';

export interface PointRecord {
  id: string;
  index: number;
  values: Record<string, unknown>;
  status: PointStatus;
  /** the command's own status of a finished point (ok, blowup, nonfinite) */
  result?: string;
  /** the task that last changed it */
  host?: string;
  pid?: number;
  job?: string;
  shard?: string;
  updated?: string;
  /** why it failed or stopped */
  message?: string;
  /** how many times a task started it */
  attempts?: number;
}

export interface SweepManifest {
  kinfire: string;
  kind: 'sweep';
  /** sha256 of the plan: one folder holds one sweep */
  hash: string;
  command: string;
  keys: string[];
  base: Record<string, unknown>;
  options: Record<string, unknown>;
  /** a product's value lists per key, null for an explicit list */
  axes: Record<string, unknown[]> | null;
  created: string;
  points: PointRecord[];
}

export type SweepManifestInit = Omit<SweepManifest, 'kinfire' | 'kind' | 'created' | 'points'> & { points: { id: string; index: number; values: Record<string, unknown> }[] };

const sleepSync = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

function isAliveHere(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Writes `content` to `path` by a temp file beside it and a rename (both flushed): readers see the old or the new file, never a part. */
export function writeFileAtomic(path: string, content: string | Uint8Array): void {
  replaceDurably(join(dirname(path), `.${basename(path)}.tmp-${hostname()}-${process.pid}`), content, path);
}

export function readManifest(dir: string): SweepManifest | null {
  try {
    const m = JSON.parse(readFileSync(join(dir, SWEEP_MANIFEST), 'utf8')) as SweepManifest;
    return m && m.kind === 'sweep' && Array.isArray(m.points) ? m : null;
  } catch {
    return null;
  }
}

/** What a point's folder says: absent, finished (with the command's status), or interrupted with a checkpoint. */
export interface PointOnDisk {
  state: 'absent' | 'done' | 'interrupted';
  result?: string;
}

export class SweepFolder {
  readonly pointsDir: string;

  private constructor(readonly dir: string) {
    this.pointsDir = join(dir, SWEEP_POINTS);
  }

  /**
   * Opens DIR for a sweep: creates it (atomically: a temp folder renamed into place, so two tasks starting
   * together make one) when it is missing or empty; accepts it when it holds the same sweep (same hash);
   * refuses it (OutputDirError, exit 2, nothing written) when it holds another sweep or anything else.
   */
  static open(out: string, init: SweepManifestInit, version: string): SweepFolder {
    if (typeof out !== 'string' || out.trim() === '') throw new OutputDirError('--out: must name a folder');
    const dir = resolve(out);
    const check = () => {
      const stat = statSync(dir, { throwIfNoEntry: false });
      if (!stat) return 'missing';
      if (!stat.isDirectory()) throw new OutputDirError(`--out ${out}: exists and is not a folder`);
      const why = protectedFolder(dir);
      if (why) throw new OutputDirError(`--out ${out}: ${why}; kinfire never writes there, choose a new folder`);
      const existing = readManifest(dir);
      if (existing) {
        if (existing.hash !== init.hash) {
          throw new OutputDirError(
            `--out ${out}: holds another sweep (${existing.points.length} points of \`kinfire ${existing.command}\` over ${existing.keys.join(', ')}, created ${existing.created}); its spec differs from this one: choose another folder`,
          );
        }
        return 'same';
      }
      if (readdirSync(dir).length === 0) return 'empty';
      const marker = resultsFolderMarker(dir);
      throw new OutputDirError(`--out ${out}: the folder is not empty and holds no sweep (${marker ? `it holds results of \`kinfire ${marker.command}\`` : `no ${SWEEP_MANIFEST}`}): choose another folder`);
    };
    if (check() === 'same') return new SweepFolder(dir);
    const parent = dirname(dir);
    try {
      mkdirSync(parent, { recursive: true });
    } catch (e) {
      throw new OutputDirError(`--out ${out}: cannot create the folder ${parent} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    const tmp = join(parent, `.${basename(dir)}.sweep-partial-${hostname()}-${process.pid}`);
    try {
      rmSync(tmp, { recursive: true, force: true });
      mkdirSync(tmp);
      mkdirSync(join(tmp, SWEEP_POINTS));
      const created = new Date().toISOString();
      writeFileSync(join(tmp, RESULTS_MARKER), `${JSON.stringify({ kinfire: version, command: 'sweep', written: created })}\n`);
      const manifest: SweepManifest = { kinfire: version, kind: 'sweep', created, ...init, points: init.points.map((p) => ({ ...p, status: 'pending' as const })) };
      writeFileSync(join(tmp, SWEEP_MANIFEST), `${JSON.stringify(manifest, null, 1)}\n`);
    } catch (e) {
      rmSync(tmp, { recursive: true, force: true });
      throw new OutputDirError(`--out ${out}: cannot write in ${parent} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    try {
      // rename(2) replaces a missing or empty folder; a folder another task filled meanwhile refuses it.
      renameSync(tmp, dir);
    } catch (e) {
      rmSync(tmp, { recursive: true, force: true });
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw new OutputDirError(`--out ${out}: cannot create the sweep folder (${code ?? (e as Error).message})`);
      if (check() !== 'same') throw new OutputDirError(`--out ${out}: another process created a different folder there meanwhile`);
    }
    return new SweepFolder(dir);
  }

  /** An existing sweep folder (for collect); OutputDirError when DIR holds none. */
  static existing(dir: string): { folder: SweepFolder; manifest: SweepManifest } {
    const abs = resolve(dir);
    const manifest = readManifest(abs);
    if (!manifest) throw new OutputDirError(`${dir}: is not a sweep folder (no readable ${SWEEP_MANIFEST}); give the --out of a kinfire sweep`);
    return { folder: new SweepFolder(abs), manifest };
  }

  pointDir(id: string): string {
    return join(this.pointsDir, id);
  }

  /** The folder of the groups' checkpoint folders. */
  get groupsDir(): string {
    return join(this.dir, SWEEP_GROUPS);
  }

  /** The checkpoint folder of a group of points solved as one batch (cli/sweepBatch.ts), while it runs. */
  groupDir(name: string): string {
    return join(this.dir, SWEEP_GROUPS, name);
  }

  /** A point's folder: finished (its marker, and its command's status from summary.json), interrupted (marker status), or absent. */
  pointOnDisk(id: string): PointOnDisk {
    const dir = this.pointDir(id);
    if (!existsSync(dir)) return { state: 'absent' };
    const marker = resultsFolderMarker(dir) as (ReturnType<typeof resultsFolderMarker> & { status?: string }) | null;
    if (!marker) return { state: 'absent' };
    if (marker.status === 'interrupted') return { state: 'interrupted' };
    let result = 'ok';
    try {
      const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { status?: string };
      if (typeof summary.status === 'string') result = summary.status;
    } catch {
      /* steady: no summary.json, its folder is its result */
    }
    return { state: 'done', result };
  }

  read(): SweepManifest {
    const m = readManifest(this.dir);
    if (!m) throw new Error(`${join(this.dir, SWEEP_MANIFEST)} is missing or unreadable`);
    return m;
  }

  /** Changes the manifest under its lock: read, `change`, written whole by temp file and rename. */
  update(change: (m: SweepManifest) => void): SweepManifest {
    const lock = join(this.dir, LOCK);
    const me = `${hostname()} ${process.pid}`;
    for (let attempt = 0; ; attempt++) {
      try {
        mkdirSync(lock);
        writeFileSync(join(lock, 'owner'), `${me} ${Date.now()}\n`);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        if (this.lockIsStale(lock)) {
          rmSync(lock, { recursive: true, force: true });
          continue;
        }
        if (attempt > 3000) throw new Error(`the manifest lock ${lock} has been held for over a minute; remove it if no kinfire sweep is running on ${this.dir}`);
        sleepSync(20);
      }
    }
    try {
      const m = this.read();
      change(m);
      writeFileAtomic(join(this.dir, SWEEP_MANIFEST), `${JSON.stringify(m, null, 1)}\n`);
      return m;
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }

  /** Stale: its owner is a dead process of this host, or it is older than LOCK_STALE_MS (an owner elsewhere that died). */
  private lockIsStale(lock: string): boolean {
    let text: string;
    let mtime: number;
    try {
      text = readFileSync(join(lock, 'owner'), 'utf8');
      mtime = statSync(lock).mtimeMs;
    } catch {
      // made but not yet written: give its owner a moment
      try {
        return Date.now() - statSync(lock).mtimeMs > 5_000;
      } catch {
        return false;
      }
    }
    const [host, pid] = text.trim().split(/\s+/);
    if (host === hostname() && !isAliveHere(Number(pid))) return true;
    return Date.now() - mtime > LOCK_STALE_MS;
  }

  /** Sets one point's record (merging `fields`), stamped with this task. */
  record(id: string, fields: Partial<PointRecord>, task: { shard?: string; job?: string } = {}): void {
    this.update((m) => {
      const p = m.points.find((q) => q.id === id);
      if (!p) throw new Error(`point ${id} is not in the manifest`);
      Object.assign(p, fields, { host: hostname(), pid: process.pid, updated: new Date().toISOString() }, task.shard ? { shard: task.shard } : {}, task.job ? { job: task.job } : {});
      if (fields.status === 'done' || fields.status === 'running' || fields.status === 'pending') delete p.message;
      if (fields.status !== 'done') delete p.result;
      if (fields.status === 'done' && fields.result) p.result = fields.result;
    });
  }
}
