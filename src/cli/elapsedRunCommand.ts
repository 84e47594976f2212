/**
 * `kinfire run` with model "elapsed": the elapsed-time model on the GPU (src/host/elapsedRun.ts). The config and
 * --out are checked before the GPU is opened.
 */
import { type ElapsedRunHost, runElapsed } from '../host/elapsedRun';
import { describeAdapter } from '../host/gpu';
import { type ElapsedSnapshotFile, type ElapsedSummary, elapsedActivityCsv, elapsedRunFigure, makeElapsedSummary, writeElapsedSnapshot } from '../io/elapsedResults';
import { describeElapsed } from '../models/elapsed/config';
import { resolveElapsedRunConfig } from '../models/registry';
import { calibrationConfig, refuseLongRun } from './longRuns';
import { progressReporter } from './progress';
import { withGpuAndFolder } from './gpuCommand';
import { commandResume, parseCheckpointEvery } from './checkpointing';

export interface ElapsedRunOptions {
  out: string;
  force?: boolean;
  quiet?: boolean;
  allowLong?: boolean;
  /** seconds between checkpoints (default DEFAULT_CHECKPOINT_EVERY; 0: only on a signal) */
  checkpointEvery?: number | string;
  /** continue the interrupted run in `out` (kinfire resume) */
  resume?: boolean;
}

export async function elapsedRunCommand(raw: Record<string, unknown>, options: ElapsedRunOptions, version: string, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<ElapsedSummary> {
  const config = resolveElapsedRunConfig(raw);
  const everySeconds = parseCheckpointEvery(options.checkpointEvery);
  return withGpuAndFolder(options.out, { force: !!options.force, command: 'run', version, ...(options.resume ? { resume: true } : {}) }, async (ctx, reservation) => {
    if (!options.resume) await refuseLongRun(config.time.steps, !!options.allowLong, async () => (await runElapsed(ctx, calibrationConfig(config))).stepsPerSecond);
    if (!options.quiet) {
      log(`kinfire ${version}: model elapsed (elapsed-time model), ${describeElapsed(config)}, ${config.grid.ns} age cells of ds = dt = ${config.time.dt.toPrecision(4)} on [0, ${config.grid.smax.toPrecision(4)}], ${config.time.steps} steps to T = ${config.time.T}`);
      log(`adapter: ${describeAdapter(ctx.adapterInfo)} (${ctx.runtime})`);
    }
    const progress = progressReporter('run', process.stderr, options.quiet);
    try {
      return await reservation.produce(async (pending) => {
        const { checkpoint, snapshots, moved } = commandResume<ElapsedRunHost, ElapsedSnapshotFile>(
          pending,
          !!options.resume,
          { command: 'run', family: 'elapsed', raw, options: { allowLong: !!options.allowLong, checkpointEvery: everySeconds }, version, adapter: ctx.adapterInfo, steps: config.time.steps, dt: config.time.dt, everySeconds },
          log,
        );
        const result = await runElapsed(ctx, config, { onProgress: (p) => progress.update(p), onSnapshot: (s) => writeElapsedSnapshot(pending, snapshots, config, s), checkpoint });
        progress.stop();
        const summary = makeElapsedSummary(config, result, ctx.adapterInfo, ctx.runtime, snapshots, version);
        if (moved) (summary as ElapsedSummary & { warnings?: string[] }).warnings = [moved];
        pending.write('summary.json', `${JSON.stringify(summary, (_, v) => (v === Infinity ? 'Infinity' : v), 2)}\n`);
        pending.write('activity.csv', elapsedActivityCsv(result));
        pending.write('run.png', await elapsedRunFigure(config, result));
        if (result.status !== 'ok') log(`run stopped: ${result.status}: ${result.message}`);
        if (result.nonunique_steps) log(`warning: the boundary relation N = ∫ p(s, bN) n ds had several roots at ${result.nonunique_steps} steps (first at t = ${result.t_first_nonunique}); the smallest was taken`);
        return summary;
      });
    } finally {
      progress.stop();
    }
  });
}
