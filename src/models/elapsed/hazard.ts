/**
 * The firing rate p(s, X) of the elapsed-time model, its threshold age s*(X) and its cumulative hazard
 * Λ(s) = ∫₀^s p(u, X) du, continuous (for the steady states) and per age cell of the scheme (the fraction of a
 * cell that fires in one step, for the f64 twin; the same formulas are in elapsedStep.wgsl).
 */
import type { ElapsedModel } from './config';

/** s*(X): hyperbolic s0/(1 + kX) (∞ where 1 + kX ≤ 0: inhibition silences the neuron), linear max(s0 − kX, smin). */
export function thresholdAge(m: ElapsedModel, X: number): number {
  if (m.thresholdAge === 'linear') return Math.max(m.s0 - m.k * X, m.smin);
  const q = 1 + m.k * X;
  return q > 0 ? m.s0 / q : Infinity;
}

/** p(s, X) */
export function firingHazard(m: ElapsedModel, s: number, X: number): number {
  const c = thresholdAge(m, X);
  if (m.firing === 'threshold') return s > c ? m.phi0 : 0;
  return m.phi0 / (1 + Math.exp(-(s - c) / m.w));
}

/** log(1 + e^x) without overflow */
function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/** Λ(s) = ∫₀^s p(u, X) du (φ0 = ∞: 0 below s*, ∞ above) */
export function cumulativeHazard(m: ElapsedModel, s: number, X: number): number {
  const c = thresholdAge(m, X);
  if (m.firing === 'threshold') {
    if (s <= c) return 0;
    return Number.isFinite(m.phi0) ? m.phi0 * (s - c) : Infinity;
  }
  if (!Number.isFinite(c)) return 0;
  return m.phi0 * m.w * (softplus((s - c) / m.w) - softplus(-c / m.w));
}

/** 1 − e^{−x} for x ≥ 0, accurate for small x (the same series as the kernel, so f32 and f64 agree in form) */
export function lossOf(x: number): number {
  if (x < 0.1) return x * (1 - (x / 2) * (1 - (x / 3) * (1 - (x / 4) * (1 - x / 5))));
  return -Math.expm1(-x);
}

/** e^{−x} − 1 + x for x ≥ 0 (the integral of 1 − e^{−u} from 0 to x), accurate for small x */
function lossIntegral(x: number): number {
  if (x < 0.1) return ((x * x) / 2) * (1 - (x / 3) * (1 - (x / 4) * (1 - (x / 5) * (1 - x / 6))));
  return Math.expm1(-x) + x;
}

/** Threshold firing: the fraction a cell wholly past the threshold age loses in a step, 1 − e^{−φ0·dt} (1 for φ0 = ∞). */
export function fullLoss(m: ElapsedModel, dt: number): number {
  return Number.isFinite(m.phi0) ? lossOf(m.phi0 * dt) : 1;
}

/**
 * The fraction of age cell i (ages [i·dt, (i+1)·dt), spread uniformly) that fires during one step with the
 * threshold age c held fixed: each neuron's age runs through [a, a + dt], so it survives with probability
 * exp(−∫ p). Threshold firing: exposure L(a) = |[a, a + dt] ∩ (c, ∞)| = clamp(a + dt − c, 0, dt), and the
 * fraction (1/dt)∫(1 − e^{−φ0·L(a)}) da in closed form (φ0 = ∞: the fraction of the cell whose age crosses c,
 * an exact crossing): 0 for the cells below c − 2dt, fullLoss from c on. Sigmoid firing: 1 − exp(−dt·p((i + 1)·dt)), the hazard at the cell's centre at mid-step.
 * The last cell (every age ≥ (ns − 1)·dt) takes the formula of its own index.
 */
export function firedFraction(m: ElapsedModel, i: number, dt: number, c: number): number {
  if (m.firing === 'sigmoid') {
    if (!Number.isFinite(c)) return 0;
    return lossOf((dt * m.phi0) / (1 + Math.exp(-((i + 1) * dt - c) / m.w)));
  }
  if (!Number.isFinite(c)) return 0;
  // u = a + dt − c runs over [u0, u0 + dt]: no firing for u ≤ 0, partial exposure for 0 < u < dt, full beyond.
  const u0 = (i + 1) * dt - c;
  if (u0 >= dt) return fullLoss(m, dt);
  if (u0 <= -dt) return 0;
  const a = Math.min(Math.max(u0, 0), dt);
  const b = Math.min(Math.max(u0 + dt, 0), dt);
  const beyond = Math.max(u0 + dt, dt) - Math.max(u0, dt);
  // min(…, 1): rounding must not let a cell lose more than it holds (positivity).
  if (!Number.isFinite(m.phi0)) return Math.min((b - a + beyond) / dt, 1);
  const partial = (lossIntegral(m.phi0 * b) - lossIntegral(m.phi0 * a)) / m.phi0;
  return Math.min((partial + beyond * lossOf(m.phi0 * dt)) / dt, 1);
}
