/**
 * The ε-study: how fast the kinetic model (`vc`, parameter ε) approaches its ε → 0 limit (`vc-limit`)
 * as ε decreases, measured on the discrete solutions, next to the discretization error of the limit
 * solution itself.
 *
 * For each grid, the limit model runs once and the kinetic model runs once per ε, all from the same
 * n0(v) on the same grid with the same dt (dt does not depend on ε: the g-step is stable for any ε, so
 * the cost of a run is independent of ε). The kinetic initial g-profile is the local equilibrium
 * (well-prepared data) or the config's Gaussian, as `initial.prepared` says; the limit run always
 * starts from n0 × the equilibrium. The error measures (all absolute):
 *
 * - n-errors: ‖nε(·,t) − n(·,t)‖_L1 = Σ_i |nε_i − n_i| Δv, with n = ∫ p dg, at the sampled times
 *   t = kT/8 (k = 1..8) and t0; reported at T/4, T/2, 3T/4 and T, and as the max over the sampled times
 *   in (0, T] and in [t0, T];
 * - N-errors: |Nε(t) − N(t)| at every step; reported at T/4, T/2, 3T/4 and T, and as the max over [0, T]
 *   and over [t0, T] (t0 = T/4 by default): without and with the initial layer;
 * - p-error: ‖pε(·,·,T) − p(·,·,T)‖_L1 over (v, g): the distance of the kinetic density from the limit's
 *   n × equilibrium, which carries the initial layer of ill-prepared data in g.
 *
 * The observed rate of a measure is the least-squares slope of log(error) against log(ε) over the ε of
 * a grid, counting only errors above the f32 noise floor (ERROR_NOISE_FLOOR). The discretization error
 * of the limit solution on grid k is the difference from the next finer grid: ‖n_k − R n_{k+1}‖_L1 at T
 * (R the exact cell average of the finer piecewise-constant n onto the coarser cells), and
 * max_t |N_k(t) − N_{k+1}(t)| (the finer N linearly interpolated to the coarser step times).
 */
import { ConfigError, type KinfireConfig, resolveConfig } from '../models/config';
import { gridOf, voltageMarginalOf } from '../models/discretization';
import { type AdapterSummary, type GpuContext } from './gpu';
import { checkGridFits } from './kineticSolver';
import { type RunsCheckpointing, type SequenceRun, sequenceRun } from './blockLoop';
import { type KineticRunHost, type RunProgress, type RunStatus, runSimulation, snapshotSteps } from './run';

/** ε must lie in the range the config accepts for params.eps. */
export const EPS_MIN = 1e-12;
export const EPS_MAX = 1e6;
export const GRID_MIN = 8;
export const GRID_MAX = 65536;
/**
 * Errors at or below this are f32 rounding, not ε-error: the unit roundoff is 6e-8 and a whole run
 * agrees with its f64 twin to about 1e-6 (docs/scheme.md). They are reported but left out of the fits.
 */
export const ERROR_NOISE_FLOOR = 1e-6;
/** Fractions of T at which errors are reported individually. */
export const REPORT_FRACTIONS = [0.25, 0.5, 0.75, 1] as const;
export const REPORT_LABELS = ['T/4', 'T/2', '3T/4', 'T'] as const;
/**
 * The density is read back at kT/SAMPLES_PER_T (k = 1..SAMPLES_PER_T), at T·2^-k (k = 1..LAYER_SAMPLES,
 * to see the initial layer, whose width is ε), and at t0; each rounded to the nearest step, t = 0 left out.
 */
export const SAMPLES_PER_T = 8;
export const LAYER_SAMPLES = 12;

/** The sampled times of the density for a final time T and t0 (before rounding to steps). */
export function densitySampleTimes(T: number, t0: number): number[] {
  const uniform = Array.from({ length: SAMPLES_PER_T }, (_, k) => ((k + 1) * T) / SAMPLES_PER_T);
  const layer = Array.from({ length: LAYER_SAMPLES }, (_, k) => T * 2 ** -(k + 1));
  return [...new Set([...uniform, ...layer, ...(t0 > 0 ? [t0] : [])])].sort((a, b) => a - b);
}

/** A grid of the study: `nv × ng` cells. */
export interface StudyGrid {
  nv: number;
  ng: number;
}

