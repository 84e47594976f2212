/**
 * Times on a run's time grid t_n = n·dt, n = 0 … steps: the snapshot times of every family (and the neurons'
 * histogram times) are taken at their nearest step.
 */

/** The step nearest each time, clamped to [0, steps], distinct and ascending. */
export function nearestSteps(times: readonly number[], dt: number, steps: number): number[] {
  return [...new Set(times.map((t) => Math.min(steps, Math.max(0, Math.round(t / dt)))))].sort((a, b) => a - b);
}
