// One backward-Euler step of the NNLIF Fokker–Planck equation for every member (a network of K
// populations): Scharfetter–Gummel fluxes with the coefficients frozen at N_c = N(t − d), the implicit
// reinjection at VR (and the refractory compartment), solved per population by one GTH-pivoted
// elimination with two right-hand sides. With the coefficients lagged the K solves are independent; the
// member takes the step only if all K are good. The scheme, its conservation and positivity:
// src/models/nnlif/fokkerPlanck.ts (the f64 twin, line for line) and docs/nnlif-scheme.md. Requires
// nnlifBindings.wgsl.

const STATUS_RUNNING: u32 = 0u;
const STATUS_BLOWUP: u32 = 1u;
const STATUS_NONFINITE: u32 = 2u;
const STATUS_NORELATION: u32 = 3u;   // the hard threshold's flux relation has no positive solution (a blow-up)
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

fn widthOf(p: NnlifPopulation, i: u32) -> f32 {
  let end = i == 0u || (p.soft == 1u && i == params.nv - 1u);
  return select(p.h, 0.5 * p.h, end);
}

// Soft threshold: the fraction of node i's control volume above VF.
fn lossFraction(p: NnlifPopulation, i: u32) -> f32 {
  if (p.soft == 0u) { return 0.0; }
  let v = p.vmin + f32(i) * p.h;
  let lo = max(p.vmin, v - 0.5 * p.h);
  let hi = min(p.vtop, v + 0.5 * p.h);
  return clamp((hi - max(lo, p.VF)) / (hi - lo), 0.0, 1.0);
}

// The reinjection weight of node i (the mass fraction of the delta at VR it takes).
fn injection(p: NnlifPopulation, i: u32) -> f32 {
  var e = 0.0;
  if (i == p.cell) { e = 1.0 - p.theta; }
  if (i == p.cell + 1u) { e = p.theta; }
  return e;
}

fn isFinite(x: f32) -> bool {
  return abs(x) <= F32_MAX;
}

// The flux relation of the hard threshold at the new level (fokkerPlanck.ts, solveFluxRelation): the
// smallest positive root of A2 N² + A1 N − C = 0, or −1 where there is none.
fn solveFluxRelation(Yp: f32, Zp: f32, c: f32, alpha: f32, beta: f32) -> f32 {
  let A2 = beta * (c - Zp);
  let A1 = 1.0 + c * alpha - alpha * Zp - beta * Yp;
  let C = alpha * Yp;
  let disc = A1 * A1 + 4.0 * A2 * C;
  if (!(disc >= 0.0)) { return -1.0; }
  let denom = A1 + sqrt(disc);
  if (!(denom > 0.0)) { return -1.0; }
  return 2.0 * C / denom;
}