export type GridToken = { size: number } | StudyGrid;

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** `--eps 0.1,0.05,...`: numbers in [1e-12, 1e6], deduplicated, largest first. */
export function parseEpsList(text: string | undefined, option = '--eps'): number[] {
  const problem = "must be a comma-separated list of numbers in [1e-12, 1e6], e.g. 0.1,0.05,0.02";
  if (typeof text !== 'string' || !text.trim()) throw new ConfigError(option, `${problem} (got nothing)`);
  const values = text.split(',').map((token) => {
    const t = token.trim();
    const x = Number(t);
    if (!NUMBER.test(t) || !Number.isFinite(x) || x < EPS_MIN || x > EPS_MAX) {
      throw new ConfigError(option, `${problem} (got ${JSON.stringify(t)} in ${JSON.stringify(text)})`);
    }
    return x;
  });
  return [...new Set(values)].sort((a, b) => b - a);
}

/**
 * `--grids 64,128` or `--grids 64x32,128x64`: a size s means nv = s and ng = round(s·ng/nv) of the
 * config's grid (its aspect ratio; at least 8), an explicit NVxNG is taken as it is. Integers in
 * [8, 65536]; deduplicated and sorted from coarse to fine.
 */
export function parseGridList(text: string | undefined, option = '--grids'): GridToken[] {
  const problem = `must be a comma-separated list of integers in [${GRID_MIN}, ${GRID_MAX}] (cells in v; ng keeps the config's ng/nv) or NVxNG pairs, e.g. 64,128 or 64x32,128x64`;
  if (typeof text !== 'string' || !text.trim()) throw new ConfigError(option, `${problem} (got nothing)`);
  const integer = (t: string) => {
    const x = Number(t);
    if (!/^\+?\d+$/.test(t) || !Number.isInteger(x) || x < GRID_MIN || x > GRID_MAX) {
      throw new ConfigError(option, `${problem} (got ${JSON.stringify(t)} in ${JSON.stringify(text)})`);
    }
    return x;
  };
  return text.split(',').map((token) => {
    const t = token.trim();
    const pair = t.split(/[x×]/i);
    if (pair.length === 2) return { nv: integer(pair[0].trim()), ng: integer(pair[1].trim()) };
    return { size: integer(t) };
  });
}

/** The grids of a study from the tokens of --grids (none: the config's grid). */
export function resolveStudyGrids(tokens: GridToken[] | undefined, base: KinfireConfig): StudyGrid[] {
  if (!tokens || tokens.length === 0) return [{ nv: base.grid.nv, ng: base.grid.ng }];
  const ratio = base.grid.ng / base.grid.nv;
  const grids = tokens.map((t) => ('size' in t ? { nv: t.size, ng: Math.min(65535, Math.max(GRID_MIN, Math.round(t.size * ratio))) } : t));
  const unique = new Map(grids.map((g) => [`${g.nv}x${g.ng}`, g]));
  return [...unique.values()].sort((a, b) => a.nv * a.ng - b.nv * b.ng || a.nv - b.nv);
}

export const gridLabel = (g: StudyGrid) => `${g.nv}x${g.ng}`;

/** Least-squares slope of log(y) against log(x), over the points with y > floor. */
export function logLogSlope(x: number[], y: (number | null)[], floor = 0): { slope: number | null; intercept: number | null; points: number } {
  const lx: number[] = [];
  const ly: number[] = [];
  x.forEach((xi, k) => {
    const yi = y[k];
    if (yi !== null && Number.isFinite(yi) && yi > floor && xi > 0) {
      lx.push(Math.log(xi));
      ly.push(Math.log(yi));
    }
  });
  const n = lx.length;
  if (n < 2) return { slope: null, intercept: null, points: n };
  const mx = lx.reduce((s, v) => s + v, 0) / n;
  const my = ly.reduce((s, v) => s + v, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (let k = 0; k < n; k++) {
    sxx += (lx[k] - mx) ** 2;
    sxy += (lx[k] - mx) * (ly[k] - my);
  }
  if (sxx === 0) return { slope: null, intercept: null, points: n };
  const slope = sxy / sxx;
  return { slope, intercept: Math.exp(my - slope * mx), points: n };
}

/** Σ |a − b| · h */
export function l1Distance(a: ArrayLike<number>, b: ArrayLike<number>, h: number): number {
  let s = 0;
  for (let k = 0; k < b.length; k++) s += Math.abs(a[k] - b[k]);
  return s * h;
}

/**
 * Cell averages on `coarse` cells of the piecewise-constant `fine` averages, both uniform on the same
 * interval: the exact L1 projection (the mean of each pair when the fine grid has twice the cells).
 */
export function restrictCells(fine: ArrayLike<number>, coarseCells: number): Float64Array {
  const nf = fine.length;
  const out = new Float64Array(coarseCells);
  // In units of one fine cell, coarse cell c covers [c·r, (c+1)·r), r = nf / nc.
  const r = nf / coarseCells;
  for (let c = 0; c < coarseCells; c++) {
    const a = c * r;
    const b = (c + 1) * r;
    let s = 0;
    for (let f = Math.floor(a); f < Math.min(nf, Math.ceil(b)); f++) s += fine[f] * (Math.min(b, f + 1) - Math.max(a, f));
    out[c] = s / r;
  }
  return out;
}

/** y(t) of a sampled trace (t increasing), linearly interpolated. */
export function interpolate(t: ArrayLike<number>, y: ArrayLike<number>, at: number): number {
  const n = t.length;
  if (at <= t[0]) return y[0];
  if (at >= t[n - 1]) return y[n - 1];
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (t[mid] <= at) lo = mid;
    else hi = mid;
  }
  const w = (at - t[lo]) / (t[hi] - t[lo]);
  return y[lo] + w * (y[hi] - y[lo]);
}

