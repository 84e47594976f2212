/**
 * `kinfire run` with model "nnlif": the Fokker–Planck PDE of the NNLIF network (src/host/nnlifRun.ts),
 * one run or, with `--batch key=values`, many members solved in the same dispatches. Everything that can
 * reject the input (the config, every member's values, --out) is checked before the GPU is opened.
 */
import { describeAdapter } from '../host/gpu';
import { memberOf, nnlifRunGrid, runNnlif } from '../host/nnlifRun';
import { makeNnlifSummary, type NnlifBatch, nnlifActivityCsv, nnlifBatchCsv, nnlifBatchNpy, nnlifBatchPng, nnlifRunFigure, type NnlifSnapshotFile, type NnlifSummary, writeNnlifSnapshot } from '../io/nnlifResults';
import { ConfigError } from '../models/config';
import { type NnlifRunConfig, resolveNnlifRunConfig } from '../models/nnlif/config';
import type { NnlifMember } from '../models/nnlif/fokkerPlanck';
import { calibrationConfig, refuseLongRun } from './longRuns';
import { progressReporter } from './progress';
import { withGpuAndFolder } from './gpuCommand';

/** Keys a batch may vary: the per-member parameters of the kernel. Grid, VF, delay, dt and firing are shared. */
export const BATCH_KEYS = ['nnlif.b', 'nnlif.a0', 'nnlif.a1', 'nnlif.VR', 'nnlif.tau'] as const;
type BatchKey = (typeof BATCH_KEYS)[number];
/** At most this many members in one run. */
export const MAX_BATCH_MEMBERS = 1 << 20;

export interface NnlifRunOptions {
  out: string;
  force?: boolean;
  quiet?: boolean;
  allowLong?: boolean;
  batch?: string[];
}

/** `key=start:stop:count` (count ≥ 2 values from start to stop), `key=[v, …]` or `key=v,v,…`. */
export function parseBatch(specs: string[]): { key: BatchKey; values: number[] }[] {
  const seen = new Set<string>();
  return specs.map((spec) => {
    const eq = spec.indexOf('=');
    const key = spec.slice(0, Math.max(eq, 0)).trim();
    if (eq <= 0) throw new ConfigError('--batch', `must look like key=start:stop:count or key=v1,v2,… (got ${JSON.stringify(spec)})`);
    if (!(BATCH_KEYS as readonly string[]).includes(key)) throw new ConfigError('--batch', `${key} cannot vary within a batch; batch keys: ${BATCH_KEYS.join(', ')} (grid, VF, delay, dt and firing are shared by all members)`);
    if (seen.has(key)) throw new ConfigError('--batch', `${key} is given twice`);
    seen.add(key);
    const text = spec.slice(eq + 1).trim();
    let values: number[];
    const range = /^([^:]+):([^:]+):([^:]+)$/.exec(text);
    if (range) {
      const [start, stop, count] = [Number(range[1]), Number(range[2]), Number(range[3])];
      if (![start, stop].every(Number.isFinite) || !Number.isInteger(count) || count < 2) throw new ConfigError('--batch', `${key}=${text}: start:stop:count needs finite start and stop and an integer count ≥ 2`);
      values = Array.from({ length: count }, (_, k) => start + ((stop - start) * k) / (count - 1));
    } else {
      const items = text.startsWith('[') ? (() => {
        try {
          return JSON.parse(text) as unknown[];
        } catch {
          return [NaN];
        }
      })() : text.split(',');
      values = (Array.isArray(items) ? items : [NaN]).map(Number);
      if (!values.length || !values.every(Number.isFinite)) throw new ConfigError('--batch', `${key}=${text}: the values must be finite numbers`);
    }
    return { key: key as BatchKey, values };
  });
}

