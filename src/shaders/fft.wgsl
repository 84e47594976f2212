// Shared FFT machinery (src/host/fft.ts drives it): batched complex FFTs of rows of length n = 2^m, f32 (vec2f).
//
// The transform is the radix-2 Stockham autosort FFT in the formulation of E. Bainville ("OpenCL Fast Fourier
// Transform", 2010; see also C. Van Loan, Computational Frameworks for the FFT, SIAM 1992, §1.7): m passes,
// p = 1, 2, 4, ..., n/2; in pass p butterfly i < n/2 reads x[i] and x[i + n/2], with k = i mod p,
//     u1 = x[i + n/2]·e^{∓iπk/p},   y[2i − k] = x[i] + u1,   y[2i − k + p] = x[i] − u1,
// and after the last pass y is the DFT in natural order (no bit reversal). Radix-4 passes (p = 1, 4, 16, …, while
// 4p ≤ n) do two of these levels at once: butterfly i < n/4 reads x[i + q·n/4], q = 0..3, twiddles them by
// w^{qk}, w = e^{∓2πi/(4p)}, takes their 4-point DFT (whose inner twiddle ∓i is exact) and writes
// y[4(i − k) + k + q·p]; a last radix-2 pass (p = n/2) finishes an odd log2 n. Forward: X_k = Σ x_j e^{−2πijk/n};
// inverse: the conjugate twiddles and no 1/n (the caller folds the scale into its multiplier).
//
// Twiddles come from a table e^{−2πij/n}, j < n, computed in f64 and rounded once to f32 (WGSL's cos/sin are
// only bounded by an absolute error of 2^-11, far too loose for an FFT). With exact-rounded twiddles the
// computed transform satisfies ‖ŷ − y‖₂ ≤ log2(n)·η/(1 − log2(n)·η)·‖y‖₂, η = μ + γ4(√2 + μ), μ ≤ u, u = 2^-24
// (Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed., Thm. 24.2), about 6.7·log2(n)·u.
//
// Entry points:
//   fftRowsShared   one workgroup per row, the row in workgroup memory (n ≤ FFT_SHARED_MAX of the host): in place.
//                   mode 0: forward; 1: inverse; 2: forward, times fftWeights (the same layout), inverse
//                   (a whole periodic convolution along the row, one read and one write of the data).
//                   The loops run to the uniform n (not the override FFT_N, which only sizes the workgroup
//                   array): a compiler that specialises on constants (SwiftShader) would otherwise unroll
//                   them, and compile for half a minute at n = 1024.
//   fftPass4Global, fftPassGlobal   one radix-4 or radix-2 pass p of the same algorithm for rows of any length,
//                   src → dst (rows longer than fit, and every row on a CPU adapter).
//   spectrumMultiply  data ← data·weights, pointwise (the multiplier for the global route).
//   transpose       dst (width × height) ← src (height × width), 16 × 16 tiles in workgroup memory (GPUs);
//   transposeDirect the same, one element per invocation, no barrier (CPU adapters: SwiftShader runs a kernel with a
//                   barrier invocation by invocation as coroutines, 200× slower here).

struct FftParams {
  n: u32,        // transform length (a power of two)
  rows: u32,     // rows in the batch
  p: u32,        // fftPassGlobal: the pass's half-length (1, 2, ..., n/2)
  inverse: u32,  // fftPassGlobal: 1 for conjugate twiddles
  width: u32,    // transpose: columns of src
  height: u32,   // transpose: rows of src
  count: u32,    // spectrumMultiply: elements
  mode: u32,     // fftRowsShared: 0 forward, 1 inverse, 2 forward × fftWeights, inverse
}

@group(0) @binding(0) var<uniform> fft: FftParams;
@group(0) @binding(1) var<storage, read_write> fftData: array<vec2f>;
@group(0) @binding(2) var<storage, read> fftTwiddles: array<vec2f>;
@group(0) @binding(3) var<storage, read> fftWeights: array<vec2f>;
@group(0) @binding(4) var<storage, read> fftSrc: array<vec2f>;
@group(0) @binding(5) var<storage, read_write> fftDst: array<vec2f>;

override FFT_N: u32 = 2u;
override FFT_WG: u32 = 1u;
// Radix-4 butterflies per invocation and pass in fftRowsShared: n/4/FFT_WG ≤ FFT_MAX_PER (the host picks FFT_WG so).
const FFT_MAX_PER: u32 = 8u;

var<workgroup> fftShared: array<vec2f, FFT_N>;

fn cmul(a: vec2f, b: vec2f) -> vec2f {
  return vec2f(a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x);
}

// e^{∓2πij/n} = table[j] (conjugated for the inverse)
fn fftTable(j: u32, inverse: bool) -> vec2f {
  let w = fftTwiddles[j];
  return select(w, vec2f(w.x, -w.y), inverse);
}

// e^{∓iπk/p} = table[k·n/(2p)]
fn fftTwiddle(k: u32, p: u32, n: u32, inverse: bool) -> vec2f {
  return fftTable(k * (n / (2u * p)), inverse);
}

