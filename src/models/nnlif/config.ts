/**
 * The config of the NNLIF family (model "nnlif"): the `nnlif` block, shared by the particle system
 * (`kinfire particles`) and the Fokker–Planck PDE (`kinfire run`), and the resolution of a PDE run.
 * Units: voltages as in the deck's NNLIF model (VR = 1, VF = 2 by default), time in membrane times.
 */
import { z } from 'zod';
import { ConfigError, num, parseWith } from '../schema';
import type { NnlifFiring } from './fokkerPlanck';

const hardFiringSchema = z.strictObject({ kind: z.literal('hard') });
const softFiringSchema = z.strictObject({
  kind: z.literal('soft'),
  /** loss rate above VF [1/time] */
  rate: num({ min: 0, minOpen: true }).default(20),
  /** top of the domain, above VF; default VF + 1 */
  vmax: num().optional(),
});

/**
 * The noisy leaky integrate-and-fire model, dV = (−V + b·N(t−d)) dt + √(2a(N(t−d))) dW, a(N) = a0 + a1·N,
 * V < VF, reset to VR. Its own block, not `params`: b, a, VR and VF mean other things (and have other
 * defaults) than in the voltage-conductance models.
 */
export const nnlifSchema = z.strictObject({
  /** a0 > 0: the noise a(N) = a0 + a1·N (diffusion coefficient; σ² = 2a) */
  a0: num({ min: 0, minOpen: true }).default(1),
  /** a1: growth of the noise with the activity (particles clamp a(N) at 0; the PDE stops where a(N) ≤ 0) */
  a1: num().default(0),
  /** connectivity: the drift is −V + b·N; > 0 excitatory, < 0 inhibitory */
  b: num().default(0.5),
  /** reset potential */
  VR: num().default(1),
  /** firing threshold (the centre of the threshold distribution when thresholdSpread > 0) */
  VF: num().default(2),
  /** mean refractory time τ ≥ 0 [time]: a neuron that fired waits an Exp(mean τ) time, then re-enters at VR; 0 = none */
  tau: num({ min: 0 }).default(0),
  /** particles only: s ≥ 0, each neuron's threshold is uniform in [VF − s, VF + s], redrawn at every reset */
  thresholdSpread: num({ min: 0 }).default(0),
  /** particles only: Brownian-bridge correction of the threshold crossings between steps */
  bridge: z.boolean({ error: 'must be true or false' }).default(true),
  /** bottom of the v axis; default min(VR − 6√a0, v0 − 6·sv) */
  vmin: num().optional(),
  /** PDE: {kind: "hard"} (absorbing at VF, the default) or {kind: "soft", rate, vmax} (loss rate·n above VF) */
  firing: z.discriminatedUnion('kind', [hardFiringSchema, softFiringSchema], { error: 'must be {"kind": "hard"} or {"kind": "soft", "rate": …, "vmax": …}' }).default({ kind: 'hard' }),
  /** PDE: synaptic delay d ≥ 0 [time]: drift and noise see N(t − d); N(s) = N(0) for s ≤ 0 */
  delay: num({ min: 0 }).default(0),
});

export type NnlifBlock = z.output<typeof nnlifSchema>;

const gridSchema = z.strictObject({
  /** nodes of the v axis (the PDE's unknowns) */
  nv: num({ min: 8, max: 1 << 20, integer: true }).default(256),
});

const timeSchema = z.strictObject({
  T: num({ min: 0, minOpen: true }).default(1),
  /** default 1e-3; the scheme is implicit, so dt is limited by accuracy only */
  dt: num({ min: 0, minOpen: true }).optional(),
  /** a member whose N would exceed this stops with status "blowup" */
  Nmax: num({ min: 0, minOpen: true }).default(1e6),
  /** kept for configs shared with the vc models; unused by nnlif */
  cfl: num({ min: 0, minOpen: true }).optional(),
});

const initialSchema = z.strictObject({
  kind: z.literal('gaussian').default('gaussian'),
  v0: num().default(0.5),
  sv: num({ min: 0, minOpen: true }).default(0.15),
});

const outputSchema = z.strictObject({
  every: num({ min: 1, max: 1e9, integer: true }).default(1),
  snapshots: z.array(num({ min: 0 })).max(10000).optional(),
});

