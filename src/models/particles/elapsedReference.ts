/**
 * The renewal neurons of the elapsed-time model (`kinfire particles` with model "elapsed"): each neuron
 * carries its age s, the time since its last spike, and fires with the hazard p(s, X). This file holds what
 * the GPU step (particlesStep.wgsl, stepElapsed and initialAge; particlesDiagnostics.wgsl, the coupling) and
 * its f64 CPU reference share: the initial-age law, the spike time, and the reference itself, with the same
 * Philox draws, for a handful of neurons (test/elapsed/particles.test.ts compares them neuron by neuron).
 *
 * One step [t_n, t_{n+1}], with X held (piecewise-constant X), is exact in law: the time to the next spike
 * from age s is the first τ with ∫_s^{s+τ} p(u, X) du = E, E ~ Exp(1) (the inverse of the cumulative
 * hazard), so the neuron fires in the step with probability 1 − exp(−∫_s^{s+dt} p) and its spike falls at
 * the exact conditional time. After a spike its age restarts at 0 and the rest of the step is run the same
 * way with a fresh E (block k of the stream for the k-th spike of the step), up to
 * ELAPSED_MAX_SPIKES_PER_STEP spikes; after the last one the neuron only ages. That cap binds only where the
 * hazard at young ages is of order 1/dt or more (s* below about dt/4).
 *
 * The coupling seen by step n + 1 is X = b·F, F from the network's own spikes N_n = spikes/(count·dt):
 *   instant      F = N_n, the previous step's (explicit: the PDE's implicit relation N = G(N) lags by one step)
 *   delay        F = N_{n+1−D}, D = d/dt (N = 0 before t = 0): exactly the PDE's X = b·N(t − d)
 *   exponential  F = Y_n, Y_n = a·Y_{n−1} + (1 − a)·N_n, a = e^{−dt/τ}: the exact filter of a piecewise-
 *                constant N, at the start of the step (the PDE takes Y_{n+1}, implicitly)
 * On the GPU this is the history ring of the particle system with delaySteps = D − 1 (delay) or 0, and its
 * exponential feedback filter with τN = τ (exponential).
 *
 * The explicit coupling is a fixed-point iteration of the PDE's boundary relation N = G(N) (instant kernel:
 * N_{n+1} ≈ G(N_n)), which converges only where |G'(N)| < 1; G' does not shrink with dt (the neurons at s*
 * respond at once to X), so where the coupling is stiff, |G'| > 1 at a steady state or in a transient, N
 * alternates from step to step whatever dt (explicitCouplingSlope; measured in test/elapsed/particles.test.ts).
 * The exponential kernel's iteration has the multiplier a + (1 − a)·G', stable while dt·(1 + |G'|) < 2τ.
 */
import type { ElapsedInitial, ElapsedModel } from '../elapsed/config';
import { firedFraction, thresholdAge } from '../elapsed/hazard';
import { steadyCells } from '../elapsed/steadyStates';
import { elapsedInitialCells } from '../elapsed/scheme';
import type { ParticleElapsed } from '../config';
import { philoxDraw, uniform01 } from '../reference/philox';

/** Philox stream ids of the elapsed neurons (PARTICLE_STREAMS in src/host/particleSystem.ts, particlesBindings.wgsl). */
export const ELAPSED_PARTICLE_STREAMS = { initAge: 11, ageFiring: 12 } as const;

/** The most spikes one neuron fires in one step (MAX_AGE_SPIKES of particlesStep.wgsl). */
export const ELAPSED_MAX_SPIKES_PER_STEP = 4;

/**
 * The cumulative distribution of the PDE's initial age cells (elapsedInitialCells, the same code as the PDE),
 * summed in f64 and rounded once to f32, the last entry exactly 1. A neuron's initial cell is the smallest i
 * with u < cdf[i] (u uniform), its age uniform within the cell: the neurons sample the PDE's initial data as
 * the scheme holds it (each cell's mass spread uniformly over the cell).
 */
export function elapsedInitialAgeCdf(initial: ElapsedInitial, ns: number, dt: number): Float32Array<ArrayBuffer> {
  const cells = elapsedInitialCells(initial, ns, dt);
  const cdf = new Float32Array(ns);
  let total = 0;
  for (let i = 0; i < ns; i++) {
    total += cells[i]!;
    cdf[i] = total;
  }
  cdf[ns - 1] = 1;
  return cdf;
}

