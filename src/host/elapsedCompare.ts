/**
 * Cross-check of the elapsed particle system (renewal neurons, src/models/particles/elapsedReference.ts)
 * against the elapsed-time PDE (`kinfire compare` with model elapsed): the same config, the same dt and the
 * same age grid, the PDE once (src/host/elapsedRun.ts) and the particles at each count:
 *
 *   L1_hist   Σ |h − n| ds over the age cells at T: h the particles' age histogram as a density
 *             (count in the cell/(count·ds), the last cell every age beyond), n the PDE's n(s, T);
 *   L1_N      (1/T) Σ_n |N_part,n − N_pde,n| dt over every step: N_part,n = spikes in the step/(count·dt),
 *             N_pde,n the PDE's fired mass of step n over dt (the same quantity);
 *   N_mean    over particles.window: the particles' batch means and the PDE's mean over the same steps.
 *
 * The errors fall like count^(−1/2) while the sampling noise dominates, then level off where the two
 * discretisations part. The PDE is first order in dt (each cell's mass spread uniformly over the cell each
 * step; the sigmoid's hazard at the cell centre); the neurons are exact in law for a piecewise-constant X.
 * With the delay kernel both see X = b·N(t − d) of the same past. With the instant kernel both solve the
 * step's X = b·N in the step (implicit): the neurons their spike count (spikeSearch), the PDE N = G(N), each
 * the smallest root; with the exponential kernel the neurons see the filtered activity at the start of the
 * step, the PDE at its end: O(dt) apart.
 */
import type { ParticleConfig } from '../models/config';
import type { ElapsedRunConfig } from '../models/elapsed/config';
import { resolveElapsedRunConfig } from '../models/registry';
import { activityL1, batchedSteps, type CompareHooks, type CompareResult, type ComparisonCheckpointing, type ComparisonFamily, compareRuns, meanOverSteps, pdeParticleConfigs } from './compare';
import { type ElapsedRunHost, runElapsed } from './elapsedRun';
import type { GpuContext } from './gpu';

export interface ElapsedCompareConfigs {
  pde: ElapsedRunConfig;
  particles: ParticleConfig;
}

/** The PDE and particle configs of an elapsed comparison (N at every step, n(s) at T). */
export function elapsedCompareConfigs(raw: unknown, count = 1): ElapsedCompareConfigs {
  return pdeParticleConfigs(raw, count, resolveElapsedRunConfig);
}

/** Σ |h − n| ds over the age cells. */
export function ageHistogramL1(h: ArrayLike<number>, n: ArrayLike<number>, ds: number): number {
  if (h.length !== n.length) throw new Error(`ageHistogramL1: ${h.length} cells against ${n.length}`);
  let s = 0;
  for (let i = 0; i < h.length; i++) s += Math.abs(h[i]! - n[i]!);
  return s * ds;
}

/** The elapsed family of a comparison: the PDE's rate of every step and n(s) at T. */
function elapsedComparison(ctx: GpuContext, raw: unknown, counts: number[]): ComparisonFamily<{ N: Float32Array; n: Float32Array }, ElapsedRunHost> {
  const { pde: pdeConfig } = elapsedCompareConfigs(raw, counts[0] ?? 1);
  return {
    time: pdeConfig.time,
    runPde: async ({ onProgress, warn, checkpoint }) => {
      const pde = await runElapsed(ctx, pdeConfig, { onProgress, ...(checkpoint ? { checkpoint } : {}) });
      if (pde.nonunique_steps) warn(`the boundary relation had several roots at ${pde.nonunique_steps} steps (first at t = ${pde.t_first_nonunique}); the smallest was taken`);
      return {
        summary: { status: pde.status, ...(pde.message ? { message: pde.message } : {}), N_final: pde.N_final, mass_final: pde.mass_final, steps: pde.steps, wall_s: pde.wallSeconds },
        kept: { N: pde.N.subarray(1), n: pde.n }, // N: the rate of steps 1 … steps (entry 0 is t = 0)
      };
    },
    particles: (count) => elapsedCompareConfigs(raw, count).particles,
    errors: (pde, _config, result, last) => ({
      L1_hist: last ? ageHistogramL1(last.density, pde.n, pdeConfig.grid.ds) : NaN,
      L1_N: activityL1(result.N, pde.N),
      N_mean_particles: result.N_mean,
      N_se_particles: result.N_se,
      N_mean_pde: meanOverSteps((n) => pde.N[n]!, batchedSteps(result)),
      outside: last?.outside ?? NaN,
    }),
  };
}

/** Runs the PDE once and the particle system at each count, and compares them (see the file comment). */
export async function runElapsedComparison(ctx: GpuContext, raw: unknown, counts: number[], hooks: CompareHooks = {}, checkpoint?: ComparisonCheckpointing): Promise<CompareResult> {
  return compareRuns(ctx, elapsedComparison(ctx, raw, counts), counts, hooks, checkpoint);
}
