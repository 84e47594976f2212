// Bindings shared by every kernel of the particle system (group 0). One explicit bind-group layout is
// derived from this file on the host (src/host/layout.ts, bindingLayout), so every particle
// kernel takes the same bind group. Requires random.wgsl (Philox) for the kernels that draw.
//
// Stream ids of the Philox counter (neuron, step, stream, block): one per use of randomness, so that
// adding or skipping a use never shifts the numbers of another. A draw is made only where it is needed
// (e.g. the bridge only near the threshold), which changes nothing else: every number is a pure function
// of (seed, population, neuron, step, stream, block), the population entering the key (drawKey) and the
// neuron being its index within its population. Mirrored in src/host/particleSystem.ts (PARTICLE_STREAMS).
const STREAM_CONDUCTANCE_NOISE: u32 = 0u;  // vc: the Gaussian of the exact OU transition of g
const STREAM_FIRING: u32 = 1u;             // vc: the firing draws of the two half steps (.x, .y)
const STREAM_BRIDGE: u32 = 2u;             // nnlif: the Brownian-bridge crossing draw
const STREAM_REFRACTORY: u32 = 3u;         // nnlif: the exponential refractory time after a spike
const STREAM_THRESHOLD: u32 = 4u;          // nnlif: the new threshold drawn at a reset
const STREAM_VOLTAGE_NOISE: u32 = 5u;      // nnlif: the Gaussian of the exact OU transition of V
const STREAM_REFLECTION: u32 = 6u;         // vc: the accept/reject draw of the folded g proposal
const STREAM_INIT_VOLTAGE: u32 = 7u;       // t = 0 (step 0): initial v, blocks 0, 1, ... (rejection)
const STREAM_INIT_CONDUCTANCE: u32 = 8u;   // t = 0 (step 0): initial g, blocks 0, 1, ...
const STREAM_INIT_THRESHOLD: u32 = 9u;     // t = 0 (step 0): initial thresholds
const STREAM_SOFT_FIRING: u32 = 10u;       // nnlif, soft threshold: the firing draw above VF
const STREAM_INIT_AGE: u32 = 11u;          // elapsed, t = 0 (step 0): the initial age cell (.x) and the place in it (.y)
const STREAM_AGE_FIRING: u32 = 12u;        // elapsed: the Exp(1) of the k-th spike of a step (block k)

const MAX_POPULATIONS: u32 = 8u;
// elapsed: the threshold age s* = infinity (hyperbolic s* with 1 + kX <= 0): the neurons cannot fire
const AGE_NEVER: f32 = 3.0e38;

// One population: vc and vc-threshold have one; nnlif K <= MAX_POPULATIONS, the neurons of population
// alpha in their own state slices (ParticleSlice.population). Mirrored in src/host/particleSystem.ts.
struct ParticlePopulation {
  count: u32,              // neurons of the population
  invCountDt: f32,         // 1 / (count dt): N = spikes / (count dt)
  vlo: f32,                // bottom of the population's histogram v axis
  invDv: f32,
  VR: f32,                 // reset potential (vc: VR; vc-threshold: VL; nnlif: VR)
  VF: f32,                 // threshold (nnlif: the centre of the threshold distribution)
  a0: f32,                 // nnlif: the noise a = a0 + sum_beta a1[alpha][beta] N_beta
  tau: f32,                // nnlif: mean refractory time
  softFire: f32,           // nnlif, soft threshold: the firing probability over a step above VF, 1 - e^{-rate dt} (f64)
  soft: u32,               // nnlif: 1 soft threshold, 0 hard
  // initial data: v = v0 + sv z, z standard normal truncated to [alphaV, betaV]
  v0: f32,
  sv: f32,
  alphaV: f32,
  betaV: f32,              // >= 1e30 means +infinity
  pad0: u32,
  pad1: u32,
}

struct ParticleParams {
  populationCount: u32,    // K
  historyCapacity: u32,    // length of the history ring (entries of K slots)
  seed: vec2u,             // Philox key of population 0 (seed low, seed high); population alpha: (low, high + alpha)
  dt: f32,
  halfDt: f32,
  smoothDecay: f32,        // e^{-dt/tauN} (0 without smoothing)
  smoothGain: f32,         // 1 - e^{-dt/tauN} (1 without smoothing), computed in f64
  nv: u32,                 // histogram cells in v
  ng: u32,                 // histogram cells in g (1 for nnlif)
  invDg: f32,              // 0 for nnlif
  // voltage-conductance models (vc, vc-threshold)
  gL: f32,
  VL: f32,
  VE: f32,
  gin: f32,
  b: f32,                  // vc: Geq = gin + b N
  rho: f32,                // e^{-dt/eps}
  ouStd: f32,              // sqrt(a (1 - rho^2)), in f64
  invOuVar: f32,           // 1 / (a (1 - rho^2)), in f64
  phiKind: u32,            // 0 step, 1 constant, 2 sigmoid
  phiRate: f32,
  phiWidth: f32,
  // nnlif
  decay: f32,              // e^{-dt}
  varFactor: f32,          // 1 - e^{-2 dt}, in f64
  bridgeFactor: f32,       // 2 sinh(dt) = e^{dt} - e^{-dt}, in f64
  spread: f32,             // threshold spread s (every population)
  // vc initial g: N(g0, sg^2) truncated to [alphaG, betaG]
  g0: f32,
  sg: f32,
  alphaG: f32,
  betaG: f32,
  // nnlif: the synaptic delay in steps (the neurons see N of delaySteps steps ago); elapsed: D − 1 for its
  // delay kernel (the step n + 1 sees N_{n+1−D}, as the PDE), else 0
  delaySteps: u32,
  // elapsed (renewal neurons; stateV holds the age s): X = elapsedB · (the activity seen), the threshold age
  // s*(X) and the firing rate p(s, X) of src/models/elapsed/config.ts
  elapsedB: f32,
  ageKind: u32,            // s*(X): 0 hyperbolic s0 / (1 + kX) (never where 1 + kX <= 0), 1 linear max(s0 - kX, smin)
  ageS0: f32,
  ageK: f32,
  ageSmin: f32,
  ageFiring: u32,          // p: 0 threshold phi0 1{s > s*}, 1 sigmoid phi0 / (1 + e^{-(s - s*)/w})
  ageInfinite: u32,        // threshold with phi0 = infinity: a spike exactly when the age reaches s*
  agePhi0: f32,
  ageWidth: f32,           // w of the sigmoid
  ageQuiet: f32,           // an age that stays this far below s* over the rest of a step cannot fire (elapsedQuietMargin)
  ageCells: u32,           // ns: the entries of initialAgeCdf
  ageImplicit: u32,        // 1: the instant kernel with b != 0, the step's spike count solved implicitly (searchSpikes)
  ageMaxSpikes: u32,       // Kmax = count · MAX_AGE_SPIKES (at most 2^32 - 1): the most spikes one step can count
  populations: array<ParticlePopulation, MAX_POPULATIONS>,
  // nnlif: (b[alpha][beta], a1[alpha][beta], 0, 0) at MAX_POPULATIONS alpha + beta, the effect of population beta on alpha
  coupling: array<vec4f, 64>,
}

