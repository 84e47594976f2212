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
 * Chromium flags follow /work/shared/GPU-SETUP.md: SwiftShader Vulkan gives a WebGPU adapter
 * (`adapter.info.architecture === 'swiftshader'`) on machines without a GPU.
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

/** Chromium flags that give a WebGPU adapter (SwiftShader) in headless mode; see GPU-SETUP.md. */
export const CHROMIUM_WEBGPU_FLAGS: readonly string[] = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-angle=vulkan',
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

/**
 * Launches headless Chromium with the WebGPU/SwiftShader flags and a fresh temporary profile
 * (deleted when the browser closes or disconnects).
 */
export async function launchBrowser(): Promise<Browser> {
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
      args: [...CHROMIUM_WEBGPU_FLAGS, `--user-data-dir=${userDataDir}`],
      env,
      // Debian's /usr/bin/chromium is a shell wrapper; give it and SwiftShader time on slow machines.
      timeout: 120_000,
      protocolTimeout: 300_000,
    });
  } catch (err) {
    await rm(userDataDir, { recursive: true, force: true }).catch(() => {});
    throw err;
  }
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
      if (req.url === '/favicon.ico') {
        res.statusCode = 204; // keep browsers' automatic favicon request out of the page log
        res.end();
        return;
      }
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
