/**
 * The results folder of a kinetic run: summary.json, activity.csv and, per snapshot, p_t<time>.npy
 * (float32, shape (ng, nv), C order: p[j, i] = p(v_i, g_j)) and p_t<time>.png. How a folder is reserved,
 * written and committed safely is resultsFolder.ts.
 */
import { join } from 'node:path';
import type { AdapterSummary } from '../host/gpu';
import type { RunResult, Snapshot } from '../host/run';
import type { KinfireConfig } from '../models/config';
import { type Grid, gridOf, voltageMarginalOf } from '../models/discretization';
import { renderHeatmapPng } from '../render/png/heatmap';
import { renderLinePlotPng } from '../render/png/lineplot';
import { writeNpy } from './npy';
import type { PendingResults } from './resultsFolder';

/** Writes a snapshot of a kinetic run (p, or n for vc-limit) as .npy and .png, and lists it in `snapshots`. */
export function writeDensitySnapshot(pending: PendingResults, snapshots: SnapshotFile[], config: KinfireConfig, s: Snapshot): void {
  const grid = gridOf(config);
  if (config.model === 'vc-limit') {
    // The limit state is n(v) times the equilibrium in g: n is what there is to see.
    const n = Float32Array.from(voltageMarginalOf(grid, s.p));
    const stem = `n_t${s.t.toFixed(6)}`;
    writeNpy(join(pending.path, `${stem}.npy`), n, [grid.nv]);
    pending.write(`${stem}.png`, voltageDensityPng(config, grid, n, s.t));
    snapshots.push({ t: s.t, step: s.step, npy: `${stem}.npy`, png: `${stem}.png` });
    return;
  }
  const stem = `p_t${s.t.toFixed(6)}`;
  writeNpy(join(pending.path, `${stem}.npy`), s.p, [grid.ng, grid.nv]);
  pending.write(`${stem}.png`, densityPng(config, grid, s.p, s.t));
  snapshots.push({ t: s.t, step: s.step, npy: `${stem}.npy`, png: `${stem}.png` });
}

/** A snapshot as listed in summary.json. */
export interface SnapshotFile {
  t: number;
  step: number;
  npy: string;
  png: string;
}

export function densityPng(config: KinfireConfig, grid: Grid, p: Float32Array, t: number): Buffer {
  const markers = [{ x: config.params.VF, label: 'VF' }];
  if (config.params.VR > grid.vlo) markers.push({ x: config.params.VR, label: 'VR' });
  return renderHeatmapPng(p, grid.nv, grid.ng, {
    title: `p(v, g, t = ${t.toPrecision(4)})   model ${config.model}, ε = ${config.params.eps}, b = ${config.params.b}`,
    xLabel: 'v (voltage)',
    yLabel: 'g (conductance)',
    xRange: [grid.vlo, grid.vhi],
    yRange: [0, grid.gmax],
    colorBarLabel: 'p',
    markers: markers.filter((m) => m.x > grid.vlo && m.x < grid.vhi),
  });
}

export function voltageDensityPng(config: KinfireConfig, grid: Grid, n: Float32Array, t: number): Buffer {
  const v = Array.from({ length: grid.nv }, (_, i) => grid.vlo + (i + 0.5) * grid.dv);
  return renderLinePlotPng([{ x: v, y: n, label: 'n(v)' }], {
    title: `n(v, t = ${t.toPrecision(4)})   model ${config.model}, b = ${config.params.b}, VF = ${config.params.VF}`,
    xLabel: 'v (voltage)',
    yLabel: 'n',
  });
}

export function activityCsv(activity: RunResult['activity']): string {
  const rows = ['t,N,mass'];
  for (let k = 0; k < activity.t.length; k++) rows.push(`${activity.t[k]},${activity.N[k]},${activity.mass[k]}`);
  return `${rows.join('\n')}\n`;
}

export interface Summary {
  kinfire: string;
  model: string;
  params: KinfireConfig['params'];
  grid: { nv: number; ng: number; gmax: number; dv: number; dg: number };
  T: number;
  dt: number;
  steps: number;
  t_final: number;
  adapter: AdapterSummary;
  runtime: string;
  /** column chunks of the g-solve (1 on CPU adapters): with the adapter, what makes a run bitwise reproducible */
  g_solve_chunks: number;
  wall_s: number;
  steps_per_s: number;
  N_final: number;
  mass_initial: number;
  mass_final: number;
  mass_drift: number;
  status: RunResult['status'];
  message?: string;
  warnings: string[];
  snapshots: SnapshotFile[];
  config: KinfireConfig;
}

export function makeSummary(config: KinfireConfig, result: RunResult, adapter: AdapterSummary, runtime: string, snapshots: Summary['snapshots'], version: string): Summary {
  const grid = gridOf(config);
  return {
    kinfire: version,
    model: config.model,
    params: config.params,
    grid: { nv: grid.nv, ng: grid.ng, gmax: grid.gmax, dv: grid.dv, dg: grid.dg },
    T: config.time.T,
    dt: config.time.dt,
    steps: result.steps,
    t_final: result.t,
    adapter,
    runtime,
    g_solve_chunks: result.conductanceChunks,
    wall_s: result.wallSeconds,
    steps_per_s: result.stepsPerSecond,
    N_final: result.N_final,
    mass_initial: result.mass_initial,
    mass_final: result.mass_final,
    mass_drift: result.mass_drift,
    status: result.status,
    ...(result.message ? { message: result.message } : {}),
    warnings: result.warnings,
    snapshots,
    config,
  };
}
