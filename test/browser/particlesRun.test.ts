/**
 * The same particle run in headless Chromium (navigator.gpu) and in Node (Dawn): the Philox streams
 * are keyed by (seed, population, neuron, step) and spike counts are integer atomics, so the spike counts
 * (of every population of a network) must be bitwise the same in both runtimes.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runParticles } from '../../src/host/particleRun';
import { resolveParticleConfig } from '../../src/models/config';
import { testGpu } from '../helpers/gpu';
import { type Browser, buildWebPage, chromiumPath, launchBrowser, runPage, serveDirectory } from './harness';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const chrome = chromiumPath();

describe.skipIf(chrome === null)('the particle system in headless Chromium', () => {
  let outDir: string;
  let server: { url: string; close(): Promise<void> };
  let browser: Browser;

  beforeAll(async () => {
    outDir = await mkdtemp(join(tmpdir(), 'kinfire-particles-page-'));
    await buildWebPage(join(repoRoot, 'web/particles-run/index.html'), outDir);
    server = await serveDirectory(outDir);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (outDir) await rm(outDir, { recursive: true, force: true });
  });

  const cases = {
    vc: { model: 'vc', grid: { nv: 32, ng: 24 }, particles: { count: 20000, seed: 11 }, time: { T: 0.05 }, output: { snapshots: [] } },
    nnlif: { model: 'nnlif', nnlif: { b: 0.5, tau: 0.2, thresholdSpread: 0.1 }, particles: { count: 20000, seed: 5 }, time: { T: 0.2, dt: 0.01 }, output: { snapshots: [] } },
    // a network: a hard and a soft population in one kernel, coupled both ways
    'nnlif E–I': {
      model: 'nnlif',
      nnlif: {
        populations: [
          { name: 'E', a0: 1, VR: 1, VF: 2, initial: { v0: 1.2, sv: 0.3 } },
          { name: 'I', a0: 0.7, VR: 0.6, VF: 1.8, tau: 0.1, firing: { kind: 'soft', rate: 15, vmax: 2.6 } },
        ],
        b: [[0.8, -0.5], [0.6, -0.2]],
        a1: [[0.1, 0], [0, 0.05]],
        delay: 0.02,
      },
      particles: { count: 10000, seed: 9 },
      time: { T: 0.2, dt: 0.01 },
      output: { snapshots: [] },
    },
  };
  for (const [name, input] of Object.entries(cases)) {
    it(`${name}: gives bitwise the same spike counts as the run in Node`, async () => {
      const page = (await runPage(browser, `${server.url}#${encodeURIComponent(JSON.stringify(input))}`, { timeoutMs: 120_000 })) as { runtime: string; status: string; spikes: number[]; populations: number[][] };
      const node = await runParticles(await testGpu(), resolveParticleConfig(input));
      expect(page.runtime).toBe('browser');
      expect(page.status).toBe('ok');
      expect(page.spikes.length).toBe(node.spikes.length);
      expect(page.spikes.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
      expect(page.spikes).toEqual(Array.from(node.spikes));
      expect(page.populations).toEqual(node.populations.map((p) => Array.from(p.spikes)));
      for (const spikes of page.populations) expect(spikes.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    });
  }
});
