// One step of the elapsed-time model (one workgroup of 64 invocations per dispatch, many dispatches per
// submission): exact shift of the ages by one cell (the ring's head moves), exact loss of the fraction of each
// cell that fires (the same closed forms as src/models/elapsed/hazard.ts, firedFraction), the boundary
// relation N = G(N) = Σ m_i f_i(s*(X0 + β·N)) / dt solved as the f64 twin does (solveBoundaryRelation in
// src/models/elapsed/scheme.ts: geometric scan for the smallest root when β > 0, then Illinois), and the fired
// mass reborn at age 0. Requires elapsedBindings.wgsl.
//
// Cost of G. Threshold firing (the THRESHOLD variant): a cell fires nothing below c − 2dt and the full fraction
// L = 1 − e^{−φ0·dt} from c on, so with the suffix sums S_j = Σ_{i ≥ j} m_i (one pass per step, written to
// `suffix`) G(c) = (L·S_{j+1} + Σ_{i = j−3}^{j} m_i f_i(c)) / dt with j = ⌊c/dt⌋: O(1) per evaluation, and the
// whole solve runs in one invocation without a barrier. Sigmoid firing: every cell fires, so each evaluation
// is a workgroup reduction (64 partials → 8 lane sums → their total, three barriers, not one per tree
// level); the scan evaluates four points per reduction. On SwiftShader the barriers, not the arithmetic,
// were the cost of a step: 16 ms (threshold) and 10.6 ms (sigmoid) with 256 invocations, a barrier per tree
// level and a reduction per evaluation; 0.47 ms and 2.5 ms now (docs/elapsed-scheme.md, Cost).
//
// Every sum is in a fixed order (chunks in age order, lanes in index order), so a run is bitwise reproducible.

const WG: u32 = 64u;
const LANES: u32 = 8u;                 // WG = LANES²: the reduction's two levels
const SCAN_POINTS: u32 = 24u;          // BOUNDARY_SCAN_POINTS (a multiple of 4)
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

struct StepSolution {
  N: f32,
  nonunique: f32,
}

var<workgroup> partial: array<vec4f, WG>;
var<workgroup> laneSum: array<vec4f, LANES>;
var<workgroup> reduced: vec4f;
var<workgroup> chunkAbove: array<f32, WG>;
var<workgroup> stepInput: StepInput;
var<workgroup> stepSolution: StepSolution;
var<workgroup> stepMass: f32;

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

// L: the fraction a cell fully past the threshold age loses in a step (1 for φ0 = ∞).
fn fullLoss() -> f32 {
  if (params.infinite == 1u) { return 1.0; }
  return lossOf(params.phi0 * params.dt);
}

// The fraction of logical cell i that fires in one step at threshold age c (hazard.ts, firedFraction).
fn firedFraction(i: u32, c: f32) -> f32 {
  let dt = params.dt;
  if (c >= NEVER) { return 0.0; }
  if (params.firing == 1u) {
    return lossOf(dt * params.phi0 / (1.0 + exp(-((f32(i) + 1.0) * dt - c) / params.w)));
  }
  let u0 = (f32(i) + 1.0) * dt - c;
  if (u0 >= dt) { return fullLoss(); }
  if (u0 <= -dt) { return 0.0; }
  let a = clamp(u0, 0.0, dt);
  let b = clamp(u0 + dt, 0.0, dt);
  let beyond = max(u0 + dt, dt) - max(u0, dt);
  // min(…, 1): rounding must not let a cell lose more than it holds (positivity).
  if (params.infinite == 1u) { return min((b - a + beyond) / dt, 1.0); }
  let part = (lossIntegral(params.phi0 * b) - lossIntegral(params.phi0 * a)) / params.phi0;
  return min((part + beyond * lossOf(params.phi0 * dt)) / dt, 1.0);
}

// The logical cell from which every cell loses the full fraction at threshold age c: j + 1, j = ⌊c/dt⌋ (in
// [0, ns]); the cells j − 3 … j are the window whose fractions are evaluated one by one (any j within one of
// c/dt leaves only empty cells below the window and full ones above it).
fn windowTop(c: f32) -> u32 {
  return u32(clamp(floor(c / params.dt), 0.0, f32(params.ns)));
}

