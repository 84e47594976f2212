/**
 * Cross-check of the `vc` particle system against the kinetic PDE on the same grid and the same dt, as the
 * particle count grows (`kinfire compare`):
 *
 *   L1_hist   Σ |h − p| Δv Δg at the final time: h the normalised particle histogram (counts/(count·Δv·Δg),
 *             the `particles` snapshot layout), p the kinetic density (shape (ng, nv), v fastest);
 *   L1_N      (1/T) Σ_n |N_part,n − N_pde,n| dt over every step n: N_part,n = spikes in [t_{n−1}, t_n]
 *             /(count·dt), N_pde,n = ½(N(t_{n−1}) + N(t_n)) of the kinetic state (the trapezoid mean over
 *             the step). The per-step particle N has a Poisson noise of size √(N/(count·dt)), so this is
 *             the time average of that noise (∝ count^(−1/2)) plus the PDE's discretisation error;
 *   N_mean    particles: N averaged over particles.window (batch means, with N_se); PDE: the same
 *             average of N_pde,n over the same steps.
 *
 * Both errors decrease like count^(−1/2) while the sampling noise dominates (it stops once the PDE's
 * O(Δv, Δg, dt) error is reached); `fitPowerLaw` fits the exponent by least squares in log-log.
 *
 * Seed rule: every count runs with the config's particles.seed. The random numbers are a pure function
 * of (seed, neuron, step, stream), so the runs are reproducible one by one; they are not nested samples
 * (the feedback N differs between counts).
 */
import { ConfigError, type KinfireConfig, type ParticleConfig, resolveConfig, resolveParticleConfig } from '../models/config';
import { type RunCheckpointing, type RunsCheckpointing, sequenceRun } from './blockLoop';
import type { GpuContext } from './gpu';
import { type ParticleRunHost, runParticles, type ParticleRunResult } from './particleRun';
import type { ParticleHistogram } from './particleSystem';
import { type KineticRunHost, type RunProgress, type RunResult, runSimulation } from './run';

export interface PowerLawFit {
  /** the slope of log(y) against log(x) */
  exponent: number;
  /** y ≈ prefactor · x^exponent */
  prefactor: number;
  /** coefficient of determination of the log-log fit */
  r2: number;
  points: number;
}

/** Least-squares fit of log y = log c + k log x (points with x, y > 0 and finite; null with fewer than two distinct x). */
export function fitPowerLaw(x: ArrayLike<number>, y: ArrayLike<number>): PowerLawFit | null {
  const lx: number[] = [];
  const ly: number[] = [];
  for (let k = 0; k < x.length; k++) {
    if (x[k] > 0 && y[k] > 0 && Number.isFinite(x[k]) && Number.isFinite(y[k])) {
      lx.push(Math.log(x[k]));
      ly.push(Math.log(y[k]));
    }
  }
  const n = lx.length;
  if (n < 2) return null;
  const mx = lx.reduce((a, b) => a + b, 0) / n;
  const my = ly.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let k = 0; k < n; k++) {
    sxx += (lx[k] - mx) ** 2;
    sxy += (lx[k] - mx) * (ly[k] - my);
    syy += (ly[k] - my) ** 2;
  }
  if (sxx === 0) return null;
  const exponent = sxy / sxx;
  return { exponent, prefactor: Math.exp(my - exponent * mx), r2: syy > 0 ? (sxy * sxy) / (sxx * syy) : 1, points: n };
}

/** Σ |h − p| Δv Δg over the cells (both of shape (ng, nv)). */
export function histogramL1(h: ArrayLike<number>, p: ArrayLike<number>, dv: number, dg: number): number {
  if (h.length !== p.length) throw new Error(`histogramL1: ${h.length} cells against ${p.length}`);
  let s = 0;
  for (let k = 0; k < h.length; k++) s += Math.abs(h[k] - p[k]);
  return s * dv * dg;
}

/** The kinetic N over each step, ½(N(t_{n−1}) + N(t_n)), from the activity at every step (output.every = 1). */
export function pdeStepActivity(stateN: ArrayLike<number>, steps: number): Float64Array {
  const out = new Float64Array(steps);
  for (let n = 0; n < steps; n++) out[n] = 0.5 * (stateN[n] + stateN[n + 1]);
  return out;
}

