/**
 * Live mode for an nnlif network of K populations in headless Chromium (WebGPU on SwiftShader), against the
 * built app in dist/: the E–I network of examples/nnlif-ei-compare.json relaxes to the exact steady rates of
 * both populations (src/models/nnlif/networkSteady.ts), each drawn in its colour; a constant of one
 * population changes on the running state, the number of populations restarts, and the example's config
 * file loads into the controls. Screenshots go to test-output/screenshots/.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nnlifNetworkSteadyStates } from '../../src/models/nnlif/networkSteady';
import { repoRoot } from '../helpers/cli';
import { chromiumPath } from './harness';
import { expectRunsDrawn, LINE_RGB, setNumber, viewerSuite } from './viewerPage';

const chrome = chromiumPath();

/** The network of examples/nnlif-ei-compare.json (E: hard; I: hard with τ = 0.1), in live mode's URL keys, at dt = 0.01. */
const EI = 'pops=E,I&a0=1,0.8&VR=1,0.8&VF=2,2&tau=0,0.1&b=1,-0.6;0.8,-0.3&a1=0.1,0;0,0&v0=1,1&sv=0.3,0.3&dt=0.01';
const EI_PARAMS = {
  populations: [
    { a0: 1, VR: 1, VF: 2, tau: 0 },
    { a0: 0.8, VR: 0.8, VF: 2, tau: 0.1 },
  ],
  b: [[1, -0.6], [0.8, -0.3]],
  a1: [[0.1, 0], [0, 0]],
};

describe.skipIf(chrome === null)('the viewer, live mode for an nnlif network', () => {
  const suite = viewerSuite();
  const open = (query: string) => suite.open(`mode=live&model=nnlif&${query}`);

  it('K = 2: both N_α(t) relax to the exact steady rates of the network; the mass of each population stays 1', async () => {
    const began = Date.now();
    const v = await open(`${EI}&spf=1000&until=10`);
    const state = await v.waitFor((p) => !p.playing && p.t > 9.99, 50_000);
    const states = nnlifNetworkSteadyStates(EI_PARAMS);
    expect(states).toHaveLength(1);
    expect(states[0]!.stable).toBe(true);
    const exact = states[0]!.N;
    const errors = state.activity.map((N, a) => Math.abs(N - exact[a]!) / exact[a]!);
    console.log(`live nnlif network E, I: N(10) = ${state.activity.join(', ')} against N* = ${exact.join(', ')} (relative ${errors.map((e) => e.toExponential(2)).join(', ')}), total mass ${state.mass}, ${state.step} steps, ${Date.now() - began} ms`);
    expect(state.step).toBe(1000);
    expect(state.activity).toHaveLength(2);
    for (const e of errors) expect(e).toBeLessThan(1e-3);
    expect(Math.abs(state.mass! - 2)).toBeLessThan(2e-4); // Σ over the two populations of Σ w n + R
    expect(state.N).toBe(state.activity[0]);
    await expectRunsDrawn(v, 'live-nnlif-network.png', LINE_RGB); // n_E, N_E in blue, n_I, N_I in orange
    const url = new URL(v.page.url()).searchParams;
    expect([url.get('pops'), url.get('b'), url.get('tau'), url.get('play')]).toEqual(['E,I', '1,-0.6;0.8,-0.3', '0,0.1', '0']);

    // a constant of population I (its a0) goes on from the running state; K = 3 restarts
    await v.page.select('select[name="population"]', '1');
    await setNumber(v, 'a0', '1.2');
    expect(new URL(v.page.url()).searchParams.get('a0')).toBe('1,1.2');
    await v.page.click('button[name="step"]');
    const stepped = await v.waitFor((p) => p.step === 1001);
    expect(stepped.t).toBeCloseTo(10.01, 9);
    await setNumber(v, 'populations', '3');
    const three = await v.waitFor((p) => p.activity.length === 3 && p.step === 0);
    expect(three.t).toBe(0);
    expect(new URL(v.page.url()).searchParams.get('pops')).toBe('E,I,P1');
    expect(await v.page.$eval('#message', (el) => el.textContent)).toMatch(/Restarted from the initial data at t = 0: the number of populations changed/);
  });

  it('a config file (examples/nnlif-ei-compare.json) loads the network into live mode', async () => {
    const v = await open('play=0');
    await v.waitFor((p) => p.frames > 0);
    const input = await v.page.$('input[name="config-file"]');
    await input!.uploadFile(join(repoRoot, 'examples/nnlif-ei-compare.json'));
    const loaded = await v.waitFor((p) => p.activity.length === 2);
    expect(loaded.step).toBe(0);
    const url = new URL(v.page.url()).searchParams;
    expect([url.get('pops'), url.get('b'), url.get('a1'), url.get('dt'), url.get('tau')]).toEqual(['E,I', '1,-0.6;0.8,-0.3', '0.1,0;0,0', '0.003', '0,0.1']);
    expect(await v.page.$eval('select[name="population"]', (el) => Array.from((el as HTMLSelectElement).options, (o) => o.textContent))).toEqual(['E', 'I']);
  });
});
