// The population density of a neuron ensemble over a plane of two state variables (src/models/neurons/histogram.ts):
// one invocation per neuron adds 1 to the bin of its point, or to the count of those outside. Integer atomics: the
// counts are the same in every order of the additions, so the histogram is bitwise reproducible. The bin of x is
// floor((x − lo)·scale) in f32, scale = n/(hi − lo) rounded to f32 on the host: histogram.ts binF32 is its twin.
// The layout of the bindings is derived from this file on the host (src/host/layout.ts).

struct HistogramParams {
  count: u32,      // M neurons
  nx: u32,
  ny: u32,
  xOffset: u32,    // xComponent·M: where the x variable of neuron 0 is in the state
  yOffset: u32,
  rowStride: u32,  // invocations per row of the 2D dispatch
  pad0: u32,
  pad1: u32,
  xLo: f32,
  xScale: f32,
  yLo: f32,
  yScale: f32,
  densityScale: f32, // 1/(M·Δx·Δy): a count as a density
  pad2: f32,
  pad3: f32,
  pad4: f32,
}

@group(0) @binding(0) var<uniform> params: HistogramParams;
@group(0) @binding(1) var<storage, read> state: array<f32>;            // the ensemble's state, component c of neuron i at c·M + i
@group(0) @binding(2) var<storage, read_write> bins: array<atomic<u32>>; // nx·ny counts, bin (i, j) at j·nx + i, then the count outside
@group(0) @binding(3) var<storage, read_write> density: array<f32>;       // nx·ny: the counts as a density, for drawing (densityRender.wgsl)

override WG: u32 = 64u;

// The bin of x on an axis, or −1 outside [lo, hi) or not finite (a NaN fails u >= 0).
fn binOf(x: f32, lo: f32, scale: f32, n: u32) -> i32 {
  let u = (x - lo) * scale;
  if (!(u >= 0.0) || u >= f32(n)) {
    return -1;
  }
  return min(i32(floor(u)), i32(n) - 1);
}

@compute @workgroup_size(WG)
fn neuronsHistogram(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.y * params.rowStride + gid.x;
  if (i >= params.count) {
    return;
  }
  let bx = binOf(state[params.xOffset + i], params.xLo, params.xScale, params.nx);
  let by = binOf(state[params.yOffset + i], params.yLo, params.yScale, params.ny);
  if (bx < 0 || by < 0) {
    atomicAdd(&bins[params.nx * params.ny], 1u);
  } else {
    atomicAdd(&bins[u32(by) * params.nx + u32(bx)], 1u);
  }
}

// The counts as a density, counts/(M·Δx·Δy), laid out as the density renderer reads a state (x fastest, row 0 at the lowest y).
@compute @workgroup_size(WG)
fn histogramDensity(@builtin(global_invocation_id) gid: vec3u) {
  let k = gid.x;
  if (k >= params.nx * params.ny) {
    return;
  }
  density[k] = f32(atomicLoad(&bins[k])) * params.densityScale;
}
