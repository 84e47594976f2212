/**
 * Exponential time differencing for dN/dt = L·N + F(N) with the scalar linear part L = −1 of the Wilson–Cowan
 * equation (F(N) = w ∗ σ(N) + s). The linear part is integrated exactly; the coefficients are the φ-functions
 *   φ1(z) = (e^z − 1)/z,  φ2(z) = (e^z − 1 − z)/z²,  φ3(z) = (e^z − 1 − z − z²/2)/z³,
 * evaluated in f64 by their Taylor series for |z| < 1 (the closed forms cancel catastrophically as z → 0) and
 * in closed form otherwise.
 *
 * ETDRK4 (Cox & Matthews, J. Comput. Phys. 176 (2002) 430; in the form of Kassam & Trefethen, SIAM J. Sci.
 * Comput. 26 (2005) 1214), order 4, with h = dt, z = hL:
 *   a = E2·u + Q·F(u);  b = E2·u + Q·F(a);  c = E2·a + Q·(2F(b) − F(u))
 *   u⁺ = E·u + f1·F(u) + 2·f2·(F(a) + F(b)) + f3·F(c)
 *   E = e^z, E2 = e^{z/2}, Q = (h/2)·φ1(z/2), f1 = h(φ1 − 3φ2 + 4φ3), f2 = h(φ2 − 2φ3), f3 = h(4φ3 − φ2).
 * ETD1 (exponential Euler), order 1: u⁺ = E·u + h·φ1(z)·F(u).
 *
 * Additive noise a·dW_i is integrated exactly for the linear part: u⁺ += a·√((1 − e^{2z})/(−2L))·ξ, ξ ~ N(0, 1)
 * (the variance of ∫₀^h e^{L(h−s)} a dW(s)); with noise the scheme's strong order is that of the noise term.
 */

const factorials = (() => {
  const f = [1];
  for (let k = 1; k < 40; k++) f.push(f[k - 1]! * k);
  return f;
})();

/** φ_p(z) for p = 1, 2, 3. */
export function phi(p: 1 | 2 | 3, z: number): number {
  if (Math.abs(z) < 1) {
    // Σ_j z^j/(j + p)!: |z| < 1, 30 terms leave < 1/33! ≈ 1e-37 relative.
    let s = 0;
    let zj = 1;
    for (let j = 0; j < 30; j++) {
      s += zj / factorials[j + p]!;
      zj *= z;
    }
    return s;
  }
  const e = Math.exp(z);
  if (p === 1) return (e - 1) / z;
  if (p === 2) return (e - 1 - z) / (z * z);
  return (e - 1 - z - 0.5 * z * z) / (z * z * z);
}

export interface EtdCoefficients {
  scheme: 'etdrk4' | 'etd1';
  E: number;
  E2: number;
  Q: number;
  f1: number;
  f2: number;
  f3: number;
  /** ETD1: h·φ1(−h) */
  g: number;
  /** the standard deviation of the exact noise increment per unit amplitude: √((1 − e^{−2h})/2) */
  noiseScale: number;
}

/** The coefficients for L = −1 and step h. */
export function etdCoefficients(scheme: 'etdrk4' | 'etd1', h: number): EtdCoefficients {
  const z = -h;
  const [p1, p2, p3] = [phi(1, z), phi(2, z), phi(3, z)];
  return {
    scheme,
    E: Math.exp(z),
    E2: Math.exp(z / 2),
    Q: 0.5 * h * phi(1, z / 2),
    f1: h * (p1 - 3 * p2 + 4 * p3),
    f2: h * (p2 - 2 * p3),
    f3: h * (4 * p3 - p2),
    g: h * p1,
    // (1 − e^{−2h})/2 = h·φ1(−2h)
    noiseScale: Math.sqrt(h * phi(1, -2 * h)),
  };
}
