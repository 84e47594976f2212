// One time step of every neuron (t_n -> t_{n+1}, n = control.step), and the initial state.
// Requires random.wgsl and particlesBindings.wgsl. Variants: VC (vc and vc-threshold), THRESHOLD
// (vc-threshold), NNLIF, HARD and SOFT (some population has the hard / the soft threshold; with both,
// each population takes its own at run time), BRIDGE, REFRACTORY, SPREAD (nnlif options), ELAPSED (the
// renewal neurons of the elapsed-time model: stateV is the age).
//
// The network activity enters as control.seen, the N of each population seen by this step (recordActivity),
// so every neuron of a step sees the same N: vc its N, nnlif its population's input control.input[alpha] =
// (sum_beta b[alpha][beta] N_beta, max(a0_alpha + sum_beta a1[alpha][beta] N_beta, 0)) (updateInput). A
// neuron that fired adds its spikes to control.spikes[alpha] with an integer atomicAdd: an integer sum,
// the same whatever the order or the workgroup size. (Spikes are sparse, about count*N*dt per step; a
// workgroup pre-reduction would need a barrier, which halves the speed on SwiftShader.)

override WG: u32 = 64u;

// ln(1 + y) for y in [0, 1], to a few ulp: 2 atanh(s), s = y / (2 + y) <= 1/3 (the series of
// negLogUnit, random.wgsl; WGSL's log is loose near 1).
fn log1pUnit(y: f32) -> f32 {
  let s = y / (2.0 + y);
  let s2 = s * s;
  let p = 1.0 + s2 * (1.0 / 3.0 + s2 * (1.0 / 5.0 + s2 * (1.0 / 7.0 + s2 * (1.0 / 9.0 + s2 * (1.0 / 11.0 + s2 * (1.0 / 13.0))))));
  return 2.0 * s * p;
}

// ln(1 + e^z) without overflow.
fn softplus(z: f32) -> f32 {
  return max(z, 0.0) + log1pUnit(exp(-abs(z)));
}

// 1 - e^{-y} for y >= 0 without cancellation (Taylor below 1/4: truncation < 2e-9 relative).
fn oneMinusExpNeg(y: f32) -> f32 {
  if (y < 0.25) {
    return y * (1.0 - y * (1.0 / 2.0 - y * (1.0 / 6.0 - y * (1.0 / 24.0 - y * (1.0 / 120.0 - y * (1.0 / 720.0 - y / 5040.0))))));
  }
  return 1.0 - exp(-y);
}

// One standard normal from the two first words of a Philox output.
fn firstNormal(bits: vec4u) -> f32 {
  return normalPair(uniform01(bits.x), uniform01(bits.y)).x;
}

// A standard normal truncated to [alpha, beta] (beta >= 1e30: +infinity), by rejection from Philox blocks
// (neuron, step 0, stream, block = 0, 1, ...). Two cases, chosen by the host's validation:
//   alpha <= 0 <= beta (the mean inside the interval): normal proposals when beta - alpha >= 2.5, else
//     uniform proposals on [alpha, beta] accepted with probability e^{-z^2/2}; acceptance >= 0.49 either way;
//   alpha > 0, beta = infinity (a tail): Robert's (1995) exponential proposal z = alpha + E/lambda,
//     lambda = (alpha + sqrt(alpha^2 + 4))/2, accepted with probability e^{-(z - lambda)^2/2} (>= 0.76).
// Every case is exact rejection sampling; 64 blocks make a failure (then the nearest bound to 0 is
// returned) less likely than 1e-35.
fn truncatedNormal(neuron: u32, stream: u32, alpha: f32, beta: f32) -> f32 {
  let infinite = beta >= 1e30;
  let tail = alpha > 0.0 && infinite;
  let wide = infinite || beta - alpha >= 2.5;
  let lambda = 0.5 * (alpha + sqrt(alpha * alpha + 4.0));
  for (var block = 0u; block < 64u; block = block + 1u) {
    let bits = philox4x32_10(vec4u(neuron, 0u, stream, block), drawKey());
    if (tail) {
      for (var k = 0u; k < 2u; k = k + 1u) {
        let z = alpha + negLogUnit(uniform01(bits[2u * k])) / lambda;
        let d = z - lambda;
        if (negLogUnit(uniform01(bits[2u * k + 1u])) >= 0.5 * d * d) {
          return z;
        }
      }
    } else if (wide) {
      let z = normalQuad(bits);
      for (var k = 0u; k < 4u; k = k + 1u) {
        if (z[k] > alpha && (infinite || z[k] < beta)) {
          return z[k];
        }
      }
    } else {
      for (var k = 0u; k < 2u; k = k + 1u) {
        let z = alpha + (beta - alpha) * uniform01(bits[2u * k]);
        if (negLogUnit(uniform01(bits[2u * k + 1u])) >= 0.5 * z * z) {
          return z;
        }
      }
    }
  }
  return clamp(0.0, alpha, select(beta, alpha, infinite && alpha > 0.0));
}

