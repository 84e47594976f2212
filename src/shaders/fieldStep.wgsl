// The Wilson–Cowan field's pointwise kernels (src/host/fieldSolver.ts drives them; the convolutions are fft.wgsl's,
// the network's coupling is fieldMatvec below). Requires random.wgsl (Philox) before it.
//
// One step of ETDRK4 (src/models/field/etd.ts has the coefficients and the scheme) with F(x) = w ∗ σ(x) + s:
//   fieldPack         conv ← σ(u)   (conv is real: the real FFT reads its words as complex pairs)
//   [convolution of conv in place]                           conv = w ∗ σ(u)
//   fieldStage 0      Nu = conv + s;  nu = Nu;  acc = f1·Nu;  a = E2·u + Q·Nu;  conv ← σ(a)
//   [convolution]     fieldStage 1: Na;  acc += 2f2·Na;  b = E2·u + Q·Na;  conv ← σ(b)
//   [convolution]     fieldStage 2: Nb;  acc += 2f2·Nb;  c = E2·a + Q·(2Nb − nu);  conv ← σ(c)
//   [convolution]     fieldStage 3: Nc;  u ← E·u + acc + f3·Nc
// ETD1: fieldPack, convolution, fieldStage 4: u ← E·u + g·(conv + s).
//   fieldNoise        (source kind noise) u += a·√((1 − e^{−2h})/2)·ξ
//   fieldPartials     invocation t of P: (sum, max, max |u|, bad) over the points t, t + P, t + 2P, … in order
//   fieldReduce       one workgroup: the P partials, in a fixed order, into history[step mod capacity]
//                     = (mean, max, max |u|, 1 if a value was not finite); counter[0] += 1
// Only fieldReduce and fieldSpectrumReduce (one workgroup each) and the GPU form of the matrix–vector product use
// barriers: SwiftShader runs a kernel with a barrier invocation by invocation as coroutines (the pointwise stage
// took 2.3 s at 256² with the reduction's barriers in it, against 7 ms for the pack without).
// Spectral diagnostics (after some steps): fieldPack in identity mode, the forward real FFT (its half spectrum in
//   spec, spectrumCells bins: the mode −m has the same |û|² as m, and the larger index), then
//   fieldSpectrumPartial (strided as fieldPartials) / fieldSpectrumReduce: the mode ≠ 0 of largest |û|² (the smallest
//   index on ties) into
//   spectrum[(counter − 1) mod capacity] = (bits of |û|², index, bits of Re û(0), Im û(0)) (u32: an index never
//   passes through a float, where a denormal could be flushed).
// Every reduction is a fixed-order tree: a run is bitwise reproducible.

struct FieldParams {
  cells: u32,
  stage: u32,        // unused (the stage is the override FIELD_STAGE)
  hasSource: u32,    // 1: s = source[i]; 0: s = s0
  noise: u32,        // 1: add noiseAmp·ξ at the last stage
  seed: vec2u,       // Philox key of the noise
  partials: u32,     // number of partial entries to reduce
  capacity: u32,     // history and spectrum ring slots
  sigmaKind: u32,    // 0 logistic, 1 logistic-shifted, 2 tanh
  identity: u32,     // fieldPack: 1 packs u itself (for the spectrum)
  noiseStream: u32,
  spectrumCells: u32, // bins of the half spectrum in spec
  E: f32,
  E2: f32,
  Q: f32,
  f1: f32,
  f2: f32,
  f3: f32,
  g: f32,
  s0: f32,
  beta: f32,
  theta: f32,
  sigmaShift: f32,   // logistic-shifted: σ(0) of the logistic
  noiseAmp: f32,     // a·√((1 − e^{−2h})/2)
}

@group(0) @binding(0) var<uniform> params: FieldParams;
@group(0) @binding(1) var<storage, read_write> u: array<f32>;
@group(0) @binding(2) var<storage, read_write> stageA: array<f32>;
@group(0) @binding(3) var<storage, read_write> acc: array<f32>;
@group(0) @binding(4) var<storage, read_write> nu: array<f32>;
@group(0) @binding(5) var<storage, read_write> conv: array<f32>;
@group(0) @binding(6) var<storage, read> source: array<f32>;
@group(0) @binding(7) var<storage, read_write> partials: array<vec4f>;
@group(0) @binding(8) var<storage, read_write> counter: array<u32>;
@group(0) @binding(9) var<storage, read_write> history: array<vec4f>;
@group(0) @binding(10) var<storage, read_write> specPartials: array<vec2u>;   // (bits of |û|², index)
@group(0) @binding(11) var<storage, read_write> spectrum: array<vec4u>;       // bits of (|û|², –), index, bits of û(0)
@group(0) @binding(12) var<storage, read> weightsW: array<f32>;
@group(0) @binding(13) var<storage, read_write> matvecOut: array<f32>;
@group(0) @binding(14) var<storage, read> spec: array<vec2f>;                 // the half spectrum of u

