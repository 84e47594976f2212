// Counter-based random numbers: Philox-4x32-10 (Salmon, Moraes, Dror, Shaw, "Parallel random numbers:
// as easy as 1, 2, 3", SC'11), bit for bit the generator of Random123 (philox4x32 with 10 rounds; its
// known-answer vectors are checked against the TS reference src/models/reference/philox.ts, and the
// GPU against that reference, in test/particles/random.test.ts).
//
// A library: functions only, no bindings and no entry point, so any module can include it.
//
// Counter convention (kinfire):
//   key     = (seed low 32 bits, seed high 32 bits)             one 64-bit seed per run
//   counter = (neuron index, step, stream id, 0)
// One call gives the 4 u32 a neuron draws in one step for one stream: stream ids name the uses (e.g.
// 0 = conductance noise, 1 = firing, ...), so adding a use never shifts the numbers of another. Every
// number is a pure function of (seed, neuron, step, stream): nothing depends on the thread that
// computes it, the workgroup size, the dispatch shape, or the order of the work. A use that needs more
// than 4 u32 per (neuron, step, stream) takes the 4th word as a block index 0, 1, 2, ... (block 0 is
// the standard draw); src/host/random.ts does so.
//
// Portability: philox4x32_10 is integer arithmetic only, and uniform01 is exact in f32 (no rounding
// at all, so WGSL's freedom to round up or down never applies), so both are bitwise identical on every
// WebGPU implementation (Dawn in Node, any browser, any GPU). normalPair is accurate to a few ulp on
// every implementation, and bitwise reproducible on one implementation, but not bitwise across
// implementations (see there).

const PHILOX_M0: u32 = 0xD2511F53u;  // Random123 PHILOX_M4x32_0
const PHILOX_M1: u32 = 0xCD9E8D57u;  // Random123 PHILOX_M4x32_1
const PHILOX_W0: u32 = 0x9E3779B9u;  // key bump, golden ratio
const PHILOX_W1: u32 = 0xBB67AE85u;  // key bump, sqrt(3) - 1

// High 32 bits of the 64-bit product a*b. WGSL has no 64-bit integers, so the product is assembled
// from 16-bit halves: a = a1*2^16 + a0, b = b1*2^16 + b0; every partial product is < 2^32 and the
// middle column sums three numbers < 2^16 each, so nothing overflows.
fn philoxMulHi(a: u32, b: u32) -> u32 {
  let a0 = a & 0xFFFFu;
  let a1 = a >> 16u;
  let b0 = b & 0xFFFFu;
  let b1 = b >> 16u;
  let p00 = a0 * b0;
  let p01 = a0 * b1;
  let p10 = a1 * b0;
  let p11 = a1 * b1;
  let mid = (p00 >> 16u) + (p01 & 0xFFFFu) + (p10 & 0xFFFFu);
  return p11 + (p01 >> 16u) + (p10 >> 16u) + (mid >> 16u);
}

// One Philox round (Random123 _philox4x32round). The low half of the product is the wrapping u32
// product a*b.
fn philoxRound(c: vec4u, k: vec2u) -> vec4u {
  let hi0 = philoxMulHi(PHILOX_M0, c.x);
  let lo0 = PHILOX_M0 * c.x;
  let hi1 = philoxMulHi(PHILOX_M1, c.z);
  let lo1 = PHILOX_M1 * c.z;
  return vec4u(hi1 ^ c.y ^ k.x, lo1, hi0 ^ c.w ^ k.y, lo0);
}

// Philox-4x32 with 10 rounds: 4 independent uniformly distributed u32 per (counter, key).
fn philox4x32_10(counter: vec4u, key: vec2u) -> vec4u {
  var c = philoxRound(counter, key);
  var k = key;
  for (var r = 1u; r < 10u; r = r + 1u) {
    k = k + vec2u(PHILOX_W0, PHILOX_W1);
    c = philoxRound(c, k);
  }
  return c;
}

// The standard draw of `neuron` at `step` for `stream` under a 64-bit seed (seed = (low, high)).
fn philoxDraw(seed: vec2u, neuron: u32, step: u32, stream: u32) -> vec4u {
  return philox4x32_10(vec4u(neuron, step, stream, 0u), seed);
}

// Uniform on the open interval (0, 1): the top 23 bits k = bits >> 9 give
//     u = (k + 1/2) * 2^-23,   k = 0 .. 2^23 - 1,
// the midpoints of 2^23 equal cells, from 2^-24 to 1 - 2^-24. Every step is exact in f32 (k + 1/2 has
// at most 24 significant bits, the scaling is a power of two), so the result is bitwise portable, its
// mean is exactly 1/2 and u -> 1 - u maps the set onto itself. Why not 24 bits, (k + 1/2) * 2^-24:
// f32 has spacing 2^-24 on [1/2, 1), so those midpoints are not representable there; the top one,
// 16777215.5, rounds (ties to even) to 2^24 and gives u = 1 exactly, and the set loses its symmetry.
fn uniform01(bits: u32) -> f32 {
  return (f32(bits >> 9u) + 0.5) * 0x1p-23f;
}

