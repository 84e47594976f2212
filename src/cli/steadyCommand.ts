/**
 * `kinfire steady`: every steady state of the limit (voltage) model for a config's parameters, with its
 * stability (by perturbed time evolution of the limit model, see src/models/limit/stability.ts); for model
 * nnlif, every steady rate of the NNLIF network (src/models/nnlif/steadyRate.ts, stability.ts).
 */
import type { Command } from 'commander';
import type { ModelParams } from '../models/config';
import { classifyStability } from '../models/limit/stability';
import { findSteadyStates } from '../models/limit/steadyStates';
import { ConfigError, resolveConfig } from '../models/config';
import { type NnlifRunConfig, nnlifSteadyParamsOf } from '../models/nnlif/config';
import { resolveNnlifRunConfig } from '../models/registry';
import { nnlifNetworkSteadyStates } from '../models/nnlif/networkSteady';
import { classifyNnlifStability } from '../models/nnlif/stability';
import { nnlifNoise, nnlifSteadyRates } from '../models/nnlif/steadyRate';
import { rawConfigFromOptions } from './runCommand';
import { familyOf, resolveElapsedRunConfig } from '../models/registry';
import { elapsedSteadyStates } from '../models/elapsed/steadyStates';
import { readFieldInputs } from '../io/fieldInputs';
import { fieldProblem } from '../models/field/problem';
import { classifyHomogeneous } from '../models/field/steadyStates';
import { resolveFieldRunConfig } from '../models/registry';

/** Every homogeneous steady state of a field config, with its dispersion data (`kinfire steady` with model field). */
export function fieldSteadyReport(raw: Record<string, unknown>) {
  const { config, arrays } = readFieldInputs(resolveFieldRunConfig(raw));
  if (config.source.kind !== 'constant' && config.source.kind !== 'noise') throw new ConfigError('field.source.kind', `homogeneous steady states need a homogeneous source (kind "constant" or "noise"; got "${config.source.kind}")`);
  const p = fieldProblem(config, arrays);
  if (!Number.isFinite(p.wHat0)) throw new ConfigError('field.W', 'the rows of W have different sums: the network has no homogeneous steady state');
  return {
    steady: classifyHomogeneous(p.config, p.wHat0, p.s0, p.multiplier),
    wHat0: p.wHat0,
    method: {
      roots: 'every root of N = ŵ(0)·σ(N) + s0 in s0 + ŵ(0)·[inf σ, sup σ]: a scan of 4000 points (and 400 across θ ± 20/β), bisection to f64 resolution (src/models/field/steadyStates.ts); a double root without a sign change is not seen',
      stability: 'linear: λ(k) = −1 + ŵ(k)·σ′(N*); lambda0 = λ(0); grid: the largest λ over the grid modes m ≠ 0 (k = 2π|m|/L); continuum: the largest over k > 0 (analytic kernels); stable: λ(0) < 0 and grid λ < 0; turing: λ(0) < 0 < grid λ. A network: λ(0) only (the homogeneous direction)',
    },
  };
}

export interface SteadyReportEntry {
  N: number;
  stable: boolean;
  Vstar: number;
  gbar: number;
  quiescent: boolean;
}

export function steadyReport(params: ModelParams, stability: { T?: number; nv?: number } = {}): SteadyReportEntry[] {
  return findSteadyStates(params).map((s) => ({
    N: s.N,
    stable: classifyStability(params, s, stability).stable,
    Vstar: s.vStar,
    gbar: s.gbar,
    quiescent: s.quiescent,
  }));
}

const SIEGERT = 'I(N) = √π ∫ erfcx(−z) dz from zR = (VR − bN)/√(2a(N)) to zF = (VF − bN)/√(2a(N)) for the hard threshold (the Siegert form); for the soft one, the mean time from VR to a firing of the frozen process, from its stationary ODE integrated from vmax down to VR (src/models/nnlif/softSteady.ts)';

/** Every steady state of the NNLIF network (hard or soft threshold, a1, τ; K populations), with its stability. */
export function nnlifSteadyReport(config: NnlifRunConfig, stability: { T?: number; nv?: number; pointsPerDecade?: number } = {}) {
  const T = stability.T ?? 30;
  const nv = stability.nv ?? 300;
  const K = config.populations.length;
  if (K >= 2) {
    const params = { populations: config.populations.map((p) => ({ a0: p.a0, VR: p.VR, VF: p.VF, tau: p.tau, firing: p.firing })), b: config.coupling.b, a1: config.coupling.a1 };
    return {
      populations: config.populations.map((p) => p.name),
      steady: nnlifNetworkSteadyStates(params, { stability: { T, nv, delay: config.delay }, ...(stability.pointsPerDecade ? { pointsPerDecade: stability.pointsPerDecade } : {}) }),
      method: {
        roots: `every zero of F_α = ln N_α + ln(I_α(V_α, a_α) + τ_α), V_α = Σβ b_αβ N_β, a_α = a0_α + Σβ a1_αβ N_β, in the box N_α ∈ [1e-8, 1e4] (at most the loss rate of a soft threshold): F on a grid in ln N (${stability.pointsPerDecade ? `${stability.pointsPerDecade} points per decade` : K <= 2 ? '8 points per decade' : 'at most 40000 points'}), every cell where every F_α changes sign polished by damped Newton (src/models/nnlif/networkSteady.ts); two roots in one cell or a tangency can be missed (refine with --points-per-decade). ${SIEGERT}`,
        stability: `time evolution of the discrete network (the f64 twin of the GPU scheme, ${nv} nodes per population, dt = 0.01, T = ${T}, the config's delay) from the exact profiles with 1% of each population's mass moved (the even populations up and the odd down, then the reverse): stable when every N(T) stays within 2% of its steady value (absolute 0.02 below 1) in both (N_perturbed: the two N(T), null where a run blew up)`,
      },
    };
  }
  const n = config.populations[0]!;
  const params = nnlifSteadyParamsOf(config);
  return {
    steady: nnlifSteadyRates(params).map((N) => ({ N, a: nnlifNoise(params, N), R: n.tau * N, ...classifyNnlifStability(params, N, { T, nv, delay: config.delay }) })),
    method: {
      roots: `every zero of ln N + ln(I(N) + τ), ${SIEGERT}, by a scan in ln N and Brent polishing (src/models/nnlif/steadyRate.ts)`,
      stability: `time evolution of the discrete PDE (the f64 twin of the GPU scheme, ${nv} nodes, dt = 0.01, T = ${T}, the config's delay) from the exact profile with 1% of the mass moved up and down in v: stable when N(T) stays within 2% of N* (absolute 0.02 for N* < 1) in both (N_up, N_down: N(T) of the two runs; null where a run blew up)`,
    },
  };
}

