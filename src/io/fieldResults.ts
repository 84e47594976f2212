/**
 * The results folder of a Wilson–Cowan field run (`kinfire field`, or `kinfire run` with model "field"):
 *   summary.json        status, the homogeneous steady states with their dispersion data, the predicted fastest
 *                       mode and the measured one (dominant mode at the end, growth rate in the linear regime)
 *   activity.csv        t,mean,max,k_dominant,amplitude,mode_x,mode_y (network: t,mean,max)
 *   dispersion.csv      k,lambda_continuum,lambda_grid along the x axis of the modes, at the initial level
 *   N_t<time>.npy       float32 N at the snapshot: shape (n,) ring, (n, n) plane (row y, column x), (M,) network
 *   N_t<time>.png       the ring's N(x), the plane's heatmap, the network's N_i
 *   N_t<time>_view.png  plane: the pattern in the visual field (the inverse retino-cortical map, retinotopy.ts)
 *   run.png             ring: N(x, t) as a space-time heatmap above the dominant mode's amplitude; else the activity
 */
import type { FieldRunResult } from '../host/fieldRun';
import type { AdapterSummary } from '../host/gpu';
import { type FieldRunConfig } from '../models/field/config';
import { linearRegimeGrowth, type MeasuredGrowth } from '../models/field/growth';
import { kernelHat, type AnalyticKernel } from '../models/field/kernels';
import type { FieldProblem } from '../models/field/problem';
import { visualFieldImage } from '../models/field/retinotopy';
import { describeSigmoid, sigmaPrime } from '../models/field/sigmoid';
import { classifyHomogeneous, type HomogeneousState } from '../models/field/steadyStates';
import { renderHeatmapPng } from '../render/png/heatmap';
import { renderLinePlotPng } from '../render/png/lineplot';
import { stackPngsVertically } from '../render/png/stack';
import { encodeNpy } from './npyFormat';
import type { PendingResults } from './resultsFolder';

export interface FieldSnapshotFile {
  t: number;
  step: number;
  npy: string;
  png: string;
  view?: string;
}

export function describeField(c: FieldRunConfig): string {
  const k = c.kernel;
  const kernel = k.kind === 'matrix' ? `W from ${k.file}` : k.kind === 'npy' ? `kernel from ${k.file}` : `${k.kind} Ae = ${k.Ae}, se = ${k.se}, Ai = ${k.Ai}, si = ${k.si}`;
  const grid = c.domain === 'network' ? `${c.n} nodes` : c.domain === 'ring' ? `ring L = ${c.L}, n = ${c.n}` : `plane L = ${c.L}, ${c.n} × ${c.n}`;
  const s = c.source;
  const source = s.kind === 'constant' ? `s = ${s.s0}` : s.kind === 'bump' ? `s = ${s.s0} + bump ${s.amplitude}` : s.kind === 'noise' ? `s = ${s.s0} + noise ${s.amplitude}` : `s = ${s.s0} + ${s.file}`;
  return `${grid}, ${kernel}, σ = ${describeSigmoid(c.sigmoid)}, ${source}`;
}

const num = (x: number) => (Number.isFinite(x) ? String(x) : '');

export function fieldActivityCsv(c: FieldRunConfig, r: FieldRunResult): string {
  const a = r.activity;
  if (c.domain === 'network') return `${['t,mean,max', ...a.t.map((t, k) => `${t},${a.mean[k]},${a.max[k]}`)].join('\n')}\n`;
  const rows = ['t,mean,max,k_dominant,amplitude,mode_x,mode_y'];
  for (let k = 0; k < a.t.length; k++) {
    const has = Number.isFinite(a.kDominant[k]!);
    rows.push(`${a.t[k]},${a.mean[k]},${a.max[k]},${num(a.kDominant[k]!)},${num(a.amplitude[k]!)},${has ? a.mode[k]![0] : ''},${has ? a.mode[k]![1] : ''}`);
  }
  return `${rows.join('\n')}\n`;
}

