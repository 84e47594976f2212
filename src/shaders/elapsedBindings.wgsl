// Bindings of the elapsed-time model's solver (group 0; the layout is derived from this file on the host,
// src/host/layout.ts). One run, one workgroup: the age cells (mass per cell) form a ring, logical cell i at
// ring[(head + i) % ns], so the transport by one cell per step moves `head`, not the data. Mirrored in
// src/host/elapsedSolver.ts; the f64 twin is src/models/elapsed/scheme.ts.

struct ElapsedParams {
  ns: u32,            // age cells, each of width dt; the last collects every age ≥ (ns − 1)·dt
  capacity: u32,      // slots of the history ring
  kernel: u32,        // 0 instant, 1 delay, 2 exponential
  firing: u32,        // 0 threshold, 1 sigmoid
  ageKind: u32,       // s*(X): 0 hyperbolic s0/(1 + kX), 1 linear max(s0 − kX, smin)
  infinite: u32,      // 1: φ0 = ∞ (threshold firing exactly at s*)
  delaySlots: u32,    // D, the delay in steps (1 for the other kernels)
  pad0: u32,
  dt: f32,
  Nmax: f32,          // a step whose N exceeds it is not taken (status blowup)
  b: f32,
  phi0: f32,
  w: f32,
  s0: f32,
  k: f32,
  smin: f32,
  decay: f32,         // e^{−dt/τ} of the exponential kernel
  tol: f32,           // relative width at which the boundary relation's bracket is closed
  pad1: f32,
  pad2: f32,
}

struct ElapsedState {
  head: u32,
  taken: u32,         // steps taken
  clock: u32,         // dispatches (the history slot)
  status: u32,        // 0 running, 1 blowup (N > Nmax), 2 nonfinite
  N: f32,             // N^k: the mass fired in the latest step over dt
  Y: f32,             // the exponential kernel's ∫ α(u) N(t − u) du
  X: f32,             // the input of the latest step
  mass: f32,          // Σ cells after the latest step
  nonunique: u32,     // steps whose boundary relation had more than one root
  pad0: u32,
  pad1: u32,
  pad2: u32,
}

@group(0) @binding(0) var<uniform> params: ElapsedParams;
@group(0) @binding(1) var<storage, read_write> state: ElapsedState;
@group(0) @binding(2) var<storage, read_write> ring: array<f32>;        // ns: mass per age cell
@group(0) @binding(3) var<storage, read_write> delayRing: array<f32>;   // D: N^j at slot j mod D (0 before t = 0)
@group(0) @binding(4) var<storage, read_write> history: array<vec4f>;   // capacity: (N, mass, X, 1 if non-unique) per step
@group(0) @binding(5) var<storage, read_write> suffix: array<f32>;      // ns + 1: Σ_{k ≥ i} m_k of this step's cells (scratch)
