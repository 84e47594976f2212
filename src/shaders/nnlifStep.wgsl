// One backward-Euler step of the NNLIF Fokker–Planck equation for every member: Scharfetter–Gummel
// fluxes with the coefficients frozen at N_c = N(t − d), the implicit reinjection at VR (and the
// refractory compartment), solved by one GTH-pivoted elimination with two right-hand sides. The scheme,
// its conservation and positivity: src/models/nnlif/fokkerPlanck.ts (the f64 twin, line for line) and
// docs/nnlif-scheme.md. Requires nnlifBindings.wgsl.

const STATUS_RUNNING: u32 = 0u;
const STATUS_BLOWUP: u32 = 1u;
const STATUS_NONFINITE: u32 = 2u;
const F32_MAX: f32 = 3.4028234e38;

// [B(P), B(−P)], B(x) = x/(e^x − 1), from one exponential t = e^{−|P|} ≤ 1: never overflows, and
// neither value is a difference of large numbers.
fn bernoulliPair(P: f32) -> vec2f {
  if (abs(P) < 0.1) {
    let p2 = P * P;
    let even = 1.0 + p2 * (1.0 / 12.0 - p2 * (1.0 / 720.0 - p2 / 30240.0));
    return vec2f(even - 0.5 * P, even + 0.5 * P);
  }
  let x = abs(P);
  let t = exp(-x);
  let small = x * t / (1.0 - t);
  let large = x / (1.0 - t);
  return select(vec2f(large, small), vec2f(small, large), P >= 0.0);
}

fn widthOf(i: u32) -> f32 {
  let end = i == 0u || (params.soft == 1u && i == params.nv - 1u);
  return select(params.h, 0.5 * params.h, end);
}

// Soft threshold: the fraction of node i's control volume above VF.
fn lossFraction(i: u32) -> f32 {
  if (params.soft == 0u) { return 0.0; }
  let v = params.vmin + f32(i) * params.h;
  let lo = max(params.vmin, v - 0.5 * params.h);
  let hi = min(params.vtop, v + 0.5 * params.h);
  return clamp((hi - max(lo, params.VF)) / (hi - lo), 0.0, 1.0);
}

// The reinjection weight of node i (the mass fraction of the delta at VR it takes).
fn injection(i: u32, cell: u32, theta: f32) -> f32 {
  var e = 0.0;
  if (i == cell) { e = 1.0 - theta; }
  if (i == cell + 1u) { e = theta; }
  return e;
}

fn isFinite(x: f32) -> bool {
  return abs(x) <= F32_MAX;
}