// A new threshold, uniform in (VF - s, VF + s): 2u - 1 is exact for uniform01.
fn thresholdFrom(bits: vec4u) -> f32 {
  return population().VF + params.spread * (2.0 * uniform01(bits.x) - 1.0);
}

@compute @workgroup_size(WG)
fn initParticles(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                 @builtin(local_invocation_index) lid: u32) {
  let i = particleIndex(wid, nwg, lid, WG);
  if (i >= slice.count) {
    return;
  }
  let neuron = slice.offset + i;
#if ${ELAPSED}
  stateV[i] = initialAge(neuron);
#else
  let p = population();
  stateV[i] = p.v0 + p.sv * truncatedNormal(neuron, STREAM_INIT_VOLTAGE, p.alphaV, p.betaV);
#endif
#if ${VC}
  stateG[i] = max(params.g0 + params.sg * truncatedNormal(neuron, STREAM_INIT_CONDUCTANCE, params.alphaG, params.betaG), 0.0);
#endif
#if ${SPREAD}
  stateG[i] = thresholdFrom(philox4x32_10(vec4u(neuron, 0u, STREAM_INIT_THRESHOLD, 0u), drawKey()));
#endif
#if ${REFRACTORY}
  stateR[i] = 0.0;
#endif
}

#if ${VC}
// ---- voltage-conductance models

// phiF(v): step phi0 1{v > VF}, constant phi0, sigmoid phi0 / (1 + e^{-(v - VF)/w}).
fn firingRate(v: f32) -> f32 {
  let VF = population().VF;
  switch params.phiKind {
    case 0u: { return select(0.0, params.phiRate, v > VF); }
    case 1u: { return params.phiRate; }
    default: { return params.phiRate / (1.0 + exp(min(-(v - VF) / params.phiWidth, 80.0))); }
  }
}

// dv/dt = gL (VL - v) + g (VE - v) = G (V* - v) at fixed g, exactly over tau.
fn transport(v: f32, g: f32, tau: f32) -> f32 {
  let G = params.gL + g;
  let vStar = (params.gL * params.VL + g * params.VE) / G;
  return vStar + (v - vStar) * exp(-G * tau);
}

// vc-threshold: the same over tau, with every crossing of VF (possible only when V* > VF) at its exact
// time s = ln((V* - v)/(V* - VF)) / G, a spike and a reset to VL; the rest of the interval is integrated
// from VL (so a neuron can fire several times per half step; at most 64, then the rest is integrated
// without firing and the next step fires it at once).
fn transportWithThreshold(v: ptr<function, f32>, g: f32, tau: f32) -> u32 {
  let G = params.gL + g;
  let vStar = (params.gL * params.VL + g * params.VE) / G;
  let VF = population().VF;
  var x = *v;
  var left = tau;
  var spikes = 0u;
  if (vStar > VF) {
    for (var k = 0u; k < 64u; k = k + 1u) {
      // time to reach VF from x < VF: -ln q / G, q = (V* - VF)/(V* - x) in (0, 1); at once from x >= VF
      let s = select(negLogUnit((vStar - VF) / (vStar - x)) / G, 0.0, x >= VF);
      if (s > left) {
        break;
      }
      spikes = spikes + 1u;
      left = left - s;
      x = params.VL;
    }
  }
  *v = vStar + (x - vStar) * exp(-G * left);
  return spikes;
}

