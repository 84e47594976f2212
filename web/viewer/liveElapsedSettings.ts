/**
 * What live mode for the elapsed-time model lets the user set, how it goes into an elapsed run config
 * (src/models/elapsed/config.ts, which validates it and names the field it refuses), and how it reads from
 * and writes to the URL (?mode=live&model=elapsed&b=…). Units are those of the config: ages and times in the
 * model's time unit, rates in 1/time, X = b·(averaged N).
 */
import type { ElapsedRunConfig } from '../../src/models/elapsed/config';
import { resolveElapsedRunConfig } from '../../src/models/registry';
import type { SliderSpec } from './livePanel';

export type ElapsedParameterKey = 'b' | 's0' | 'k' | 'phi0' | 'w' | 'smin' | 'd' | 'tau' | 'mean' | 'sd';

/** The model constants with a slider. Which of them go on from the running state: liveElapsed.ts (ElapsedSolver.whyNotContinued). */
export const ELAPSED_PARAMETERS: readonly SliderSpec<ElapsedParameterKey>[] = [
  { key: 'b', field: 'elapsed.b', label: 'b', min: -3, max: 3, hint: 'connectivity: X = b·(averaged N); > 0 shortens s* (excitation), < 0 lengthens it', allowed: 'any finite number' },
  { key: 's0', field: 'elapsed.s0', label: 's₀', min: 0.1, max: 5, log: true, hint: 'threshold age of the uncoupled neuron, s*(0)', allowed: '(0, ∞)' },
  { key: 'k', field: 'elapsed.k', label: 'k', min: 0, max: 5, hint: 'sensitivity of s* to X: s* = s0/(1 + kX) or max(s0 − kX, smin)', allowed: '[0, ∞)' },
  { key: 'phi0', field: 'elapsed.phi0', label: 'φ₀', min: 0.5, max: 200, log: true, hint: 'firing rate above the threshold age [1/time]', allowed: '(0, ∞), or ∞ (threshold firing)' },
  { key: 'w', field: 'elapsed.w', label: 'width w', min: 0.01, max: 1, log: true, hint: 'sigmoid firing: the width of the sigmoid [time]', allowed: '(0, ∞)' },
  { key: 'smin', field: 'elapsed.smin', label: 's_min', min: 0, max: 2, hint: 'linear s*: its floor [time]', allowed: '[0, s0]' },
  { key: 'd', field: 'elapsed.d', label: 'delay d', min: 0, max: 3, hint: 'delay kernel: X = b·N(t − d) [time]; restarts', allowed: '(0, ∞), a whole number of steps dt' },
  { key: 'tau', field: 'elapsed.tau', label: 'τ', min: 0.01, max: 5, log: true, hint: 'exponential kernel: α(u) = e^{−u/τ}/τ [time]', allowed: '(0, ∞)' },
  { key: 'mean', field: 'initial.mean', label: 'initial mean', min: 0, max: 3, hint: 'the initial ages: a Gaussian of this mean (truncated to s ≥ 0), mass 1; restarts', allowed: '[0, smax]' },
  { key: 'sd', field: 'initial.sd', label: 'initial sd', min: 0.01, max: 1, log: true, hint: 'the width of the initial Gaussian; restarts', allowed: '(0, ∞)' },
];

export const ELAPSED_KERNELS = ['instant', 'delay', 'exponential'] as const;
export const ELAPSED_FIRINGS = ['threshold', 'sigmoid'] as const;
export const ELAPSED_AGES = ['hyperbolic', 'linear'] as const;

export interface ElapsedLiveSettings {
  values: Record<ElapsedParameterKey, number>;
  kernel: (typeof ELAPSED_KERNELS)[number];
  firing: (typeof ELAPSED_FIRINGS)[number];
  /** threshold firing with φ0 = ∞: a neuron fires exactly when its age reaches s* */
  infinite: boolean;
  thresholdAge: (typeof ELAPSED_AGES)[number];
  /** the time step, also the width of an age cell */
  dt: number;
  /** the largest age resolved; fixed once chosen (default: the config's rule at the page's parameters), so s0 and φ0 change without moving the cells */
  smax: number;
  Nmax: number;
  /** the span of time N(t) shows (a scrolling plot) */
  window: number;
  stepsPerFrame: number;
}

/**
 * Live mode's own defaults: dt = 0.02 (with the CLI's 0.01 a frame moves time on half as far: on SwiftShader
 * a frame takes about one step, its latency and readbacks costing more than the step), the delay and τ
 * offered when their kernel is chosen, the width and floor of the kinds that use them, the plot's span and pace.
 */
