/**
 * The f64 twin of src/shaders/neuronsStep.wgsl: the same step (RK4, Rush–Larsen for the HH gates, or Euler–Maruyama
 * with the same Philox normals under noise), the same input current and the same spike detection (an upward crossing
 * of the threshold by the potential between two steps, its time interpolated linearly). `substeps` > 1 takes each
 * step of the config as that many steps of dt/substeps (the independent small-step integration of the tests);
 * traces are still sampled every traceEvery steps of dt. Mean-field coupling: the input of step n is I_i + J·N_{n−1},
 * N_{n−1} = (spikes of the ensemble in step n − 1)/(M·dt), N_{−1} = 0 (an explicit one-step lag, first order in dt).
 */
import { normalPair, philoxDraw, uniform01 } from '../reference/philox';
import type { NeuronInput, NeuronsRunConfig } from './config';
import { hhRates, NEURON_MODEL_SPECS, neuronRhs } from './models';

/** The input current of a neuron of bias I at time t (the noise's drift part is I). */
export function inputCurrent(input: NeuronInput, I: number, t: number): number {
  switch (input.kind) {
    case 'step':
      return t >= input.on && t < input.off ? I : 0;
    case 'sine':
      return I + input.amplitude * Math.sin(2 * Math.PI * input.frequency * t);
    default:
      return I;
  }
}

export interface NeuronSpikeStats {
  /** spikes over the run */
  count: Uint32Array;
  /** spikes at t ≥ window */
  windowCount: Uint32Array;
  /** the first and last spike at t ≥ window (0 when none) */
  first: Float64Array;
  last: Float64Array;
  /** the first spikesPerNeuron spike times of every neuron: neuron i's k-th at [i·K + k] */
  spikeTimes: Float64Array;
  /** the final state, component c of neuron i at [c·M + i] */
  state: Float64Array;
  /** traces: sample s of traced neuron j, component c at [(s·traced + j)·dim + c]; sample s at step s·traceEvery */
  traces: Float64Array;
  traceSteps: number[];
  /** the spikes of the whole ensemble in each step (crossings in (t_n, t_{n+1}]) */
  stepSpikes: Uint32Array;
}

