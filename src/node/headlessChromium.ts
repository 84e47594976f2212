/**
 * Running WebGPU pages in headless Chromium from Node: used by the browser tests (test/browser, through
 * test/browser/harness.ts) and by the browser benchmark (bench/, `npm run bench:browser`). Node-only.
 *
 * Typical use:
 *   const outDir = await mkdtemp(join(tmpdir(), 'kinfire-page-'));
 *   await buildWebPage('web/smoke/index.html', outDir);
 *   const server = await serveDirectory(outDir);
 *   const browser = await launchBrowser();
 *   const result = await runPage(browser, server.url + 'index.html', { timeoutMs: 60_000 });
 *
 * A page signals completion by setting `window.__kinfireResult` (any JSON-serialisable value)
 * and then `window.__kinfireDone = true`; on failure it sets `window.__kinfireError` (a string).
 *
 * Without a GPU, WebGPU in Chromium runs on SwiftShader, Chromium's CPU implementation of Vulkan
 * (`adapter.info.architecture === 'swiftshader'`); see CHROMIUM_WEBGPU_FLAGS for why each flag is there,
 * and checkWebGpuCanvas for the check that a page can also present frames.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import puppeteer, { type Browser, type ConsoleMessage } from 'puppeteer-core';
import sirv from 'sirv';

export type { Browser } from 'puppeteer-core';

/**
 * Chromium flags that give a WebGPU adapter, and a canvas it can present to, in headless mode on a
 * machine without a GPU:
 * - `--enable-unsafe-webgpu`, `--enable-features=Vulkan`: WebGPU on Linux, through Dawn's Vulkan backend.
 * - `--use-vulkan=swiftshader`, `--enable-unsafe-swiftshader`: Dawn's Vulkan driver is SwiftShader, shipped
 *   inside Debian's chromium package, so no system Vulkan driver is needed for compute.
 * - `--use-angle=swiftshader`: the GPU process's compositor (ANGLE) also runs on SwiftShader. With
 *   `--use-angle=vulkan` ANGLE needs a system Vulkan driver offering VK_KHR_surface, which SwiftShader's
 *   ICD does not; without one (a fresh machine has no Mesa lavapipe, `mesa-vulkan-drivers`) the GPU
 *   process exits at start and every WebGPU canvas loses its device. Measured on both states of the
 *   machine (README, "Browser"): these flags present frames with and without lavapipe.
 * - The rest keep Chromium from reaching the network (this machine has none) and from starting slowly.
 * On a machine with a GPU, a user's own browser needs none of this.
 */
export const CHROMIUM_WEBGPU_FLAGS: readonly string[] = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-angle=swiftshader',
  '--use-vulkan=swiftshader',
  '--enable-unsafe-swiftshader',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  // Unrounded timestamp queries (Chrome otherwise quantises them to 100 us).
  '--enable-webgpu-developer-features',
];

/** Path of a Chromium executable: $CHROME_PATH, /usr/bin/chromium or /usr/bin/chromium-browser; null if none. */
export function chromiumPath(): string | null {
  const env = process.env.CHROME_PATH;
  if (env) return existsSync(env) ? env : null;
  for (const candidate of ['/usr/bin/chromium', '/usr/bin/chromium-browser']) {
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

export interface LaunchOptions {
  /** Replaces CHROMIUM_WEBGPU_FLAGS (for experiments with other flag sets). */
  flags?: readonly string[];
}

/** The last lines Chromium wrote to stderr (the GPU process's start-up errors land there). */
const browserLogs = new WeakMap<Browser, string[]>();
const BROWSER_LOG_LINES = 200;

/** What the browser process has written to stderr so far (its last 200 lines). */
export function browserLog(browser: Browser): readonly string[] {
  return browserLogs.get(browser) ?? [];
}

/**
 * Launches headless Chromium with the WebGPU/SwiftShader flags and a fresh temporary profile
 * (deleted when the browser closes or disconnects).
 */
export async function launchBrowser(options: LaunchOptions = {}): Promise<Browser> {
  const executablePath = chromiumPath();
  if (executablePath === null) {
    throw new Error(
      process.env.CHROME_PATH
        ? `CHROME_PATH=${process.env.CHROME_PATH} does not exist`
        : 'No Chromium found: install Debian\'s `chromium` (apt-get install -y chromium libvulkan1) ' +
            'or set CHROME_PATH to a Chromium/Chrome executable',
    );
  }
  const userDataDir = await mkdtemp(join(tmpdir(), 'kinfire-chromium-'));
  const env: Record<string, string | undefined> = { ...process.env };
  if (!env.XDG_RUNTIME_DIR) env.XDG_RUNTIME_DIR = '/tmp';
  let browser: Browser;
  try {
    browser = await puppeteer.launch({
      executablePath,
      headless: true,
      args: [...(options.flags ?? CHROMIUM_WEBGPU_FLAGS), `--user-data-dir=${userDataDir}`],
      env,
      // Debian's /usr/bin/chromium is a shell wrapper; give it and SwiftShader time on slow machines.
      timeout: 120_000,
      protocolTimeout: 300_000,
    });
  } catch (err) {
    await rm(userDataDir, { recursive: true, force: true }).catch(() => {});
    throw err;
  }
  const log: string[] = [];
  browserLogs.set(browser, log);
  browser.process()?.stderr?.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) log.push(line);
    if (log.length > BROWSER_LOG_LINES) log.splice(0, log.length - BROWSER_LOG_LINES);
  });
  // puppeteer only deletes profiles it created itself, so remove ours on close (awaited) and,
  // as a fallback, when the browser disconnects or crashes.
  const removeProfile = (): Promise<void> =>
    rm(userDataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 }).catch(() => {});
  browser.once('disconnected', () => void removeProfile());
  const close = browser.close.bind(browser);
  browser.close = async (): Promise<void> => {
    try {
      await close();
    } finally {
      await removeProfile();
    }
  };
  return browser;
}

