/**
 * `kinfire sweep collect DIR`: the points' results in one table and one figure.
 *
 *   sweep.csv   a row per point, in the spec's order: id, the swept keys' values, status (pending, running,
 *               done, interrupted, failed), result (the command's status: ok, blowup, nonfinite), and the
 *               command's scalar results (scalarsOf). Wall times are left out, so the table depends on the
 *               inputs alone: a sweep interrupted, requeued or split into shards gives the same sweep.csv as
 *               one run through.
 *   sweep.json  the same rows as JSON, with each point's wall time and folder
 *   sweep.png   one swept key: the main quantity against it (for steady, every steady state: stable ones as
 *               dots, unstable ones as squares; for bifurcation, every fold's parameter value: the fold curves of a
 *               two-parameter map); two keys of a product: a heatmap of it over the two keys. No figure otherwise.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../models/schema';
import { renderHeatmapPng } from '../render/png/heatmap';
import { type LineSeries, renderLinePlotPng } from '../render/png/lineplot';
import { type PointStatus, type SweepFolder, type SweepManifest, writeFileAtomic } from './sweepFolder';

/** Fields of a summary that are not results of the point: versions, adapters, timings, long text. */
const NOT_RESULTS = new Set(['kinfire', 'kind', 'model', 'runtime', 'message', 'wall_s', 'steps_per_s', 'particle_steps_per_s', 'workgroup_size', 'state_slices', 'g_solve_chunks', 'T', 'dt', 'delay_steps', 'count', 'seed']);

export type Scalar = number | string | boolean | null;

/** The scalar results of a run's summary.json: its top-level numbers, booleans and status, and those of `oscillation` (elapsed). */
export function summaryScalars(summary: Record<string, unknown>): Record<string, Scalar> {
  const out: Record<string, Scalar> = {};
  for (const [k, v] of Object.entries(summary)) {
    if (NOT_RESULTS.has(k) || k === 'status') continue;
    if (typeof v === 'number' || typeof v === 'boolean' || v === null) out[k] = v;
  }
  const osc = summary.oscillation as Record<string, unknown> | undefined;
  if (osc && typeof osc === 'object') for (const [k, v] of Object.entries(osc)) if (typeof v === 'number' || typeof v === 'boolean' || v === null) out[`oscillation_${k}`] = v;
  const pops = summary.populations as { name?: string; N_final?: number; N_mean?: number | null }[] | undefined;
  if (Array.isArray(pops) && pops.length > 1) {
    for (const p of pops) {
      if (typeof p.N_final === 'number') out[`N_final_${p.name}`] = p.N_final;
      if (p.N_mean !== undefined) out[`N_mean_${p.name}`] = p.N_mean;
    }
  }
  return out;
}

/** The scalars of a steady point (steady.json): how many states, how many stable, the smallest and largest stable N (the first population's, for a network). */
export function steadyScalars(report: { steady?: { N: number | number[]; stable: boolean }[] }): Record<string, Scalar> {
  const states = report.steady ?? [];
  const N = (s: { N: number | number[] }) => (Array.isArray(s.N) ? s.N[0]! : s.N);
  const stable = states.filter((s) => s.stable).map(N);
  return {
    n_states: states.length,
    n_stable: stable.length,
    N_stable_min: stable.length ? Math.min(...stable) : null,
    N_stable_max: stable.length ? Math.max(...stable) : null,
  };
}

/** A diagram's points (bifurcation.json → folds) as the table gives them. */
interface DiagramPoint {
  kind: string;
  param: number;
  N: number;
}

/**
 * The scalars of a bifurcation point (bifurcation.json): its number of states over all values, its folds and other
 * located points by kind, and each fold's parameter value and N in the diagram's order (fold_1_param, fold_1_N, …).
 */
export function bifurcationScalars(report: { states?: { N: number[] }[]; folds?: DiagramPoint[] }): Record<string, Scalar> {
  const points = report.folds ?? [];
  const folds = points.filter((f) => f.kind === 'fold');
  const out: Record<string, Scalar> = {
    n_states: (report.states ?? []).reduce((sum, s) => sum + s.N.length, 0),
    n_folds: folds.length,
    n_quiescent: points.filter((f) => f.kind === 'quiescent').length,
    n_infinity: points.filter((f) => f.kind === 'infinity').length,
  };
  folds.forEach((f, k) => {
    out[`fold_${k + 1}_param`] = f.param;
    out[`fold_${k + 1}_N`] = f.N;
  });
  return out;
}

/**
 * The scalars of a compare point (compare.json): the fitted exponents of the two errors against the count, and
 * each count's errors (L1_hist_<count>, L1_N_<count>).
 */
