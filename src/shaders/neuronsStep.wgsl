// The single-neuron ensembles: one invocation per neuron takes params.stepCount steps with its state in registers
// (the neurons are independent), counts its spikes and keeps its spike times and trace samples. The step is
//   RK4 (deterministic input),
//   Rush–Larsen for HH (V by explicit Euler, each gate by the exact exponential of dx/dt = α(1 − x) − βx with α, β
//     frozen at V_n; Rush & Larsen, IEEE TBME 25 (1978)), first order, stable for the stiff gates,
//   Euler–Maruyama under white noise: the noise enters the potential's equation additively, (σ/C) dW, and for
//     additive noise Euler–Maruyama has strong order 1 (Kloeden & Platen, §10.2); the normal of (neuron i, step n)
//     is Philox's (seed, i, n, stream 0), so a run is the same for every workgroup size and dispatch split.
// A spike is an upward crossing of the threshold by the potential between t_n and t_{n+1}; its time is interpolated
// linearly, t* = t_n + dt (θ − V_n)/(V_{n+1} − V_n). The f64 twin is src/models/neurons/reference.ts; the right-hand
// sides are those of src/models/neurons/models.ts, formula for formula.

override WG: u32 = 64u;
const NOT_TRACED: u32 = 0xffffffffu;
const ACTIVITY_SLOTS: u32 = 4096u;

fn par(k: u32) -> f32 {
  return params.p[k / 4u][k % 4u];
}

// x / (1 − exp(−x/10)), its removable singularity at x = 0 by the series 10(1 + u/2 + u²/12), u = x/10, for |x| < 0.5.
fn hhShape(x: f32) -> f32 {
  if (abs(x) < 0.5) {
    let u = x / 10.0;
    return 10.0 * (1.0 + u / 2.0 + u * u / 12.0);
  }
  return x / (1.0 - exp(-x / 10.0));
}

// (α_m, β_m, α_h, β_h) and (α_n, β_n) of the seed's rates at V [1/ms].
fn hhRatesMH(V: f32) -> vec4f {
  return vec4f(0.1 * hhShape(V + 40.0), 4.0 * exp(-(V + 65.0) / 18.0), 0.07 * exp(-(V + 65.0) / 20.0), 1.0 / (1.0 + exp(-(V + 35.0) / 10.0)));
}
fn hhRatesN(V: f32) -> vec2f {
  return vec2f(0.01 * hhShape(V + 55.0), 0.125 * exp(-(V + 65.0) / 80.0));
}

#if ${HH}
fn rhs(y: vec4f, I: f32) -> vec4f {
  let V = y.x;
  let m = y.y;
  let h = y.z;
  let n = y.w;
  let r = hhRatesMH(V);
  let rn = hhRatesN(V);
  let iion = par(1u) * m * m * m * h * (V - par(4u)) + par(2u) * n * n * n * n * (V - par(5u)) + par(3u) * (V - par(6u));
  return vec4f((I - iion) / par(0u), r.x * (1.0 - m) - r.y * m, r.z * (1.0 - h) - r.w * h, rn.x * (1.0 - n) - rn.y * n);
}
#endif

#if ${FHN}
fn rhs(y: vec4f, I: f32) -> vec4f {
  let v = y.x;
  let w = y.y;
  return vec4f(v - v * v * v / 3.0 - w + I, par(2u) * (v + par(0u) - par(1u) * w), 0.0, 0.0);
}
#endif

#if ${ML}
fn rhs(y: vec4f, I: f32) -> vec4f {
  let V = y.x;
  let w = y.y;
  let minf = 0.5 * (1.0 + tanh((V - par(7u)) / par(8u)));
  let winf = 0.5 * (1.0 + tanh((V - par(9u)) / par(10u)));
  let rate = par(11u) * cosh((V - par(9u)) / (2.0 * par(10u)));
  let dV = (I - par(1u) * (V - par(4u)) - par(2u) * minf * (V - par(5u)) - par(3u) * w * (V - par(6u))) / par(0u);
  return vec4f(dV, rate * (winf - w), 0.0, 0.0);
}
#endif

#if ${MS}
fn rhs(y: vec4f, I: f32) -> vec4f {
  let v = y.x;
  let h = y.y;
  let dh = select(-h / par(3u), (1.0 - h) / par(2u), v < par(4u));
  return vec4f(h * v * v * (1.0 - v) / par(0u) - v / par(1u) + I, dh, 0.0, 0.0);
}
#endif