const LIVE_DEFAULTS = { dt: 0.02, window: 10, stepsPerFrame: 50, d: 0.5, tau: 0.5, w: 0.1, smin: 0 };

/** The run config of these settings (validated: throws ConfigError naming the field). */
export function elapsedLiveConfig(s: ElapsedLiveSettings): ElapsedRunConfig {
  return resolveElapsedRunConfig(configInput(s));
}

function configInput(s: ElapsedLiveSettings) {
  const v = s.values;
  return {
    model: 'elapsed',
    elapsed: {
      b: v.b,
      kernel: s.kernel,
      ...(s.kernel === 'delay' ? { d: v.d } : s.kernel === 'exponential' ? { tau: v.tau } : {}),
      firing: s.firing,
      phi0: s.infinite ? 'Infinity' : v.phi0,
      ...(s.firing === 'sigmoid' ? { w: v.w } : {}),
      thresholdAge: s.thresholdAge,
      s0: v.s0,
      k: v.k,
      ...(s.thresholdAge === 'linear' ? { smin: v.smin } : {}),
    },
    grid: Number.isFinite(s.smax) ? { smax: s.smax } : {},
    // live mode has no final time; T = dt keeps dt as given (a run's dt is T over a whole number of steps)
    time: { T: s.dt, dt: s.dt, Nmax: s.Nmax },
    initial: { kind: 'gaussian', mean: v.mean, sd: v.sd },
  };
}

const oneOf = <T extends string>(choices: readonly T[], value: string | null, fallback: T): T => (value !== null && (choices as readonly string[]).includes(value) ? (value as T) : fallback);

/** The defaults, then every key present in the URL on top; smax from the config's default rule when absent. */
export function elapsedSettingsFromUrl(query: URLSearchParams): ElapsedLiveSettings {
  const defaults = resolveElapsedRunConfig({ model: 'elapsed' });
  const m = defaults.elapsed;
  const initial = defaults.initial.kind === 'gaussian' ? defaults.initial : { mean: 0.5, sd: 0.2 };
  const values: Record<ElapsedParameterKey, number> = {
    b: m.b,
    s0: m.s0,
    k: m.k,
    phi0: Number.isFinite(m.phi0) ? m.phi0 : 10,
    w: LIVE_DEFAULTS.w,
    smin: LIVE_DEFAULTS.smin,
    d: LIVE_DEFAULTS.d,
    tau: LIVE_DEFAULTS.tau,
    mean: initial.mean,
    sd: initial.sd,
  };
  const number = (key: string) => (query.has(key) ? Number(query.get(key)) : undefined);
  const infinite = query.get('phi0') === 'Infinity';
  for (const spec of ELAPSED_PARAMETERS) {
    const x = number(spec.key);
    if (x !== undefined && !(spec.key === 'phi0' && infinite)) values[spec.key] = x;
  }
  const settings: ElapsedLiveSettings = {
    values,
    kernel: oneOf(ELAPSED_KERNELS, query.get('kernel'), 'instant'),
    firing: oneOf(ELAPSED_FIRINGS, query.get('firing'), m.firing),
    infinite,
    thresholdAge: oneOf(ELAPSED_AGES, query.get('age'), m.thresholdAge),
    dt: number('dt') ?? LIVE_DEFAULTS.dt,
    smax: number('smax') ?? Number.NaN,
    Nmax: number('Nmax') ?? defaults.time.Nmax,
    window: number('window') ?? LIVE_DEFAULTS.window,
    stepsPerFrame: number('spf') ?? LIVE_DEFAULTS.stepsPerFrame,
  };
  if (!Number.isFinite(settings.smax)) {
    try {
      settings.smax = elapsedLiveConfig(settings).grid.smax;
    } catch {
      // invalid parameters in the URL: the page reports them; smax stays to the config's rule
    }
  }
  return settings;
}

export function elapsedSettingsToUrl(s: ElapsedLiveSettings): Record<string, string | number> {
  return {
    mode: 'live',
    model: 'elapsed',
    ...Object.fromEntries(ELAPSED_PARAMETERS.map((spec) => [spec.key, spec.key === 'phi0' && s.infinite ? 'Infinity' : s.values[spec.key]])),
    kernel: s.kernel,
    firing: s.firing,
    age: s.thresholdAge,
    dt: s.dt,
    ...(Number.isFinite(s.smax) ? { smax: s.smax } : {}),
    Nmax: s.Nmax,
    window: s.window,
    spf: s.stepsPerFrame,
  };
}