fn cellAt(head: u32, i: u32) -> f32 {
  return ring[(head + i) % params.ns];
}

// The chunk of logical cells invocation `lid` owns: [first, last).
fn chunkOf(lid: u32) -> vec2u {
  let per = (params.ns + WG - 1u) / WG;
  return vec2u(min(lid * per, params.ns), min((lid + 1u) * per, params.ns));
}

// Σ over the workgroup of v, in a fixed order (8 lanes of 8 partials each, then the lanes in order); the
// result is uniform. The next call's first barrier orders its writes after every read of this one.
fn reduce4(v: vec4f, lid: u32) -> vec4f {
  partial[lid] = v;
  workgroupBarrier();
  if (lid < LANES) {
    var s = vec4f(0.0);
    for (var k = 0u; k < LANES; k++) { s += partial[lid * LANES + k]; }
    laneSum[lid] = s;
  }
  workgroupBarrier();
  if (lid == 0u) {
    var total = vec4f(0.0);
    for (var k = 0u; k < LANES; k++) { total += laneSum[k]; }
    reduced = total;
  }
  return workgroupUniformLoad(&reduced);
}

// suffix[i] = Σ_{k ≥ i} m_k for i in [0, ns] (suffix[ns] = 0): each chunk summed from its top down, the chunks
// above it added first, in index order. Returns the mass, uniform.
fn writeSuffixSums(head: u32, lid: u32) -> f32 {
  let range = chunkOf(lid);
  var m = 0.0;
  for (var i = range.y; i > range.x; i--) { m += cellAt(head, i - 1u); }
  partial[lid] = vec4f(m, 0.0, 0.0, 0.0);
  workgroupBarrier();
  if (lid == 0u) {
    var above = 0.0;
    for (var k = WG; k > 0u; k--) {
      chunkAbove[k - 1u] = above;
      above += partial[k - 1u].x;
    }
    suffix[params.ns] = 0.0;
    stepMass = above;
  }
  workgroupBarrier();
  var s = chunkAbove[lid];
  for (var i = range.y; i > range.x; i--) {
    s += cellAt(head, i - 1u);
    suffix[i - 1u] = s;
  }
  storageBarrier();
  return workgroupUniformLoad(&stepMass);
}

#if ${THRESHOLD}
// G at threshold age c from the suffix sums (see the header): one invocation, no barrier.
fn firedRate(c: f32, head: u32, lid: u32) -> f32 {
  if (c >= NEVER) { return 0.0; }
  let j = windowTop(c);
  var sum = fullLoss() * suffix[min(j + 1u, params.ns)];
  for (var i = max(j, 3u) - 3u; i <= min(j, params.ns - 1u); i++) { sum += cellAt(head, i) * firedFraction(i, c); }
  return sum / params.dt;
}

fn firedRate4(c: vec4f, head: u32, lid: u32) -> vec4f {
  return vec4f(firedRate(c.x, head, lid), firedRate(c.y, head, lid), firedRate(c.z, head, lid), firedRate(c.w, head, lid));
}
#else
// G at threshold age c: one workgroup reduction.
fn firedRate(c: f32, head: u32, lid: u32) -> f32 {
  let range = chunkOf(lid);
  var sum = 0.0;
  for (var i = range.x; i < range.y; i++) { sum += cellAt(head, i) * firedFraction(i, c); }
  return reduce4(vec4f(sum, 0.0, 0.0, 0.0), lid).x / params.dt;
}

// G at four threshold ages: one workgroup reduction for the four.
fn firedRate4(c: vec4f, head: u32, lid: u32) -> vec4f {
  let range = chunkOf(lid);
  var sum = vec4f(0.0);
  for (var i = range.x; i < range.y; i++) {
    let m = cellAt(head, i);
    sum += m * vec4f(firedFraction(i, c.x), firedFraction(i, c.y), firedFraction(i, c.z), firedFraction(i, c.w));
  }
  return reduce4(sum, lid) / params.dt;
}
#endif

