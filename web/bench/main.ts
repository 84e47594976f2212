/**
 * The benchmark suite in the browser (`npm run bench:browser`): the same cases as in Node, run on
 * navigator.gpu; the options come as JSON in the URL hash, the results go back to the Node driver
 * (bench/main.ts) through the headless-Chromium protocol (web/common/report.ts).
 */
import { openGpu } from '../../src/host/gpu';
import { runSuite, type SuiteOptions } from '../../bench/src/suite';
import { runAndReport } from '../common/report';

runAndReport(async () => {
  const options = JSON.parse(decodeURIComponent(location.hash.slice(1)) || '{}') as Omit<SuiteOptions, 'log'>;
  const ctx = await openGpu();
  console.log(`WebGPU adapter: ${JSON.stringify(ctx.adapterInfo)}`);
  const t0 = performance.now();
  try {
    const suite = await runSuite(ctx, { ...options, log: (line) => console.log(line) });
    const limits: Record<string, number> = {};
    for (const name of ['maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupsPerDimension', 'maxComputeInvocationsPerWorkgroup'] as const) limits[name] = ctx.limits[name];
    return { suite, adapter: ctx.adapterInfo, limits, userAgent: navigator.userAgent, runtime: ctx.runtime, wall_s: (performance.now() - t0) / 1000 };
  } finally {
    ctx.destroy();
  }
});
