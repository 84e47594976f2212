import { describe, expect, it } from 'vitest';
import {
  gaussKronrod,
  nnlifInverseRate,
  nnlifLogInverseRate,
  nnlifNoise,
  nnlifSteadyDensity,
  nnlifSteadyDensityAt,
  nnlifSteadyLogRates,
  nnlifSteadyRates,
  nnlifSteadyResidual,
  type NnlifParams,
} from '../../src/models/nnlif/steadyRate';

const base: NnlifParams = { a: 1, b: 0, VR: 1, VF: 2 };
const rel = (x: number, y: number) => Math.abs(x / y - 1);

/**
 * I(N) by the power series of erfcx, with no erfc/erfcx and no quadrature: erfcx(−z) = Σ_n z^n/Γ(n/2 + 1),
 * so I = √π ∫_{zR}^{zF} erfcx(−z) dz = √π Σ_n (zF^{n+1} − zR^{n+1}) / ((n + 1) Γ(n/2 + 1)).
 * (The classical series for the OU mean first-passage time; fine for |z| ≲ 3.)
 */
function inverseRateSeries(p: NnlifParams, N: number): number {
  const a = p.a + (p.a1 ?? 0) * N;
  const s = Math.sqrt(2 * a);
  const zR = (p.VR - p.b * N) / s;
  const zF = (p.VF - p.b * N) / s;
  const gamma = [1, Math.sqrt(Math.PI) / 2]; // Γ(n/2 + 1) for n = 0, 1
  let sum = 0;
  let powF = zF;
  let powR = zR;
  for (let n = 0; n < 400; n++) {
    if (n >= 2) gamma[n] = (n / 2) * gamma[n - 2];
    const term = (powF - powR) / ((n + 1) * gamma[n]);
    sum += term;
    // stop on the size of the powers, not of the term (zR = −zF cancels every other term exactly)
    if (n > 10 && (Math.abs(powF) + Math.abs(powR)) / ((n + 1) * gamma[n]) < 1e-18 * Math.abs(sum)) break;
    powF *= zF;
    powR *= zR;
  }
  return Math.sqrt(Math.PI) * sum;
}

/**
 * I(N) straight from the definition, in the original order of integration, by composite Simpson in both
 * variables (no special functions):
 *   I = (1/a) ∫_{−∞}^{VF} ∫_{max(v,VR)}^{VF} e^{((w−V0)² − (v−V0)²)/2a} dw dv.
 */
function inverseRateBruteForce(p: NnlifParams, N: number, panels = 2000, innerPanels = 200): number {
  const a = p.a + (p.a1 ?? 0) * N;
  const V0 = p.b * N;
  const simpson = (f: (x: number) => number, lo: number, hi: number, m: number) => {
    const h = (hi - lo) / (2 * m);
    let acc = f(lo) + f(hi);
    for (let k = 1; k < 2 * m; k++) acc += (k % 2 ? 4 : 2) * f(lo + k * h);
    return (acc * h) / 3;
  };
  const inner = (v: number) => simpson((w) => Math.exp(((w - V0) ** 2 - (v - V0) ** 2) / (2 * a)), Math.max(v, p.VR), p.VF, innerPanels);
  const vlow = Math.min(p.VR, V0) - 14 * Math.sqrt(a);
  return (simpson(inner, vlow, p.VR, panels) + simpson(inner, p.VR, p.VF, panels)) / a;
}

describe('adaptive Gauss–Kronrod', () => {
  it('is exact for polynomials up to degree 22 on one panel and converges for smooth integrands', () => {
    const one = gaussKronrod((x) => x ** 22, 0, 1, 1, 0);
    expect(one.panels).toBe(1);
    expect(rel(one.value, 1 / 23)).toBeLessThan(1e-14);
    expect(rel(gaussKronrod(Math.exp, -3, 5).value, Math.exp(5) - Math.exp(-3))).toBeLessThan(2e-15);
    expect(rel(gaussKronrod((x) => 1 / (1 + 100 * x * x), -1, 1).value, (2 * Math.atan(10)) / 10)).toBeLessThan(1e-14);
  });
});

