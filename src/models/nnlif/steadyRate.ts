/**
 * Exact steady states of the noisy leaky integrate-and-fire (NNLIF) Fokker–Planck equation
 *
 *   ∂t n + ∂v[(−v + bN) n] − a(N) ∂²v n = N δ(v − VR),   v < VF,   n(VF) = 0,   N = −a(N) ∂v n(VF),
 *   a(N) = a0 + a1·N   (params.a is a0; params.a1 defaults to 0).
 *
 * Steady states (Cáceres, Carrillo & Perthame, J. Math. Neurosci. 2011). At a steady N the drift and the
 * noise are frozen: V0 = bN, a = a(N). The steady flux J = (V0 − v) n − a n' is N on (VR, VF) and 0 below
 * VR, and with n(VF) = 0
 *
 *   n(v) = (N/a) e^{−(v−V0)²/2a} ∫_{max(v,VR)}^{VF} e^{(w−V0)²/2a} dw.
 *
 * Mass 1 fixes N: 1/N = I(N) = (1/a) ∫_{−∞}^{VF} e^{−(v−V0)²/2a} ∫_{max(v,VR)}^{VF} e^{(w−V0)²/2a} dw dv.
 *
 * Accurate form. The region {v < VF, max(v, VR) < w < VF} is {VR < w < VF, v < w}; swapping the order,
 *
 *   I = (1/a) ∫_{VR}^{VF} e^{(w−V0)²/2a} ∫_{−∞}^{w} e^{−(v−V0)²/2a} dv dw,
 *
 * and the inner Gaussian integral is √(2a)·(√π/2)·erfc(−z), z = (w − V0)/√(2a). The two exponentials
 * combine into erfcx(−z) = e^{z²} erfc(−z) = e^{z²}(1 + erf z), and with dw = √(2a) dz
 *
 *   I(N) = √π ∫_{zR}^{zF} erfcx(−z) dz,   zR = (VR − bN)/√(2a(N)),   zF = (VF − bN)/√(2a(N)),
 *
 * (the Siegert / Brunel–Hakim mean first-passage time of the Ornstein–Uhlenbeck process, in units of the
 * membrane time). The integrand is positive, smooth and increasing; it is integrated in t = zF − z over
 * [0, L], L = (VF − VR)/√(2a), by adaptive Gauss–Kronrod (7–15) to 1e-14 relative. For zF > 0 the factor
 * e^{zF²} is taken out exactly: e^{z²−zF²} = e^{−t(2zF − t)}, so ln I = zF² + ln(√π ∫ e^{−t(2zF−t)} erfc(t − zF) dt)
 * never overflows; for z < 0 erfcx(−z) is used directly (no e^{z²}·erfc cancellation).
 *
 * Steady states solve r(N) = ln N + ln I(N) = 0. With a1 = 0: for b ≤ 0, I is nondecreasing in N and
 * there is exactly one root; for b > 0, I decreases and N·I(N) → (VF − VR)/b as N → ∞ (from above when
 * VF² > VR²), so there is an odd number of roots for b < VF − VR and an even number (0 or 2 in practice)
 * above. The roots are found by a scan in ln N and polished by Brent's method; a local extremum of r close
 * to 0 between scan points is refined (golden section) so that two roots near a fold are not missed.
 *
 * The density: with G(z) = e^{−z²} ∫_{max(z,zR)}^{zF} e^{s²} ds, n(v) = N √(2/a) G(z). For zR ≤ z < zF,
 * G(z) = ∫_0^{zF−z} e^{t(2z+t)} dt = e^{zF²−z²} ∫_0^{zF−z} e^{−u(2zF−u)} du (whichever has its peak at 0);
 * below VR, G(z) = e^{zR²−z²} G(zR). G(zF) = 0 and G'(zF) = −1, so n(VF) = 0 and −a n'(VF) = N exactly.
 */
import erfc from '@stdlib/math-base-special-erfc';
import erfcx from '@stdlib/math-base-special-erfcx';
import type { NnlifFiring } from './fokkerPlanck';
import { softSteadyProfile } from './softSteady';