export function compareScalars(report: { fits?: { L1_hist?: { exponent: number } | null; L1_N?: { exponent: number } | null }; rows?: { count: number; L1_hist: number; L1_N: number }[] }): Record<string, Scalar> {
  const out: Record<string, Scalar> = { L1_hist_exponent: report.fits?.L1_hist?.exponent ?? null, L1_N_exponent: report.fits?.L1_N?.exponent ?? null };
  for (const row of report.rows ?? []) {
    out[`L1_hist_${row.count}`] = row.L1_hist;
    out[`L1_N_${row.count}`] = row.L1_N;
  }
  return out;
}

/** The ε-rates a study point reports (study.json → grids[].rates): the slope of log(error) against log(ε). */
const STUDY_RATES = ['n_L1_T', 'n_L1_max_t0', 'N_max_t0', 'p_L1_T'] as const;

/**
 * The scalars of a study point (study.json): the observed ε-rates of each grid (rate_n_L1_T, rate_N_max_t0, …;
 * with several grids suffixed by the grid, rate_n_L1_T_64x32) and the limit's N at T.
 */
export function studyScalars(report: { grids?: { grid: { nv: number; ng: number }; rates: Record<string, { slope: number | null }>; limit?: { N_T?: number } }[] }): Record<string, Scalar> {
  const grids = report.grids ?? [];
  const out: Record<string, Scalar> = {};
  for (const g of grids) {
    const suffix = grids.length > 1 ? `_${g.grid.nv}x${g.grid.ng}` : '';
    for (const key of STUDY_RATES) out[`rate_${key}${suffix}`] = g.rates[key]?.slope ?? null;
    if (typeof g.limit?.N_T === 'number') out[`limit_N_T${suffix}`] = g.limit.N_T;
  }
  return out;
}

/** The commands whose points write one JSON report of their own (not summary.json): its file, the point's result, its scalars. */
const REPORTS: Record<string, { file: string; result(report: Record<string, unknown>): string | null; scalars(report: Record<string, unknown>): Record<string, Scalar> }> = {
  bifurcation: { file: 'bifurcation.json', result: () => 'ok', scalars: (r) => bifurcationScalars(r as Parameters<typeof bifurcationScalars>[0]) },
  compare: { file: 'compare.json', result: (r) => (typeof r.status === 'string' ? r.status : null), scalars: (r) => compareScalars(r as Parameters<typeof compareScalars>[0]) },
  study: { file: 'study.json', result: (r) => (r.ok ? 'ok' : 'stopped'), scalars: (r) => studyScalars(r as Parameters<typeof studyScalars>[0]) },
};

/** The quantity each command's figure shows by default: the first of these its points have. */
const MAIN_QUANTITIES: Record<string, string[]> = { steady: ['n_stable'], particles: ['N_mean', 'N_final'], bifurcation: ['n_folds'], compare: ['L1_hist_exponent'], study: ['rate_n_L1_T'] };

export interface CollectedRow {
  id: string;
  index: number;
  values: Record<string, unknown>;
  status: PointStatus;
  result: string | null;
  scalars: Record<string, Scalar>;
  wall_s: number | null;
  folder: string;
  /** steady: every state (N of the first population, stable) for the figure */
  states?: { N: number; stable: boolean }[];
}

function readJson(path: string): Record<string, unknown> | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** A row per point of the manifest, from the points' folders (the truth) and, for points without one, the manifest's status. */
export function collectRows(folder: SweepFolder, manifest: SweepManifest): CollectedRow[] {
  return manifest.points.map((p): CollectedRow => {
    const disk = folder.pointOnDisk(p.id);
    const dir = folder.pointDir(p.id);
    const row: CollectedRow = { id: p.id, index: p.index, values: p.values, status: disk.state === 'done' ? 'done' : disk.state === 'interrupted' ? 'interrupted' : p.status === 'done' ? 'pending' : p.status, result: null, scalars: {}, wall_s: null, folder: `points/${p.id}` };
    if (disk.state !== 'done') return row;
    if (manifest.command === 'steady') {
      const report = readJson(join(dir, 'steady.json')) as { steady?: { N: number | number[]; stable: boolean }[] } | null;
      row.result = report ? 'ok' : null;
      if (report) {
        row.scalars = steadyScalars(report);
        row.states = (report.steady ?? []).map((s) => ({ N: Array.isArray(s.N) ? s.N[0]! : s.N, stable: s.stable }));
      }
      return row;
    }
    const reader = REPORTS[manifest.command];
    if (reader) {
      const report = readJson(join(dir, reader.file));
      if (report) {
        row.result = reader.result(report);
        row.scalars = reader.scalars(report);
        row.wall_s = typeof report.wall_s === 'number' ? report.wall_s : null;
      }
      return row;
    }
    const summary = existsSync(join(dir, 'summary.json')) ? readJson(join(dir, 'summary.json')) : null;
    if (summary) {
      row.result = typeof summary.status === 'string' ? summary.status : null;
      row.scalars = summaryScalars(summary);
      row.wall_s = typeof summary.wall_s === 'number' ? summary.wall_s : null;
    }
    return row;
  });
}