// The conductance over dt: the exact transition of the free OU process dg = (Geq - g)/eps dt +
// sqrt(2a/eps) dW, X = Geq + (g - Geq) rho + sqrt(a (1 - rho^2)) xi, folded at 0 (x = |X|), then a
// Metropolis-Hastings accept/reject of the folded proposal against the truncated Gaussian
// pi ~ exp(-(g - Geq)^2 / 2a) on [0, inf), the stationary law of the reflected process. The free
// transition K is pi-reversible on R, so with m(y) = Geq + (y - Geq) rho, s^2 = a (1 - rho^2),
//   r = pi(x) q(x, g) / (pi(g) q(g, x)) = (1 + e^{A}) / (1 + e^{B}),  A = -2 g m(x)/s^2,  B = -2 x m(g)/s^2,
// q(g, x) = K(g, x) + K(g, -x) the density of the fold. Accept with probability min(1, r), else keep g.
// r = 1 when Geq = 0 (then the fold is the exact reflected transition) and r = 1 to f32 far from 0.
fn conductanceStep(neuron: u32, step: u32, g: f32, geq: f32) -> f32 {
  let rho = params.rho;
  let xi = firstNormal(philoxDraw(drawKey(), neuron, step, STREAM_CONDUCTANCE_NOISE));
  let x = abs(geq + (g - geq) * rho + params.ouStd * xi);
  let mx = geq + (x - geq) * rho;
  let mg = geq + (g - geq) * rho;
  let A = -2.0 * g * mx * params.invOuVar;
  let B = -2.0 * x * mg * params.invOuVar;
  // far from 0 (A, B < -17) |ln r| < e^{-17} = 4.1e-8: nothing to do (see below)
  if (max(A, B) < -17.0) {
    return x;
  }
  // -ln r
  let d = softplus(B) - softplus(A);
  // reject when -ln u <= d; -ln u >= 5.96e-8 for every uniform01, so below that no draw is needed
  if (d > 5.9e-8) {
    let u = uniform01(philoxDraw(drawKey(), neuron, step, STREAM_REFLECTION).x);
    if (negLogUnit(u) <= d) {
      return g;
    }
  }
  return x;
}

// Strang splitting, as the kinetic scheme: F(dt/2) T(dt/2) G(dt) T(dt/2) F(dt/2) (vc) and
// T(dt/2) G(dt) T(dt/2) (vc-threshold). F: a neuron fires with probability 1 - e^{-phiF(v) dt/2} and is
// reset to VR with its g. i: the neuron's slot in this slice's state; neuron: its index in the
// population, which keys the randomness.
fn stepNeuron(i: u32, neuron: u32, step: u32, N: f32) -> u32 {
  var v = stateV[i];
  let g = stateG[i];
  let geq = params.gin + params.b * N;
  let VR = population().VR;
  var spikes = 0u;
#if ${THRESHOLD}
  spikes = spikes + transportWithThreshold(&v, g, params.halfDt);
  let gNew = conductanceStep(neuron, step, g, geq);
  spikes = spikes + transportWithThreshold(&v, gNew, params.halfDt);
#else
  var fire = vec4u(0u);
  var drawn = false;
  let phiStart = firingRate(v);
  if (phiStart > 0.0) {
    fire = philoxDraw(drawKey(), neuron, step, STREAM_FIRING);
    drawn = true;
    // P(-ln u < h) = 1 - e^{-h}
    if (negLogUnit(uniform01(fire.x)) < phiStart * params.halfDt) {
      spikes = spikes + 1u;
      v = VR;
    }
  }
  v = transport(v, g, params.halfDt);
  let gNew = conductanceStep(neuron, step, g, geq);
  v = transport(v, gNew, params.halfDt);
  let phiEnd = firingRate(v);
  if (phiEnd > 0.0) {
    if (!drawn) {
      fire = philoxDraw(drawKey(), neuron, step, STREAM_FIRING);
    }
    if (negLogUnit(uniform01(fire.y)) < phiEnd * params.halfDt) {
      spikes = spikes + 1u;
      v = VR;
    }
  }
#endif
  stateV[i] = v;
  stateG[i] = gNew;
  return spikes;
}
#endif

