/**
 * The spec of `kinfire sweep`: a command, a base config and the points, each point the base config with
 * `--set`-style key paths applied (applyOverrides, models/config.ts). Everything that can reject a sweep
 * (the spec's own keys, every point's config as its command resolves it, the shard) is checked here,
 * before anything is written.
 *
 *   { "command": "steady" | "run" | "particles" | "bifurcation" | "compare" | "study",
 *     "config": "base.json" (relative to the spec) | "base": { …config… },  "set": ["params.a=0.4", …],
 *     "options": { "stabilityTime": 30, … },
 *     "product": { "params.b": [0.5, 1], "params.gin": { "from": -1, "to": 0, "n": 3 } }
 *       | "points": [ { "params.b": 0.5, "params.gin": -1 }, … ],
 *     "batch": true (nnlif run points that differ only in member parameters: one batched solve per group) }
 *
 * A product varies its last key fastest (as `run --batch` does). Point ids are the point's index and its
 * values, e.g. `003_b=1_gin=-0.5`: stable for a given spec, readable, and safe as a file name.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { applyOverrides, ConfigError, familyOf, resolveConfig, resolveNnlifRunConfig, resolveParticleConfig } from '../models/config';
import { resolveElapsedRunConfig, resolveFieldRunConfig } from '../models/registry';
import { num, parseWith } from '../models/schema';
import { bifurcationOptions, resolveBifurcation } from './bifurcationCommand';
import { checkCompareInput } from './compareCommand';
import { parseStudyInput } from './studyCommand';

export const SWEEP_COMMANDS = ['run', 'steady', 'particles', 'bifurcation', 'compare', 'study'] as const;
export type SweepCommandName = (typeof SWEEP_COMMANDS)[number];
/** At most this many points in one sweep (each is a folder). */
export const MAX_SWEEP_POINTS = 100_000;

/** A value a key takes: what `--set key=JSON` accepts. */
const valueSchema = z.union([z.number(), z.string(), z.boolean(), z.array(z.unknown()), z.record(z.string(), z.unknown())]);
/** `{from, to, n}`: n ≥ 2 equally spaced values from `from` to `to` (both included). */
const rangeSchema = z.strictObject({ from: num(), to: num(), n: num({ min: 2, max: MAX_SWEEP_POINTS, integer: true }) });
const keyListSchema = z.union([z.array(valueSchema).min(1, { error: 'must list at least one value' }), rangeSchema], { error: 'must be a non-empty list of values or {"from", "to", "n"}' });

/** Options of each command that a spec may give (those of the command line that change its result). */
const optionSchemas = {
  run: z.strictObject({ allowLong: z.boolean().default(false), checkpointEvery: num({ min: 0 }).optional() }),
  particles: z.strictObject({ allowLong: z.boolean().default(false), checkpointEvery: num({ min: 0 }).optional() }),
  steady: z.strictObject({
    stabilityTime: num({ min: 0, minOpen: true }).default(30),
    stabilityNv: num({ min: 8, max: 65536, integer: true }).default(400),
    pointsPerDecade: num({ min: 0, max: 100, minOpen: true }).optional(),
  }),
  // a diagram at each point (`kinfire bifurcation`'s options; its ranges are checked by the command, point by point)
  bifurcation: z.strictObject({
    param: z.string().min(1),
    from: num(),
    to: num(),
    n: num({ integer: true }).optional(),
    stabilityTime: num().optional(),
    stabilityNv: num({ integer: true }).optional(),
    bisections: num({ integer: true }).optional(),
    population: z.string().optional(),
    pointsPerDecade: num().optional(),
    width: num({ integer: true }).optional(),
    height: num({ integer: true }).optional(),
    checkpointEvery: num({ min: 0 }).optional(),
  }),
  // particles against the PDE at each point: the counts as --counts takes them ("1e3,1e4") or as a list
  compare: z.strictObject({
    counts: z.union([z.string().min(1), z.array(z.number()).min(2)], { error: 'must be a list of counts or a text like "1e4,1e5"' }).optional(),
    checkpointEvery: num({ min: 0 }).optional(),
  }),
  // the ε-study at each point (`kinfire study eps`): ε and grids as lists or as the command line's text
  study: z.strictObject({
    kind: z.literal('eps', { error: 'must be "eps" (the one study kinfire has)' }).default('eps'),
    eps: z.union([z.string().min(1), z.array(z.number()).min(1)], { error: 'must be a list of ε or a text like "0.1,0.05"' }).optional(),
    grids: z.union([z.string().min(1), z.array(z.union([z.number(), z.string()])).min(1)], { error: 'must be a list of grids or a text like "32,64"' }).optional(),
    t0: num().optional(),
    checkpointEvery: num({ min: 0 }).optional(),
  }),
} as const;