/** The PDE run's config (`kinfire run` with model "nnlif"); `particles` is accepted and ignored. */
const nnlifRunSchema = z.strictObject({
  model: z.literal('nnlif'),
  nnlif: nnlifSchema.default(() => nnlifSchema.parse({})),
  grid: gridSchema.default(() => gridSchema.parse({})),
  time: timeSchema.default(() => timeSchema.parse({})),
  initial: initialSchema.default(() => initialSchema.parse({})),
  output: outputSchema.default(() => outputSchema.parse({})),
  particles: z.unknown().optional(),
});

/** Where a key of another family belongs, for the error of an unknown key. */
function wrongBlock(key: string, where: string): string | undefined {
  if (where === '(root)' && key === 'params') return 'model "nnlif" takes its parameters from the "nnlif" block; params is for the vc models';
  if (where === 'grid' && (key === 'ng' || key === 'gmax')) return `grid.${key} is a key of the vc models: nnlif has no conductance axis`;
  if (where === 'initial' && ['g0', 'sg', 'prepared'].includes(key)) return `initial.${key} is a key of the vc models`;
  return undefined;
}

export const NNLIF_PDE_DEFAULT_DT = 1e-3;

/** A resolved NNLIF PDE run. */
export interface NnlifRunConfig {
  model: 'nnlif';
  nnlif: Omit<NnlifBlock, 'vmin' | 'firing'> & { vmin: number; firing: NnlifFiring };
  grid: { nv: number };
  time: { T: number; dt: number; Nmax: number; steps: number; delaySteps: number };
  initial: { kind: 'gaussian'; v0: number; sv: number };
  output: { every: number; snapshots: number[] };
}

/** Validate and resolve a config for the NNLIF PDE. Throws ConfigError naming the field and the range. */
export function resolveNnlifRunConfig(input: unknown): NnlifRunConfig {
  const c = parseWith(nnlifRunSchema, input, wrongBlock);
  const order = (field: string, ok: boolean, what: string) => {
    if (!ok) throw new ConfigError(field, what);
  };
  const n = c.nnlif;
  order('nnlif.VF', n.VR < n.VF, `must satisfy VR < VF (got VR=${n.VR}, VF=${n.VF})`);
  order('nnlif.thresholdSpread', n.thresholdSpread === 0, 'is a particle-system key (a random threshold per neuron); the PDE has the soft threshold nnlif.firing = {"kind": "soft", …} instead');
  order('initial.v0', c.initial.v0 < n.VF, `must lie below VF = ${n.VF} (got ${c.initial.v0})`);
  const vmin = n.vmin ?? Math.min(n.VR - 6 * Math.sqrt(n.a0), c.initial.v0 - 6 * c.initial.sv);
  order('nnlif.vmin', vmin < Math.min(n.VR, c.initial.v0), `must lie below VR = ${n.VR} and initial.v0 = ${c.initial.v0} (got ${vmin})`);
  let firing: NnlifFiring;
  if (n.firing.kind === 'soft') {
    const vmax = n.firing.vmax ?? n.VF + 1;
    order('nnlif.firing.vmax', vmax > n.VF, `must lie above VF = ${n.VF} (got ${vmax})`);
    firing = { kind: 'soft', rate: n.firing.rate, vmax };
  } else firing = { kind: 'hard' };
  const { T } = c.time;
  const steps = Math.max(1, Math.ceil(T / (c.time.dt ?? NNLIF_PDE_DEFAULT_DT) - 1e-9));
  order('time.dt', steps <= 1e9, `gives ${steps} steps to reach T; must give at most 1e9 (use a larger dt or smaller T)`);
  const dt = T / steps;
  const delaySteps = Math.round(n.delay / dt);
  order('nnlif.delay', Math.abs(delaySteps * dt - n.delay) <= 1e-9 * Math.max(n.delay, dt), `must be a whole number of steps: d / dt = ${n.delay / dt} (dt = ${dt}); choose time.dt so that it divides both T and d`);
  order('nnlif.delay', delaySteps <= 1e6, `is ${delaySteps} steps; at most 1e6 (the delay ring lives on the GPU)`);
  const snapshots = (c.output.snapshots ?? [T]).slice().sort((x, y) => x - y);
  snapshots.forEach((s, k) => order(`output.snapshots.${k}`, s <= T * (1 + 1e-12), `must lie in [0, T] = [0, ${T}] (got ${s})`));
  const { vmin: _vmin, firing: _firing, ...rest } = n;
  return {
    model: 'nnlif',
    nnlif: { ...rest, vmin, firing },
    grid: { nv: c.grid.nv },
    time: { T, dt, Nmax: c.time.Nmax, steps, delaySteps },
    initial: c.initial,
    output: { every: c.output.every, snapshots },
  };
}
