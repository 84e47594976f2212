// Workgroup tree reduction in a fixed order: the same inputs give bitwise the same sum on every run
// and every device, and the rounding error grows like log2(WG) instead of WG.

override WG: u32 = 256u;  // a power of two; set by the host at pipeline creation

var<workgroup> scratch: array<vec4f, WG>;

// Must be called in uniform control flow by every invocation of the workgroup.
fn workgroupSum(lid: u32, x: vec4f) -> vec4f {
  scratch[lid] = x;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
    if (lid < stride) {
      scratch[lid] = scratch[lid] + scratch[lid + stride];
    }
    workgroupBarrier();
  }
  let total = scratch[0];
  workgroupBarrier();
  return total;
}
