// The range of the density for the colour scale, on the GPU so the frame needs no readback: per row
// the largest value and the smallest positive one (rowRanges, one workgroup per row), then the same over
// the rows (totalRange, one workgroup). max and min are exact in any order, so the result does not
// depend on the workgroup size. Negative values (there are none: the scheme is positive) would count as 0.

struct RangeDims {
  nv: u32,
  ng: u32,
}

@group(0) @binding(0) var<uniform> dims: RangeDims;
@group(0) @binding(1) var<storage, read> density: array<f32>;
// (max, smallest positive) of each row
@group(0) @binding(2) var<storage, read_write> rowRange: array<vec2f>;
// (max, smallest positive, 0, 0) of the whole grid; smallest positive = F32_MAX when p ≡ 0
@group(0) @binding(3) var<storage, read_write> range: vec4f;

const F32_MAX: f32 = 0x1.fffffep+127f;
override WG: u32 = 64u;

var<workgroup> scratch: array<vec2f, WG>;

// Tree reduction of (max, min); called in uniform control flow by every invocation.
fn workgroupMaxMin(lid: u32, x: vec2f) -> vec2f {
  scratch[lid] = x;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
    if (lid < stride) {
      let other = scratch[lid + stride];
      scratch[lid] = vec2f(max(scratch[lid].x, other.x), min(scratch[lid].y, other.y));
    }
    workgroupBarrier();
  }
  return scratch[0];
}

@compute @workgroup_size(WG)
fn rowRanges(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = wid.x * dims.nv;
  var r = vec2f(0.0, F32_MAX);
  for (var i = lid; i < dims.nv; i = i + WG) {
    let p = density[row + i];
    r.x = max(r.x, p);
    if (p > 0.0) {
      r.y = min(r.y, p);
    }
  }
  let total = workgroupMaxMin(lid, r);
  if (lid == 0u) {
    rowRange[wid.x] = total;
  }
}

@compute @workgroup_size(WG)
fn totalRange(@builtin(local_invocation_index) lid: u32) {
  var r = vec2f(0.0, F32_MAX);
  for (var j = lid; j < dims.ng; j = j + WG) {
    let row = rowRange[j];
    r = vec2f(max(r.x, row.x), min(r.y, row.y));
  }
  let total = workgroupMaxMin(lid, r);
  if (lid == 0u) {
    range = vec4f(total, 0.0, 0.0);
  }
}