export interface SteadyOptions {
  stabilityTime: number;
  stabilityNv: number;
  /** nnlif with populations: grid points per decade of the root search */
  pointsPerDecade?: number;
}

/**
 * What `kinfire steady` prints for a raw config (the config file with its --set overrides): every steady
 * state of the config's family with its stability, and the method. Also a point of `kinfire sweep`.
 */
export function steadyResult(raw: Record<string, unknown>, opts: SteadyOptions): Record<string, unknown> {
  if (familyOf(raw).name === 'field') return fieldSteadyReport(raw);
  if (familyOf(raw).name === 'elapsed') {
    const config = resolveElapsedRunConfig(raw);
    return {
      steady: elapsedSteadyStates(config),
      method: {
        roots: 'every zero of N·I(N) − 1, I(N) = ∫₀^∞ exp(−∫₀^s p(u, bN) du) ds (closed form for threshold firing, Gauss–Legendre for the sigmoid), by a scan in ln N and bisection (src/models/elapsed/steadyStates.ts)',
        stability: 'time evolution of the f64 twin of the scheme with the config\'s kernel, from n∞·(1 + 0.02 sin(2πs/s*)), 100 cells per s*, for 40 mean interspike intervals: stable when the deviation of N over the last fifth is below half that over the second tenth, or below 1e-3 (early, late: those deviations); --stability-time and --stability-nv do not apply',
      },
    };
  }
  if (familyOf(raw).name === 'nnlif') {
    return nnlifSteadyReport(resolveNnlifRunConfig(raw), { T: opts.stabilityTime, nv: opts.stabilityNv, ...(opts.pointsPerDecade !== undefined ? { pointsPerDecade: opts.pointsPerDecade } : {}) });
  }
  const config = resolveConfig(raw);
  const T = opts.stabilityTime;
  const nv = opts.stabilityNv;
  return {
    steady: steadyReport(config.params, { T, nv }),
    method: {
      roots: 'scan of F(N) = N·I(N) − 1 on (0, max φF], polished to 1e-12 relative; closed form of I for the step φF, quadrature otherwise',
      gbar: 'mean of N(gin + bN, a) truncated to [0, ∞)',
      stability: `perturbed time evolution of the 1D limit scheme (nv = ${nv}, T = ${T}): stable when N stays within 2% of N* (absolute 0.02 for N* < 1)`,
    },
  };
}

export function registerSteady(program: Command): void {
  program
    .command('steady')
    .description('list every steady state, with its stability, as JSON: the ε → 0 limit of the vc models, the NNLIF network (model nnlif), the elapsed-time model (model elapsed) or the homogeneous states of the Wilson–Cowan field with their dispersion relation (model field)')
    .option('-c, --config <file>', 'JSON config (its params are used)')
    .option('-s, --set <key=value>', 'override one config key (repeatable)', (v: string, prev: string[]) => [...prev, v], [])
    .option('--stability-time <T>', 'observation time of the perturbed evolutions', '30')
    .option('--stability-nv <cells>', 'cells of the 1D scheme used for stability (400 for vc-limit; 300 recommended for nnlif)', '400')
    .option('--points-per-decade <n>', 'nnlif with populations: grid points per decade of each N_α in the root search (default 8 for two populations, else at most 40000 points)')
    .action((opts) => {
      const raw = rawConfigFromOptions(opts);
      if (familyOf(raw).name === 'nnlif' && opts.pointsPerDecade !== undefined && !(Number(opts.pointsPerDecade) > 0 && Number(opts.pointsPerDecade) <= 100)) {
        throw new ConfigError('--points-per-decade', `must be a number in (0, 100] (got ${opts.pointsPerDecade})`);
      }
      const report = steadyResult(raw, { stabilityTime: Number(opts.stabilityTime), stabilityNv: Number(opts.stabilityNv), ...(opts.pointsPerDecade !== undefined ? { pointsPerDecade: Number(opts.pointsPerDecade) } : {}) });
      process.stdout.write(`${JSON.stringify(report)}\n`);
    });
}
