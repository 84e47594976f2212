// g-step: backward Euler for p_t = (1/eps) d/dg [a dp/dg - (Geq - g) p], no flux at g = 0 and gmax, with
// Scharfetter-Gummel / Chang-Cooper fluxes J_{j+1/2} = (a/(eps dg)) [B(z) p_j - B(-z) p_{j+1}],
// z = dg (g_{j+1/2} - Geq)/a, B(z) = z/(e^z - 1). The fluxes vanish exactly on the sampled Gaussian
// exp(-(g_j - Geq)^2 / 2a), the discrete truncated equilibrium. The matrix I + dt L is the same for
// every v-column (Geq does not depend on v), so it is factored once per step (conductanceFactor, one
// workgroup) and applied to all columns at once (the sweeps below).
//
// Factorization. The elimination is the Grassmann-Taksar-Heyman form: pivots come from the column
// excess e_j (every column of I + dt L sums to 1) instead of a subtraction,
//     pivot_j = e_j + lower_j,   e_{j+1} = 1 + upper_j e_j / pivot_j,   e_0 = 1,
// so every quantity is a sum of positive terms: positive, conservative to rounding, and accurate for any
// kappa = dt a/(eps dg^2), which is what keeps the scheme asymptotic-preserving as eps -> 0. The excess
// recurrence is a linear-fractional map, e_{j+1} = ((1 + u_j) e_j + l_j) / (e_j + l_j), i.e. the 2x2
// matrix [[1 + u_j, l_j], [1, l_j]] acting on (e_j, 1) up to scale. Its entries are positive, so products
// of these matrices have no cancellation either: each invocation composes the maps of its block of rows,
// a workgroup scan composes the blocks (log2 of their number levels), and each invocation then runs the
// exact serial recurrence over its block from its own e. A serial loop over ng rows on one invocation
// would cost ng dependent divisions per step; this costs a block (>= 32 rows) plus the scan.
//
// Column solve. With the factors, a column is two first-order recurrences with positive coefficients,
//     forward   c_j = b_j + m_j c_{j-1}                  (m_j = lower_{j-1} / pivot_{j-1}, m_0 = 0)
//     backward  x_j = (c_j + upper_j x_{j+1}) / pivot_j   (x_ng = 0),
// the same for every column. One invocation per column gives only nv invocations, each a chain of 2 ng
// dependent memory round trips: far too little parallelism to cover a GPU's memory latency. So each
// column is cut into chunkCount chunks of chunkRows rows. A recurrence is linear in its incoming value:
// over chunk k, c_end = L_k + pi_k c_in, with L_k the sweep started from 0 and pi_k = prod m_j over the
// chunk; likewise x_start = B_k + rho_k x_in with rho_k = prod upper_j / pivot_j. The products are the
// same for every column (conductanceFactor writes them at factor[ng + k]); L_k and B_k are per column
// (chunkCarry). Three dispatches of nv x chunkCount invocations then give the exact recurrences:
//     forwardChunkEnds  L_k (k < last)
//     forwardSweep      c_in from L_0..L_{k-1}, then c over the chunk (stored); B_k from it
//     backwardSweep     x_in from B_{last}..B_{k+1}, then x over the chunk (stored)
// Every term is again positive, so the chunked solve is as accurate as the serial one; only the
// rounding of the chunk boundaries' incoming values differs. The products stay in range: m_j <= 1 since
// pivot_j >= lower_j, so pi_k <= 1; and with mu_j = upper_j / pivot_j, e_{j+1} = 1 + mu_j e_j > mu_j e_j,
// so rho_k = prod mu_j < e_end / e_first <= e_end, the excess after the chunk, itself a finite f32 of the
// factorization. With chunkCount = 1 forwardSweep does both sweeps, the plain serial solve, in one
// dispatch (the choice for CPU adapters, see src/host/kineticSolver.ts).
//
// conductanceProject is the eps -> 0 limit of the solve (model vc-limit): each column is replaced by its
// mass times the normalised discrete equilibrium M_j (written by conductanceFactor into factor[j].w),
// the mass summed per chunk (columnMassChunks) and then over the chunks in order.
// f64 twin: conductanceFactor / conductanceStep / conductanceProjection in
// src/models/reference/kineticReference.ts (serial; the chunking changes only the rounding).
// Variant (wgsl-preprocessor): EQUILIBRIUM_VECTOR, whether conductanceFactor also writes M_j (vc-limit).
// Requires bindings.wgsl, reduce.wgsl.

