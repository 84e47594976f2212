/**
 * The results of `kinfire neurons` (src/cli/neuronsCommand.ts): summary.json, traces.csv, spikes.csv, activity.csv, fI.csv and the
 * figures fI.png and traces.png; for the two-variable models phase_plane.csv and phase_plane.png; with
 * `neurons.histogram`, density_t<time>.npy (float32, shape (ny, nx), C order: d[j, i] the density in bin i of x and j
 * of y, counts/(M·Δx·Δy)) and density_t<time>.png per histogram time. The firing rate of neuron i is that of its repetitive firing in the rate window
 * [window, T]: (spikes there − 1)/(last − first spike there) when it fires repetitively (at least 2 spikes there and
 * still firing at T: isRepetitive in models/neurons/reference.ts), else 0; the onset current is the smallest I of a
 * neuron firing repetitively (so a period longer than the window reads as silence).
 */
import type { AdapterSummary } from '../host/gpu';
import type { NeuronRunResult } from '../host/neuronEnsemble';
import type { NeuronsRunConfig } from '../models/neurons/config';
import { NEURON_MODEL_SPECS } from '../models/neurons/models';
import { firstNullcline, hasPhasePlane, type PhasePlaneEquilibrium, phasePlaneEquilibria, type PhasePlaneModel, phasePlaneY, secondNullcline } from '../models/neurons/phasePlane';
import { isRepetitive, onsetCurrent, windowRate } from '../models/neurons/reference';
import { renderHeatmapPng } from '../render/png/heatmap';
import { type LinePlotRender, type LineSeries, renderLinePlot, renderLinePlotPng, SERIES_COLOURS } from '../render/png/lineplot';
import { histogramDensity } from '../models/neurons/histogram';
import { encodeNpy } from './npyFormat';

/** The factor from the model's 1/time to the rate unit shown (Hz for models in ms). */
export function rateUnit(config: NeuronsRunConfig): { factor: number; unit: string } {
  return NEURON_MODEL_SPECS[config.neuron].units.time === 'ms' ? { factor: 1000, unit: 'Hz' } : { factor: 1, unit: '1/time' };
}

export function neuronRates(config: NeuronsRunConfig, r: NeuronRunResult): Float64Array {
  const { factor } = rateUnit(config);
  return Float64Array.from({ length: config.count }, (_, i) => factor * windowRate(r.stats.windowCount[i]!, r.stats.first[i]!, r.stats.last[i]!, config.T));
}

/** traces.csv: t, then every state variable of every traced neuron (V_0, m_0, …). */
export function neuronsTracesCsv(config: NeuronsRunConfig, r: NeuronRunResult): string {
  const names = NEURON_MODEL_SPECS[config.neuron].state;
  const traced = config.traces.length;
  const rows = [['t', ...config.traces.flatMap((i) => names.map((n) => `${n}_${i}`))].join(',')];
  for (let s = 0; s < r.traceT.length; s++) {
    const row: (number | string)[] = [r.traceT[s]!];
    for (let j = 0; j < traced; j++) for (let c = 0; c < names.length; c++) row.push(r.traces[(s * traced + j) * 4 + c]!);
    rows.push(row.join(','));
  }
  return `${rows.join('\n')}\n`;
}

/** activity.csv: t,N, the population activity N = spikes/(M·steps·dt) over each traceEvery steps ending at t [spikes per neuron per time]. */
export function neuronsActivityCsv(r: NeuronRunResult): string {
  const rows = ['t,N'];
  for (let s = 0; s < r.activityT.length; s++) rows.push(`${r.activityT[s]},${r.activityN[s]}`);
  return `${rows.join('\n')}\n`;
}

/** spikes.csv: neuron,k,t for the first spikesPerNeuron spikes of every neuron, by neuron then time. */
export function neuronsSpikesCsv(config: NeuronsRunConfig, r: NeuronRunResult): string {
  const K = config.spikesPerNeuron;
  const rows = ['neuron,k,t'];
  for (let i = 0; i < config.count; i++) for (let k = 0; k < Math.min(K, r.stats.count[i]!); k++) rows.push(`${i},${k},${r.stats.spikeTimes[i * K + k]}`);
  return `${rows.join('\n')}\n`;
}

