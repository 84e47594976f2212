/** `kinfire run`: validate the config, open the GPU, run, write the results folder atomically. */
import { readFileSync } from 'node:fs';
import { describeAdapter, openGpu } from '../host/gpu';
import { checkGridFits } from '../host/kineticSolver';
import { runSimulation } from '../host/run';
import { activityCsv, makeSummary, PendingResults, type Summary } from '../io/results';
import { applyOverrides, ConfigError, type KinfireConfig, resolveConfig } from '../models/config';
import { progressReporter } from './progress';

export interface RunOptions {
  config?: string;
  out: string;
  set?: string[];
  force?: boolean;
  quiet?: boolean;
}

export function loadConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError('--config', `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ConfigError('--config', `${path} is not valid JSON: ${(e as Error).message}`);
  }
}

export function configFromOptions(options: { config?: string; set?: string[] }): KinfireConfig {
  const raw = options.config ? loadConfigFile(options.config) : {};
  return resolveConfig(applyOverrides(raw, options.set ?? []));
}

export async function runCommand(options: RunOptions, version: string, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<Summary> {
  // Everything that can reject the input happens before the results folder exists.
  const config = configFromOptions(options);
  PendingResults.check(options.out, !!options.force);
  const ctx = await openGpu();
  try {
    checkGridFits(ctx.limits, config.grid.nv, config.grid.ng);
    if (!options.quiet) {
      log(`kinfire ${version}: model ${config.model}, grid ${config.grid.nv} × ${config.grid.ng}, dt = ${config.time.dt.toPrecision(4)}, ${config.time.steps} steps to T = ${config.time.T}`);
      log(`adapter: ${describeAdapter(ctx.adapterInfo)} (${ctx.runtime})`);
    }
    const progress = progressReporter('run', process.stderr, options.quiet);
    try {
      return await PendingResults.produce(options.out, !!options.force, async (pending) => {
        const result = await runSimulation(ctx, config, {
          onProgress: (p) => progress.update(p),
          onSnapshot: (s) => pending.writeSnapshot(config, s),
          onWarning: (w) => log(`warning: ${w}`),
        });
        progress.stop();
        const summary = makeSummary(config, result, ctx.adapterInfo, ctx.runtime, pending.snapshots, version);
        pending.write('summary.json', `${JSON.stringify(summary, null, 2)}\n`);
        pending.write('activity.csv', activityCsv(result.activity));
        if (result.status !== 'ok') log(`run stopped: ${result.status}: ${result.message}`);
        return summary;
      });
    } finally {
      progress.stop();
    }
  } finally {
    ctx.destroy();
  }
}
