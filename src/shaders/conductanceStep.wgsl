// g-step: backward Euler for p_t = (1/eps) d/dg [a dp/dg - (Geq - g) p], no flux at g = 0 and gmax, with
// Scharfetter-Gummel / Chang-Cooper fluxes J_{j+1/2} = (a/(eps dg)) [B(z) p_j - B(-z) p_{j+1}],
// z = dg (g_{j+1/2} - Geq)/a, B(z) = z/(e^z - 1). The fluxes vanish exactly on the sampled Gaussian
// exp(-(g_j - Geq)^2 / 2a), the discrete truncated equilibrium. The matrix I + dt L is the same for
// every v-column (Geq does not depend on v), so it is factored once per step (conductanceFactor, one
// workgroup) and applied to all columns at once (conductanceSolve, one invocation per column).
// The elimination is the Grassmann-Taksar-Heyman form: pivots come from the column excess (every
// column of I + dt L sums to 1) instead of a subtraction, so every quantity is a sum of positive
// terms: positive, conservative to rounding, and accurate for any kappa = dt a/(eps dg^2), which is
// what keeps the scheme asymptotic-preserving as eps -> 0. f64 twin: conductanceFactor/conductanceStep
// in src/models/reference/kineticReference.ts.
// conductanceProject is the eps -> 0 limit of the solve (model vc-limit): each column is replaced by its
// mass times the normalised discrete equilibrium M_j (written by conductanceFactor into factor[j].w).
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
  if (lid != 0u) {
    return;
  }
  let geq = params.gin + params.b * nStar;
  diagnostics.nStar = nStar;
  diagnostics.geq = geq;
  var excess = 1.0;
  factor[0].x = 0.0;
  for (var j = 0u; j < ng; j = j + 1u) {
    let z = (f32(j + 1u) * params.dg - geq) * params.dgOverA;
    let interior = j + 1u < ng;
    let lower = select(0.0, params.kappa * bernoulli(z), interior);
    let upper = select(0.0, params.kappa * bernoulli(-z), interior);
    let pivot = excess + lower;
    factor[j].y = upper;
    factor[j].z = 1.0 / pivot;
    if (interior) {
      factor[j + 1u].x = lower / pivot;
    }
    excess = 1.0 + upper * (excess / pivot);
  }
#if ${EQUILIBRIUM_VECTOR}
  // The discrete equilibrium M_j = exp(-(g_j - Geq)^2 / 2a) / (sum_k ... dg), relative to its peak on
  // the grid so that nothing underflows where it matters; the same vector the solve keeps exactly.
  let invTwoA = 0.5 * params.dgOverA / params.dg;
  let peak = clamp(geq, 0.5 * params.dg, (f32(ng) - 0.5) * params.dg);
  var total = 0.0;
  for (var j = 0u; j < ng; j = j + 1u) {
    let g = (f32(j) + 0.5) * params.dg;
    let m = exp(-((g - geq) * (g - geq) - (peak - geq) * (peak - geq)) * invTwoA);
    factor[j].w = m;
    total = total + m;
  }
  let scale = 1.0 / (total * params.dg);
  for (var j = 0u; j < ng; j = j + 1u) {
    factor[j].w = factor[j].w * scale;
  }
#endif
}

override WG_COLUMN: u32 = 64u;

@compute @workgroup_size(WG_COLUMN)
fn conductanceSolve(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x;
  let nv = params.nv;
  let ng = params.ng;
  if (i >= nv) {
    return;
  }
  var carried = dst[i];
  for (var j = 1u; j < ng; j = j + 1u) {
    let idx = j * nv + i;
    carried = dst[idx] + factor[j].x * carried;
    dst[idx] = carried;
  }
  carried = carried * factor[ng - 1u].z;
  dst[(ng - 1u) * nv + i] = carried;
  for (var j = i32(ng) - 2; j >= 0; j = j - 1) {
    let idx = u32(j) * nv + i;
    let f = factor[u32(j)];
    carried = (dst[idx] + f.y * carried) * f.z;
    dst[idx] = carried;
  }
}

@compute @workgroup_size(WG_COLUMN)
fn conductanceProject(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x;
  let nv = params.nv;
  let ng = params.ng;
  if (i >= nv) {
    return;
  }
  // column mass n_i = sum_j p_ij dg, in blocks of 64 rows (as voltageMarginal)
  var mass = 0.0;
  for (var j0 = 0u; j0 < ng; j0 = j0 + 64u) {
    var block = 0.0;
    for (var j = j0; j < min(j0 + 64u, ng); j = j + 1u) {
      block = block + dst[j * nv + i];
    }
    mass = mass + block;
  }
  mass = mass * params.dg;
  for (var j = 0u; j < ng; j = j + 1u) {
    dst[j * nv + i] = mass * factor[j].w;
  }
}
