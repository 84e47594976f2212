/**
 * Opening the built viewer (dist/index.html) in headless Chromium for the viewer tests: the page's
 * console errors and uncaught exceptions are collected (a test expects none), and its state is read
 * from window.__kinfireViewer (web/viewer/shell.ts, ViewerProbe).
 */
import type { Browser, Page } from 'puppeteer-core';
import { canvasCheckMessage, checkWebGpuCanvas, launchBrowser } from './harness';
import { decodePng } from './pixels';
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

/** the line colours of the series cycle (SERIES_COLORS): #1f77b4, #ff7f0e (runs, populations) */
export const LINE_RGB = [
  [0x1f, 0x77, 0xb4],
  [0xff, 0x7f, 0x0e],
] as const;

/**
 * Pixels of a line of colour `rgb` (default the first series colour) in the element `selector`'s screenshot:
 * those that are that colour blended with the white background, c = α·line + (1 − α)·255 in every channel
 * with one α ≥ 0.4 (an antialiased 1.5 px line covers no pixel fully where it lies between two rows; the
 * grey grid and black text give no common α). A channel of the line at 255 (the red of #ff7f0e) says
 * nothing of α: it must stay near 255.
 */
export async function lineColorPixels(v: ViewerPage, selector: string, rgb: readonly number[] = LINE_RGB[0]): Promise<number> {
  const png = await (await v.page.$(selector))!.screenshot({ type: 'png' });
  const pixels = await decodePng(png);
  const informative = [0, 1, 2].filter((m) => rgb[m]! < 235);
  const saturated = [0, 1, 2].filter((m) => rgb[m]! >= 235);
  let count = 0;
  for (let k = 0; k < pixels.data.length; k += 4) {
    const alpha = informative.map((m) => (255 - pixels.data[k + m]!) / (255 - rgb[m]!));
    if (Math.min(...alpha) >= 0.4 && Math.max(...alpha) - Math.min(...alpha) < 0.15 && saturated.every((m) => pixels.data[k + m]! >= rgb[m]! - 12)) count++;
  }
  return count;
}

/** Type `value` into the number of the control `name` (as a user does: a change event). */
export async function setNumber(v: ViewerPage, name: string, value: string): Promise<void> {
  await v.page.$eval(
    `input[name="${name}"]`,
    (el, x) => {
      (el as HTMLInputElement).value = x;
      el.dispatchEvent(new Event('change'));
    },
    value,
  );
}
