/**
 * The steady state of the soft (random) threshold at frozen coefficients: drift V0 − v (V0 = b·N), noise a,
 * loss c·1{v > VF} on (−∞, vmax], zero flux at vmax, and a unit source at VR. Its density m(v) and flux
 * J = (V0 − v)m − a m' satisfy
 *
 *   J' = δ(v − VR) − c·1{v > VF}·m,   J(−∞) = 0,   J(vmax) = 0,
 *
 * so J = 0 below VR (m is the Gaussian e^{−(v−V0)²/2a} there, up to its value at VR) and J(VR+) = 1.
 * The mass ∫m is the mean time from VR to a firing, the soft threshold's I(N): at rate N the steady
 * density is n = N·m, and N·(I + τ) = 1 as for the hard threshold.
 *
 * Computation: the problem is integrated from vmax downwards, where both conditions of the upper part
 * are known up to one scale: s = vmax − v, (m, J, M)(s = 0) = (1, 0, 0),
 *
 *   dm/ds = (J − (V0 − v)·m)/a,   dJ/ds = c·1{v > VF}·m,   dM/ds = m,
 *
 * by classical Runge–Kutta (4th order) on [VF, vmax] and on [VR, VF] separately (the loss jumps at VF),
 * with steps no larger than 1/50 of each length scale of the problem (√a, a/|V0 − v|, √(a/c)) and at
 * least 1000 per part. Every quantity stays positive (the backward system is cooperative: no
 * cancellation), and the solution is rescaled by powers of e^{300} so that nothing overflows. At VR the
 * unit source fixes the scale: m/J(VR). The mass below VR is m(VR)·√(2a)·(√π/2)·erfcx(−zR), zR =
 * (VR − V0)/√(2a), exactly. So I = (M(VR) + below)/J(VR). Measured against 8 times the steps: ln I
 * changes by about 1e-12 at a = 1, rate 20 (tested: < 1e-10), and by 1e-7 in a hard corner (a = 0.1,
 * rate 1000, V0 = −5, where the length scales are 0.01).
 */
import erfcx from '@stdlib/math-base-special-erfcx';

export interface SoftFrozen {
  /** drift offset V0 = b·N and noise a = a(N) > 0 */
  V0: number;
  a: number;
  VR: number;
  VF: number;
  /** loss rate c > 0 above VF and the top of the domain vmax > VF */
  rate: number;
  vmax: number;
}

export interface SoftSteadyProfile {
  /** ln I: ln of the steady mass per unit source (the mean time from VR to firing) */
  logI: number;
  /** ln m(v) per unit source (−∞ above vmax) */
  logDensity(v: number): number;
}

const RESCALE = 300; // rescale by e^300 when m passes it
/** steps per length scale and at least per part: 0.1 ms an evaluation; see the file comment for the error */
const STEPS_PER_SCALE = 50;
const MIN_STEPS = 1000;

/** Steps of one part [lo, hi] of the integration: 1/STEPS_PER_SCALE of the smallest length scale, at least MIN_STEPS. */
function stepsOf(p: SoftFrozen, lo: number, hi: number, loss: boolean): number {
  const drift = Math.max(Math.abs(p.V0 - lo), Math.abs(p.V0 - hi), 1e-300);
  let scale = Math.min(Math.sqrt(p.a), p.a / drift);
  if (loss) scale = Math.min(scale, Math.sqrt(p.a / p.rate));
  const n = Math.ceil((STEPS_PER_SCALE * (hi - lo)) / scale);
  if (!(n <= 5e6)) throw new Error(`nnlif soft steady state: the length scales of the problem (a = ${p.a}, V0 = ${p.V0}, rate = ${p.rate}) are too small for the grid`);
  return Math.max(MIN_STEPS, n);
}