/** (1/T) Σ_n |a_n − b_n| dt over the common steps, T = (steps)·dt. */
export function activityL1(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = Math.min(a.length, b.length);
  if (n === 0) return NaN;
  let s = 0;
  for (let k = 0; k < n; k++) s += Math.abs(a[k] - b[k]);
  return s / n;
}

export interface CompareConfigs {
  kinetic: KinfireConfig;
  /** the particle config at the first count (count is replaced for each run) */
  particles: ParticleConfig;
}

/**
 * The kinetic and particle configs of a comparison: model vc only (another model is a ConfigError on
 * `model`); the kinetic run records N at every step and p at T; the particles record the histogram at T.
 */
export function compareConfigs(raw: unknown, count = 1): CompareConfigs {
  const r = structuredClone((raw ?? {}) as Record<string, unknown>);
  if (r.model !== undefined && r.model !== 'vc') throw new ConfigError('model', `compare runs model "vc" only (got ${JSON.stringify(r.model)})`);
  const output = { ...((r.output as Record<string, unknown>) ?? {}), every: 1 };
  const particlesIn = { ...((r.particles as Record<string, unknown>) ?? {}), count };
  const particles = resolveParticleConfig({ ...r, model: 'vc', particles: particlesIn, output: { ...output, snapshots: undefined } });
  particles.output.snapshots = [particles.time.T];
  const kineticIn = { ...r, model: 'vc', output: { ...output, snapshots: undefined } };
  delete (kineticIn as Record<string, unknown>).particles;
  const kinetic = resolveConfig(kineticIn);
  kinetic.output.snapshots = [kinetic.time.T];
  if (Math.abs(kinetic.time.dt - particles.time.dt) > 1e-12 * kinetic.time.dt || kinetic.time.steps !== particles.time.steps) {
    throw new ConfigError('time.dt', `the kinetic dt ${kinetic.time.dt} and the particle dt ${particles.time.dt} differ`);
  }
  return { kinetic, particles };
}

/** One count's row: the errors and means of PopulationComparison (of the whole network), and the run's facts. */
/**
 * The PDE and particle configs of a 1D comparison (nnlif, elapsed): the PDE records N at every step and the
 * density at T, the particles the same steps with `count` neurons; refused when their time steps differ.
 */
export function pdeParticleConfigs<Pde extends { time: { dt: number; steps: number; T: number }; output: { snapshots: number[] } }>(
  raw: unknown,
  count: number,
  resolvePde: (input: unknown) => Pde,
): { pde: Pde; particles: ParticleConfig } {
  const r = structuredClone((raw ?? {}) as Record<string, unknown>);
  const output = { ...((r.output as Record<string, unknown>) ?? {}), every: 1, snapshots: undefined };
  const pde = resolvePde({ ...r, output });
  pde.output.snapshots = [pde.time.T];
  const particles = resolveParticleConfig({ ...r, particles: { ...((r.particles as Record<string, unknown>) ?? {}), count }, output });
  particles.output.snapshots = [particles.time.T];
  if (Math.abs(pde.time.dt - particles.time.dt) > 1e-12 * pde.time.dt || pde.time.steps !== particles.time.steps) {
    throw new ConfigError('time.dt', `the PDE dt ${pde.time.dt} and the particle dt ${particles.time.dt} differ`);
  }
  return { pde, particles };
}

/**
 * The steps of the particles' window that their batch means use: N_mean_particles leaves out the leftover steps
 * at the window's start (batchMeans), so the PDE's mean over the window is taken over the same steps.
 */
export function batchedSteps(result: ParticleRunResult): { first: number; last: number } {
  return { first: result.window.firstStep + result.batch.dropped, last: result.window.lastStep };
}

/** Mean of N over the entries first … last (NaN when empty); `at(n)` is entry n, as in the particles' N (the step ending at t_{n+1}). */
export function meanOverSteps(at: (n: number) => number, { first, last }: { first: number; last: number }): number {
  let sum = 0;
  for (let n = first; n <= last; n++) sum += at(n);
  return last >= first ? sum / (last - first + 1) : Number.NaN;
}

export interface CountComparison extends Omit<PopulationComparison, 'name'> {
  count: number;
  seed: number;
  status: ParticleRunResult['status'];
  steps: number;
  wall_s: number;
  /**
   * nnlif with K > 1 populations: each population's errors and means; the row's L1_hist and L1_N are then
   * their sums over the populations (the L1 norm of the vector (N_1, …, N_K) and of the K densities), its
   * N_mean_* population 0's
   */
  populations?: PopulationComparison[];
}