/** The initial age of one neuron from its draw (STREAM_INIT_AGE, step 0): word 0 picks the cell by bisection, word 1 the place in it. */
export function initialAgeOf(cdf: Float32Array, bits: readonly number[], dt: number): number {
  const u = uniform01(bits[0]!);
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (u < cdf[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return (lo + uniform01(bits[1]!)) * dt;
}

/**
 * How far below s* an age must stay over the rest of a step for the neuron to be unable to fire (no draw is
 * needed then): 0 for the threshold (no hazard below s*); for the sigmoid p ≤ φ0·e^{(u − s*)/w}, so the
 * hazard over the step is at most φ0·w·e^{−L} when s + left ≤ s* − L·w, and L = 17 + max(ln(φ0·w), 0) makes
 * that below e^{−17} = 4.1e-8, under the smallest Exp(1) draw, −ln(1 − 2^−24) = 5.96e-8.
 */
export function elapsedQuietMargin(m: ElapsedModel): number {
  if (m.firing === 'threshold') return 0;
  return m.w * (17 + Math.max(Math.log(m.phi0 * m.w), 0));
}

/** ln(1 + e^x) without overflow */
function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/** ln(e^x − 1) = x + ln(1 − e^{−x}) for x > 0, without overflow and accurate for small x */
export function logExpm1(x: number): number {
  return x + (x > Math.LN2 ? Math.log1p(-Math.exp(-x)) : Math.log(-Math.expm1(-x)));
}

/**
 * The time from age s to the next spike at threshold age c (held), given E ~ Exp(1): the first τ with
 * ∫_s^{s+τ} p(u, X) du = E.
 *   threshold, φ0 finite   τ = (c − s)₊ + E/φ0
 *   threshold, φ0 = ∞      τ = (c − s)₊ (E unused: the age crosses s*)
 *   sigmoid                ∫_s^{s+τ} p = φ0·w·[softplus(a + τ/w) − softplus(a)], a = (s − c)/w, and
 *                          softplus(a + δ) − softplus(a) = ln(1 + σ(a)(e^δ − 1)) = softplus(lnExpm1(δ) − softplus(−a)),
 *                          whose inverse is τ/w = softplus(lnExpm1(E/(φ0·w)) + softplus((c − s)/w)): no
 *                          exponential of a large argument, and no difference of nearly equal terms.
 */
export function elapsedSpikeTime(m: ElapsedModel, s: number, c: number, E: number): number {
  const wait = Math.max(c - s, 0);
  if (m.firing === 'threshold') return Number.isFinite(m.phi0) ? wait + E / m.phi0 : wait;
  return m.w * softplus(logExpm1(E / (m.phi0 * m.w)) + softplus((c - s) / m.w));
}

/**
 * G'(N*) at a steady state: the slope of the PDE's boundary map G(N) = Σ m∞_i f_i(s*(b·N))/dt at its steady
 * cells (steadyCells, on the grid of ns cells of dt), by a central difference. The instant kernel's explicit
 * coupling settles at N* only if |G'(N*)| < 1.
 */
export function explicitCouplingSlope(m: ElapsedModel, Nstar: number, ns: number, dt: number): number {
  const cells = steadyCells(m, Nstar, ns, dt);
  const G = (N: number) => {
    const c = thresholdAge(m, m.b * N);
    let total = 0;
    for (let i = 0; i < ns; i++) total += cells[i]! * firedFraction(m, i, dt, c);
    return total / dt;
  };
  const h = 1e-4 * Nstar;
  return (G(Nstar + h) - G(Nstar - h)) / (2 * h);
}

/** The coupling of a step: the feedback F the GPU keeps (N, or the filtered Y), and which past entry a step sees. */
export function elapsedFeedbackRule(e: ParticleElapsed, dt: number): { decay: number; gain: number; lag: number } {
  const k = e.kernel;
  if (k.kind === 'exponential') return { decay: Math.exp(-dt / k.tau), gain: -Math.expm1(-dt / k.tau), lag: 0 };
  return { decay: 0, gain: 1, lag: k.kind === 'delay' ? e.delaySteps - 1 : 0 };
}

/** The neurons of an elapsed particle system in f64, one step per advance(); population 0 of `seed` (the GPU's key). */
export class ElapsedParticlesReference {
  /** the age of each neuron */
  readonly age: Float64Array;
  /** steps taken */
  steps = 0;
  /** the feedback F_n after each step n (F_0 = N0 = 0: silent before t = 0) */
  readonly feedback: number[] = [0];
  /** spikes of each step taken */
  readonly spikes: number[] = [];
  private readonly quiet: number;
  private readonly rule: { decay: number; gain: number; lag: number };

  constructor(
    readonly elapsed: ParticleElapsed,
    readonly dt: number,
    readonly count: number,
    readonly seed: number,
  ) {
    const cdf = elapsedInitialAgeCdf(elapsed.initial, elapsed.grid.ns, dt);
    this.age = Float64Array.from({ length: count }, (_, j) => initialAgeOf(cdf, philoxDraw(seed, j, 0, ELAPSED_PARTICLE_STREAMS.initAge), dt));
    this.quiet = elapsedQuietMargin(elapsed.model);
    this.rule = elapsedFeedbackRule(elapsed, dt);
  }

  /** X = b·F and s*(X) that the next step sees */
  input(): { X: number; c: number } {
    const n = this.steps;
    const F = this.feedback[Math.max(0, n - this.rule.lag)]!;
    const X = this.elapsed.model.b * F;
    return { X, c: thresholdAge(this.elapsed.model, X) };
  }

  /** One step of every neuron; returns the spikes of the step. */
  advance(): number {
    const m = this.elapsed.model;
    const { c } = this.input();
    const step = this.steps;
    let total = 0;
    for (let j = 0; j < this.count; j++) {
      let s = this.age[j]!;
      let left = this.dt;
      if (Number.isFinite(c)) {
        for (let k = 0; k < ELAPSED_MAX_SPIKES_PER_STEP; k++) {
          if (c - s - left >= this.quiet) break;
          const E = Number.isFinite(m.phi0) ? -Math.log(uniform01(philoxDraw(this.seed, j, step, ELAPSED_PARTICLE_STREAMS.ageFiring, k)[0])) : 0;
          const tau = elapsedSpikeTime(m, s, c, E);
          if (tau >= left) break;
          total++;
          left -= tau;
          s = 0;
        }
      }
      this.age[j] = s + left;
    }
    const N = total / (this.count * this.dt);
    this.feedback.push(this.rule.decay * this.feedback[this.feedback.length - 1]! + this.rule.gain * N);
    this.spikes.push(total);
    this.steps++;
    return total;
  }
}