// The neurons of one state slice, all of one population: indices offset … offset + count − 1 within the
// population, stored at 0 … count − 1 of this slice's state buffers. A population larger than one storage
// binding is split into slices, one bind group each (src/host/particleSystem.ts); Philox is keyed by the
// index within the population, so a split run draws bitwise the numbers of an unsplit one.
struct ParticleSlice {
  offset: u32,
  count: u32,
  population: u32,
}

// elapsed, instant kernel: the search of the step's spike count K, f(K) = K (searchSpikes in
// particlesDiagnostics.wgsl, spikeSearch in src/models/particles/elapsedReference.ts). The root lies in
// [lo, hi]: f(lo - 1) > lo - 1 (or lo = 0), f(hi) <= hi; converged when lo >= hi.
struct SpikeSearch {
  count: atomic<u32>,      // f(candidate): the spikes of the step at the candidate's s*, summed by countSpikes
  lo: u32,
  hi: u32,
  candidate: u32,          // the K whose s*(b K / (count dt)) is in control.input[0] while the search runs
  scanning: u32,           // b > 0: 1 while the geometric scan looks for the first crossing
  evaluations: u32,        // counting passes that ran (not skipped), summed over the steps: the search's cost
}

struct ParticleControl {
  step: u32,                                    // the step being taken: its draws use counter word 1 = step
  spikes: array<atomic<u32>, MAX_POPULATIONS>,  // spikes of each population counted during the step being taken
  feedback: array<f32, MAX_POPULATIONS>,        // the latest N of each population (smoothed when tauN > 0): the filters' state
  seen: array<f32, MAX_POPULATIONS>,            // N seen by the next step: the feedback of delaySteps steps ago (0 before t = 0)
  input: array<vec2f, MAX_POPULATIONS>,         // nnlif: (mu, a) of each population at the N seen; elapsed: (X, s*(X)) (updateInput)
  search: SpikeSearch,                          // elapsed, instant kernel: the implicit step's search
}

@group(0) @binding(0) var<uniform> params: ParticleParams;
// v of each neuron of the slice (elapsed: its age s)
@group(0) @binding(1) var<storage, read_write> stateV: array<f32>;
@group(0) @binding(7) var<uniform> slice: ParticleSlice;
// vc, vc-threshold: g of each neuron. nnlif with thresholdSpread > 0: the neuron's threshold.
@group(0) @binding(2) var<storage, read_write> stateG: array<f32>;
// nnlif with tau > 0: remaining refractory time (0 = active)
@group(0) @binding(3) var<storage, read_write> stateR: array<f32>;
@group(0) @binding(4) var<storage, read_write> control: ParticleControl;
// (spikes, bitcast<u32>(feedback)) of population alpha in the step ending at t_n, at (n % historyCapacity) K + alpha;
// entry 0 is t = 0
@group(0) @binding(5) var<storage, read_write> history: array<vec2u>;
// per population alpha, at alpha (nv ng + 2): nv * ng cell counts (v fastest), then [cells] = particles outside
// the grid, [cells + 1] = refractory
@group(0) @binding(6) var<storage, read_write> histogram: array<atomic<u32>>;
// elapsed: the cumulative distribution of the PDE's initial age cells (ageCells entries, the last one 1;
// elapsedInitialAgeCdf in src/models/particles/elapsedReference.ts); one unused entry for the other models
@group(0) @binding(8) var<storage, read> initialAgeCdf: array<f32>;

// The population of the slice being processed.
fn population() -> ParticlePopulation {
  return params.populations[slice.population];
}

// The Philox key of the slice's population: (seed low, seed high + alpha). Population 0 draws with the
// seed's own key, so population alpha of a run with seed s draws the numbers of a one-population run with
// seed s + alpha 2^32 (its counter words are the same: index within the population, step, stream, block).
fn drawKey() -> vec2u {
  return vec2u(params.seed.x, params.seed.y + slice.population);
}

// The slot (index within the slice) of an invocation in a 2D dispatch of WG-wide workgroups (x fastest).
fn particleIndex(wid: vec3u, nwg: vec3u, lid: u32, wg: u32) -> u32 {
  return (wid.y * nwg.x + wid.x) * wg + lid;
}
