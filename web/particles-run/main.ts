/**
 * The particle system in the browser, the same code the Node CLI runs: config from the URL hash
 * (JSON), spike counts (of population 0, and of every population) reported to the headless-Chromium
 * harness (test/browser/harness.ts).
 */
import { openGpu } from '../../src/host/gpu';
import { runParticles } from '../../src/host/particleRun';
import { resolveParticleConfig } from '../../src/models/config';
import { runAndReport } from '../common/report';

runAndReport(async () => {
  const input = JSON.parse(decodeURIComponent(location.hash.slice(1)) || '{}');
  const config = resolveParticleConfig(input);
  const ctx = await openGpu();
  try {
    const result = await runParticles(ctx, config);
    return { adapter: ctx.adapterInfo, runtime: ctx.runtime, status: result.status, steps: result.steps, spikes: Array.from(result.spikes), populations: result.populations.map((p) => Array.from(p.spikes)) };
  } finally {
    ctx.destroy();
  }
});
