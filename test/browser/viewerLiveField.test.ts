/**
 * Live mode for the Wilson–Cowan field in headless Chromium (WebGPU on SwiftShader), against the built app in
 * dist/: started at a stable homogeneous steady state (s0 = 0.3) the mean of N stays at the root N* of
 * ŵ(0)σ(N) + s0 = N (src/models/field/steadyStates.ts) to f32 accuracy; s0 changed to 1.2 goes on from the running
 * state (the step count goes on) and the mean moves to the new root; started near the Turing-unstable state on
 * the ring, the dominant mode of N's spectrum is the fastest mode of the dispersion relation, and the mean and max
 * of N at the end are the CLI's (`kinfire field`, the same kernels) bit for bit; the plane forms a pattern, drawn
 * on the cortex and in the visual field (white outside the unit disk, the plot square); the model selector leads
 * to and from the field. Playback of `kinfire field` folders: the
 * plane's frames as a WebGL heatmap, the ring's as a line, N at each frame the activity's mean. Small grids, a few time units each. Screenshots go to test-output/screenshots/.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fieldProblem } from '../../src/models/field/problem';
import { classifyHomogeneous } from '../../src/models/field/steadyStates';
import { resolveFieldRunConfig } from '../../src/models/registry';
import { densityLayout } from '../../src/render/canvas/layout';
import { kinfire } from '../helpers/cli';
import { chromiumPath } from './harness';
import { decodePng, saveScreenshot } from './pixels';
import { startView, type ViewServer } from '../helpers/view';
import { lineColorPixels, setNumber, type ViewerPage, viewerSuite } from './viewerPage';

const chrome = chromiumPath();
const work = mkdtempSync(join(tmpdir(), 'kinfire-live-field-'));

/** The homogeneous states of the field's defaults at these changes, with their dispersion data. */
function states(field: Record<string, unknown>) {
  const config = resolveFieldRunConfig({ model: 'field', field });
  const problem = fieldProblem(config);
  return classifyHomogeneous(config, problem.wHat0, problem.s0, problem.multiplier);
}

/** The fraction of white pixels in the WebGPU canvas (the margins around the plot, and NaN). */
async function whiteFraction(v: ViewerPage): Promise<number> {
  const pixels = await decodePng(await (await v.page.$('#density-gpu'))!.screenshot({ type: 'png' }));
  let white = 0;
  for (let k = 0; k < pixels.data.length; k += 4) if (pixels.data[k]! > 250 && pixels.data[k + 1]! > 250 && pixels.data[k + 2]! > 250) white++;
  return white / (pixels.data.length / 4);
}

