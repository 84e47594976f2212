/**
 * The results folder of an elapsed-time run (`kinfire run` with model "elapsed"):
 *   summary.json   status, t_blowup, N_final, mass, the oscillation measure {settles, periodic, period, amplitude, …}, the
 *                  steps whose boundary relation was not unique, the steady states are not in it (kinfire steady)
 *   activity.csv   t,N,mass
 *   n_t<time>.npy  float32 n(s) at the cell centres s_i = (i + ½)·ds, shape (ns,) (the last cell: every age beyond)
 *   n_t<time>.png  n(s) at the snapshot
 *   run.png        n(s, t) as a space-time heatmap, above N(t)
 */
import type { ElapsedRunResult } from '../host/elapsedRun';
import type { AdapterSummary } from '../host/gpu';
import { describeElapsed, type ElapsedRunConfig } from '../models/elapsed/config';
import type { OscillationMeasure } from '../models/elapsed/oscillation';
import { renderHeatmapPng } from '../render/png/heatmap';
import { renderLinePlotPng } from '../render/png/lineplot';
import { stackPngsVertically } from '../render/png/stack';
import { encodeNpy } from './npyFormat';
import type { PendingResults } from './resultsFolder';

export interface ElapsedSnapshotFile {
  t: number;
  step: number;
  npy: string;
  png: string;
}

export function elapsedActivityCsv(r: ElapsedRunResult): string {
  const rows = ['t,N,mass'];
  for (let k = 0; k < r.t.length; k++) rows.push(`${r.t[k]},${r.N[k]},${r.mass[k]}`);
  return `${rows.join('\n')}\n`;
}

const centres = (config: ElapsedRunConfig) => Array.from({ length: config.grid.ns }, (_, i) => (i + 0.5) * config.grid.ds);

export function writeElapsedSnapshot(pending: PendingResults, snapshots: ElapsedSnapshotFile[], config: ElapsedRunConfig, s: { t: number; step: number; n: Float32Array }): void {
  const stem = `n_t${s.t.toFixed(6)}`;
  pending.write(`${stem}.npy`, encodeNpy(s.n, [config.grid.ns]));
  pending.write(`${stem}.png`, renderLinePlotPng([{ x: centres(config), y: s.n, label: 'n(s)' }], { title: `n(s, t = ${s.t.toPrecision(4)})   elapsed, ${describeElapsed(config)}`, xLabel: 's (age since the last spike)', yLabel: 'n' }));
  snapshots.push({ t: s.t, step: s.step, npy: `${stem}.npy`, png: `${stem}.png` });
}

/** n(s, t) over the whole run as a heatmap (age up, time right), above N(t). */
export async function elapsedRunFigure(config: ElapsedRunConfig, r: ElapsedRunResult): Promise<Buffer> {
  const F = r.frameT.length;
  const ns = config.grid.ns;
  const tEnd = r.frameT[F - 1] ?? 0;
  const dtFrame = F > 1 ? tEnd / (F - 1) : config.time.dt;
  const field = new Float32Array(F * ns);
  for (let k = 0; k < F; k++) for (let i = 0; i < ns; i++) field[i * F + k] = r.frames[k * ns + i]!;
  const heat = renderHeatmapPng(field, F, ns, {
    title: `n(s, t)   elapsed, ${describeElapsed(config)}`,
    xLabel: 't',
    yLabel: 's',
    xRange: [-dtFrame / 2, tEnd + dtFrame / 2],
    yRange: [0, ns * config.grid.ds],
    colorBarLabel: 'n',
    width: 900,
    height: 420,
  });
  const o = r.oscillation;
  const what = o.settles ? 'settles' : o.periodic ? `periodic, period ${o.period!.toPrecision(4)}, amplitude ${o.amplitude.toPrecision(3)}` : 'not periodic';
  const line = renderLinePlotPng([{ x: r.t, y: r.N, label: 'N(t)' }], { title: `N(t): ${what}`, xLabel: 't', yLabel: 'N', width: 900, height: 300 });
  return stackPngsVertically([heat, line]);
}

export interface ElapsedSummary {
  kinfire: string;
  model: 'elapsed';
  T: number;
  dt: number;
  steps: number;
  t_final: number;
  status: ElapsedRunResult['status'];
  message?: string;
  /** blow-up (N > time.Nmax): the time of the step that was not taken; null otherwise */
  t_blowup: number | null;
  N_final: number;
  mass_initial: number;
  mass_final: number;
  mass_drift: number;
  oscillation: OscillationMeasure;
  boundary_relation: { nonunique_steps: number; t_first_nonunique: number | null; root: 'smallest' };
  grid: { ns: number; ds: number; smax: number };
  adapter: AdapterSummary;
  runtime: string;
  wall_s: number;
  steps_per_s: number;
  snapshots: ElapsedSnapshotFile[];
  config: ElapsedRunConfig;
}

export function makeElapsedSummary(config: ElapsedRunConfig, r: ElapsedRunResult, adapter: AdapterSummary, runtime: string, snapshots: ElapsedSnapshotFile[], version: string): ElapsedSummary {
  return {
    kinfire: version,
    model: 'elapsed',
    T: config.time.T,
    dt: config.time.dt,
    steps: r.steps,
    t_final: r.steps * config.time.dt,
    status: r.status,
    ...(r.message ? { message: r.message } : {}),
    t_blowup: r.t_blowup,
    N_final: r.N_final,
    mass_initial: r.mass_initial,
    mass_final: r.mass_final,
    mass_drift: (r.mass_final - r.mass_initial) / r.mass_initial,
    oscillation: r.oscillation,
    boundary_relation: { nonunique_steps: r.nonunique_steps, t_first_nonunique: r.t_first_nonunique, root: 'smallest' },
    grid: config.grid,
    adapter,
    runtime,
    wall_s: r.wallSeconds,
    steps_per_s: r.stepsPerSecond,
    snapshots,
    config,
  };
}