/** fI.csv: neuron,I,spikes,spikes_window,repetitive (0/1),rate (rate_hz in Hz for the models in ms, else rate_per_time). */
export function neuronsFiCsv(config: NeuronsRunConfig, r: NeuronRunResult): string {
  const rates = neuronRates(config, r);
  const { unit } = rateUnit(config);
  const rows = [`neuron,I,spikes,spikes_window,repetitive,rate_${unit === 'Hz' ? 'hz' : 'per_time'}`];
  for (let i = 0; i < config.count; i++) rows.push(`${i},${config.I[i]},${r.stats.count[i]},${r.stats.windowCount[i]},${rates[i]! > 0 ? 1 : 0},${rates[i]}`);
  return `${rows.join('\n')}\n`;
}

export function neuronsFiFigure(config: NeuronsRunConfig, r: NeuronRunResult): Buffer {
  const spec = NEURON_MODEL_SPECS[config.neuron];
  const rates = neuronRates(config, r);
  const order = Array.from({ length: config.count }, (_, i) => i).sort((a, b) => config.I[a]! - config.I[b]!);
  const onset = onsetCurrent(config.I, r.stats, config.T);
  const { unit } = rateUnit(config);
  return renderLinePlotPng([{ x: order.map((i) => config.I[i]!), y: order.map((i) => rates[i]!), label: `${spec.title}, ${config.count} neurons` }], {
    title: `f–I curve: ${spec.title}, rate over t ∈ [${config.window}, ${config.T}]${onset === null ? ', no repetitive firing' : `, onset I = ${onset.toPrecision(5)}`}`,
    xLabel: `I (${spec.units.current})`,
    yLabel: `firing rate (${unit})`,
    ...(onset !== null ? { annotations: [{ x: onset, y: 0, text: `onset ${onset.toPrecision(4)}`, dy: -14 }] } : {}),
  });
}

export function neuronsTracesFigure(config: NeuronsRunConfig, r: NeuronRunResult): Buffer {
  const spec = NEURON_MODEL_SPECS[config.neuron];
  const traced = config.traces.length;
  return renderLinePlotPng(
    config.traces.map((i, j) => ({ x: r.traceT, y: Float32Array.from(r.traceT, (_, s) => r.traces[(s * traced + j) * 4]!), label: `neuron ${i}, I = ${config.I[i]!.toPrecision(4)}`, marker: 'none' as const })),
    { title: `${spec.title}: ${spec.state[0]}(t)`, xLabel: `t (${spec.units.time})`, yLabel: `${spec.state[0]} (${spec.units.potential})` },
  );
}

const histogramStem = (config: NeuronsRunConfig, step: number) => `density_t${(step * config.dt).toFixed(6)}`;

/** The files of the population's histograms: density_t<time>.npy and .png, by time. */
export function neuronsHistogramFiles(config: NeuronsRunConfig, r: NeuronRunResult): { name: string; data: Uint8Array | Buffer }[] {
  const h = config.histogram;
  if (!h) return [];
  const spec = NEURON_MODEL_SPECS[config.neuron];
  const unit = (c: number) => (c === 0 ? ` (${spec.units.potential})` : '');
  return r.histograms.flatMap((g) => {
    const t = g.step * config.dt;
    const stem = histogramStem(config, g.step);
    const density = histogramDensity(g.counts, config.count, h);
    const png = renderHeatmapPng(density, h.nx, h.ny, {
      title: `${spec.title}: the density of ${config.count} neurons over (${h.xName}, ${h.yName}) at t = ${t.toPrecision(6)} ${spec.units.time}${g.outside > 0 ? `; ${g.outside} outside` : ''}`,
      xLabel: `${h.xName}${unit(h.xComponent)}`,
      yLabel: `${h.yName}${unit(h.yComponent)}`,
      xRange: h.x,
      yRange: h.y,
      colorBarLabel: 'neurons / (M·Δx·Δy)',
    });
    return [
      { name: `${stem}.npy`, data: encodeNpy(density, [h.ny, h.nx]) },
      { name: `${stem}.png`, data: png },
    ];
  });
}

