/**
 * `kinfire run` with model "nnlif": the Fokker–Planck PDE of the NNLIF network (src/host/nnlifRun.ts),
 * one run or, with `--batch key=values`, many members solved in the same dispatches. Everything that can
 * reject the input (the config, every member's values, --out) is checked before the GPU is opened.
 */
import { describeAdapter } from '../host/gpu';
import { memberOf, nnlifRunGrids, type NnlifRunHost, runNnlif } from '../host/nnlifRun';
import type { NnlifNetworkMember } from '../host/nnlifSolver';
import { makeNnlifSummary, type NnlifBatch, nnlifActivityCsv, nnlifBatchCsv, nnlifBatchNpy, nnlifBatchPng, nnlifRunFigure, type NnlifSnapshotFile, type NnlifSummary, writeNnlifSnapshot } from '../io/nnlifResults';
import { ConfigError } from '../models/config';
import { type NnlifRunConfig } from '../models/nnlif/config';
import { resolveNnlifRunConfig } from '../models/registry';
import { calibrationConfig, refuseLongRun } from './longRuns';
import { progressReporter } from './progress';
import { withGpuAndFolder } from './gpuCommand';
import { commandResume, parseCheckpointEvery } from './checkpointing';

/** The member parameters one population varies in a batch; the grid, VF, delay, dt and firing are shared by all members. */
const SINGLE_KEYS = ['nnlif.b', 'nnlif.a0', 'nnlif.a1', 'nnlif.VR', 'nnlif.tau'] as const;
const POPULATION_KEYS = ['a0', 'VR', 'tau'] as const;
/** At most this many members in one run. */
export const MAX_BATCH_MEMBERS = 1 << 20;
/** At most this many values of N (members × populations × samples) are kept on the host by one run. */
export const MAX_BATCH_SAMPLE_VALUES = 1e8;

export interface NnlifRunOptions {
  out: string;
  force?: boolean;
  quiet?: boolean;
  allowLong?: boolean;
  batch?: string[];
  /** seconds between checkpoints (default DEFAULT_CHECKPOINT_EVERY; 0: only on a signal) */
  checkpointEvery?: number | string;
  /** continue the interrupted run in `out` (kinfire resume) */
  resume?: boolean;
}

/** A batch key: where it lives in the raw config (for checking each value) and in a member. */
interface BatchKey {
  key: string;
  /** the path in the raw config */
  path: (string | number)[];
  set(member: NnlifNetworkMember, value: number): void;
}

/** The keys a batch of a K-population network may vary. */
export function batchKeyOf(key: string, K: number): BatchKey {
  if (K === 1) {
    const one = (SINGLE_KEYS as readonly string[]).includes(key);
    if (!one) throw new ConfigError('--batch', `${key} cannot vary within a batch; batch keys: ${SINGLE_KEYS.join(', ')} (grid, VF, delay, dt and firing are shared by all members)`);
    const name = key.slice('nnlif.'.length);
    return {
      key,
      path: ['nnlif', name],
      set: (m, v) => {
        if (name === 'b') m.coupling.b[0]![0] = v;
        else if (name === 'a1') m.coupling.a1[0]![0] = v;
        else m.populations[0]![name as 'a0' | 'VR' | 'tau'] = v;
      },
    };
  }
  const matrix = /^nnlif\.(b|a1)\.(\d+)\.(\d+)$/.exec(key);
  if (matrix && Number(matrix[2]) < K && Number(matrix[3]) < K) {
    const [alpha, beta] = [Number(matrix[2]), Number(matrix[3])];
    const which = matrix[1] as 'b' | 'a1';
    return { key, path: ['nnlif', which, alpha, beta], set: (m, v) => (m.coupling[which][alpha]![beta] = v) };
  }
  const population = /^nnlif\.populations\.(\d+)\.(a0|VR|tau)$/.exec(key);
  if (population && Number(population[1]) < K) {
    const alpha = Number(population[1]);
    const name = population[2] as (typeof POPULATION_KEYS)[number];
    return { key, path: ['nnlif', 'populations', alpha, name], set: (m, v) => (m.populations[alpha]![name] = v) };
  }
  throw new ConfigError('--batch', `${key} cannot vary within a batch of ${K} populations; batch keys: nnlif.b.α.β, nnlif.a1.α.β and nnlif.populations.α.{${POPULATION_KEYS.join(',')}} with α, β < ${K}`);
}

/** `key=start:stop:count` (count ≥ 2 values from start to stop), `key=[v, …]` or `key=v,v,…`. */
export function parseBatch(specs: string[], K: number): { key: BatchKey; values: number[] }[] {
  const seen = new Set<string>();
  return specs.map((spec) => {
    const eq = spec.indexOf('=');
    if (eq <= 0) throw new ConfigError('--batch', `must look like key=start:stop:count or key=v1,v2,… (got ${JSON.stringify(spec)})`);
    const name = spec.slice(0, eq).trim();
    const key = batchKeyOf(name, K);
    if (seen.has(name)) throw new ConfigError('--batch', `${name} is given twice`);
    seen.add(name);
    const text = spec.slice(eq + 1).trim();
    let values: number[];
    const range = /^([^:]+):([^:]+):([^:]+)$/.exec(text);
    if (range) {
      const [start, stop, count] = [Number(range[1]), Number(range[2]), Number(range[3])];
      if (![start, stop].every(Number.isFinite) || !Number.isInteger(count) || count < 2) throw new ConfigError('--batch', `${name}=${text}: start:stop:count needs finite start and stop and an integer count ≥ 2`);
      values = Array.from({ length: count }, (_, k) => start + ((stop - start) * k) / (count - 1));
    } else {
      let items: unknown[];
      try {
        items = text.startsWith('[') ? (JSON.parse(text) as unknown[]) : text.split(',');
      } catch {
        items = [NaN];
      }
      values = (Array.isArray(items) ? items : [NaN]).map(Number);
      if (!values.length || !values.every(Number.isFinite)) throw new ConfigError('--batch', `${name}=${text}: the values must be finite numbers`);
    }
    return { key, values };
  });
}

