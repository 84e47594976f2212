/**
 * The config of the Wilson–Cowan neural field (model "field"): the `field` block and the resolution of a run.
 *
 *   ∂t N(x, t) = −N + ∫ w(x − y) σ(N(y, t)) dy + s(x, t)        on the ring (x ∈ [0, L), periodic) or the
 *                                                               plane ([0, L)², periodic)
 *   dN_i/dt    = −N_i + Σ_j W_ij σ(N_j) + s_i                    on a network of M nodes (W from a .npy)
 *
 * Units: time in the relaxation time of the assemblies (the −N term has rate 1), space in the units of L and
 * of the kernel widths, N and s in the units of the argument of σ (θ is in them, β in their inverse). The
 * kernel's amplitudes Ae, Ai are its integrals (ŵ(0) = Ae − Ai): w itself is in 1/space^d.
 *
 * The .npy files (kernel, source, initial data, W) are named here by path (relative to the working directory)
 * and read by src/io/fieldInputs.ts; checkFieldArrays below checks what was read.
 */
import { z } from 'zod';
import { ConfigError, num } from '../schema';

export const FIELD_DOMAINS = ['ring', 'plane', 'network'] as const;
export type FieldDomain = (typeof FIELD_DOMAINS)[number];

/** Grid sizes: powers of two. The plane's n is per side. */
export const FIELD_MIN_N = 8;
export const FIELD_MAX_RING_N = 1 << 22;
export const FIELD_MAX_PLANE_N = 8192;
/** Network nodes: W is M² f32, at most 1 GiB. */
export const FIELD_MAX_NODES = 16384;

const path = z.string({ error: 'must be the path of a .npy file' }).min(1, { error: 'must be the path of a .npy file' });

const kernelSchema = z.discriminatedUnion(
  'kind',
  [
    /** difference of normalised Gaussians: Ae·G(x; se) − Ai·G(x; si), G of integral 1 in d dimensions */
    z.strictObject({
      kind: z.literal('mexican-hat'),
      Ae: num().default(3),
      se: num({ min: 0, minOpen: true }).default(1),
      Ai: num().default(2.5),
      si: num({ min: 0, minOpen: true }).default(2),
    }),
    /** difference of normalised exponentials e^{−|x|/s}: ŵ = Ae/(1 + se²k²)^{(d+1)/2} − Ai/(1 + si²k²)^{(d+1)/2} */
    z.strictObject({
      kind: z.literal('exponential'),
      Ae: num().default(1),
      se: num({ min: 0, minOpen: true }).default(1),
      Ai: num().default(0),
      si: num({ min: 0, minOpen: true }).default(2),
    }),
    /** w sampled on the grid, centred: entry j (j, l) is w at the offset (j − n/2)·Δx (and (l − n/2)·Δx) */
    z.strictObject({ kind: z.literal('npy'), file: path }),
  ],
  { error: 'must be {"kind": "mexican-hat", "Ae", "se", "Ai", "si"}, {"kind": "exponential", "Ae", "se", "Ai", "si"} or {"kind": "npy", "file"}' },
);

const sigmoidSchema = z.strictObject({
  /** logistic 1/(1 + e^{−β(u−θ)}); logistic-shifted: the same minus its value at u = 0 (σ(0) = 0); tanh(β(u − θ)) */
  kind: z.enum(['logistic', 'logistic-shifted', 'tanh'], { error: 'must be "logistic", "logistic-shifted" or "tanh"' }).default('logistic'),
  /** β > 0: the gain [1/units of N] */
  beta: num({ min: 0, minOpen: true, max: 1e4 }).default(5),
  /** θ: the threshold [units of N] */
  theta: num().default(1),
});

const sourceSchema = z.strictObject({
  /** constant, a Gaussian bump s0 + A·exp(−|x − x0|²/2r²), additive white noise, or a field from a .npy (added to s0) */
  kind: z.enum(['constant', 'bump', 'noise', 'npy'], { error: 'must be "constant", "bump", "noise" or "npy"' }).default('constant'),
  /** s0: the constant part [units of N] */
  s0: num().default(0.75),
  /** bump: its amplitude A; noise: the amplitude a of dN = (…) dt + a dW_i, independent at each grid point */
  amplitude: num().optional(),
  /** bump: its centre (a number on the ring, [x, y] on the plane) [space]; default the middle of the domain */
  centre: z.union([num(), z.array(num()).length(2)], { error: 'must be a number (ring) or [x, y] (plane)' }).optional(),
  /** bump: its radius r > 0 [space] */
  radius: num({ min: 0, minOpen: true }).optional(),
  /** noise: the Philox seed, an integer in [0, 2^53) */
  seed: num({ min: 0, max: Number.MAX_SAFE_INTEGER, integer: true }).optional(),
  /** npy: s(x) (shape (n,), (n, n) or (M,)) */
  file: path.optional(),
});