export interface EpsStudyOptions {
  /** ε values; sorted largest first */
  eps: number[];
  /** grids of the study (default: the config's) */
  grids?: StudyGrid[];
  /** start of the window without the initial layer; default T/4 */
  t0?: number;
  hooks?: EpsStudyHooks;
  /** keep checkpoints (and resume from one): the finished runs' results and the run in progress */
  checkpoint?: RunsCheckpointing<SavedCapture, SavedCapture, KineticRunHost>;
}

export interface StudyRunInfo {
  /** 0-based index of the run in the study, and the number of runs */
  index: number;
  runs: number;
  grid: StudyGrid;
  model: 'vc' | 'vc-limit';
  eps: number | null;
  steps: number;
}

export interface EpsStudyHooks {
  onRunStart?(info: StudyRunInfo): void;
  onRunProgress?(info: StudyRunInfo, p: RunProgress): void;
  onRunEnd?(info: StudyRunInfo, run: StudyRunRecord): void;
  onWarning?(message: string): void;
}

export interface StudyRunRecord {
  model: 'vc' | 'vc-limit';
  eps: number | null;
  status: RunStatus;
  message?: string;
  steps: number;
  dt: number;
  /** the run's stepping time (GPU steps, readbacks), and the whole run with kernel compilation */
  wall_s: number;
  total_s: number;
  steps_per_s: number;
  mass_drift: number;
  N_final: number;
}

/** Errors of one kinetic run against the limit run on its grid; null where a run did not finish. */
export interface EpsErrors {
  /** ‖nε − n‖_L1 at T/4, T/2, 3T/4, T (keys REPORT_LABELS) */
  n_L1: Record<string, number | null>;
  /** |Nε − N| at T/4, T/2, 3T/4, T */
  N_err: Record<string, number | null>;
  /** max over the sampled times in (0, T] / in [t0, T] of ‖nε − n‖_L1 */
  n_L1_max: number | null;
  n_L1_max_t0: number | null;
  /** max over every step in [0, T] / in [t0, T] of |Nε − N| */
  N_max: number | null;
  N_max_t0: number | null;
  /** ‖pε(T) − p(T)‖_L1 over (v, g) */
  p_L1_T: number | null;
  /** max over the sampled times in (0, T] / in [t0, T] of ‖pε − p‖_L1 over (v, g) */
  p_L1_max: number | null;
  p_L1_max_t0: number | null;
}

export interface EpsRow {
  eps: number;
  run: StudyRunRecord;
  errors: EpsErrors;
}

export interface Rate {
  slope: number | null;
  /** e ≈ C ε^slope */
  C: number | null;
  /** how many ε entered the fit (errors above the noise floor) */
  points: number;
}