// The radix-4 butterfly of pass p: inputs u[q] = x[i + q·n/4], k = i mod p; outputs for y[4(i − k) + k + q·p].
fn radix4(u0: vec2f, u1: vec2f, u2: vec2f, u3: vec2f, k: u32, p: u32, n: u32, inverse: bool) -> array<vec2f, 4> {
  let s = n / (4u * p);
  let a1 = cmul(u1, fftTable(k * s, inverse));
  let a2 = cmul(u2, fftTable(2u * k * s, inverse));
  let a3 = cmul(u3, fftTable(3u * k * s, inverse));
  let v0 = u0 + a2;
  let v1 = u0 - a2;
  let v2 = a1 + a3;
  let d = a1 - a3;
  // d·(∓i): forward −i·d = (d.y, −d.x), inverse +i·d = (−d.y, d.x)
  let v3 = select(vec2f(d.y, -d.x), vec2f(-d.y, d.x), inverse);
  return array<vec2f, 4>(v0 + v2, v1 + v3, v0 - v2, v1 - v3);
}

// The whole Stockham transform of the row in fftShared, in place (registers hold a pass's outputs between two
// barriers): radix-4 passes, then one radix-2 pass when log2 n is odd. Called in uniform control flow.
fn stockhamShared(lid: u32, inverse: bool) {
  let n = fft.n;
  let q = n / 4u;
  var out: array<array<vec2f, 4>, FFT_MAX_PER>;
  var p = 1u;
  for (; 4u * p <= n; p = p << 2u) {
    var c = 0u;
    for (var i = lid; i < q; i = i + FFT_WG) {
      out[c] = radix4(fftShared[i], fftShared[i + q], fftShared[i + 2u * q], fftShared[i + 3u * q], i & (p - 1u), p, n, inverse);
      c = c + 1u;
    }
    workgroupBarrier();
    c = 0u;
    for (var i = lid; i < q; i = i + FFT_WG) {
      let j = 4u * (i - (i & (p - 1u))) + (i & (p - 1u));
      fftShared[j] = out[c][0];
      fftShared[j + p] = out[c][1];
      fftShared[j + 2u * p] = out[c][2];
      fftShared[j + 3u * p] = out[c][3];
      c = c + 1u;
    }
    workgroupBarrier();
  }
  if (p < n) {
    // the last radix-2 pass, p = n/2: butterfly i < n/2, two per radix-4 slot
    let half = n / 2u;
    var c = 0u;
    for (var i = lid; i < half; i = i + FFT_WG) {
      let u0 = fftShared[i];
      let u1 = cmul(fftShared[i + half], fftTwiddle(i & (p - 1u), p, n, inverse));
      out[c / 2u][2u * (c % 2u)] = u0 + u1;
      out[c / 2u][2u * (c % 2u) + 1u] = u0 - u1;
      c = c + 1u;
    }
    workgroupBarrier();
    c = 0u;
    for (var i = lid; i < half; i = i + FFT_WG) {
      let j = (i << 1u) - (i & (p - 1u));
      fftShared[j] = out[c / 2u][2u * (c % 2u)];
      fftShared[j + p] = out[c / 2u][2u * (c % 2u) + 1u];
      c = c + 1u;
    }
    workgroupBarrier();
  }
}

@compute @workgroup_size(FFT_WG)
fn fftRowsShared(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = wid.y * nwg.x + wid.x;
  if (row >= fft.rows) {
    return;
  }
  let n = fft.n;
  let base = row * n;
  for (var i = lid; i < n; i = i + FFT_WG) {
    fftShared[i] = fftData[base + i];
  }
  workgroupBarrier();
  stockhamShared(lid, fft.mode == 1u);
  if (fft.mode == 2u) {
    for (var i = lid; i < n; i = i + FFT_WG) {
      fftShared[i] = cmul(fftShared[i], fftWeights[base + i]);
    }
    workgroupBarrier();
    stockhamShared(lid, true);
  }
  for (var i = lid; i < n; i = i + FFT_WG) {
    fftData[base + i] = fftShared[i];
  }
}

@compute @workgroup_size(64)
fn fftPassGlobal(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let half = fft.n / 2u;
  let t = (wid.y * nwg.x + wid.x) * 64u + lid;
  if (t >= fft.rows * half) {
    return;
  }
  let base = (t / half) * fft.n;
  let i = t % half;
  let p = fft.p;
  let k = i & (p - 1u);
  let u0 = fftSrc[base + i];
  let u1 = cmul(fftSrc[base + i + half], fftTwiddle(k, p, fft.n, fft.inverse == 1u));
  let j = (i << 1u) - k;
  fftDst[base + j] = u0 + u1;
  fftDst[base + j + p] = u0 - u1;
}