export interface NnlifParams {
  /** noise a0 > 0 (a(N) = a + a1·N) */
  a: number;
  /** noise growth with the rate, a(N) = a + a1·N (default 0) */
  a1?: number;
  /** connectivity: > 0 excitatory, < 0 inhibitory */
  b: number;
  /** reset potential */
  VR: number;
  /** firing threshold, VF > VR */
  VF: number;
  /** refractory time τ ≥ 0 (default 0): the steady rates solve N·(I(N) + τ) = 1 */
  tau?: number;
  /**
   * the threshold (default hard). Soft, {rate, vmax}: loss rate·1{v > VF} on v < vmax; I(N) is then the mean
   * time from VR to a firing of the frozen process, computed by softSteady.ts (no closed form), and N < rate.
   */
  firing?: NnlifFiring;
}

/** The soft threshold's frozen problem at rate N. */
const softAt = (params: NnlifParams, N: number, a: number) => {
  const f = params.firing as { kind: 'soft'; rate: number; vmax: number };
  return softSteadyProfile({ V0: params.b * N, a, VR: params.VR, VF: params.VF, rate: f.rate, vmax: f.vmax });
};

const SQRT_PI = Math.sqrt(Math.PI);

// ---------------------------------------------------------------------------------------------------
// Adaptive Gauss–Kronrod (7-point Gauss, 15-point Kronrod; QUADPACK's qk15 abscissae and weights)

const XGK = [
  0.991455371120812639206854697526329, 0.949107912342758524526189684047851, 0.864864423359769072789712788640926,
  0.741531185599394439863864773280788, 0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
  0.207784955007898467600689403773245, 0.0,
];
const WGK = [
  0.02293532201052922496373200805897, 0.063092092629978553290700663189204, 0.104790010322250183839876322541518,
  0.140653259715525918745189590510238, 0.16900472663926790282658342659855, 0.190350578064785409913256402421014,
  0.204432940075298892414161999234649, 0.209482141084727828012999174891714,
];
/** Gauss weights of the nodes XGK[1], XGK[3], XGK[5], XGK[7] */
const WG = [0.129484966168869693270611432679082, 0.27970539148927666790146777142378, 0.381830050505118944950369775488975, 0.417959183673469387755102040816327];

function kronrodPanel(f: (x: number) => number, lo: number, hi: number): { value: number; error: number } {
  const c = 0.5 * (lo + hi);
  const h = 0.5 * (hi - lo);
  const fc = f(c);
  let k = WGK[7] * fc;
  let g = WG[3] * fc;
  for (let j = 0; j < 7; j++) {
    const dx = h * XGK[j];
    const s = f(c - dx) + f(c + dx);
    k += WGK[j] * s;
    if (j % 2 === 1) g += WG[(j - 1) / 2] * s;
  }
  return { value: k * h, error: Math.abs((k - g) * h) };
}

export interface QuadratureResult {
  value: number;
  /** the sum of the panels' |Kronrod − Gauss| (a conservative bound for smooth integrands) */
  error: number;
  panels: number;
}

/**
 * ∫_lo^hi f by globally adaptive Gauss–Kronrod 7–15: the panel with the largest |K15 − G7| is halved until
 * the sum of |K15 − G7| is at most max(relTol·|∫f|, absTol). |K15 − G7| overestimates the error of K15 by
 * orders of magnitude for smooth f, so the result is usually at the rounding level.
 */
