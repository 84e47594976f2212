/**
 * Bytes each step (or kernel) must move between the GPU's memory and its cores, counted from the WGSL
 * kernels' global reads and writes (src/shaders/*.wgsl) and the dispatch list of KineticSolver.encodeStep.
 *
 * Counting rule: every element of a storage buffer that a kernel reads is counted once, every element it
 * writes once; re-reads within one invocation or workgroup of data it has just touched (the transport
 * stencil's neighbours, the second pass of rowStep over its own row) are taken to hit the cache, and
 * uniforms are free. A vec4 element is 16 bytes even when one component is used (the load is 16 bytes).
 * That is the traffic of the kernels as written; the roofline fraction is bytes/time over the
 * bandwidth of a plain copy kernel (2 × its buffer size per run). C = nv·ng cells of 4 bytes.
 *
 * | kernel (dispatch)    | reads                                           | writes                       |
 * |----------------------|-------------------------------------------------|------------------------------|
 * | rowFirstHalf (ng wg) | src 4C, row coefficients 16ng, cell coeff. 16nv, rowStats 16ng | dst 4C, rowStats 16ng |
 * | conductanceFactor (1)| rowStats 16ng                                   | factor 16(ng + P), diagnostics 16 |
 * | g-solve, P = 1       | forward sweep: dst 4C, factor 16ng; backward sweep: dst 4C again, factor 16ng | 4C per sweep: 8C |
 * | g-solve, P > 1       | forwardChunkEnds dst 4C; forwardSweep dst 4C, chunkCarry 8nvP; backwardSweep dst 4C, chunkCarry 8nvP; factor 16(ng + P) each | chunkCarry 8nvP twice, dst 4C twice |
 * | conductanceProject   | P = 1: column sums dst 4C, factor 16ng; P > 1: also chunkCarry 8nvP twice | dst 4C          |
 * | rowSecondHalf (ng wg)| as rowFirstHalf                                 | as rowFirstHalf              |
 * | recordDiagnostics (1)| rowStats 16ng, diagnostics 16                   | history 8, counter 4         |
 * | stateRowStats        | src 4C, cell coefficients 16nv, rowStats 16ng   | rowStats 16ng                |
 * | voltageMarginal      | src 4C                                          | marginal 4nv                 |
 *
 * P is the number of column chunks of the g-solve (KineticSolver.chunks). With P = 1 the solve sweeps
 * each column forward then backward: each cell is read and written in both sweeps (16C), since a
 * column of ng values cannot stay in registers. With P > 1 it reads the state once more (forwardChunkEnds,
 * 20C in all): forwardSweep's backward pass over its own chunk for B_k re-reads what the same
 * invocation has just written, counted as a cache hit. conductanceFactor with EQUILIBRIUM_VECTOR
 * (vc-limit) also writes factor.w twice: +32ng.
 * So a `vc` step moves 32C (P = 1) or 36C (P > 1) + O(nv·P + ng) bytes and a `vc-limit` step 24C + O(nv·P + ng).
 *
 * Particles (src/shaders/particlesStep.wgsl, stepNeuron): each neuron reads and writes its state, 4
 * bytes per array: vc, vc-threshold v and g (16 bytes per neuron-step); nnlif v (8 bytes), plus the
 * threshold with a threshold spread and the refractory time with τ > 0 (8 more each). The Philox draws
 * are computed, not loaded. The spike counter is one atomic per spiking neuron on one word, and
 * recordActivity reads and writes 32 bytes per step.
 */
import { type KernelName, stepStagesOf } from '../../src/host/kineticSolver';

export type KineticModel = 'vc' | 'vc-limit';

/** Bytes of one stage at grid nv × ng with P = `chunks` column chunks of the g-solve. */
export function kernelBytes(kernel: KernelName, nv: number, ng: number, limit = false, chunks = 1): number {
  const C = nv * ng;
  const carries = chunks > 1 ? 8 * nv * chunks : 0;
  const factor = 16 * (ng + chunks);
  switch (kernel) {
    case 'rowFirstHalf':
    case 'rowSecondHalf':
      return 8 * C + 16 * ng + 16 * nv + 32 * ng;
    case 'conductanceFactor':
      return 16 * ng + factor + 16 + (limit ? 32 * ng : 0);
    case 'conductanceSolve':
      return chunks > 1 ? 20 * C + 4 * carries + 3 * factor : 16 * C + 2 * factor;
    case 'conductanceProject':
      return 8 * C + 2 * carries + factor;
    case 'recordDiagnostics':
      return 16 * ng + 16 + 12;
    case 'stateRowStats':
      return 4 * C + 16 * nv + 32 * ng;
    case 'voltageMarginal':
      return 4 * C + 4 * nv;
  }
}

export function kineticStepBytes(model: KineticModel, nv: number, ng: number, chunks = 1): number {
  return stepStagesOf(model).reduce((sum, k) => sum + kernelBytes(k, nv, ng, model === 'vc-limit', chunks), 0);
}

export type ParticleBenchModel = 'vc' | 'nnlif';

/** State bytes per neuron-step of the bench's particle configs (nnlif without spread or refractoriness). */
export function particleBytesPerNeuronStep(model: ParticleBenchModel): number {
  return model === 'vc' ? 16 : 8;
}

export function particleStepBytes(model: ParticleBenchModel, count: number): number {
  return particleBytesPerNeuronStep(model) * count + 32;
}

/** The copy kernel reads and writes its buffer: 2 × bytes per run. */
export function copyBytes(bufferBytes: number): number {
  return 2 * bufferBytes;
}

/**
 * Bytes one NNLIF PDE step moves per member and node (nnlifStep.wgsl): the elimination reads n and writes
 * c, y', z' (16 B); the back substitution reads c, y', z' and writes y, z (20 B); the commit reads y, z and
 * writes n (12 B): 48 B per node. The member's parameters, state and history entry are noise beside it.
 */
export function nnlifStepBytes(members: number, nv: number): number {
  return members * (48 * nv + 32 + 32 + 16);
}

/**
 * Bytes one step of the elapsed-time model moves (elapsedStep.wgsl, one workgroup): the first pass reads
 * every age cell once (4 B; the later passes of the boundary relation re-read the invocation's own chunk, a
 * cache hit by the rule above), the commit writes every cell that can fire (4 B each: all of them with the
 * sigmoid firing rate of the bench, whose every cell loses a fraction), and the state (48 B read and
 * written), the history entry (16 B) and the delay ring's slot (4 B read, 4 B written) are the rest.
 */
export function elapsedStepBytes(ns: number): number {
  return 8 * ns + 2 * 48 + 16 + 8;
}

/**
 * Bytes one dispatch of neuronsStep.wgsl moves per neuron, uncoupled or coupled: the state read and written
 * once (2 · 4 · dim; it stays in registers over the dispatch's steps), the bias current and the trace index
 * read (8), the spike counters and the (first, last) window times read and written (32). Spike times and the
 * activity's atomics are written on spikes only and are not counted. An uncoupled dispatch takes many steps
 * (`stepsPerDispatch`), so its bytes per neuron-step shrink with them; a coupled one takes one.
 */
export function neuronsDispatchBytesPerNeuron(dim: number): number {
  return 8 * dim + 8 + 32;
}

export function neuronsStepBytes(dim: number, count: number, stepsPerDispatch: number): number {
  return (neuronsDispatchBytesPerNeuron(dim) * count) / stepsPerDispatch;
}