const WG: u32 = 256u;
const F32_BIG: f32 = 3.0e38;

// 1/(1 + e^{−z}) without overflow
fn logisticF(z: f32) -> f32 {
  if (z >= 0.0) {
    return 1.0 / (1.0 + exp(-z));
  }
  let e = exp(z);
  return e / (1.0 + e);
}

fn sigmaOf(x: f32) -> f32 {
  let z = params.beta * (x - params.theta);
  if (params.sigmaKind == 2u) {
    // tanh z = sign(z)·(1 − e^{−2|z|})/(1 + e^{−2|z|}): no overflow, good to a few ulp away from 0
    let e = exp(-2.0 * abs(z));
    return sign(z) * (1.0 - e) / (1.0 + e);
  }
  return logisticF(z) - params.sigmaShift;
}

fn linearIndex(wid: vec3u, nwg: vec3u, lid: u32) -> u32 {
  return (wid.y * nwg.x + wid.x) * WG + lid;
}

@compute @workgroup_size(WG)
fn fieldPack(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = linearIndex(wid, nwg, lid);
  if (i < params.cells) {
    conv[i] = select(sigmaOf(u[i]), u[i], params.identity == 1u);
  }
}

var<workgroup> redSum: array<f32, WG>;
var<workgroup> redMax: array<f32, WG>;
var<workgroup> redAbs: array<f32, WG>;
var<workgroup> redBad: array<f32, WG>;

fn badValue(x: f32) -> bool {
  // NaN fails every comparison; ±∞ and overflow exceed F32_BIG
  return !(abs(x) <= F32_BIG);
}

// The stage is an override constant (one pipeline per stage): a CPU adapter such as SwiftShader runs every branch of a
// kernel under a mask, so a stage kernel holding all five stages (and the noise) cost as much as all of them.
override FIELD_STAGE: u32 = 0u;

@compute @workgroup_size(WG)
fn fieldStage(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = linearIndex(wid, nwg, lid);
  if (i >= params.cells) {
    return;
  }
  let F = conv[i] + select(params.s0, source[i], params.hasSource == 1u);
  if (FIELD_STAGE == 0u) {
    let next = params.E2 * u[i] + params.Q * F;
    nu[i] = F;
    acc[i] = params.f1 * F;
    stageA[i] = next;
    conv[i] = sigmaOf(next);
  } else if (FIELD_STAGE == 1u) {
    acc[i] = acc[i] + 2.0 * params.f2 * F;
    conv[i] = sigmaOf(params.E2 * u[i] + params.Q * F);
  } else if (FIELD_STAGE == 2u) {
    acc[i] = acc[i] + 2.0 * params.f2 * F;
    conv[i] = sigmaOf(params.E2 * stageA[i] + params.Q * (2.0 * F - nu[i]));
  } else if (FIELD_STAGE == 3u) {
    u[i] = params.E * u[i] + acc[i] + params.f3 * F;
  } else {
    u[i] = params.E * u[i] + params.g * F;
  }
}

// The exact noise increment of the step (after its last stage): u += a·√((1 − e^{−2h})/2)·ξ, ξ the first normal of
// the Box–Muller pair of Philox (seed, point, step = counter[0], stream).
@compute @workgroup_size(WG)
fn fieldNoise(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = linearIndex(wid, nwg, lid);
  if (i >= params.cells) {
    return;
  }
  let bits = philoxDraw(params.seed, i, counter[0], params.noiseStream);
  u[i] = u[i] + params.noiseAmp * normalPair(uniform01(bits.x), uniform01(bits.y)).x;
}

@compute @workgroup_size(64)
fn fieldPartials(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let t = (wid.y * nwg.x + wid.x) * 64u + lid;
  let P = params.partials;
  if (t >= P) {
    return;
  }
  var s = 0.0;
  var mx = -F32_BIG;
  var ab = 0.0;
  var bad = 0.0;
  for (var i = t; i < params.cells; i = i + P) {
    let x = u[i];
    if (badValue(x)) {
      bad = 1.0;
    } else {
      s = s + x;
      mx = max(mx, x);
      ab = max(ab, abs(x));
    }
  }
  partials[t] = vec4f(s, mx, ab, bad);
}

