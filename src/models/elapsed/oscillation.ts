/**
 * Whether N(t) settles, and if it oscillates periodically its period and amplitude, measured on the tail of
 * the run (the second half of the samples): the period from the upward crossings of the tail's mean, each
 * located by linear interpolation between the two samples around it, as (t_last − t_first)/(crossings − 1);
 * periodic when every crossing interval is within 5% of that period and the swing of the last cycle is within
 * 10% of the first's (a decaying oscillation is not periodic); the amplitude is half of max − min of N
 * between the first and the last crossing (whole cycles). Settles: max − min over the tail below 1e-3 of its mean.
 */
export interface OscillationMeasure {
  settles: boolean;
  periodic: boolean;
  /** null unless periodic */
  period: number | null;
  amplitude: number;
  /** the mean of N over the tail */
  mean: number;
  /** full cycles seen (crossings − 1) */
  cycles: number;
  /** the largest relative deviation of one crossing interval from the period */
  period_spread: number | null;
  method: string;
}

export const OSCILLATION_METHOD = 'tail = second half of the samples; period = (t_last − t_first)/(n − 1) over the n upward crossings of the tail mean (linear interpolation between samples); periodic if every interval is within 5% of it and the swing of the last cycle within 10% of that of the first; amplitude = (max − min)/2 over the whole cycles; settles if (max − min) < 1e-3·mean over the tail';

export function measureOscillation(t: ArrayLike<number>, N: ArrayLike<number>): OscillationMeasure {
  const n = Math.min(t.length, N.length);
  const from = Math.floor(n / 2);
  let mean = 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (let k = from; k < n; k++) {
    mean += N[k]!;
    lo = Math.min(lo, N[k]!);
    hi = Math.max(hi, N[k]!);
  }
  mean /= Math.max(1, n - from);
  const settles = n - from > 0 && hi - lo < 1e-3 * Math.abs(mean);
  const crossings: number[] = [];
  const crossingIndex: number[] = [];
  for (let k = from; k + 1 < n; k++) {
    const a = N[k]!;
    const b = N[k + 1]!;
    if (a < mean && b >= mean) {
      crossings.push(t[k]! + ((mean - a) / (b - a)) * (t[k + 1]! - t[k]!));
      crossingIndex.push(k);
    }
  }
  const cycles = Math.max(0, crossings.length - 1);
  if (settles || cycles < 2) return { settles, periodic: false, period: null, amplitude: (hi - lo) / 2, mean, cycles, period_spread: null, method: OSCILLATION_METHOD };
  const period = (crossings[crossings.length - 1]! - crossings[0]!) / cycles;
  let spread = 0;
  for (let j = 1; j < crossings.length; j++) spread = Math.max(spread, Math.abs(crossings[j]! - crossings[j - 1]! - period) / period);
  let cycleLo = Infinity;
  let cycleHi = -Infinity;
  for (let k = crossingIndex[0]!; k <= crossingIndex[crossingIndex.length - 1]! + 1; k++) {
    cycleLo = Math.min(cycleLo, N[k]!);
    cycleHi = Math.max(cycleHi, N[k]!);
  }
  // A decaying (or growing) oscillation is not periodic: the swing of the last cycle within 10% of the first's.
  const swing = (from: number, to: number) => {
    let a = Infinity;
    let b = -Infinity;
    for (let k = from; k <= to; k++) {
      a = Math.min(a, N[k]!);
      b = Math.max(b, N[k]!);
    }
    return b - a;
  };
  const first = swing(crossingIndex[0]!, crossingIndex[1]! + 1);
  const last = swing(crossingIndex[crossingIndex.length - 2]!, crossingIndex[crossingIndex.length - 1]! + 1);
  const periodic = spread <= 0.05 && Math.abs(last - first) <= 0.1 * first;
  return { settles, periodic, period: periodic ? period : null, amplitude: (cycleHi - cycleLo) / 2, mean, cycles, period_spread: spread, method: OSCILLATION_METHOD };
}
