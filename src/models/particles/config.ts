/** The particle system's block (`particles`), shared by every family that has particles. */
import { z } from 'zod';
import { num } from '../schema';

/**
 * The particle system (`kinfire particles`, src/host/particleSystem.ts). Ignored by the kinetic solver,
 * so that one config file can serve both commands.
 */
export const particlesSchema = z.strictObject({
  /** number of neurons (particles) */
  count: num({ min: 1, max: 0xffffffff, integer: true }).default(1e5),
  /** 64-bit Philox key; a non-negative safe integer */
  seed: num({ min: 0, max: Number.MAX_SAFE_INTEGER, integer: true }).default(1),
  /** [t0, t1], the averaging window of N_mean; default the last half of [0, T] */
  window: z.array(num({ min: 0 }), { error: 'must be an array [t0, t1] of two times' }).length(2, { error: 'must be an array [t0, t1] of two times' }).optional(),
  /** τ_N ≥ 0 [time]: the feedback is N smoothed by an exponential filter of this time constant; 0 = none */
  smoothing: num({ min: 0 }).default(0),
  /** number of batches of the batch-means standard error of N_mean */
  batches: num({ min: 2, max: 1e6, integer: true }).default(20),
});

