/**
 * Playback in headless Chromium, against the built viewer (dist/, made by `npm run build`) served by
 * `kinfire view` on results folders that the CLI writes in this test: the page loads without console
 * errors, draws its frames through WebGL (pixel statistics of screenshots: a non-uniform image inside
 * the plot, the colour map in the colour bar), follows the slider and play, keeps its state in the URL,
 * recolours with another colour map, refuses a fixed range a log scale cannot show, and draws the same
 * picture without float textures. An nnlif histogram n(v) is a line plot; a missing snapshot and a
 * folder that is not a results folder are reported. Screenshots: test-output/screenshots/playback-*.png.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { colorMapTable, type ColorMapName } from '../../src/render/colormaps';
import { densityLayout, type Rect } from '../../src/render/canvas/layout';
import type { ViewerProbe } from '../../web/viewer/shell';
import { kinfire } from '../helpers/cli';
import { startView, type ViewServer } from '../helpers/view';
import { type Browser, chromiumPath, launchBrowser } from './harness';
import { decodePng, type Pixels, regionStats, saveScreenshot } from './pixels';
import { openViewer, type ViewerPage } from './viewerPage';

const chrome = chromiumPath();
const work = mkdtempSync(join(tmpdir(), 'kinfire-viewer-'));
const small = ['--set', 'grid.nv=48', '--set', 'grid.ng=32', '--set', 'time.T=0.2', '-q'];
const VIEWPORT = { width: 1280, height: 900 };
/**
 * Two populations of the NNLIF PDE, each with its own grid, threshold and initial Gaussian, both near their
 * threshold so that both fire at once: E (hard, VF = 2, centred at v = 1.2) and I (soft, VF = 0, centred at
 * v = −0.5), so that which line is which shows in the picture.
 */
const EI_NETWORK = {
  model: 'nnlif',
  nnlif: {
    populations: [
      { name: 'E', a0: 1, VR: 1, VF: 2, vmin: -3, initial: { v0: 1.2, sv: 0.2 } },
      { name: 'I', a0: 0.5, VR: -0.5, VF: 0, vmin: -3, firing: { kind: 'soft', rate: 15, vmax: 1 }, initial: { v0: -0.5, sv: 0.3 } },
    ],
    b: [[0.5, -1], [1, -0.5]],
  },
  grid: { nv: 128 },
  time: { T: 0.5, dt: 0.01 },
  output: { snapshots: [0, 0.25, 0.5] },
};
const SERIES_RGB = [[0x1f, 0x77, 0xb4], [0xff, 0x7f, 0x0e]] as const;

interface Shot {
  png: Uint8Array;
  pixels: Pixels;
  /** the density panel (the overlay canvas) in screenshot pixels */
  panel: Rect;
}

/** A screenshot of the page, decoded, with where the density panel is in it (device scale 1). */
async function shoot(viewer: ViewerPage): Promise<Shot> {
  const png = await viewer.page.screenshot({ type: 'png' });
  const panel = await viewer.page.$eval('#density-overlay', (el) => {
    const r = el.getBoundingClientRect();
    return { left: Math.round(r.left), top: Math.round(r.top), width: Math.round(r.width), height: Math.round(r.height) };
  });
  return { png, pixels: await decodePng(png), panel };
}

/** The density image's rect in the panel, less 2 px on every side (clear of the frame). */
function imageRect(shot: Shot): Rect {
  const { plot } = densityLayout(shot.panel.width, shot.panel.height);
  return { left: plot.left + 2, top: plot.top + 2, width: plot.width - 4, height: plot.height - 4 };
}

/** The middle column of the colour bar, inside its frame. */
function colorBarColumn(shot: Shot): Rect {
  const { colorBar } = densityLayout(shot.panel.width, shot.panel.height);
  return { left: colorBar.left + Math.floor(colorBar.width / 2), top: colorBar.top + 1, width: 1, height: colorBar.height - 2 };
}

/** regionStats of a rect of the panel. */
function stats(shot: Shot, rect: Rect, map: ColorMapName = 'viridis') {
  return regionStats(shot.pixels, shot.panel.left + rect.left, shot.panel.top + rect.top, rect.width, rect.height, map);
}

