// The activity record and the histogram of the particle system. Requires particlesBindings.wgsl.
// Variants: VC (a (v, g) histogram), REFRACTORY (refractory neurons are counted apart), ELAPSED (the input is
// (X, s*(X)); the histogram is over the PDE's age cells).

override WG: u32 = 64u;

// After each step, one invocation, for every population alpha: N = spikes / (count dt), the feedback
//   S_{n+1} = e^{-dt/tauN} S_n + (1 - e^{-dt/tauN}) N_{n+1}
// (the exact exponential filter tauN dS/dt = N - S of an N constant over the step; S = N without
// smoothing), the history entry (spikes, S) of t_{n+1}, the spike counter back to 0; then the step + 1.
// The next step sees S_{n+1-D}, D = delaySteps, of every population from the history ring (entry 0 holds
// S_0; D < its length).
@compute @workgroup_size(1)
fn recordActivity() {
  let K = params.populationCount;
  let next = control.step + 1u;
  let slot = (next % params.historyCapacity) * K;
  for (var alpha = 0u; alpha < K; alpha = alpha + 1u) {
    let spikes = atomicLoad(&control.spikes[alpha]);
    atomicStore(&control.spikes[alpha], 0u);
    let N = f32(spikes) * params.populations[alpha].invCountDt;
    let feedback = params.smoothDecay * control.feedback[alpha] + params.smoothGain * N;
    control.feedback[alpha] = feedback;
    history[slot + alpha] = vec2u(spikes, bitcast<u32>(feedback));
  }
  control.step = next;
  let source = (select(0u, next - params.delaySteps, next >= params.delaySteps) % params.historyCapacity) * K;
  for (var alpha = 0u; alpha < K; alpha = alpha + 1u) {
    control.seen[alpha] = bitcast<f32>(history[source + alpha].y);
  }
  updateInput();
}

// The input of every population alpha at the activities N_beta seen by the next step: the drift offset
// mu = sum_beta b[alpha][beta] N_beta and the noise a = max(a0_alpha + sum_beta a1[alpha][beta] N_beta, 0),
// summed in the order beta = 0, 1, ... (so that a zero coupling adds an exact 0: an uncoupled population
// sees bitwise what it sees alone). Unused by the vc models (their neurons read seen[0]).
fn updateInput() {
#if ${ELAPSED}
  // elapsed: X = b F of the activity seen and the threshold age s*(X), held over the next step
  let X = params.elapsedB * control.seen[0];
  control.input[0] = vec2f(X, thresholdAge(X));
  if (params.ageImplicit == 1u) {
    startSpikeSearch();
  }
#else
  let K = params.populationCount;
  for (var alpha = 0u; alpha < K; alpha = alpha + 1u) {
    var mu = 0.0;
    var s = 0.0;
    for (var beta = 0u; beta < K; beta = beta + 1u) {
      let c = params.coupling[MAX_POPULATIONS * alpha + beta];
      let N = control.seen[beta];
      mu = mu + c.x * N;
      s = s + c.y * N;
    }
    control.input[alpha] = vec2f(mu, max(params.populations[alpha].a0 + s, 0.0));
  }
#endif
}

#if ${ELAPSED}
// s*(X) (src/models/elapsed/hazard.ts): hyperbolic s0 / (1 + kX), infinite (AGE_NEVER) where 1 + kX <= 0 or
// where the quotient would exceed AGE_NEVER (so nothing overflows); linear max(s0 - kX, smin).
fn thresholdAge(X: f32) -> f32 {
  if (params.ageKind == 1u) {
    return max(params.ageS0 - params.ageK * X, params.ageSmin);
  }
  let q = 1.0 + params.ageK * X;
  if (q > params.ageS0 / AGE_NEVER) {
    return params.ageS0 / q;
  }
  return AGE_NEVER;
}
#endif

#if ${ELAPSED}
// ---- the instant kernel's implicit step (src/models/particles/elapsedReference.ts, spikeSearch: the same rule in
// f64, with the proofs). f(K) = the spikes of the step when every neuron sees X = b K / (count dt), with the
// step's own draws (countSpikes); f does not decrease in K for b > 0 and does not increase for b < 0. The step
// takes the crossing the PDE takes (solveBoundaryRelation): for b < 0 the unique one, the smallest K with
// f(K) <= K, by bisection from the previous step's count; for b > 0 the first crossing of a geometric scan
// 0, 1, 2, 4, ... (jumping to f(K) when that is further), then bisection, which ends at an exact f(K) = K.
// [lo, hi] holds the root: f(lo - 1) > lo - 1 (or lo = 0) and f(hi) <= hi. A fixed number of passes of
// countSpikes + searchSpikes per step (spikeSearchPasses), one submission, no readback; the passes after
// convergence do nothing.