/** The members of a product of batch keys over a base config, each validated as a config of its own. */
export function batchMembers(raw: Record<string, unknown>, base: NnlifRunConfig, specs: { key: BatchKey; values: number[] }[]): { members: NnlifMember[]; batch: NnlifBatch } {
  const total = specs.reduce((p, s) => p * s.values.length, 1);
  if (total > MAX_BATCH_MEMBERS) throw new ConfigError('--batch', `gives ${total} members; at most ${MAX_BATCH_MEMBERS}`);
  // Each distinct value of each key is checked once, as a whole config (ranges, VR < VF, …).
  for (const s of specs) {
    for (const v of s.values) {
      const name = s.key.slice('nnlif.'.length);
      const trial = { ...raw, nnlif: { ...((raw.nnlif as object | undefined) ?? {}), [name]: v } };
      try {
        resolveNnlifRunConfig(trial);
      } catch (e) {
        if (e instanceof ConfigError) throw new ConfigError(`--batch ${s.key}=${v}`, e.message.replace(/^config error: /, ''));
        throw e;
      }
    }
  }
  const members: NnlifMember[] = [];
  const values: number[][] = [];
  const index = new Array<number>(specs.length).fill(0);
  for (let k = 0; k < total; k++) {
    const member = { ...memberOf(base) };
    const row: number[] = [];
    specs.forEach((s, j) => {
      const v = s.values[index[j]!]!;
      member[s.key.slice('nnlif.'.length) as keyof NnlifMember] = v;
      row.push(v);
    });
    members.push(member);
    values.push(row);
    // The last key varies fastest.
    for (let j = specs.length - 1; j >= 0; j--) {
      index[j]!++;
      if (index[j]! < specs[j]!.values.length) break;
      index[j] = 0;
    }
  }
  return { members, batch: { keys: specs.map((s) => s.key), values } };
}

export async function nnlifRunCommand(raw: Record<string, unknown>, options: NnlifRunOptions, version: string, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<NnlifSummary> {
  const config = resolveNnlifRunConfig(raw);
  const specs = parseBatch(options.batch ?? []);
  const { members, batch } = specs.length ? batchMembers(raw, config, specs) : { members: [memberOf(config)], batch: undefined };
  const M = members.length;
  const samples = Math.floor(config.time.steps / config.output.every) + 2;
  if (M * samples > 1e8) throw new ConfigError('output.every', `${M} members × ${samples} samples of N exceed 1e8 values; record every k-th step with a larger output.every (now ${config.output.every})`);
  return withGpuAndFolder(options.out, { force: !!options.force, command: 'run', version }, async (ctx, reservation) => {
    await refuseLongRun(config.time.steps, !!options.allowLong, async () => (await runNnlif(ctx, calibrationConfig(config), {}, members)).stepsPerSecond);
    if (!options.quiet) {
      log(`kinfire ${version}: model nnlif (Fokker–Planck PDE), ${M === 1 ? 'one member' : `${M} members (${batch!.keys.join(' × ')})`}, ${config.grid.nv} nodes on [${config.nnlif.vmin.toPrecision(4)}, ${config.nnlif.firing.kind === 'soft' ? config.nnlif.firing.vmax : config.nnlif.VF}], dt = ${config.time.dt.toPrecision(4)}, ${config.time.steps} steps to T = ${config.time.T}`);
      log(`adapter: ${describeAdapter(ctx.adapterInfo)} (${ctx.runtime})`);
    }
    const progress = progressReporter('run', process.stderr, options.quiet);
    const snapshots: NnlifSnapshotFile[] = [];
    try {
      return await reservation.produce(async (pending) => {
        const grid = nnlifRunGrid(config);
        const result = await runNnlif(
          ctx,
          config,
          {
            onProgress: (p) => progress.update(p),
            onSnapshot: (s) => writeNnlifSnapshot(pending, snapshots, config, grid, s, M),
            onWarning: (w) => log(`warning: ${w}`),
          },
          members,
        );
        progress.stop();
        const summary = makeNnlifSummary(config, result, ctx.adapterInfo, ctx.runtime, snapshots, version, batch);
        pending.write('summary.json', `${JSON.stringify(summary, null, 2)}\n`);
        if (batch) {
          pending.write('batch.csv', nnlifBatchCsv(batch, result));
          pending.write('N_batch.npy', nnlifBatchNpy(result));
          pending.write('N_batch.png', nnlifBatchPng(config, batch, result));
        } else {
          pending.write('activity.csv', nnlifActivityCsv(config, result));
          pending.write('run.png', await nnlifRunFigure(config, result));
        }
        if (result.status !== 'ok') log(`run stopped: ${result.status}: ${result.message}`);
        else if (batch && summary.batch!.statuses.blowup) log(`${summary.batch!.statuses.blowup} of ${M} members blew up (batch.csv)`);
        return summary;
      });
    } finally {
      progress.stop();
    }
  });
}
