/**
 * Axis tick placement and labelling shared by the PNG heatmap and line plots.
 */

/** The float nearest to the decimal k*step, so 3*0.1 gives 0.3 rather than 0.30000000000000004. */
function tickValue(k: number, step: number): number {
  const decimals = Math.min(100, Math.max(0, -Math.floor(Math.log10(step)) + 1));
  const value = Number((k * step).toFixed(decimals));
  return value === 0 ? 0 : value; // drops -0
}

/** Significant digits of a step written in decimal (0.25 -> 2, 2e-5 -> 1). */
function significantDigits(step: number): number {
  const mantissa = step.toExponential(6).split('e')[0]!.replace('.', '').replace(/0+$/, '');
  return Math.max(1, mantissa.length);
}

/** The 1-2-5 x 10^k step closest (in Heckbert's sense) to `rawStep`. */
export function niceStep(rawStep: number): number {
  if (!(rawStep > 0) || !Number.isFinite(rawStep)) return 1;
  const magnitude = Number(`1e${Math.floor(Math.log10(rawStep))}`);
  const normalised = rawStep / magnitude;
  const mantissa = normalised < 1.5 ? 1 : normalised < 3 ? 2 : normalised < 7 ? 5 : 10;
  return mantissa * magnitude;
}

/**
 * Round-number tick positions inside [lo, hi] with a 1-2-5 x 10^k spacing
 * chosen so there are roughly `approxCount` intervals.
 *
 * Every returned tick lies within the range (the axis extent is fixed by the
 * data, so ticks outside it would not be drawn) and consecutive ticks are
 * exactly one step apart, so the range is covered up to less than one step
 * at either end. `lo > hi` is accepted (the range is swapped); a degenerate
 * range gives `[lo]`, non-finite input gives `[]`.
 */
export function niceTicks(lo: number, hi: number, approxCount: number): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (lo > hi) [lo, hi] = [hi, lo];
  if (lo === hi) return [lo];
  approxCount = Math.max(1, approxCount);
  let step = niceStep((hi - lo) / approxCount);
  // The epsilon keeps ticks that sit on the range ends despite rounding in lo/step.
  let first = Math.ceil(lo / step - 1e-9);
  let last = Math.floor(hi / step + 1e-9);
  // Rounding the step up can leave an unluckily placed range with far fewer ticks than asked
  // for (even a single one); the next smaller 1-2-5 step fixes that.
  for (let refinements = 0; last - first < approxCount / 2 && refinements < 8; refinements++) {
    step = niceStep(step / 2.2);
    first = Math.ceil(lo / step - 1e-9);
    last = Math.floor(hi / step + 1e-9);
  }
  const ticks: number[] = [];
  for (let k = first; k <= last; k++) ticks.push(tickValue(k, step));
  return ticks;
}

export interface LogTicks {
  /** Tick values (not exponents), ascending. */
  major: number[];
  labels: string[];
  /** Unlabelled 2..9 x 10^k ticks, only when each decade is labelled. */
  minor: number[];
}

const SUPERSCRIPT_DIGITS: Record<string, string> = {
  '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹', '-': '⁻',
};

/** "10⁻³" style label for 10^exponent (integer exponent). */
export function powerOfTenLabel(exponent: number): string {
  return '10' + Array.from(String(exponent), (ch) => SUPERSCRIPT_DIGITS[ch] ?? ch).join('');
}

/** A short label for m·10^k: plain decimals in [1e-4, 1e5), "2e-7" style otherwise. */
function logMantissaLabel(value: number): string {
  if (value >= 1e-4 && value < 1e5) return String(Number(value.toPrecision(3)));
  return value.toExponential(0).replace('e+', 'e');
}

/**
 * Ticks for a log10 axis over [lo, hi] (both > 0): powers of ten, every
 * 1, 2, 5, ... decades to stay near `approxCount`, labelled 10ⁿ. When the range
 * spans less than two labelled decades, the ticks are the 1-2-5 mantissas of the decades in range
 * (positioned logarithmically by the caller), so the axis is never unlabelled.
 */
