/**
 * Cross-check of the `nnlif` particle system against the NNLIF Fokker–Planck PDE (`kinfire compare` with
 * model nnlif): the same config (hard or soft threshold, τ, delay; one population or K with
 * nnlif.populations, particles.count neurons in each), the same dt, the PDE once and the particles at
 * each count, population by population:
 *
 *   L1_hist   Σ |h − p| Δv over the particle histogram's cells at T: h the normalised histogram of the
 *             population's active neurons, p the PDE's n averaged over each cell (its piecewise-linear
 *             interpolant between the nodes, n = 0 at VF for the hard threshold);
 *   L1_N      (1/T) Σ_n |N_part,n − N_pde,n| dt over every step: N_part,n = spikes in the step/(count·dt),
 *             N_pde,n the rate of the PDE's step n (its outflux over the step, the same quantity);
 *   N_mean    over particles.window, as for the vc comparison.
 *
 * With K > 1 a row's L1_hist and L1_N are the sums over the populations (each population's are in
 * row.populations, and fitted apart in populationFits); N_mean is population 0's.
 *
 * The errors fall like count^(−1/2) while the sampling noise dominates, then level off at the PDE's
 * O(h², dt) error and the particles' O(dt) time error. The two share the model's definitions: N = 0
 * before t = 0 (the PDE's history, the particles' first feedback), and the delay seen as N(t − d).
 */
import type { ParticleConfig } from '../models/config';
import { type NnlifRunConfig } from '../models/nnlif/config';
import { resolveNnlifRunConfig } from '../models/registry';
import { type NnlifGrid, nodeOf } from '../models/nnlif/fokkerPlanck';
import { activityL1, batchedSteps, type CompareHooks, type CompareResult, type ComparisonCheckpointing, type ComparisonFamily, compareRuns, meanOverSteps, pdeParticleConfigs, type PopulationComparison } from './compare';
import type { GpuContext } from './gpu';
import { type NnlifRunHost, runNnlif } from './nnlifRun';
import { particleHistogramGrid } from './particleSystem';

export interface NnlifCompareConfigs {
  pde: NnlifRunConfig;
  particles: ParticleConfig;
}

/** The PDE and particle configs of an nnlif comparison (N at every step, n at T). */
export function nnlifCompareConfigs(raw: unknown, count = 1): NnlifCompareConfigs {
  return pdeParticleConfigs(raw, count, resolveNnlifRunConfig);
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

/** The nnlif family of a comparison: the PDE's rate of every step and n at T, population by population. */
function nnlifComparison(ctx: GpuContext, raw: unknown, counts: number[]): ComparisonFamily<{ N: Float32Array[]; n: Float32Array; grids: NnlifGrid[] }, NnlifRunHost> {
  const { pde: pdeConfig } = nnlifCompareConfigs(raw, counts[0] ?? 1);
  const K = pdeConfig.populations.length;
  const nv = pdeConfig.grid.nv;
  return {
    time: pdeConfig.time,
    runPde: async ({ onProgress, warn, checkpoint }) => {
      const pde = await runNnlif(ctx, pdeConfig, { onProgress, onWarning: warn, ...(checkpoint ? { checkpoint } : {}) });
      const m0 = pde.members[0]!.populations[0]!;
      return {
        summary: { status: pde.status, ...(pde.message ? { message: pde.message } : {}), N_final: m0.N_final, mass_final: m0.mass_final, steps: pde.steps, wall_s: pde.wallSeconds },
        kept: { N: pde.N.slice(0, K).map((N) => N.subarray(1)), n: pde.n, grids: pde.grids }, // N: the rate of steps 1 … steps
      };
    },
    particles: (count) => nnlifCompareConfigs(raw, count).particles,
    errors: (pde, config, result, last) => {
      const steps = batchedSteps(result);
      const populations = pdeConfig.populations.map((population, alpha): PopulationComparison => {
        const grid = pde.grids[alpha]!;
        const h = particleHistogramGrid(config, alpha);
        const p = nodesToCells(grid, pde.n.subarray(alpha * nv, alpha * nv + grid.nv), h.vlo, h.vhi, h.nv);
        const mine = last?.populations[alpha];
        let l1 = 0;
        if (mine) for (let c = 0; c < h.nv; c++) l1 += Math.abs(mine.density[c]! - p[c]!) * h.dv;
        const r = result.populations[alpha]!;
        return {
          name: population.name,
          L1_hist: mine ? l1 : NaN,
          L1_N: activityL1(r.N, pde.N[alpha]!),
          N_mean_particles: r.N_mean,
          N_se_particles: r.N_se,
          N_mean_pde: meanOverSteps((n) => pde.N[alpha]![n]!, steps),
          outside: mine?.outside ?? NaN,
        };
      });
      const total = (key: 'L1_hist' | 'L1_N') => populations.reduce((s, p) => s + p[key], 0);
      const p0 = populations[0]!;
      return {
        L1_hist: total('L1_hist'),
        L1_N: total('L1_N'),
        N_mean_particles: p0.N_mean_particles,
        N_se_particles: p0.N_se_particles,
        N_mean_pde: p0.N_mean_pde,
        outside: last?.outside ?? NaN,
        ...(K > 1 ? { populations } : {}),
      };
    },
  };
}

/** Runs the PDE once and the particle system at each count, and compares them (see the file comment). */
export async function runNnlifComparison(ctx: GpuContext, raw: unknown, counts: number[], hooks: CompareHooks = {}, checkpoint?: ComparisonCheckpointing): Promise<CompareResult> {
  return compareRuns(ctx, nnlifComparison(ctx, raw, counts), counts, hooks, checkpoint);
}