/** A list option of a spec (compare's counts, the study's ε and grids) as the command line gives it: "a,b,c". */
export const listText = (list: unknown): string | undefined => (list === undefined ? undefined : Array.isArray(list) ? list.join(',') : String(list));

/** The options of `kinfire study` for a study point (all but the folder and the config). */
export function studyPointOptions(o: Record<string, unknown>): { eps?: string; grids?: string; t0?: string; checkpointEvery?: number } {
  return {
    ...(o.eps !== undefined ? { eps: listText(o.eps)! } : {}),
    ...(o.grids !== undefined ? { grids: listText(o.grids)! } : {}),
    ...(o.t0 !== undefined ? { t0: String(o.t0) } : {}),
    ...(o.checkpointEvery !== undefined ? { checkpointEvery: o.checkpointEvery as number } : {}),
  };
}

const specSchema = z.strictObject({
  command: z.enum(SWEEP_COMMANDS, { error: `must be one of ${SWEEP_COMMANDS.map((c) => JSON.stringify(c)).join(', ')}` }),
  /** the base config file, relative to the spec's folder */
  config: z.string().min(1).optional(),
  /** the base config inline (instead of `config`) */
  base: z.record(z.string(), z.unknown()).optional(),
  /** overrides of the base, as --set takes them */
  set: z.array(z.string()).default([]),
  options: z.record(z.string(), z.unknown()).default({}),
  product: z.record(z.string(), keyListSchema).optional(),
  points: z.array(z.record(z.string(), valueSchema)).optional(),
  /** solve the points of an nnlif `run` that differ only in member parameters as one batch (sweepBatch.ts) */
  batch: z.boolean().default(true),
});

export interface SweepPoint {
  /** index in the spec's order */
  index: number;
  /** stable, readable, file-name-safe */
  id: string;
  /** key path → value */
  values: Record<string, unknown>;
  /** the base config with the point's values applied, before the command's schema */
  raw: Record<string, unknown>;
}

export interface SweepPlan {
  command: SweepCommandName;
  /** the swept keys, in the spec's order */
  keys: string[];
  /** the base config (file and `set` applied) */
  base: Record<string, unknown>;
  options: Record<string, unknown>;
  points: SweepPoint[];
  /** the swept keys' value lists for a product (for a heatmap), null for an explicit list */
  axes: Record<string, unknown[]> | null;
  /** sha256 of the plan's canonical JSON: a folder holds one sweep */
  hash: string;
  /**
   * batch the points of an nnlif `run` within a task (default true). Not part of the hash: a point's results
   * are the same either way, so a sweep may be continued with batching on or off.
   */
  batch: boolean;
}

const specError = (where: string, e: unknown): never => {
  if (e instanceof ConfigError) throw new ConfigError(`--spec ${where}`, e.message.replace(/^config error: /, ''));
  throw e;
};

