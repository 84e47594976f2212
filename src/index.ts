/**
 * kinfire as a library: the same solver the CLI and the browser use.
 *
 *   import { openGpu, resolveConfig, runSimulation } from 'kinfire';
 *   const gpu = await openGpu();
 *   const result = await runSimulation(gpu, resolveConfig({ params: { b: 0.7 } }));
 */
export { ConfigError, type ConfigInput, configSchema, type KinfireConfig, type ModelKind, resolveConfig, applyOverrides, defaultGmax } from './models/config';
export {
  bernoulli,
  discreteConductanceEquilibrium,
  firingRate,
  firingRateCellAverage,
  type Grid,
  gridOf,
  initialDensity,
} from './models/discretization';
export { KineticReference, conductanceFactor, conductanceStep, stateDiagnostics, transportRow } from './models/reference/kineticReference';
export { type AdapterSummary, describeAdapter, type GpuContext, GpuUnavailableError, openGpu } from './host/gpu';
export { type ActivityBlock, checkGridFits, GridTooLargeError, KineticSolver } from './host/kineticSolver';
export { massNearGmax, type RunHooks, type RunProgress, type RunResult, runSimulation, type RunStatus, type Snapshot } from './host/run';
export {
  type NnlifModelParams,
  type ParticleConfig,
  type ParticleModelKind,
  type ParticleNetwork,
  type ParticlePopulation,
  type ParticleSettings,
  resolveParticleConfig,
} from './models/config';
export {
  checkParticleMemory,
  MAX_PARTICLE_POPULATIONS,
  maxSliceCount,
  networkSlices,
  particlePopulations,
  type ParticlePopulationSpec,
  particleSlices,
  particleStateBytes,
  PARTICLE_STREAMS,
  type ParticleBlock,
  type ParticleHistogram,
  type ParticleHistogramPart,
  particleHistogramGrid,
  ParticleSystem,
  type ParticleSystemOptions,
} from './host/particleSystem';
export { type ParticlePopulationResult, type ParticleRunHooks, type ParticleRunResult, type ParticleRunStatus, type ParticleSnapshot, runParticles } from './host/particleRun';
export { batchMeans, type BatchMeansResult } from './models/particles/statistics';
export { nnlifLogMeanInterval, nnlifParticleSteadyRates } from './models/particles/nnlifReference';
export { type ColorRangeSetting, type ColorScale, colorScaleRange } from './render/colorScale';
export { type DensityDrawSettings, DensityRenderer, type ParticlePoints } from './render/webgpu/densityRenderer';