/** Samples of each nullcline across the phase-plane window. */
const NULLCLINE_SAMPLES = 801;

export interface NeuronsPhasePlane {
  model: PhasePlaneModel;
  /** the bias current of the nullclines and equilibria: the first traced neuron's I */
  I: number;
  xRange: [number, number];
  yRange: [number, number];
  /** the first variable's nullcline (dx/dt = 0) and the second's (dy/dt = 0), NaN outside the window */
  x: Float64Array;
  xNullcline: Float64Array;
  yNullcline: Float64Array;
  equilibria: PhasePlaneEquilibrium[];
}

/**
 * The phase plane drawn for a run: the window spans the traced neurons' paths and the equilibria (padded by a tenth,
 * the model's potential range when nothing is traced), the nullclines at the first traced neuron's current.
 */
export function neuronsPhasePlane(config: NeuronsRunConfig, r: Pick<NeuronRunResult, 'traceT' | 'traces'>): NeuronsPhasePlane | null {
  const model = config.neuron;
  if (!hasPhasePlane(model)) return null;
  const p = config.paramVector;
  const I = config.I[config.traces[0] ?? 0]!;
  const equilibria = phasePlaneEquilibria(model, p, I);
  const traced = config.traces.length;
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  const take = (x: number, y: number) => {
    if (!Number.isFinite(x) || !Number.isFinite(y)) return;
    x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
  };
  for (let s = 0; s < r.traceT.length; s++) for (let j = 0; j < traced; j++) take(r.traces[(s * traced + j) * 4]!, r.traces[(s * traced + j) * 4 + phasePlaneY(config.neuron)]!);
  for (const e of equilibria) take(e.state[0], e.state[1]);
  if (!(x1 > x0)) [x0, x1] = NEURON_MODEL_SPECS[model].restRange;
  if (!(y1 > y0)) [y0, y1] = [Math.min(0, y0), Math.max(1, y1)];
  const px = 0.1 * (x1 - x0), py = 0.1 * (y1 - y0);
  const xRange: [number, number] = [x0 - px, x1 + px];
  const yRange: [number, number] = [y0 - py, y1 + py];
  const inY = (y: number) => (y >= yRange[0] && y <= yRange[1] ? y : Number.NaN);
  const x = Float64Array.from({ length: NULLCLINE_SAMPLES }, (_, k) => xRange[0] + ((xRange[1] - xRange[0]) * k) / (NULLCLINE_SAMPLES - 1));
  return {
    model, I, xRange, yRange, x, equilibria,
    xNullcline: x.map((v) => inY(firstNullcline(model, p, I, v))),
    yNullcline: x.map((v) => inY(secondNullcline(model, p, v))),
  };
}

/** phase_plane.csv: curve,x,y: the two nullclines (NaN rows left out), the equilibria (stable or unstable) and the traced paths (neuron_<i>). */
export function neuronsPhasePlaneCsv(config: NeuronsRunConfig, r: Pick<NeuronRunResult, 'traceT' | 'traces'>, pp: NeuronsPhasePlane): string {
  const names = NEURON_MODEL_SPECS[config.neuron].state;
  const [xn, yn] = [names[0]!, names[phasePlaneY(config.neuron)]!];
  const rows = ['curve,x,y'];
  pp.x.forEach((x, k) => Number.isFinite(pp.xNullcline[k]!) && rows.push(`nullcline_${xn},${x},${pp.xNullcline[k]}`));
  pp.x.forEach((x, k) => Number.isFinite(pp.yNullcline[k]!) && rows.push(`nullcline_${yn},${x},${pp.yNullcline[k]}`));
  for (const e of pp.equilibria) rows.push(`equilibrium_${e.stable ? 'stable' : 'unstable'},${e.state[0]},${e.state[1]}`);
  const traced = config.traces.length;
  config.traces.forEach((i, j) => {
    for (let s = 0; s < r.traceT.length; s++) rows.push(`neuron_${i},${r.traces[(s * traced + j) * 4]},${r.traces[(s * traced + j) * 4 + phasePlaneY(config.neuron)]}`);
  });
  return `${rows.join('\n')}\n`;
}

