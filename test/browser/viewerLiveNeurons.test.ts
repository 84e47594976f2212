/**
 * Live mode for the single-neuron ensembles in headless Chromium (WebGPU on SwiftShader), against the built app in
 * dist/: a noisy FitzHugh–Nagumo ensemble played to t = 30 has the CLI's population at that step (the same kernel:
 * the fraction of neurons inside the histogram's range and the last step's N(t) equal those of `kinfire neurons`,
 * bit for bit), its density over (v, w) is drawn from the GPU's histogram, and a change of the current restarts it
 * from rest, saying why. Screenshots go to test-output/screenshots/.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { kinfire } from '../helpers/cli';
import { chromiumPath } from './harness';
import { decodePng, saveScreenshot } from './pixels';
import { setNumber, viewerSuite } from './viewerPage';

const chrome = chromiumPath();
const work = mkdtempSync(join(tmpdir(), 'kinfire-live-neurons-'));

describe.skipIf(chrome === null)('the viewer, live mode for single neurons', () => {
  const { open } = viewerSuite();
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('a noisy FHN ensemble: the CLI\'s population at t = 30, its density drawn over (v, w); a new current restarts from rest', async () => {
    const out = join(work, 'fhn');
    const neurons = { model: 'fhn', count: 2000, I: { from: 0, to: 1 }, input: { kind: 'noise', sigma: 0.3, seed: 1 }, T: 30, dt: 0.05, traces: [], traceEvery: 1, spikesPerNeuron: 0, histogram: { times: [30], bins: [32, 32] } };
    const cli = kinfire('neurons', '-q', '--set', `neurons=${JSON.stringify(neurons)}`, '--out', out);
    expect(cli.code, cli.stderr).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    const activity = readFileSync(join(out, 'activity.csv'), 'utf8').trim().split('\n');
    const lastN = Number(activity[activity.length - 1]!.split(',')[1]);

    const v = await open('mode=live&model=neurons&neuron=fhn&count=2000&I0=0&I1=1&sigma=0.3&dt=0.05&bins=32&spf=100&until=30');
    const state = await v.waitFor((p) => !p.playing && p.t > 29.99, 120_000);
    console.log(`live neurons, FHN: step ${state.step}, N = ${state.N}, inside ${state.mass}; the CLI: N = ${lastN}, outside ${summary.histogram.outside[0]}`);
    expect(state.step).toBe(600);
    expect(state.renderer).toBe('webgpu');
    expect(state.stopped).toBeNull();
    expect(state.mass).toBe((2000 - summary.histogram.outside[0]) / 2000);
    expect(state.N).toBe(lastN);
    // the density: the plot shows many colours of viridis (a spread population), not one
    const pixels = await decodePng(await (await v.page.$('#density-gpu'))!.screenshot({ type: 'png' }));
    const colours = new Set<number>();
    for (let k = 0; k < pixels.data.length; k += 4) colours.add((pixels.data[k]! << 16) | (pixels.data[k + 1]! << 8) | pixels.data[k + 2]!);
    console.log(`live neurons, FHN: ${colours.size} colours in the density canvas`);
    expect(colours.size).toBeGreaterThan(20);
    saveScreenshot('live-neurons-fhn.png', await v.page.screenshot({ type: 'png' }));

    // a new current restarts the ensemble from rest at t = 0
    await setNumber(v, 'I1', '0.5');
    expect(new URL(v.page.url()).searchParams.get('I1')).toBe('0.5');
    const restarted = await v.waitFor((p) => p.step < 600 && p.frames > state.frames);
    expect(restarted.t).toBeLessThan(30);
    expect(await v.page.$eval('#message', (el) => el.textContent)).toMatch(/the ensemble changed/);
  });
});
