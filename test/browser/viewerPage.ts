/**
 * Opening the built viewer (dist/index.html) in headless Chromium for the viewer tests: the page's
 * console errors and uncaught exceptions are collected (a test expects none), and its state is read
 * from window.__kinfireViewer (web/viewer/shell.ts, ViewerProbe).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { repoRoot } from '../helpers/cli';
import { canvasCheckMessage, checkWebGpuCanvas, launchBrowser, serveDirectory } from './harness';
import { decodePng, saveScreenshot } from './pixels';
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
        if (Date.now() > deadline) {
          const message = await page.$eval('#message', (el) => el.textContent).catch(() => '(no #message)');
          throw new Error(`timed out waiting for the viewer (${JSON.stringify(state)}); its message: ${JSON.stringify(message)}; page errors: ${errors.join('; ')}`);
        }
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

export interface ViewerSuite {
  /** the viewer at index.html?<query> */
  open(query: string): Promise<ViewerPage>;
  /** the viewer at any URL (its console errors checked at the end too) */
  openUrl(url: string): Promise<ViewerPage>;
  readonly browser: Browser;
  /** the served dist/: http://127.0.0.1:PORT/ */
  readonly base: string;
}

/**
 * The set-up of a describe block of live-viewer tests, as its beforeAll and afterAll: the built viewer
 * (dist/, from npm run build) served, a browser whose WebGPU canvas presents frames, and at the end no
 * console errors on any page it opened.
 */
export function viewerSuite(): ViewerSuite {
  let server: { url: string; close(): Promise<void> } | undefined;
  let browser: Browser | undefined;
  const pages: ViewerPage[] = [];
  beforeAll(async () => {
    if (!existsSync(join(repoRoot, 'dist/index.html'))) throw new Error('dist/index.html is missing: npm run build builds the viewer');
    server = await serveDirectory(join(repoRoot, 'dist'));
    browser = await launchViewerBrowser();
  });
  afterAll(async () => {
    for (const v of pages) expect(v.errors, `console errors of ${v.page.url()}`).toEqual([]);
    await browser?.close();
    await server?.close();
  });
  const suite: ViewerSuite = {
    async openUrl(url) {
      const v = await openViewer(browser!, url);
      pages.push(v);
      return v;
    },
    open: (query) => suite.openUrl(`${server!.url}index.html?${query}`),
    get browser() {
      return browser!;
    },
    get base() {
      return server!.url;
    },
  };
  return suite;
}

/**
 * The lines of the runs are drawn: a screenshot of the page (test-output/screenshots/`screenshot`), then in the
 * main panel and in N(t) the pixels of each run's colour, at least 300 and 100 (the legend's swatch alone is
 * about 36). A paused view redraws 4×/s: it waits 600 ms first.
 */
export async function expectRunsDrawn(v: ViewerPage, screenshot: string, colors: readonly (readonly number[])[] = [LINE_RGB[0]]): Promise<void> {
  await new Promise((r) => setTimeout(r, 600));
  saveScreenshot(screenshot, await v.page.screenshot({ type: 'png' }));
  for (const [k, rgb] of colors.entries()) {
    const drawn = { main: await lineColorPixels(v, '#density-overlay', rgb), activity: await lineColorPixels(v, '#plot-activity', rgb) };
    console.log(`${screenshot}: ${drawn.main} pixels of run ${k} in the main panel, ${drawn.activity} in N(t)`);
    expect(drawn.main).toBeGreaterThan(300);
    expect(drawn.activity).toBeGreaterThan(100);
  }
}
