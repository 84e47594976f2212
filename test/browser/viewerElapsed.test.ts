/**
 * The viewer for the elapsed-time model in headless Chromium (WebGPU on SwiftShader, WebGL for playback),
 * against the built app in dist/: live mode relaxes to the exact steady rate N* of a stable inhibitory case
 * (src/models/elapsed/steadyStates.ts) with the mass kept at 1; a change of b goes on from the running state
 * to the new exact rate, while a change of the kernel's kind restarts, saying why; a step over N max stops
 * where `kinfire run` stops; the model selector leads to and from elapsed; and playback of a `kinfire run`
 * folder draws n(s) over the ages and N(t).
 * Screenshots go to test-output/screenshots/.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { elapsedSteadyRates } from '../../src/models/elapsed/steadyStates';
import { resolveElapsedRunConfig } from '../../src/models/registry';
import { kinfire } from '../helpers/cli';
import { startView, type ViewServer } from '../helpers/view';
import { chromiumPath } from './harness';
import { saveScreenshot } from './pixels';
import { expectRunsDrawn, lineColorPixels, setNumber, viewerSuite } from './viewerPage';

const chrome = chromiumPath();
const work = mkdtempSync(join(tmpdir(), 'kinfire-viewer-elapsed-'));

/**
 * The stable case: inhibition (b = −0.8) with the threshold firing φ0 = 2 above s* = s0/(1 + kX), the
 * instant kernel, dt = 0.1 (ns = 40 cells of [0, 4]; on SwiftShader a frame takes one step of about 0.15 s).
 * Its one steady rate solves N·(s*(bN) + 1/φ0) = 1. The f64 twin on the same cells is 6.6e-5 off N* at
 * t = 10, and 7.9e-5 off N*(−0.4) 8 time units after b is changed to −0.4.
 */
const STABLE = { b: -0.8, phi0: 2, dt: 0.1 };
/** the exact steady rate of the case at b */
const exactRate = (b: number) => elapsedSteadyRates(resolveElapsedRunConfig({ model: 'elapsed', elapsed: { b, phi0: STABLE.phi0 } }).elapsed);