@compute @workgroup_size(64)
fn nnlifStep(@builtin(global_invocation_id) gid: vec3u) {
  let m = gid.x;
  if (m >= params.members) { return; }
  var st = memberState[m];
  let slot = st.clock % params.capacity;
  st.clock += 1u;
  if (st.status != STATUS_RUNNING) {
    history[slot * params.members + m] = vec4f(st.N, st.mass, st.R, 0.0);
    memberState[m] = st;
    return;
  }
  let mem = members[m];
  let nv = params.nv;
  let dt = params.dt;
  let h = params.h;
  let slots = params.delaySlots;
  let Nc = delayRing[m * slots + (st.taken + 1u) % slots];   // N^{k−D}, or N^0 before t = d
  let a = mem.a0 + mem.a1 * Nc;
  let V = mem.b * Nc;
  if (!(a > 0.0) || !isFinite(a) || !isFinite(V)) {
    st.status = STATUS_NONFINITE;
    history[slot * params.members + m] = vec4f(st.N, st.mass, st.R, 0.0);
    memberState[m] = st;
    return;
  }
  let k = a / h;
  let faces = select(nv - 1u, nv, params.soft == 0u);
  let base = m * nv;
  let sc = m * nv * 3u;   // scratch: c at sc + i, y at sc + nv + i, z at sc + 2 nv + i

  // Forward elimination of B = W·A with GTH pivots (fokkerPlanck.ts, factorStep and solveStep): only sums
  // and products of positive numbers. Row j: lower_j = dt k B(−P_{j−½}), upper_j = dt k B(P_{j+½}),
  // column sum s_j = w_j (1 + dt·rate·f_j) [+ dt γ at the last node, hard]; s'_j = s_j + upper_{j−1} s'_{j−1}/d'_{j−1},
  // d'_j = s'_j + lower_{j+1}. Face j+½ is computed once, at row j.
  var lowerHere = 0.0;   // lower_j = |B_{j,j−1}|, from the face below
  var upperPrev = 0.0;   // upper_{j−1}
  var sPrev = 0.0;
  var dPrev = 1.0;
  var yPrev = 0.0;
  var zPrev = 0.0;
  var gamma = 0.0;
  for (var j = 0u; j < nv; j++) {
    let w = widthOf(j);
    var sum = w * (1.0 + dt * params.softRate * lossFraction(j));
    var upper = 0.0;
    var lowerNext = 0.0;
    if (j < faces) {
      let P = (V - (params.vmin + (f32(j) + 0.5) * h)) * h / a;
      let pair = bernoulliPair(P);   // B(P), B(−P)
      if (j + 1u < nv) {
        upper = dt * k * pair.x;
        lowerNext = dt * k * pair.y;
      } else {
        gamma = k * pair.y;          // the outflux face of the hard threshold, n_nv = 0
        sum += dt * gamma;
      }
    }
    let s = sum + upperPrev * sPrev / dPrev;
    let d = s + lowerNext;
    let y = (w * density[base + j] + lowerHere * yPrev) / d;
    let z = (dt * injection(j, mem.cell, mem.theta) + lowerHere * zPrev) / d;
    scratch[sc + j] = upper / d;
    scratch[sc + nv + j] = y;
    scratch[sc + 2u * nv + j] = z;
    yPrev = y;
    zPrev = z;
    sPrev = s;
    dPrev = d;
    upperPrev = upper;
    lowerHere = lowerNext;
  }

  // Back substitution x_j = y'_j + c_j x_{j+1} (positive terms), and the rate functional ℓ on y and z:
  // γ·x_L (hard) or rate·Σ f w x (soft).
  var Y = gamma * yPrev;
  var Z = gamma * zPrev;
  var yNext = yPrev;
  var zNext = zPrev;
  if (params.soft == 1u) {
    let f = lossFraction(nv - 1u) * widthOf(nv - 1u) * params.softRate;
    Y = f * yNext;
    Z = f * zNext;
  }
  for (var i1 = 1u; i1 < nv; i1++) {
    let i = nv - 1u - i1;
    let c = scratch[sc + i];
    let y = scratch[sc + nv + i] + c * yNext;
    let z = scratch[sc + 2u * nv + i] + c * zNext;
    scratch[sc + nv + i] = y;
    scratch[sc + 2u * nv + i] = z;
    if (params.soft == 1u) {
      let f = lossFraction(i) * widthOf(i) * params.softRate;
      Y += f * y;
      Z += f * z;
    }
    yNext = y;
    zNext = z;
  }

  var N: f32;
  var S: f32;
  if (mem.tau > 0.0) {
    let q = 1.0 / (mem.tau + dt);
    N = (Y + Z * st.R * q) / (1.0 - Z * dt * q);
    S = (st.R + dt * N) * q;
  } else {
    N = Y / (1.0 - Z);
    S = N;
  }
  if (!isFinite(N) || N < 0.0 || !isFinite(S)) {
    st.status = STATUS_NONFINITE;
  } else if (N > params.Nmax) {
    st.status = STATUS_BLOWUP;
  }
  if (st.status != STATUS_RUNNING) {
    // The step is not taken: the member keeps its last good state.
    history[slot * params.members + m] = vec4f(st.N, st.mass, st.R, 0.0);
    memberState[m] = st;
    return;
  }

  // Commit n = y + S z, and the mass Σ w n + R summed in blocks of 32 (two levels, fixed order).
  var mass = 0.0;
  var block = 0.0;
  for (var i = 0u; i < nv; i++) {
    let n = scratch[sc + nv + i] + S * scratch[sc + 2u * nv + i];
    density[base + i] = n;
    block += widthOf(i) * n;
    if ((i & 31u) == 31u) {
      mass += block;
      block = 0.0;
    }
  }
  if (mem.tau > 0.0) { st.R = mem.tau * S; }
  st.mass = mass + block + st.R;
  st.N = N;
  st.taken += 1u;
  delayRing[m * slots + st.taken % slots] = N;
  history[slot * params.members + m] = vec4f(N, st.mass, st.R, 0.0);
  memberState[m] = st;
}
