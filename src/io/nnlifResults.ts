/**
 * The results folder of an NNLIF PDE run (`kinfire run` with model "nnlif"); K populations (K = 1 for
 * the flat keys), M members (M = 1 without --batch):
 *   summary.json   status, t_blowup, and per population N_final, R, mass; for a batch, member 0 and the statuses
 *   activity.csv   t,N,mass (and R when τ > 0) of a single run; with K > 1 one column per population and
 *                  quantity: t,N_E,N_I,mass_E,mass_I[,R_E,R_I]
 *   n_t<time>.npy  float32 n at the nodes v_i = vmin + i·h: shape (nv,), (K, nv), (M, nv) or (M, K, nv)
 *   n_t<time>.png  n(v) of each population at the snapshot (a single run)
 *   run.png        n(v, t) of each population as a space-time heatmap, above N(t) (a single run)
 *   batch.csv, N_batch.npy (M × samples, or M × K × samples; float32), N_batch.png (member × time)   (a batch)
 */
import type { AdapterSummary } from '../host/gpu';
import type { NnlifRunResult } from '../host/nnlifRun';
import type { NnlifPopulationConfig, NnlifRunConfig } from '../models/nnlif/config';
import { type NnlifGrid, nodeOf } from '../models/nnlif/fokkerPlanck';
import { renderHeatmapPng } from '../render/png/heatmap';
import { renderLinePlotPng } from '../render/png/lineplot';
import { stackPngsVertically } from '../render/png/stack';
import { encodeNpy } from './npyFormat';
import type { PendingResults } from './resultsFolder';

export interface NnlifSnapshotFile {
  t: number;
  step: number;
  npy: string;
  png?: string;
}

/** A batch: the swept keys and each member's values of them. */
export interface NnlifBatch {
  keys: string[];
  values: number[][];
}

/** The shape of an array of every population of every member: the axes of length 1 dropped. */
function shapeOf(members: number, K: number, rest: number): number[] {
  return [...(members > 1 ? [members] : []), ...(K > 1 ? [K] : []), rest];
}

/** The column of a quantity for population α: `N` with one population, `N_E` with several. */
const column = (config: NnlifRunConfig, what: string, alpha: number) => (config.populations.length === 1 ? what : `${what}_${config.populations[alpha]!.name}`);

export function nnlifActivityCsv(config: NnlifRunConfig, r: NnlifRunResult): string {
  const K = config.populations.length;
  const withR = config.populations.some((p) => p.tau > 0);
  const quantities: [string, Float32Array[]][] = [
    ['N', r.N],
    ['mass', r.mass],
    ...(withR ? ([['R', r.R]] as [string, Float32Array[]][]) : []),
  ];
  const header = ['t', ...quantities.flatMap(([what]) => Array.from({ length: K }, (_, a) => column(config, what, a)))];
  const rows = [header.join(',')];
  for (let k = 0; k < r.t.length; k++) rows.push([r.t[k], ...quantities.flatMap(([, data]) => Array.from({ length: K }, (_, a) => data[a]![k]))].join(','));
  return `${rows.join('\n')}\n`;
}

function describePopulation(p: NnlifPopulationConfig): string {
  return `a0 = ${p.a0}${p.tau ? `, τ = ${p.tau}` : ''}${p.firing.kind === 'soft' ? `, soft threshold (rate ${p.firing.rate})` : ''}`;
}

function describe(config: NnlifRunConfig): string {
  const { b, a1 } = config.coupling;
  const delay = config.delay ? `, d = ${config.delay}` : '';
  if (config.populations.length === 1) return `b = ${b[0]![0]}, ${describePopulation(config.populations[0]!)}${a1[0]![0] ? `, a1 = ${a1[0]![0]}` : ''}${delay}`;
  return `${config.populations.map((p) => p.name).join('–')}, b = ${JSON.stringify(b)}${a1.some((row) => row.some((x) => x !== 0)) ? `, a1 = ${JSON.stringify(a1)}` : ''}${delay}`;
}