const initialSchema = z.strictObject({
  /** uniform N0, a homogeneous steady state (by its index, ascending), or a .npy */
  kind: z.enum(['uniform', 'steady', 'npy'], { error: 'must be "uniform", "steady" or "npy"' }).default('steady'),
  /** uniform: N0 */
  N0: num().optional(),
  /** steady: the index of the homogeneous steady state (0 = the lowest; -1 = the highest) */
  index: num({ min: -64, max: 64, integer: true }).optional(),
  /** a perturbation ε·U(−1, 1), independent at each grid point (Philox, seed below), added to uniform or steady data */
  perturbation: num({ min: 0 }).default(1e-3),
  /** the seed of the perturbation, an integer in [0, 2^53) */
  seed: num({ min: 0, max: Number.MAX_SAFE_INTEGER, integer: true }).default(1),
  /** npy: N(x, 0) (shape (n,), (n, n) or (M,)) */
  file: path.optional(),
});

export const fieldSchema = z.strictObject({
  domain: z.enum(FIELD_DOMAINS, { error: 'must be "ring", "plane" or "network"' }).default('plane'),
  /** the period L > 0 of the ring / the side of the plane [space] */
  L: num({ min: 0, minOpen: true }).default(40),
  /** grid points: per side, a power of two (ring: 8 … 2^22, plane: 8 … 8192); network: none (M from W) */
  n: num({ min: 1, integer: true }).optional(),
  kernel: kernelSchema.default(() => kernelSchema.parse({ kind: 'mexican-hat' })),
  /** network: the connectivity W, a (M, M) .npy; entry (i, j) is the weight from node j to node i */
  W: path.optional(),
  sigmoid: sigmoidSchema.default(() => sigmoidSchema.parse({})),
  source: sourceSchema.default(() => sourceSchema.parse({})),
});

const timeSchema = z.strictObject({
  T: num({ min: 0, minOpen: true }).default(20),
  /** the time step; T/dt is rounded up to whole steps */
  dt: num({ min: 0, minOpen: true }).default(0.1),
  /** etdrk4: Cox–Matthews exponential Runge–Kutta, order 4 (4 convolutions a step); etd1: exponential Euler, order 1 (1) */
  scheme: z.enum(['etdrk4', 'etd1'], { error: 'must be "etdrk4" or "etd1"' }).default('etdrk4'),
  /** a step with max |N| above this, or a non-finite N, stops the run with status blowup / nonfinite */
  Nmax: num({ min: 0, minOpen: true }).default(1e6),
});

const outputSchema = z.strictObject({
  /** one row of activity.csv every `every` steps (plus the last); the spectral columns are computed on those steps */
  every: num({ min: 1, max: 1e9, integer: true }).default(10),
  snapshots: z.array(num({ min: 0 })).max(1000).optional(),
  /** the hallucination view (plane): the visual field's half-width in pixels of its PNG */
  viewPixels: num({ min: 32, max: 4096, integer: true }).default(400),
});

export const fieldRunSchema = z.strictObject({
  model: z.literal('field'),
  field: fieldSchema.default(() => fieldSchema.parse({})),
  time: timeSchema.default(() => timeSchema.parse({})),
  initial: initialSchema.default(() => initialSchema.parse({})),
  output: outputSchema.default(() => outputSchema.parse({})),
});

export type FieldParsed = z.output<typeof fieldRunSchema>;

export type FieldKernel =
  | { kind: 'mexican-hat'; Ae: number; se: number; Ai: number; si: number }
  | { kind: 'exponential'; Ae: number; se: number; Ai: number; si: number }
  | { kind: 'npy'; file: string };

export interface FieldSigmoid {
  kind: 'logistic' | 'logistic-shifted' | 'tanh';
  beta: number;
  theta: number;
}

export type FieldSource =
  | { kind: 'constant'; s0: number }
  | { kind: 'bump'; s0: number; amplitude: number; centre: number[]; radius: number }
  | { kind: 'noise'; s0: number; amplitude: number; seed: number }
  | { kind: 'npy'; s0: number; file: string };

export type FieldInitial =
  | { kind: 'uniform'; N0: number; perturbation: number; seed: number }
  | { kind: 'steady'; index: number; perturbation: number; seed: number }
  | { kind: 'npy'; file: string };

export interface FieldRunConfig {
  model: 'field';
  domain: FieldDomain;
  /** the period (ring) or side (plane); 0 for a network */
  L: number;
  /** points per side (ring, plane) or nodes (network: M, known once W is read; 0 until then) */
  n: number;
  /** d = 1 (ring), 2 (plane), 0 (network) */
  dim: 0 | 1 | 2;
  /** Δx = L/n (0 for a network) */
  dx: number;
  kernel: FieldKernel | { kind: 'matrix'; file: string };
  sigmoid: FieldSigmoid;
  source: FieldSource;
  time: { T: number; dt: number; steps: number; scheme: 'etdrk4' | 'etd1'; Nmax: number };
  initial: FieldInitial;
  output: { every: number; snapshots: number[]; viewPixels: number };
}