fn boundaryResidual(N: f32, input: StepInput, lid: u32) -> f32 {
  return firedRate(thresholdAge(input.X0 + input.beta * N), input.head, lid) - N;
}

// The smallest root of N = G(N) in [0, Nhi] (solveBoundaryRelation): x = root, y = 1 if another root was seen.
// The scan's points are evaluated four at a time and then taken in order, as the twin takes them one by one.
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
    for (var j = 1u; j <= SCAN_POINTS; j += 4u) {
      let g = Nhi * exp2(vec4f(f32(j), f32(j + 1u), f32(j + 2u), f32(j + 3u)) - f32(SCAN_POINTS));
      let X = input.X0 + input.beta * g;
      let hg4 = firedRate4(vec4f(thresholdAge(X.x), thresholdAge(X.y), thresholdAge(X.z), thresholdAge(X.w)), input.head, lid) - g;
      for (var q = 0u; q < 4u; q++) {
        let hg = hg4[q];
        if (!found) {
          if (hg <= 0.0) {
            hi = g[q];
            hhi = hg;
            found = true;
          } else {
            lo = g[q];
            hlo = hg;
          }
        } else if (hg > 0.0) { nonunique = 1.0; }
      }
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

@compute @workgroup_size(64)
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
  if (input.status != STATUS_RUNNING) {
    notTaken(input.status, lid);
    return;
  }
  let ns = params.ns;
  let dt = params.dt;
  let range = chunkOf(lid);

  let mass = writeSuffixSums(input.head, lid);
#if ${THRESHOLD}
  if (lid == 0u) {
    let root = solveBoundaryRelation(input, mass / dt, lid);
    stepSolution = StepSolution(root.x, root.y);
  }
  let solution = workgroupUniformLoad(&stepSolution);
#else
  let root = solveBoundaryRelation(input, mass / dt, lid);
  let solution = StepSolution(root.x, root.y);
#endif
  let X = input.X0 + input.beta * solution.N;
  let c = thresholdAge(X);

  // What fires at c, summed in age order per chunk, and what stays; checked before any cell is changed.
  var fired = 0.0;
  var kept = 0.0;
  for (var i = range.x; i < range.y; i++) {
    let v = cellAt(input.head, i);
    let loss = v * firedFraction(i, c);
    fired += loss;
    kept += v - loss;
  }
  let totals = reduce4(vec4f(fired, kept, 0.0, 0.0), lid);
  let N = totals.x / dt;
  if (!isFinite(N) || !isFinite(X)) {
    notTaken(STATUS_NONFINITE, lid);
    return;
  }
  if (N > params.Nmax) {
    notTaken(STATUS_BLOWUP, lid);
    return;
  }

  for (var i = range.x; i < range.y; i++) {
    let at = (input.head + i) % ns;
    let v = ring[at];
    ring[at] = v - v * firedFraction(i, c);
  }
  storageBarrier();
  if (lid == 0u) {
    // The shift: merge the last cell into the one below, and the freed cell becomes age 0 with the newborns.
    let last = (input.head + ns - 1u) % ns;
    ring[(input.head + ns - 2u) % ns] += ring[last];
    ring[last] = totals.x;
    var st = state;
    st.head = last;
    st.N = N;
    st.X = X;
    st.mass = totals.x + totals.y;
    if (params.kernel == 2u) { st.Y = params.decay * st.Y + (1.0 - params.decay) * st.N; }
    history[st.clock % params.capacity] = vec4f(st.N, st.mass, X, solution.nonunique);
    st.clock += 1u;
    st.taken += 1u;
    if (params.kernel == 1u) { delayRing[st.taken % params.delaySlots] = st.N; }
    if (solution.nonunique > 0.0) { st.nonunique += 1u; }
    state = st;
  }
}

// The step is not taken: the run keeps its last good state and writes it into this history slot.
fn notTaken(status: u32, lid: u32) {
  if (lid == 0u) {
    history[state.clock % params.capacity] = vec4f(state.N, state.mass, state.X, 0.0);
    state.clock += 1u;
    state.status = status;
  }
}