function rgbAt(shot: Shot, x: number, y: number): [number, number, number] {
  const k = 4 * ((shot.panel.top + y) * shot.pixels.width + shot.panel.left + x);
  return [shot.pixels.data[k]!, shot.pixels.data[k + 1]!, shot.pixels.data[k + 2]!];
}

/** Whether the colour at panel pixel (x, y) is entry `k` of the colour map (sum of |Δ| over r, g, b ≤ 6). */
function isEntry(shot: Shot, x: number, y: number, map: ColorMapName, k: number): boolean {
  const table = colorMapTable(map);
  const rgb = rgbAt(shot, x, y);
  return rgb.reduce((sum, c, m) => sum + Math.abs(c - table[3 * k + m]!), 0) <= 6;
}

/** The share of the pixels of `rect` that differ between two shots. */
function changedShare(a: Shot, b: Shot, rect: Rect): number {
  let changed = 0;
  for (let y = rect.top; y < rect.top + rect.height; y++) {
    for (let x = rect.left; x < rect.left + rect.width; x++) if (rgbAt(a, x, y).some((c, m) => c !== rgbAt(b, x, y)[m])) changed++;
  }
  return changed / (rect.width * rect.height);
}

describe.skipIf(chrome === null)('playback in the viewer (headless Chromium, WebGL)', () => {
  let browser: Browser;
  const views: ViewServer[] = [];

  /** The viewer at `url`; with floatTextures false, as on a GPU without OES_texture_float. */
  async function open(url: string, options: { floatTextures?: boolean } = {}): Promise<ViewerPage> {
    if (options.floatTextures !== false) return openViewer(browser, url, VIEWPORT);
    const viewer = await openViewer(browser, 'about:blank', VIEWPORT);
    await viewer.page.evaluateOnNewDocument(() => {
      const getExtension = WebGLRenderingContext.prototype.getExtension;
      // regl asks for extensions in lower case
      WebGLRenderingContext.prototype.getExtension = function (this: WebGLRenderingContext, name: string) {
        return name.toLowerCase() === 'oes_texture_float' ? null : getExtension.call(this, name);
      } as typeof getExtension;
    });
    await viewer.page.goto(url, { waitUntil: 'load' });
    return viewer;
  }

  /** Waits until frame `step` is drawn. */
  const drawn = (viewer: ViewerPage, step: number) => viewer.waitFor((p) => p.frames > 0 && p.step === step, 30_000);

  beforeAll(async () => {
    const run = kinfire('run', '--out', join(work, 'run'), ...small, '--set', 'params.b=1', '--set', 'output.snapshots=[0,0.05,0.1,0.2]');
    expect(run.code, run.stderr).toBe(0);
    const particles = kinfire('particles', '--out', join(work, 'particles'), ...small, '--set', 'particles.count=20000', '--set', 'output.snapshots=[0.1,0.2]');
    expect(particles.code, particles.stderr).toBe(0);
    const nnlif = kinfire('particles', '--out', join(work, 'nnlif'), '--set', 'model="nnlif"', '--set', 'particles.count=20000', '--set', 'time.T=0.1', '--set', 'time.dt=0.01', '--set', 'output.snapshots=[0.1]', '-q');
    expect(nnlif.code, nnlif.stderr).toBe(0);
    // A copy of the run without one of its snapshots.
    cpSync(join(work, 'run'), join(work, 'broken'), { recursive: true });
    rmSync(join(work, 'broken', JSON.parse(readFileSync(join(work, 'run', 'summary.json'), 'utf8')).snapshots[2].npy));
    const pde = kinfire('run', '--out', join(work, 'nnlif-pde'), '--set', 'model="nnlif"', '--set', 'time.T=0.5', '--set', 'time.dt=0.01', '--set', 'output.snapshots=[0,0.25,0.5]', '-q');
    expect(pde.code, pde.stderr).toBe(0);
    writeFileSync(join(work, 'ei.json'), JSON.stringify(EI_NETWORK));
    const network = kinfire('run', '--config', join(work, 'ei.json'), '--out', join(work, 'nnlif-ei'), '-q');
    expect(network.code, network.stderr).toBe(0);
    views.push(...(await Promise.all(['run', 'particles', 'nnlif', 'broken', 'nnlif-pde', 'nnlif-ei'].map((name) => startView(join(work, name))))));
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    for (const view of views) await view.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('plays back a kinetic run: WebGL frames, colour bar, slider, URL round trip, colour maps', async () => {
    const viewer = await open(views[0]!.url);
    let state = await drawn(viewer, 0);
    expect(state.mode).toBe('playback');
    expect(state.renderer).toBe('webgl');
    expect(state.frames).toBeGreaterThanOrEqual(1);
    expect(state.N).toBeGreaterThan(0);

    // Frame 1 (t ≈ 0.05): the density is a blob that has moved and spread.
    await viewer.page.$eval('input[name=frame]', (el) => {
      (el as HTMLInputElement).value = '1';
      el.dispatchEvent(new Event('input'));
    });
    state = await drawn(viewer, 1);
    expect(state.t).toBeCloseTo(0.05, 2);
    const first = await shoot(viewer);
    const image = imageRect(first);
    const picture = stats(first, image);
    console.log(`run frame 1: luminance std ${picture.lumaStd.toFixed(1)}, ${picture.colours} distinct colours in the image; ${state.frames} draws`);
    expect(picture.lumaStd).toBeGreaterThan(5);
    expect(picture.colours).toBeGreaterThanOrEqual(20);
    expect(picture.mapFraction).toBeGreaterThan(0.95); // all but the dashed markers at VF and V*
    const bar = colorBarColumn(first);
    expect(stats(first, bar).mapFraction).toBeGreaterThan(0.95);
    expect(stats(first, bar).colours).toBeGreaterThan(100);
    expect(isEntry(first, bar.left, bar.top + bar.height - 1, 'viridis', 0)).toBe(true);
    expect(isEntry(first, bar.left, bar.top, 'viridis', 255)).toBe(true);

    // The last frame: another time, another picture.
    await viewer.page.click('button[name=next]');
    await viewer.page.click('button[name=next]');
    state = await drawn(viewer, 3);
    expect(state.t).toBeCloseTo(0.2, 6);
    const last = await shoot(viewer);
    expect(changedShare(first, last, image)).toBeGreaterThan(0.05);
    saveScreenshot('playback-run.png', last.png);

    // magma: the same frame in other colours, the colour bar too.
    await viewer.page.select('select[name=cmap]', 'magma');
    await viewer.page.waitForFunction(() => location.search.includes('cmap=magma'));
    const magma = await shoot(viewer);
    expect(changedShare(last, magma, image)).toBeGreaterThan(0.5);
    expect(stats(magma, image, 'magma').mapFraction).toBeGreaterThan(0.95);
    expect(stats(magma, colorBarColumn(magma), 'magma').mapFraction).toBeGreaterThan(0.95);

    // The URL the page wrote reproduces the view: the same frame and colour map, the same pixels.
    const url = viewer.page.url();
    expect(new URL(url).searchParams.get('frame')).toBe('3');
    const again = await open(url);
    state = await drawn(again, 3);
    expect(state.t).toBeCloseTo(0.2, 6);
    expect(await again.page.$eval('select[name=cmap]', (el) => (el as HTMLSelectElement).value)).toBe('magma');
    expect(changedShare(magma, await shoot(again), image)).toBeLessThan(0.001);
    expect(await again.page.$eval('#status-adapter', (el) => el.textContent)).toBe('WebGL, float textures');

    // Without float textures (colour-map bins computed on the CPU, in 8-bit textures): the same picture.
    const unorm = await open(url, { floatTextures: false });
    await drawn(unorm, 3);
    expect(await unorm.page.$eval('#status-adapter', (el) => el.textContent)).toMatch(/^WebGL, 8-bit textures/);
    expect(changedShare(magma, await shoot(unorm), image)).toBeLessThan(0.001);
    for (const v of [viewer, again, unorm]) expect(v.errors).toEqual([]);
  });

  it('plays back a vc particle histogram; a fixed range; play', async () => {
    const viewer = await open(`${views[1]!.url}&scale=log`);
    const state = await drawn(viewer, 0);
    expect(state.renderer).toBe('webgl');
    expect(state.t).toBeCloseTo(0.1, 1);
    const shot = await shoot(viewer);
    const picture = stats(shot, imageRect(shot));
    console.log(`particles frame 0 (log scale): luminance std ${picture.lumaStd.toFixed(1)}, ${picture.colours} distinct colours`);
    expect(picture.lumaStd).toBeGreaterThan(5);
    expect(picture.colours).toBeGreaterThanOrEqual(20);
    expect(stats(shot, colorBarColumn(shot)).mapFraction).toBeGreaterThan(0.95);
    saveScreenshot('playback-particles.png', shot.png);

    // A fixed range: unticking "auto range" starts from the automatic one; one that a log scale cannot
    // show is refused next to its field, and the view keeps the last valid range.
    await viewer.page.click('input[name=range-auto]');
    await viewer.page.waitForFunction(() => /range=[\d.e-]+%2C[\d.e-]+/.test(location.search));
    const fixedRange = new URL(viewer.page.url()).searchParams.get('range');
    await viewer.page.$eval('input[name=range-min]', (el) => {
      (el as HTMLInputElement).value = '0';
      el.dispatchEvent(new Event('change'));
    });
    expect(await viewer.page.$eval('.field-error:not([hidden])', (el) => el.textContent)).toBe('min must be > 0 on a log scale');
    expect(new URL(viewer.page.url()).searchParams.get('range')).toBe(fixedRange);

    // Play runs through the frames and stops at the last one.
    await viewer.page.click('button[name=play]');
    const end = await viewer.waitFor((p) => !p.playing && p.step === 1, 10_000);
    expect(end.t).toBeCloseTo(0.2, 6);
    expect(viewer.errors).toEqual([]);
  });

  it('plays back an nnlif Fokker–Planck run: n(v) as a line plot', async () => {
    const viewer = await open(views[4]!.url);
    const state = await drawn(viewer, 0);
    expect(state.renderer).toBeNull();
    const shot = await shoot(viewer);
    let line = 0;
    for (let y = 0; y < shot.panel.height; y++) {
      for (let x = 0; x < shot.panel.width; x++) if (rgbAt(shot, x, y).reduce((sum, c, m) => sum + Math.abs(c - [0x1f, 0x77, 0xb4][m]!), 0) < 40) line++;
    }
    expect(line).toBeGreaterThan(200);
    saveScreenshot('playback-nnlif-pde.png', shot.png);
    expect(viewer.errors).toEqual([]);
  });

  it('plays back an nnlif network of 2 populations: both densities with a legend, N(t) of each', async () => {
    const viewer = await open(views[5]!.url);
    let state = await drawn(viewer, 0);
    expect(state.renderer).toBeNull();
    expect(await viewer.page.$eval('#controls', (el) => el.textContent)).toMatch(/2 populations: E, I\): 3 snapshots of n\(v\), 128 nodes/);
    // frame 0: E's Gaussian at v = 1.2 lies right of I's at v = −0.5; the peak of each colour says which row of
    // the (2, nv) frame went to which line. The markers of each population are dashed vertical lines in its
    // colour (their columns are skipped), labelled above the plot (rows above 45 px skipped); the legend is
    // at the top right (the peak is looked for left of 85% of the width).
    const shot = await shoot(viewer);
    const peaks = SERIES_RGB.map((rgb) => {
      let best = { x: -1, y: Infinity, count: 0 };
      for (let x = 0; x < shot.panel.width; x++) {
        const ys: number[] = [];
        for (let y = 45; y < shot.panel.height; y++) if (rgbAt(shot, x, y).reduce((sum, c, m) => sum + Math.abs(c - rgb[m]!), 0) < 40) ys.push(y);
        if (ys.length === 0 || ys.length > 0.2 * shot.panel.height) continue;
        const peak = x < 0.85 * shot.panel.width && ys[0]! < best.y;
        best = { x: peak ? x : best.x, y: peak ? ys[0]! : best.y, count: best.count + ys.length };
      }
      return best;
    });
    console.log(`nnlif network frame 0: peak of n_E at x = ${peaks[0]!.x} px, of n_I at x = ${peaks[1]!.x} px; ${peaks.map((p) => p.count).join(' and ')} line pixels`);
    saveScreenshot('playback-nnlif-ei.png', shot.png);
    for (const p of peaks) expect(p.count).toBeGreaterThan(200);
    expect(peaks[0]!.x - peaks[1]!.x).toBeGreaterThan(100); // 1.7 voltage units apart

    // frame 1 (t = 0.25): N at the frame is N_E of activity.csv; both N(t) lines are drawn
    await viewer.page.click('button[name=next]');
    state = await drawn(viewer, 1);
    expect(state.t).toBeCloseTo(0.25, 9);
    const rows = readFileSync(join(work, 'nnlif-ei', 'activity.csv'), 'utf8').trim().split('\n').map((line) => line.split(','));
    expect(rows[0]!.slice(0, 3)).toEqual(['t', 'N_E', 'N_I']);
    const at = rows.find((row) => Math.abs(Number(row[0]) - 0.25) < 1e-9)!;
    expect(state.N).toBe(Number(at[1]));
    // pixels of each series' colour (within 100 in the sum of |Δ|: the antialiased 1.5 px line) left of the legend
    const activity = await decodePng(await (await viewer.page.$('#plot-activity'))!.screenshot({ type: 'png' }));
    for (const rgb of SERIES_RGB) {
      let count = 0;
      for (let y = 0; y < activity.height; y++) {
        for (let x = 0; x < 0.7 * activity.width; x++) {
          const k = 4 * (y * activity.width + x);
          if (Math.abs(activity.data[k]! - rgb[0]) + Math.abs(activity.data[k + 1]! - rgb[1]) + Math.abs(activity.data[k + 2]! - rgb[2]) < 100) count++;
        }
      }
      expect(count).toBeGreaterThan(150);
    }
    expect(viewer.errors).toEqual([]);
  });

  it('plays back an nnlif particle histogram n(v) as a line plot', async () => {
    const viewer = await open(views[2]!.url);
    const state = await drawn(viewer, 0);
    expect(state.renderer).toBeNull(); // no density image: the n(v) line is drawn on the 2D overlay
    expect(await viewer.page.$eval('#density-gl', (el) => (el as HTMLCanvasElement).hidden)).toBe(true);
    const shot = await shoot(viewer);
    let line = 0; // pixels of the series colour (#1f77b4)
    for (let y = 0; y < shot.panel.height; y++) {
      for (let x = 0; x < shot.panel.width; x++) if (rgbAt(shot, x, y).reduce((sum, c, m) => sum + Math.abs(c - [0x1f, 0x77, 0xb4][m]!), 0) < 40) line++;
    }
    expect(line).toBeGreaterThan(200);
    saveScreenshot('playback-nnlif.png', shot.png);
    expect(viewer.errors).toEqual([]);
  });

  it('says plainly when a snapshot is missing, or the folder is not a results folder', async () => {
    const shown = async (viewer: ViewerPage) => {
      await viewer.page.waitForFunction(() => (window as unknown as { __kinfireViewer?: ViewerProbe }).__kinfireViewer?.errors.length);
      return { frames: (await viewer.probe()).frames, message: await viewer.page.$eval('#message', (el) => el.textContent) };
    };
    const broken = await open(views[3]!.url);
    const missing = await shown(broken);
    expect(missing.message).toMatch(/1 of 4 snapshots could not be read; the first: .*p_t0\.10\d*\.npy is missing/);
    expect(missing.frames).toBeGreaterThanOrEqual(1); // the others play
    const nowhere = await open(new URL('?mode=playback&data=nowhere/', views[3]!.origin).href);
    expect((await shown(nowhere)).message).toMatch(/nowhere\/ is not a kinfire results folder: it has neither summary\.json nor study\.json/);
    // The only console errors are the browser's reports of the missing files.
    for (const v of [broken, nowhere]) expect(v.errors.length > 0 && v.errors.every((e) => e.includes('404'))).toBe(true);
  });
});