function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  const text = typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function sweepCsv(manifest: SweepManifest, rows: CollectedRow[]): string {
  const scalarColumns: string[] = [];
  for (const r of rows) for (const k of Object.keys(r.scalars)) if (!scalarColumns.includes(k)) scalarColumns.push(k);
  const header = ['id', ...manifest.keys, 'status', 'result', ...scalarColumns];
  const lines = [header.map(csvField).join(',')];
  for (const r of rows) lines.push([r.id, ...manifest.keys.map((k) => r.values[k]), r.status, r.result, ...scalarColumns.map((k) => r.scalars[k])].map(csvField).join(','));
  return `${lines.join('\n')}\n`;
}

/** The quantity a figure shows by default. */
export function mainQuantity(command: string, rows: CollectedRow[]): string {
  const has = (k: string) => rows.some((r) => typeof r.scalars[k] === 'number');
  const wanted = MAIN_QUANTITIES[command] ?? ['N_final'];
  return wanted.find(has) ?? wanted[0]!;
}

const asNumber = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : NaN);

/** Uniformly spaced numeric values (to 1e-9 of their span): heatmap cells can then sit at the values. */
function uniform(values: number[]): boolean {
  if (values.length < 2 || !values.every(Number.isFinite)) return false;
  const step = (values[values.length - 1]! - values[0]!) / (values.length - 1);
  const span = Math.abs(values[values.length - 1]! - values[0]!);
  return step !== 0 && values.every((v, k) => Math.abs(v - (values[0]! + k * step)) <= 1e-9 * span);
}

