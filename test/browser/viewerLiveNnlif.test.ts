/**
 * Live mode for nnlif (the NNLIF Fokker–Planck PDE) in headless Chromium (WebGPU on SwiftShader), against
 * the built app in dist/: with b = 0 (a linear equation) N(t) relaxes to the exact steady rate 1/I(0) of
 * src/models/nnlif/steadyRate.ts with the mass kept at 1; changing b goes on from the running state and N(t)
 * moves to the new exact rate, while changing VF restarts; a blow-up (b = 3 > VF − VR, the mass near VF)
 * stops at the step the CLI stops at and shows it, and the kept state goes on once b is lowered; the vc
 * model selector leads to nnlif. Screenshots go to test-output/screenshots/.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nnlifSteadyRates } from '../../src/models/nnlif/steadyRate';
import { kinfire } from '../helpers/cli';
import { chromiumPath } from './harness';
import { saveScreenshot } from './pixels';
import { expectRunsDrawn, setNumber, viewerSuite } from './viewerPage';

const chrome = chromiumPath();
const work = mkdtempSync(join(tmpdir(), 'kinfire-live-nnlif-'));

describe.skipIf(chrome === null)('the viewer, live mode for nnlif', () => {
  const { open } = viewerSuite();
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('b = 0: N(t) relaxes to the exact steady rate 1/I(0), the mass stays 1, n(v) and N(t) are drawn', async () => {
    const began = Date.now();
    const v = await open('mode=live&model=nnlif&b=0&dt=0.01&spf=1000&until=10');
    const state = await v.waitFor((p) => !p.playing && p.t > 9.99);
    const [Nstar] = nnlifSteadyRates({ a: 1, b: 0, VR: 1, VF: 2 });
    const error = Math.abs(state.N! - Nstar!) / Nstar!;
    console.log(`live nnlif, b = 0: N(10) = ${state.N} against N* = ${Nstar} (relative ${error.toExponential(2)}), mass ${state.mass}, ${state.step} steps, ${Date.now() - began} ms`);
    expect(state.step).toBe(1000);
    expect(state.t).toBeCloseTo(10, 9);
    expect(error).toBeLessThan(1e-3); // at t = 1 it is 34% off: the run did relax
    expect(Math.abs(state.mass! - 1)).toBeLessThan(1e-4);
    expect(state.stopped).toBeNull();
    await expectRunsDrawn(v, 'live-nnlif.png');
    const url = new URL(v.page.url()).searchParams;
    expect([url.get('mode'), url.get('model'), url.get('b'), url.get('dt'), url.get('play')]).toEqual(['live', 'nnlif', '0', '0.01', '0']);
  });

  it('changing b goes on from the running state and N(t) moves to the new exact rate; changing VF restarts', async () => {
    const v = await open('mode=live&model=nnlif&b=0&dt=0.01&spf=1000&until=5');
    const paused = await v.waitFor((p) => !p.playing && p.t > 4.99);
    await setNumber(v, 'b', '0.5');
    expect(new URL(v.page.url()).searchParams.get('b')).toBe('0.5');
    await v.page.click('button[name="play"]');
    const later = await v.waitFor((p) => p.t > 15, 60_000);
    await v.page.click('button[name="pause"]');
    const end = await v.waitFor((p) => !p.playing);
    const [Nstar] = nnlifSteadyRates({ a: 1, b: 0.5, VR: 1, VF: 2 });
    const error = Math.abs(end.N! - Nstar!) / Nstar!;
    console.log(`live nnlif, b = 0 → 0.5 at t = 5: N(${end.t.toFixed(2)}) = ${end.N} against N*(0.5) = ${Nstar} (relative ${error.toExponential(2)}); N(5) = ${paused.N} with b = 0`);
    expect(later.step).toBeGreaterThan(1500); // the step count went on: no restart
    expect(end.step).toBe(Math.round(end.t / 0.01));
    expect(error).toBeLessThan(1e-3);
    expect(Math.abs(end.N! - paused.N!) / Nstar!).toBeGreaterThan(0.1); // b did change the rate
    expect(Math.abs(end.mass! - 1)).toBeLessThan(1e-4);

    // VF moves the top of the grid: a restart from the initial data at t = 0, saying why
    await setNumber(v, 'VF', '2.5');
    const restarted = await v.waitFor((p) => p.frames > end.frames && p.step < 100);
    expect(restarted.t).toBeLessThan(1);
    expect(await v.page.$eval('#message', (el) => el.textContent)).toMatch(/Restarted from the initial data at t = 0: the v grid changed/);
  });

  it('a blow-up (b = 3, the mass near VF) stops where the CLI stops, shows it, and goes on from the kept state once b is lowered', async () => {
    const out = join(work, 'blowup');
    const cli = kinfire('run', '-q', '--set', 'model="nnlif"', '--set', 'nnlif.b=3', '--set', 'initial.v0=1.5', '--set', 'initial.sv=0.1', '--set', 'time.T=1', '--out', out);
    expect(cli.code).toBe(3);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    const v = await open('mode=live&model=nnlif&b=3&v0=1.5&sv=0.1&spf=1000');
    const state = await v.waitFor((p) => p.stopped !== null, 60_000);
    console.log(`live nnlif blow-up: ${state.stopped!.message}; the CLI kept step ${summary.steps}`);
    expect(state.stopped!.status).toBe('blowup');
    expect(state.stopped!.message).toMatch(/N\(t\) exceeded time\.Nmax = 1000000/);
    expect(state.step).toBe(summary.steps); // the same kernel, the same last good step
    expect(state.N).toBeLessThanOrEqual(1e6);
    expect(state.N).toBe(summary.N_final);
    expect(state.playing).toBe(false);
    const message = await v.page.$eval('#message', (el) => ({ hidden: (el as HTMLElement).hidden, kind: el.className, text: el.textContent }));
    expect(message).toMatchObject({ hidden: false, kind: 'stopped' });
    expect(message.text).toMatch(/^Stopped \(blowup\)/);
    expect(await v.page.$eval('#status-rate', (el) => el.textContent)).toBe('stopped: blowup');
    saveScreenshot('live-nnlif-blowup.png', await v.page.screenshot({ type: 'png' }));

    // the kept state is the last good one: played again, the same step is refused
    await v.page.click('button[name="play"]');
    const again = await v.waitFor((p) => p.stops > state.stops);
    expect(again.stopped).toMatchObject({ status: 'blowup' });
    expect(again.step).toBe(state.step);
    // an inhibitory b goes on from it (no restart) and the run stays bounded
    await setNumber(v, 'b', '-1');
    await v.page.click('button[name="play"]');
    const on = await v.waitFor((p) => p.t > 0.3, 60_000);
    expect(on.stopped).toBeNull();
    expect(on.step).toBeGreaterThan(state.step);
    expect(on.t).toBeCloseTo(on.step * 0.001, 9);
    expect(on.N).toBeLessThan(1e6);
  });

  it('the model selector of the vc page leads to nnlif, and nnlif back to vc', async () => {
    const v = await open('mode=live&nv=32&ng=24&play=0');
    await v.waitFor((p) => p.frames > 0);
    await Promise.all([v.page.waitForNavigation(), v.page.select('select[name="model"]', 'nnlif')]);
    await v.waitFor((p) => p.frames > 0);
    expect(new URL(v.page.url()).searchParams.get('model')).toBe('nnlif');
    expect(await v.page.$('input[name="a0"]')).not.toBeNull();
    await Promise.all([v.page.waitForNavigation(), v.page.select('select[name="model"]', 'vc-limit')]);
    await v.waitFor((p) => p.frames > 0);
    expect(new URL(v.page.url()).searchParams.get('model')).toBe('vc-limit');
    expect(await v.page.$('input[name="eps"]')).not.toBeNull();
  });
});