#if ${NNLIF}
// ---- noisy leaky integrate-and-fire

// (e^{-t}, 1 - e^{-2t}, 2 sinh t = (1 - e^{-2t}) e^{t}) for a part t of a step.
fn ouFactors(t: f32) -> vec3f {
  let decay = exp(-t);
  let w = oneMinusExpNeg(2.0 * t);
  return vec3f(decay, w, w / decay);
}

#if ${BRIDGE}
// The time, within a segment of length `left`, at which the path from v to v1 first reached theta,
// given that it did. With Y = e^{t}(V - mu), a Brownian motion in the clock tau = a (e^{2t} - 1) (segment
// length Tc = a (e^{2 left} - 1)), and the barrier e^{t}(theta - mu) replaced by its chord, the distance to
// the barrier is a Brownian bridge from b = theta - v to e^{left}(theta - v1); it hits 0 at tau =
// Tc U / (Tc + U), U the hitting time of level b by a Brownian motion with drift |nu|,
// nu = -e^{left}(theta - v1) / Tc (the time inversion of the bridge), an inverse Gaussian IG(b/|nu|, b^2)
// sampled by Michael, Schucany & Haas (1976) with Z (normal) and w (uniform):
//   x1 = 2 b^2 / (2 b |nu| + Z^2 + sqrt(Z^4 + 4 b |nu| Z^2)),  U = x1 w.p. 1/(1 + |nu| x1 / b), else b^2/(nu^2 x1)
// (the rationalised form, stable as nu -> 0, where U -> b^2 / Z^2, the Levy law). Then t = ln(1 + tau/a)/2.
fn crossingTime(v: f32, v1: f32, theta: f32, f: vec3f, bits: vec4u, a: f32) -> f32 {
  let b = theta - v;
  if (b <= 0.0) {
    return 0.0;
  }
  let e2m1 = f.y / (f.x * f.x);                        // e^{2 left} - 1 = Tc / a
  let tc = a * e2m1;
  let nu = max(theta - v1, 0.0) / (f.x * tc);          // |nu| = e^{left} (theta - v1)_+ / Tc
  let z = normalPair(uniform01(bits.z), uniform01(bits.w)).x;
  let z2 = z * z;
  let x1 = 2.0 * b * b / (2.0 * b * nu + z2 + sqrt(z2 * z2 + 4.0 * b * nu * z2));
  var u = x1;
  if (uniform01(bits.y) * (1.0 + nu * x1 / b) > 1.0) {
    u = b * b / (nu * nu * x1);
  }
  let y = e2m1 / (1.0 + tc / u);                       // tau / a at the crossing, in [0, Tc / a]
  return 0.5 * select(log(1.0 + y), log1pUnit(y), y <= 1.0);
}
#endif