export interface PopulationComparison {
  name: string;
  L1_hist: number;
  L1_N: number;
  N_mean_particles: number | null;
  N_se_particles: number | null;
  N_mean_pde: number;
  /** fraction of the neurons outside the histogram grid at T */
  outside: number;
}

export interface CompareResult {
  pde: {
    status: RunResult['status'] | 'blowup' | 'nonfinite';
    message?: string;
    N_final: number;
    mass_final: number;
    steps: number;
    wall_s: number;
  };
  rows: CountComparison[];
  fits: { L1_hist: PowerLawFit | null; L1_N: PowerLawFit | null };
  /** nnlif with K > 1 populations: the fits of each population's errors */
  populationFits?: { name: string; L1_hist: PowerLawFit | null; L1_N: PowerLawFit | null }[];
  dt: number;
  steps: number;
  T: number;
  window: [number, number];
  ok: boolean;
  warnings: string[];
}

export interface CompareHooks {
  onStart?(what: { kind: 'pde' } | { kind: 'particles'; count: number; index: number }): void;
  onProgress?(p: RunProgress): void;
  onWarning?(message: string): void;
}

/** What a comparison keeps of its PDE run: the summary, and what the family's rows are measured against. */
export interface PdeSide<Kept> {
  summary: CompareResult['pde'];
  kept: Kept;
}

/** A finished run of a comparison as its checkpoints keep it: the PDE's side (run 0), or one count's row (run 1 + index). */
export type ComparisonPart<Kept = unknown> = { pde: PdeSide<Kept> } | { row: CountComparison };

/** What the run in progress has gathered: the comparison's warnings so far and, for a particle run, its histogram at T once taken. */
export interface ComparisonPartial {
  warnings: string[];
  histogram?: ParticleHistogram;
}

/**
 * Checkpoints of a comparison (kinfire compare): the finished runs and the one in progress, whose saved host
 * state is the PDE run's (run 0) or the particle run's (later runs).
 */
export type ComparisonCheckpointing = RunsCheckpointing<ComparisonPart, ComparisonPartial, unknown>;

/** What a model family brings to a comparison: its PDE run, its particle config at a count, and the errors of a count's run. */
export interface ComparisonFamily<Kept, PdeHost> {
  time: { dt: number; steps: number; T: number };
  runPde(hooks: { onProgress?: (p: RunProgress) => void; warn(message: string): void; checkpoint?: RunCheckpointing<PdeHost> }): Promise<PdeSide<Kept>>;
  particles(count: number): ParticleConfig;
  errors(kept: Kept, config: ParticleConfig, result: ParticleRunResult, last: ParticleHistogram | undefined): Omit<CountComparison, 'count' | 'seed' | 'status' | 'steps' | 'wall_s'>;
}

/**
 * The runs of a comparison one after another, the PDE once and the particles at each count, with checkpoints
 * when asked for: a resumed comparison takes its finished runs as they were saved and goes on with the one in
 * progress from its step, so its result is bitwise the uninterrupted one's (the wall times apart).
 */
export async function compareRuns<Kept, PdeHost>(ctx: GpuContext, family: ComparisonFamily<Kept, PdeHost>, counts: number[], hooks: CompareHooks = {}, checkpoint?: ComparisonCheckpointing): Promise<CompareResult> {
  const warnings: string[] = [];
  const warn = (m: string) => {
    warnings.push(m);
    hooks.onWarning?.(m);
  };
  const parts: ComparisonPart[] = [];
  const { steps, dt } = family.time;
  const next = () => {
    const seq = sequenceRun(checkpoint, parts.length, () => parts, steps, dt);
    if (seq.resumed) warnings.splice(0, warnings.length, ...seq.resumed.partial.warnings);
    // the saved host state of the run in progress is of the kind its index says (PDE or particles)
    const save = <Host>(gathered: () => ComparisonPartial) => seq.checkpointing?.(gathered) as RunCheckpointing<Host> | undefined;
    return { ...seq, save };
  };

  const pdeRun = next();
  let pde: PdeSide<Kept>;
  if (pdeRun.finished) pde = (pdeRun.finished as { pde: PdeSide<Kept> }).pde;
  else {
    hooks.onStart?.({ kind: 'pde' });
    const ck = pdeRun.save<PdeHost>(() => ({ warnings: [...warnings] }));
    pde = await family.runPde({ onProgress: hooks.onProgress, warn: (m) => warn(`pde: ${m}`), ...(ck ? { checkpoint: ck } : {}) });
  }
  parts.push({ pde });

  const rows: CountComparison[] = [];
  let window: [number, number] = [0, 0];
  for (const [index, count] of counts.entries()) {
    const config = family.particles(count);
    window = config.particles.window;
    const run = next();
    let row: CountComparison;
    if (run.finished) row = (run.finished as { row: CountComparison }).row;
    else {
      hooks.onStart?.({ kind: 'particles', count, index });
      let last = run.resumed?.partial.histogram;
      const ck = run.save<ParticleRunHost>(() => ({ warnings: [...warnings], ...(last ? { histogram: last } : {}) }));
      const result = await runParticles(ctx, config, {
        onProgress: hooks.onProgress,
        onSnapshot: (s) => {
          last = s.histogram;
        },
        onWarning: (m) => warn(`particles ${count}: ${m}`),
        ...(ck ? { checkpoint: ck } : {}),
      });
      row = { count, seed: config.particles.seed, ...family.errors(pde.kept, config, result, last), status: result.status, steps: result.steps, wall_s: result.wallSeconds };
    }
    rows.push(row);
    parts.push({ row });
  }
  return comparisonResult(pde.summary, rows, family.time, window, warnings);
}