describe('NNLIF steady firing rate 1/N = I(N) = √π ∫_{zR}^{zF} erfcx(−z) dz', () => {
  it('reproduces the reference rates of the issue (a = 1, VR = 1, VF = 2): 0.119975965 (b = 0), 0.134775080 (b = 0.5)', () => {
    const r0 = nnlifSteadyRates({ ...base, b: 0 });
    const r5 = nnlifSteadyRates({ ...base, b: 0.5 });
    expect(r0.length).toBe(1);
    expect(r5.length).toBe(1);
    expect(Math.abs(r0[0] - 0.119975965)).toBeLessThan(5e-10);
    expect(Math.abs(r5[0] - 0.13477508)).toBeLessThan(5e-10);
    // 30-digit values (mpmath, the same I(N) with 30-digit quadrature and findroot)
    expect(rel(r0[0], 0.119975965239104966210566)).toBeLessThan(1e-14);
    expect(rel(r5[0], 0.13477507993525008066341)).toBeLessThan(1e-14);
  });

  it('b = 0: N = 1/T, T the OU mean first-passage time from VR to VF, by the erfcx power series', () => {
    for (const p of [base, { a: 0.3, b: 0, VR: -1, VF: 1 }, { a: 2.5, b: 0, VR: 0, VF: 3 }, { a: 0.5, b: 0, VR: -2, VF: 0.5 }]) {
      const [N] = nnlifSteadyRates(p);
      expect(rel(N, 1 / inverseRateSeries(p, 0))).toBeLessThan(1e-13);
    }
  });

  it('I(N) agrees with the erfcx power series at any N, b, a1 (|z| ≤ 3)', () => {
    const cases: [NnlifParams, number][] = [
      [{ ...base, b: 0.5 }, 0.3],
      [{ ...base, b: 2 }, 1.7],
      [{ ...base, b: -1.5 }, 0.9],
      [{ ...base, b: 1, a1: 0.7 }, 2.2],
      [{ a: 0.2, b: 0.3, VR: -1, VF: 1 }, 0.4],
    ];
    for (const [p, N] of cases) expect(rel(nnlifInverseRate(p, N), inverseRateSeries(p, N))).toBeLessThan(1e-13);
  });

  it('I(N*) = 1/N* by brute-force 2D Simpson quadrature of the original double integral', () => {
    for (const b of [0, 0.5, -1]) {
      const p = { ...base, b };
      const [N] = nnlifSteadyRates(p);
      expect(rel(inverseRateBruteForce(p, N), 1 / N)).toBeLessThan(1e-10);
    }
    const p = { a: 0.3, b: 0.2, VR: -1, VF: 1 };
    const [N] = nnlifSteadyRates(p);
    expect(rel(N, 0.1161115447382535618155726)).toBeLessThan(1e-13); // mpmath
    expect(rel(inverseRateBruteForce(p, N, 2000, 800), 1 / N)).toBeLessThan(1e-10);
  });

  it('stays finite and accurate where e^{zF²} overflows (small noise): ln I, and rates far below 1', () => {
    // a = 0.002: zF² = 1000, I(0) = e^{997.1…} (mpmath)
    expect(Math.abs(nnlifLogInverseRate({ a: 0.002, b: 0, VR: 1, VF: 2 }, 0) - 997.11898792998081869742)).toBeLessThan(1e-11);
    expect(Math.abs(nnlifLogInverseRate({ ...base, b: -3 }, 8) - 335.66232679621514118650)).toBeLessThan(1e-11);
    expect(nnlifInverseRate({ a: 0.002, b: 0, VR: 1, VF: 2 }, 0)).toBe(Infinity);
    const [N] = nnlifSteadyRates({ a: 0.05, b: 0, VR: 1, VF: 2 });
    expect(rel(N, 1.4964628232276684622008879e-17)).toBeLessThan(1e-12);
    // a rate that underflows f64 (e^{−997}) is still found in ln N
    const [lnN] = nnlifSteadyLogRates({ a: 0.002, b: 0, VR: 1, VF: 2 }, { pointsPerDecade: 8 }); // the scan spans e^{-1011}..1e12
    expect(Math.abs(lnN + 997.11898792998081869742)).toBeLessThan(1e-11);
  });

  it('number of steady states for a = 1, VR = 1, VF = 2: one for b ≤ VF − VR = 1, two for 1 < b < b* ≈ 2.1009678, none above', () => {
    const counts = (b: number) => nnlifSteadyRates({ ...base, b }).length;
    for (const b of [-10, -5, -1, 0, 0.5, 0.9, 0.99, 1]) expect(counts(b)).toBe(1);
    for (const b of [1.001, 1.05, 1.5, 2, 2.1, 2.10096776]) expect(counts(b)).toBe(2);
    for (const b of [2.1009678, 2.11, 2.5, 3, 5, 20]) expect(counts(b)).toBe(0);
    // high-precision roots (mpmath)
    const two = nnlifSteadyRates({ ...base, b: 2 });
    expect(rel(two[0], 0.2925828514721024877987)).toBeLessThan(1e-13);
    expect(rel(two[1], 0.6894338392382982710256)).toBeLessThan(1e-13);
    const near1 = nnlifSteadyRates({ ...base, b: 1.05 });
    expect(rel(near1[0], 0.15893342628921126515)).toBeLessThan(1e-13);
    expect(rel(near1[1], 29.376573552435945635)).toBeLessThan(1e-11);
    expect(rel(nnlifSteadyRates({ ...base, b: -10 })[0], 0.047335337249043635)).toBeLessThan(1e-13);
    // b → 1⁺: the upper root escapes to ∞ like (VF² − VR²)/(2b(b − 1))
    const up = nnlifSteadyRates({ ...base, b: 1 + 1e-6 })[1];
    expect(rel(up, 1.5 / (1 + 1e-6) / 1e-6)).toBeLessThan(1e-5);
  });

  it('every reported root is polished: r(N) = ln(N·I(N)) changes sign within 1e-12 relative', () => {
    for (const p of [base, { ...base, b: 0.5 }, { ...base, b: 1.5 }, { ...base, b: -2 }, { ...base, b: 1.5, a1: 0.5 }]) {
      for (const N of nnlifSteadyRates(p)) {
        const lo = nnlifSteadyResidual(p, N * (1 - 1e-12));
        const hi = nnlifSteadyResidual(p, N * (1 + 1e-12));
        expect(lo * hi).toBeLessThanOrEqual(0);
      }
    }
  });

  it('a(N) = a0 + a1·N: the rate solves the frozen-noise problem with a = a(N*) (and matches mpmath)', () => {
    const p = { ...base, b: 0.5, a1: 0.5 };
    const [N] = nnlifSteadyRates(p);
    expect(rel(N, 0.15731309987401023963)).toBeLessThan(1e-13);
    const frozen = nnlifSteadyRates({ ...base, b: 0.5, a: nnlifNoise(p, N) });
    expect(frozen.some((M) => rel(M, N) < 1e-12)).toBe(true);
    const pair = nnlifSteadyRates({ ...base, b: 1.5, a1: 0.5 });
    expect(pair.length).toBe(2);
    expect(rel(pair[0], 0.2727354439311371953)).toBeLessThan(1e-13);
    expect(rel(pair[1], 1.290671564111546646)).toBeLessThan(1e-13);
    // a1 < 0: only N < a0/|a1| is admissible
    const neg = nnlifSteadyRates({ ...base, b: 1.5, a1: -0.05 });
    expect(neg.length).toBe(2);
    expect(rel(neg[0], 0.18745353804115991664)).toBeLessThan(1e-13);
    expect(rel(neg[1], 2.398706140635777042)).toBeLessThan(1e-13);
    // strong noise growth removes the steady states at b = VF − VR: N·I(N) → 1 from below
    expect(nnlifSteadyRates({ ...base, b: 1, a1: 2 })).toEqual([]);
  });

  it('rejects bad parameters', () => {
    expect(() => nnlifSteadyRates({ ...base, a: 0 })).toThrow(/noise a/);
    expect(() => nnlifSteadyRates({ ...base, VF: 1 })).toThrow(/VR < VF/);
    expect(() => nnlifInverseRate({ ...base, a1: -1 }, 2)).toThrow(/a\(N\)/);
    expect(() => nnlifInverseRate(base, -1)).toThrow(/rate N/);
  });
});

