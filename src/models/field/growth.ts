/**
 * The growth of the dominant mode measured from a run's activity rows: the least-squares slope of ln A(t) over the
 * rows of the linear regime, the rows whose dominant mode is the predicted one and whose amplitude is still below
 * `linearLimit` (the nonlinearity σ(N* + δ) − σ(N*) − σ′δ is O(δ²), so a small amplitude keeps λ's prediction).
 */
export interface MeasuredGrowth {
  /** the slope of ln A over the rows used [1/time] */
  rate: number;
  rows: number;
  from: number;
  to: number;
}

export function fitGrowthRate(t: ArrayLike<number>, amplitude: ArrayLike<number>, use: (k: number) => boolean): MeasuredGrowth | null {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let k = 0; k < t.length; k++) {
    if (use(k) && amplitude[k]! > 0 && Number.isFinite(amplitude[k]!)) {
      xs.push(t[k]!);
      ys.push(Math.log(amplitude[k]!));
    }
  }
  if (xs.length < 3) return null;
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let sxy = 0;
  let sxx = 0;
  for (let k = 0; k < xs.length; k++) {
    sxy += (xs[k]! - mx) * (ys[k]! - my);
    sxx += (xs[k]! - mx) ** 2;
  }
  return { rate: sxy / sxx, rows: xs.length, from: xs[0]!, to: xs[xs.length - 1]! };
}

/** The rows of the linear regime: the dominant mode is `mode` (either sign) and the amplitude is below `linearLimit`. */
export function linearRegimeGrowth(activity: { t: number[]; mode: [number, number][]; amplitude: number[] }, mode: [number, number], linearLimit: number): MeasuredGrowth | null {
  const same = (m: [number, number]) => (m[0] === mode[0] && m[1] === mode[1]) || (m[0] === -mode[0] && m[1] === -mode[1]);
  // from the first row with the mode on; up to the first row past the limit
  let first = activity.t.length;
  let last = -1;
  for (let k = 0; k < activity.t.length; k++) {
    if (activity.amplitude[k]! > linearLimit) break;
    if (same(activity.mode[k]!)) {
      first = Math.min(first, k);
      last = k;
    }
  }
  return fitGrowthRate(activity.t, activity.amplitude, (k) => k >= first && k <= last && same(activity.mode[k]!));
}
