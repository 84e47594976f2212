/**
 * The settings of live mode for nnlif (K populations) and for the elapsed-time model, in Node: the URL
 * round trip, the config each gives (validated by the model's schema), one population's URL keys as before
 * networks, growing a network, and a config file read into the settings.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveNnlifRunConfig } from '../../src/models/registry';
import { elapsedLiveConfig, elapsedSettingsFromUrl, elapsedSettingsToUrl } from '../../web/viewer/liveElapsedSettings';
import { nnlifLiveConfig, nnlifSettingsFromUrl, nnlifSettingsOfConfig, nnlifSettingsToUrl, withPopulationCount } from '../../web/viewer/liveNnlifSettings';
import { repoRoot } from '../helpers/cli';

const query = (record: Record<string, string | number>) => new URLSearchParams(Object.entries(record).map(([k, v]) => [k, String(v)]));

describe('live nnlif settings', () => {
  it('one population: the keys of the URL are numbers (b=0.5), and the config is the flat one of the CLI', () => {
    const s = nnlifSettingsFromUrl(new URLSearchParams('b=0&dt=0.01&VF=2.5'));
    const url = nnlifSettingsToUrl(s);
    expect([url.b, url.a0, url.VF, url.dt, url.firing, url.pops]).toEqual(['0', '1', '2.5', 0.01, 'hard', undefined]);
    const config = nnlifLiveConfig(s);
    expect(config.populations.map((p) => [p.name, p.VF])).toEqual([['n', 2.5]]);
    expect(config.coupling.b).toEqual([[0]]);
    // vmin is the config's rule at the opening parameters, then fixed: min(VR − 6√a0, v0 − 6 sv) = −5
    expect(s.populations[0]!.vmin).toBeCloseTo(-5, 12);
    expect(nnlifSettingsFromUrl(query(url))).toEqual(s);
  });

  it('a network of two populations: lists and matrices in the URL, nnlif.populations in the config, a round trip', () => {
    const s = nnlifSettingsFromUrl(new URLSearchParams('pops=E,I&a0=1,0.8&VR=1,0.8&tau=0,0.1&firing=hard,soft&rate=20,15&b=1,-0.6;0.8,-0.3&a1=0.1,0;0,0&dt=0.005'));
    const config = nnlifLiveConfig(s);
    expect(config.populations.map((p) => [p.name, p.a0, p.VR, p.tau, p.firing.kind])).toEqual([['E', 1, 1, 0, 'hard'], ['I', 0.8, 0.8, 0.1, 'soft']]);
    expect(config.coupling).toEqual({ b: [[1, -0.6], [0.8, -0.3]], a1: [[0.1, 0], [0, 0]] });
    const url = nnlifSettingsToUrl(s);
    expect([url.pops, url.b, url.a0, url.firing]).toEqual(['E,I', '1,-0.6;0.8,-0.3', '1,0.8', 'hard,soft']);
    expect(nnlifSettingsFromUrl(query(url))).toEqual(s);
    // a matrix of the wrong shape is the config's to refuse, naming it
    expect(() => nnlifLiveConfig(nnlifSettingsFromUrl(new URLSearchParams('pops=E,I&b=1,2')))).toThrow(/nnlif\.b: with 2 populations must be a 2 × 2 matrix/);
  });

  it('growing a network copies the last population, coupled to itself only; shrinking keeps the first', () => {
    const one = nnlifSettingsFromUrl(new URLSearchParams('b=0.5&a1=0.2'));
    const three = withPopulationCount(one, 3);
    expect(three.populations.map((p) => p.name)).toEqual(['P1', 'P2', 'P3']);
    expect(three.b).toEqual([[0.5, 0, 0], [0, 0.5, 0], [0, 0, 0.5]]);
    expect(three.a1).toEqual([[0.2, 0, 0], [0, 0.2, 0], [0, 0, 0.2]]);
    expect(nnlifLiveConfig(three).populations).toHaveLength(3);
    const back = withPopulationCount(three, 1);
    expect(back.populations.map((p) => p.name)).toEqual(['n']);
    expect(nnlifLiveConfig(back)).toEqual(nnlifLiveConfig(one));
    expect(withPopulationCount(one, 20).populations).toHaveLength(8);
  });

  it('a config file (examples/nnlif-ei-compare.json) gives the same config back', () => {
    const raw = JSON.parse(readFileSync(join(repoRoot, 'examples/nnlif-ei-compare.json'), 'utf8'));
    const config = resolveNnlifRunConfig(raw);
    const s = nnlifSettingsOfConfig(config, { window: 5, stepsPerFrame: 20 });
    const again = nnlifLiveConfig(s);
    expect(again.populations).toEqual(config.populations);
    expect(again.coupling).toEqual(config.coupling);
    expect([again.time.dt, again.grid.nv, again.delay]).toEqual([config.time.dt, config.grid.nv, config.delay]);
  });
});

describe('live elapsed settings', () => {
  it('the defaults are the CLI’s (dt = 0.02 of live mode), smax fixed at the opening; a round trip of the URL', () => {
    const s = elapsedSettingsFromUrl(new URLSearchParams(''));
    const config = elapsedLiveConfig(s);
    expect(config.elapsed).toMatchObject({ b: 0.1, phi0: 10, s0: 1, k: 1, firing: 'threshold', thresholdAge: 'hyperbolic' });
    expect(config.kernel).toEqual({ kind: 'instant' });
    expect(config.time.dt).toBe(0.02);
    expect(config.grid.smax).toBeCloseTo(4, 12); // max(2 s0 + 20/φ0, 1.1 (0.5 + 5 · 0.2))
    expect(config.grid.ns).toBe(200);
    expect(elapsedSettingsFromUrl(query(elapsedSettingsToUrl(s)))).toEqual(s);
  });

  it('φ0 = ∞, the delay kernel and the linear s* through the URL; only the keys of the chosen kinds reach the config', () => {
    const s = elapsedSettingsFromUrl(new URLSearchParams('phi0=Infinity&kernel=delay&d=0.4&age=linear&smin=0.3&b=-1&w=0.5&tau=2'));
    const config = elapsedLiveConfig(s);
    expect(config.elapsed.phi0).toBe(Infinity);
    expect(config.kernel).toEqual({ kind: 'delay', d: 0.4 });
    expect(config.time.delaySteps).toBe(20);
    expect(config.elapsed).toMatchObject({ thresholdAge: 'linear', smin: 0.3, w: 0, b: -1 });
    expect(elapsedSettingsToUrl(s).phi0).toBe('Infinity');
    expect(elapsedSettingsFromUrl(query(elapsedSettingsToUrl(s)))).toEqual(s);
    // a delay that is not a whole number of steps is the config's to refuse, naming it
    expect(() => elapsedLiveConfig({ ...s, values: { ...s.values, d: 0.41 } })).toThrow(/elapsed\.d: must be a whole number of steps/);
  });
});
