// Bindings of the single-neuron ensembles (group 0; the layout is derived from this file on the host,
// src/host/layout.ts). One invocation per neuron; the state is structure-of-arrays, component c of neuron i at
// state[c·count + i]. Mirrored in src/host/neuronEnsemble.ts; the f64 twin is src/models/neurons/reference.ts.

struct NeuronsParams {
  count: u32,         // M neurons
  stepStart: u32,     // the index n of the first step of this dispatch (t_n = n·dt)
  stepCount: u32,     // steps taken by this dispatch
  traceEvery: u32,    // a trace sample after every traceEvery-th step
  traceSlots: u32,    // slots of the trace ring (per traced neuron)
  traced: u32,        // traced neurons
  spikeSlots: u32,    // K: the first K spike times of every neuron are kept
  inputKind: u32,     // 0 constant, 1 step, 2 sine, 3 noise
  seedLo: u32,        // the noise's Philox key
  seedHi: u32,
  rowStride: u32,     // invocations per row of the 2D dispatch (workgroups in x · WG)
  pad0: u32,
  dt: f32,
  threshold: f32,     // a spike: the potential crosses it upwards
  window: f32,        // spikes at t ≥ window count for the firing rate
  noiseScale: f32,    // (σ/C)·√dt: the potential's noise increment per standard normal
  inOn: f32,          // step input: on ≤ t < off
  inOff: f32,
  amplitude: f32,     // sine input: amplitude·sin(2π f t)
  twoF: f32,          // 2 f
  J: f32,             // mean-field coupling: the input of step n is I_i + J·N_{n−1}
  pad1: f32,
  pad2: f32,
  pad3: f32,
  p: array<vec4f, 4>, // the model's parameters in the table's order (models.ts): p[k/4][k%4]
}

@group(0) @binding(0) var<uniform> params: NeuronsParams;
@group(0) @binding(1) var<storage, read_write> state: array<f32>;       // DIM·count, structure-of-arrays
@group(0) @binding(2) var<storage, read> current: array<f32>;          // count: the bias current I_i
@group(0) @binding(3) var<storage, read> traceIndex: array<u32>;       // count: the trace slot of neuron i, 0xffffffff when not traced
@group(0) @binding(4) var<storage, read_write> counts: array<vec2u>;   // count: (spikes, spikes at t ≥ window)
@group(0) @binding(5) var<storage, read_write> times: array<vec2f>;    // count: (first, last) spike at t ≥ window
@group(0) @binding(6) var<storage, read_write> spikeTimes: array<f32>; // count·K: the first K spike times of neuron i at [i·K + k]
@group(0) @binding(7) var<storage, read_write> traces: array<vec4f>;   // traceSlots·traced: sample s of trace j at [(s mod traceSlots)·traced + j]
// [0]: the step clock of coupled runs (neuronsTick); [4 + (n mod ACTIVITY_SLOTS)]: the spikes of the ensemble in step n
// (integer atomics: the sum is the same in every order, so the population activity is bitwise reproducible)
@group(0) @binding(8) var<storage, read_write> coupling: array<atomic<u32>>;