/** The vc family of a comparison: the kinetic PDE's N over each step and p at T. */
function vcComparison(ctx: GpuContext, raw: unknown, counts: number[]): ComparisonFamily<{ N: Float64Array; p: Float32Array }, KineticRunHost> {
  const { kinetic } = compareConfigs(raw, counts[0] ?? 1);
  return {
    time: kinetic.time,
    runPde: async ({ onProgress, warn, checkpoint }) => {
      const pde = await runSimulation(ctx, kinetic, { onProgress, onWarning: warn, ...(checkpoint ? { checkpoint } : {}) });
      return {
        summary: { status: pde.status, ...(pde.message ? { message: pde.message } : {}), N_final: pde.N_final, mass_final: pde.mass_final, steps: pde.steps, wall_s: pde.wallSeconds },
        kept: { N: pdeStepActivity(pde.activity.N, pde.steps), p: pde.p },
      };
    },
    particles: (count) => compareConfigs(raw, count).particles,
    errors: (kept, config, result, last) => ({
      L1_hist: last ? histogramL1(last.density, kept.p, (config.grid.vhi - config.grid.vlo) / config.grid.nv, config.grid.gmax / config.grid.ng) : NaN,
      L1_N: activityL1(result.N, kept.N),
      N_mean_particles: result.N_mean,
      N_se_particles: result.N_se,
      N_mean_pde: meanOverSteps((n) => kept.N[n]!, batchedSteps(result)),
      outside: last?.outside ?? NaN,
    }),
  };
}

/** Runs the kinetic PDE once and the vc particle system at each count, and compares them (see the file comment). */
export async function runComparison(ctx: GpuContext, raw: unknown, counts: number[], hooks: CompareHooks = {}, checkpoint?: ComparisonCheckpointing): Promise<CompareResult> {
  return compareRuns(ctx, vcComparison(ctx, raw, counts), counts, hooks, checkpoint);
}

/** The result of a comparison from its PDE run and rows: the power-law fits over the rows, when every run reached T. */
export function comparisonResult(pde: CompareResult['pde'], rows: CountComparison[], time: { dt: number; steps: number; T: number }, window: [number, number], warnings: string[]): CompareResult {
  const ok = pde.status === 'ok' && rows.every((r) => r.status === 'ok');
  const good = ok ? rows : [];
  const fit = (key: 'L1_hist' | 'L1_N', of: (r: CountComparison) => { L1_hist: number; L1_N: number } = (r) => r) =>
    fitPowerLaw(
      good.map((r) => r.count),
      good.map((r) => of(r)[key]),
    );
  const names = rows[0]?.populations?.map((p) => p.name);
  const populationFits = names?.map((name, alpha) => {
    const of = (r: CountComparison) => r.populations![alpha]!;
    return { name, L1_hist: fit('L1_hist', of), L1_N: fit('L1_N', of) };
  });
  return { pde, rows, fits: { L1_hist: fit('L1_hist'), L1_N: fit('L1_N') }, ...(populationFits ? { populationFits } : {}), dt: time.dt, steps: time.steps, T: time.T, window, ok, warnings };
}