export function runNeuronsReference(config: NeuronsRunConfig, substeps = 1): NeuronSpikeStats {
  const spec = NEURON_MODEL_SPECS[config.neuron];
  const dim = spec.state.length;
  const M = config.count;
  const K = config.spikesPerNeuron;
  const p = config.paramVector;
  const C = spec.capacitance ? config.params[spec.capacitance]! : 1;
  const h = config.dt / substeps;
  const samples = Math.floor(config.steps / config.traceEvery) + 1;
  const traced = config.traces;
  const stats: NeuronSpikeStats = {
    count: new Uint32Array(M),
    windowCount: new Uint32Array(M),
    first: new Float64Array(M),
    last: new Float64Array(M),
    spikeTimes: new Float64Array(M * K),
    state: new Float64Array(M * dim),
    traces: new Float64Array(samples * traced.length * dim),
    traceSteps: Array.from({ length: samples }, (_, s) => s * config.traceEvery),
    stepSpikes: new Uint32Array(config.steps * substeps),
  };
  const k1 = new Float64Array(4), k2 = new Float64Array(4), k3 = new Float64Array(4), k4 = new Float64Array(4);
  const tmp = new Float64Array(4);
  const y = new Float64Array(4);
  // all neurons advance together, step by step: with coupling, the input of step n is I_i + J·N_{n−1}
  const states = new Float64Array(M * 4);
  for (let i = 0; i < M; i++) for (let c = 0; c < dim; c++) states[i * 4 + c] = config.initial[c]!;
  const record = (s: number) => {
    traced.forEach((i, j) => {
      for (let c = 0; c < dim; c++) stats.traces[(s * traced.length + j) * dim + c] = states[i * 4 + c]!;
    });
  };
  record(0);
  const noise = config.input.kind === 'noise' ? config.input : null;
  let Nprev = 0;
  for (let n = 0; n < config.steps; n++) {
    for (let sub = 0; sub < substeps; sub++) {
      const step = n * substeps + sub;
      const t = step * h;
      const feedback = config.J * Nprev;
      let spikes = 0;
      for (let i = 0; i < M; i++) {
        for (let c = 0; c < 4; c++) y[c] = states[i * 4 + c]!;
        const Ii = config.I[i]! + feedback;
        const v0 = y[0]!;
        if (config.scheme === 'euler-maruyama') {
          neuronRhs(config.neuron, p, y, inputCurrent(config.input, Ii, t), k1);
          const bits = philoxDraw(noise!.seed, i, step, 0);
          const z = normalPair(uniform01(bits[0]), uniform01(bits[1]))[0];
          for (let c = 0; c < dim; c++) y[c]! += h * k1[c]!;
          y[0]! += (noise!.sigma / C) * Math.sqrt(h) * z;
        } else if (config.scheme === 'rush-larsen') {
          // Rush & Larsen (1978): V by explicit Euler, each gate x by the exact solution of dx/dt = α(1 − x) − βx with α, β frozen at V_n.
          neuronRhs(config.neuron, p, y, inputCurrent(config.input, Ii, t), k1);
          const r = hhRates(v0);
          const gate = (x: number, a: number, b: number) => a / (a + b) + (x - a / (a + b)) * Math.exp(-h * (a + b));
          y[0] = v0 + h * k1[0]!;
          y[1] = gate(y[1]!, r.am, r.bm);
          y[2] = gate(y[2]!, r.ah, r.bh);
          y[3] = gate(y[3]!, r.an, r.bn);
        } else {
          neuronRhs(config.neuron, p, y, inputCurrent(config.input, Ii, t), k1);
          for (let c = 0; c < 4; c++) tmp[c] = y[c]! + 0.5 * h * k1[c]!;
          neuronRhs(config.neuron, p, tmp, inputCurrent(config.input, Ii, t + 0.5 * h), k2);
          for (let c = 0; c < 4; c++) tmp[c] = y[c]! + 0.5 * h * k2[c]!;
          neuronRhs(config.neuron, p, tmp, inputCurrent(config.input, Ii, t + 0.5 * h), k3);
          for (let c = 0; c < 4; c++) tmp[c] = y[c]! + h * k3[c]!;
          neuronRhs(config.neuron, p, tmp, inputCurrent(config.input, Ii, t + h), k4);
          for (let c = 0; c < dim; c++) y[c]! += (h / 6) * (k1[c]! + 2 * k2[c]! + 2 * k3[c]! + k4[c]!);
        }
        const v1 = y[0]!;
        if (v0 < config.threshold && v1 >= config.threshold) {
          spikes++;
          const ts = t + (h * (config.threshold - v0)) / (v1 - v0);
          const count = stats.count[i]!;
          if (count < K) stats.spikeTimes[i * K + count] = ts;
          stats.count[i] = count + 1;
          if (ts >= config.window) {
            if (stats.windowCount[i] === 0) stats.first[i] = ts;
            stats.last[i] = ts;
            stats.windowCount[i]!++;
          }
        }
        for (let c = 0; c < 4; c++) states[i * 4 + c] = y[c]!;
      }
      stats.stepSpikes[step] = spikes;
      Nprev = spikes / (M * h);
    }
    if ((n + 1) % config.traceEvery === 0) record((n + 1) / config.traceEvery);
  }
  for (let i = 0; i < M; i++) for (let c = 0; c < dim; c++) stats.state[c * M + i] = states[i * 4 + c]!;
  return stats;
}

/**
 * Repetitive firing in the rate window [window, T]: at least 2 spikes there, and still firing at T (the time from the
 * last spike to T is at most 2 mean interspike intervals), so a transient train that dies out within the window is not.
 */
export function isRepetitive(windowCount: number, first: number, last: number, T: number): boolean {
  return windowCount >= 2 && last > first && T - last <= (2 * (last - first)) / (windowCount - 1);
}

/** The firing rate of repetitive firing: (spikes in the window − 1)/(last − first), 0 when not repetitive [1/time]. */
export function windowRate(windowCount: number, first: number, last: number, T: number): number {
  return isRepetitive(windowCount, first, last, T) ? (windowCount - 1) / (last - first) : 0;
}

/** The onset current: the smallest I whose neuron fires repetitively (isRepetitive), or null. */
export function onsetCurrent(I: ArrayLike<number>, s: { windowCount: ArrayLike<number>; first: ArrayLike<number>; last: ArrayLike<number> }, T: number): number | null {
  let onset: number | null = null;
  for (let i = 0; i < I.length; i++) if (isRepetitive(s.windowCount[i]!, s.first[i]!, s.last[i]!, T) && (onset === null || I[i]! < onset)) onset = I[i]!;
  return onset;
}
