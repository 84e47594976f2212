/**
 * What live mode for the Wilson–Cowan field lets the user set, how it goes into a field run config
 * (src/models/field/config.ts, which validates it and names the field it refuses), and how it reads from and
 * writes to the URL (?mode=live&model=field&s0=…). Units are those of the config: time in the relaxation time of
 * the assemblies, space in the units of L and of the kernel widths, N and s in the units of the argument of σ.
 *
 * Live mode takes the analytic kernels (the difference of Gaussians, the difference of exponentials), a
 * constant input s0 with optional white noise, and a homogeneous initial state (a steady one by its index, or
 * a uniform N0) with its small perturbation: what needs no .npy file.
 */
import type { FieldRunConfig } from '../../src/models/field/config';
import { resolveFieldRunConfig } from '../../src/models/registry';
import type { SliderSpec } from './livePanel';

export type FieldParameterKey = 'Ae' | 'se' | 'Ai' | 'si' | 'beta' | 'theta' | 's0' | 'noise';

/** The model constants with a slider; every one goes on from the running state (liveField.ts). */
export const FIELD_PARAMETERS: readonly SliderSpec<FieldParameterKey>[] = [
  { key: 'Ae', field: 'field.kernel.Ae', label: 'A_e', min: 0, max: 10, hint: 'excitation: the integral of the narrow part of the kernel w', allowed: 'any finite number' },
  { key: 'se', field: 'field.kernel.se', label: 'σ_e', min: 0.1, max: 10, log: true, hint: 'the width of the excitation [space]', allowed: '(0, ∞)' },
  { key: 'Ai', field: 'field.kernel.Ai', label: 'A_i', min: 0, max: 10, hint: 'inhibition: the integral of the wide part, subtracted (ŵ(0) = Ae − Ai)', allowed: 'any finite number' },
  { key: 'si', field: 'field.kernel.si', label: 'σ_i', min: 0.1, max: 10, log: true, hint: 'the width of the inhibition [space]', allowed: '(0, ∞)' },
  { key: 'beta', field: 'field.sigmoid.beta', label: 'β', min: 0.1, max: 50, log: true, hint: 'the gain of σ [1/units of N]', allowed: '(0, 1e4]' },
  { key: 'theta', field: 'field.sigmoid.theta', label: 'θ', min: -2, max: 4, hint: 'the threshold of σ [units of N]', allowed: 'any finite number' },
  { key: 's0', field: 'field.source.s0', label: 's₀', min: -2, max: 3, hint: 'the input s, constant in space and time', allowed: 'any finite number' },
  { key: 'noise', field: 'field.source.amplitude', label: 'noise a', min: 0, max: 1, hint: 'additive white noise a·dW at every point (0: none)', allowed: '[0, ∞)' },
];

export const FIELD_DOMAIN_CHOICES = ['plane', 'ring'] as const;
export const FIELD_KERNELS = ['mexican-hat', 'exponential'] as const;
export const FIELD_SIGMOIDS = ['logistic', 'logistic-shifted', 'tanh'] as const;
export const FIELD_SCHEMES = ['etdrk4', 'etd1'] as const;
export const FIELD_INITIALS = ['steady', 'uniform'] as const;
/** cortex: N on the periodic plane; visual: the same pattern through the inverse retino-cortical map (src/models/field/retinotopy.ts) */
export const FIELD_VIEWS = ['cortex', 'visual'] as const;

export interface FieldLiveSettings {
  values: Record<FieldParameterKey, number>;
  domain: (typeof FIELD_DOMAIN_CHOICES)[number];
  kernel: (typeof FIELD_KERNELS)[number];
  sigmoid: (typeof FIELD_SIGMOIDS)[number];
  /** the grid: points per side, and the period / side L */
  n: number;
  L: number;
  dt: number;
  scheme: (typeof FIELD_SCHEMES)[number];
  /** the initial data: a homogeneous steady state (by its index, ascending; −1 the highest) or a uniform N0, plus ε·U(−1, 1) */
  initial: (typeof FIELD_INITIALS)[number];
  index: number;
  N0: number;
  eps: number;
  seed: number;
  Nmax: number;
  /** the plane: drawn on the cortex or in the visual field */
  view: (typeof FIELD_VIEWS)[number];
  /** the span of time N(t) shows (a scrolling plot; ≤ 0: since the start) */
  window: number;
  stepsPerFrame: number;
}

/**
 * Live mode's own defaults: a 128² plane (256² is the CLI's; SwiftShader takes about 40 ms a step at 128²),
 * dt = 0.25 (the exponential integrator is exact for the linear part, and the README's default run uses it),
 * the mean and max of N over the last 40 time units.
 */
