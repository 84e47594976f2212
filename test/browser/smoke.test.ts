/**
 * Headless-Chromium WebGPU smoke test: builds web/smoke with vite, serves it on 127.0.0.1,
 * runs a tiny compute shader on the (SwiftShader) WebGPU adapter and checks the numbers.
 * Skipped when no Chromium is installed (set CHROME_PATH to point at one).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWebPage, CHROMIUM_WEBGPU_FLAGS, checkWebGpuCanvas, chromiumPath, launchBrowser, runPage, serveDirectory, type Browser } from './harness';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const chrome = chromiumPath();
const N = 1000;

if (chrome === null) {
  console.warn(
    '[browser smoke] SKIPPED: no Chromium found (CHROME_PATH, /usr/bin/chromium, /usr/bin/chromium-browser). ' +
      'Install it with `apt-get install -y chromium libvulkan1` or set CHROME_PATH.',
  );
}

interface SmokeResult {
  adapter: { vendor: string; architecture: string; description: string };
  values: number[];
  sum: number;
}

const title =
  chrome === null
    ? 'WebGPU in headless Chromium [SKIPPED: no Chromium found; set CHROME_PATH]'
    : `WebGPU in headless Chromium (${chrome})`;

describe.skipIf(chrome === null)(title, () => {
  let outDir: string | undefined;
  let server: { url: string; close(): Promise<void> } | undefined;
  let browser: Browser | undefined;
  const timings: Record<string, number> = {};

  beforeAll(async () => {
    let t = performance.now();
    outDir = await mkdtemp(join(tmpdir(), 'kinfire-smoke-'));
    await buildWebPage(join(repoRoot, 'web/smoke/index.html'), outDir);
    timings.buildMs = performance.now() - t;

    server = await serveDirectory(outDir);

    t = performance.now();
    browser = await launchBrowser();
    timings.launchMs = performance.now() - t;
  }, 120_000);

  afterAll(async () => {
    await browser?.close().catch(() => {});
    await server?.close().catch(() => {});
    if (outDir) await rm(outDir, { recursive: true, force: true });
    console.log(`[browser smoke] timings (ms): ${JSON.stringify(timings, (_k, v: unknown) => (typeof v === 'number' ? Math.round(v) : v))}`);
  }, 60_000);

  it('runs a compute shader on a WebGPU adapter and reads back exact values', async () => {
    const t = performance.now();
    const result = (await runPage(browser!, `${server!.url}index.html`, {
      timeoutMs: 120_000,
      onLog: (line) => console.log(`[browser smoke] ${line}`),
    })) as SmokeResult;
    timings.runMs = performance.now() - t;

    console.log(`[browser smoke] adapter: ${JSON.stringify(result.adapter)}`);
    expect(typeof result.adapter.architecture).toBe('string');
    expect(result.adapter.architecture.length).toBeGreaterThan(0);

    // in[i] = i / 2  =>  out[i] = i + 1 (exact in f32).
    expect(result.values).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(result.sum).toBe((N * (N + 1)) / 2);
  }, 120_000);

  it('presents a WebGPU canvas frame with the flags in use (the viewer needs the GPU process, not only compute)', async () => {
    const check = await checkWebGpuCanvas(browser!);
    expect(check, JSON.stringify(check)).toMatchObject({ ok: true, stage: 'presented', adapter: 'swiftshader' });
    expect(check.pixel).toEqual([255, 128, 0, 255]);
  }, 120_000);

  it('the canvas check fails, naming what to change, where the GPU process cannot present', async () => {
    // ANGLE on SwiftShader without Dawn on SwiftShader Vulkan: measured to fail on machines with and without lavapipe.
    const flags = CHROMIUM_WEBGPU_FLAGS.filter((f) => !f.startsWith('--use-vulkan='));
    const broken = await launchBrowser({ flags });
    try {
      const check = await checkWebGpuCanvas(broken, 30_000);
      expect(check.ok).toBe(false);
      expect(check.remedy).toMatch(/--use-angle=swiftshader --use-vulkan=swiftshader/);
    } finally {
      await broken.close();
    }
  }, 120_000);
});
