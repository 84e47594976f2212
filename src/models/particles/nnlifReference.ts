/**
 * Exact steady firing rates of the mean-field (Fokker–Planck) equation of the nnlif particle model, for
 * comparison with the particle estimate.
 *
 * At a steady state every neuron sees the same constant N, and its interspike intervals are i.i.d.:
 * a refractory time (mean τ) plus the first passage from VR to its threshold θ of the OU process with
 * drift −v + bN and noise a(N), whose mean is I(N; θ) (src/models/nnlif/steadyRate.ts). By renewal,
 *
 *   1 = N·J(N),   J(N) = τ + E_θ[I(N; θ)],   θ uniform on [VF − s, VF + s] (θ = VF when s = 0).
 *
 * With τ = s = 0 these are nnlifSteadyRates. Otherwise the roots of ln N + ln J(N) are scanned on a ln N
 * grid (40 points per decade) and polished by bisection; E_θ is a Gauss–Kronrod quadrature over θ.
 */
import type { NnlifModelParams } from '../config';
import { gaussKronrod, nnlifLogInverseRate, nnlifSteadyRates, type NnlifParams } from '../nnlif/steadyRate';

export function nnlifKernelParams(n: Pick<NnlifModelParams, 'a0' | 'a1' | 'b' | 'VR' | 'VF'>): NnlifParams {
  return { a: n.a0, a1: n.a1, b: n.b, VR: n.VR, VF: n.VF };
}

type Model = Pick<NnlifModelParams, 'a0' | 'a1' | 'b' | 'VR' | 'VF' | 'tau' | 'thresholdSpread'>;

/** ln J(N), the log of the mean interspike interval at a frozen rate N. */
export function nnlifLogMeanInterval(n: Model, N: number): number {
  const params = nnlifKernelParams(n);
  const s = n.thresholdSpread;
  let logI: number;
  if (s === 0) logI = nnlifLogInverseRate(params, N);
  else {
    const ref = nnlifLogInverseRate(params, N);
    const f = (theta: number) => Math.exp(nnlifLogInverseRate({ ...params, VF: theta }, N, 1e-12) - ref);
    logI = ref + Math.log(gaussKronrod(f, n.VF - s, n.VF + s, 1e-10).value / (2 * s));
  }
  if (n.tau === 0) return logI;
  return logI > 700 ? logI : Math.log(n.tau + Math.exp(logI));
}

/** Every steady rate, ascending. */
export function nnlifParticleSteadyRates(n: Model): number[] {
  if (n.tau === 0 && n.thresholdSpread === 0) return nnlifSteadyRates(nnlifKernelParams(n));
  const r = (x: number) => x + nnlifLogMeanInterval(n, Math.exp(x));
  const x0 = -nnlifLogMeanInterval(n, 0);
  let xhi = n.tau > 0 ? -Math.log(n.tau) : Math.max(12 * Math.LN10, x0 + 6 * Math.LN10);
  if (n.a1 < 0) xhi = Math.min(xhi, Math.log(n.a0 / -n.a1) - 1e-12);
  let xlo = Math.min(x0, xhi) - 6 * Math.LN10;
  for (let i = 0; i < 100 && !(r(xlo) < 0); i++) xlo -= 3 * Math.LN10;
  const m = Math.max(2, Math.ceil(((xhi - xlo) / Math.LN10) * 40));
  const roots: number[] = [];
  let xa = xlo;
  let ra = r(xa);
  for (let k = 1; k <= m; k++) {
    const xb = xlo + ((xhi - xlo) * k) / m;
    const rb = r(xb);
    if (ra === 0) roots.push(xa);
    else if (Number.isFinite(ra) && Number.isFinite(rb) && rb !== 0 && Math.sign(ra) !== Math.sign(rb)) {
      let lo = xa;
      let hi = xb;
      let flo = ra;
      for (let it = 0; it < 200 && hi - lo > 1e-14 * Math.max(1, Math.abs(lo)); it++) {
        const mid = 0.5 * (lo + hi);
        const fm = r(mid);
        if (Math.sign(fm) === Math.sign(flo)) {
          lo = mid;
          flo = fm;
        } else hi = mid;
      }
      roots.push(0.5 * (lo + hi));
    }
    xa = xb;
    ra = rb;
  }
  return roots.map(Math.exp);
}