export function gaussKronrod(f: (x: number) => number, lo: number, hi: number, relTol = 1e-14, absTol = 0, maxPanels = 2000): QuadratureResult {
  if (lo === hi) return { value: 0, error: 0, panels: 0 };
  const los = [lo];
  const his = [hi];
  const first = kronrodPanel(f, lo, hi);
  const vals = [first.value];
  const errs = [first.error];
  let value = first.value;
  let error = first.error;
  while (error > Math.max(relTol * Math.abs(value), absTol) && los.length < maxPanels) {
    let worst = 0;
    for (let i = 1; i < errs.length; i++) if (errs[i] > errs[worst]) worst = i;
    const a = los[worst];
    const b = his[worst];
    const m = 0.5 * (a + b);
    if (!(m > Math.min(a, b) && m < Math.max(a, b))) break; // panel at the resolution of f64
    const left = kronrodPanel(f, a, m);
    const right = kronrodPanel(f, m, b);
    his[worst] = m;
    vals[worst] = left.value;
    errs[worst] = left.error;
    los.push(m);
    his.push(b);
    vals.push(right.value);
    errs.push(right.error);
    value = 0;
    error = 0;
    for (let i = 0; i < vals.length; i++) {
      value += vals[i];
      error += errs[i];
    }
  }
  return { value, error, panels: los.length };
}

// ---------------------------------------------------------------------------------------------------
// I(N)

function checkParams(params: NnlifParams): void {
  const { a, b, VR, VF } = params;
  const a1 = params.a1 ?? 0;
  for (const [name, x] of Object.entries({ a, a1, b, VR, VF })) {
    if (!Number.isFinite(x)) throw new Error(`nnlif: ${name} must be a finite number (got ${x})`);
  }
  if (!(a > 0)) throw new Error(`nnlif: the noise a must be > 0 (got ${a})`);
  if (!(VF > VR)) throw new Error(`nnlif: need VR < VF (got VR = ${VR}, VF = ${VF})`);
  const f = params.firing;
  if (f?.kind === 'soft' && !(f.rate > 0 && Number.isFinite(f.rate) && f.vmax > VF && Number.isFinite(f.vmax))) {
    throw new Error(`nnlif: the soft threshold needs rate > 0 and vmax > VF (got rate = ${f.rate}, vmax = ${f.vmax})`);
  }
}

/** a(N) = a0 + a1·N */
export function nnlifNoise(params: NnlifParams, N: number): number {
  return params.a + (params.a1 ?? 0) * N;
}

interface Frozen {
  a: number;
  s: number;
  zR: number;
  zF: number;
}

function frozen(params: NnlifParams, N: number): Frozen {
  checkParams(params);
  if (!(N >= 0) || !Number.isFinite(N)) throw new Error(`nnlif: the rate N must be finite and ≥ 0 (got ${N})`);
  const a = nnlifNoise(params, N);
  if (!(a > 0)) throw new Error(`nnlif: the noise a(N) = a + a1·N must be > 0 (a(${N}) = ${a})`);
  const s = Math.sqrt(2 * a);
  const V0 = params.b * N;
  return { a, s, zR: (params.VR - V0) / s, zF: (params.VF - V0) / s };
}

/**
 * ln I(N), I(N) = √π ∫_{zR}^{zF} erfcx(−z) dz, to about 1e-14 relative in I; finite even where I itself
 * overflows (zF > 26.6).
 */
export function nnlifLogInverseRate(params: NnlifParams, N: number, relTol = 1e-14): number {
  const { a, s, zR, zF } = frozen(params, N);
  if (params.firing?.kind === 'soft') return softAt(params, N, a).logI;
  const L = (params.VF - params.VR) / s; // zF − zR without rounding
  const shift = zF > 0 ? zF * zF : 0;
  // integrand e^{−shift}·erfcx(−z) at z = zF − t
  const h =
    zF > 0
      ? (t: number) => {
          const z = zF - t;
          return z >= 0 ? Math.exp(-t * (2 * zF - t)) * erfc(-z) : erfcx(-z) * Math.exp(-shift);
        }
      : (t: number) => erfcx(t - zF);
  const { value } = gaussKronrod(h, 0, L, relTol);
  return shift + Math.log(SQRT_PI * value);
}

/** I(N) = 1/N at a steady state: the mean interspike time at rate N (∞ when it overflows f64). */
export function nnlifInverseRate(params: NnlifParams, N: number): number {
  return Math.exp(nnlifLogInverseRate(params, N));
}

