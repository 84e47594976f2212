/**
 * `kinfire steady`: every steady state of the limit (voltage) model for a config's parameters, with its
 * stability (by perturbed time evolution of the limit model, see src/models/limit/stability.ts).
 */
import type { Command } from 'commander';
import type { ModelParams } from '../models/config';
import { classifyStability } from '../models/limit/stability';
import { findSteadyStates } from '../models/limit/steadyStates';
import { configFromOptions } from './runCommand';

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

export function registerSteady(program: Command): void {
  program
    .command('steady')
    .description('list every steady state of the ε → 0 limit model, with its stability, as JSON')
    .option('-c, --config <file>', 'JSON config (its params are used)')
    .option('-s, --set <key=value>', 'override one config key (repeatable)', (v: string, prev: string[]) => [...prev, v], [])
    .option('--stability-time <T>', 'observation time of the perturbed evolutions', '30')
    .option('--stability-nv <cells>', 'cells of the 1D limit scheme used for stability', '400')
    .action((opts) => {
      const config = configFromOptions(opts);
      const T = Number(opts.stabilityTime);
      const nv = Number(opts.stabilityNv);
      const report = steadyReport(config.params, { T, nv });
      process.stdout.write(
        `${JSON.stringify({
          steady: report,
          method: {
            roots: 'scan of F(N) = N·I(N) − 1 on (0, max φF], polished to 1e-12 relative; closed form of I for the step φF, quadrature otherwise',
            gbar: 'mean of N(gin + bN, a) truncated to [0, ∞)',
            stability: `perturbed time evolution of the 1D limit scheme (nv = ${nv}, T = ${T}): stable when N stays within 2% of N* (absolute 0.02 for N* < 1)`,
          },
        })}\n`,
      );
    });
}
