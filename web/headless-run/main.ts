/**
 * The kinetic solver in the browser, the same code the Node CLI runs: config from the URL hash
 * (JSON), result reported to the headless-Chromium harness (test/browser/harness.ts).
 */
import { openGpu } from '../../src/host/gpu';
import { runSimulation } from '../../src/host/run';
import { resolveConfig } from '../../src/models/config';
import { runAndReport } from '../common/report';

runAndReport(async () => {
  const input = JSON.parse(decodeURIComponent(location.hash.slice(1)) || '{}');
  const config = resolveConfig(input);
  const ctx = await openGpu();
  console.log(`WebGPU adapter: ${JSON.stringify(ctx.adapterInfo)}`);
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