describe('NNLIF steady density n(v) = (N/a) e^{−(v−V0)²/2a} ∫_{max(v,VR)}^{VF} e^{(w−V0)²/2a} dw', () => {
  const cases: NnlifParams[] = [base, { ...base, b: 0.5 }, { ...base, b: 2 }, { ...base, b: -3 }, { ...base, b: 0.5, a1: 0.5 }, { a: 0.05, b: 0.2, VR: 0, VF: 1 }];

  it('has mass 1 at every steady rate (cell averages, no renormalisation)', () => {
    for (const p of cases) {
      for (const N of nnlifSteadyRates(p)) {
        const a = nnlifNoise(p, N);
        const vmin = Math.min(p.VR, p.b * N) - 40 * Math.sqrt(a);
        const nv = 4000;
        const d = nnlifSteadyDensity(p, N, vmin, p.VF + 0.5, nv);
        const dv = (p.VF + 0.5 - vmin) / nv;
        let mass = 0;
        for (const x of d) mass += x * dv;
        expect(Math.abs(mass - 1)).toBeLessThan(1e-12);
        expect(d.every((x) => x >= 0)).toBe(true);
        // cells above VF are empty
        expect(d[nv - 1]).toBe(0);
      }
    }
  });

  it('n(VF) = 0 and −a n\'(VF) = N, from the cell averages (quadratic through the last three cells)', () => {
    for (const p of cases) {
      for (const N of nnlifSteadyRates(p)) {
        const a = nnlifNoise(p, N);
        const h = 1e-4 * Math.min(1, a);
        const d = nnlifSteadyDensity(p, N, p.VF - 3 * h, p.VF, 3);
        // cell averages of c0 + c1 x + c2 x², x = v − VF, on [−3h, −2h], [−2h, −h], [−h, 0]
        const avg = (k: number) => [1, -(k + 0.5) * h, (h * h * ((k + 1) ** 3 - k ** 3)) / 3];
        const rows = [avg(2), avg(1), avg(0)];
        const rhs = [d[0], d[1], d[2]];
        // Cramer's rule
        const det = (m: number[][]) =>
          m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
        const D = det(rows);
        const col = (j: number) => det(rows.map((r, i) => r.map((x, k) => (k === j ? rhs[i] : x))));
        const [c0, c1] = [col(0) / D, col(1) / D];
        const scale = N / a; // |n'| near VF
        // truncation: the cubic term, c0 = O(n'''(VF) h³)
        expect(Math.abs(c0)).toBeLessThan(1e-4 * scale * h);
        expect(rel(-a * c1, N)).toBeLessThan(1e-5);
      }
    }
  });

  it('solves the steady equation: flux J = (bN − v) n − a n\' is N on (VR, VF) and 0 below VR (pointwise, finite differences)', () => {
    for (const p of cases) {
      for (const N of nnlifSteadyRates(p)) {
        const a = nnlifNoise(p, N);
        const n = (v: number) => nnlifSteadyDensityAt(p, N, v);
        const eps = 1e-3 * Math.sqrt(a);
        const dn = (v: number) => (n(v - 2 * eps) - 8 * n(v - eps) + 8 * n(v + eps) - n(v + 2 * eps)) / (12 * eps);
        const L = p.VF - p.VR;
        const probes = [p.VR - 2 * Math.sqrt(a), p.VR - 0.3 * L, p.VR + 0.2 * L, p.VR + 0.5 * L, p.VF - 0.1 * L];
        for (const v of probes) {
          const J = (p.b * N - v) * n(v) - a * dn(v);
          const expected = v > p.VR ? N : 0;
          // relative to the size of the two terms (n reaches ~10³ N/a for a = 0.05)
          expect(Math.abs(J - expected)).toBeLessThan(1e-7 * (N + Math.abs((p.b * N - v) * n(v))));
        }
        expect(n(p.VF)).toBe(0);
        // continuity at VR, kink of size N/a in n'
        const d = 1e-4 * a;
        const dl = (3 * n(p.VR) - 4 * n(p.VR - d) + n(p.VR - 2 * d)) / (2 * d);
        const dr = (-3 * n(p.VR) + 4 * n(p.VR + d) - n(p.VR + 2 * d)) / (2 * d);
        expect(rel(a * (dl - dr), N)).toBeLessThan(1e-5);
      }
    }
  });
});
