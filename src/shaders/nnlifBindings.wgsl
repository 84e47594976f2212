// Bindings of the NNLIF Fokker–Planck solver (group 0), one explicit bind-group layout derived from this
// file on the host (src/host/layout.ts). A run holds M members (a batch: each member its own parameters),
// each a network of K populations (K = 1 for one population; K = 2 for excitatory–inhibitory). A member is
// solved by one invocation per step, independently of the others, so it is bitwise the same alone or in
// any batch. Arrays indexed by population are member-major: entry m·K + α. Mirrored in
// src/host/nnlifSolver.ts.

const MAX_POPULATIONS: u32 = 8u;

struct NnlifParams {
  members: u32,       // M
  populations: u32,   // K ≤ MAX_POPULATIONS
  nv: u32,            // unknown nodes per population
  delaySlots: u32,    // D + 2, D = the synaptic delay in steps
  capacity: u32,      // length of the history ring (slots)
  dt: f32,
  Nmax: f32,          // a step with an N above it is not taken: the member stops with status blowup
  pad0: u32,
}

// One population of one member: its grid (nodes vmin + i·h; hard threshold: node nv is VF with n = 0,
// soft: the last node is vtop = vmax and the loss rate acts above VF), noise a0, refractory time tau
// (0 = none), and the reset VR as the node pair `cell`, `cell + 1` with weights 1 − theta, theta.
struct NnlifPopulation {
  vmin: f32,
  h: f32,
  VF: f32,
  vtop: f32,
  soft: u32,
  softRate: f32,
  a0: f32,
  tau: f32,
  theta: f32,
  cell: u32,
  pad0: u32,
  pad1: u32,
}

// One population's running state. `clock` counts dispatches (the history slot), `taken` the steps taken;
// `status` is the member's (all its populations stop together).
struct NnlifPopulationState {
  N: f32,             // N^k, the rate of the latest step taken
  R: f32,             // the refractory mass
  mass: f32,          // Σ w n + R after the latest step
  taken: u32,
  clock: u32,
  status: u32,        // 0 running, 1 blowup (N > Nmax), 2 nonfinite
  pad0: u32,
  pad1: u32,
}

@group(0) @binding(0) var<uniform> params: NnlifParams;
@group(0) @binding(1) var<storage, read> populations: array<NnlifPopulation>;   // M × K
@group(0) @binding(2) var<storage, read> coupling: array<vec2f>;                // M × K × K: (b_αβ, a1_αβ)
@group(0) @binding(3) var<storage, read_write> populationState: array<NnlifPopulationState>;  // M × K
@group(0) @binding(4) var<storage, read_write> density: array<f32>;      // M × K × nv
@group(0) @binding(5) var<storage, read_write> scratch: array<f32>;      // M × K × nv × 3: c, y, z of the solves
@group(0) @binding(6) var<storage, read_write> delayRing: array<f32>;    // M × K × (D + 2): N^j at slot j mod (D + 2)
@group(0) @binding(7) var<storage, read_write> history: array<vec4f>;    // capacity × M × K: (N, Σ w n + R, R, 0) per slot