export function neuronsPhasePlaneRender(config: NeuronsRunConfig, r: Pick<NeuronRunResult, 'traceT' | 'traces'>, pp: NeuronsPhasePlane): LinePlotRender {
  const spec = NEURON_MODEL_SPECS[config.neuron];
  const [xn, yn] = [spec.state[0]!, spec.state[phasePlaneY(config.neuron)]!];
  const traced = config.traces.length;
  const series: LineSeries[] = [
    { x: pp.x, y: pp.xNullcline, label: `${xn}-nullcline (d${xn}/dt = 0)`, colour: '#444444', marker: 'none', dash: [8, 5] },
    { x: pp.x, y: pp.yNullcline, label: `${yn}-nullcline (d${yn}/dt = 0)`, colour: '#888888', marker: 'none', dash: [3, 4] },
    ...config.traces.map((i, j): LineSeries => ({
      x: Float64Array.from(r.traceT, (_, s) => r.traces[(s * traced + j) * 4]!),
      y: Float64Array.from(r.traceT, (_, s) => r.traces[(s * traced + j) * 4 + phasePlaneY(config.neuron)]!),
      label: `neuron ${i}, I = ${config.I[i]!.toPrecision(4)}`, marker: 'none', colour: SERIES_COLOURS[j % SERIES_COLOURS.length]!,
    })),
  ];
  const stable = pp.equilibria.filter((e) => e.stable), unstable = pp.equilibria.filter((e) => !e.stable);
  if (stable.length > 0) series.push({ x: stable.map((e) => e.state[0]), y: stable.map((e) => e.state[1]), label: 'stable equilibrium', line: false, marker: 'dot', markerSize: 5, colour: '#000000' });
  if (unstable.length > 0) series.push({ x: unstable.map((e) => e.state[0]), y: unstable.map((e) => e.state[1]), label: 'unstable equilibrium', line: false, marker: 'diamond', colour: '#d62728' });
  // invisible corners pin the axes to the window, so the nullclines' clipped ends do not move them
  series.push({ x: pp.xRange, y: pp.yRange, label: '', line: false, marker: 'none', legend: false });
  return renderLinePlot(series, {
    title: `${spec.title}: phase plane, nullclines at I = ${pp.I.toPrecision(4)} (the first traced neuron's)`,
    xLabel: `${xn} (${spec.units.potential})`,
    yLabel: yn,
  });
}

export interface NeuronsSummary {
  kinfire: string;
  kind: 'neurons';
  model: NeuronsRunConfig['neuron'];
  title: string;
  reference: string;
  params: Record<string, number>;
  units: { time: string; potential: string; current: string; rate: string };
  scheme: NeuronsRunConfig['scheme'];
  J: number;
  input: NeuronsRunConfig['input'];
  count: number;
  I_range: [number, number];
  initial: number[];
  T: number;
  dt: number;
  steps: number;
  threshold: number;
  window: number;
  spikes_total: number;
  neurons_firing: number;
  neurons_repetitive: number;
  onset_I: number | null;
  onset_rate: number | null;
  spikes_kept_per_neuron: number;
  spikes_not_kept: number;
  nonfinite_neurons: number;
  traces: number[];
  trace_every: number;
  /** with `neurons.histogram`: the plane, its bins and ranges, and per time the neurons outside the range */
  histogram?: { x: string; y: string; bins: [number, number]; x_range: [number, number]; y_range: [number, number]; times: number[]; outside: number[] };
  adapter: AdapterSummary;
  runtime: string;
  workgroup_size: number;
  wall_s: number;
  neuron_steps_per_s: number;
  /** the phase plane's bias current and its equilibria (two-variable models), else null */
  phase_plane: { I: number; equilibria: { state: [number, number]; stable: boolean; trace: number; det: number }[] } | null;
  status: 'ok';
  /** only when there is one: a resume on another adapter or version (valid, not bitwise the uninterrupted run) */
  warnings?: string[];
  files: string[];
}

