// Fill kernel of the random-number helper (src/host/random.ts): writes `perNeuron` values per neuron
// for (seed, step, stream) with the Philox draws of random.wgsl. Value k of neuron n goes to k*count + n.
// Requires random.wgsl.
struct RandomFillParams {
  seed: vec2u,      // (low, high)
  step: u32,
  stream: u32,
  count: u32,       // neurons
  perNeuron: u32,   // K values per neuron
  blocks: u32,      // ceil(K / 4) Philox calls per neuron
  kind: u32,        // 0 bits, 1 uniform, 2 normal
}

@group(0) @binding(0) var<uniform> fill: RandomFillParams;
@group(0) @binding(1) var<storage, read_write> values: array<u32>;

override RANDOM_WG: u32 = 64u;

// One invocation per (neuron, block); invocation t = block * count + neuron.
@compute @workgroup_size(RANDOM_WG)
fn randomFill(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
              @builtin(local_invocation_index) lid: u32) {
  let t = (wid.y * nwg.x + wid.x) * RANDOM_WG + lid;
  if (t >= fill.count * fill.blocks) {
    return;
  }
  let neuron = t % fill.count;
  let block = t / fill.count;
  let bits = philox4x32_10(vec4u(neuron, fill.step, fill.stream, block), fill.seed);
  var v = bits;
  if (fill.kind == 1u) {
    v = bitcast<vec4u>(vec4f(uniform01(bits.x), uniform01(bits.y), uniform01(bits.z), uniform01(bits.w)));
  } else if (fill.kind == 2u) {
    v = bitcast<vec4u>(normalQuad(bits));
  }
  for (var j = 0u; j < 4u; j = j + 1u) {
    let k = 4u * block + j;
    if (k < fill.perNeuron) {
      values[k * fill.count + neuron] = v[j];
    }
  }
}