const LIVE_DEFAULTS = { plane: 128, ring: 256, dt: 0.25, window: 40, stepsPerFrame: 20 };

/** The run config of these settings (validated: throws ConfigError naming the field). */
export function fieldLiveConfig(s: FieldLiveSettings): FieldRunConfig {
  return resolveFieldRunConfig(configInput(s));
}

function configInput(s: FieldLiveSettings) {
  const v = s.values;
  return {
    model: 'field',
    field: {
      domain: s.domain,
      L: s.L,
      n: s.n,
      kernel: { kind: s.kernel, Ae: v.Ae, se: v.se, Ai: v.Ai, si: v.si },
      sigmoid: { kind: s.sigmoid, beta: v.beta, theta: v.theta },
      source: v.noise !== 0 ? { kind: 'noise', s0: v.s0, amplitude: v.noise, seed: s.seed } : { kind: 'constant', s0: v.s0 },
    },
    // live mode has no final time; T = dt keeps dt as given (a run's dt is T over a whole number of steps)
    time: { T: s.dt, dt: s.dt, scheme: s.scheme, Nmax: s.Nmax },
    initial: s.initial === 'steady' ? { kind: 'steady', index: s.index, perturbation: s.eps, seed: s.seed } : { kind: 'uniform', N0: s.N0, perturbation: s.eps, seed: s.seed },
  };
}

const oneOf = <T extends string>(choices: readonly T[], value: string | null, fallback: T): T => (value !== null && (choices as readonly string[]).includes(value) ? (value as T) : fallback);

/** The CLI's defaults (resolveFieldRunConfig of {model: "field"}), live mode's own, then every key present in the URL on top. */
export function fieldSettingsFromUrl(query: URLSearchParams): FieldLiveSettings {
  const defaults = resolveFieldRunConfig({ model: 'field' });
  const k = defaults.kernel as { Ae: number; se: number; Ai: number; si: number };
  const values: Record<FieldParameterKey, number> = { Ae: k.Ae, se: k.se, Ai: k.Ai, si: k.si, beta: defaults.sigmoid.beta, theta: defaults.sigmoid.theta, s0: defaults.source.s0, noise: 0 };
  const number = (key: string) => (query.has(key) ? Number(query.get(key)) : undefined);
  for (const spec of FIELD_PARAMETERS) {
    const x = number(spec.key);
    if (x !== undefined) values[spec.key] = x;
  }
  const domain = oneOf(FIELD_DOMAIN_CHOICES, query.get('domain'), 'plane');
  const initial = defaults.initial as { perturbation: number; seed: number };
  return {
    values,
    domain,
    kernel: oneOf(FIELD_KERNELS, query.get('kernel'), 'mexican-hat'),
    sigmoid: oneOf(FIELD_SIGMOIDS, query.get('sigma'), defaults.sigmoid.kind),
    n: number('n') ?? LIVE_DEFAULTS[domain],
    L: number('L') ?? defaults.L,
    dt: number('dt') ?? LIVE_DEFAULTS.dt,
    scheme: oneOf(FIELD_SCHEMES, query.get('scheme'), defaults.time.scheme),
    initial: oneOf(FIELD_INITIALS, query.get('init'), 'steady'),
    index: number('index') ?? 0,
    N0: number('N0') ?? 0,
    eps: number('eps') ?? initial.perturbation,
    seed: number('seed') ?? initial.seed,
    Nmax: number('Nmax') ?? defaults.time.Nmax,
    view: oneOf(FIELD_VIEWS, query.get('view'), 'cortex'),
    window: number('window') ?? LIVE_DEFAULTS.window,
    stepsPerFrame: number('spf') ?? LIVE_DEFAULTS.stepsPerFrame,
  };
}

export function fieldSettingsToUrl(s: FieldLiveSettings): Record<string, string | number> {
  return {
    mode: 'live',
    model: 'field',
    domain: s.domain,
    n: s.n,
    L: s.L,
    kernel: s.kernel,
    ...Object.fromEntries(FIELD_PARAMETERS.map((spec) => [spec.key, s.values[spec.key]])),
    sigma: s.sigmoid,
    dt: s.dt,
    scheme: s.scheme,
    init: s.initial,
    ...(s.initial === 'steady' ? { index: s.index } : { N0: s.N0 }),
    eps: s.eps,
    seed: s.seed,
    Nmax: s.Nmax,
    view: s.view,
    window: s.window,
    spf: s.stepsPerFrame,
  };
}