/**
 * The page of checkWebGpuCanvas: clears a WebGPU canvas to a known colour on every animation frame
 * (so the compositor always has a frame to show) and reports whether the device survived.
 */
const CANVAS_CHECK_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>WebGPU canvas check</title>
<style>body { margin: 0; background: #fff; } canvas { width: 32px; height: 32px; display: block; }</style></head>
<body><canvas id="gpu" width="32" height="32"></canvas><script type="module">
const frame = () => new Promise((r) => requestAnimationFrame(() => r()));
async function check() {
  if (!navigator.gpu) return { ok: false, stage: 'navigator.gpu', detail: 'navigator.gpu is missing (isSecureContext=' + isSecureContext + ')' };
  const adapter = await navigator.gpu.requestAdapter();
  if (!adapter) return { ok: false, stage: 'adapter', detail: 'requestAdapter() returned null' };
  const adapterName = adapter.info.architecture || adapter.info.description || adapter.info.vendor;
  const device = await adapter.requestDevice();
  let lost = null;
  device.lost.then((info) => { lost = info.reason + ': ' + info.message; });
  const context = document.getElementById('gpu').getContext('webgpu');
  if (!context) return { ok: false, stage: 'context', detail: "canvas.getContext('webgpu') returned null", adapter: adapterName };
  context.configure({ device, format: navigator.gpu.getPreferredCanvasFormat(), alphaMode: 'opaque' });
  const draw = () => {
    if (lost !== null) return;
    const encoder = device.createCommandEncoder();
    encoder.beginRenderPass({ colorAttachments: [{ view: context.getCurrentTexture().createView(), loadOp: 'clear', storeOp: 'store', clearValue: { r: 1, g: 0.5, b: 0, a: 1 } }] }).end();
    device.queue.submit([encoder.finish()]);
    requestAnimationFrame(draw);
  };
  draw();
  for (let i = 0; i < 5; i++) { await device.queue.onSubmittedWorkDone(); await frame(); }
  if (lost !== null) return { ok: false, stage: 'device lost', detail: 'the WebGPU device was lost: ' + lost, adapter: adapterName };
  return { ok: true, stage: 'drawn', detail: 'drawn', adapter: adapterName };
}
check().then((r) => { window.__kinfireResult = r; window.__kinfireDone = true; },
  (e) => { window.__kinfireResult = { ok: false, stage: 'exception', detail: String(e && e.message || e) }; window.__kinfireDone = true; });
</script></body></html>
`;

export interface CanvasCheck {
  /** true when a cleared WebGPU canvas read back the colour it was cleared to */
  ok: boolean;
  /** where it stopped: navigator.gpu, adapter, context, device lost, pixel, exception, presented */
  stage: string;
  detail: string;
  adapter?: string;
  pixel?: number[];
  /** what is missing and how to get it, when not ok */
  remedy?: string;
  /** the browser's stderr lines about the GPU process and Vulkan, when not ok */
  gpuLog?: string[];
}

/**
 * Checks that a WebGPU canvas presents frames in this browser: compute alone can work while the GPU
 * process that composites canvases cannot start (a Vulkan driver without VK_KHR_surface under
 * `--use-angle=vulkan`), and then every canvas loses its device. The browser tests run this first, so
 * such a machine gets one message naming the missing piece instead of unexplained failures.
 */
export async function checkWebGpuCanvas(browser: Browser, timeoutMs = 60_000): Promise<CanvasCheck> {
  const dir = await mkdtemp(join(tmpdir(), 'kinfire-canvas-check-'));
  const { writeFile } = await import('node:fs/promises');
  await writeFile(join(dir, 'index.html'), CANVAS_CHECK_PAGE);
  const server = await serveDirectory(dir);
  let result: CanvasCheck;
  const page = await browser.newPage();
  try {
    await page.goto(`${server.url}index.html`, { waitUntil: 'load', timeout: timeoutMs });
    await page.waitForFunction(() => (window as unknown as KinfireWindow).__kinfireDone === true, { timeout: timeoutMs });
    result = (await page.evaluate(() => (window as unknown as KinfireWindow).__kinfireResult)) as CanvasCheck;
    if (result.ok) {
      // What the compositor shows, as a user would see it: a screenshot of the canvas.
      const shot = await page.screenshot({ clip: { x: 8, y: 8, width: 16, height: 16 }, type: 'png' });
      const { decodePNGFromStream } = await import('pureimage');
      const { Readable } = await import('node:stream');
      const bitmap = await decodePNGFromStream(Readable.from([Buffer.from(shot)]));
      const at = 4 * (8 * bitmap.width + 8);
      const pixel = Array.from(bitmap.data.subarray(at, at + 4));
      const presented = Math.abs(pixel[0]! - 255) <= 3 && Math.abs(pixel[1]! - 128) <= 3 && pixel[2]! <= 3;
      result = presented
        ? { ...result, stage: 'presented', detail: 'presented', pixel }
        : { ...result, ok: false, stage: 'pixel', detail: `the canvas shows ${JSON.stringify(pixel)} instead of the colour it was cleared to, [255, 128, 0, 255]`, pixel };
    }
  } catch (err) {
    result = { ok: false, stage: 'page', detail: err instanceof Error ? err.message.split('\n')[0]! : String(err) };
  } finally {
    await page.close().catch(() => {});
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
  if (result.ok) return result;
  const gpuLog = browserLog(browser).filter((l) => /gpu|vulkan|vk_|angle|swiftshader/i.test(l));
  const joined = gpuLog.join('\n');
  let remedy: string;
  if (/VK_KHR_surface/.test(joined)) {
    remedy = 'the GPU process needs a Vulkan driver with VK_KHR_surface for --use-angle=vulkan: launch Chromium with --use-angle=swiftshader --use-vulkan=swiftshader (CHROMIUM_WEBGPU_FLAGS), or install mesa-vulkan-drivers';
  } else if (result.stage === 'adapter' || result.stage === 'navigator.gpu') {
    remedy = 'no WebGPU adapter: Chromium needs the Vulkan loader (apt-get install libvulkan1) and its SwiftShader driver (/usr/lib/chromium/libvk_swiftshader.so, in the chromium package); run node scripts/setup-system.mjs';
  } else if (/Exiting GPU process/i.test(joined) || result.stage === 'device lost') {
    remedy = "Chromium's GPU process could not start with these flags; see the GPU log below, and launch with --use-angle=swiftshader --use-vulkan=swiftshader";
  } else {
    remedy = 'launch Chromium with CHROMIUM_WEBGPU_FLAGS (--use-angle=swiftshader --use-vulkan=swiftshader); see the GPU log below';
  }
  return { ...result, remedy, gpuLog };
}

/** The one-paragraph error of a failed checkWebGpuCanvas. */
export function canvasCheckMessage(check: CanvasCheck, flags: readonly string[] = CHROMIUM_WEBGPU_FLAGS): string {
  return [
    `A WebGPU canvas cannot present a frame in headless Chromium (${chromiumPath() ?? 'no Chromium'}), so the viewer tests cannot run.`,
    `Stopped at: ${check.stage}: ${check.detail}`,
    `Missing: ${check.remedy ?? '?'}`,
    `Flags: ${flags.join(' ')}`,
    ...(check.gpuLog?.length ? ['GPU log:', ...check.gpuLog.slice(-15).map((l) => `  ${l}`)] : []),
  ].join('\n');
}

const MIME_TYPES: Record<string, string> = {
  '.wasm': 'application/wasm',
  '.wgsl': 'text/wgsl; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/**
 * Serves `dir` statically on http://127.0.0.1:<ephemeral port>/ (a secure context, so
 * `navigator.gpu` exists). `url` ends with a slash.
 */
export async function serveDirectory(dir: string): Promise<{ url: string; close(): Promise<void> }> {
  const root = resolve(dir);
  const serve = sirv(root, {
    dev: true, // no caching of file lists: the folder may be rebuilt between runs
    etag: false,
    dotfiles: false,
    setHeaders(res, pathname) {
      const dot = pathname.lastIndexOf('.');
      const type = dot >= 0 ? MIME_TYPES[pathname.slice(dot).toLowerCase()] : undefined;
      if (type) res.setHeader('Content-Type', type);
      res.setHeader('Cache-Control', 'no-store');
      // Cross-origin isolation, so pages may use SharedArrayBuffer / precise timers if they want.
      res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
      res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    },
  });
  const server: Server = createServer((req, res) => {
    serve(req, res, () => {
      res.statusCode = 404;
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      res.end(`Not found: ${req.url ?? ''}`);
    });
  });
  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', rejectListen);
      resolveListen();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolveClose, rejectClose) => {
        server.closeAllConnections();
        server.close((err) => (err ? rejectClose(err) : resolveClose()));
      }),
  };
}

/**
 * Builds one HTML page (and the TypeScript / `?raw` WGSL it imports, including modules from the
 * repo's src/) with vite's JS API into `outDir`. Independent of the repo's vite.config.ts.
 */
export async function buildWebPage(entryHtml: string, outDir: string): Promise<void> {
  const html = resolve(entryHtml);
  if (!existsSync(html)) throw new Error(`buildWebPage: ${html} does not exist`);
  const { build } = await import('vite');
  await build({
    configFile: false,
    root: dirname(html),
    base: './',
    logLevel: 'warn',
    clearScreen: false,
    publicDir: false,
    build: {
      outDir: resolve(outDir),
      emptyOutDir: true,
      target: 'esnext', // top-level await, WebGPU-era browsers only
      minify: false, // readable stack traces in page errors
      sourcemap: true,
      modulePreload: { polyfill: false },
      reportCompressedSize: false,
      rolldownOptions: { input: html },
    },
  });
}

export interface RunPageOptions {
  /** Time allowed for loading the page and for `__kinfireDone` to become true. Default 60 s. */
  timeoutMs?: number;
  /** Poll interval for `__kinfireDone`. Default 100 ms. */
  pollMs?: number;
  /** Called with every console line and page error, as it arrives (e.g. console.log for live output). */
  onLog?: (line: string) => void;
}

interface KinfireWindow {
  __kinfireDone?: boolean;
  __kinfireResult?: unknown;
  __kinfireError?: string;
}

/**
 * Opens `url` in a new tab, waits until the page sets `window.__kinfireDone === true` and
 * returns `window.__kinfireResult`. Rejects with `window.__kinfireError`, an uncaught page error,
 * or a timeout; the error text includes everything the page logged. The tab is closed afterwards.
 */
export async function runPage(browser: Browser, url: string, options: RunPageOptions = {}): Promise<unknown> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const pollMs = options.pollMs ?? 100;
  const logs: string[] = [];
  const pageErrors: string[] = [];
  const record = (line: string): void => {
    logs.push(line);
    options.onLog?.(line);
  };
  const page = await browser.newPage();
  page.setDefaultTimeout(timeoutMs);
  page.on('console', (msg: ConsoleMessage) => {
    const loc = msg.location();
    const where = msg.type() === 'error' && loc.url ? ` (${loc.url}:${loc.lineNumber ?? '?'})` : '';
    record(`[console.${msg.type()}] ${msg.text()}${where}`);
  });
  page.on('pageerror', (err: unknown) => {
    const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
    pageErrors.push(text);
    record(`[pageerror] ${text}`);
  });
  page.on('requestfailed', (req) => {
    record(`[requestfailed] ${req.url()} ${req.failure()?.errorText ?? ''}`);
  });
  page.on('response', (res) => {
    if (res.status() >= 400) record(`[http ${res.status()}] ${res.url()}`);
  });

  const fail = (message: string): Error =>
    new Error(`${message}\n--- page log (${url}) ---\n${logs.length ? logs.join('\n') : '(empty)'}`);

  const deadline = Date.now() + timeoutMs;
  try {
    const response = await page.goto(url, { waitUntil: 'load', timeout: timeoutMs });
    if (response && !response.ok()) throw fail(`HTTP ${response.status()} for ${url}`);
    for (;;) {
      const state = await page.evaluate(() => {
        const w = window as unknown as KinfireWindow;
        return { done: w.__kinfireDone === true, error: w.__kinfireError };
      });
      if (typeof state.error === 'string') throw fail(`Page reported an error: ${state.error}`);
      if (pageErrors.length > 0) throw fail(`Uncaught error in page: ${pageErrors[0]}`);
      if (state.done) break;
      if (Date.now() > deadline) throw fail(`Timed out after ${timeoutMs} ms waiting for window.__kinfireDone`);
      await new Promise((r) => setTimeout(r, pollMs));
    }
    return await page.evaluate(() => (window as unknown as KinfireWindow).__kinfireResult);
  } catch (err) {
    if (err instanceof Error && err.message.includes('--- page log')) throw err;
    throw fail(`runPage failed: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    await page.close().catch(() => {});
  }
}