/** `raw` with the value at `path` replaced (a deep copy; the arrays and objects on the way are copied). */
function withValue(raw: Record<string, unknown>, path: (string | number)[], value: number): Record<string, unknown> {
  const copy = structuredClone(raw);
  let node: Record<string | number, unknown> = copy;
  for (const [k, part] of path.entries()) {
    if (k === path.length - 1) node[part] = value;
    else {
      if (typeof node[part] !== 'object' || node[part] === null) node[part] = typeof path[k + 1] === 'number' ? [] : {};
      node = node[part] as Record<string | number, unknown>;
    }
  }
  return copy;
}

/** The members of a product of batch keys over a base config, each value checked as a config of its own. */
export function batchMembers(raw: Record<string, unknown>, base: NnlifRunConfig, specs: { key: BatchKey; values: number[] }[]): { members: NnlifNetworkMember[]; batch: NnlifBatch } {
  const total = specs.reduce((p, s) => p * s.values.length, 1);
  if (total > MAX_BATCH_MEMBERS) throw new ConfigError('--batch', `gives ${total} members; at most ${MAX_BATCH_MEMBERS}`);
  for (const s of specs) {
    for (const v of s.values) {
      try {
        resolveNnlifRunConfig(withValue(raw, s.key.path, v));
      } catch (e) {
        if (e instanceof ConfigError) throw new ConfigError(`--batch ${s.key.key}=${v}`, e.message.replace(/^config error: /, ''));
        throw e;
      }
    }
  }
  const members: NnlifNetworkMember[] = [];
  const values: number[][] = [];
  const index = new Array<number>(specs.length).fill(0);
  for (let k = 0; k < total; k++) {
    const member = memberOf(base);
    const row: number[] = [];
    specs.forEach((s, j) => {
      const v = s.values[index[j]!]!;
      s.key.set(member, v);
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
  return { members, batch: { keys: specs.map((s) => s.key.key), values } };
}

export async function nnlifRunCommand(raw: Record<string, unknown>, options: NnlifRunOptions, version: string, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<NnlifSummary> {
  const config = resolveNnlifRunConfig(raw);
  const K = config.populations.length;
  const specs = parseBatch(options.batch ?? [], K);
  const { members, batch } = specs.length ? batchMembers(raw, config, specs) : { members: [memberOf(config)], batch: undefined };
  const M = members.length;
  const samples = Math.floor(config.time.steps / config.output.every) + 2;
  if (M * K * samples > MAX_BATCH_SAMPLE_VALUES) throw new ConfigError('output.every', `${M} members × ${K} populations × ${samples} samples of N exceed 1e8 values; record every k-th step with a larger output.every (now ${config.output.every})`);
  const everySeconds = parseCheckpointEvery(options.checkpointEvery);
  return withGpuAndFolder(options.out, { force: !!options.force, command: 'run', version, ...(options.resume ? { resume: true } : {}) }, async (ctx, reservation) => {
    if (!options.resume) await refuseLongRun(config.time.steps, !!options.allowLong, async () => (await runNnlif(ctx, calibrationConfig(config), {}, members)).stepsPerSecond);
    if (!options.quiet) {
      const axes = nnlifRunGrids(config).map((g, a) => `${K > 1 ? `${config.populations[a]!.name} ` : ''}[${g.vmin.toPrecision(4)}, ${g.vtop}]`).join(', ');
      log(`kinfire ${version}: model nnlif (Fokker–Planck PDE), ${K > 1 ? `${K} populations, ` : ''}${M === 1 ? 'one member' : `${M} members (${batch!.keys.join(' × ')})`}, ${config.grid.nv} nodes on ${axes}, dt = ${config.time.dt.toPrecision(4)}, ${config.time.steps} steps to T = ${config.time.T}`);
      log(`adapter: ${describeAdapter(ctx.adapterInfo)} (${ctx.runtime})`);
    }
    const progress = progressReporter('run', process.stderr, options.quiet);
    try {
      return await reservation.produce(async (pending) => {
        const grids = nnlifRunGrids(config);
        const { checkpoint, snapshots, moved } = commandResume<NnlifRunHost, NnlifSnapshotFile>(
          pending,
          !!options.resume,
          { command: 'run', family: 'nnlif', raw, options: { allowLong: !!options.allowLong, checkpointEvery: everySeconds, batch: options.batch ?? [] }, version, adapter: ctx.adapterInfo, steps: config.time.steps, dt: config.time.dt, everySeconds },
          log,
        );
        const result = await runNnlif(
          ctx,
          config,
          {
            onProgress: (p) => progress.update(p),
            onSnapshot: (s) => writeNnlifSnapshot(pending, snapshots, config, grids, s, M),
            onWarning: (w) => log(`warning: ${w}`),
            checkpoint,
          },
          members,
        );
        progress.stop();
        if (moved) result.warnings.push(moved);
        const summary = makeNnlifSummary(config, result, ctx.adapterInfo, ctx.runtime, snapshots, version, batch);
        pending.write('summary.json', `${JSON.stringify(summary, null, 2)}\n`);
        if (batch) {
          pending.write('batch.csv', nnlifBatchCsv(config, batch, result));
          pending.write('N_batch.npy', nnlifBatchNpy(config, result));
          pending.write('N_batch.png', await nnlifBatchPng(config, batch, result));
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