export function logTicks(lo: number, hi: number, approxCount: number): LogTicks {
  if (!(lo > 0) || !(hi > 0) || !Number.isFinite(lo) || !Number.isFinite(hi)) {
    return { major: [], labels: [], minor: [] };
  }
  if (lo > hi) [lo, hi] = [hi, lo];
  const logLo = Math.log10(lo);
  const logHi = Math.log10(hi);
  const firstDecade = Math.ceil(logLo - 1e-9);
  const lastDecade = Math.floor(logHi + 1e-9);

  if (lastDecade - firstDecade + 1 < 2) {
    // Less than two decades: mantissas 1-2-5 (then 1-2-3-5, then 1..9) of each decade inside the
    // range, still placed logarithmically; plain round linear values only if even those are too few.
    for (const mantissas of [[1, 2, 5], [1, 2, 3, 5], [1, 2, 3, 4, 5, 6, 7, 8, 9]]) {
      const major: number[] = [];
      for (let k = Math.floor(logLo); k <= Math.ceil(logHi); k++) {
        for (const m of mantissas) {
          const value = Number(`${m}e${k}`);
          if (value >= lo * (1 - 1e-12) && value <= hi * (1 + 1e-12)) major.push(value);
        }
      }
      if (major.length >= 3) return { major, labels: major.map(logMantissaLabel), minor: [] };
    }
    const major = niceTicks(lo, hi, Math.max(2, Math.min(approxCount, 4))).filter((v) => v > 0);
    return { major, labels: formatTickLabels(major), minor: [] };
  }

  const decadeStep = Math.max(1, Math.round(niceStep((lastDecade - firstDecade) / Math.max(1, approxCount))));
  const major: number[] = [];
  const labels: string[] = [];
  for (let k = Math.ceil(firstDecade / decadeStep) * decadeStep; k <= lastDecade; k += decadeStep) {
    major.push(Number(`1e${k}`)); // exactly the float nearest 10^k, which 10 ** k is not always
    labels.push(powerOfTenLabel(k));
  }
  const minor: number[] = [];
  if (decadeStep === 1 && logHi - logLo <= 12) {
    for (let k = Math.floor(logLo); k <= Math.ceil(logHi); k++) {
      for (let m = 2; m <= 9; m++) {
        const value = Number(`${m}e${k}`);
        if (value >= lo && value <= hi) minor.push(value);
      }
    }
  }
  return { major, labels, minor };
}

const MINUS_SIGN = '\u2212';

/**
 * Labels for evenly spaced ticks, all with the same number of decimals (so
 * "0.5, 1.0, 1.5" rather than "0.5, 1, 1.5"); very large or very small
 * magnitudes switch to "2.5e-4" notation to keep labels short.
 */
export function formatTickLabels(ticks: readonly number[]): string[] {
  if (ticks.length === 0) return [];
  const maxAbs = Math.max(...ticks.map(Math.abs));
  let step = 0;
  for (let k = 1; k < ticks.length; k++) {
    const gap = Math.abs(ticks[k]! - ticks[k - 1]!);
    if (gap > 0 && (step === 0 || gap < step)) step = gap;
  }
  if (step === 0) step = maxAbs || 1;
  // Decimals needed to tell neighbouring ticks apart: down to the step's last significant digit.
  const stepExponent = Math.floor(Math.log10(step) + 1e-9) - (significantDigits(step) - 1);
  const useExponential = maxAbs >= 1e5 || (maxAbs > 0 && maxAbs < 1e-3);

  return ticks.map((value) => {
    if (Math.abs(value) < step * 1e-9) return '0';
    let text: string;
    if (useExponential) {
      const valueExponent = Math.floor(Math.log10(Math.abs(value)) + 1e-9);
      const mantissaDecimals = Math.min(10, Math.max(0, valueExponent - stepExponent));
      text = value.toExponential(mantissaDecimals).replace('e+', 'e');
    } else {
      text = value.toFixed(Math.min(10, Math.max(0, -stepExponent)));
    }
    return text.replaceAll('-', MINUS_SIGN);
  });
}
