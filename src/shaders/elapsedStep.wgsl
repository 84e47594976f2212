// One step of the elapsed-time model (one workgroup of 256 invocations per dispatch, many dispatches per
// submission): exact shift of the ages by one cell (the ring's head moves), exact loss of the fraction of each
// cell that fires (the same closed forms as src/models/elapsed/hazard.ts, firedFraction), the boundary
// relation N = Σ m_i f_i(s*(X0 + β·N)) / dt solved as the f64 twin does (solveBoundaryRelation in
// src/models/elapsed/scheme.ts: geometric scan for the smallest root when β > 0, then Illinois), and the fired
// mass reborn at age 0. Every sum is a workgroup tree reduction in a fixed order (each invocation sums its own
// contiguous chunk in increasing age, then a binary tree), so a run is bitwise reproducible. Requires
// elapsedBindings.wgsl.

const WG: u32 = 256u;
const SCAN_POINTS: u32 = 24u;          // BOUNDARY_SCAN_POINTS
const MAX_ITERATIONS: u32 = 60u;       // BOUNDARY_MAX_ITERATIONS
const NEVER: f32 = 3.0e38;             // s* = ∞ (hyperbolic with 1 + kX ≤ 0)
const F32_MAX: f32 = 3.4028234e38;
const STATUS_RUNNING: u32 = 0u;
const STATUS_BLOWUP: u32 = 1u;
const STATUS_NONFINITE: u32 = 2u;

struct StepInput {
  head: u32,
  status: u32,
  X0: f32,
  beta: f32,
}

var<workgroup> partial: array<vec2f, WG>;
var<workgroup> stepInput: StepInput;

fn thresholdAge(X: f32) -> f32 {
  if (params.ageKind == 1u) { return max(params.s0 - params.k * X, params.smin); }
  let q = 1.0 + params.k * X;
  return select(NEVER, params.s0 / q, q > 0.0);
}

// 1 − e^{−x}, x ≥ 0
fn lossOf(x: f32) -> f32 {
  if (x < 0.1) { return x * (1.0 - (x / 2.0) * (1.0 - (x / 3.0) * (1.0 - (x / 4.0) * (1.0 - x / 5.0)))); }
  return 1.0 - exp(-x);
}

// e^{−x} − 1 + x, x ≥ 0
fn lossIntegral(x: f32) -> f32 {
  if (x < 0.1) { return (x * x / 2.0) * (1.0 - (x / 3.0) * (1.0 - (x / 4.0) * (1.0 - (x / 5.0) * (1.0 - x / 6.0)))); }
  return exp(-x) - 1.0 + x;
}

// The fraction of logical cell i that fires in one step at threshold age c (hazard.ts, firedFraction).
fn firedFraction(i: u32, c: f32) -> f32 {
  let dt = params.dt;
  if (params.firing == 1u) {
    if (c >= NEVER) { return 0.0; }
    return lossOf(dt * params.phi0 / (1.0 + exp(-((f32(i) + 1.0) * dt - c) / params.w)));
  }
  if (c >= NEVER) { return 0.0; }
  let u0 = (f32(i) + 1.0) * dt - c;
  let a = clamp(u0, 0.0, dt);
  let b = clamp(u0 + dt, 0.0, dt);
  let beyond = max(u0 + dt, dt) - max(u0, dt);
  // min(…, 1): rounding must not let a cell lose more than it holds (positivity).
  if (params.infinite == 1u) { return min((b - a + beyond) / dt, 1.0); }
  let part = (lossIntegral(params.phi0 * b) - lossIntegral(params.phi0 * a)) / params.phi0;
  return min((part + beyond * lossOf(params.phi0 * dt)) / dt, 1.0);
}

// The chunk of logical cells invocation `lid` owns: [first, last).
fn chunkOf(lid: u32) -> vec2u {
  let per = (params.ns + WG - 1u) / WG;
  return vec2u(min(lid * per, params.ns), min((lid + 1u) * per, params.ns));
}

// Σ over the workgroup of v, in a fixed binary tree; the result is uniform.
fn reduce2(v: vec2f, lid: u32) -> vec2f {
  partial[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lid < s) { partial[lid] += partial[lid + s]; }
    workgroupBarrier();
  }
  let total = workgroupUniformLoad(&partial[0]);
  workgroupBarrier();   // nobody overwrites partial before everyone has read it
  return total;
}

// G at threshold age c: Σ m_i f_i(c) / dt. Threshold firing: cells below c − 2dt cannot fire (f = 0, skipped).
fn firedRate(c: f32, head: u32, lid: u32) -> f32 {
  let range = chunkOf(lid);
  var start = range.x;
  if (params.firing == 0u) { start = max(start, u32(clamp(floor(c / params.dt - 2.0), 0.0, f32(params.ns)))); }
  var sum = 0.0;
  for (var i = start; i < range.y; i++) { sum += ring[(head + i) % params.ns] * firedFraction(i, c); }
  return reduce2(vec2f(sum, 0.0), lid).x / params.dt;
}

fn boundaryResidual(N: f32, input: StepInput, lid: u32) -> f32 {
  return firedRate(thresholdAge(input.X0 + input.beta * N), input.head, lid) - N;
}