// The candidate step of population `q` (index m·K + α): the forward substitutions into its scratch (and,
// for the soft threshold, the back substitutions), and (N, S, d) of the step, nothing committed. V and a are
// the lagged coefficients of the interior; the hard threshold's outflux face has a(N) = aOther + aSelf·N at
// the new rate, solved exactly. d is the divisor 1 + c·γ(N) of the last node (hard), else 1. N < 0: the
// flux relation has no positive solution.
fn populationStep(q: u32, p: NnlifPopulation, R: f32, V: f32, a: f32, aOther: f32, aSelf: f32) -> vec3f {
  let nv = params.nv;
  let dt = params.dt;
  let h = p.h;
  let k = a / h;
  let faces = select(nv - 1u, nv, p.soft == 0u);
  let base = q * nv;
  let sc = q * nv * 3u;   // scratch: c at sc + i, y at sc + nv + i, z at sc + 2 nv + i

  // Forward elimination of B = W·A with GTH pivots (fokkerPlanck.ts, factorStep and forwardStep): only sums
  // and products of positive numbers. Row j: lower_j = dt k B(−P_{j−½}), upper_j = dt k B(P_{j+½}),
  // column sum s_j = w_j (1 + dt·rate·f_j) (the hard threshold's outflux enters through the flux relation);
  // s'_j = s_j + upper_{j−1} s'_{j−1}/d'_{j−1}, d'_j = s'_j + lower_{j+1}. Face j+½ is computed once, at row j.
  var lowerHere = 0.0;   // lower_j = |B_{j,j−1}|, from the face below
  var upperPrev = 0.0;   // upper_{j−1}
  var sPrev = 0.0;
  var dPrev = 1.0;
  var yPrev = 0.0;
  var zPrev = 0.0;
  var g = 0.0;           // B(−P_F)/h: the outflux is a(N)·g·x_L
  for (var j = 0u; j < nv; j++) {
    let w = widthOf(p, j);
    let sum = w * (1.0 + dt * p.softRate * lossFraction(p, j));
    var upper = 0.0;
    var lowerNext = 0.0;
    if (j < faces) {
      let P = (V - (p.vmin + (f32(j) + 0.5) * h)) * h / a;
      let pair = bernoulliPair(P);   // B(P), B(−P)
      if (j + 1u < nv) {
        upper = dt * k * pair.x;
        lowerNext = dt * k * pair.y;
      } else {
        g = pair.y / h;              // the outflux face of the hard threshold, n_nv = 0
      }
    }
    let s = sum + upperPrev * sPrev / dPrev;
    let d = s + lowerNext;
    let y = (w * density[base + j] + lowerHere * yPrev) / d;
    let z = (dt * injection(p, j) + lowerHere * zPrev) / d;
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

  let q1 = select(0.0, 1.0 / (p.tau + dt), p.tau > 0.0);
  if (p.soft == 0u) {
    let c = dt / dPrev;
    let Yp = select(yPrev, yPrev + zPrev * R * q1, p.tau > 0.0);
    let Zp = select(zPrev, zPrev * dt * q1, p.tau > 0.0);
    let N = solveFluxRelation(Yp, Zp, c, g * aOther, g * aSelf);
    if (N < 0.0) { return vec3f(-1.0, 0.0, 1.0); }
    let S = select(N, (R + dt * N) * q1, p.tau > 0.0);
    return vec3f(N, S, 1.0 + c * g * (aOther + aSelf * N));
  }

  // Soft threshold: back substitution x_j = y'_j + c_j x_{j+1} (positive terms), and N = rate·Σ f w x.
  let fL = lossFraction(p, nv - 1u) * widthOf(p, nv - 1u) * p.softRate;
  var Y = fL * yPrev;
  var Z = fL * zPrev;
  var yNext = yPrev;
  var zNext = zPrev;
  for (var i1 = 1u; i1 < nv; i1++) {
    let i = nv - 1u - i1;
    let c = scratch[sc + i];
    let y = scratch[sc + nv + i] + c * yNext;
    let z = scratch[sc + 2u * nv + i] + c * zNext;
    scratch[sc + nv + i] = y;
    scratch[sc + 2u * nv + i] = z;
    let f = lossFraction(p, i) * widthOf(p, i) * p.softRate;
    Y += f * y;
    Z += f * z;
    yNext = y;
    zNext = z;
  }
  if (p.tau > 0.0) {
    let N = (Y + Z * R * q1) / (1.0 - Z * dt * q1);
    return vec3f(N, (R + dt * N) * q1, 1.0);
  }
  let N = Y / (1.0 - Z);
  return vec3f(N, N, 1.0);
}

// A member that does not step: its populations write their last values into this slot of the history.
fn holdMember(first: u32, status: u32) {
  for (var alpha = 0u; alpha < params.populations; alpha++) {
    var st = populationState[first + alpha];
    history[(st.clock % params.capacity) * params.members * params.populations + first + alpha] = vec4f(st.N, st.mass, st.R, 0.0);
    st.clock += 1u;
    st.status = status;
    populationState[first + alpha] = st;
  }
}

@compute @workgroup_size(64)
fn nnlifStep(@builtin(global_invocation_id) gid: vec3u) {
  let m = gid.x;
  if (m >= params.members) { return; }
  let K = params.populations;
  let first = m * K;
  let st0 = populationState[first];
  if (st0.status != STATUS_RUNNING) {
    holdMember(first, st0.status);
    return;
  }
  let slots = params.delaySlots;
  let readSlot = (st0.taken + 2u) % slots;   // N^{k−D} (D = slots − 2), or N^0 before t = d
  var Nc: array<f32, MAX_POPULATIONS>;
  for (var beta = 0u; beta < K; beta++) { Nc[beta] = delayRing[(first + beta) * slots + readSlot]; }

  var NS: array<vec3f, MAX_POPULATIONS>;
  var status = STATUS_RUNNING;
  for (var alpha = 0u; alpha < K; alpha++) {
    let p = populations[first + alpha];
    var V = 0.0;
    var aOther = p.a0;   // a0 + Σ_{β≠α} a1_αβ N_β: lagged also at the outflux face
    for (var beta = 0u; beta < K; beta++) {
      let c = coupling[(first + alpha) * K + beta];
      V += c.x * Nc[beta];
      if (beta != alpha) { aOther += c.y * Nc[beta]; }
    }
    let aSelf = coupling[(first + alpha) * K + alpha].y;
    let a = aOther + aSelf * Nc[alpha];
    if (!(a > 0.0) || !isFinite(a) || !isFinite(V)) {
      status = STATUS_NONFINITE;
      break;
    }
    let ns = populationStep(first + alpha, p, populationState[first + alpha].R, V, a, aOther, aSelf);
    if (ns.x == -1.0) {
      status = STATUS_NORELATION;
      break;
    }
    if (!isFinite(ns.x) || ns.x < 0.0 || !isFinite(ns.y) || !isFinite(ns.z)) {
      status = STATUS_NONFINITE;
      break;
    }
    if (ns.x > params.Nmax) { status = STATUS_BLOWUP; }
    NS[alpha] = ns;
  }
  if (status != STATUS_RUNNING) {
    // The step is not taken: every population keeps its last good state.
    holdMember(first, status);
    return;
  }

  // Commit per population, with its mass Σ w n + R summed in blocks of 32 (two levels, fixed order). Hard
  // threshold: the back substitution of y' + S z' from x_L = (y'_L + S z'_L)/(1 + c γ(N)); soft: n = y + S z.
  let nv = params.nv;
  let writeSlot = (st0.taken + 1u) % slots;
  for (var alpha = 0u; alpha < K; alpha++) {
    let q = first + alpha;
    let p = populations[q];
    var st = populationState[q];
    let S = NS[alpha].y;
    let sc = q * nv * 3u;
    var mass = 0.0;
    var block = 0.0;
    if (p.soft == 0u) {
      var x = (scratch[sc + nv + nv - 1u] + S * scratch[sc + 2u * nv + nv - 1u]) / NS[alpha].z;
      for (var i1 = 0u; i1 < nv; i1++) {
        let i = nv - 1u - i1;
        if (i1 > 0u) { x = scratch[sc + nv + i] + S * scratch[sc + 2u * nv + i] + scratch[sc + i] * x; }
        density[q * nv + i] = x;
        block += widthOf(p, i) * x;
        if ((i1 & 31u) == 31u) {
          mass += block;
          block = 0.0;
        }
      }
    } else {
      for (var i = 0u; i < nv; i++) {
        let n = scratch[sc + nv + i] + S * scratch[sc + 2u * nv + i];
        density[q * nv + i] = n;
        block += widthOf(p, i) * n;
        if ((i & 31u) == 31u) {
          mass += block;
          block = 0.0;
        }
      }
    }
    if (p.tau > 0.0) { st.R = p.tau * S; }
    st.mass = mass + block + st.R;
    st.N = NS[alpha].x;
    history[(st.clock % params.capacity) * params.members * K + q] = vec4f(st.N, st.mass, st.R, 0.0);
    st.clock += 1u;
    st.taken += 1u;
    delayRing[q * slots + writeSlot] = st.N;
    populationState[q] = st;
  }
}
