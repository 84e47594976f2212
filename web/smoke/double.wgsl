// Smoke-test kernel: out[i] = in[i] * 2 + 1.
struct Params {
  n : u32,
}

@group(0) @binding(0) var<uniform> params : Params;
@group(0) @binding(1) var<storage, read> src : array<f32>;
@group(0) @binding(2) var<storage, read_write> dst : array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid : vec3<u32>) {
  let i = gid.x;
  if (i >= params.n) {
    return;
  }
  dst[i] = src[i] * 2.0 + 1.0;
}
