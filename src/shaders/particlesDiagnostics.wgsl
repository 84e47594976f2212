// The activity record and the histogram of the particle system. Requires particlesBindings.wgsl.
// Variants: VC (a (v, g) histogram), REFRACTORY (refractory neurons are counted apart).

override WG: u32 = 64u;

// After each step, one invocation: N = spikes / (count dt), the feedback
//   S_{n+1} = e^{-dt/tauN} S_n + (1 - e^{-dt/tauN}) N_{n+1}
// (the exact exponential filter tauN dS/dt = N - S of an N constant over the step; S = N without
// smoothing), the history entry (spikes, S) of t_{n+1}, the spike counter back to 0, and the step + 1.
// The next step sees S_{n+1-D}, D = delaySteps, from the history ring (entry 0 holds S_0; D < its length).
@compute @workgroup_size(1)
fn recordActivity() {
  let spikes = atomicLoad(&control.spikes);
  atomicStore(&control.spikes, 0u);
  let N = f32(spikes) * params.invCountDt;
  let feedback = params.smoothDecay * control.feedback + params.smoothGain * N;
  control.feedback = feedback;
  let next = control.step + 1u;
  control.step = next;
  history[next % params.historyCapacity] = vec2u(spikes, bitcast<u32>(feedback));
  let source = select(0u, next - params.delaySteps, next >= params.delaySteps);
  control.seen = bitcast<f32>(history[source % params.historyCapacity].y);
}

// Bins every neuron onto the histogram grid with integer atomics (so the counts do not depend on the
// order): cell (i, j) = (floor((v - vlo)/dv), floor(g/dg)) at j*nv + i (vc; nnlif: j = 0), else
// the "outside" counter; refractory neurons (nnlif, tau > 0) have no voltage and are counted apart.
@compute @workgroup_size(WG)
fn histogramParticles(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                      @builtin(local_invocation_index) lid: u32) {
  let i = particleIndex(wid, nwg, lid, WG);
  if (i >= slice.count) {
    return;
  }
  let cells = params.nv * params.ng;
#if ${REFRACTORY}
  if (stateR[i] > 0.0) {
    atomicAdd(&histogram[cells + 1u], 1u);
    return;
  }
#endif
  let x = (stateV[i] - params.vlo) * params.invDv;
  var y = 0.0;
#if ${VC}
  y = stateG[i] * params.invDg;
#endif
  if (x >= 0.0 && x < f32(params.nv) && y >= 0.0 && y < f32(params.ng)) {
    let ci = min(u32(x), params.nv - 1u);
    let cj = min(u32(y), params.ng - 1u);
    atomicAdd(&histogram[cj * params.nv + ci], 1u);
  } else {
    atomicAdd(&histogram[cells], 1u);
  }
}