/** ln(I(N) + τ), finite where I overflows: ln I + log1p(τ/I). */
export function nnlifLogCycleTime(params: NnlifParams, N: number): number {
  const lnI = nnlifLogInverseRate(params, N);
  const tau = params.tau ?? 0;
  return tau > 0 ? lnI + Math.log1p(tau * Math.exp(-lnI)) : lnI;
}

/**
 * r(N) = ln(N·(I(N) + τ)): the steady rates are its zeros (r < 0 ⇔ the fixed-point map N ↦ 1/(I(N) + τ)
 * lies above N). With a refractory state the mass outside it is 1 − τN = N·I(N).
 */
export function nnlifSteadyResidual(params: NnlifParams, N: number): number {
  return Math.log(N) + nnlifLogCycleTime(params, N);
}

// ---------------------------------------------------------------------------------------------------
// the steady rates

/** Brent's method on [lo, hi] with f(lo)·f(hi) < 0; stops at |hi − lo| ≤ tol. */
function brentRoot(f: (x: number) => number, a: number, b: number, fa: number, fb: number, tol: number): number {
  let c = a;
  let fc = fa;
  let d = b - a;
  let e = d;
  for (let it = 0; it < 200; it++) {
    if (Math.sign(fb) === Math.sign(fc)) {
      c = a;
      fc = fa;
      d = b - a;
      e = d;
    }
    if (Math.abs(fc) < Math.abs(fb)) {
      a = b;
      b = c;
      c = a;
      fa = fb;
      fb = fc;
      fc = fa;
    }
    const tol1 = 2 * Number.EPSILON * Math.abs(b) + 0.5 * tol;
    const xm = 0.5 * (c - b);
    if (Math.abs(xm) <= tol1 || fb === 0) return b;
    if (Math.abs(e) >= tol1 && Math.abs(fa) > Math.abs(fb)) {
      const s = fb / fa;
      let p: number;
      let q: number;
      if (a === c) {
        p = 2 * xm * s;
        q = 1 - s;
      } else {
        const qq = fa / fc;
        const r = fb / fc;
        p = s * (2 * xm * qq * (qq - r) - (b - a) * (r - 1));
        q = (qq - 1) * (r - 1) * (s - 1);
      }
      if (p > 0) q = -q;
      p = Math.abs(p);
      if (2 * p < Math.min(3 * xm * q - Math.abs(tol1 * q), Math.abs(e * q))) {
        e = d;
        d = p / q;
      } else {
        d = xm;
        e = d;
      }
    } else {
      d = xm;
      e = d;
    }
    a = b;
    fa = fb;
    b += Math.abs(d) > tol1 ? d : Math.sign(xm) * tol1;
    fb = f(b);
  }
  return b;
}

export interface NnlifScanOptions {
  /** largest rate searched (default max(1e12, 1e6·N0), N0 = 1/I(0)); with a1 < 0 also below a/|a1| */
  Nmax?: number;
  /** scan points per decade of N (default 40) */
  pointsPerDecade?: number;
  /** |Δ ln N| to which the roots are polished (default 1e-15) */
  tol?: number;
}

/**
 * Every steady firing rate N > 0, ascending: the zeros of r(N) = ln N + ln I(N), scanned on a ln N grid
 * from where r < 0 (at most 1e-6·N0) up to Nmax and polished by Brent's method in ln N. Between scan points
 * without a sign change, a local maximum of r in (−0.2, 0) (or minimum in (0, 0.2)) is refined by golden
 * section; if it crosses 0 the pair of roots around it is polished too. Roots beyond Nmax (for b just above
 * VF − VR the upper root of the pair grows like (VF² − VR²)/(2b(b − VF + VR))) are not reported.
 */
export function nnlifSteadyRates(params: NnlifParams, options: NnlifScanOptions = {}): number[] {
  return nnlifSteadyLogRates(params, options).map(Math.exp);
}