/** Writes n at a snapshot: .npy of every population of every member, and a PNG of a single run's n(v). */
export function writeNnlifSnapshot(pending: PendingResults, snapshots: NnlifSnapshotFile[], config: NnlifRunConfig, grids: NnlifGrid[], s: { t: number; step: number; n: Float32Array }, members: number): void {
  const stem = `n_t${s.t.toFixed(6)}`;
  const K = grids.length;
  const nv = config.grid.nv;
  pending.write(`${stem}.npy`, encodeNpy(s.n.subarray(0, members * K * nv), shapeOf(members, K, nv)));
  if (members === 1) {
    const series = grids.map((grid, a) => ({ x: Array.from({ length: nv }, (_, i) => nodeOf(grid, i)), y: s.n.subarray(a * nv, (a + 1) * nv), label: K === 1 ? 'n(v)' : `n_${config.populations[a]!.name}(v)` }));
    pending.write(`${stem}.png`, renderLinePlotPng(series, { title: `n(v, t = ${s.t.toPrecision(4)})   nnlif, ${describe(config)}`, xLabel: 'v (voltage)', yLabel: 'n' }));
  }
  snapshots.push({ t: s.t, step: s.step, npy: `${stem}.npy`, ...(members === 1 ? { png: `${stem}.png` } : {}) });
}

/** The figure of the deck: n(v, t) of each population over the whole run, above N(t). */
export async function nnlifRunFigure(config: NnlifRunConfig, r: NnlifRunResult): Promise<Buffer> {
  const F = r.frameT.length;
  const K = r.grids.length;
  const nv = config.grid.nv;
  const tEnd = r.frameT[F - 1] ?? 0;
  const dtFrame = F > 1 ? tEnd / (F - 1) : config.time.dt;
  const panels = r.grids.map((grid, a) => {
    const field = new Float32Array(F * nv);
    for (let k = 0; k < F; k++) for (let i = 0; i < nv; i++) field[i * F + k] = r.frames[(k * K + a) * nv + i]!;
    const name = K === 1 ? 'n' : `n_${config.populations[a]!.name}`;
    return renderHeatmapPng(field, F, nv, {
      title: `${name}(v, t)   nnlif, ${K === 1 ? describe(config) : describePopulation(config.populations[a]!)}`,
      xLabel: 't',
      yLabel: 'v',
      xRange: [-dtFrame / 2, tEnd + dtFrame / 2],
      yRange: [grid.vmin - grid.h / 2, grid.vmin + (nv - 0.5) * grid.h],
      colorBarLabel: name,
      width: 900,
      height: K === 1 ? 420 : 340,
    });
  });
  const blowup = r.status === 'blowup' ? `: blow-up at t = ${r.members[0]!.t_blowup?.toPrecision(4)}` : '';
  const series = r.grids.map((_, a) => ({ x: r.t, y: r.N[a]!, label: column(config, 'N', a) + '(t)' }));
  const line = renderLinePlotPng(series, { title: `N(t)${blowup}${K > 1 ? `   ${describe(config)}` : ''}`, xLabel: 't', yLabel: 'N', width: 900, height: 300 });
  return stackPngsVertically([...panels, line]);
}

export function nnlifBatchCsv(config: NnlifRunConfig, batch: NnlifBatch, r: NnlifRunResult): string {
  const K = config.populations.length;
  const perPopulation = ['N_final', 'N_last_quarter'].flatMap((what) => Array.from({ length: K }, (_, a) => column(config, what, a)));
  const rows = [[...batch.keys, 'status', 't_blowup', ...perPopulation].join(',')];
  r.members.forEach((m, k) =>
    rows.push([...batch.values[k]!, m.status, m.t_blowup ?? '', ...m.populations.map((p) => p.N_final), ...m.populations.map((p) => p.N_last_quarter)].join(',')),
  );
  return `${rows.join('\n')}\n`;
}

export function nnlifBatchNpy(config: NnlifRunConfig, r: NnlifRunResult): Uint8Array {
  const Q = r.N.length;
  const S = r.t.length;
  const out = new Float32Array(Q * S);
  r.N.forEach((row, q) => out.set(row, q * S));
  const K = config.populations.length;
  return encodeNpy(out, K > 1 ? [Q / K, K, S] : [Q, S]);
}

