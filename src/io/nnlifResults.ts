/**
 * The results folder of an NNLIF PDE run (`kinfire run` with model "nnlif"):
 *   summary.json   status, t_blowup, N_final, R, mass; for a batch, one entry per member
 *   activity.csv   t,N,mass (and R when τ > 0) of a single run
 *   n_t<time>.npy  float32 n at the nodes v_i = vmin + i·h: shape (nv,), or (M, nv) for a batch
 *   n_t<time>.png  n(v) at the snapshot (a single run)
 *   run.png        n(v, t) as a space-time heatmap above N(t) (a single run)
 *   batch.csv, N_batch.npy (M × samples, float32), N_batch.png (a heatmap member × time)   (a batch)
 */
import type { AdapterSummary } from '../host/gpu';
import type { NnlifRunResult } from '../host/nnlifRun';
import type { NnlifRunConfig } from '../models/nnlif/config';
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

const tau = (config: NnlifRunConfig) => config.nnlif.tau > 0;

export function nnlifActivityCsv(config: NnlifRunConfig, r: NnlifRunResult): string {
  const withR = tau(config);
  const rows = [withR ? 't,N,mass,R' : 't,N,mass'];
  for (let k = 0; k < r.t.length; k++) rows.push(`${r.t[k]},${r.N[0]![k]},${r.mass[0]![k]}${withR ? `,${r.R[0]![k]}` : ''}`);
  return `${rows.join('\n')}\n`;
}

function describe(config: NnlifRunConfig): string {
  const n = config.nnlif;
  return `b = ${n.b}, a = ${n.a0}${n.a1 ? ` + ${n.a1}·N` : ''}${n.tau ? `, τ = ${n.tau}` : ''}${n.delay ? `, d = ${n.delay}` : ''}${n.firing.kind === 'soft' ? `, soft threshold (rate ${n.firing.rate})` : ''}`;
}

/** Writes n at a snapshot: .npy of every member, and a PNG of a single run's n(v). */
export function writeNnlifSnapshot(pending: PendingResults, snapshots: NnlifSnapshotFile[], config: NnlifRunConfig, grid: NnlifGrid, s: { t: number; step: number; n: Float32Array }, members: number): void {
  const stem = `n_t${s.t.toFixed(6)}`;
  const nv = grid.nv;
  pending.write(`${stem}.npy`, encodeNpy(s.n.subarray(0, members * nv), members === 1 ? [nv] : [members, nv]));
  if (members === 1) {
    const v = Array.from({ length: nv }, (_, i) => nodeOf(grid, i));
    pending.write(`${stem}.png`, renderLinePlotPng([{ x: v, y: s.n.subarray(0, nv), label: 'n(v)' }], { title: `n(v, t = ${s.t.toPrecision(4)})   nnlif, ${describe(config)}`, xLabel: 'v (voltage)', yLabel: 'n' }));
  }
  snapshots.push({ t: s.t, step: s.step, npy: `${stem}.npy`, ...(members === 1 ? { png: `${stem}.png` } : {}) });
}

/** The figure of the deck: n(v, t) over the whole run, above N(t). */
export async function nnlifRunFigure(config: NnlifRunConfig, r: NnlifRunResult): Promise<Buffer> {
  const F = r.frameT.length;
  const nv = r.grid.nv;
  const field = new Float32Array(F * nv);
  for (let k = 0; k < F; k++) for (let i = 0; i < nv; i++) field[i * F + k] = r.frames[k * nv + i]!;
  const tEnd = r.frameT[F - 1] ?? 0;
  const dtFrame = F > 1 ? tEnd / (F - 1) : config.time.dt;
  const heat = renderHeatmapPng(field, F, nv, {
    title: `n(v, t)   nnlif, ${describe(config)}`,
    xLabel: 't',
    yLabel: 'v',
    xRange: [-dtFrame / 2, tEnd + dtFrame / 2],
    yRange: [r.grid.vmin - r.grid.h / 2, r.grid.vmin + (nv - 0.5) * r.grid.h],
    colorBarLabel: 'n',
    width: 900,
    height: 420,
  });
  const line = renderLinePlotPng([{ x: r.t, y: r.N[0]!, label: 'N(t)' }], { title: `N(t)${r.status === 'blowup' ? `: blow-up at t = ${r.members[0]!.t_blowup?.toPrecision(4)}` : ''}`, xLabel: 't', yLabel: 'N', width: 900, height: 300 });
  return stackPngsVertically([heat, line]);
}

export function nnlifBatchCsv(batch: NnlifBatch, r: NnlifRunResult): string {
  const rows = [[...batch.keys, 'status', 't_blowup', 'N_final', 'N_last_quarter'].join(',')];
  r.members.forEach((m, k) => rows.push([...batch.values[k]!, m.status, m.t_blowup ?? '', m.N_final, m.N_last_quarter].join(',')));
  return `${rows.join('\n')}\n`;
}

export function nnlifBatchNpy(r: NnlifRunResult): Uint8Array {
  const M = r.N.length;
  const S = r.t.length;
  const out = new Float32Array(M * S);
  r.N.forEach((row, m) => out.set(row, m * S));
  return encodeNpy(out, [M, S]);
}

export function nnlifBatchPng(config: NnlifRunConfig, batch: NnlifBatch, r: NnlifRunResult): Buffer {
  const M = r.N.length;
  const S = r.t.length;
  const field = new Float32Array(M * S);
  r.N.forEach((row, m) => field.set(row, m * S));
  const tEnd = r.t[S - 1] ?? 0;
  const label = batch.keys.length === 1 ? `member (${batch.keys[0]} from ${batch.values[0]![0]} to ${batch.values[M - 1]![0]})` : 'member';
  return renderHeatmapPng(field, S, M, {
    title: `N(t) of ${M} members   nnlif, ${describe(config)}`,
    xLabel: 't',
    yLabel: label,
    xRange: [0, tEnd],
    yRange: [-0.5, M - 0.5],
    colorBarLabel: 'N',
    scale: 'log',
  });
}

export interface NnlifSummary {
  kinfire: string;
  model: 'nnlif';
  nnlif: NnlifRunConfig['nnlif'];
  grid: { nv: number; vmin: number; vtop: number; h: number };
  T: number;
  dt: number;
  delay_steps: number;
  steps: number;
  t_final: number;
  status: NnlifRunResult['status'];
  message?: string;
  t_blowup: number | null;
  N_final: number;
  R_final: number;
  mass_initial: number;
  mass_final: number;
  mass_drift: number;
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
  return {
    kinfire: version,
    model: 'nnlif',
    nnlif: config.nnlif,
    grid: { nv: r.grid.nv, vmin: r.grid.vmin, vtop: r.grid.vtop, h: r.grid.h },
    T: config.time.T,
    dt: config.time.dt,
    delay_steps: config.time.delaySteps,
    steps: m0.steps,
    t_final: m0.steps * config.time.dt,
    status: r.status,
    ...(r.message ? { message: r.message } : {}),
    t_blowup: m0.t_blowup,
    N_final: m0.N_final,
    R_final: m0.R_final,
    mass_initial: m0.mass_initial,
    mass_final: m0.mass_final,
    mass_drift: (m0.mass_final - m0.mass_initial) / m0.mass_initial,
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