describe.skipIf(chrome === null)('the viewer, live mode for the Wilson–Cowan field', () => {
  const suite = viewerSuite();
  const { open } = suite;
  let view: ViewServer | undefined;
  afterAll(async () => {
    await view?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('a stable homogeneous state stays (mean N = N* to f32 accuracy); s0 changed goes on from the running state to the new N*', async () => {
    const [low] = states({ domain: 'plane', n: 32, source: { s0: 0.3 } });
    const [high] = states({ domain: 'plane', n: 32, source: { s0: 1.2 } });
    expect(low!.stable && high!.stable).toBe(true);
    const v = await open('mode=live&model=field&n=32&s0=0.3&dt=0.25&spf=1000&until=10');
    const rested = await v.waitFor((p) => !p.playing && p.t > 9.99);
    console.log(`live field, s0 = 0.3: mean N(10) = ${rested.N} against N* = ${low!.N} (${Math.abs(rested.N! - low!.N).toExponential(2)}), max ${rested.activity[1]}`);
    expect(rested.step).toBe(40);
    // f32: the fixed point of the f32 step and the f32 sum of 1024 points, a few ulps from the f64 root (measured 5.7)
    expect(Math.abs(rested.N! - low!.N)).toBeLessThan(1e-6 * low!.N);
    expect(Math.abs(rested.activity[1]! - low!.N)).toBeLessThan(1e-5); // the perturbation 1e-3 decayed at λ(0) ≈ −0.92
    expect(rested.stopped).toBeNull();

    await setNumber(v, 's0', '1.2');
    expect(new URL(v.page.url()).searchParams.get('s0')).toBe('1.2');
    await v.page.click('button[name="play"]');
    const moved = await v.waitFor((p) => p.t > 40, 60_000);
    await v.page.click('button[name="pause"]');
    const end = await v.waitFor((p) => !p.playing);
    console.log(`live field, s0 = 0.3 → 1.2 at t = 10: mean N(${end.t}) = ${end.N} against N*(1.2) = ${high!.N}`);
    expect(moved.step).toBeGreaterThan(120); // the step count went on: no restart
    expect(end.step).toBe(Math.round(end.t / 0.25));
    expect(Math.abs(end.N! - high!.N)).toBeLessThan(1e-5);
    saveScreenshot('live-field-steady.png', await v.page.screenshot({ type: 'png' }));

    // n changes the grid: a restart from the initial data at t = 0, saying why
    await setNumber(v, 'n', '16');
    await v.page.click('button[name="apply-grid"]');
    const restarted = await v.waitFor((p) => p.frames > end.frames && p.step < 40);
    expect(restarted.t).toBeLessThan(10);
    expect(await v.page.$eval('#message', (el) => el.textContent)).toMatch(/Restarted from the initial data at t = 0: the grid changed/);
  });

  it('ring near the Turing-unstable state: the dominant mode is the fastest of the dispersion relation, the mean and max of N the CLI’s bit for bit', async () => {
    const ring = { domain: 'ring', n: 256, L: 14 };
    const [state] = states(ring);
    expect(state!.turing).toBe(true);
    const out = join(work, 'ring');
    const cli = kinfire('field', '-q', '--set', 'field.domain="ring"', '--set', 'field.n=256', '--set', 'field.L=14', '--set', 'time.T=10', '--set', 'time.dt=0.1', '--set', 'initial.perturbation=1e-4', '--set', 'initial.seed=5', '--out', out);
    expect(cli.code).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    const v = await open('mode=live&model=field&domain=ring&n=256&L=14&dt=0.1&eps=0.0001&seed=5&spf=1000&until=10');
    const end = await v.waitFor((p) => !p.playing && p.t > 9.99);
    console.log(`live field, ring: dominant mode ${end.spectrum?.mode} k = ${end.spectrum?.k} at t = ${end.spectrum?.t} (A = ${end.spectrum?.amplitude}); predicted ${state!.grid!.mode}, k* = ${state!.grid!.k}; the CLI's mean ${summary.N_final}, live ${end.N}`);
    expect(end.step).toBe(100);
    expect(end.spectrum!.t).toBeCloseTo(10, 9);
    expect(end.spectrum!.mode).toEqual(state!.grid!.mode);
    expect(end.spectrum!.k).toBeCloseTo(state!.grid!.k, 12);
    expect(end.spectrum!.k).toBe(summary.measured.k_dominant_final);
    expect(end.spectrum!.amplitude).toBeGreaterThan(1e-3); // it grew from ~1e-5 (ε = 1e-4 over 256 points): a pattern forming
    // the same kernels and the same Philox start: the GPU's mean and max of the last step are the CLI's
    const rows = readFileSync(join(out, 'activity.csv'), 'utf8').trim().split('\n');
    const [t, mean, max] = rows.at(-1)!.split(',').map(Number);
    expect(t).toBeCloseTo(10, 9);
    expect([end.N, end.activity[1]]).toEqual([mean, max]);
    saveScreenshot('live-field-ring.png', await v.page.screenshot({ type: 'png' }));
  });

  it('the plane forms a pattern (the dominant |k| among the fastest), drawn on the cortex and in the visual field', async () => {
    const [state] = states({ domain: 'plane', n: 32 });
    expect(state!.turing).toBe(true);
    const v = await open('mode=live&model=field&n=32&dt=0.25&spf=1000&until=15');
    const end = await v.waitFor((p) => !p.playing && p.t > 14.99);
    console.log(`live field, plane 32²: dominant mode ${end.spectrum?.mode} |k| = ${end.spectrum?.k} (A = ${end.spectrum?.amplitude}), predicted |k*| = ${state!.grid!.k}; mean ${end.N}, max ${end.activity[1]}`);
    expect(end.renderer).toBe('webgpu');
    // the modes near k* have λ within a few % of each other: the random start picks one of them
    expect(Math.abs(end.spectrum!.k - state!.grid!.k)).toBeLessThan(0.1 * state!.grid!.k);
    expect(end.spectrum!.amplitude).toBeGreaterThan(0.05);
    await new Promise((r) => setTimeout(r, 600));
    saveScreenshot('live-field-plane.png', await v.page.screenshot({ type: 'png' }));
    const cortex = await whiteFraction(v);
    await v.page.select('select[name="view"]', 'visual');
    expect(new URL(v.page.url()).searchParams.get('view')).toBe('visual');
    const before = end.frames;
    await v.waitFor((p) => p.frames > before + 2);
    await new Promise((r) => setTimeout(r, 600));
    const visual = await whiteFraction(v);
    saveScreenshot('live-field-visual.png', await v.page.screenshot({ type: 'png' }));
    // outside the unit disk the visual field is NaN, drawn white: 1 − π/4 of the (square) plot more than on the cortex
    const size = await v.page.$eval('#density-gpu', (el) => [el.clientWidth, el.clientHeight]);
    const { plot } = densityLayout(size[0]!, size[1]!, 1);
    const disk = ((1 - Math.PI / 4) * plot.width * plot.height) / (size[0]! * size[1]!);
    console.log(`white pixels of the density canvas: ${(100 * cortex).toFixed(1)}% on the cortex, ${(100 * visual).toFixed(1)}% in the visual field; outside the disk ${(100 * disk).toFixed(1)}% (plot ${plot.width} × ${plot.height})`);
    expect(plot.width).toBe(plot.height);
    expect(Math.abs(visual - cortex - disk)).toBeLessThan(0.2 * disk);
  });

  it('the model selector leads from the field to elapsed, and from elapsed back to the field', async () => {
    const v = await open('mode=live&model=field&n=16&play=0');
    await v.waitFor((p) => p.frames > 0);
    await Promise.all([v.page.waitForNavigation(), v.page.select('select[name="model"]', 'elapsed')]);
    await v.waitFor((p) => p.frames > 0);
    expect(new URL(v.page.url()).searchParams.get('model')).toBe('elapsed');
    expect(await v.page.$('input[name="phi0"]')).not.toBeNull();
    await Promise.all([v.page.waitForNavigation(), v.page.select('select[name="model"]', 'field')]);
    await v.waitFor((p) => p.frames > 0);
    expect(new URL(v.page.url()).searchParams.get('model')).toBe('field');
    expect(await v.page.$('input[name="Ae"]')).not.toBeNull();
  });

  /** The activity.csv rows of a field folder: t, mean, max, … */
  const activityRows = (out: string) => readFileSync(join(out, 'activity.csv'), 'utf8').trim().split('\n').slice(1).map((line) => line.split(',').map(Number));

  it('playback of a kinfire field plane: its frames as a heatmap, N the activity’s mean, the last value shown', async () => {
    const out = join(work, 'plane-run');
    const cli = kinfire('field', '-q', '--set', 'field.n=32', '--set', 'time.T=12', '--set', 'time.dt=0.25', '--set', 'output.every=4', '--set', 'output.snapshots=[0,6,12]', '--out', out);
    expect(cli.code, cli.stderr).toBe(0);
    await view?.stop();
    view = await startView(out);
    const v = await suite.openUrl(view.url);
    let state = await v.waitFor((p) => p.frames > 0 && p.renderer === 'webgl', 30_000);
    expect(await v.page.$eval('#controls', (el) => el.textContent)).toMatch(/run \(field, the Wilson–Cowan plane\): 3 snapshots of N on 32 × 32 points, L = 40/);
    expect(await v.page.$eval('#plot-marginal', (el) => (el as HTMLElement).hidden)).toBe(true);
    await v.page.click('button[name=next]');
    await v.page.click('button[name=next]');
    state = await v.waitFor((p) => p.step === 2, 30_000);
    const rows = activityRows(out);
    expect(state.t).toBeCloseTo(12, 9);
    expect(state.N).toBe(rows.at(-1)![1]); // the activity's last mean
    // the pattern: many colours inside the image (a uniform N would be one)
    const png = await decodePng(await (await v.page.$('#density-gl'))!.screenshot({ type: 'png' }));
    const colours = new Set<number>();
    for (let k = 0; k < png.data.length; k += 4) colours.add((png.data[k]! << 16) | (png.data[k + 1]! << 8) | png.data[k + 2]!);
    console.log(`field plane playback, frame 3 (t = ${state.t}): N = ${state.N}, ${colours.size} colours in the heatmap`);
    expect(colours.size).toBeGreaterThan(50);
    saveScreenshot('playback-field-plane.png', await v.page.screenshot({ type: 'png' }));
  });

  it('playback of a kinfire field ring: N(x) as a line, mean and max of N(t)', async () => {
    const out = join(work, 'ring-run');
    const cli = kinfire('field', '-q', '--set', 'field.domain="ring"', '--set', 'field.n=128', '--set', 'field.L=14', '--set', 'time.T=8', '--set', 'time.dt=0.1', '--set', 'output.snapshots=[4,8]', '--out', out);
    expect(cli.code, cli.stderr).toBe(0);
    await view?.stop();
    view = await startView(out);
    const v = await suite.openUrl(view.url);
    await v.waitFor((p) => p.frames > 0 && p.step === 0, 30_000);
    expect(await v.page.$eval('#controls', (el) => el.textContent)).toMatch(/run \(field, the Wilson–Cowan ring\): 2 snapshots of N on 128 points/);
    await v.page.click('button[name=next]');
    const state = await v.waitFor((p) => p.step === 1, 30_000);
    expect(state.renderer).toBeNull(); // a line on the 2D overlay
    expect(state.N).toBe(activityRows(out).at(-1)![1]);
    const drawn = { field: await lineColorPixels(v, '#density-overlay'), activity: await lineColorPixels(v, '#plot-activity') };
    console.log(`field ring playback, frame 2: ${drawn.field} pixels of N(x), ${drawn.activity} of N(t)`);
    expect(drawn.field).toBeGreaterThan(300);
    expect(drawn.activity).toBeGreaterThan(100);
    saveScreenshot('playback-field-ring.png', await v.page.screenshot({ type: 'png' }));
  });
});
