// The range of the density for the colour scale, on the GPU so the frame needs no readback: per row
// the largest value and the smallest positive one (rowRanges, one workgroup per row), then the same over
// the rows (totalRange, one workgroup). max and min are exact in any order, so the result does not
// depend on the workgroup size. Also the smallest value of any sign, for data that are not densities (the
// Wilson–Cowan field N, drawn over [min, max]).

struct RangeDims {
  nv: u32,
  ng: u32,
}

@group(0) @binding(0) var<uniform> dims: RangeDims;
@group(0) @binding(1) var<storage, read> density: array<f32>;
// (max, smallest positive, min, 0) of each row
@group(0) @binding(2) var<storage, read_write> rowRange: array<vec4f>;
// (max, smallest positive, min, 0) of the whole grid; smallest positive = F32_MAX when p ≡ 0
@group(0) @binding(3) var<storage, read_write> range: vec4f;

const F32_MAX: f32 = 0x1.fffffep+127f;
override WG: u32 = 64u;

var<workgroup> scratch: array<vec4f, WG>;

// Tree reduction of (max, min positive, min); called in uniform control flow by every invocation.
fn workgroupMaxMin(lid: u32, x: vec4f) -> vec4f {
  scratch[lid] = x;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
    if (lid < stride) {
      let other = scratch[lid + stride];
      scratch[lid] = vec4f(max(scratch[lid].x, other.x), min(scratch[lid].yz, other.yz), 0.0);
    }
    workgroupBarrier();
  }
  return scratch[0];
}

@compute @workgroup_size(WG)
fn rowRanges(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = wid.x * dims.nv;
  var r = vec4f(-F32_MAX, F32_MAX, F32_MAX, 0.0);
  for (var i = lid; i < dims.nv; i = i + WG) {
    let p = density[row + i];
    r.x = max(r.x, p);
    if (p > 0.0) {
      r.y = min(r.y, p);
    }
    r.z = min(r.z, p);
  }
  let total = workgroupMaxMin(lid, r);
  if (lid == 0u) {
    rowRange[wid.x] = total;
  }
}

@compute @workgroup_size(WG)
fn totalRange(@builtin(local_invocation_index) lid: u32) {
  var r = vec4f(-F32_MAX, F32_MAX, F32_MAX, 0.0);
  for (var j = lid; j < dims.ng; j = j + WG) {
    let row = rowRange[j];
    r = vec4f(max(r.x, row.x), min(r.yz, row.yz), 0.0);
  }
  let total = workgroupMaxMin(lid, r);
  if (lid == 0u) {
    range = total;
  }
}