export interface GridStudy {
  grid: StudyGrid & { dv: number; dg: number; gmax: number };
  dt: number;
  steps: number;
  /** the step times at which the errors at T/4, T/2, 3T/4, T were taken (rounded to steps) */
  report_times: Record<string, number>;
  sample_times: number[];
  limit: StudyRunRecord & { N_T: number };
  rows: EpsRow[];
  /** observed ε-rates: the slope of log(error) against log(ε) */
  rates: {
    n_L1_T: Rate;
    n_L1_max: Rate;
    n_L1_max_t0: Rate;
    N_max: Rate;
    N_max_t0: Rate;
    p_L1_T: Rate;
    p_L1_max: Rate;
    p_L1_max_t0: Rate;
    n_L1_at: Record<string, Rate>;
    N_err_at: Record<string, Rate>;
  };
  /** local rates between successive ε of ‖nε(T) − n(T)‖_L1 and of max_[t0,T] |Nε − N| */
  local_rates: { n_L1_T: (number | null)[]; N_max_t0: (number | null)[] };
  /** the limit solution's difference from the next finer grid; null on the finest */
  discretization: { n_L1_T: number | null; N_max: number | null; finer: string | null };
  /** the limit run's N(t), for plots */
  limitTrace: { t: number[]; N: number[] };
  /** N(t) of each kinetic run (same times as limitTrace) */
  traces: { eps: number; N: number[] }[];
}

export interface EpsStudyResult {
  kind: 'eps';
  eps: number[];
  T: number;
  t0: number;
  prepared: boolean;
  grids: GridStudy[];
  /** total runs and their summed wall time */
  runs: number;
  wall_s: number;
  /** true when every run finished with status ok */
  ok: boolean;
  adapter: AdapterSummary;
  runtime: string;
  warnings: string[];
}

/** Fit of one error measure over the rows of a grid. */
function rateOf(rows: EpsRow[], pick: (e: EpsErrors) => number | null): Rate {
  const fit = logLogSlope(
    rows.map((r) => r.eps),
    rows.map((r) => pick(r.errors)),
    ERROR_NOISE_FLOOR,
  );
  return { slope: fit.slope, C: fit.intercept, points: fit.points };
}

function localRates(rows: EpsRow[], pick: (e: EpsErrors) => number | null): (number | null)[] {
  const out: (number | null)[] = [];
  for (let k = 0; k + 1 < rows.length; k++) {
    const a = pick(rows[k].errors);
    const b = pick(rows[k + 1].errors);
    out.push(a !== null && b !== null && a > 0 && b > 0 ? Math.log(a / b) / Math.log(rows[k].eps / rows[k + 1].eps) : null);
  }
  return out;
}

/** Apply a deep patch to a raw config object (a clone). */
function patched(raw: unknown, patch: { model: string; eps?: number; grid: StudyGrid; snapshots: number[] }): unknown {
  const root = structuredClone((raw ?? {}) as Record<string, Record<string, unknown>>);
  root.model = patch.model as never;
  root.params = { ...(root.params ?? {}) };
  if (patch.eps !== undefined) root.params.eps = patch.eps;
  root.grid = { ...(root.grid ?? {}), nv: patch.grid.nv, ng: patch.grid.ng };
  root.output = { every: 1, snapshots: patch.snapshots };
  return root;
}

/**
 * Validate a study before any run: the base config (model vc or vc-limit, which only picks the
 * defaults: the study runs both), t0 in [0, T), every grid's config. Returns the resolved configs.
 */
export function planEpsStudy(raw: unknown, options: EpsStudyOptions): { base: KinfireConfig; t0: number; plans: { grid: StudyGrid; limit: KinfireConfig; kinetic: KinfireConfig[] }[] } {
  const base = resolveConfig(raw);
  if (base.model === 'vc-threshold') {
    throw new ConfigError('model', 'the ε-study compares model vc with its limit vc-limit; vc-threshold has no limit model here (use "vc")');
  }
  if (options.eps.length === 0) throw new ConfigError('--eps', 'needs at least one value');
  for (const e of options.eps) {
    if (!(Number.isFinite(e) && e >= EPS_MIN && e <= EPS_MAX)) throw new ConfigError('--eps', `must be numbers in [${EPS_MIN}, ${EPS_MAX}] (got ${e})`);
  }
  const T = base.time.T;
  const t0 = options.t0 ?? T / 4;
  if (!(Number.isFinite(t0) && t0 >= 0 && t0 < T)) throw new ConfigError('--t0', `must be a number in [0, T) = [0, ${T}) (got ${t0})`);
  const grids = options.grids && options.grids.length ? options.grids : [{ nv: base.grid.nv, ng: base.grid.ng }];
  const samples = densitySampleTimes(T, t0);
  const eps = [...new Set(options.eps)].sort((a, b) => b - a);
  const plans = grids.map((grid) => {
    const resolve = (model: string, e?: number) => {
      try {
        return resolveConfig(patched(raw, { model, eps: e, grid, snapshots: samples }));
      } catch (err) {
        if (err instanceof ConfigError && err.field.startsWith('grid.')) throw new ConfigError('--grids', `grid ${gridLabel(grid)}: ${err.field}: ${err.problem}`);
        throw err;
      }
    };
    return { grid, limit: resolve('vc-limit'), kinetic: eps.map((e) => resolve('vc', e)) };
  });
  return { base, t0, plans };
}

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

