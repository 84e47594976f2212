// Draws neurons of the particle system as points at (v_i, g_i), reading the particle state buffers
// directly. The neurons are exchangeable (i.i.d. at t = 0 and symmetric after), so every stride-th
// neuron of a slice is a fair sample when the population is too large to draw whole.

struct ParticleView {
  stride: u32,
  _pad: u32,
  vlo: f32,
  invVSpan: f32,           // 1 / (vhi - vlo)
  invGmax: f32,
  _pad2: f32,
  _pad3: vec2f,
  color: vec4f,
}

@group(0) @binding(0) var<uniform> particleView: ParticleView;
@group(0) @binding(1) var<storage, read> stateV: array<f32>;
@group(0) @binding(2) var<storage, read> stateG: array<f32>;

@vertex
fn particlePoint(@builtin(vertex_index) k: u32) -> @builtin(position) vec4f {
  let i = k * particleView.stride;
  let x = (stateV[i] - particleView.vlo) * particleView.invVSpan;
  let y = stateG[i] * particleView.invGmax;
  return vec4f(2.0 * x - 1.0, 2.0 * y - 1.0, 0.0, 1.0);
}

@fragment
fn particleColor() -> @location(0) vec4f {
  return particleView.color;
}