#if ${SOFT}
// The soft (random) threshold: no barrier; the exact OU transition over the step of
// dV = (-V + mu) dt + sqrt(2 a) dW, (mu, a) = control.input[alpha] (over its rest, after a refractory
// neuron re-enters at VR), then a neuron above VF at the end of the step fires with probability
// 1 - e^{-rate dt}, the loss rate·1{v > VF} of the PDE over one step, is reset to VR (or enters the
// refractory state). First order in dt, as the PDE.
fn stepSoft(i: u32, neuron: u32, step: u32, input: vec2f) -> u32 {
  let p = population();
  let key = drawKey();
  var v = stateV[i];
  var r = 0.0;
#if ${REFRACTORY}
  r = stateR[i];
#endif
  let mu = input.x;
  let a = input.y;
  let dt = params.dt;
  var t = 0.0;
#if ${REFRACTORY}
  if (r > 0.0) {
    if (r >= dt) {
      stateR[i] = r - dt;
      return 0u;
    }
    t = r;
    r = 0.0;
    v = p.VR;
  }
#endif
  var f = vec3f(params.decay, params.varFactor, params.bridgeFactor);
  if (t > 0.0) {
    f = ouFactors(dt - t);
  }
  let z = firstNormal(philox4x32_10(vec4u(neuron, step, STREAM_VOLTAGE_NOISE, 0u), key));
  v = mu + (v - mu) * f.x + sqrt(a * f.y) * z;
  var spikes = 0u;
  if (v > p.VF && uniform01(philox4x32_10(vec4u(neuron, step, STREAM_SOFT_FIRING, 0u), key).x) < p.softFire) {
    spikes = 1u;
    v = p.VR;
#if ${REFRACTORY}
    r = p.tau * negLogUnit(uniform01(philox4x32_10(vec4u(neuron, step, STREAM_REFRACTORY, 0u), key).x));
#endif
  }
  stateV[i] = v;
#if ${REFRACTORY}
  stateR[i] = r;
#endif
  return spikes;
}
#endif

#if ${HARD}
// The neuron over [t_n, t_{n+1}], in segments: the exact OU transition over the rest of the step of
// dV = (-V + mu) dt + sqrt(2 a) dW, (mu, a) = control.input[alpha] frozen over the step, and a
// spike when V reaches the threshold theta. Without BRIDGE only the end of the step is checked
// (discrete monitoring) and a neuron that ends the step at or above theta spikes and starts the next
// step at VR. With BRIDGE a path that ends below theta has crossed in between with the probability of
// the OU-consistent Brownian bridge,
//   P = exp(-2 (theta - V0)(theta - V1) / sigma2eff),   sigma2eff = 2 a sinh(t) = a (e^{t} - e^{-t}),
// t the segment's length: exact for the time-changed OU (Y = e^t (V - mu) is a Brownian motion in the
// clock a(e^{2t} - 1)) with the moving barrier e^t (theta - mu) replaced by its chord over the segment;
// and every crossing is placed at its sampled time (crossingTime), the neuron restarts at VR there (or
// enters the refractory state) and moves on for the rest of the step (at most 4 segments per step; a
// fourth spike in one step ends the neuron's step at VR). Randomness of segment k: block k of each stream.
// i: the slot in this slice's state; neuron: the index within the population, which keys the randomness.
fn stepHard(i: u32, neuron: u32, step: u32, input: vec2f) -> u32 {
  let p = population();
  let key = drawKey();
  var v = stateV[i];
  var theta = p.VF;
#if ${SPREAD}
  theta = stateG[i];
#endif
  var r = 0.0;
#if ${REFRACTORY}
  r = stateR[i];
#endif
  let mu = input.x;
  let a = input.y;
  let dt = params.dt;
  var t = 0.0;
  var spikes = 0u;
  for (var k = 0u; k < 4u; k = k + 1u) {
#if ${REFRACTORY}
    if (r > 0.0) {
      if (r >= dt - t) {
        r = r - (dt - t);
        break;
      }
      // re-enters at VR at t_n + t + r
      t = t + r;
      r = 0.0;
      v = p.VR;
    }
#endif
    var f = vec3f(params.decay, params.varFactor, params.bridgeFactor);
    if (t > 0.0) {
      f = ouFactors(dt - t);
    }
    let z = firstNormal(philox4x32_10(vec4u(neuron, step, STREAM_VOLTAGE_NOISE, k), key));
    let v1 = mu + (v - mu) * f.x + sqrt(a * f.y) * z;
    var crossed = v >= theta || v1 >= theta;
#if ${BRIDGE}
    var bits = vec4u(0u);
    if (!crossed && a > 0.0) {
      let x = 2.0 * (theta - v) * (theta - v1) / (a * f.z);
      // crossed with probability e^{-x} = P(-ln u > x); -ln u <= 16.64 for every uniform01: no draw above
      if (x < 16.7) {
        bits = philox4x32_10(vec4u(neuron, step, STREAM_BRIDGE, k), key);
        crossed = negLogUnit(uniform01(bits.x)) > x;
      }
    } else if (crossed) {
      bits = philox4x32_10(vec4u(neuron, step, STREAM_BRIDGE, k), key);
    }
    if (!crossed) {
      v = v1;
      break;
    }
    if (a > 0.0) {
      t = t + min(crossingTime(v, v1, theta, f, bits, a), dt - t);
    } else if (v < theta) {
      // no noise: the ODE reaches theta at ln((mu - v)/(mu - theta))
      t = t + min(negLogUnit((mu - theta) / (mu - v)), dt - t);
    }
#else
    if (!crossed) {
      v = v1;
      break;
    }
    t = dt;
#endif
    spikes = spikes + 1u;
    v = p.VR;
#if ${SPREAD}
    theta = thresholdFrom(philox4x32_10(vec4u(neuron, step, STREAM_THRESHOLD, k), key));
#endif
#if ${REFRACTORY}
    r = p.tau * negLogUnit(uniform01(philox4x32_10(vec4u(neuron, step, STREAM_REFRACTORY, k), key).x));
#endif
    if (t >= dt) {
      break;
    }
  }
  stateV[i] = v;
#if ${SPREAD}
  stateG[i] = theta;
#endif
#if ${REFRACTORY}
  stateR[i] = r;
#endif
  return spikes;
}
#endif