interface Captured {
  record: StudyRunRecord;
  /** the run's warnings, in order */
  warnings: string[];
  activity: { t: number[]; N: number[] };
  /** n(v) at each sampled step */
  n: Map<number, Float64Array>;
  /** p at each sampled step: kept for the limit run (the reference) only */
  p: Map<number, Float32Array>;
  /** ‖p − p_ref‖_L1 over (v, g) at each sampled step, when a reference was given */
  pError: Map<number, number>;
}

/** A captured run as a checkpoint keeps it (its maps as [step, value] lists); a run in progress has no record yet. */
export interface SavedCapture {
  record?: StudyRunRecord;
  warnings: string[];
  activity?: { t: number[]; N: number[] };
  n: [number, Float64Array][];
  p: [number, Float32Array][];
  pError: [number, number][];
}

const saveCapture = (c: { record?: StudyRunRecord; warnings: string[]; activity?: Captured['activity']; n: Captured['n']; p: Captured['p']; pError: Captured['pError'] }): SavedCapture => ({
  ...(c.record ? { record: c.record } : {}),
  warnings: [...c.warnings],
  ...(c.activity ? { activity: c.activity } : {}),
  n: [...c.n],
  p: [...c.p],
  pError: [...c.pError],
});

const restoreCapture = (c: SavedCapture): Captured => ({ record: c.record!, warnings: c.warnings, activity: c.activity!, n: new Map(c.n), p: new Map(c.p), pError: new Map(c.pError) });

async function captureRun(ctx: GpuContext, config: KinfireConfig, info: StudyRunInfo, hooks: EpsStudyHooks, reference?: Captured, seq?: SequenceRun<SavedCapture, SavedCapture, KineticRunHost>): Promise<Captured> {
  const grid = gridOf(config);
  const partial = seq?.resumed?.partial;
  const n = new Map<number, Float64Array>(partial?.n ?? []);
  const p = new Map<number, Float32Array>(partial?.p ?? []);
  const pError = new Map<number, number>(partial?.pError ?? []);
  const warnings: string[] = [...(partial?.warnings ?? [])];
  hooks.onRunStart?.(info);
  const began = now();
  // a resumed run's total_s counts its time before the checkpoint (its stepping time, as runSimulation's wall time)
  const before = seq?.resumed?.run.host.wallSeconds ?? 0;
  const result = await runSimulation(ctx, config, {
    ...(seq?.checkpointing ? { checkpoint: seq.checkpointing(() => saveCapture({ warnings, n, p, pError })) } : {}),
    onProgress: (pr) => hooks.onRunProgress?.(info, pr),
    onSnapshot: (s) => {
      // A run that stops early reports its last good state once more (its errors are not used).
      if (n.has(s.step)) return;
      n.set(s.step, voltageMarginalOf(grid, s.p));
      if (!reference) p.set(s.step, s.p);
      const ref = reference?.p.get(s.step);
      if (ref) pError.set(s.step, l1Distance(s.p, ref, grid.dv * grid.dg));
    },
    onWarning: (w) => {
      const message = `${config.model}${config.model === 'vc' ? ` ε = ${config.params.eps}` : ''}, grid ${gridLabel(grid)}: ${w}`;
      warnings.push(message);
      hooks.onWarning?.(message);
    },
  });
  const record: StudyRunRecord = {
    model: config.model as 'vc' | 'vc-limit',
    eps: config.model === 'vc' ? config.params.eps : null,
    status: result.status,
    ...(result.message ? { message: result.message } : {}),
    steps: result.steps,
    dt: config.time.dt,
    wall_s: result.wallSeconds,
    total_s: before + (now() - began) / 1000,
    steps_per_s: result.stepsPerSecond,
    mass_drift: result.mass_drift,
    N_final: result.N_final,
  };
  hooks.onRunEnd?.(info, record);
  return { record, warnings, activity: { t: result.activity.t, N: result.activity.N }, n, p, pError };
}

