/**
 * The voltage-conductance family (models "vc", "vc-threshold", "vc-limit"): every key of its run
 * configuration, its unit, its default and its allowed range, validated by zod, and the resolution of a
 * run (the kinetic solver and the ε → 0 limit).
 *
 * Units are the dimensionless ones of the voltage-conductance model: voltages in units of
 * (V_F − V_L), conductances in units of the leak g_L, time in units of the membrane time 1/g_L.
 * The defaults are those of the issue / README: gL = 1, VL = VR = 0, VF = 1, VE = 14/3, a = 0.3,
 * gin = 0.8, b = 0.5, φ0 = 20, ε = 0.05.
 */
import { z } from 'zod';
import { particlesSchema } from '../particles/config';
import { ConfigError, num } from '../schema';

export const VC_MODELS = ['vc', 'vc-threshold', 'vc-limit'] as const;
export type ModelKind = (typeof VC_MODELS)[number];
export type FiringRateKind = 'step' | 'constant' | 'sigmoid';

const firingRateSchema = z.strictObject({
  /** φF(v): 'step' φ0·1{v > VF}, 'constant' φ0, 'sigmoid' φ0 / (1 + exp(−(v − VF)/w)) */
  kind: z.enum(['step', 'constant', 'sigmoid']).default('step'),
  /** φ0, firing rate scale [1/time] */
  rate: num({ min: 0 }).default(20),
  /** w, sigmoid width [voltage]; used only by 'sigmoid' */
  width: num({ min: 0, minOpen: true }).default(0.05),
});

const paramsSchema = z.strictObject({
  gL: num({ min: 0, minOpen: true }).default(1),
  VL: num().default(0),
  VR: num().default(0),
  VF: num().default(1),
  VE: num().default(14 / 3),
  /** variance of the conductance noise; the g-equilibrium is N(Geq, a) truncated to g ≥ 0 */
  a: num({ min: 0, minOpen: true }).default(0.3),
  /** ε, the conductance time scale; the g-step is stable for any ε, dt */
  eps: num({ min: 1e-12, max: 1e6 }).default(0.05),
  /** Geq(v, N) = gin + b·N */
  gin: num().default(0.8),
  /** network connectivity: b > 0 excitatory, b < 0 inhibitory */
  b: num().default(0.5),
  phiF: firingRateSchema.default(() => firingRateSchema.parse({})),
});

const gridSchema = z.strictObject({
  /** cells in v */
  nv: num({ min: 8, max: 65536, integer: true }).default(256),
  /** cells in g */
  ng: num({ min: 8, max: 65535, integer: true }).default(128),
  /** upper end of the conductance axis; default from the equilibrium bound (see defaultGmax) */
  gmax: num({ min: 0, minOpen: true }).optional(),
});

const timeSchema = z.strictObject({
  /** final time */
  T: num({ min: 0, minOpen: true }).default(1),
  /** time step; default cfl·Δv / max|u| (the transport CFL bound) */
  dt: num({ min: 0, minOpen: true }).optional(),
  /** Courant number for the default dt; the semi-Lagrangian transport is stable for any value */
  cfl: num({ min: 0, minOpen: true, max: 1000 }).default(0.9),
  /** a run stops with status "blowup" when N(t) exceeds this rate */
  Nmax: num({ min: 0, minOpen: true }).default(1e6),
});

const initialSchema = z.strictObject({
  kind: z.literal('gaussian').default('gaussian'),
  v0: num().default(0.5),
  sv: num({ min: 0, minOpen: true }).default(0.15),
  g0: num().default(0.8),
  sg: num({ min: 0, minOpen: true }).default(0.3),
  /**
   * well-prepared data: keep the v-profile, replace the g-profile by the local equilibrium
   * M(g; Geq(N0)) (always so for vc-limit)
   */
  prepared: z.boolean({ error: 'must be true or false' }).default(false),
});

const outputSchema = z.strictObject({
  /** write a row of activity.csv every `every` steps */
  every: num({ min: 1, max: 1e9, integer: true }).default(1),
  /** times at which p is written (.npy and .png); default [T] */
  snapshots: z.array(num({ min: 0 })).max(10000).optional(),
});

/** The run config of the vc family; `particles` is the particle system's block (used by `kinfire particles`). */
export const vcRunSchema = z.strictObject({
  model: z.enum(VC_MODELS, { error: 'must be one of "vc", "vc-threshold", "vc-limit"' }).default('vc'),
  params: paramsSchema.default(() => paramsSchema.parse({})),
  grid: gridSchema.default(() => gridSchema.parse({})),
  time: timeSchema.default(() => timeSchema.parse({})),
  initial: initialSchema.default(() => initialSchema.parse({})),
  output: outputSchema.default(() => outputSchema.parse({})),
  particles: particlesSchema.optional(),
});

export type VcInput = z.input<typeof vcRunSchema>;
export type VcParsed = z.output<typeof vcRunSchema>;
export type ModelParams = VcParsed['params'];
export type FiringRateParams = ModelParams['phiF'];


