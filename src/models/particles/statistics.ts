/**
 * The mean activity over a window and its standard error by batch means.
 *
 * N(t) of a finite network is autocorrelated (a neuron's spikes are a renewal process, and the feedback
 * correlates the neurons), so the naive SE of the per-step values, sd/√M, is too small. Batch means:
 * the M per-step values of the window are cut into B contiguous batches of L = ⌊M/B⌋ steps (B =
 * `particles.batches`, default 20; B = M when M < B); the M − B·L leftover steps at the start of the window
 * are dropped. N_mean is the mean of the B·L steps used (= the mean of the batch means m_k), and
 *
 *   SE = sd(m_1, …, m_B) / √B,   sd with the 1/(B − 1) normalisation.
 *
 * This is honest when a batch is much longer than the correlation time of N(t); the lag-1
 * autocorrelation of the batch means is reported as a check (a value well above 0, say > 0.3, means the
 * batches are too short and the SE is too small: lengthen the window or use fewer batches).
 */
export interface BatchMeansResult {
  /** mean over the steps used */
  mean: number;
  /** standard error from the batch means; null with fewer than 2 batches */
  se: number | null;
  batches: number;
  /** steps per batch */
  batchSteps: number;
  /** steps used, B·L */
  used: number;
  /** leftover steps dropped at the start of the window */
  dropped: number;
  /** lag-1 autocorrelation of the batch means; null with fewer than 3 batches */
  lag1: number | null;
}

export function batchMeans(x: ArrayLike<number>, batches: number): BatchMeansResult {
  const M = x.length;
  if (M === 0) return { mean: Number.NaN, se: null, batches: 0, batchSteps: 0, used: 0, dropped: 0, lag1: null };
  const B = Math.max(1, Math.min(batches, M));
  const L = Math.floor(M / B);
  const dropped = M - B * L;
  const means = new Float64Array(B);
  for (let k = 0; k < B; k++) {
    let s = 0;
    for (let j = 0; j < L; j++) s += x[dropped + k * L + j];
    means[k] = s / L;
  }
  let mean = 0;
  for (const m of means) mean += m;
  mean /= B;
  let se: number | null = null;
  let lag1: number | null = null;
  if (B >= 2) {
    let ss = 0;
    for (const m of means) ss += (m - mean) ** 2;
    se = Math.sqrt(ss / (B - 1) / B);
    if (B >= 3 && ss > 0) {
      let c = 0;
      for (let k = 0; k + 1 < B; k++) c += (means[k] - mean) * (means[k + 1] - mean);
      lag1 = c / ss;
    }
  }
  return { mean, se, batches: B, batchSteps: L, used: B * L, dropped, lag1 };
}

/** The steps n (activity of [t_n, t_{n+1}]) that lie in the window [t0, t1]: n = first … last. */
export function windowSteps(window: [number, number], dt: number, steps: number): { first: number; last: number } {
  const first = Math.max(0, Math.ceil(window[0] / dt - 1e-9));
  const last = Math.min(steps, Math.floor(window[1] / dt + 1e-9)) - 1;
  return { first, last };
}

/**
 * The fraction of the steps at which N(t) jumps from step to step beyond its noise: |S_{n+1} − 2S_n + S_{n−1}|
 * above 4·√(S_{n+1} + 4S_n + S_{n−1} + 1), the standard deviation of that second difference for independent
 * Poisson spike counts S (a smooth N(t) has second differences far below it; a period-2 alternation far above).
 * Poisson noise alone exceeds it at about 6e-5 of the steps.
 */
export function alternatingFraction(spikes: ArrayLike<number>): number {
  let beyond = 0;
  for (let n = 1; n + 1 < spikes.length; n++) {
    const d = spikes[n + 1]! - 2 * spikes[n]! + spikes[n - 1]!;
    if (Math.abs(d) > 4 * Math.sqrt(spikes[n + 1]! + 4 * spikes[n]! + spikes[n - 1]! + 1)) beyond++;
  }
  return spikes.length > 2 ? beyond / (spikes.length - 2) : 0;
}