/** λ along the modes (m, 0), m = 0 … n/2, at level N: the continuum's (analytic kernels) and the grid's. */
export function dispersionCsv(problem: FieldProblem, N: number): string {
  const c = problem.config;
  const sp = sigmaPrime(c.sigmoid, N);
  const rows = ['k,lambda_continuum,lambda_grid'];
  const analytic = c.kernel.kind === 'mexican-hat' || c.kernel.kind === 'exponential';
  for (let m = 0; m <= c.n / 2; m++) {
    const k = (2 * Math.PI * m) / c.L;
    const cont = analytic ? -1 + kernelHat(c.kernel as AnalyticKernel, k, c.dim as 1 | 2) * sp : Number.NaN;
    rows.push(`${k},${num(cont)},${-1 + problem.multiplier![2 * m]! * sp}`);
  }
  return `${rows.join('\n')}\n`;
}

export function writeFieldSnapshot(pending: PendingResults, snapshots: FieldSnapshotFile[], c: FieldRunConfig, s: { t: number; step: number; N: Float32Array }): void {
  const stem = `N_t${s.t.toFixed(6)}`;
  pending.write(`${stem}.npy`, encodeNpy(s.N, c.dim === 2 ? [c.n, c.n] : [c.n]));
  const where = c.domain === 'network' ? `network of ${c.n} nodes` : c.domain === 'ring' ? `ring of ${c.n} points, L = ${c.L}` : `plane ${c.n}², L = ${c.L}`;
  const title = `N at t = ${s.t.toPrecision(4)}   (${where})`;
  const entry: FieldSnapshotFile = { t: s.t, step: s.step, npy: `${stem}.npy`, png: `${stem}.png` };
  if (c.dim === 2) {
    pending.write(`${stem}.png`, renderHeatmapPng(s.N, c.n, c.n, { title, xLabel: 'x', yLabel: 'y', xRange: [0, c.L], yRange: [0, c.L], colorBarLabel: 'N', width: 820, height: 720 }));
    const P = c.output.viewPixels;
    const view = visualFieldImage(s.N, c.n, P);
    pending.write(
      `${stem}_view.png`,
      renderHeatmapPng(view, 2 * P, 2 * P, { title: `N at t = ${s.t.toPrecision(4)} seen in the visual field (cortex = log(retina))`, xLabel: 'visual field, horizontal', yLabel: 'vertical', xRange: [-1, 1], yRange: [-1, 1], colorBarLabel: 'N', width: 820, height: 760 }),
    );
    entry.view = `${stem}_view.png`;
  } else {
    const x = Array.from({ length: c.n }, (_, i) => (c.dim === 1 ? i * c.dx : i));
    pending.write(`${stem}.png`, renderLinePlotPng([{ x, y: s.N, label: 'N' }], { title, xLabel: c.dim === 1 ? 'x' : 'node i', yLabel: 'N' }));
  }
  snapshots.push(entry);
}

export async function fieldRunFigure(c: FieldRunConfig, r: FieldRunResult): Promise<Buffer> {
  const a = r.activity;
  const lines = renderLinePlotPng(
    [
      { x: a.t, y: a.mean, label: 'mean N' },
      { x: a.t, y: a.max, label: 'max N' },
    ],
    { title: `activity   ${describeField(c)}`, xLabel: 't', yLabel: 'N', width: 900, height: 300 },
  );
  const parts: Buffer[] = [];
  if (c.dim === 1 && r.frameT.length > 1) {
    const F = r.frameT.length;
    const field = new Float32Array(F * c.n);
    for (let k = 0; k < F; k++) for (let i = 0; i < c.n; i++) field[i * F + k] = r.frames[k * c.n + i]!;
    const tEnd = r.frameT[F - 1]!;
    const dtf = tEnd / (F - 1);
    parts.push(renderHeatmapPng(field, F, c.n, { title: `N(x, t)   ${describeField(c)}`, xLabel: 't', yLabel: 'x', xRange: [-dtf / 2, tEnd + dtf / 2], yRange: [0, c.L], colorBarLabel: 'N', width: 900, height: 420 }));
  }
  parts.push(lines);
  if (c.dim > 0) {
    const ok = a.amplitude.map((v) => Number.isFinite(v) && v > 0);
    const t = a.t.filter((_, k) => ok[k]);
    const y = a.amplitude.filter((_, k) => ok[k]).map((v) => Math.log10(v));
    if (t.length > 1) parts.push(renderLinePlotPng([{ x: t, y, label: 'log10 amplitude' }], { title: 'the dominant mode of N: log10 of its amplitude', xLabel: 't', yLabel: 'log10 A', width: 900, height: 300 }));
  }
  return parts.length === 1 ? parts[0]! : stackPngsVertically(parts);
}

