// Bindings shared by every kernel of the kinetic step (group 0). One explicit bind-group layout is
// derived from this file on the host (src/host/layout.ts), so all step kernels take the same bind
// group and differ only in which ping-pong buffer is `src` and which is `dst`.

struct Params {
  nv: u32,
  ng: u32,
  reinjectCell: u32,     // cell holding VR (0 when VR = VL)
  historyCapacity: u32,  // length of the ring buffer diagnostics.history
  dv: f32,
  dg: f32,
  dt: f32,
  halfDt: f32,
  kappa: f32,            // dt a / (eps dg^2), the stiffness of the g-step (computed in f64)
  dgOverA: f32,          // dg / a
  gin: f32,
  b: f32,
  gL: f32,
  VL: f32,
  VE: f32,
  vhi: f32,              // top of the v axis: VE (vc) or VF (vc-threshold)
  chunkRows: u32,        // rows per chunk of the g-step's column solve (the last chunk may be shorter)
  chunkCount: u32,       // chunks per column: 1 = one invocation sweeps the whole column
}

// Per row j (first ng entries): (c_j, gamma_j, g_j, 0), see transportRowCoefficients.
// Per cell i (next nv entries):  (phi_i, survival_i = e^{-phi_i dt/2}, 0, 0).
struct Diagnostics {
  step: u32,             // index of the next history entry (= number of steps taken + 1)
  nStar: f32,            // N* used by the last g-step
  geq: f32,              // Geq = gin + b N* of the last g-step
  _pad: f32,
  history: array<vec2f>, // (N, mass) at t_n = n dt, stored at n % historyCapacity
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;
@group(0) @binding(3) var<storage, read> coefficients: array<vec4f>;
// Per row: (N* partial or outflow rate of the first half, outflow of the first half, N_j, mass_j).
@group(0) @binding(4) var<storage, read_write> rowStats: array<vec4f>;
// Per row j < ng of the g-step factorization: (forward multiplier, upper, 1/pivot, M_j or scratch);
// per chunk k after them, at ng + k: (product of the chunk's forward multipliers, product of its
// backward multipliers, 0, 0). See conductanceStep.wgsl.
@group(0) @binding(5) var<storage, read_write> factor: array<vec4f>;
@group(0) @binding(6) var<storage, read_write> diagnostics: Diagnostics;
@group(0) @binding(7) var<storage, read_write> marginal: array<f32>;
// Per (chunk k, column i) at k nv + i: (forward sweep's value at the chunk's end when it starts from 0,
// backward sweep's value at the chunk's start when it starts from 0); vc-limit: (column mass of the chunk, 0).
@group(0) @binding(8) var<storage, read_write> chunkCarry: array<vec2f>;

fn rowCoefficients(j: u32) -> vec4f { return coefficients[j]; }
fn cellCoefficients(i: u32) -> vec4f { return coefficients[params.ng + i]; }
