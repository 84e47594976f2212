/**
 * The firing-rate functions σ of the Wilson–Cowan field and their derivatives, in f64:
 *   logistic           σ(u) = 1/(1 + e^{−β(u−θ)})                          values in (0, 1)
 *   logistic-shifted   σ(u) = 1/(1 + e^{−β(u−θ)}) − 1/(1 + e^{βθ})        σ(0) = 0 (N = 0 is steady without input)
 *   tanh               σ(u) = tanh(β(u − θ))                               values in (−1, 1)
 * All are increasing (β > 0), so σ′ > 0 everywhere. The GPU's f32 forms are in src/shaders/fieldStep.wgsl.
 */
import type { FieldSigmoid } from './config';

/** 1/(1 + e^{−z}) without overflow for any z. */
export function logistic(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

export function sigma(s: FieldSigmoid, u: number): number {
  const z = s.beta * (u - s.theta);
  if (s.kind === 'tanh') return Math.tanh(z);
  const v = logistic(z);
  return s.kind === 'logistic-shifted' ? v - logistic(-s.beta * s.theta) : v;
}

/** σ′(u) */
export function sigmaPrime(s: FieldSigmoid, u: number): number {
  const z = s.beta * (u - s.theta);
  if (s.kind === 'tanh') {
    const t = Math.tanh(z);
    return s.beta * (1 - t * t);
  }
  const v = logistic(z);
  return s.beta * v * (1 - v);
}

/** [inf σ, sup σ]: σ takes its values in this open interval. */
export function sigmaRange(s: FieldSigmoid): [number, number] {
  if (s.kind === 'tanh') return [-1, 1];
  const shift = s.kind === 'logistic-shifted' ? logistic(-s.beta * s.theta) : 0;
  return [-shift, 1 - shift];
}

/** Words for summaries. */
export function describeSigmoid(s: FieldSigmoid): string {
  const core = `1/(1 + exp(−${s.beta}(u − ${s.theta})))`;
  if (s.kind === 'tanh') return `tanh(${s.beta}(u − ${s.theta}))`;
  return s.kind === 'logistic-shifted' ? `${core} − σ(0)` : core;
}