function errorsAgainst(kin: Captured, lim: Captured, config: KinfireConfig, t0: number, sampleSteps: number[]): EpsErrors {
  const grid = gridOf(config);
  const dt = config.time.dt;
  const steps = config.time.steps;
  const ok = kin.record.status === 'ok' && lim.record.status === 'ok' && kin.activity.N.length === steps + 1 && lim.activity.N.length === steps + 1;
  const n_L1: Record<string, number | null> = {};
  const N_err: Record<string, number | null> = {};
  const nAt = (step: number) => {
    const a = kin.n.get(step);
    const b = lim.n.get(step);
    return ok && a && b ? l1Distance(a, b, grid.dv) : null;
  };
  REPORT_FRACTIONS.forEach((f, k) => {
    const step = Math.min(steps, Math.max(0, Math.round((f * config.time.T) / dt)));
    n_L1[REPORT_LABELS[k]] = nAt(step);
    N_err[REPORT_LABELS[k]] = ok ? Math.abs(kin.activity.N[step] - lim.activity.N[step]) : null;
  });
  if (!ok) return { n_L1, N_err, n_L1_max: null, n_L1_max_t0: null, N_max: null, N_max_t0: null, p_L1_T: null, p_L1_max: null, p_L1_max_t0: null };
  const first = Math.ceil(t0 / dt - 1e-9);
  let N_max = 0;
  let N_max_t0 = 0;
  for (let s = 0; s <= steps; s++) {
    const e = Math.abs(kin.activity.N[s] - lim.activity.N[s]);
    N_max = Math.max(N_max, e);
    if (s >= first) N_max_t0 = Math.max(N_max_t0, e);
  }
  let n_L1_max = 0;
  let n_L1_max_t0 = 0;
  let p_L1_max = 0;
  let p_L1_max_t0 = 0;
  for (const s of sampleSteps) {
    const e = nAt(s) ?? 0;
    const ep = kin.pError.get(s) ?? 0;
    n_L1_max = Math.max(n_L1_max, e);
    p_L1_max = Math.max(p_L1_max, ep);
    if (s >= first) {
      n_L1_max_t0 = Math.max(n_L1_max_t0, e);
      p_L1_max_t0 = Math.max(p_L1_max_t0, ep);
    }
  }
  return { n_L1, N_err, n_L1_max, n_L1_max_t0, N_max, N_max_t0, p_L1_T: kin.pError.get(steps) ?? null, p_L1_max, p_L1_max_t0 };
}

/**
 * Run the study: per grid, the limit model once and the kinetic model at every ε. Throws ConfigError
 * (naming the option or config field) before any GPU work when the input is bad.
 */
