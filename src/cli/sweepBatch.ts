/**
 * The points of a `kinfire sweep` of `run` (model nnlif) that differ only in member parameters (the keys
 * `run --batch` varies: b, a1, a0, VR, τ, per population and coupling entry) are solved as one batch: one
 * GPU solve whose members are the points, each member bitwise the run of its point alone (the NNLIF kernel
 * has one invocation per member and no reduction across members). Each point's folder DIR/points/<id>/ is
 * then written by the writers of `kinfire run` from its member's slice of the batch: the same files, byte
 * for byte, and summary.json apart from wall_s and steps_per_s (the group's wall time, and the point's steps
 * over it).
 *
 * A group keeps its checkpoint in DIR/groups/<name>/ (the batch's state, histories of every member and the
 * snapshot files of the batch); a group interrupted by a signal resumes from it when the same points are
 * grouped again, and is removed once its points are written.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type GpuContext } from '../host/gpu';
import { memberOf, nnlifFrameSteps, nnlifRunGrids, type NnlifRunHost, type NnlifRunResult, nnlifSnapshotSteps, runNnlif, vminWarning } from '../host/nnlifRun';
import { CHECKPOINT_FILE, readCheckpointFile } from '../io/checkpoint';
import { decodeNpy } from '../io/npyFormat';
import { makeNnlifSummary, nnlifActivityCsv, nnlifRunFigure, type NnlifSnapshotFile, writeNnlifSnapshot } from '../io/nnlifResults';
import { PendingResults, resultsFolderMarker } from '../io/resultsFolder';
import { familyOf } from '../models/config';
import type { NnlifRunConfig } from '../models/nnlif/config';
import { resolveNnlifRunConfig } from '../models/registry';
import { commandResume } from './checkpointing';
import { withGpuAndFolder } from './gpuCommand';
import { calibrationConfig, refuseLongRun } from './longRuns';
import { MAX_BATCH_MEMBERS, MAX_BATCH_SAMPLE_VALUES } from './nnlifRunCommand';
import { progressReporter } from './progress';
import type { SweepPoint } from './sweepSpec';

/** The marker command of a group's checkpoint folder (`kinfire resume` does not continue it; the sweep does). */
export const SWEEP_GROUP_COMMAND = 'sweep-group';
/** At most this many values of n(v, t) frames (every member's, for its figure) in one group: 100 MB of float32. */
export const MAX_GROUP_FRAME_VALUES = 25_000_000;

/**
 * What the points of one batch must share: the resolved config with the member parameters (couplings, and
 * each population's a0, VR, τ) blanked out. The grid (and so vmin, which by default depends on a0 and VR),
 * VF, firing, delay, dt, Nmax, the initial data and the output all enter it. null: not a batchable point.
 */
export function batchSignature(raw: Record<string, unknown>): string | null {
  if (familyOf(raw).name !== 'nnlif') return null;
  const config = resolveNnlifRunConfig(raw);
  const shared = { ...config, coupling: null, populations: config.populations.map((p) => ({ ...p, a0: null, VR: null, tau: null })) };
  return JSON.stringify(shared);
}

/** The most members of one group of this config: MAX_BATCH_MEMBERS, the batch's cap on N samples, and MAX_GROUP_FRAME_VALUES. */
export function groupCapacity(raw: Record<string, unknown>): number {
  const config = resolveNnlifRunConfig(raw);
  const K = config.populations.length;
  const samples = Math.floor(config.time.steps / config.output.every) + 2;
  const frames = nnlifFrameSteps(config.time.steps).length * K * config.grid.nv;
  return Math.max(1, Math.min(MAX_BATCH_MEMBERS, Math.floor(MAX_BATCH_SAMPLE_VALUES / (K * samples)), Math.floor(MAX_GROUP_FRAME_VALUES / frames)));
}

/**
 * A task's points as units to run: a group of the points not yet begun (`fresh`) with the same batch
 * signature (at most `capacity` of them, in the spec's order, placed at its first point; a larger set is
 * split), or a point alone (finished, interrupted with its own checkpoint, or not batchable).
 */
export function groupPoints(points: SweepPoint[], fresh: (id: string) => boolean, capacity: (raw: Record<string, unknown>) => number = groupCapacity): SweepPoint[][] {
  const units: SweepPoint[][] = [];
  const open = new Map<string, SweepPoint[]>();
  for (const point of points) {
    const signature = fresh(point.id) ? batchSignature(point.raw) : null;
    if (signature === null) {
      units.push([point]);
      continue;
    }
    let group = open.get(signature);
    if (!group || group.length >= capacity(point.raw)) {
      group = [];
      open.set(signature, group);
      units.push(group);
    }
    group.push(point);
  }
  return units;
}