/** ln of every steady rate, ascending (the same scan as nnlifSteadyRates; for rates that underflow f64, tiny noise). */
export function nnlifSteadyLogRates(params: NnlifParams, options: NnlifScanOptions = {}): number[] {
  checkParams(params);
  const a1 = params.a1 ?? 0;
  const perDecade = options.pointsPerDecade ?? 40;
  const tol = options.tol ?? 1e-15;
  // r in x = ln N, written so that it stays finite where N = e^x underflows
  const r = (x: number) => x + nnlifLogCycleTime(params, Math.exp(x));
  const x0 = -nnlifLogCycleTime(params, 0); // ln N0
  // upper end of the scan
  let xhi = options.Nmax !== undefined ? Math.log(options.Nmax) : Math.max(12 * Math.LN10, x0 + 6 * Math.LN10);
  if (a1 < 0) xhi = Math.min(xhi, Math.log(params.a / -a1) - 1e-12);
  // soft threshold: N = rate·∫_{v>VF} n < rate
  if (params.firing?.kind === 'soft') xhi = Math.min(xhi, Math.log(params.firing.rate));
  // lower end: r(N) ≈ ln(N/N0) → −∞ as N → 0; step down until r < 0
  let xlo = x0 - 6 * Math.LN10;
  for (let i = 0; i < 100 && !(r(xlo) < 0); i++) xlo -= 3 * Math.LN10;
  if (!(xhi > xlo)) return [];
  const dx = Math.LN10 / perDecade;
  const n = Math.max(2, Math.ceil((xhi - xlo) / dx));
  const xs: number[] = [];
  for (let k = 0; k <= n; k++) xs.push(xlo + ((xhi - xlo) * k) / n);
  const rs = xs.map(r);
  const roots: number[] = [];
  const polish = (a: number, b: number, fa: number, fb: number) => roots.push(brentRoot(r, a, b, fa, fb, tol));
  for (let k = 0; k + 1 < xs.length; k++) {
    const [fa, fb] = [rs[k], rs[k + 1]];
    if (fa === 0) roots.push(xs[k]);
    else if (Number.isFinite(fa) && Number.isFinite(fb) && fb !== 0 && Math.sign(fa) !== Math.sign(fb)) polish(xs[k], xs[k + 1], fa, fb);
    if (k + 2 < xs.length) {
      const fc = rs[k + 2];
      const hidden = (fb > fa && fb > fc && fb < 0 && fb > -0.2) || (fb < fa && fb < fc && fb > 0 && fb < 0.2);
      if (hidden && Number.isFinite(fa) && Number.isFinite(fc)) {
        const sign = fb < 0 ? -1 : 1; // minimise sign·r: find the max of r below 0 (min above 0)
        let lo = xs[k];
        let hi = xs[k + 2];
        const g = (Math.sqrt(5) - 1) / 2;
        let x1 = hi - g * (hi - lo);
        let x2 = lo + g * (hi - lo);
        let f1 = sign * r(x1);
        let f2 = sign * r(x2);
        for (let it = 0; it < 80 && hi - lo > 1e-15 * Math.max(1, Math.abs(lo)); it++) {
          if (f1 < f2) {
            hi = x2;
            x2 = x1;
            f2 = f1;
            x1 = hi - g * (hi - lo);
            f1 = sign * r(x1);
          } else {
            lo = x1;
            x1 = x2;
            f1 = f2;
            x2 = lo + g * (hi - lo);
            f2 = sign * r(x2);
          }
        }
        const m = f1 < f2 ? x1 : x2;
        const fm = r(m);
        if (fm === 0) roots.push(m);
        else if (Math.sign(fm) !== Math.sign(fb)) {
          polish(xs[k], m, fa, fm);
          polish(m, xs[k + 2], fm, fc);
        }
      }
    }
  }
  const sorted = roots.sort((p, q) => p - q);
  const unique = sorted.filter((x, i) => i === 0 || x - sorted[i - 1] > 1e-12 * Math.max(1, Math.abs(x)));
  return unique;
}

// ---------------------------------------------------------------------------------------------------
// the steady density