// One neuron of the slice's population over the step, by its threshold: with both kinds in the network
// each population takes its own (population().soft), else the one kind compiled.
fn stepNeuron(i: u32, neuron: u32, step: u32, input: vec2f) -> u32 {
#if ${SOFT}
#if ${HARD}
  if (population().soft == 0u) {
    return stepHard(i, neuron, step, input);
  }
#endif
  return stepSoft(i, neuron, step, input);
#else
  return stepHard(i, neuron, step, input);
#endif
}
#endif

#if ${ELAPSED}
// ---- renewal neurons of the elapsed-time model (src/models/particles/elapsedReference.ts, the f64 reference)

const MAX_AGE_SPIKES: u32 = 4u;          // ELAPSED_MAX_SPIKES_PER_STEP

// The initial age: a cell of the PDE's initial data with its mass as probability (the smallest i with
// u < initialAgeCdf[i], by bisection), then uniform within the cell. So the neurons sample exactly the
// PDE's initial cells, each cell's mass spread uniformly over it as the scheme holds it.
fn initialAge(neuron: u32) -> f32 {
  let bits = philox4x32_10(vec4u(neuron, 0u, STREAM_INIT_AGE, 0u), drawKey());
  let u = uniform01(bits.x);
  var lo = 0u;
  var hi = params.ageCells - 1u;
  while (lo < hi) {
    let mid = (lo + hi) / 2u;
    if (u < initialAgeCdf[mid]) {
      hi = mid;
    } else {
      lo = mid + 1u;
    }
  }
  return (f32(lo) + uniform01(bits.y)) * params.dt;
}

// ln(e^x - 1) = x + ln(1 - e^{-x}) for x > 0, without overflow: ln(1 - e^{-x}) by log1pUnit(-e^{-x}) above ln 2,
// by log of oneMinusExpNeg (accurate as x -> 0) below.
fn lnExpm1(x: f32) -> f32 {
  if (x > 0.6931472) {
    return x + log1pUnit(-exp(-x));
  }
  return x + log(oneMinusExpNeg(x));
}

// The time from age s to the next spike at threshold age c, given E ~ Exp(1) (elapsedSpikeTime): the first
// tau with integral_s^{s+tau} p(u, X) du = E. Threshold: (c - s)_+ + E / phi0, or (c - s)_+ for phi0 = inf.
// Sigmoid: the integral is phi0 w [softplus(a + tau/w) - softplus(a)], a = (s - c)/w, and
// softplus(a + d) - softplus(a) = ln(1 + sigma(a)(e^d - 1)) = softplus(lnExpm1(d) - softplus(-a)), so
// tau / w = softplus(lnExpm1(E / (phi0 w)) + softplus((c - s)/w)): no exponential of a large argument and no
// difference of nearly equal terms. (c - s)/w is bounded: the caller has c - s < dt + ageQuiet.
fn timeToSpike(s: f32, c: f32, E: f32) -> f32 {
  let wait = max(c - s, 0.0);
  if (params.ageFiring == 0u) {
    if (params.ageInfinite == 1u) {
      return wait;
    }
    return wait + E / params.agePhi0;
  }
  let w = params.ageWidth;
  return w * softplus(lnExpm1(E / (params.agePhi0 * w)) + softplus((c - s) / w));
}