/** A fully resolved configuration: every default filled in, derived quantities computed. */
export interface KinfireConfig {
  model: ModelKind;
  params: ModelParams;
  grid: { nv: number; ng: number; gmax: number };
  time: { T: number; dt: number; cfl: number; Nmax: number; steps: number };
  initial: VcParsed['initial'];
  output: { every: number; snapshots: number[] };
}

/** Largest firing rate the model can produce, used to bound Geq from above for the default gmax. */
export function maxFiringRate(params: ModelParams): number {
  return params.phiF.rate;
}

/**
 * Default gmax: the g-equilibrium is a Gaussian of mean Geq = gin + b·N and variance a. For the soft
 * model N = ∫φF p ≤ φ0 (mass 1), so Geq ≤ gin + max(b, 0)·φ0. Six standard deviations above the largest
 * possible mean leave a tail mass below 1e-9 of the equilibrium; the initial data's own tail is covered
 * the same way. The threshold model has no a-priori bound on N; φ0 is used as its rate scale and a
 * warning is raised during the run if mass piles up near gmax.
 */
export function defaultGmax(params: ModelParams, initial: VcParsed['initial']): number {
  const geqMax = Math.max(params.gin, params.gin + params.b * maxFiringRate(params));
  return Math.max(geqMax + 6 * Math.sqrt(params.a), initial.g0 + 6 * initial.sg, 6 * Math.sqrt(params.a));
}

/** Upper end of the voltage axis: VE for `vc` and `vc-limit` (soft threshold), VF for `vc-threshold`. */
export function voltageTop(model: ModelKind, params: ModelParams): number {
  return model === 'vc-threshold' ? params.VF : params.VE;
}

/** max over the grid of |u(v,g)| = |gL(VL − v) + g(VE − v)|, attained at a corner of the domain. */
export function maxVoltageSpeed(model: ModelKind, params: ModelParams, gmax: number): number {
  const u = (v: number, g: number) => Math.abs(params.gL * (params.VL - v) + g * (params.VE - v));
  const top = voltageTop(model, params);
  return Math.max(u(params.VL, 0), u(params.VL, gmax), u(top, 0), u(top, gmax));
}

/**
 * Resolve a parsed vc config for the kinetic solver (models/registry.ts parses raw input; resolveConfig
 * there is the entry point). Throws ConfigError naming the field. The `particles` block is ignored.
 */
export function resolveVcConfig(c: VcParsed): KinfireConfig {
  const model = c.model;
  const p = c.params;
  const order = (field: string, ok: boolean, what: string) => {
    if (!ok) throw new ConfigError(field, what);
  };
  order('params.VR', p.VL <= p.VR && p.VR < p.VF, `must satisfy VL ≤ VR < VF (got VL=${p.VL}, VR=${p.VR}, VF=${p.VF})`);
  order('params.VE', p.VF < p.VE, `must satisfy VF < VE (got VF=${p.VF}, VE=${p.VE})`);
  if (model === 'vc-threshold') {
    order('params.VR', p.VR === p.VL, `model vc-threshold reinjects at VL: VR must equal VL (got VR=${p.VR}, VL=${p.VL})`);
  }
  const gmax = c.grid.gmax ?? defaultGmax(p, c.initial);
  order(
    'grid.gmax',
    Number.isFinite(gmax) && gmax <= 1e6,
    `the default gmax = gin + max(b,0)·phiF.rate + 6√a = ${gmax} (from params.gin, params.b, params.phiF.rate, params.a) must be at most 1e6; set grid.gmax explicitly`,
  );
  const top = voltageTop(model, p);
  order('initial.v0', c.initial.v0 > p.VL && c.initial.v0 < top, `must lie in (VL, ${model === 'vc-threshold' ? 'VF' : 'VE'}) = (${p.VL}, ${top}) (got ${c.initial.v0})`);
  order('initial.g0', c.initial.g0 >= 0 && c.initial.g0 < gmax, `must lie in [0, gmax) = [0, ${gmax}) (got ${c.initial.g0})`);

  const dv = (top - p.VL) / c.grid.nv;
  const dtCfl = (c.time.cfl * dv) / maxVoltageSpeed(model, p, gmax);
  const dtWanted = c.time.dt ?? dtCfl;
  // T is hit exactly: the step is shortened so that an integer number of steps reaches T.
  const steps = Math.max(1, Math.ceil(c.time.T / dtWanted - 1e-9));
  order('time.dt', steps <= 1e9, `gives ${steps} steps to reach T; must give at most 1e9 (use a larger dt or smaller T)`);
  const dt = c.time.T / steps;

  const snapshots = (c.output.snapshots ?? [c.time.T]).slice().sort((x, y) => x - y);
  snapshots.forEach((s, k) => order(`output.snapshots.${k}`, s <= c.time.T * (1 + 1e-12), `must lie in [0, T] = [0, ${c.time.T}] (got ${s})`));

  return {
    model: model,
    params: p,
    grid: { nv: c.grid.nv, ng: c.grid.ng, gmax },
    time: { T: c.time.T, dt, cfl: c.time.cfl, Nmax: c.time.Nmax, steps },
    initial: c.initial,
    output: { every: c.output.every, snapshots },
  };
}

