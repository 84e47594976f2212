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
 * The coupling of step n + 1 is X = b·F, F from the network's own spikes N = spikes/(count·dt):
 *   instant      F = N_{n+1}, the step's own: solved implicitly, as the PDE solves N = G(N) (spikeSearch)
 *   delay        F = N_{n+1−D}, D = d/dt (N = 0 before t = 0): exactly the PDE's X = b·N(t − d)
 *   exponential  F = Y_n, Y_n = a·Y_{n−1} + (1 − a)·N_n, a = e^{−dt/τ}: the exact filter of a piecewise-
 *                constant N, at the start of the step (the PDE takes Y_{n+1}, implicitly)
 * On the GPU this is the history ring of the particle system with delaySteps = D − 1 (delay) or 0, its
 * exponential feedback filter with τN = τ (exponential), and for the instant kernel the counting passes of
 * spikeSearch (countSpikes and searchSpikes of the WGSL) before each step.
 *
 * Instant kernel. The step's spike count K must be the count of the neurons run over the step with
 * X = b·K/(count·dt): with the step's draws fixed, f(K) = those spikes is a step function of K, non-decreasing
 * for b > 0 and non-increasing for b < 0 (the spikes do not increase with s*, which falls with X), and the step
 * takes a crossing f(K) ≤ K < … as the PDE takes its root (spikeSearch). Seeing the previous step's N instead
 * (an explicit coupling, the first version) is the fixed-point iteration N_{n+1} = G(N_n) of the boundary
 * relation, which converges only where |G'(N)| < 1; G' does not shrink with dt (the neurons at s* respond at
 * once to X), so where the coupling was stiff N alternated from step to step whatever dt (explicitCouplingSlope;
 * test/elapsed/particles.test.ts shows the implicit step following the PDE there).
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
 * cells (steadyCells, on the grid of ns cells of dt), by a central difference. An explicit coupling of the
 * instant kernel (X from the previous step) would settle at N* only if |G'(N*)| < 1; the exponential kernel's
 * iteration, a + (1 − a)·G'.
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

/** The most spikes one step of `count` neurons can count: Kmax = count·ELAPSED_MAX_SPIKES_PER_STEP (a u32 on the GPU). */
export function elapsedMaxSpikes(count: number): number {
  return Math.min(count * ELAPSED_MAX_SPIKES_PER_STEP, 0xffffffff);
}

/** ⌊log₂ K⌋ + 1 for K ≥ 1, 0 for K = 0: the bits of K. */
const bitLength = (K: number) => (K < 1 ? 0 : Math.floor(Math.log2(K)) + 1);

/**
 * Counting passes per step that spikeSearch needs at most (the GPU encodes this many; those after convergence
 * do nothing): b < 0, 1 + bits(Kmax) (a first pass at the previous count, then halvings of [0, Kmax]);
 * b > 0, 2·bits(Kmax) + 2 (a scan of at most bits(Kmax) + 2 points, then the halvings of a bracket
 * [K, 2K]); b = 0 none (X = 0 whatever the count).
 */
export function spikeSearchPasses(maxSpikes: number, b: number): number {
  const m = bitLength(maxSpikes);
  return b === 0 ? 0 : b < 0 ? m + 1 : 2 * m + 2;
}

/**
 * The instant kernel's spike count K of a step: a crossing of f(K) = the spikes of the step at
 * X = b·K/(count·dt), f monotone (above), the one the PDE takes (solveBoundaryRelation: the unique root for
 * b ≤ 0, the first root of a scan from 0 for b > 0). A crossing is a K with f(K) ≤ K and f(K − 1) > K − 1
 * (or K = 0); K = Kmax is never below f, so one exists. The bracket [lo, hi] keeps f(lo − 1) > lo − 1 (or
 * lo = 0) and f(hi) ≤ hi, so a crossing lies in it (for b < 0 the crossing, the crossings being [K*, Kmax]).
 * Each evaluation at a K in [lo, hi] moves it, by the monotonicity:
 *   b < 0, f(K) > K: the root is above K, and f(K) is a crossing (f(f(K)) ≤ f(K), as f(K) > K), so
 *          lo = K + 1, hi = min(hi, f(K));
 *   b < 0, f(K) ≤ K: hi = K; every K' < f(K) has f(K') ≥ f(K) > K', so lo = max(lo, f(K)).
 *   b > 0, f(K) > K: every K' in [K, f(K)) has f(K') ≥ f(K) > K' (no crossing there), and
 *          f(f(K) − 1) ≥ f(K), so lo = f(K);
 *   b > 0, f(K) ≤ K: f(K) is a crossing (f(f(K)) ≤ f(K)) and f(K) ≥ f(lo − 1) ≥ lo, so hi = f(K); the scan ends.
 * For b > 0, hi = lo at the end is an exact fixed point: f(hi − 1) > hi − 1 gives f(hi) ≥ f(hi − 1) ≥ hi, and
 * f(hi) ≤ hi. For b < 0 it is the unique crossing, f(hi) ≤ hi ≤ f(hi − 1) (f may jump over the diagonal
 * there: no K has f(K) = K when a cohort sits at s*; the step then fires f(hi) ≤ hi). Candidates: b < 0,
 * first the previous step's count (the explicit coupling's guess), then the midpoint; b > 0, the scan
 * 0, 1, 2, 4, … (the next point max(2K, f(K)), no crossing lies in [K, f(K))) until f(K) ≤ K, then the
 * midpoint. Each midpoint at least halves hi − lo, hence spikeSearchPasses. The GPU's searchSpikes is this
 * rule in u32, with clamps that keep the bracket and the progress should an f32 rounding break the
 * monotonicity by one spike.
 */