/** The number of grid points (or nodes) of the field. */
export const cellsOf = (c: Pick<FieldRunConfig, 'n' | 'dim'>): number => (c.dim === 2 ? c.n * c.n : c.n);

function nearestPowersOfTwo(n: number, lo: number, hi: number): string {
  const below = 2 ** Math.floor(Math.log2(Math.max(n, 1)));
  const options = [...new Set([below, below * 2].filter((p) => p >= lo && p <= hi))];
  return options.length ? options.join(' or ') : String(n < lo ? lo : hi);
}

/** Validate and resolve a config of model "field". Throws ConfigError naming the field and the allowed range. */
export function resolveFieldParsed(c: FieldParsed): FieldRunConfig {
  const order = (field: string, ok: boolean, what: string) => {
    if (!ok) throw new ConfigError(field, what);
  };
  const f = c.field;
  const domain = f.domain;
  const dim = domain === 'ring' ? 1 : domain === 'plane' ? 2 : 0;
  let n = 0;
  if (domain === 'network') {
    order('field.W', f.W !== undefined, 'is needed with domain "network": the path of a (M, M) .npy of the connectivity W');
    order('field.n', f.n === undefined, 'is not used with domain "network" (the number of nodes M is the size of W); remove it');
    order('field.kernel', c.field.kernel.kind === 'mexican-hat' && JSON.stringify(c.field.kernel) === JSON.stringify(kernelSchema.parse({ kind: 'mexican-hat' })), 'is not used with domain "network" (the connectivity is field.W); remove it');
  } else {
    order('field.W', f.W === undefined, `is the connectivity of domain "network"; domain "${domain}" uses field.kernel`);
    const max = dim === 1 ? FIELD_MAX_RING_N : FIELD_MAX_PLANE_N;
    n = f.n ?? (dim === 1 ? 256 : 256);
    const pow2 = n >= FIELD_MIN_N && n <= max && (n & (n - 1)) === 0;
    order('field.n', pow2, `must be a power of two in [${FIELD_MIN_N}, ${max}] for domain "${domain}" (the FFT's sizes); got ${n}, the nearest allowed: ${nearestPowersOfTwo(n, FIELD_MIN_N, max)}`);
  }
  const dx = dim ? f.L / n : 0;

  const s = f.source;
  const need = (key: string, ok: boolean, what: string) => order(`field.source.${key}`, ok, what);
  const unused = (key: keyof typeof s, kinds: string[]) => need(key, s[key] === undefined || kinds.includes(s.kind), `is not used by source kind "${s.kind}" (only by ${kinds.map((k) => `"${k}"`).join(', ')}); remove it`);
  unused('amplitude', ['bump', 'noise']);
  unused('centre', ['bump']);
  unused('radius', ['bump']);
  unused('seed', ['noise']);
  unused('file', ['npy']);
  let source: FieldSource;
  if (s.kind === 'bump') {
    need('kind', dim > 0, 'a bump needs a spatial domain (ring or plane); a network takes a source from a .npy');
    const centre = s.centre === undefined ? Array.from({ length: dim }, () => f.L / 2) : typeof s.centre === 'number' ? [s.centre] : s.centre;
    need('centre', centre.length === dim, dim === 1 ? 'must be a number on the ring' : 'must be [x, y] on the plane');
    source = { kind: 'bump', s0: s.s0, amplitude: s.amplitude ?? 1, centre, radius: s.radius ?? f.L / 10 };
  } else if (s.kind === 'noise') source = { kind: 'noise', s0: s.s0, amplitude: s.amplitude ?? 0.1, seed: s.seed ?? 1 };
  else if (s.kind === 'npy') {
    need('file', s.file !== undefined, 'is needed with source kind "npy": the path of a .npy of s(x)');
    source = { kind: 'npy', s0: s.s0, file: s.file! };
  } else source = { kind: 'constant', s0: s.s0 };

  const i = c.initial;
  const ineed = (key: string, ok: boolean, what: string) => order(`initial.${key}`, ok, what);
  ineed('N0', i.N0 === undefined || i.kind === 'uniform', `is the value of initial kind "uniform" (the kind is "${i.kind}"); remove it`);
  ineed('index', i.index === undefined || i.kind === 'steady', `is the steady state of initial kind "steady" (the kind is "${i.kind}"); remove it`);
  ineed('file', i.file === undefined || i.kind === 'npy', `is the data of initial kind "npy" (the kind is "${i.kind}"); remove it`);
  let initial: FieldInitial;
  if (i.kind === 'npy') {
    ineed('file', i.file !== undefined, 'is needed with initial kind "npy": the path of a .npy of N(x, 0)');
    initial = { kind: 'npy', file: i.file! };
  } else if (i.kind === 'uniform') initial = { kind: 'uniform', N0: i.N0 ?? 0, perturbation: i.perturbation, seed: i.seed };
  else {
    ineed('kind', source.kind === 'constant' || source.kind === 'noise', `"steady" needs a homogeneous source (source kind "constant" or "noise"); with source kind "${source.kind}" there is no homogeneous state: use initial kind "uniform" or "npy"`);
    initial = { kind: 'steady', index: i.index ?? 0, perturbation: i.perturbation, seed: i.seed };
  }

  const { T } = c.time;
  const steps = Math.max(1, Math.ceil(T / c.time.dt - 1e-9));
  order('time.dt', steps <= 1e9, `gives ${steps} steps to reach T; must give at most 1e9 (use a larger dt or smaller T)`);
  const dt = T / steps;
  const snapshots = (c.output.snapshots ?? [T]).slice().sort((x, y) => x - y);
  snapshots.forEach((t, k) => order(`output.snapshots.${k}`, t <= T * (1 + 1e-12), `must lie in [0, T] = [0, ${T}] (got ${t})`));

  const kernel: FieldRunConfig['kernel'] = domain === 'network' ? { kind: 'matrix', file: f.W! } : (f.kernel as FieldKernel);
  return {
    model: 'field',
    domain,
    L: dim ? f.L : 0,
    n,
    dim,
    dx,
    kernel,
    sigmoid: f.sigmoid,
    source,
    time: { T, dt, steps, scheme: c.time.scheme, Nmax: c.time.Nmax },
    initial,
    output: { every: c.output.every, snapshots, viewPixels: c.output.viewPixels },
  };
}