// B(z) = z / (e^z - 1); Bernoulli series near 0, where e^z - 1 would cancel in f32.
fn bernoulli(z: f32) -> f32 {
  if (abs(z) < 0.1) {
    let z2 = z * z;
    return 1.0 - 0.5 * z + z2 * (1.0 / 12.0 - z2 * (1.0 / 720.0 - z2 / 30240.0));
  }
  return z / (exp(z) - 1.0);
}

// (lower_j, upper_j): kappa B(+-z) at the face j + 1/2; zero at the top row (no flux through gmax).
fn offDiagonal(j: u32, geq: f32) -> vec2f {
  if (j + 1u >= params.ng) {
    return vec2f(0.0);
  }
  let z = (f32(j + 1u) * params.dg - geq) * params.dgOverA;
  return params.kappa * vec2f(bernoulli(z), bernoulli(-z));
}

// 2x2 matrices as vec4f (a, b, c, d) = [[a, b], [c, d]], scaled by a power of two that brings the sum of
// their entries into [1/2, 1): the maps act on (e, 1) up to scale, so the scaling does not change them,
// keeps products in range, and, being a power of two, adds no rounding.
fn rescaled(m: vec4f) -> vec4f {
  // (ldexp is indeterminate for exponents above 128)
  return ldexp(m, vec4i(-clamp(frexp(m.x + m.y + m.z + m.w).exp, -126, 126)));
}

fn excessMap(offDiag: vec2f) -> vec4f {
  return rescaled(vec4f(1.0 + offDiag.y, offDiag.x, 1.0, offDiag.x));
}

fn composeMaps(later: vec4f, earlier: vec4f) -> vec4f {
  let m = vec4f(
    later.x * earlier.x + later.y * earlier.z,
    later.x * earlier.y + later.y * earlier.w,
    later.z * earlier.x + later.w * earlier.z,
    later.z * earlier.y + later.w * earlier.w,
  );
  return rescaled(m);
}

var<workgroup> prefixMaps: array<vec4f, WG>;
override FACTOR_BLOCK_ROWS: u32 = 32u;