export async function runEpsStudy(ctx: GpuContext, raw: unknown, options: EpsStudyOptions): Promise<EpsStudyResult> {
  const { base, t0, plans } = planEpsStudy(raw, options);
  for (const plan of plans) checkGridFits(ctx.limits, plan.grid.nv, plan.grid.ng);
  const hooks = options.hooks ?? {};
  const eps = plans[0].kinetic.map((c) => c.params.eps);
  // every run in order, finished or (the last) in progress: what a checkpoint keeps
  const captured: Captured[] = [];
  const done = () => captured.map((c) => saveCapture(c));
  /** The next run of the study: a finished one of the resumed checkpoint as it was saved, the one in progress from its step, or a new one. */
  const nextRun = async (config: KinfireConfig, info: StudyRunInfo, reference?: Captured): Promise<Captured> => {
    const seq = sequenceRun(options.checkpoint, captured.length, done, config.time.steps, config.time.dt);
    const c = seq.finished ? restoreCapture(seq.finished) : await captureRun(ctx, config, info, hooks, reference, seq);
    captured.push(c);
    return c;
  };
  const runs = plans.length * (1 + eps.length);
  let index = 0;
  let wall = 0;
  let allOk = true;
  const grids: GridStudy[] = [];
  const limits: Captured[] = [];

  for (const plan of plans) {
    const config = plan.limit;
    const grid = gridOf(config);
    const sampleSteps = snapshotSteps(config).filter((s) => s > 0);
    const info = (model: 'vc' | 'vc-limit', e: number | null, c: KinfireConfig): StudyRunInfo => ({ index: index++, runs, grid: plan.grid, model, eps: e, steps: c.time.steps });
    const lim = await nextRun(config, info('vc-limit', null, config));
    wall += lim.record.total_s;
    allOk &&= lim.record.status === 'ok';
    const rows: EpsRow[] = [];
    const traces: GridStudy['traces'] = [];
    for (const kc of plan.kinetic) {
      // dt is a function of the grid, the velocity bound and T alone: the same for every ε and the limit.
      if (kc.time.steps !== config.time.steps || kc.time.dt !== config.time.dt) throw new Error(`internal: ε = ${kc.params.eps} gives dt ${kc.time.dt} (${kc.time.steps} steps), the limit ${config.time.dt} (${config.time.steps})`);
      const kin = await nextRun(kc, info('vc', kc.params.eps, kc), lim);
      wall += kin.record.total_s;
      allOk &&= kin.record.status === 'ok';
      rows.push({ eps: kc.params.eps, run: kin.record, errors: errorsAgainst(kin, lim, config, t0, sampleSteps) });
      traces.push({ eps: kc.params.eps, N: kin.activity.N });
    }
    const labelled = (pick: (e: EpsErrors, label: string) => number | null) => Object.fromEntries(REPORT_LABELS.map((l) => [l, rateOf(rows, (e) => pick(e, l))]));
    const report_times = Object.fromEntries(REPORT_FRACTIONS.map((f, k) => [REPORT_LABELS[k], Math.min(config.time.steps, Math.round((f * config.time.T) / config.time.dt)) * config.time.dt]));
    grids.push({
      grid: { nv: grid.nv, ng: grid.ng, dv: grid.dv, dg: grid.dg, gmax: grid.gmax },
      dt: config.time.dt,
      steps: config.time.steps,
      report_times,
      sample_times: sampleSteps.map((s) => s * config.time.dt),
      limit: { ...lim.record, N_T: lim.activity.N[lim.activity.N.length - 1] },
      rows,
      rates: {
        n_L1_T: rateOf(rows, (e) => e.n_L1.T),
        n_L1_max: rateOf(rows, (e) => e.n_L1_max),
        n_L1_max_t0: rateOf(rows, (e) => e.n_L1_max_t0),
        N_max: rateOf(rows, (e) => e.N_max),
        N_max_t0: rateOf(rows, (e) => e.N_max_t0),
        p_L1_T: rateOf(rows, (e) => e.p_L1_T),
        p_L1_max: rateOf(rows, (e) => e.p_L1_max),
        p_L1_max_t0: rateOf(rows, (e) => e.p_L1_max_t0),
        n_L1_at: labelled((e, l) => e.n_L1[l]),
        N_err_at: labelled((e, l) => e.N_err[l]),
      },
      local_rates: { n_L1_T: localRates(rows, (e) => e.n_L1.T), N_max_t0: localRates(rows, (e) => e.N_max_t0) },
      discretization: { n_L1_T: null, N_max: null, finer: null },
      limitTrace: lim.activity,
      traces,
    });
    // Of the limit run only n and N(t) are needed from here on (the discretization errors).
    lim.p.clear();
    limits.push(lim);
  }

  // Discretization error of the limit solution: grid k against grid k+1 (finer).
  for (let k = 0; k + 1 < grids.length; k++) {
    const coarse = limits[k];
    const fine = limits[k + 1];
    const g = grids[k];
    g.discretization.finer = gridLabel(grids[k + 1].grid);
    if (coarse.record.status !== 'ok' || fine.record.status !== 'ok' || grids[k + 1].grid.nv < g.grid.nv) continue;
    const stepsC = g.steps;
    const nc = coarse.n.get(stepsC);
    const nf = fine.n.get(grids[k + 1].steps);
    if (nc && nf) g.discretization.n_L1_T = l1Distance(nc, restrictCells(nf, g.grid.nv), g.grid.dv);
    let m = 0;
    for (let s = 0; s < coarse.activity.t.length; s++) m = Math.max(m, Math.abs(coarse.activity.N[s] - interpolate(fine.activity.t, fine.activity.N, coarse.activity.t[s])));
    g.discretization.N_max = m;
  }

  return {
    kind: 'eps',
    eps,
    T: base.time.T,
    t0,
    prepared: base.initial.prepared,
    grids,
    runs,
    wall_s: wall,
    ok: allOk,
    adapter: ctx.adapterInfo,
    runtime: ctx.runtime,
    warnings: captured.flatMap((c) => c.warnings),
  };
}