@compute @workgroup_size(WG)
fn fieldReduce(@builtin(local_invocation_index) lid: u32) {
  // each invocation sums a contiguous run of partials in order, then the tree
  let count = params.partials;
  let per = (count + WG - 1u) / WG;
  var s = 0.0;
  var mx = -F32_BIG;
  var ab = 0.0;
  var bad = 0.0;
  for (var k = lid * per; k < min(count, (lid + 1u) * per); k = k + 1u) {
    let p = partials[k];
    s = s + p.x;
    mx = max(mx, p.y);
    ab = max(ab, p.z);
    bad = max(bad, p.w);
  }
  redSum[lid] = s;
  redMax[lid] = mx;
  redAbs[lid] = ab;
  redBad[lid] = bad;
  workgroupBarrier();
  for (var t = WG / 2u; t > 0u; t = t >> 1u) {
    if (lid < t) {
      redSum[lid] = redSum[lid] + redSum[lid + t];
      redMax[lid] = max(redMax[lid], redMax[lid + t]);
      redAbs[lid] = max(redAbs[lid], redAbs[lid + t]);
      redBad[lid] = max(redBad[lid], redBad[lid + t]);
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    let step = counter[0];
    history[step % params.capacity] = vec4f(redSum[0] / f32(params.cells), redMax[0], redAbs[0], redBad[0]);
    counter[0] = step + 1u;
  }
}

var<workgroup> specPow: array<f32, WG>;
var<workgroup> specIdx: array<u32, WG>;

// (power, index) pairs: the larger power wins, the smaller index on ties
fn specBetter(p: f32, i: u32, q: f32, j: u32) -> bool {
  return p > q || (p == q && i < j);
}

@compute @workgroup_size(64)
fn fieldSpectrumPartial(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let t = (wid.y * nwg.x + wid.x) * 64u + lid;
  let P = params.partials;
  if (t >= P) {
    return;
  }
  var p = -1.0;
  var idx = 0xffffffffu;
  for (var i = t; i < params.spectrumCells; i = i + P) {
    if (i == 0u) {
      continue; // the mode 0 is left out
    }
    let z = spec[i];
    let q = z.x * z.x + z.y * z.y;
    if (specBetter(q, i, p, idx)) {
      p = q;
      idx = i;
    }
  }
  specPartials[t] = vec2u(bitcast<u32>(p), idx);
}

@compute @workgroup_size(WG)
fn fieldSpectrumReduce(@builtin(local_invocation_index) lid: u32) {
  let count = params.partials;
  let per = (count + WG - 1u) / WG;
  var p = -1.0;
  var idx = 0xffffffffu;
  for (var k = lid * per; k < min(count, (lid + 1u) * per); k = k + 1u) {
    let e = specPartials[k];
    let q = bitcast<f32>(e.x);
    if (specBetter(q, e.y, p, idx)) {
      p = q;
      idx = e.y;
    }
  }
  specPow[lid] = p;
  specIdx[lid] = idx;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s >> 1u) {
    if (lid < s && specBetter(specPow[lid + s], specIdx[lid + s], specPow[lid], specIdx[lid])) {
      specPow[lid] = specPow[lid + s];
      specIdx[lid] = specIdx[lid + s];
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    let dc = spec[0];
    spectrum[(counter[0] + params.capacity - 1u) % params.capacity] = vec4u(bitcast<u32>(specPow[0]), specIdx[0], bitcast<u32>(dc.x), bitcast<u32>(dc.y));
  }
}

// The network's coupling: matvecOut[i] = Σ_j W_ij σ_j with σ_j = conv[j]; one workgroup per row, each
// invocation sums a strided run of j in order, then the tree.
var<workgroup> mvSum: array<f32, WG>;

@compute @workgroup_size(WG)
fn fieldMatvec(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = wid.y * nwg.x + wid.x;
  let M = params.cells;
  if (row >= M) {
    return;
  }
  var s = 0.0;
  for (var j = lid; j < M; j = j + WG) {
    s = s + weightsW[row * M + j] * conv[j];
  }
  mvSum[lid] = s;
  workgroupBarrier();
  for (var t = WG / 2u; t > 0u; t = t >> 1u) {
    if (lid < t) {
      mvSum[lid] = mvSum[lid] + mvSum[lid + t];
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    matvecOut[row] = mvSum[0];
  }
}

// The same product, one invocation per row summing j = 0 … M − 1 in order (CPU adapters: no barrier).
@compute @workgroup_size(64)
fn fieldMatvecRow(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = (wid.y * nwg.x + wid.x) * 64u + lid;
  let M = params.cells;
  if (row >= M) {
    return;
  }
  var s = 0.0;
  for (var j = 0u; j < M; j = j + 1u) {
    s = s + weightsW[row * M + j] * conv[j];
  }
  matvecOut[row] = s;
}
