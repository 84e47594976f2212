/**
 * Everything live mode lets the user set, its allowed range, how it goes into a kinfire config, and how
 * it reads from and writes to the URL (so that a view can be shared). The ranges of the sliders are the
 * ranges one explores; the number beside each slider accepts any value, and the config schema
 * (src/models/config.ts) decides, with its own error naming the field and the allowed range.
 */
import type { SliderSpec } from './livePanel';
import { type ConfigInput, type ModelKind, type KinfireConfig, resolveConfig, type ParticleConfig, resolveParticleConfig } from '../../src/models/config';

export const LIVE_MODELS: readonly ModelKind[] = ['vc', 'vc-threshold', 'vc-limit'];

/** A model constant of the vc models with a slider. */
export type ParameterSpec = SliderSpec<ParameterKey>;

export type ParameterKey = 'eps' | 'a' | 'gin' | 'b' | 'gL' | 'VL' | 'VR' | 'VF' | 'VE' | 'phi0' | 'width' | 'cfl';

export const PARAMETERS: readonly ParameterSpec[] = [
  { key: 'eps', field: 'params.eps', label: 'ε', min: 1e-6, max: 10, log: true, hint: 'conductance time scale; ε → 0 is the limit equation', allowed: '[1e-12, 1e6]' },
  { key: 'b', field: 'params.b', label: 'b', min: -5, max: 10, hint: 'connectivity: Geq = gin + b·N (b > 0 excitatory)', allowed: 'any finite number' },
  { key: 'gin', field: 'params.gin', label: 'g_in', min: -2, max: 5, hint: 'external input conductance', allowed: 'any finite number' },
  { key: 'a', field: 'params.a', label: 'a', min: 0.01, max: 3, hint: 'variance of the conductance noise', allowed: '(0, ∞)' },
  { key: 'gL', field: 'params.gL', label: 'g_L', min: 0.1, max: 5, hint: 'leak conductance', allowed: '(0, ∞)' },
  { key: 'VL', field: 'params.VL', label: 'V_L', min: -1, max: 0.9, hint: 'leak potential (bottom of the v axis)', allowed: 'VL ≤ VR' },
  { key: 'VR', field: 'params.VR', label: 'V_R', min: -1, max: 1, hint: 'reset potential', allowed: 'VL ≤ VR < VF (vc-threshold: VR = VL)' },
  { key: 'VF', field: 'params.VF', label: 'V_F', min: 0.2, max: 4, hint: 'firing threshold', allowed: 'VR < VF < VE' },
  { key: 'VE', field: 'params.VE', label: 'V_E', min: 1.2, max: 10, hint: 'excitatory reversal potential (top of the v axis for vc)', allowed: 'VE > VF' },
  { key: 'phi0', field: 'params.phiF.rate', label: 'φ₀', min: 0, max: 100, hint: 'firing rate above V_F', allowed: '[0, ∞)' },
  { key: 'width', field: 'params.phiF.width', label: 'width', min: 0.005, max: 1, log: true, hint: 'sigmoid width of φF', allowed: '(0, ∞)' },
  { key: 'cfl', field: 'time.cfl', label: 'Courant', min: 0.05, max: 20, log: true, hint: 'dt = Courant·Δv / max|u|; the scheme is stable for any value', allowed: '(0, 1000]' },
];

/** Initial conditions: kinfire's Gaussian initial data with these keys (config `initial`). */
export const INITIAL_PRESETS = {
  default: { label: 'Gaussian (v0 = 0.5, g0 = 0.8)', initial: {} },
  prepared: { label: 'Gaussian in v, equilibrium in g', initial: { prepared: true } },
  threshold: { label: 'near the threshold', initial: { v0: 0.85, sv: 0.05 } },
  quiet: { label: 'low voltage, low conductance', initial: { v0: 0.1, sv: 0.05, g0: 0.2, sg: 0.1 } },
  wide: { label: 'wide spread', initial: { v0: 0.5, sv: 0.3, g0: 1.5, sg: 0.8 } },
} as const;
export type InitialPreset = keyof typeof INITIAL_PRESETS;

