// Reductions of the state: N(t), total mass, the marginals. All in fixed-order trees (reduce.wgsl) or
// fixed-order two-level sums, so a run is bitwise reproducible.
// Requires bindings.wgsl, reduce.wgsl.

// Per-row N(t, g_j) and mass of the state in `src` (used at t = 0 and on demand). vc: N_j = sum_i phi_i
// p_ij dv. vc-threshold: the upwind flux through VF, max(u(VF, g_j), 0) p_{nv-1, j}.
@compute @workgroup_size(WG)
fn stateRowStats(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let j = wid.x;
  let nv = params.nv;
  var partial = vec4f(0.0);
  for (var i = lid; i < nv; i = i + WG) {
    let p = src[j * nv + i];
    partial = partial + vec4f(cellCoefficients(i).x * p, p, 0.0, 0.0);
  }
  let sums = workgroupSum(lid, partial);
  if (lid == 0u) {

    let g = rowCoefficients(j).z;
    let u = params.gL * (params.VL - params.vhi) + g * (params.VE - params.vhi);
    let n = max(u, 0.0) * src[j * nv + nv - 1u];

    rowStats[j] = vec4f(rowStats[j].x, rowStats[j].y, n, sums.y * params.dv);
  }
}

// N(t_n) = sum_j N_j dg and mass = sum_j mass_j dg into the history ring, then advance the step counter.
@compute @workgroup_size(WG)
fn recordDiagnostics(@builtin(local_invocation_index) lid: u32) {
  var partial = vec4f(0.0);
  for (var j = lid; j < params.ng; j = j + WG) {
    partial = partial + vec4f(rowStats[j].z, rowStats[j].w, 0.0, 0.0);
  }
  let sums = workgroupSum(lid, partial) * params.dg;
  if (lid == 0u) {
    let n = diagnostics.step;
    diagnostics.history[n % params.historyCapacity] = sums.xy;
    diagnostics.step = n + 1u;
  }
}

// n(v_i) = sum_j p_ij dg, as blocks of 64 rows summed in order, then the block sums in order.
@compute @workgroup_size(64)
fn voltageMarginal(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x;
  if (i >= params.nv) {
    return;
  }
  var total = 0.0;
  for (var j0 = 0u; j0 < params.ng; j0 = j0 + 64u) {
    var block = 0.0;
    for (var j = j0; j < min(j0 + 64u, params.ng); j = j + 1u) {
      block = block + src[j * params.nv + i];
    }
    total = total + block;
  }
  marginal[i] = total * params.dg;
}