@compute @workgroup_size(WG)
fn conductanceFactor(@builtin(local_invocation_index) lid: u32) {
  let ng = params.ng;
  // N* = sum_j rowStats[j].x dg: the activity of the state after the first half step (vc), or the
  // outflow rate of the first half step (vc-threshold). It enters Geq semi-implicitly.
  var partial = 0.0;
  for (var j = lid; j < ng; j = j + WG) {
    partial = partial + rowStats[j].x;
  }
  let nStar = workgroupSum(lid, vec4f(partial, 0.0, 0.0, 0.0)).x * params.dg;
  let geq = params.gin + params.b * nStar;
  if (lid == 0u) {
    diagnostics.nStar = nStar;
    diagnostics.geq = geq;
  }

  // This invocation's block of rows, and the composed excess map over it. Blocks are long (at least
  // FACTOR_BLOCK_ROWS) because a block's first excess comes from the scan, not from its predecessor by
  // the recurrence; that inconsistency, a few ulp, is what the solve's mass conservation is sensitive to.
  let rowsPerBlock = max(FACTOR_BLOCK_ROWS, (ng + WG - 1u) / WG);
  let first = min(lid * rowsPerBlock, ng);
  let last = min(first + rowsPerBlock, ng);
  var blockMap = vec4f(1.0, 0.0, 0.0, 1.0);
  for (var j = first; j < last; j = j + 1u) {
    blockMap = composeMaps(excessMap(offDiagonal(j, geq)), blockMap);
  }
  // Inclusive Hillis-Steele scan of the block maps, in a fixed order.
  let blockCount = (ng + rowsPerBlock - 1u) / rowsPerBlock;
  prefixMaps[lid] = blockMap;
  workgroupBarrier();
  for (var stride = 1u; stride < blockCount; stride = stride * 2u) {
    var combined = prefixMaps[lid];
    if (lid >= stride) {
      combined = composeMaps(combined, prefixMaps[lid - stride]);
    }
    workgroupBarrier();
    prefixMaps[lid] = combined;
    workgroupBarrier();
  }
  var excess = 1.0;
  if (lid > 0u) {
    let before = prefixMaps[lid - 1u];
    excess = (before.x + before.y) / (before.z + before.w);
  }
  if (lid == 0u) {
    factor[0].x = 0.0;
  }
  for (var j = first; j < last; j = j + 1u) {
    let off = offDiagonal(j, geq);
    let pivot = excess + off.x;
    factor[j].y = off.y;
    factor[j].z = 1.0 / pivot;
    if (j + 1u < ng) {
      factor[j + 1u].x = off.x / pivot;
    }
    excess = 1.0 + off.y * (excess / pivot);
  }
  storageBarrier();
  workgroupBarrier();

  // Per chunk: pi_k = prod m_j and rho_k = prod upper_j / pivot_j over its rows.
  for (var k = lid; k < params.chunkCount; k = k + WG) {
    var products = vec2f(1.0);
    let chunkEnd = min((k + 1u) * params.chunkRows, ng);
    for (var j = k * params.chunkRows; j < chunkEnd; j = j + 1u) {
      let f = factor[j];
      products = products * vec2f(f.x, f.y * f.z);
    }
    factor[ng + k] = vec4f(products, 0.0, 0.0);
  }

}

override WG_COLUMN: u32 = 64u;

struct Chunk {
  column: u32,
  index: u32,
  first: u32,  // first row
  end: u32,    // one past the last row
  valid: bool,
}

// Invocation x = column, workgroup y = chunk. The chunk comes from workgroup_id, which the compiler can
// see is the same across the workgroup, so the row loops have uniform bounds (global_invocation_id.y
// would be the same number, but SwiftShader then runs the loops masked, 40% slower).
fn chunkOf(gid: vec3u, wid: vec3u) -> Chunk {
  let first = wid.y * params.chunkRows;
  return Chunk(gid.x, wid.y, first, min(first + params.chunkRows, params.ng), gid.x < params.nv);
}

// The backward sweep over the chunk from x_in, the x at the row after the chunk, stored in place.
fn backSubstitute(chunk: Chunk, xIn: f32) {
  var x = xIn;
  for (var j = chunk.end; j > chunk.first; j = j - 1u) {
    let idx = (j - 1u) * params.nv + chunk.column;
    let f = factor[j - 1u];
    x = (dst[idx] + f.y * x) * f.z;
    dst[idx] = x;
  }
}

// B_k: the backward sweep over the chunk from 0, to its first row, not stored.
fn backwardChunkStart(chunk: Chunk) -> f32 {
  var x = 0.0;
  for (var j = chunk.end; j > chunk.first; j = j - 1u) {
    let f = factor[j - 1u];
    x = (dst[(j - 1u) * params.nv + chunk.column] + f.y * x) * f.z;
  }
  return x;
}

// L_k: the forward sweep over chunk k started from 0 (not needed for the last chunk).
@compute @workgroup_size(WG_COLUMN)
fn forwardChunkEnds(@builtin(global_invocation_id) gid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let chunk = chunkOf(gid, wid);
  if (!chunk.valid) {
    return;
  }
  var carried = 0.0;
  for (var j = chunk.first; j < chunk.end; j = j + 1u) {
    carried = dst[j * params.nv + chunk.column] + factor[j].x * carried;
  }
  chunkCarry[chunk.index * params.nv + chunk.column].x = carried;
}