@compute @workgroup_size(64)
fn fftPass4Global(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let q = fft.n / 4u;
  let t = (wid.y * nwg.x + wid.x) * 64u + lid;
  if (t >= fft.rows * q) {
    return;
  }
  let base = (t / q) * fft.n;
  let i = t % q;
  let p = fft.p;
  let k = i & (p - 1u);
  let y = radix4(fftSrc[base + i], fftSrc[base + i + q], fftSrc[base + i + 2u * q], fftSrc[base + i + 3u * q], k, p, fft.n, fft.inverse == 1u);
  let j = base + 4u * (i - k) + k;
  fftDst[j] = y[0];
  fftDst[j + p] = y[1];
  fftDst[j + 2u * p] = y[2];
  fftDst[j + 3u * p] = y[3];
}

@compute @workgroup_size(64)
fn spectrumMultiply(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let t = (wid.y * nwg.x + wid.x) * 64u + lid;
  if (t < fft.count) {
    fftData[t] = cmul(fftData[t], fftWeights[t]);
  }
}

var<workgroup> fftTile: array<vec2f, 272>; // 16 × 17: the extra column keeps the transposed reads off one bank

@compute @workgroup_size(16, 16)
fn transpose(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let x = wid.x * 16u + lid.x;
  let y = wid.y * 16u + lid.y;
  if (x < fft.width && y < fft.height) {
    fftTile[lid.y * 17u + lid.x] = fftSrc[y * fft.width + x];
  }
  workgroupBarrier();
  let ox = wid.y * 16u + lid.x; // a column of dst is a row of src
  let oy = wid.x * 16u + lid.y;
  if (ox < fft.height && oy < fft.width) {
    fftDst[oy * fft.height + ox] = fftTile[lid.x * 17u + lid.y];
  }
}

@compute @workgroup_size(64)
fn transposeDirect(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let t = (wid.y * nwg.x + wid.x) * 64u + lid;
  if (t >= fft.width * fft.height) {
    return;
  }
  let y = t / fft.width;
  let x = t % fft.width;
  fftDst[x * fft.height + y] = fftSrc[t];
}

// ---- Real-to-complex transforms (src/host/fft.ts GpuRealFft) ------------------------------------------------------
// A real row x of length n = 2h is the complex row z_j = x_{2j} + i·x_{2j+1}, j < h: the same f32 words, so the
// packing costs nothing. With Z = DFT_h(z) (the complex passes above) the half spectrum k = 0 … h of x is
//     X_k = ½(S_k − i·w_k·D_k),   S_k = Z_k + conj Z_{h−k},  D_k = Z_k − conj Z_{h−k},  w_k = e^{−2πik/n}
// (indices of Z mod h; S/2 is the DFT of the even samples, D/(2i) that of the odd ones), and the rest is
// X_{n−k} = conj X_k. The inverse (c2r) takes the half spectrum back to the complex row of length h,
//     Z'_j = S'_j + i·conj(w_j)·D'_j,   S'_j = X_j + conj X_{h−j},  D'_j = X_j − conj X_{h−j},   j < h,
// whose unnormalised inverse DFT_h is n·z (2h: the ½ of E and O is left out; the caller folds 1/n in its multiplier).
// Both fuse the transpose of the 2D transform: R rows of h complex (row r at r·h) ↔ h + 1 rows of R (bin k of row r
// at k·R + r), so the columns' transforms (length R = n) run on contiguous rows; the ring is R = 1. One output
// element per invocation, written in order, no barrier and no atomics (the same bits every run); the reads are
// strided by R. fftHalfTwiddles holds w_k, k ≤ h, computed in f64 and rounded once to f32.
//   r2cUnpackTranspose   fftSrc (R × h, the rows' DFT_h) → fftDst ((h + 1) × R, the half spectrum transposed)
//   c2rPackTranspose     fftSrc ((h + 1) × R) → fftDst (R × h, the rows' Z', for the inverse DFT_h)
// width = h, height = R.
@group(0) @binding(6) var<storage, read> fftHalfTwiddles: array<vec2f>;

fn conjugate(a: vec2f) -> vec2f {
  return vec2f(a.x, -a.y);
}

@compute @workgroup_size(64)
fn r2cUnpackTranspose(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let h = fft.width;
  let R = fft.height;
  let t = (wid.y * nwg.x + wid.x) * 64u + lid;
  if (t >= (h + 1u) * R) {
    return;
  }
  let k = t / R;
  let r = t % R;
  let a = fftSrc[r * h + k % h];
  let b = conjugate(fftSrc[r * h + (h - k) % h]);
  let wd = cmul(fftHalfTwiddles[k], a - b);
  // ½(S − i·w·D): −i·(x + iy) = (y, −x)
  fftDst[t] = 0.5 * ((a + b) + vec2f(wd.y, -wd.x));
}

@compute @workgroup_size(64)
fn c2rPackTranspose(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let h = fft.width;
  let R = fft.height;
  let t = (wid.y * nwg.x + wid.x) * 64u + lid;
  if (t >= h * R) {
    return;
  }
  let r = t / h;
  let j = t % h;
  let a = fftSrc[j * R + r];
  let b = conjugate(fftSrc[(h - j) * R + r]);
  let wd = cmul(conjugate(fftHalfTwiddles[j]), a - b);
  // S' + i·conj(w)·D': i·(x + iy) = (−y, x)
  fftDst[t] = (a + b) + vec2f(-wd.y, wd.x);
}