export function makeNeuronsSummary(config: NeuronsRunConfig, r: NeuronRunResult, adapter: AdapterSummary, runtime: string, version: string): NeuronsSummary {
  const spec = NEURON_MODEL_SPECS[config.neuron];
  const rates = neuronRates(config, r);
  const M = config.count;
  let total = 0, firing = 0, repetitive = 0, notKept = 0, nonfinite = 0;
  let Imin = Infinity, Imax = -Infinity;
  const dim = spec.state.length;
  for (let i = 0; i < M; i++) {
    const c = r.stats.count[i]!;
    total += c;
    if (c > 0) firing++;
    if (isRepetitive(r.stats.windowCount[i]!, r.stats.first[i]!, r.stats.last[i]!, config.T)) repetitive++;
    notKept += Math.max(0, c - config.spikesPerNeuron);
    Imin = Math.min(Imin, config.I[i]!);
    Imax = Math.max(Imax, config.I[i]!);
    for (let k = 0; k < dim; k++) if (!Number.isFinite(r.stats.state[k * M + i]!)) {
      nonfinite++;
      break;
    }
  }
  const onset = onsetCurrent(config.I, r.stats, config.T);
  const onsetNeuron = onset === null ? -1 : Array.from(config.I).findIndex((x, i) => x === onset && rates[i]! > 0);
  return {
    kinfire: version,
    kind: 'neurons',
    model: config.neuron,
    title: spec.title,
    reference: spec.reference,
    params: config.params,
    units: { ...spec.units, rate: rateUnit(config).unit },
    scheme: config.scheme,
    J: config.J,
    input: config.input,
    count: M,
    I_range: [Imin, Imax],
    initial: config.initial,
    T: config.T,
    dt: config.dt,
    steps: r.steps,
    threshold: config.threshold,
    window: config.window,
    spikes_total: total,
    neurons_firing: firing,
    neurons_repetitive: repetitive,
    onset_I: onset,
    onset_rate: onsetNeuron >= 0 ? rates[onsetNeuron]! : null,
    spikes_kept_per_neuron: config.spikesPerNeuron,
    spikes_not_kept: notKept,
    nonfinite_neurons: nonfinite,
    traces: config.traces,
    trace_every: config.traceEvery,
    ...(config.histogram
      ? { histogram: { x: config.histogram.xName, y: config.histogram.yName, bins: [config.histogram.nx, config.histogram.ny] as [number, number], x_range: config.histogram.x, y_range: config.histogram.y, times: r.histograms.map((g) => g.step * config.dt), outside: r.histograms.map((g) => g.outside) } }
      : {}),
    adapter,
    runtime,
    workgroup_size: r.workgroupSize,
    wall_s: r.wallSeconds,
    neuron_steps_per_s: r.neuronStepsPerSecond,
    phase_plane: hasPhasePlane(config.neuron)
      ? (() => {
          const I = config.I[config.traces[0] ?? 0]!;
          return { I, equilibria: phasePlaneEquilibria(config.neuron, config.paramVector, I).map((e) => ({ state: e.state, stable: e.stable, trace: e.trace, det: e.det })) };
        })()
      : null,
    status: 'ok',
    files: [
      ...['summary.json', 'traces.csv', 'traces.png', 'spikes.csv', 'activity.csv', 'fI.csv', 'fI.png'],
      ...(hasPhasePlane(config.neuron) ? ['phase_plane.csv', 'phase_plane.png'] : []),
      ...r.histograms.flatMap((g) => [`${histogramStem(config, g.step)}.npy`, `${histogramStem(config, g.step)}.png`]),
    ],
  };
}