/** The arrays a config names by .npy path, once read (src/io/fieldInputs.ts). */
export interface FieldArrays {
  /** the kernel on the grid (centred), shape (n,) or (n, n) */
  kernel?: { data: ArrayLike<number>; shape: number[] };
  /** the network's W, shape (M, M), row-major: W[i·M + j] */
  W?: { data: ArrayLike<number>; shape: number[] };
  source?: { data: ArrayLike<number>; shape: number[] };
  initial?: { data: ArrayLike<number>; shape: number[] };
}

/**
 * Checks the shapes and values of the arrays read for `config` and returns the config with the network's M set.
 * ConfigError names the key that gave the file.
 */
export function checkFieldArrays(config: FieldRunConfig, arrays: FieldArrays): FieldRunConfig {
  let c = config;
  if (c.domain === 'network') {
    const W = arrays.W;
    if (!W) throw new ConfigError('field.W', 'was not read');
    const M = W.shape[0] ?? 0;
    if (W.shape.length !== 2 || W.shape[1] !== M || M < 1) throw new ConfigError('field.W', `must be a square matrix, shape (M, M) (got shape (${W.shape.join(', ')}))`);
    if (M > FIELD_MAX_NODES) throw new ConfigError('field.W', `has M = ${M} nodes; at most ${FIELD_MAX_NODES} (W is M² f32 in one GPU binding)`);
    c = { ...c, n: M };
  }
  const shape = c.dim === 2 ? [c.n, c.n] : [c.n];
  const shapeText = `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;
  const check = (field: string, a: { data: ArrayLike<number>; shape: number[] } | undefined) => {
    if (!a) throw new ConfigError(field, 'was not read');
    if (a.shape.length !== shape.length || a.shape.some((e, k) => e !== shape[k])) throw new ConfigError(field, `must have shape ${shapeText} for this ${c.domain} (got (${a.shape.join(', ')}))`);
    for (let k = 0; k < a.data.length; k++) {
      if (!Number.isFinite(a.data[k]) || Math.abs(a.data[k]!) > 3.4e38) throw new ConfigError(field, `entry ${k} is ${a.data[k]}; every entry must be finite and in the f32 range`);
    }
  };
  if (c.kernel.kind === 'npy') check('field.kernel.file', arrays.kernel);
  if (c.domain === 'network') {
    const W = arrays.W!;
    for (let k = 0; k < W.data.length; k++) {
      if (!Number.isFinite(W.data[k]) || Math.abs(W.data[k]!) > 3.4e38) throw new ConfigError('field.W', `entry (${Math.floor(k / c.n)}, ${k % c.n}) is ${W.data[k]}; every entry must be finite and in the f32 range`);
    }
  }
  if (c.source.kind === 'npy') check('field.source.file', arrays.source);
  if (c.initial.kind === 'npy') check('initial.file', arrays.initial);
  return c;
}