describe.skipIf(chrome === null)('the viewer for the elapsed-time model', () => {
  const suite = viewerSuite();
  const live = (query: string) => suite.open(`mode=live&model=elapsed&${query}`);
  let view: ViewServer | undefined;
  afterAll(async () => {
    await view?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('live: a stable inhibitory case relaxes to the exact N*; b changed goes on to the new N*; the kernel changed restarts', async () => {
    const began = Date.now();
    const T = 10;
    const v = await live(`b=${STABLE.b}&phi0=${STABLE.phi0}&dt=${STABLE.dt}&smax=4&spf=1000&until=${T}`);
    const state = await v.waitFor((p) => !p.playing && p.t > T - STABLE.dt / 2, 50_000);
    const [Nstar, ...others] = exactRate(STABLE.b);
    const error = Math.abs(state.N! - Nstar!) / Nstar!;
    console.log(`live elapsed, b = ${STABLE.b}: N(${T}) = ${state.N} against N* = ${Nstar} (relative ${error.toExponential(2)}), mass ${state.mass}, ${state.step} steps, ${Date.now() - began} ms`);
    expect(others).toEqual([]); // one steady state
    expect(state.step).toBe(Math.round(T / STABLE.dt));
    expect(error).toBeLessThan(1e-3); // the twin: 6.6e-5 at t = 10, 1.2e-2 at t = 5
    expect(Math.abs(state.mass! - 1)).toBeLessThan(1e-5);
    expect(state.stopped).toBeNull();
    await expectRunsDrawn(v, 'live-elapsed.png');
    const url = new URL(v.page.url()).searchParams;
    expect([url.get('mode'), url.get('model'), url.get('b'), url.get('dt'), url.get('kernel'), url.get('play')]).toEqual(['live', 'elapsed', String(STABLE.b), String(STABLE.dt), 'instant', '0']);

    // b goes on from the running state (the clock and the step count go on) to the new exact rate
    const b2 = -0.4;
    await setNumber(v, 'b', String(b2));
    await v.page.click('button[name="play"]');
    await v.waitFor((p) => p.t > T + 8, 50_000);
    await v.page.click('button[name="pause"]');
    const end = await v.waitFor((p) => !p.playing);
    const [N2] = exactRate(b2);
    const error2 = Math.abs(end.N! - N2!) / N2!;
    console.log(`live elapsed, b = ${STABLE.b} → ${b2} at t = ${T}: N(${end.t.toFixed(2)}) = ${end.N} against N*(${b2}) = ${N2} (relative ${error2.toExponential(2)})`);
    expect(end.step).toBe(Math.round(end.t / STABLE.dt));
    expect(end.step).toBeGreaterThan(state.step);
    expect(error2).toBeLessThan(1e-3);
    expect(Math.abs(end.N! - state.N!) / N2!).toBeGreaterThan(0.1); // b did change the rate
    expect(await v.page.$eval('#message', (el) => (el as HTMLElement).hidden)).toBe(true);

    // the kernel's kind changes the state's memory: a restart from the initial ages at t = 0, saying why
    await v.page.select('select[name="kernel"]', 'delay');
    const restarted = await v.waitFor((p) => p.frames > end.frames && p.step < 50);
    expect(restarted.t).toBeLessThan(2.5);
    expect(await v.page.$eval('#message', (el) => el.textContent)).toMatch(/Restarted from the initial data at t = 0: the coupling kernel changed its kind/);
    expect(new URL(v.page.url()).searchParams.get('kernel')).toBe('delay');
  });

  it('live: a step over N max stops at the last good state, at the step where kinfire run stops', async () => {
    // excitatory (b = 0.2, φ0 = 5) from young ages (mean 0.2): at step 10 the boundary relation's smallest root
    // jumps past N max = 2 as the volley crosses s* (the twin: N = 0.22 at step 9, 3.26 at step 10)
    const out = join(work, 'blowup');
    const set = ['--set', 'model="elapsed"', '--set', 'elapsed.b=0.2', '--set', 'elapsed.phi0=5', '--set', 'initial.kind="gaussian"', '--set', 'initial.mean=0.2', '--set', 'time.Nmax=2', '--set', 'time.dt=0.05', '--set', 'time.T=5', '--set', 'grid.smax=4'];
    const cli = kinfire('run', '-q', ...set, '--out', out);
    expect(cli.code, cli.stderr).toBe(3);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.status).toBe('blowup');
    const v = await live('b=0.2&phi0=5&mean=0.2&Nmax=2&dt=0.05&smax=4&spf=1000');
    const state = await v.waitFor((p) => p.stopped !== null, 40_000);
    console.log(`live elapsed blow-up: ${state.stopped!.message}; the CLI kept step ${summary.steps}, N ${summary.N_final}`);
    expect(state.stopped!.status).toBe('blowup');
    expect(state.stopped!.message).toMatch(/N\(t\) exceeded time\.Nmax = 2 at t = /);
    expect(state.step).toBe(summary.steps); // the same kernel, the same last good step
    expect(Math.abs(state.N! - summary.N_final)).toBeLessThanOrEqual(1e-6 * summary.N_final);
    expect(state.step).toBe(9);
    expect(state.N).toBeLessThanOrEqual(2);
    expect(await v.page.$eval('#status-rate', (el) => el.textContent)).toBe('stopped: blowup');
    // N max raised goes on from the kept state (no restart)
    await v.page.$eval('input[name="Nmax"]', (el) => ((el as HTMLInputElement).value = '1e6'));
    await v.page.click('button[name="apply-grid"]');
    await v.page.click('button[name="play"]');
    const on = await v.waitFor((p) => p.step > state.step + 20, 30_000);
    expect(on.stopped).toBeNull();
    expect(on.t).toBeCloseTo(on.step * 0.05, 9);
  });

  it('the model selector leads from nnlif to elapsed, and from elapsed to the vc models', async () => {
    const v = await suite.open('mode=live&model=nnlif&play=0');
    await v.waitFor((p) => p.frames > 0);
    await Promise.all([v.page.waitForNavigation(), v.page.select('select[name="model"]', 'elapsed')]);
    await v.waitFor((p) => p.frames > 0);
    expect(new URL(v.page.url()).searchParams.get('model')).toBe('elapsed');
    expect(await v.page.$('input[name="s0"]')).not.toBeNull();
    await Promise.all([v.page.waitForNavigation(), v.page.select('select[name="model"]', 'vc')]);
    await v.waitFor((p) => p.frames > 0);
    expect(await v.page.$('input[name="eps"]')).not.toBeNull();
  });

  it('playback of a kinfire run folder: n(s) over the ages as a line, N(t) with its cursor', async () => {
    const out = join(work, 'run');
    const cli = kinfire('run', '-q', '--set', 'model="elapsed"', '--set', 'elapsed.b=-0.5', '--set', 'time.T=2', '--set', 'time.dt=0.05', '--set', 'output.snapshots=[0,1,2]', '--out', out);
    expect(cli.code, cli.stderr).toBe(0);
    view = await startView(out);
    const v = await suite.openUrl(view.url);
    let state = await v.waitFor((p) => p.frames > 0 && p.step === 0, 30_000);
    expect(state.renderer).toBeNull(); // a line plot on the 2D overlay, no density image
    expect(await v.page.$eval('#controls', (el) => el.textContent)).toMatch(/run \(elapsed, the elapsed-time model\): 3 snapshots of n\(s\), \d+ age cells/);
    await v.page.click('button[name=next]');
    state = await v.waitFor((p) => p.step === 1, 30_000);
    expect(state.t).toBeCloseTo(1, 9);
    const rows = readFileSync(join(out, 'activity.csv'), 'utf8').trim().split('\n').map((line) => line.split(','));
    expect(rows[0]).toEqual(['t', 'N', 'mass']);
    expect(state.N).toBe(Number(rows.find((row) => Math.abs(Number(row[0]) - 1) < 1e-9)![1]));
    const drawn = { density: await lineColorPixels(v, '#density-overlay'), activity: await lineColorPixels(v, '#plot-activity') };
    console.log(`elapsed playback, frame 1: ${drawn.density} pixels of n(s), ${drawn.activity} of N(t)`);
    expect(drawn.density).toBeGreaterThan(300);
    expect(drawn.activity).toBeGreaterThan(100);
    saveScreenshot('playback-elapsed.png', await v.page.screenshot({ type: 'png' }));
  });
});