/** N(t) of every member as a heatmap, member × time (log scale), one panel per population. */
export async function nnlifBatchPng(config: NnlifRunConfig, batch: NnlifBatch, r: NnlifRunResult): Promise<Buffer> {
  const K = config.populations.length;
  const M = r.members.length;
  const S = r.t.length;
  const tEnd = r.t[S - 1] ?? 0;
  const label = batch.keys.length === 1 ? `member (${batch.keys[0]} from ${batch.values[0]![0]} to ${batch.values[M - 1]![0]})` : 'member';
  const panels = Array.from({ length: K }, (_, a) => {
    const field = new Float32Array(M * S);
    for (let m = 0; m < M; m++) field.set(r.N[m * K + a]!, m * S);
    return renderHeatmapPng(field, S, M, {
      title: `${column(config, 'N', a)}(t) of ${M} members   nnlif, ${describe(config)}`,
      xLabel: 't',
      yLabel: label,
      xRange: [0, tEnd],
      yRange: [-0.5, M - 0.5],
      colorBarLabel: column(config, 'N', a),
      scale: 'log',
    });
  });
  return K === 1 ? panels[0]! : stackPngsVertically(panels);
}

export interface NnlifPopulationSummary {
  name: string;
  N_final: number;
  R_final: number;
  mass_initial: number;
  mass_final: number;
  mass_drift: number;
  grid: { nv: number; vmin: number; vtop: number; h: number };
}

export interface NnlifSummary {
  kinfire: string;
  model: 'nnlif';
  T: number;
  dt: number;
  delay_steps: number;
  steps: number;
  t_final: number;
  status: NnlifRunResult['status'];
  message?: string;
  t_blowup: number | null;
  /** the first population's (for K = 1, the run's); mass_drift is the largest in magnitude over the populations */
  N_final: number;
  R_final: number;
  mass_initial: number;
  mass_final: number;
  mass_drift: number;
  grid: NnlifPopulationSummary['grid'];
  populations: NnlifPopulationSummary[];
  adapter: AdapterSummary;
  runtime: string;
  wall_s: number;
  steps_per_s: number;
  warnings: string[];
  snapshots: NnlifSnapshotFile[];
  batch?: { keys: string[]; members: number; statuses: Record<string, number> };
  config: NnlifRunConfig;
}

export function makeNnlifSummary(config: NnlifRunConfig, r: NnlifRunResult, adapter: AdapterSummary, runtime: string, snapshots: NnlifSnapshotFile[], version: string, batch?: NnlifBatch): NnlifSummary {
  const m0 = r.members[0]!;
  const statuses: Record<string, number> = {};
  for (const m of r.members) statuses[m.status] = (statuses[m.status] ?? 0) + 1;
  const populations = m0.populations.map((p, a): NnlifPopulationSummary => {
    const g = r.grids[a]!;
    return {
      name: config.populations[a]!.name,
      N_final: p.N_final,
      R_final: p.R_final,
      mass_initial: p.mass_initial,
      mass_final: p.mass_final,
      mass_drift: (p.mass_final - p.mass_initial) / p.mass_initial,
      grid: { nv: g.nv, vmin: g.vmin, vtop: g.vtop, h: g.h },
    };
  });
  const p0 = populations[0]!;
  return {
    kinfire: version,
    model: 'nnlif',
    T: config.time.T,
    dt: config.time.dt,
    delay_steps: config.time.delaySteps,
    steps: m0.steps,
    t_final: m0.steps * config.time.dt,
    status: r.status,
    ...(r.message ? { message: r.message } : {}),
    t_blowup: m0.t_blowup,
    N_final: p0.N_final,
    R_final: p0.R_final,
    mass_initial: p0.mass_initial,
    mass_final: p0.mass_final,
    mass_drift: populations.reduce((worst, p) => (Math.abs(p.mass_drift) > Math.abs(worst) ? p.mass_drift : worst), 0),
    grid: p0.grid,
    populations,
    adapter,
    runtime,
    wall_s: r.wallSeconds,
    steps_per_s: r.stepsPerSecond,
    warnings: r.warnings,
    snapshots,
    ...(batch ? { batch: { keys: batch.keys, members: r.members.length, statuses } } : {}),
    config,
  };
}