// The counting passes after the first are indirect dispatches: per state slice k, (x, y, z) at 3k of
// countDispatch are its workgroups, those at 3 (slices + k) the arguments of its next counting pass, the
// workgroups while the search runs and (0, 0, 0) once it has converged, so a converged pass costs nothing.
// Group 1, bound for searchSpikes alone: a buffer that a dispatch reads as its arguments may not be bound
// writable in that dispatch.
@group(1) @binding(0) var<storage, read_write> countDispatch: array<u32>;

// X and s*(X) of a spike count K of the step.
fn inputOfSpikes(K: u32) -> vec2f {
  let X = params.elapsedB * (f32(K) * params.populations[0].invCountDt);
  return vec2f(X, thresholdAge(X));
}

// The search's start, from the spikes of the step just recorded (history entry control.step; 0 at t = 0).
fn startSpikeSearch() {
  let previous = history[(control.step % params.historyCapacity) * params.populationCount].x;
  let b = params.elapsedB;
  atomicStore(&control.search.count, 0u);
  control.search.lo = 0u;
  control.search.hi = params.ageMaxSpikes;
  control.search.scanning = select(0u, 1u, b > 0.0);
  control.search.candidate = select(min(previous, params.ageMaxSpikes), 0u, b > 0.0);
  control.input[0] = inputOfSpikes(control.search.candidate);
}

// After a counting pass, one invocation: the bracket from f(candidate), the next candidate and its input; at
// convergence the root's input, which the step then takes.
@compute @workgroup_size(1)
fn searchSpikes() {
  var lo = control.search.lo;
  var hi = control.search.hi;
  if (lo >= hi) {
    return;
  }
  let K = control.search.candidate;
  let f = atomicLoad(&control.search.count);
  atomicStore(&control.search.count, 0u);
  control.search.evaluations = control.search.evaluations + 1u;
  // the clamps keep the bracket and the progress where an f32 rounding broke the monotonicity
  if (params.elapsedB > 0.0) {
    if (f > K) {
      lo = min(max(f, K + 1u), hi);
    } else {
      hi = min(max(f, lo), K);
      control.search.scanning = 0u;
    }
  } else if (f > K) {
    lo = min(K + 1u, hi);
    hi = min(max(f, lo), hi);
  } else {
    hi = K;
    lo = min(max(f, lo), hi);
  }
  var next = hi;
  if (lo < hi) {
    if (control.search.scanning == 1u) {
      next = select(min(max(2u * K, lo), hi), hi, K > hi / 2u);
    } else {
      next = lo + (hi - 1u - lo) / 2u;
    }
  }
  control.search.lo = lo;
  control.search.hi = hi;
  control.search.candidate = next;
  control.input[0] = inputOfSpikes(next);
  let slices = arrayLength(&countDispatch) / 6u;
  for (var j = 0u; j < 3u * slices; j = j + 1u) {
    countDispatch[3u * slices + j] = select(0u, countDispatch[j], lo < hi);
  }
}
#endif

// At t = 0: the input of the first step from the seen activities the host wrote (N0).
@compute @workgroup_size(1)
fn initInput() {
  updateInput();
}

// Bins every neuron onto its population's histogram grid with integer atomics (so the counts do not
// depend on the order): cell (i, j) = (floor((v - vlo)/dv), floor(g/dg)) at j*nv + i (vc; nnlif: j = 0)
// of the population's block, else its "outside" counter; refractory neurons (nnlif, tau > 0) have no
// voltage and are counted apart.
@compute @workgroup_size(WG)
fn histogramParticles(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                      @builtin(local_invocation_index) lid: u32) {
  let i = particleIndex(wid, nwg, lid, WG);
  if (i >= slice.count) {
    return;
  }
  let p = population();
  let cells = params.nv * params.ng;
  let base = slice.population * (cells + 2u);
#if ${REFRACTORY}
  if (stateR[i] > 0.0) {
    atomicAdd(&histogram[base + cells + 1u], 1u);
    return;
  }
#endif
#if ${ELAPSED}
  // the PDE's age cells [i dt, (i + 1) dt); the last one holds every age beyond, as the PDE's (nothing is outside)
  atomicAdd(&histogram[base + u32(min(stateV[i] * p.invDv, f32(params.nv - 1u)))], 1u);
#else
  let x = (stateV[i] - p.vlo) * p.invDv;
  var y = 0.0;
#if ${VC}
  y = stateG[i] * params.invDg;
#endif
  if (x >= 0.0 && x < f32(params.nv) && y >= 0.0 && y < f32(params.ng)) {
    let ci = min(u32(x), params.nv - 1u);
    let cj = min(u32(y), params.ng - 1u);
    atomicAdd(&histogram[base + cj * params.nv + ci], 1u);
  } else {
    atomicAdd(&histogram[base + cells], 1u);
  }
#endif
}