// The smallest root of N = G(N) in [0, Nhi] (solveBoundaryRelation): x = root, y = 1 if another root was seen.
fn solveBoundaryRelation(input: StepInput, Nhi: f32, lid: u32) -> vec2f {
  let h0 = boundaryResidual(0.0, input, lid);
  if (input.beta == 0.0) { return vec2f(h0, 0.0); }
  var lo = 0.0;
  var hlo = h0;
  var hi = Nhi;
  var hhi = -F32_MAX;
  var found = h0 <= 0.0;
  var nonunique = 0.0;
  if (found) {
    hi = 0.0;
    hhi = h0;
  }
  if (input.beta > 0.0) {
    for (var j = 1u; j <= SCAN_POINTS; j++) {
      let g = Nhi * exp2(f32(j) - f32(SCAN_POINTS));
      let hg = boundaryResidual(g, input, lid);
      if (!found) {
        if (hg <= 0.0) {
          hi = g;
          hhi = hg;
          found = true;
        } else {
          lo = g;
          hlo = hg;
        }
      } else if (hg > 0.0) { nonunique = 1.0; }
    }
  } else if (!found) { hhi = boundaryResidual(hi, input, lid); }
  if (hi == 0.0) { return vec2f(0.0, nonunique); }
  if (hhi == 0.0) { return vec2f(hi, nonunique); }
  var side = 0;
  for (var it = 0u; it < MAX_ITERATIONS; it++) {
    if (!(hi - lo > params.tol * hi)) { break; }
    var x = hi - hhi * (hi - lo) / (hhi - hlo);
    if (!(x > lo && x < hi)) { x = 0.5 * (lo + hi); }
    let hx = boundaryResidual(x, input, lid);
    if (hx > 0.0) {
      lo = x;
      hlo = hx;
      if (side == 1) { hhi *= 0.5; }
      side = 1;
    } else {
      hi = x;
      hhi = hx;
      if (hx == 0.0) { lo = x; }
      if (side == -1) { hlo *= 0.5; }
      side = -1;
    }
  }
  return vec2f(0.5 * (lo + hi), nonunique);
}

fn isFinite(x: f32) -> bool {
  return abs(x) <= F32_MAX;
}

@compute @workgroup_size(256)
fn elapsedStep(@builtin(local_invocation_index) lid: u32) {
  if (lid == 0u) {
    var input: StepInput;
    input.head = state.head;
    input.status = state.status;
    if (params.kernel == 1u) {
      input.X0 = params.b * delayRing[(state.taken + 1u) % params.delaySlots];
      input.beta = 0.0;
    } else if (params.kernel == 2u) {
      input.X0 = params.b * params.decay * state.Y;
      input.beta = params.b * (1.0 - params.decay);
    } else {
      input.X0 = 0.0;
      input.beta = params.b;
    }
    stepInput = input;
  }
  let input = workgroupUniformLoad(&stepInput);
  let ns = params.ns;
  let dt = params.dt;
  let range = chunkOf(lid);

  var good = input.status == STATUS_RUNNING;
  var solution = vec2f(0.0);
  var X = 0.0;
  var c = 0.0;
  var status = input.status;
  if (good) {
    var m = 0.0;
    for (var i = range.x; i < range.y; i++) { m += ring[(input.head + i) % ns]; }
    let mass = reduce2(vec2f(m, 0.0), lid).x;
    solution = solveBoundaryRelation(input, mass / dt, lid);
    X = input.X0 + input.beta * solution.x;
    c = thresholdAge(X);
    let N = firedRate(c, input.head, lid);
    if (!isFinite(N) || !isFinite(X)) {
      status = STATUS_NONFINITE;
      good = false;
    } else if (N > params.Nmax) {
      status = STATUS_BLOWUP;
      good = false;
    }
  }
  if (!good) {
    // The step is not taken: the run keeps its last good state and writes it into this history slot.
    if (lid == 0u) {
      history[state.clock % params.capacity] = vec4f(state.N, state.mass, state.X, 0.0);
      state.clock += 1u;
      state.status = status;
    }
    return;
  }

  // Commit: each cell loses what fires (in place), summed in the same order as firedRate, and the survivors.
  var fired = 0.0;
  var kept = 0.0;
  var start = range.x;
  if (params.firing == 0u) { start = max(start, u32(clamp(floor(c / dt - 2.0), 0.0, f32(ns)))); }
  for (var i = range.x; i < range.y; i++) {
    let at = (input.head + i) % ns;
    var v = ring[at];
    if (i >= start) {
      let loss = v * firedFraction(i, c);
      v -= loss;
      fired += loss;
      ring[at] = v;
    }
    kept += v;
  }
  let totals = reduce2(vec2f(fired, kept), lid);
  storageBarrier();
  if (lid == 0u) {
    // The shift: merge the last cell into the one below, and the freed cell becomes age 0 with the newborns.
    let last = (input.head + ns - 1u) % ns;
    ring[(input.head + ns - 2u) % ns] += ring[last];
    ring[last] = totals.x;
    var st = state;
    st.head = last;
    st.N = totals.x / dt;
    st.X = X;
    st.mass = totals.x + totals.y;
    if (params.kernel == 2u) { st.Y = params.decay * st.Y + (1.0 - params.decay) * st.N; }
    history[st.clock % params.capacity] = vec4f(st.N, st.mass, X, solution.y);
    st.clock += 1u;
    st.taken += 1u;
    if (params.kernel == 1u) { delayRing[st.taken % params.delaySlots] = st.N; }
    if (solution.y > 0.0) { st.nonunique += 1u; }
    state = st;
  }
}
