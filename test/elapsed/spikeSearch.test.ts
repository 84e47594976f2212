/**
 * The instant kernel's implicit step, its search alone (spikeSearch, elapsedReference.ts) on monotone step
 * functions f of the spike count, against brute force: b < 0 the unique crossing, b > 0 an exact fixed point
 * (the smallest when the fixed points lie in one run), always within spikeSearchPasses evaluations.
 */
import { describe, expect, it } from 'vitest';
import { spikeSearch, spikeSearchPasses } from '../../src/models/particles/elapsedReference';

/** A small deterministic generator (xorshift32), so each case is the same every run. */
function generator(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 2 ** 32;
  };
}

/** A monotone f on [0, Kmax] with values in [0, Kmax]: a random walk of jumps (some large: a cohort at s*). */
function monotoneTable(Kmax: number, increasing: boolean, random: () => number): Uint32Array {
  const table = new Uint32Array(Kmax + 1);
  let v = increasing ? Math.floor(random() * 0.1 * Kmax) : Kmax - Math.floor(random() * 0.5 * Kmax);
  for (let K = 0; K <= Kmax; K++) {
    table[K] = v;
    const u = random();
    const step = u < 0.01 ? Math.floor(random() * 0.2 * Kmax) : u < 0.5 ? Math.floor(random() * 3) : 0;
    v = increasing ? Math.min(Kmax, v + step) : Math.max(0, v - step);
  }
  return table;
}

describe('spikeSearch on monotone step functions', () => {
  it('b < 0: the unique crossing, min{K : f(K) ≤ K}, from any previous count, within 1 + bits(Kmax) passes', () => {
    const random = generator(7);
    let worst = 0;
    for (let trial = 0; trial < 400; trial++) {
      const Kmax = 1 + Math.floor(random() * (trial < 200 ? 50 : 5000));
      const f = monotoneTable(Kmax, false, random);
      const expected = f.findIndex((v, K) => v <= K);
      const previous = Math.floor(random() * 1.2 * Kmax);
      const r = spikeSearch(-1, Kmax, previous, (K) => f[K]!);
      expect(r.K, `trial ${trial}`).toBe(expected);
      expect(r.evaluations).toBeLessThanOrEqual(spikeSearchPasses(Kmax, -1));
      worst = Math.max(worst, r.evaluations / spikeSearchPasses(Kmax, -1));
    }
    console.log(`b < 0: at most ${(100 * worst).toFixed(0)}% of the encoded passes used`);
  });

  it('b > 0: an exact fixed point f(K) = K, the smallest where every fixed point is in one run, within 2·bits(Kmax) + 2 passes', () => {
    const random = generator(11);
    let smallest = 0;
    let runs = 0;
    for (let trial = 0; trial < 400; trial++) {
      const Kmax = 1 + Math.floor(random() * (trial < 200 ? 50 : 5000));
      const f = monotoneTable(Kmax, true, random);
      const r = spikeSearch(1, Kmax, 0, (K) => f[K]!);
      expect(f[r.K], `trial ${trial}: f(${r.K})`).toBe(r.K);
      expect(r.evaluations).toBeLessThanOrEqual(spikeSearchPasses(Kmax, 1));
      // the fixed points; where they form one run [K0, K1] (no crossing back above the diagonal between
      // them), none is missed: the search takes the smallest
      const fixed = Array.from(f.entries()).filter(([K, v]) => v === K).map(([K]) => K);
      if (fixed.at(-1)! - fixed[0]! === fixed.length - 1) {
        runs++;
        expect(r.K).toBe(fixed[0]);
      } else if (r.K === fixed[0]) smallest++;
    }
    console.log(`b > 0: ${runs} cases with one run of fixed points (the smallest taken); of the others, the smallest taken in ${smallest}`);
    expect(runs).toBeGreaterThan(50);
  });

  it('b = 0: no pass (X = 0 whatever the count)', () => {
    expect(spikeSearch(0, 100, 5, () => 3)).toEqual({ K: 0, evaluations: 0 });
    expect(spikeSearchPasses(4e5, 0)).toBe(0);
    expect(spikeSearchPasses(4e5, -0.5)).toBe(20);
    expect(spikeSearchPasses(4e5, 0.5)).toBe(40);
  });
});