/** ln G(z), G(z) = e^{−z²} ∫_{z}^{zF} e^{s²} ds for zR ≤ z < zF (−∞ at z ≥ zF). */
function logGAbove(z: number, zF: number, relTol: number): number {
  const L = zF - z;
  if (!(L > 0)) return -Infinity;
  if (zF * zF > z * z) {
    // peak at s = zF: e^{zF² − z²} ∫_0^L e^{−u(2zF − u)} du
    const { value } = gaussKronrod((u) => Math.exp(-u * (2 * zF - u)), 0, L, relTol);
    return (zF - z) * (zF + z) + Math.log(value);
  }
  // peak at s = z: ∫_0^L e^{t(2z + t)} dt
  const { value } = gaussKronrod((t) => Math.exp(t * (2 * z + t)), 0, L, relTol);
  return Math.log(value);
}

/** ln n(v) (−∞ for v ≥ VF) with n(v) = N √(2/a) G((v − bN)/√(2a)). */
function densityEvaluator(params: NnlifParams, N: number, relTol = 1e-13): (v: number) => number {
  const { a, s, zR, zF } = frozen(params, N);
  if (params.firing?.kind === 'soft') {
    const profile = softAt(params, N, a);
    return (v: number) => Math.log(N) + profile.logDensity(v);
  }
  const V0 = params.b * N;
  const logPrefactor = Math.log(N) + 0.5 * Math.log(2 / a);
  const logGR = logGAbove(zR, zF, relTol);
  return (v: number) => {
    if (v >= params.VF) return -Infinity;
    const z = (v - V0) / s;
    const logG = v <= params.VR ? (zR - z) * (zR + z) + logGR : logGAbove(z, zF, relTol);
    return logPrefactor + logG;
  };
}

/** The steady density n(v) of the state with rate N, at one point (0 for v ≥ VF, hard; v > vmax, soft). Mass N·I(N). */
export function nnlifSteadyDensityAt(params: NnlifParams, N: number, v: number): number {
  return Math.exp(densityEvaluator(params, N)(v));
}

/** v ↦ n(v) of the state with rate N (the frozen problem solved once, for many points). */
export function nnlifSteadyDensityOf(params: NnlifParams, N: number): (v: number) => number {
  const logN = densityEvaluator(params, N);
  return (v) => Math.exp(logN(v));
}

/**
 * Cell averages of the steady density of the state with rate N on nv equal cells of [vmin, vmax]
 * (exact integrals of n over each cell ∩ (−∞, VF], by Gauss–Kronrod split at VR; not renormalised, so at
 * a steady rate Σ n_i·Δv = 1 minus the mass outside [vmin, vmax]).
 */
export function nnlifSteadyDensity(params: NnlifParams, N: number, vmin: number, vmax: number, nv: number): Float64Array {
  if (!(vmax > vmin) || !Number.isFinite(vmin) || !Number.isFinite(vmax)) throw new Error(`nnlif: need finite vmin < vmax (got ${vmin}, ${vmax})`);
  if (!Number.isInteger(nv) || nv < 1) throw new Error(`nnlif: nv must be a positive integer (got ${nv})`);
  const logN = densityEvaluator(params, N);
  const n = (v: number) => Math.exp(logN(v));
  const dv = (vmax - vmin) / nv;
  const out = new Float64Array(nv);
  for (let i = 0; i < nv; i++) {
    const lo = vmin + i * dv;
    const hi = i === nv - 1 ? vmax : vmin + (i + 1) * dv;
    let mass = 0;
    // the pieces where n is smooth: below VR, (VR, VF), and (VF, vmax) for the soft threshold
    const top = params.firing?.kind === 'soft' ? params.firing.vmax : params.VF;
    const breaks = [lo, Math.min(hi, params.VR), Math.max(lo, params.VR), Math.min(hi, params.VF), Math.max(lo, params.VF), Math.min(hi, top)];
    for (let k = 0; k < 6; k += 2) if (breaks[k + 1]! > breaks[k]!) mass += gaussKronrod(n, breaks[k]!, breaks[k + 1]!, 1e-13).value;
    out[i] = mass / (hi - lo);
  }
  return out;
}