export type FiringKind = 'step' | 'constant' | 'sigmoid';

export interface LiveSettings {
  model: ModelKind;
  values: Record<ParameterKey, number>;
  firing: FiringKind;
  nv: number;
  ng: number;
  /** g axis top; fixed once chosen, so that changing b or gin keeps the grid (and the state) */
  gmax: number;
  stepsPerFrame: number;
  initial: InitialPreset;
  /** neurons of the particle system drawn over the density (0: none) */
  particles: number;
  seed: number;
}

const DEFAULT_GRID = { nv: 192, ng: 128 };

/** The config of these settings (validated: throws ConfigError naming the field). */
export function liveConfig(s: LiveSettings): KinfireConfig {
  return resolveConfig(configInput(s));
}

function configInput(s: LiveSettings): ConfigInput {
  const v = s.values;
  return {
    model: s.model,
    params: { eps: v.eps, a: v.a, gin: v.gin, b: v.b, gL: v.gL, VL: v.VL, VR: v.VR, VF: v.VF, VE: v.VE, phiF: { kind: s.firing, rate: v.phi0, width: v.width } },
    grid: { nv: s.nv, ng: s.ng, ...(Number.isFinite(s.gmax) ? { gmax: s.gmax } : {}) },
    // live mode has no final time; T only has to be a valid one
    time: { T: 1, cfl: v.cfl },
    initial: INITIAL_PRESETS[s.initial].initial,
  };
}

/** The particle system beside the PDE: the same model, parameters, grid (for its histogram) and dt. */
export function liveParticleConfig(s: LiveSettings, kinetic: KinfireConfig): ParticleConfig {
  const input = configInput(s);
  return resolveParticleConfig({ ...input, time: { T: 1, dt: kinetic.time.dt }, particles: { count: s.particles, seed: s.seed } });
}

/** The default settings, then every key present in the URL on top; gmax from the config's default rule. */
export function settingsFromUrl(query: URLSearchParams): LiveSettings {
  const defaults = resolveConfig({ model: 'vc' });
  const p = defaults.params;
  const values: Record<ParameterKey, number> = {
    eps: p.eps,
    a: p.a,
    gin: p.gin,
    b: p.b,
    gL: p.gL,
    VL: p.VL,
    VR: p.VR,
    VF: p.VF,
    VE: p.VE,
    phi0: p.phiF.rate,
    width: p.phiF.width,
    cfl: defaults.time.cfl,
  };
  const number = (key: string) => (query.has(key) ? Number(query.get(key)) : undefined);
  for (const spec of PARAMETERS) {
    const x = number(spec.key);
    if (x !== undefined) values[spec.key] = x;
  }
  const model = query.get('model') as ModelKind | null;
  const firing = query.get('phi') as FiringKind | null;
  const initial = query.get('ic') as InitialPreset | null;
  const settings: LiveSettings = {
    model: model && LIVE_MODELS.includes(model) ? model : 'vc',
    values,
    firing: firing && ['step', 'constant', 'sigmoid'].includes(firing) ? firing : p.phiF.kind,
    nv: number('nv') ?? DEFAULT_GRID.nv,
    ng: number('ng') ?? DEFAULT_GRID.ng,
    gmax: number('gmax') ?? Number.NaN,
    stepsPerFrame: number('spf') ?? 10,
    initial: initial && initial in INITIAL_PRESETS ? initial : 'default',
    particles: number('particles') ?? 0,
    seed: number('seed') ?? 1,
  };
  if (!Number.isFinite(settings.gmax)) settings.gmax = resolveConfig(configInput(settings)).grid.gmax;
  return settings;
}

export function settingsToUrl(s: LiveSettings): Record<string, string | number> {
  return {
    mode: 'live',
    model: s.model,
    ...Object.fromEntries(PARAMETERS.map((spec) => [spec.key, s.values[spec.key]])),
    phi: s.firing,
    nv: s.nv,
    ng: s.ng,
    gmax: s.gmax,
    spf: s.stepsPerFrame,
    ic: s.initial,
    particles: s.particles,
    seed: s.seed,
  };
}