export function spikeSearch(b: number, maxSpikes: number, previous: number, f: (K: number) => number): { K: number; evaluations: number } {
  if (b === 0) return { K: 0, evaluations: 0 };
  let lo = 0;
  let hi = maxSpikes;
  let scanning = b > 0;
  let K = b > 0 ? 0 : Math.min(previous, maxSpikes);
  let evaluations = 0;
  const limit = spikeSearchPasses(maxSpikes, b);
  while (lo < hi) {
    if (evaluations === limit) throw new Error(`spikeSearch: not converged in ${limit} passes (Kmax = ${maxSpikes}, b = ${b}): f is not monotone`);
    const fK = f(K);
    evaluations++;
    if (b > 0) {
      if (fK > K) lo = Math.min(Math.max(fK, K + 1), hi);
      else {
        hi = Math.min(Math.max(fK, lo), K);
        scanning = false;
      }
    } else if (fK > K) {
      lo = Math.min(K + 1, hi);
      hi = Math.min(Math.max(fK, lo), hi);
    } else {
      hi = K;
      lo = Math.min(Math.max(fK, lo), hi);
    }
    if (lo >= hi) break;
    K = scanning ? (K > Math.floor(hi / 2) ? hi : Math.min(Math.max(2 * K, lo), hi)) : lo + Math.floor((hi - 1 - lo) / 2);
  }
  return { K: hi, evaluations };
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

  /** X = b·F and s*(X) that the next step sees; for the instant kernel (b ≠ 0) the explicit guess, the previous step's */
  input(): { X: number; c: number } {
    const n = this.steps;
    const F = this.feedback[Math.max(0, n - this.rule.lag)]!;
    const X = this.elapsed.model.b * F;
    return { X, c: thresholdAge(this.elapsed.model, X) };
  }

  /** The step's X and s*(X) for a spike count K of the step (the instant kernel). */
  inputOfSpikes(K: number): { X: number; c: number } {
    const X = (this.elapsed.model.b * K) / (this.count * this.dt);
    return { X, c: thresholdAge(this.elapsed.model, X) };
  }

  /** The spikes of neuron j over step `step` at threshold age c from its age now; its new age is written when `write`. */
  private neuronStep(j: number, step: number, c: number, write: boolean): number {
    const m = this.elapsed.model;
    let s = this.age[j]!;
    let left = this.dt;
    let spikes = 0;
    if (Number.isFinite(c)) {
      for (let k = 0; k < ELAPSED_MAX_SPIKES_PER_STEP; k++) {
        if (c - s - left >= this.quiet) break;
        const E = Number.isFinite(m.phi0) ? -Math.log(uniform01(philoxDraw(this.seed, j, step, ELAPSED_PARTICLE_STREAMS.ageFiring, k)[0])) : 0;
        const tau = elapsedSpikeTime(m, s, c, E);
        if (tau >= left) break;
        spikes++;
        left -= tau;
        s = 0;
      }
    }
    if (write) this.age[j] = s + left;
    return spikes;
  }

  /** The spikes of the whole step at threshold age c, ages written or not. */
  private stepAt(c: number, write: boolean): number {
    let total = 0;
    for (let j = 0; j < this.count; j++) total += this.neuronStep(j, this.steps, c, write);
    return total;
  }

  /** counting passes the instant kernel's searches took, over every step */
  searchEvaluations = 0;

  /** One step of every neuron; returns the spikes of the step. */
  advance(): number {
    const m = this.elapsed.model;
    let { c } = this.input();
    if (this.elapsed.kernel.kind === 'instant' && m.b !== 0) {
      const previous = this.spikes.length ? this.spikes[this.spikes.length - 1]! : 0;
      const search = spikeSearch(m.b, elapsedMaxSpikes(this.count), previous, (K) => this.stepAt(this.inputOfSpikes(K).c, false));
      this.searchEvaluations += search.evaluations;
      c = this.inputOfSpikes(search.K).c;
    }
    const total = this.stepAt(c, true);
    const N = total / (this.count * this.dt);
    this.feedback.push(this.rule.decay * this.feedback[this.feedback.length - 1]! + this.rule.gain * N);
    this.spikes.push(total);
    this.steps++;
    return total;
  }
}
