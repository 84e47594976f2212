/**
 * The PDE solvers in the browser, the same code the Node CLI runs (the kinetic models, and nnlif):
 * config from the URL hash (JSON), result reported to the headless-Chromium harness
 * (test/browser/harness.ts).
 */
import { openGpu } from '../../src/host/gpu';
import { runNnlif } from '../../src/host/nnlifRun';
import { runSimulation } from '../../src/host/run';
import { resolveConfig } from '../../src/models/config';
import { resolveNnlifRunConfig } from '../../src/models/registry';
import { runAndReport } from '../common/report';

runAndReport(async () => {
  const input = JSON.parse(decodeURIComponent(location.hash.slice(1)) || '{}');
  const ctx = await openGpu();
  console.log(`WebGPU adapter: ${JSON.stringify(ctx.adapterInfo)}`);
  if (input.model === 'nnlif') {
    try {
      const result = await runNnlif(ctx, resolveNnlifRunConfig(input));
      return { adapter: ctx.adapterInfo, runtime: ctx.runtime, status: result.status, steps: result.steps, N: Array.from(result.N[0]!), mass: Array.from(result.mass[0]!), stepsPerSecond: result.stepsPerSecond };
    } finally {
      ctx.destroy();
    }
  }
  const config = resolveConfig(input);
  try {
    const result = await runSimulation(ctx, config);
    return {
      adapter: ctx.adapterInfo,
      runtime: ctx.runtime,
      status: result.status,
      steps: result.steps,
      N: Array.from(result.activity.N),
      mass: Array.from(result.activity.mass),
      stepsPerSecond: result.stepsPerSecond,
    };
  } finally {
    ctx.destroy();
  }
});