/** The name of a group's checkpoint folder: its first point's index and a hash of its points' ids. */
export function groupName(points: SweepPoint[]): string {
  const hash = createHash('sha256')
    .update(points.map((p) => p.id).join('\n'))
    .digest('hex')
    .slice(0, 12);
  return `g${points[0]!.index}-${points.length}-${hash}`;
}

export interface GroupOptions {
  allowLong: boolean;
  checkpointEvery: number;
  quiet: boolean;
}

/** What the group's checkpoint header records besides the config: its points, to be grouped again alike. */
interface GroupCheckpointOptions {
  ids: string[];
  allowLong: boolean;
  checkpointEvery: number;
}

/** The group folder holds an interrupted batch of exactly these points: resume it. */
function resumable(groupDir: string, ids: string[]): boolean {
  PendingResults.recoverLeftovers(groupDir);
  if (resultsFolderMarker(groupDir)?.status !== 'interrupted' || !existsSync(join(groupDir, CHECKPOINT_FILE))) return false;
  try {
    const saved = readCheckpointFile(join(groupDir, CHECKPOINT_FILE)).header.options as Partial<GroupCheckpointOptions>;
    return JSON.stringify(saved.ids) === JSON.stringify(ids);
  } catch {
    return false;
  }
}

/** The file of a group's folder that lists its points' ids (one a line). */
const GROUP_POINTS = 'points.txt';

/**
 * Removes the group folders under `groupsDir` whose points are all `done`: a group interrupted and then not
 * resumed, its points since finished otherwise (the sweep continued with another shard split or --no-batch).
 */
export function removeFinishedGroups(groupsDir: string, done: (id: string) => boolean): void {
  if (!existsSync(groupsDir)) return;
  for (const name of readdirSync(groupsDir)) {
    if (name.startsWith('.')) continue; // a lock or a working area (resultsFolder.ts): a live task's
    let ids: string[];
    try {
      ids = readFileSync(join(groupsDir, name, GROUP_POINTS), 'utf8').split('\n').filter(Boolean);
    } catch {
      continue; // not a group's folder (a lock, a working area): left alone
    }
    if (ids.length && ids.every(done)) rmSync(join(groupsDir, name), { recursive: true, force: true });
  }
}

/** A member's view of the batch's result: what runNnlif returns for its point alone. */
function memberResult(r: NnlifRunResult, m: number, config: NnlifRunConfig, warnings: string[]): NnlifRunResult {
  const M = r.members.length;
  const K = r.grids.length;
  const nv = config.grid.nv;
  const own = r.members[m]!;
  const stopped = own.status !== 'ok';
  // A run alone ends at its member's stop: its samples and frames are those up to the kept step.
  const samples = stopped ? 1 + Math.floor(own.steps / config.output.every) : r.t.length;
  const frameCount = stopped ? nnlifFrameSteps(config.time.steps).filter((s) => s <= own.steps).length : r.frameT.length;
  const frames = new Float32Array(frameCount * K * nv);
  for (let k = 0; k < frameCount; k++) frames.set(r.frames.subarray((k * M + m) * K * nv, (k * M + m + 1) * K * nv), k * K * nv);
  const rows = (x: Float32Array[]) => x.slice(m * K, (m + 1) * K).map((row) => row.subarray(0, samples));
  return {
    status: own.status,
    ...(own.message ? { message: own.message } : {}),
    grids: r.grids,
    members: [own],
    t: r.t.slice(0, samples),
    N: rows(r.N),
    mass: rows(r.mass),
    R: rows(r.R),
    frameT: r.frameT.slice(0, frameCount),
    frames,
    steps: own.steps,
    wallSeconds: r.wallSeconds,
    stepsPerSecond: own.steps / Math.max(r.wallSeconds, 1e-9),
    warnings,
    n: r.n.subarray(m * K * nv, (m + 1) * K * nv),
  };
}

/** One point's outcome in a group: the run's status, or the error that failed it. */
export type GroupOutcome = { id: string; status: string } | { id: string; error: Error };

/**
 * Solves `points` (≥ 2, the same batchSignature) as one batch and writes each point's folder (`pointDir`)
 * as `kinfire run` would. Throws RunInterrupted (the group's checkpoint kept in `groupDir`) on a signal, and
 * what fails the whole group (the GPU, the grid, a run too long); a point whose folder cannot be written
 * fails alone.
 */