function readJson(path: string, field: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(field, `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ConfigError(field, `${path} is not valid JSON: ${(e as Error).message}`);
  }
}

/** The values of one product key. */
function keyValues(list: z.output<typeof keyListSchema>): unknown[] {
  if (Array.isArray(list)) return list;
  return Array.from({ length: list.n }, (_, k) => (k === list.n - 1 ? list.to : list.from + ((list.to - list.from) * k) / (list.n - 1)));
}

/** A value as it appears in a point id: numbers as JavaScript prints them, anything else reduced to [A-Za-z0-9.+-]. */
function idValue(v: unknown): string {
  const text = typeof v === 'number' ? String(v) : typeof v === 'string' ? v : JSON.stringify(v);
  return text.replace(/[^A-Za-z0-9.+-]+/g, '-').slice(0, 40) || '-';
}

/** The short name of each key: its last path component, or the whole path where two keys share it. */
function shortNames(keys: string[]): Record<string, string> {
  const last = (k: string) => k.split('.').pop()!;
  const counts = new Map<string, number>();
  for (const k of keys) counts.set(last(k), (counts.get(last(k)) ?? 0) + 1);
  return Object.fromEntries(keys.map((k) => [k, (counts.get(last(k))! > 1 ? k : last(k)).replace(/[^A-Za-z0-9.+-]+/g, '-')]));
}

export function pointId(index: number, total: number, values: Record<string, unknown>, names: Record<string, string>): string {
  const width = Math.max(3, String(total - 1).length);
  const parts = Object.entries(values).map(([k, v]) => `${names[k] ?? k}=${idValue(v)}`);
  return [String(index).padStart(width, '0'), ...parts].join('_').slice(0, 200);
}

/** Canonical JSON: object keys sorted, so that the hash does not depend on their order in the file. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Resolves a point's config as its command will, so that a bad point is refused before anything runs. */
export function checkPointConfig(command: SweepCommandName, raw: Record<string, unknown>, options: Record<string, unknown> = {}): void {
  if (command === 'bifurcation') {
    resolveBifurcation({ ...bifurcationOptions(options), raw });
    return;
  }
  if (command === 'compare') {
    checkCompareInput(raw, listText(options.counts));
    return;
  }
  if (command === 'study') {
    parseStudyInput('eps', { ...studyPointOptions(options), raw, out: 'the point' });
    return;
  }
  if (command === 'particles') {
    resolveParticleConfig(raw);
    return;
  }
  const family = familyOf(raw).name;
  if (family === 'nnlif') resolveNnlifRunConfig(raw);
  else if (family === 'elapsed') resolveElapsedRunConfig(raw);
  else if (family === 'field') resolveFieldRunConfig(raw);
  else resolveConfig(raw);
}

/** Reads, validates and expands a spec file. Throws ConfigError (exit 2) naming the field. */
export function loadSweepSpec(specPath: string): SweepPlan {
  let spec: z.output<typeof specSchema>;
  try {
    spec = parseWith(specSchema, readJson(specPath, '--spec'));
  } catch (e) {
    if (e instanceof ConfigError && e.field === '--spec') throw e;
    return specError(specPath, e);
  }
  const where = (field: string) => `${specPath}: ${field}`;
  if (spec.config !== undefined && spec.base !== undefined) throw new ConfigError(`--spec ${specPath}: config`, 'give the base config as "config" (a file) or as "base" (inline), not both');
  if ((spec.product === undefined) === (spec.points === undefined)) throw new ConfigError(`--spec ${specPath}: points`, 'give the points as "product" (value lists per key) or as "points" (an explicit list), exactly one of them');
  const baseFile = spec.config !== undefined ? resolve(dirname(resolve(specPath)), spec.config) : undefined;
  const baseRaw = baseFile ? readJson(baseFile, `--spec ${specPath}: config`) : (spec.base ?? {});
  let base: Record<string, unknown>;
  try {
    base = applyOverrides(baseRaw, spec.set) as Record<string, unknown>;
  } catch (e) {
    return specError(where(baseFile ? 'config' : 'set'), e);
  }
  let options: Record<string, unknown>;
  try {
    options = parseWith(optionSchemas[spec.command], spec.options) as Record<string, unknown>;
  } catch (e) {
    return specError(where(`options (of ${spec.command})`), e);
  }

  let valueRows: Record<string, unknown>[];
  let axes: Record<string, unknown[]> | null = null;
  if (spec.product) {
    const keys = Object.keys(spec.product);
    if (keys.length === 0) throw new ConfigError(`--spec ${specPath}: product`, 'names no key: give at least one key with its values');
    axes = Object.fromEntries(keys.map((k) => [k, keyValues(spec.product![k]!)]));
    const total = keys.reduce((p, k) => p * axes![k]!.length, 1);
    if (total > MAX_SWEEP_POINTS) throw new ConfigError(`--spec ${specPath}: product`, `gives ${total} points; at most ${MAX_SWEEP_POINTS}`);
    valueRows = [];
    const index = keys.map(() => 0);
    for (let n = 0; n < total; n++) {
      valueRows.push(Object.fromEntries(keys.map((k, j) => [k, axes![k]![index[j]!]])));
      for (let j = keys.length - 1; j >= 0; j--) {
        index[j]!++;
        if (index[j]! < axes[keys[j]!]!.length) break;
        index[j] = 0;
      }
    }
  } else {
    valueRows = spec.points!;
    if (valueRows.length === 0) throw new ConfigError(`--spec ${specPath}: points`, 'is empty: list at least one point');
    if (valueRows.length > MAX_SWEEP_POINTS) throw new ConfigError(`--spec ${specPath}: points`, `lists ${valueRows.length} points; at most ${MAX_SWEEP_POINTS}`);
  }
  const keys = [...new Set(valueRows.flatMap((row) => Object.keys(row)))];
  if (keys.length === 0) throw new ConfigError(`--spec ${specPath}: points`, 'no point sets any key');
  const names = shortNames(keys);
  const seen = new Map<string, number>();
  const points = valueRows.map((values, index): SweepPoint => {
    const id = pointId(index, valueRows.length, values, names);
    const at = `${spec.product ? 'product' : `points.${index}`} (point ${id})`;
    let raw: Record<string, unknown>;
    try {
      raw = applyOverrides(base, Object.entries(values).map(([k, v]) => `${k}=${JSON.stringify(v)}`)) as Record<string, unknown>;
      checkPointConfig(spec.command, raw, options);
    } catch (e) {
      return specError(where(at), e);
    }
    const key = canonical(values);
    if (seen.has(key)) throw new ConfigError(`--spec ${specPath}: points.${index}`, `repeats point ${seen.get(key)} (the same values)`);
    seen.set(key, index);
    return { index, id, values, raw };
  });
  const hash = createHash('sha256')
    .update(canonical({ command: spec.command, base, options, points: points.map((p) => p.values) }))
    .digest('hex');
  return { command: spec.command, keys, base, options, points, axes, hash, batch: spec.batch };
}

export interface Shard {
  /** 1-based */
  index: number;
  count: number;
  /** where it came from: --shard, or the Slurm array variables */
  source: string;
}

/** `--shard i/n` (1 ≤ i ≤ n), or under a Slurm array SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN + 1 of SLURM_ARRAY_TASK_COUNT; else the whole sweep. */
export function resolveShard(option: string | undefined, env: NodeJS.ProcessEnv = process.env): Shard {
  if (option !== undefined) {
    const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(option);
    const [i, n] = m ? [Number(m[1]), Number(m[2])] : [NaN, NaN];
    if (!m || !(n >= 1) || !(i >= 1 && i <= n)) throw new ConfigError('--shard', `must be i/n with integers 1 ≤ i ≤ n (got ${JSON.stringify(option)})`);
    return { index: i, count: n, source: '--shard' };
  }
  const id = env.SLURM_ARRAY_TASK_ID;
  if (id === undefined || id === '') return { index: 1, count: 1, source: 'the whole sweep' };
  const int = (name: string) => {
    const text = env[name];
    if (text === undefined || text === '') return undefined;
    if (!/^\d+$/.test(text)) throw new ConfigError(name, `must be a non-negative integer (got ${JSON.stringify(text)})`);
    return Number(text);
  };
  const task = int('SLURM_ARRAY_TASK_ID')!;
  const min = int('SLURM_ARRAY_TASK_MIN') ?? 0;
  const max = int('SLURM_ARRAY_TASK_MAX');
  const count = int('SLURM_ARRAY_TASK_COUNT') ?? (max !== undefined ? max - min + 1 : undefined);
  if (count === undefined) throw new ConfigError('SLURM_ARRAY_TASK_COUNT', 'is not set (nor SLURM_ARRAY_TASK_MAX): cannot tell how many shards the array has; pass --shard i/n');
  const index = task - min + 1;
  if (!(count >= 1) || index < 1 || index > count) {
    throw new ConfigError('SLURM_ARRAY_TASK_ID', `gives shard ${index} of ${count} (task ${task}, SLURM_ARRAY_TASK_MIN ${min}); it must lie in 1..${count}: submit the array as --array=0-${count - 1} or 1-${count} with no gaps, or pass --shard i/n`);
  }
  return { index, count, source: `Slurm array task ${task} (SLURM_ARRAY_TASK_MIN ${min}, SLURM_ARRAY_TASK_COUNT ${count})` };
}

/** The points of a shard: point k belongs to shard (k mod n) + 1, so neighbouring points (of similar cost) spread over the shards. */
export function shardPoints<P extends { index: number }>(points: P[], shard: Shard): P[] {
  return points.filter((p) => p.index % shard.count === shard.index - 1);
}