/** The steady state of the soft threshold at frozen coefficients (see the file comment). `refine` multiplies the steps. */
export function softSteadyProfile(p: SoftFrozen, refine = 1): SoftSteadyProfile {
  if (!(p.a > 0) || !(p.rate > 0) || !(p.vmax > p.VF) || !(p.VF > p.VR)) throw new Error(`nnlif soft steady state: need a > 0, rate > 0, VR < VF < vmax (got a=${p.a}, rate=${p.rate}, VR=${p.VR}, VF=${p.VF}, vmax=${p.vmax})`);
  // samples from vmax down to VR: v, ln m, d ln m/dv
  const vs: number[] = [];
  const logm: number[] = [];
  const slope: number[] = [];
  let m = 1;
  let J = 0;
  let M = 0;
  let logScale = 0;
  const record = (v: number) => {
    vs.push(v);
    logm.push(Math.log(m) + logScale);
    slope.push(((p.V0 - v) * m - J) / (p.a * m)); // m'/m = ((V0 − v)m − J)/(a m)
  };
  const part = (top: number, bottom: number, c: number) => {
    const n = stepsOf(p, bottom, top, c > 0) * refine;
    const h = (top - bottom) / n;
    const f = (v: number, y: [number, number, number]): [number, number, number] => [(y[1] - (p.V0 - v) * y[0]) / p.a, c * y[0], y[0]];
    for (let k = 0; k < n; k++) {
      const v = top - k * h; // s increases as v decreases: d/ds at v
      const y: [number, number, number] = [m, J, M];
      const k1 = f(v, y);
      const y2: [number, number, number] = [m + 0.5 * h * k1[0], J + 0.5 * h * k1[1], M + 0.5 * h * k1[2]];
      const k2 = f(v - 0.5 * h, y2);
      const y3: [number, number, number] = [m + 0.5 * h * k2[0], J + 0.5 * h * k2[1], M + 0.5 * h * k2[2]];
      const k3 = f(v - 0.5 * h, y3);
      const y4: [number, number, number] = [m + h * k3[0], J + h * k3[1], M + h * k3[2]];
      const k4 = f(v - h, y4);
      m += (h / 6) * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0]);
      J += (h / 6) * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1]);
      M += (h / 6) * (k1[2] + 2 * k2[2] + 2 * k3[2] + k4[2]);
      if (m > Math.exp(RESCALE)) {
        const s = Math.exp(-RESCALE);
        m *= s;
        J *= s;
        M *= s;
        logScale += RESCALE;
      }
      record(v - h);
    }
  };
  record(p.vmax);
  part(p.vmax, p.VF, p.rate);
  part(p.VF, p.VR, 0);
  const s = Math.sqrt(2 * p.a);
  const zR = (p.VR - p.V0) / s;
  const below = m * s * 0.5 * Math.sqrt(Math.PI) * erfcx(-zR);
  const logJ = Math.log(J) + logScale; // J(VR+): the scale of the unit source
  const logI = Math.log(M + below) + logScale - logJ;
  const logmR = Math.log(m) + logScale - logJ;
  // samples are in descending v; reverse for the search
  vs.reverse();
  logm.reverse();
  slope.reverse();
  const logDensity = (v: number): number => {
    if (v > p.vmax) return -Infinity;
    if (v <= p.VR) return logmR - ((v - p.V0) ** 2 - (p.VR - p.V0) ** 2) / (2 * p.a);
    // binary search, then the cubic Hermite interpolant of ln m (values and slopes at both ends)
    let lo = 0;
    let hi = vs.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (vs[mid]! <= v) lo = mid;
      else hi = mid;
    }
    const h = vs[hi]! - vs[lo]!;
    const t = h > 0 ? (v - vs[lo]!) / h : 0;
    const h00 = (1 + 2 * t) * (1 - t) ** 2;
    const h10 = t * (1 - t) ** 2;
    const h01 = t * t * (3 - 2 * t);
    const h11 = t * t * (t - 1);
    return h00 * logm[lo]! + h10 * h * slope[lo]! + h01 * logm[hi]! + h11 * h * slope[hi]! - logJ;
  };
  return { logI, logDensity };
}
