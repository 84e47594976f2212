// Bindings of the NNLIF Fokker–Planck solver (group 0), one explicit bind-group layout derived from this
// file on the host (src/host/layout.ts). A run holds M members (a batch: the same grid, each member its
// own parameters), each solved by one invocation per step, independently of the others, so a member is
// bitwise the same alone or in any batch. Mirrored in src/host/nnlifSolver.ts.

struct NnlifParams {
  nv: u32,            // unknown nodes per member
  members: u32,       // M
  delaySlots: u32,    // D + 1, D = the synaptic delay in steps
  capacity: u32,      // length of the history ring (slots)
  vmin: f32,
  h: f32,             // node spacing
  dt: f32,
  Nmax: f32,          // a step whose N exceeds it is not taken: the member stops with status blowup
  soft: u32,          // 0: hard threshold (absorbing at VF, node nv is VF with n = 0); 1: soft (loss above VF)
  softRate: f32,      // loss rate above VF (soft)
  VF: f32,
  vtop: f32,          // top of the domain: VF (hard) or vmax (soft)
}

// One member's parameters: drift −v + b·N(t − d), noise a0 + a1·N(t − d), reset VR (the node pair
// `cell`, `cell + 1` with weights 1 − theta, theta), refractory time tau (0 = none).
struct NnlifMember {
  b: f32,
  a0: f32,
  a1: f32,
  tau: f32,
  theta: f32,
  cell: u32,
  pad0: u32,
  pad1: u32,
}

// One member's running state. `clock` counts dispatches (the history slot), `taken` the steps taken.
struct NnlifMemberState {
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
@group(0) @binding(1) var<storage, read> members: array<NnlifMember>;
@group(0) @binding(2) var<storage, read_write> memberState: array<NnlifMemberState>;
@group(0) @binding(3) var<storage, read_write> density: array<f32>;      // M × nv, member-major
@group(0) @binding(4) var<storage, read_write> scratch: array<f32>;      // M × nv × 3: c, y, z of the solve
@group(0) @binding(5) var<storage, read_write> delayRing: array<f32>;    // M × (D + 1): N^j at slot j mod (D + 1)
@group(0) @binding(6) var<storage, read_write> history: array<vec4f>;    // capacity × M: (N, Σ w n + R, R, 0) per slot
