/** Test signals of the FFT tests: deterministic pseudo-random f32 data, and the 2-norm. */

/** Deterministic pseudo-random f32 data in [−1, 1) (a linear congruential generator from `seed`). */
export function data(count: number, seed: number): Float32Array<ArrayBuffer> {
  let s = seed >>> 0;
  return Float32Array.from({ length: count }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

export function norm(a: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k]! * a[k]!;
  return Math.sqrt(s);
}
