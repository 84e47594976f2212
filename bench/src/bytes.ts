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
 * | conductanceFactor (1)| rowStats 16ng                                   | factor 16ng, diagnostics 16  |
 * | conductanceSolve     | forward sweep: dst 4C, factor 16ng; backward sweep: dst 4C again, factor 16ng | 4C per sweep: 8C |
 * | conductanceProject   | column sums dst 4C, factor 16ng                 | dst 4C                       |
 * | rowSecondHalf (ng wg)| as rowFirstHalf                                 | as rowFirstHalf              |
 * | recordDiagnostics (1)| rowStats 16ng, diagnostics 16                   | history 8, counter 4         |
 * | stateRowStats        | src 4C, cell coefficients 16nv, rowStats 16ng   | rowStats 16ng                |
 * | voltageMarginal      | src 4C                                          | marginal 4nv                 |
 *
 * conductanceSolve sweeps each column forward then backward: each cell is read and written in both
 * sweeps (16C), since a column of ng values cannot stay in registers. conductanceFactor with
 * EQUILIBRIUM_VECTOR (vc-limit) also writes factor.w twice: +32ng.
 * So a `vc` step moves 32C + O(nv + ng) bytes and a `vc-limit` step 24C + O(nv + ng).
 *
 * Particles (src/shaders/particlesStep.wgsl, stepNeuron): each neuron reads and writes its state, 4
 * bytes per array: vc, vc-threshold v and g (16 bytes per neuron-step); nnlif v (8 bytes), plus the
 * threshold with a threshold spread and the refractory time with τ > 0 (8 more each). The Philox draws
 * are computed, not loaded. The spike counter is one atomic per spiking neuron on one word, and
 * recordActivity reads and writes 32 bytes per step.
 */
import type { KernelName } from '../../src/host/kineticSolver';

export type KineticModel = 'vc' | 'vc-limit';

export function kernelBytes(kernel: KernelName, nv: number, ng: number, limit = false): number {
  const C = nv * ng;
  switch (kernel) {
    case 'rowFirstHalf':
    case 'rowSecondHalf':
      return 8 * C + 16 * ng + 16 * nv + 32 * ng;
    case 'conductanceFactor':
      return 16 * ng + 16 * ng + 16 + (limit ? 32 * ng : 0);
    case 'conductanceSolve':
      return 16 * C + 32 * ng;
    case 'conductanceProject':
      return 8 * C + 16 * ng;
    case 'recordDiagnostics':
      return 16 * ng + 16 + 12;
    case 'stateRowStats':
      return 4 * C + 16 * nv + 32 * ng;
    case 'voltageMarginal':
      return 4 * C + 4 * nv;
  }
}

/** The dispatches of one step, in order (KineticSolver.encodeStep). */
export function stepKernels(model: KineticModel): KernelName[] {
  return ['rowFirstHalf', 'conductanceFactor', model === 'vc-limit' ? 'conductanceProject' : 'conductanceSolve', 'rowSecondHalf', 'recordDiagnostics'];
}

export function kineticStepBytes(model: KineticModel, nv: number, ng: number): number {
  return stepKernels(model).reduce((sum, k) => sum + kernelBytes(k, nv, ng, model === 'vc-limit'), 0);
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
