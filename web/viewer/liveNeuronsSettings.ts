/**
 * What live mode for the single-neuron ensembles lets the user set, how it goes into a `kinfire neurons` config
 * (src/models/neurons/config.ts, which validates it and names the field it refuses), and how it reads from and
 * writes to the URL (?mode=live&model=neurons&neuron=fhn&…). Units are the model's (README, "Single neurons").
 */
import type { NeuronsRunConfig } from '../../src/models/neurons/config';
import { NEURON_MODELS, type NeuronModelName } from '../../src/models/neurons/models';
import { resolveNeuronsRunConfig } from '../../src/models/registry';
import type { SliderSpec } from './livePanel';

export type NeuronsParameterKey = 'I0' | 'I1' | 'sigma' | 'J';

/** The inputs with a slider (every change restarts the ensemble from rest: liveNeurons.ts). */
export const NEURONS_PARAMETERS: readonly SliderSpec<NeuronsParameterKey>[] = [
  { key: 'I0', field: 'neurons.I', label: 'I of neuron 0', min: -20, max: 150, hint: 'the bias current of the first neuron; the currents are spread evenly from it to the last', allowed: 'any finite number' },
  { key: 'I1', field: 'neurons.I', label: 'I of neuron M − 1', min: -20, max: 150, hint: 'the bias current of the last neuron', allowed: 'any finite number' },
  { key: 'sigma', field: 'neurons.input', label: 'noise σ', min: 0, max: 10, hint: 'white noise of intensity σ on every neuron (0: none); Euler–Maruyama', allowed: '[0, ∞)' },
  { key: 'J', field: 'neurons.J', label: 'coupling J', min: -5, max: 5, hint: 'mean-field coupling I_i += J·N(t)', allowed: 'any finite number' },
];

export interface NeuronsLiveSettings {
  neuron: NeuronModelName;
  values: Record<NeuronsParameterKey, number>;
  count: number;
  dt: number;
  /** bins of the histogram along each axis */
  bins: number;
  window: number;
  stepsPerFrame: number;
}

/** The current range, dt and noise each model opens with: from rest through its onset of firing (as the bench's). */
const MODEL_DEFAULTS: Record<NeuronModelName, { I0: number; I1: number; dt: number }> = {
  hh: { I0: 0, I1: 20, dt: 0.01 },
  fhn: { I0: 0, I1: 1, dt: 0.05 },
  'ml-class1': { I0: 30, I1: 60, dt: 0.05 },
  'ml-class2': { I0: 80, I1: 110, dt: 0.05 },
  ms: { I0: 0, I1: 0.05, dt: 0.05 },
};

const LIVE_DEFAULTS = { count: 10_000, bins: 64, window: 50, stepsPerFrame: 100 };

/** The run config of these settings (validated: throws ConfigError naming the field). Live mode has no final time: T = dt. */
export function neuronsLiveConfig(s: NeuronsLiveSettings): NeuronsRunConfig {
  const v = s.values;
  return resolveNeuronsRunConfig({
    model: 'neurons',
    neurons: {
      model: s.neuron,
      count: s.count,
      I: { from: v.I0, to: v.I1 },
      // σ = 0: no noise; a negative σ goes to the config, which refuses it by name
      ...(v.sigma !== 0 ? { input: { kind: 'noise', sigma: v.sigma, seed: 1 } } : {}),
      J: v.J,
      T: s.dt,
      dt: s.dt,
      traces: [],
      spikesPerNeuron: 0,
      histogram: { times: [s.dt], bins: [s.bins, s.bins] },
    },
  });
}

/** The model's defaults, then every key present in the URL on top. */
export function neuronsSettingsFromUrl(query: URLSearchParams): NeuronsLiveSettings {
  const named = query.get('neuron');
  const neuron = named !== null && (NEURON_MODELS as readonly string[]).includes(named) ? (named as NeuronModelName) : 'fhn';
  const d = MODEL_DEFAULTS[neuron];
  const number = (key: string) => (query.has(key) ? Number(query.get(key)) : undefined);
  return {
    neuron,
    values: { I0: number('I0') ?? d.I0, I1: number('I1') ?? d.I1, sigma: number('sigma') ?? 0, J: number('J') ?? 0 },
    count: number('count') ?? LIVE_DEFAULTS.count,
    dt: number('dt') ?? d.dt,
    bins: number('bins') ?? LIVE_DEFAULTS.bins,
    window: number('window') ?? LIVE_DEFAULTS.window,
    stepsPerFrame: number('spf') ?? LIVE_DEFAULTS.stepsPerFrame,
  };
}

export function neuronsSettingsToUrl(s: NeuronsLiveSettings): Record<string, string | number> {
  return { mode: 'live', model: 'neurons', neuron: s.neuron, ...s.values, count: s.count, dt: s.dt, bins: s.bins, window: s.window, spf: s.stepsPerFrame };
}

/** The model defaults of `neuron` (a change of model takes its current range and dt). */
export function neuronDefaults(neuron: NeuronModelName): { I0: number; I1: number; dt: number } {
  return MODEL_DEFAULTS[neuron];
}