export interface FieldSummary {
  kinfire: string;
  model: 'field';
  domain: FieldRunConfig['domain'];
  T: number;
  dt: number;
  scheme: string;
  steps: number;
  t_final: number;
  status: FieldRunResult['status'];
  message?: string;
  /** the mean of N at the end (also N_final for `kinfire run`'s line) */
  N_final: number;
  N_max_final: number;
  mass_drift: null;
  homogeneous: HomogeneousState[];
  /** the homogeneous level the run started from (steady/uniform initial data) */
  initial_level: number | null;
  predicted: { mode: [number, number]; k: number; lambda: number } | null;
  measured: { mode_final: [number, number] | null; k_dominant_final: number | null; amplitude_final: number | null; linear_growth: MeasuredGrowth | null } | null;
  grid: { n: number; L: number; dx: number; points: number; fft: 'workgroup memory' | 'global passes' | null };
  adapter: AdapterSummary;
  runtime: string;
  wall_s: number;
  steps_per_s: number;
  snapshots: FieldSnapshotFile[];
  config: FieldRunConfig;
}

export function makeFieldSummary(problem: FieldProblem, level: number | null, r: FieldRunResult, adapter: AdapterSummary, runtime: string, snapshots: FieldSnapshotFile[], version: string): FieldSummary {
  const c = problem.config;
  const homogeneous = Number.isFinite(problem.wHat0) && (c.source.kind === 'constant' || c.source.kind === 'noise') ? classifyHomogeneous(c, problem.wHat0, problem.s0, problem.multiplier) : [];
  const a = r.activity;
  const last = a.t.length - 1;
  const here = level === null ? undefined : homogeneous.reduce<HomogeneousState | undefined>((best, s) => (!best || Math.abs(s.N - level) < Math.abs(best.N - level) ? s : best), undefined);
  const predicted = here?.grid ? { mode: here.grid.mode, k: here.grid.k, lambda: here.grid.lambda } : null;
  let sum = 0;
  let max = -Infinity;
  for (const v of r.N) {
    sum += v;
    max = Math.max(max, v);
  }
  return {
    kinfire: version,
    model: 'field',
    domain: c.domain,
    T: c.time.T,
    dt: c.time.dt,
    scheme: c.time.scheme,
    steps: r.steps,
    t_final: r.steps * c.time.dt,
    status: r.status,
    ...(r.message ? { message: r.message } : {}),
    N_final: sum / r.N.length,
    N_max_final: max,
    mass_drift: null,
    homogeneous,
    initial_level: level,
    predicted,
    measured:
      c.dim > 0
        ? {
            mode_final: Number.isFinite(a.kDominant[last]!) ? a.mode[last]! : null,
            k_dominant_final: Number.isFinite(a.kDominant[last]!) ? a.kDominant[last]! : null,
            amplitude_final: Number.isFinite(a.amplitude[last]!) ? a.amplitude[last]! : null,
            linear_growth: predicted ? linearRegimeGrowth(a, predicted.mode, 0.02 * Math.max(1, Math.abs(level ?? 1))) : null,
          }
        : null,
    grid: { n: c.n, L: c.L, dx: c.dx, points: problem.cells, fft: r.fftShared === undefined ? null : r.fftShared ? 'workgroup memory' : 'global passes' },
    adapter,
    runtime,
    wall_s: r.wallSeconds,
    steps_per_s: r.stepsPerSecond,
    snapshots,
    config: c,
  };
}