export async function runNnlifGroup(
  points: SweepPoint[],
  groupDir: string,
  pointDir: (id: string) => string,
  options: GroupOptions,
  version: string,
  log: (line: string) => void,
): Promise<GroupOutcome[]> {
  const configs = points.map((p) => resolveNnlifRunConfig(p.raw));
  const base = configs[0]!;
  const members = configs.map(memberOf);
  const M = members.length;
  const K = base.populations.length;
  const nv = base.grid.nv;
  const ids = points.map((p) => p.id);
  const resume = resumable(groupDir, ids);
  const outcomes = await withGpuAndFolder(groupDir, { force: true, command: SWEEP_GROUP_COMMAND, version, ...(resume ? { resume: true } : {}) }, async (ctx: GpuContext, reservation) => {
    if (!resume) await refuseLongRun(base.time.steps, options.allowLong, async () => (await runNnlif(ctx, calibrationConfig(base), {}, members)).stepsPerSecond);
    if (!options.quiet) log(`${resume ? 'resuming a batch' : 'a batch'} of ${M} points in the same dispatches (${groupDir}): ${nv} nodes, ${base.time.steps} steps to T = ${base.time.T}`);
    const progress = progressReporter('run', process.stderr, options.quiet);
    try {
      return await reservation.produce(async (pending) => {
        if (!resume) pending.write(GROUP_POINTS, `${ids.join('\n')}\n`);
        const grids = nnlifRunGrids(base);
        const checkpointOptions: GroupCheckpointOptions = { ids, allowLong: options.allowLong, checkpointEvery: options.checkpointEvery };
        const { checkpoint, snapshots, moved } = commandResume<NnlifRunHost, NnlifSnapshotFile>(
          pending,
          resume,
          { command: SWEEP_GROUP_COMMAND, family: 'nnlif', raw: points[0]!.raw, options: { ...checkpointOptions }, version, adapter: ctx.adapterInfo, steps: base.time.steps, dt: base.time.dt, everySeconds: options.checkpointEvery },
          log,
        );
        const result = await runNnlif(
          ctx,
          base,
          { onProgress: (p) => progress.update(p), onSnapshot: (s) => writeNnlifSnapshot(pending, snapshots, base, grids, s, M), checkpoint, everyMemberFrames: true },
          members,
        );
        progress.stop();
        // The batch's snapshots (every member, M × K × nv), read once; a run alone writes those up to its stop.
        const snapshotSteps = nnlifSnapshotSteps(base);
        const batchSnapshots = snapshots.filter((s) => snapshotSteps.has(s.step)).map((s) => ({ ...s, n: decodeNpy(new Uint8Array(readFileSync(join(pending.path, s.npy)))).data as Float32Array }));
        const written: GroupOutcome[] = [];
        for (const [m, point] of points.entries()) {
          const config = configs[m]!;
          const own = result.members[m]!;
          const mine = batchSnapshots.filter((s) => own.status === 'ok' || s.step <= own.steps);
          const slice = (n: Float32Array) => n.subarray(m * K * nv, (m + 1) * K * nv);
          // The vmin check of a run alone: at its snapshots, in order, then at its end; the first warning is kept.
          const vmin = [...mine.map((s) => slice(s.n)), slice(result.n)].map((n) => vminWarning(config, n)).find((w) => w !== undefined);
          const r = memberResult(result, m, config, [...(vmin ? [vmin] : []), ...(moved ? [moved] : [])]);
          if (vmin) log(`[${point.id}] warning: ${vmin}`);
          try {
            const folder = PendingResults.reserve(pointDir(point.id), { command: 'run', version });
            await folder.produce(async (out) => {
              const files: NnlifSnapshotFile[] = [];
              for (const s of mine) writeNnlifSnapshot(out, files, config, grids, { t: s.t, step: s.step, n: slice(s.n) }, 1);
              if (own.status !== 'ok' && !mine.some((s) => s.step === own.steps)) writeNnlifSnapshot(out, files, config, grids, { t: own.steps * config.time.dt, step: own.steps, n: r.n }, 1);
              out.write('summary.json', `${JSON.stringify(makeNnlifSummary(config, r, ctx.adapterInfo, ctx.runtime, files, version), null, 2)}\n`);
              out.write('activity.csv', nnlifActivityCsv(config, r));
              out.write('run.png', await nnlifRunFigure(config, r));
            });
            // (logged as `kinfire run` does, quiet or not)
            if (own.status !== 'ok') log(`[${point.id}] run stopped: ${own.status}: ${own.message}`);
            written.push({ id: point.id, status: own.status });
          } catch (e) {
            written.push({ id: point.id, error: e as Error });
          }
        }
        return written;
      });
    } finally {
      progress.stop();
    }
  });
  // Its points are written: the group's folder (the batch's snapshots, no checkpoint) is of no further use.
  rmSync(groupDir, { recursive: true, force: true });
  return outcomes;
}