/** The figure of a sweep, or null (with why) when its keys give none. */
export function sweepFigure(manifest: SweepManifest, rows: CollectedRow[], quantity = mainQuantity(manifest.command, rows)): { png: Buffer; what: string } | { png: null; what: string } {
  const keys = manifest.keys;
  const title = `kinfire sweep: ${manifest.command}, ${rows.filter((r) => r.status === 'done').length} of ${rows.length} points done`;
  if (keys.length === 1) {
    const key = keys[0]!;
    const done = rows.filter((r) => r.status === 'done' && Number.isFinite(asNumber(r.values[key])));
    if (!done.length) return { png: null, what: `no finished point with a numeric ${key}` };
    if (manifest.command === 'steady' && quantity === 'n_stable') {
      // Every steady state against the key: a bifurcation diagram sampled at the points.
      const stable = done.flatMap((r) => (r.states ?? []).filter((s) => s.stable).map((s) => [asNumber(r.values[key]), s.N] as const));
      const unstable = done.flatMap((r) => (r.states ?? []).filter((s) => !s.stable).map((s) => [asNumber(r.values[key]), s.N] as const));
      const all: LineSeries[] = [
        { x: stable.map((p) => p[0]), y: stable.map((p) => p[1]), label: 'stable', line: false, marker: 'dot', colour: '#1f77b4' },
        { x: unstable.map((p) => p[0]), y: unstable.map((p) => p[1]), label: 'unstable', line: false, marker: 'square', colour: '#d62728' },
      ];
      const series = all.filter((s) => s.x.length > 0);
      if (!series.length) return { png: null, what: 'no steady state at any finished point' };
      return { png: renderLinePlotPng(series, { title, xLabel: key, yLabel: 'N (steady states)' }), what: `every steady state N against ${key}` };
    }
    if (manifest.command === 'bifurcation' && quantity === 'n_folds') {
      // Every fold's parameter value against the key: the fold curves of a two-parameter bifurcation map.
      const folds = done.flatMap((r) => Object.entries(r.scalars).filter(([k]) => /^fold_\d+_param$/.test(k)).map(([, f]) => [asNumber(r.values[key]), asNumber(f)] as const));
      if (!folds.length) return { png: null, what: 'no fold at any finished point' };
      return {
        png: renderLinePlotPng([{ x: folds.map((p) => p[0]), y: folds.map((p) => p[1]), label: 'fold (saddle-node)', line: false, marker: 'diamond', colour: '#222222' }], { title, xLabel: key, yLabel: `${String(manifest.options.param ?? 'the parameter')} at the folds` }),
        what: `every fold's parameter value against ${key}`,
      };
    }
    const sorted = done.filter((r) => Number.isFinite(asNumber(r.scalars[quantity]))).sort((a, b) => asNumber(a.values[key]) - asNumber(b.values[key]));
    if (!sorted.length) return { png: null, what: `no finished point has a numeric ${quantity}` };
    return {
      png: renderLinePlotPng([{ x: sorted.map((r) => asNumber(r.values[key])), y: sorted.map((r) => asNumber(r.scalars[quantity])), label: quantity }], { title, xLabel: key, yLabel: quantity }),
      what: `${quantity} against ${key}`,
    };
  }
  if (keys.length === 2 && manifest.axes) {
    const [kx, ky] = [keys[1]!, keys[0]!]; // the last key varies fastest: it runs along x
    const xs = manifest.axes[kx]!.map(asNumber);
    const ys = manifest.axes[ky]!.map(asNumber);
    if (!xs.every(Number.isFinite) || !ys.every(Number.isFinite)) return { png: null, what: 'a heatmap needs numeric values of both keys' };
    const field = new Float64Array(xs.length * ys.length).fill(NaN);
    for (const r of rows) {
      if (r.status !== 'done') continue;
      const i = xs.indexOf(asNumber(r.values[kx]));
      const j = ys.indexOf(asNumber(r.values[ky]));
      if (i >= 0 && j >= 0) field[j * xs.length + i] = asNumber(r.scalars[quantity]);
    }
    const range = (vals: number[]): [number, number] => {
      if (!uniform(vals)) return [-0.5, vals.length - 0.5];
      const h = (vals[vals.length - 1]! - vals[0]!) / (vals.length - 1);
      return h > 0 ? [vals[0]! - h / 2, vals[vals.length - 1]! + h / 2] : [vals[vals.length - 1]! + h / 2, vals[0]! - h / 2];
    };
    const increasing = (vals: number[]) => uniform(vals) && vals[vals.length - 1]! > vals[0]!;
    if ((uniform(xs) && !increasing(xs)) || (uniform(ys) && !increasing(ys))) return { png: null, what: 'a heatmap needs the values of each key in increasing order' };
    const label = (k: string, vals: number[]) => (uniform(vals) ? k : `${k} (index of its values)`);
    return {
      png: renderHeatmapPng(field, xs.length, ys.length, { title, xLabel: label(kx, xs), yLabel: label(ky, ys), xRange: range(xs), yRange: range(ys), colorBarLabel: quantity }),
      what: `${quantity} over ${kx} × ${ky}`,
    };
  }
  return { png: null, what: keys.length === 2 ? 'two keys given as an explicit list: a heatmap needs a product' : `${keys.length} swept keys: a figure shows one or two` };
}

export interface CollectResult {
  rows: CollectedRow[];
  counts: Record<string, number>;
  figure: string;
  files: string[];
}

/** Writes sweep.csv, sweep.json and (where the keys give one) sweep.png into the sweep folder, each atomically. */
export function collectSweep(folder: SweepFolder, manifest: SweepManifest, version: string, quantity?: string): CollectResult {
  const rows = collectRows(folder, manifest);
  if (quantity !== undefined) {
    const known = [...new Set(rows.flatMap((r) => Object.keys(r.scalars)))];
    if (known.length && !known.includes(quantity)) throw new ConfigError('--quantity', `is not a result of these points; their scalars are ${known.join(', ')}`);
  }
  const counts: Record<string, number> = {};
  for (const r of rows) counts[r.status] = (counts[r.status] ?? 0) + 1;
  const files = ['sweep.csv', 'sweep.json'];
  writeFileAtomic(join(folder.dir, 'sweep.csv'), sweepCsv(manifest, rows));
  const figure = sweepFigure(manifest, rows, quantity ?? mainQuantity(manifest.command, rows));
  if (figure.png) {
    writeFileAtomic(join(folder.dir, 'sweep.png'), figure.png);
    files.push('sweep.png');
  }
  const json = {
    kinfire: version,
    kind: 'sweep-collect',
    command: manifest.command,
    keys: manifest.keys,
    hash: manifest.hash,
    counts,
    figure: figure.png ? { file: 'sweep.png', shows: figure.what } : { file: null, why: figure.what },
    points: rows.map(({ states: _states, ...r }) => r),
  };
  writeFileAtomic(join(folder.dir, 'sweep.json'), `${JSON.stringify(json, null, 2)}\n`);
  return { rows, counts, figure: figure.what, files };
}
