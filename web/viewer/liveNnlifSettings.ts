/**
 * What live mode for nnlif (the NNLIF Fokker–Planck PDE, one population) lets the user set, how it goes
 * into an nnlif run config (src/models/nnlif/config.ts, which validates it and names the field it
 * refuses), and how it reads from and writes to the URL (?mode=live&model=nnlif&b=…). Units are those of
 * the config: voltages as in the NNLIF model (VR = 1, VF = 2 by default), time in membrane times.
 */
import type { NnlifRunConfig } from '../../src/models/nnlif/config';
import { resolveNnlifRunConfig } from '../../src/models/registry';
import type { SliderSpec } from './livePanel';

export type NnlifParameterKey = 'b' | 'a0' | 'a1' | 'tau' | 'delay' | 'VR' | 'VF' | 'rate' | 'v0' | 'sv';

/** The model constants with a slider. Which of them go on from the running state: liveNnlif.ts. */
export const NNLIF_PARAMETERS: readonly SliderSpec<NnlifParameterKey>[] = [
  { key: 'b', field: 'nnlif.b', label: 'b', min: -5, max: 5, hint: 'connectivity: the drift is −v + b·N(t − d) (b > 0 excitatory)', allowed: 'any finite number' },
  { key: 'a0', field: 'nnlif.a0', label: 'a₀', min: 0.05, max: 5, log: true, hint: 'noise: a(N) = a0 + a1·N is the diffusion coefficient (σ² = 2a)', allowed: '(0, ∞)' },
  { key: 'a1', field: 'nnlif.a1', label: 'a₁', min: -1, max: 5, hint: 'growth of the noise with the activity; a(N) ≤ 0 stops the run', allowed: 'any finite number' },
  { key: 'tau', field: 'nnlif.tau', label: 'τ', min: 0, max: 1, hint: 'mean refractory time (0: none); setting it to 0 from τ > 0 restarts', allowed: '[0, ∞)' },
  { key: 'delay', field: 'nnlif.delay', label: 'delay d', min: 0, max: 0.5, hint: 'synaptic delay: drift and noise see N(t − d); restarts', allowed: '[0, ∞), a whole number of steps dt' },
  { key: 'VR', field: 'nnlif.VR', label: 'V_R', min: -1, max: 1.95, hint: 'reset potential', allowed: 'vmin < VR < VF' },
  { key: 'VF', field: 'nnlif.VF', label: 'V_F', min: 1.05, max: 4, hint: 'firing threshold, the top of the v axis (hard); restarts', allowed: 'VR < VF, v0 < VF' },
  { key: 'rate', field: 'nnlif.firing.rate', label: 'soft rate', min: 1, max: 200, log: true, hint: 'soft threshold: neurons above VF fire at this rate', allowed: '(0, ∞)' },
  { key: 'v0', field: 'initial.v0', label: 'v₀', min: -1, max: 1.95, hint: 'centre of the initial Gaussian; restarts', allowed: 'vmin < v0 < VF' },
  { key: 'sv', field: 'initial.sv', label: 's_v', min: 0.01, max: 1, log: true, hint: 'width of the initial Gaussian; restarts', allowed: '(0, ∞)' },
];

export type NnlifFiringKind = 'hard' | 'soft';

export interface NnlifLiveSettings {
  values: Record<NnlifParameterKey, number>;
  /** hard: absorbing at VF, N the outflux; soft: neurons above VF fire at `rate`, the axis goes on to VF + 1 */
  firing: NnlifFiringKind;
  nv: number;
  dt: number;
  /** bottom of the v axis; fixed once chosen (default: the config's rule at the page's parameters), so a0 and VR change without moving the grid */
  vmin: number;
  /** a step whose N would exceed this is refused: the run stops with status blowup */
  Nmax: number;
  /** the span of time N(t) shows (a scrolling plot) */
  window: number;
  stepsPerFrame: number;
}

/** The CLI's defaults (resolveNnlifRunConfig of {model: "nnlif"}), and these for live mode only. */
const LIVE_DEFAULTS = { window: 5, stepsPerFrame: 20, rate: 20 };

/** The run config of these settings (validated: throws ConfigError naming the field). */
export function nnlifLiveConfig(s: NnlifLiveSettings): NnlifRunConfig {
  return resolveNnlifRunConfig(configInput(s));
}

function configInput(s: NnlifLiveSettings) {
  const v = s.values;
  return {
    model: 'nnlif',
    nnlif: {
      b: v.b,
      a0: v.a0,
      a1: v.a1,
      tau: v.tau,
      delay: v.delay,
      VR: v.VR,
      VF: v.VF,
      firing: s.firing === 'soft' ? { kind: 'soft', rate: v.rate } : { kind: 'hard' },
      ...(Number.isFinite(s.vmin) ? { vmin: s.vmin } : {}),
    },
    grid: { nv: s.nv },
    // live mode has no final time; T = dt keeps dt as given (a run's dt is T over a whole number of steps)
    time: { T: s.dt, dt: s.dt, Nmax: s.Nmax },
    initial: { v0: v.v0, sv: v.sv },
  };
}

/** The defaults, then every key present in the URL on top; vmin from the config's default rule when absent. */
export function nnlifSettingsFromUrl(query: URLSearchParams): NnlifLiveSettings {
  const defaults = resolveNnlifRunConfig({ model: 'nnlif' });
  const pop = defaults.populations[0]!;
  const values: Record<NnlifParameterKey, number> = {
    b: defaults.coupling.b[0]![0]!,
    a0: pop.a0,
    a1: defaults.coupling.a1[0]![0]!,
    tau: pop.tau,
    delay: defaults.delay,
    VR: pop.VR,
    VF: pop.VF,
    rate: LIVE_DEFAULTS.rate,
    v0: pop.initial.v0,
    sv: pop.initial.sv,
  };
  const number = (key: string) => (query.has(key) ? Number(query.get(key)) : undefined);
  for (const spec of NNLIF_PARAMETERS) {
    const x = number(spec.key);
    if (x !== undefined) values[spec.key] = x;
  }
  const settings: NnlifLiveSettings = {
    values,
    firing: query.get('firing') === 'soft' ? 'soft' : 'hard',
    nv: number('nv') ?? defaults.grid.nv,
    dt: number('dt') ?? defaults.time.dt,
    vmin: number('vmin') ?? Number.NaN,
    Nmax: number('Nmax') ?? defaults.time.Nmax,
    window: number('window') ?? LIVE_DEFAULTS.window,
    stepsPerFrame: number('spf') ?? LIVE_DEFAULTS.stepsPerFrame,
  };
  if (!Number.isFinite(settings.vmin)) {
    try {
      settings.vmin = nnlifLiveConfig(settings).populations[0]!.vmin;
    } catch {
      // invalid parameters in the URL: the page reports them; vmin stays to the config's rule
    }
  }
  return settings;
}

export function nnlifSettingsToUrl(s: NnlifLiveSettings): Record<string, string | number> {
  return {
    mode: 'live',
    model: 'nnlif',
    ...Object.fromEntries(NNLIF_PARAMETERS.map((spec) => [spec.key, s.values[spec.key]])),
    firing: s.firing,
    nv: s.nv,
    dt: s.dt,
    ...(Number.isFinite(s.vmin) ? { vmin: s.vmin } : {}),
    Nmax: s.Nmax,
    window: s.window,
    spf: s.stepsPerFrame,
  };
}