// The input current at t of a neuron of bias I (under noise: its drift part I).
fn inputCurrent(I: f32, t: f32) -> f32 {
  switch params.inputKind {
    case 1u: {
      return select(0.0, I, t >= params.inOn && t < params.inOff);
    }
    case 2u: {
      // sin(2π f t) = sin(π x), x = 2 f t reduced to [−1, 1] (sinCosPi of random.wgsl: WGSL's sin is only good to 2^-11 absolute)
      let x = params.twoF * t;
      return I + params.amplitude * sinCosPi(x - 2.0 * round(x / 2.0)).y;
    }
    default: {
      return I;
    }
  }
}

fn stepOnce(y: vec4f, I: f32, t: f32, n: u32, i: u32) -> vec4f {
  let dt = params.dt;
#if ${NOISE}
  let bits = philoxDraw(vec2u(params.seedLo, params.seedHi), i, n, 0u);
  let z = normalPair(uniform01(bits.x), uniform01(bits.y));
  var next = y + dt * rhs(y, inputCurrent(I, t));
  next.x = next.x + params.noiseScale * z.x;
  return next;
#else
#if ${RUSH_LARSEN}
  let V = y.x;
  let r = hhRatesMH(V);
  let rn = hhRatesN(V);
  let f = rhs(y, inputCurrent(I, t));
  let a = vec3f(r.x, r.z, rn.x);
  let s = vec3f(r.x + r.y, r.z + r.w, rn.x + rn.y);
  let inf = a / s;
  let gates = inf + (y.yzw - inf) * exp(-dt * s);
  return vec4f(V + dt * f.x, gates);
#else
  let k1 = rhs(y, inputCurrent(I, t));
  let k2 = rhs(y + 0.5 * dt * k1, inputCurrent(I, t + 0.5 * dt));
  let k3 = rhs(y + 0.5 * dt * k2, inputCurrent(I, t + 0.5 * dt));
  let k4 = rhs(y + dt * k3, inputCurrent(I, t + dt));
  return y + (dt / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4);
#endif
#endif
}

@compute @workgroup_size(WG)
fn neuronsStep(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x + gid.y * params.rowStride;
  let M = params.count;
  if (i >= M) {
    return;
  }
  var y = vec4f(0.0);
  for (var c = 0u; c < ${DIM}u; c = c + 1u) {
    y[c] = state[c * M + i];
  }
#if ${COUPLED}
  // one step per dispatch: the step index is the clock, the feedback the ensemble's rate over the previous step
  let nStart = atomicLoad(&coupling[0]);
  var previous = 0u;
  if (nStart > 0u) {
    previous = atomicLoad(&coupling[4u + (nStart - 1u) % ACTIVITY_SLOTS]);
  }
  let I = current[i] + params.J * f32(previous) / (f32(M) * params.dt);
#else
  let nStart = params.stepStart;
  let I = current[i];
#endif
  let slot = traceIndex[i];
  var cnt = counts[i];
  var tm = times[i];
  let th = params.threshold;
  let K = params.spikeSlots;
  for (var s = 0u; s < params.stepCount; s = s + 1u) {
    let n = nStart + s;
    let t = f32(n) * params.dt;
    let v0 = y.x;
    y = stepOnce(y, I, t, n, i);
    let v1 = y.x;
    if (v0 < th && v1 >= th) {
      let ts = t + params.dt * (th - v0) / (v1 - v0);
      atomicAdd(&coupling[4u + n % ACTIVITY_SLOTS], 1u);
      if (cnt.x < K) {
        spikeTimes[i * K + cnt.x] = ts;
      }
      cnt.x = cnt.x + 1u;
      if (ts >= params.window) {
        if (cnt.y == 0u) {
          tm.x = ts;
        }
        tm.y = ts;
        cnt.y = cnt.y + 1u;
      }
    }
    if (slot != NOT_TRACED && (n + 1u) % params.traceEvery == 0u) {
      traces[(((n + 1u) / params.traceEvery) % params.traceSlots) * params.traced + slot] = y;
    }
  }
  for (var c = 0u; c < ${DIM}u; c = c + 1u) {
    state[c * M + i] = y[c];
  }
  counts[i] = cnt;
  times[i] = tm;
}

// Coupled runs: after every step, the clock moves on (one invocation).
@compute @workgroup_size(1)
fn neuronsTick() {
  atomicAdd(&coupling[0], 1u);
}
