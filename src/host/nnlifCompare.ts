/**
 * Cross-check of the `nnlif` particle system against the NNLIF Fokker–Planck PDE (`kinfire compare` with
 * model nnlif): the same config (hard or soft threshold, τ, delay; one population), the same dt, the PDE
 * once and the particles at each count:
 *
 *   L1_hist   Σ |h − p| Δv over the particle histogram's cells at T: h the normalised histogram of the
 *             active neurons, p the PDE's n averaged over each cell (its piecewise-linear interpolant
 *             between the nodes, n = 0 at VF for the hard threshold);
 *   L1_N      (1/T) Σ_n |N_part,n − N_pde,n| dt over every step: N_part,n = spikes in the step/(count·dt),
 *             N_pde,n the rate of the PDE's step n (its outflux over the step, the same quantity);
 *   N_mean    over particles.window, as for the vc comparison.
 *
 * The errors fall like count^(−1/2) while the sampling noise dominates, then level off at the PDE's
 * O(h², dt) error and the particles' O(dt) time error. The two share the model's definitions: N = 0
 * before t = 0 (the PDE's history, the particles' first feedback), and the delay seen as N(t − d).
 */
import { ConfigError, type ParticleConfig, resolveParticleConfig } from '../models/config';
import { type NnlifRunConfig } from '../models/nnlif/config';
import { resolveNnlifRunConfig } from '../models/registry';
import { type NnlifGrid, nodeOf } from '../models/nnlif/fokkerPlanck';
import { activityL1, type CompareHooks, type CompareResult, comparisonResult, type CountComparison } from './compare';
import type { GpuContext } from './gpu';
import { runNnlif } from './nnlifRun';
import { runParticles } from './particleRun';
import type { ParticleHistogram } from './particleSystem';

export interface NnlifCompareConfigs {
  pde: NnlifRunConfig;
  particles: ParticleConfig;
}

/** The PDE and particle configs of an nnlif comparison (one population; N at every step, n at T). */
export function nnlifCompareConfigs(raw: unknown, count = 1): NnlifCompareConfigs {
  const r = structuredClone((raw ?? {}) as Record<string, unknown>);
  const output = { ...((r.output as Record<string, unknown>) ?? {}), every: 1, snapshots: undefined };
  const nnlif = (r.nnlif ?? {}) as Record<string, unknown>;
  if (nnlif.populations !== undefined) throw new ConfigError('nnlif.populations', 'compare runs one population (the particle system has one so far)');
  const pde = resolveNnlifRunConfig({ ...r, output });
  pde.output.snapshots = [pde.time.T];
  const particles = resolveParticleConfig({ ...r, particles: { ...((r.particles as Record<string, unknown>) ?? {}), count }, output });
  particles.output.snapshots = [particles.time.T];
  if (Math.abs(pde.time.dt - particles.time.dt) > 1e-12 * pde.time.dt || pde.time.steps !== particles.time.steps) {
    throw new ConfigError('time.dt', `the PDE dt ${pde.time.dt} and the particle dt ${particles.time.dt} differ`);
  }
  return { pde, particles };
}

/** The PDE's node values averaged over `cells` equal cells of [lo, hi] (the linear interpolant; 0 beyond the last node of a hard threshold). */
export function nodesToCells(grid: NnlifGrid, n: ArrayLike<number>, lo: number, hi: number, cells: number): Float64Array {
  const nodes = grid.firing.kind === 'hard' ? grid.nv + 1 : grid.nv; // the hard threshold's node nv is VF, n = 0
  const value = (i: number) => (i < grid.nv ? n[i]! : 0);
  // ∫ of the interpolant from vmin to x
  const primitive = (x: number): number => {
    const top = nodeOf(grid, nodes - 1);
    const xc = Math.min(Math.max(x, grid.vmin), top);
    const k = Math.min(nodes - 2, Math.floor((xc - grid.vmin) / grid.h));
    let s = 0;
    for (let i = 0; i < k; i++) s += (0.5 * (value(i) + value(i + 1)) * grid.h);
    const u = (xc - nodeOf(grid, k)) / grid.h;
    s += grid.h * (value(k) * u + 0.5 * (value(k + 1) - value(k)) * u * u);
    return s;
  };
  const out = new Float64Array(cells);
  const dv = (hi - lo) / cells;
  let prev = primitive(lo);
  for (let c = 0; c < cells; c++) {
    const next = primitive(lo + (c + 1) * dv);
    out[c] = (next - prev) / dv;
    prev = next;
  }
  return out;
}

/** Runs the PDE once and the particle system at each count, and compares them (see the file comment). */
export async function runNnlifComparison(ctx: GpuContext, raw: unknown, counts: number[], hooks: CompareHooks = {}): Promise<CompareResult> {
  const { pde: pdeConfig } = nnlifCompareConfigs(raw, counts[0] ?? 1);
  const warnings: string[] = [];
  const warn = (m: string) => {
    warnings.push(m);
    hooks.onWarning?.(m);
  };
  hooks.onStart?.({ kind: 'pde' });
  const pde = await runNnlif(ctx, pdeConfig, { onProgress: hooks.onProgress, onWarning: (m) => warn(`pde: ${m}`) });
  const Npde = pde.N[0]!.subarray(1); // the rate of steps 1 … steps
  const grid = pde.grids[0]!;
  const rows: CountComparison[] = [];
  let window: [number, number] = [0, 0];
  for (const [index, count] of counts.entries()) {
    const config = nnlifCompareConfigs(raw, count).particles;
    window = config.particles.window;
    hooks.onStart?.({ kind: 'particles', count, index });
    let last: ParticleHistogram | undefined;
    const result = await runParticles(ctx, config, {
      onProgress: hooks.onProgress,
      onSnapshot: (s) => {
        last = s.histogram;
      },
      onWarning: (m) => warn(`particles ${count}: ${m}`),
    });
    const { vlo, vhi, nv } = config.grid;
    const dv = (vhi - vlo) / nv;
    const p = nodesToCells(grid, pde.n.subarray(0, grid.nv), vlo, vhi, nv);
    let l1 = 0;
    if (last) for (let c = 0; c < nv; c++) l1 += Math.abs(last.density[c]! - p[c]!) * dv;
    const { firstStep, lastStep } = result.window;
    let sum = 0;
    for (let n = firstStep; n <= lastStep; n++) sum += Npde[n - 1]!;
    rows.push({
      count,
      seed: config.particles.seed,
      L1_hist: last ? l1 : NaN,
      L1_N: activityL1(result.N, Npde),
      N_mean_particles: result.N_mean,
      N_se_particles: result.N_se,
      N_mean_pde: lastStep >= firstStep ? sum / (lastStep - firstStep + 1) : NaN,
      outside: last?.outside ?? NaN,
      status: result.status,
      steps: result.steps,
      wall_s: result.wallSeconds,
    });
  }
  const m0 = pde.members[0]!.populations[0]!;
  return comparisonResult(
    { status: pde.status, ...(pde.message ? { message: pde.message } : {}), N_final: m0.N_final, mass_final: m0.mass_final, steps: pde.steps, wall_s: pde.wallSeconds },
    rows,
    pdeConfig.time,
    window,
    warnings,
  );
}
