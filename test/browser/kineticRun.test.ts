/**
 * The same PDE run (kinetic, and nnlif) in headless Chromium (navigator.gpu) and in Node (Dawn): N(t) must agree.
 * Both use SwiftShader here; the kernels, the reduction order and the coefficients are the same, so
 * the two are expected to agree to f32 rounding (the test reports whether they are bitwise equal).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runNnlif } from '../../src/host/nnlifRun';
import { runSimulation } from '../../src/host/run';
import { resolveNnlifRunConfig } from '../../src/models/registry';
import { resolveConfig } from '../../src/models/config';
import { relativeMaxError, testGpu } from '../helpers/gpu';
import { type Browser, buildWebPage, chromiumPath, launchBrowser, runPage, serveDirectory } from './harness';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const chrome = chromiumPath();

interface PageResult {
  adapter: { vendor: string; architecture: string; description: string };
  runtime: string;
  status: string;
  steps: number;
  N: number[];
  mass: number[];
}

describe.skipIf(chrome === null)('the kinetic run in headless Chromium', () => {
  let outDir: string;
  let server: { url: string; close(): Promise<void> };
  let browser: Browser;

  beforeAll(async () => {
    outDir = await mkdtemp(join(tmpdir(), 'kinfire-run-page-'));
    await buildWebPage(join(repoRoot, 'web/headless-run/index.html'), outDir);
    server = await serveDirectory(outDir);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (outDir) await rm(outDir, { recursive: true, force: true });
  });

  for (const model of ['vc', 'vc-threshold'] as const) {
    it(`${model}: gives the same N(t) as the run in Node`, async () => {
      const input = { model, grid: { nv: 48, ng: 32 }, params: { b: 1 }, time: { T: 0.2, cfl: 1.5 }, output: { snapshots: [] } };
      const page = (await runPage(browser, `${server.url}#${encodeURIComponent(JSON.stringify(input))}`, { timeoutMs: 120_000 })) as PageResult;
      const node = await runSimulation(await testGpu(), resolveConfig(input));
      expect(page.runtime).toBe('browser');
      expect(page.adapter.architecture).not.toBe('');
      expect(page.status).toBe('ok');
      expect(page.N.length).toBe(node.activity.N.length);
      const identical = page.N.every((x, k) => x === node.activity.N[k]);
      const err = relativeMaxError(page.N, node.activity.N);
      console.log(`${model}: browser (${page.adapter.description}) vs Node, ${page.steps} steps: max relative difference of N(t) ${err.toExponential(2)}; bitwise identical: ${identical}`);
      expect(err).toBeLessThan(1e-5);
    });
  }

  it('nnlif (the Fokker–Planck PDE, with τ and a delay): gives the same N(t) as the run in Node', async () => {
    const input = { model: 'nnlif', nnlif: { b: 1, tau: 0.05, delay: 0.01 }, grid: { nv: 128 }, time: { T: 0.5, dt: 0.002 }, output: { snapshots: [] } };
    const page = (await runPage(browser, `${server.url}#${encodeURIComponent(JSON.stringify(input))}`, { timeoutMs: 120_000 })) as PageResult;
    const node = await runNnlif(await testGpu(), resolveNnlifRunConfig(input));
    expect(page.runtime).toBe('browser');
    expect(page.status).toBe('ok');
    expect(page.N.length).toBe(node.N[0]!.length);
    const identical = page.N.every((x, k) => x === node.N[0]![k]);
    const err = relativeMaxError(page.N, node.N[0]!);
    console.log(`nnlif: browser vs Node, ${page.steps} steps: max relative difference of N(t) ${err.toExponential(2)}; bitwise identical: ${identical}`);
    expect(err).toBeLessThan(1e-5);
  });
});
