/**
 * Live mode of the viewer in headless Chromium (WebGPU on SwiftShader), against the built app in dist/:
 * the density is drawn from the solver's buffer with its colour bar, changing b changes N(t) without
 * losing the state, pause stops time, the URL carries the parameters, and a browser without WebGPU is
 * told so. Screenshots go to test-output/screenshots/.
 */
import { describe, expect, it } from 'vitest';
import { densityLayout } from '../../src/render/canvas/layout';
import { chromiumPath } from './harness';
import { decodePng, regionStats, saveScreenshot } from './pixels';
import { viewerSuite } from './viewerPage';

const chrome = chromiumPath();
const SMALL = 'nv=64&ng=48';

describe.skipIf(chrome === null)('the viewer, live mode', () => {
  const suite = viewerSuite();
  const { open } = suite;

  it('draws p(v, g, t) from the GPU with axes and a colour bar', async () => {
    const v = await open(`mode=live&${SMALL}&until=0.1`);
    const state = await v.waitFor((p) => !p.playing && p.step > 5);
    expect(state.renderer).toBe('webgpu');
    expect(state.t).toBeCloseTo(0.1, 2);
    expect(state.N).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 600)); // a paused view redraws 4×/s: the colour bar has the latest range
    const panel = (await v.page.$('#density'))!;
    const box = (await panel.boundingBox())!;
    const png = await panel.screenshot({ type: 'png' });
    saveScreenshot('live-density.png', png);
    saveScreenshot('live-page.png', await v.page.screenshot({ type: 'png' }));
    const pixels = await decodePng(png);
    const { plot, colorBar } = densityLayout(Math.round(box.width), Math.round(box.height));
    const inner = (r: typeof plot) => [Math.round(r.left) + 3, Math.round(r.top) + 3, Math.round(r.width) - 6, Math.round(r.height) - 6] as const;
    const image = regionStats(pixels, ...inner(plot));
    expect(image.colours).toBeGreaterThan(30); // a density, not a blank or uniform picture
    expect(image.lumaStd).toBeGreaterThan(10);
    expect(image.mapFraction).toBeGreaterThan(0.8); // coloured by viridis (markers cover the rest)
    const bar = regionStats(pixels, ...inner(colorBar));
    expect(bar.mapFraction).toBeGreaterThan(0.9);
    expect(bar.colours).toBeGreaterThan(50);
  });

  it('draws the neurons of the particle system from its buffers, and their N(t) beside the PDE', async () => {
    const count = (pixels: Awaited<ReturnType<typeof decodePng>>) => {
      let n = 0;
      for (let k = 0; k < pixels.data.length; k += 4) if (pixels.data[k] > 150 && pixels.data[k] - pixels.data[k + 1] > 100) n++;
      return n; // no viridis entry is this red: the points, and the V* marker (the same in both runs)
    };
    const shots = [];
    for (const particles of [0, 20000]) {
      const v = await open(`mode=live&${SMALL}&until=0.05&particles=${particles}`);
      await v.waitFor((p) => !p.playing && p.step > 0);
      const png = await (await v.page.$('#density'))!.screenshot({ type: 'png' });
      if (particles) saveScreenshot('live-particles.png', png);
      shots.push(count(await decodePng(png)));
      await v.page.close();
    }
    expect(shots[1] - shots[0]).toBeGreaterThan(200);
  });

  it('changing b changes N(t) at once, keeping the state and the clock', async () => {
    // two runs to t = 0.05, then 10 single steps, one of them with b = 4 from there on (one tab at a
    // time: a background tab gets no animation frames)
    const run = async (b?: string) => {
      const v = await open(`mode=live&${SMALL}&until=0.05`);
      const paused = await v.waitFor((p) => !p.playing && p.step > 0);
      if (b !== undefined) {
        await v.page.$eval(
          'input[name="b"]',
          (el, value) => {
            (el as HTMLInputElement).value = value;
            el.dispatchEvent(new Event('change'));
          },
          b,
        );
      }
      for (let k = 1; k <= 10; k++) {
        await v.page.click('button[name="step"]');
        await v.waitFor((p) => p.step >= paused.step + k, 30_000);
      }
      const end = await v.probe();
      const url = new URL(v.page.url());
      await v.page.close();
      return { paused, end, url };
    };
    const same = await run();
    const changed = await run('4');
    expect(changed.paused.N).toBe(same.paused.N); // the same run up to the change, bitwise
    expect(changed.end.step).toBe(same.end.step);
    expect(changed.end.t).toBeCloseTo(same.end.t, 10); // the parameter change did not restart the run
    expect(changed.end.t).toBeGreaterThan(changed.paused.t);
    expect(Math.abs(changed.end.N! - same.end.N!)).toBeGreaterThan(1e-3 * Math.abs(same.end.N!));
    expect(changed.url.searchParams.get('b')).toBe('4');
  });

  it('pause stops time; play goes on', async () => {
    const v = await open(`mode=live&${SMALL}&spf=2`);
    await v.waitFor((p) => p.step > 4);
    await v.page.click('button[name="pause"]');
    const paused = await v.waitFor((p) => !p.playing);
    await new Promise((r) => setTimeout(r, 1500));
    const later = await v.probe();
    expect(later.t).toBe(paused.t);
    expect(later.step).toBe(paused.step);
    await v.page.click('button[name="play"]');
    await v.waitFor((p) => p.step > paused.step + 2);
  });

  it('the URL carries the parameters: a reload shows the same view', async () => {
    const v = await open(`mode=live&${SMALL}&until=0.03`);
    await v.waitFor((p) => !p.playing && p.step > 0);
    const setEps = (value: string) =>
      v.page.$eval(
        'input[name="eps"]',
        (el, x) => {
          (el as HTMLInputElement).value = x;
          el.dispatchEvent(new Event('change'));
        },
        value,
      );
    // a value the schema refuses is reported with its allowed range and not applied
    await setEps('-1');
    const shown = await v.page.$$eval('.field-error', (lines) => lines.filter((l) => !(l as HTMLElement).hidden).map((l) => l.textContent));
    expect(shown.join(' ')).toMatch(/\[1e-12, 1000000\]/);
    expect(new URL(v.page.url()).searchParams.get('eps')).toBe('0.05');
    await setEps('0.002');
    await v.page.select('select[name="cmap"]', 'magma');
    await v.page.select('select[name="scale"]', 'log');
    const url = v.page.url();
    const query = new URL(url).searchParams;
    expect(query.get('eps')).toBe('0.002');
    expect(query.get('cmap')).toBe('magma');
    expect(query.get('scale')).toBe('log');
    const again = await suite.openUrl(url);
    await again.waitFor((p) => p.frames > 0 && !p.playing);
    expect(new URL(again.page.url()).search).toBe(new URL(url).search);
    expect(await again.page.$eval('input[name="eps"]', (el) => (el as HTMLInputElement).value)).toBe('0.002');
    expect(await again.page.$eval('select[name="cmap"]', (el) => (el as HTMLSelectElement).value)).toBe('magma');
  });

  it('tells a browser without WebGPU that live mode needs it, and offers playback', async () => {
    const page = await suite.browser.newPage();
    await page.evaluateOnNewDocument(() => Object.defineProperty(navigator, 'gpu', { value: undefined }));
    await page.goto(`${suite.base}index.html?mode=live`, { waitUntil: 'load' });
    await page.waitForFunction(() => !document.getElementById('message')!.hidden);
    const text = await page.$eval('#message', (el) => el.textContent ?? '');
    expect(text).toMatch(/needs WebGPU/);
    expect(text).toMatch(/Playback/);
    await page.close();
  });
});