// The neuron over [t_n, t_{n+1}] with X held, so with the threshold age c = s*(X) held: exact in law. The
// time to its next spike is timeToSpike with a fresh E (block k of STREAM_AGE_FIRING for the k-th spike of the
// step); a spike within the step restarts the age at 0 there and the rest of the step is run the same way,
// up to MAX_AGE_SPIKES spikes (then it only ages). No draw where it cannot fire: threshold firing with the age
// below c all step, or (sigmoid) an age more than ageQuiet below c, where the hazard of the step is below
// every Exp(1) draw; and none for phi0 = infinity. *age: the age at t_n in, at t_{n+1} out; returns the spikes.
// The one per-neuron rule of both the step (stepElapsed) and the implicit search's count (countSpikes): the
// draws depend on (neuron, step, k) only, not on c, so the count is a function of c alone, and it does not
// increase with c (every spike time timeToSpike(s, c, E) is non-decreasing in c, and the k-th spike comes at
// the sum of the first k; the quiet test only skips what could not fire).
fn ageSpikes(age: ptr<function, f32>, neuron: u32, step: u32, c: f32) -> u32 {
  var s = *age;
  var left = params.dt;
  var spikes = 0u;
  if (c < AGE_NEVER) {
    for (var k = 0u; k < MAX_AGE_SPIKES; k = k + 1u) {
      if (c - s - left >= params.ageQuiet) {
        break;
      }
      var E = 0.0;
      if (params.ageInfinite == 0u) {
        E = negLogUnit(uniform01(philox4x32_10(vec4u(neuron, step, STREAM_AGE_FIRING, k), drawKey()).x));
      }
      let tau = timeToSpike(s, c, E);
      if (tau >= left) {
        break;
      }
      spikes = spikes + 1u;
      left = left - tau;
      s = 0.0;
    }
  }
  *age = s + left;
  return spikes;
}

// One neuron's step at the threshold age c: ageSpikes, its age written back.
fn stepElapsed(i: u32, neuron: u32, step: u32, c: f32) -> u32 {
  var s = stateV[i];
  let spikes = ageSpikes(&s, neuron, step, c);
  stateV[i] = s;
  return spikes;
}

// The instant kernel's implicit step (searchSpikes in particlesDiagnostics.wgsl): the spikes every neuron of the
// slice would fire in this step at the candidate's threshold age control.input[0].y, added to
// control.search.count; the ages are not written. Nothing once the search has converged.
@compute @workgroup_size(WG)
fn countSpikes(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
               @builtin(local_invocation_index) lid: u32) {
  let i = particleIndex(wid, nwg, lid, WG);
  if (i >= slice.count || control.search.lo >= control.search.hi) {
    return;
  }
  var s = stateV[i];
  let spikes = ageSpikes(&s, slice.offset + i, control.step, control.input[0].y);
  if (spikes > 0u) {
    atomicAdd(&control.search.count, spikes);
  }
}
#endif

@compute @workgroup_size(WG)
fn stepParticles(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                 @builtin(local_invocation_index) lid: u32) {
  let i = particleIndex(wid, nwg, lid, WG);
  if (i >= slice.count) {
    return;
  }
#if ${VC}
  let spikes = stepNeuron(i, slice.offset + i, control.step, control.seen[0]);
#elif ${ELAPSED}
  let spikes = stepElapsed(i, slice.offset + i, control.step, control.input[0].y);
#else
  let spikes = stepNeuron(i, slice.offset + i, control.step, control.input[slice.population]);
#endif
  if (spikes > 0u) {
    atomicAdd(&control.spikes[slice.population], spikes);
  }
}