// The forward sweep over chunk k from its incoming value, stored; then B_k, or with one chunk the whole
// backward sweep.
@compute @workgroup_size(WG_COLUMN)
fn forwardSweep(@builtin(global_invocation_id) gid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let chunk = chunkOf(gid, wid);
  if (!chunk.valid) {
    return;
  }
  let nv = params.nv;
  var carried = 0.0;
  for (var k = 0u; k < chunk.index; k = k + 1u) {
    carried = chunkCarry[k * nv + chunk.column].x + factor[params.ng + k].x * carried;
  }
  for (var j = chunk.first; j < chunk.end; j = j + 1u) {
    let idx = j * nv + chunk.column;
    carried = dst[idx] + factor[j].x * carried;
    dst[idx] = carried;
  }
  if (params.chunkCount == 1u) {
    // The whole backward sweep, on from the forward sweep's last value. (backSubstitute would give the
    // same numbers, but SwiftShader runs it 40% slower here, measured; the cause was not found.)
    let last = params.ng - 1u;
    var x = carried * factor[last].z;
    dst[last * nv + chunk.column] = x;
    for (var j = i32(last) - 1; j >= 0; j = j - 1) {
      let idx = u32(j) * nv + chunk.column;
      let f = factor[u32(j)];
      x = (dst[idx] + f.y * x) * f.z;
      dst[idx] = x;
    }
  } else if (chunk.index > 0u) {
    chunkCarry[chunk.index * nv + chunk.column].y = backwardChunkStart(chunk);
  }
}

// The backward sweep over chunk k from x at the first row of chunk k + 1, stored (chunkCount > 1).
@compute @workgroup_size(WG_COLUMN)
fn backwardSweep(@builtin(global_invocation_id) gid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let chunk = chunkOf(gid, wid);
  if (!chunk.valid) {
    return;
  }
  var x = 0.0;
  for (var k = params.chunkCount - 1u; k > chunk.index; k = k - 1u) {
    x = chunkCarry[k * params.nv + chunk.column].y + factor[params.ng + k].y * x;
  }
  backSubstitute(chunk, x);
}

// sum_j p_ij over the chunk's rows, in blocks of 64 rows (as voltageMarginal).
fn chunkColumnSum(chunk: Chunk) -> f32 {
  var sum = 0.0;
  for (var j0 = chunk.first; j0 < chunk.end; j0 = j0 + 64u) {
    var block = 0.0;
    for (var j = j0; j < min(j0 + 64u, chunk.end); j = j + 1u) {
      block = block + dst[j * params.nv + chunk.column];
    }
    sum = sum + block;
  }
  return sum;
}

@compute @workgroup_size(WG_COLUMN)
fn columnMassChunks(@builtin(global_invocation_id) gid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let chunk = chunkOf(gid, wid);
  if (!chunk.valid) {
    return;
  }
  chunkCarry[chunk.index * params.nv + chunk.column].x = chunkColumnSum(chunk);
}

@compute @workgroup_size(WG_COLUMN)
fn conductanceProject(@builtin(global_invocation_id) gid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let chunk = chunkOf(gid, wid);
  if (!chunk.valid) {
    return;
  }
  // column mass n_i = sum_j p_ij dg: the chunk sums of columnMassChunks in order, or with one chunk here
  var mass = 0.0;
  if (params.chunkCount == 1u) {
    mass = chunkColumnSum(chunk);
  } else {
    for (var k = 0u; k < params.chunkCount; k = k + 1u) {
      mass = mass + chunkCarry[k * params.nv + chunk.column].x;
    }
  }
  mass = mass * params.dg;
  for (var j = chunk.first; j < chunk.end; j = j + 1u) {
    dst[j * params.nv + chunk.column] = mass * factor[j].w;
  }
}