// -ln u for u in (0, 1), to a few ulp relative everywhere. WGSL's log is only bounded by an absolute
// error of 2^-21 on [0.5, 2] (SwiftShader's is off by up to 0.7% relative near 1), so for u >= 1/2 the
// series -ln(1 - v) = 2 atanh(s) = 2 s (1 + s^2/3 + s^4/5 + ...), v = 1 - u (exact), s = v / (2 - v)
// <= 1/3, is used instead, truncated after s^12/13 (relative truncation error 1.4e-8); below 1/2 log
// itself is good to 3 ulp.
fn negLogUnit(u: f32) -> f32 {
  if (u < 0.5) {
    return -log(u);
  }
  let v = 1.0 - u;
  let s = v / (2.0 - v);
  let s2 = s * s;
  let p = 1.0 + s2 * (1.0 / 3.0 + s2 * (1.0 / 5.0 + s2 * (1.0 / 7.0 + s2 * (1.0 / 9.0 + s2 * (1.0 / 11.0 + s2 * (1.0 / 13.0))))));
  return 2.0 * s * p;
}

// (cos(pi t), sin(pi t)) for |t| <= 1, to about 1 ulp. WGSL's cos and sin are only bounded by an absolute
// error of 2^-11 on [-pi, pi] (SwiftShader's are off by 1.9e-4), which would be a bias of that size in
// the normals. The reduction is exact: q = round(2 t), x = t - q/2 in [-1/4, 1/4] (exact for every f32
// t in [-1, 1], by Sterbenz's lemma), then Taylor polynomials in x of sin(pi x) (to x^9, truncation
// 2e-9) and cos(pi x) (to x^10, truncation 1e-10), and the quadrant q mod 4.
fn sinCosPi(t: f32) -> vec2f {
  let q = round(2.0 * t);
  let x = t - 0.5 * q;
  let x2 = x * x;
  let s = x * (3.141592653589793 + x2 * (-5.167712780049969 + x2 * (2.550164039877345 + x2 * (-0.5992645293207919 + x2 * 0.08214588661112819))));
  let c = 1.0 + x2 * (-4.934802200544679 + x2 * (4.058712126416768 + x2 * (-1.3352627688545893 + x2 * (0.23533063035889312 + x2 * -0.02580689139001405))));
  let quadrant = i32(q) & 3;  // two's complement: -1 -> 3, -2 -> 2
  switch quadrant {
    case 0: { return vec2f(c, s); }
    case 1: { return vec2f(-s, c); }
    case 2: { return vec2f(-c, -s); }
    default: { return vec2f(s, -c); }
  }
}

// Box-Muller: two independent N(0, 1) from two independent uniforms on (0, 1).
//     r = sqrt(-2 ln u1),  theta = pi (2 u2 - 1),   (z0, z1) = r (cos theta, sin theta)
// The angle is taken in (-pi, pi) rather than (0, 2 pi): the same distribution (it flips the sign of
// both), and 2 u2 - 1 is exact for uniform01 (a multiple of 2^-23 in (-1, 1)).
// Accuracy in f32: -ln u1 and (cos, sin) are good to a few ulp (negLogUnit, sinCosPi: no reliance on the
// implementation's log/cos/sin, whose WGSL bounds are loose), sqrt to a few ulp (WGSL: inherited from
// 1/inverseSqrt), so z0, z1 are within a few 1e-7 of r (cos, sin) (measured against f64: below 4e-7
// relative to max(1, |z|) on SwiftShader). They are not bitwise portable across implementations: WGSL
// lets sqrt, log and the division be a few ulp off and lets the compiler fuse multiply-adds.
// Tail: uniform01 >= 2^-24 bounds the radius by r_max = sqrt(48 ln 2) = 5.768, so |z| <= 5.768; the
// probability of R > r_max that is cut off is 2^-24 = 6.0e-8, and that of |z0| > r_max under N(0, 1) is
// 8.0e-9. The far tail is also discrete: the largest radii are 5.768, 5.574, 5.482, 5.420 (u1 = 1, 3, 5,
// 7 times 2^-24), and a tail event of probability p is resolved to about 2^-23 / p relative (1% at
// p = 1e-5, 12% at p = 1e-6): statistics of rarer events need more than 23 bits for u1.
fn normalPair(u1: f32, u2: f32) -> vec2f {
  let r = sqrt(negLogUnit(u1) * 2.0);
  return r * sinCosPi(2.0 * u2 - 1.0);
}

// Four normals from one Philox output (pairs (x, y) and (z, w)).
fn normalQuad(bits: vec4u) -> vec4f {
  let a = normalPair(uniform01(bits.x), uniform01(bits.y));
  let b = normalPair(uniform01(bits.z), uniform01(bits.w));
  return vec4f(a, b);
}
