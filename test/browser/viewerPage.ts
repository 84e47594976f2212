/**
 * Opening the built viewer (dist/index.html) in headless Chromium for the viewer tests: the page's
 * console errors and uncaught exceptions are collected (a test expects none), and its state is read
 * from window.__kinfireViewer (web/viewer/shell.ts, ViewerProbe).
 */
import type { Browser, Page } from 'puppeteer-core';
import { canvasCheckMessage, checkWebGpuCanvas, launchBrowser } from './harness';
import type { ViewerProbe } from '../../web/viewer/shell';

export interface ViewerPage {
  page: Page;
  /** console errors and uncaught exceptions, as they arrive */
  errors: string[];
  probe(): Promise<ViewerProbe>;
  /** poll the probe until `ready` holds (it is serialised into the page: no closures) */
  waitFor(ready: (p: ViewerProbe) => boolean, timeoutMs?: number): Promise<ViewerProbe>;
}

/**
 * Launches the browser for the viewer tests, after checking that a WebGPU canvas presents frames with
 * its flags: a machine where it cannot gets one message naming the missing piece, not failures of every test.
 */
export async function launchViewerBrowser(): Promise<Browser> {
  const browser = await launchBrowser();
  const check = await checkWebGpuCanvas(browser);
  if (!check.ok) {
    await browser.close();
    throw new Error(canvasCheckMessage(check));
  }
  return browser;
}

export async function openViewer(browser: Browser, url: string, viewport = { width: 1280, height: 860 }): Promise<ViewerPage> {
  const page = await browser.newPage();
  await page.setViewport(viewport);
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`[console.error] ${msg.text()}`);
  });
  page.on('pageerror', (err: unknown) => errors.push(`[pageerror] ${err instanceof Error ? err.message : String(err)}`));
  page.on('response', (res) => {
    if (res.status() >= 400) errors.push(`[http ${res.status()}] ${res.url()}`);
  });
  await page.goto(url, { waitUntil: 'load' });
  const probe = () => page.evaluate(() => structuredClone((window as unknown as { __kinfireViewer: ViewerProbe }).__kinfireViewer));
  return {
    page,
    errors,
    probe,
    async waitFor(ready, timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const state = await probe();
        if (state && ready(state)) return state;
        if (state?.errors.length) throw new Error(`the viewer shows an error: ${state.errors.join('; ')}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for the viewer (${JSON.stringify(state)}); page errors: ${errors.join('; ')}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}
