/**
 * Bifurcation diagrams of an NNLIF network of K = 2 populations (models/nnlif/bifurcation.ts): for an
 * uncoupled network the states are the products of each population's, so the fold of the network against
 * b_EE is the fold b* of the excitatory population alone (Siegert relation, an independent 1D root search),
 * located by the continued bisection to its width; a coupled E–I network through the CLI, whose every state
 * solves the steady system; bad input naming the option.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nnlifNetworkBifurcationDiagram, parseNnlifNetworkParam } from '../../src/models/nnlif/bifurcation';
import { networkResidual } from '../../src/models/nnlif/networkSteady';
import { nnlifSteadyRates } from '../../src/models/nnlif/steadyRate';
import { kinfire } from '../helpers/cli';

const work = mkdtempSync(join(tmpdir(), 'kinfire-network-bifurcation-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const uncoupled = {
  model: 'nnlif',
  nnlif: { populations: [{ name: 'E', a0: 1, VR: 1, VF: 2 }, { name: 'I', a0: 0.8, VR: 0.8, VF: 2 }], b: [[1.6, 0], [0, -1]] },
};

describe('bifurcation diagram of an NNLIF network', () => {
  it('uncoupled E and I against b_EE: the fold is the one population’s b*, two states below it (E’s low one stable), none above', () => {
    const param = parseNnlifNetworkParam('b.E.E', ['E', 'I']);
    expect(param.name).toBe('b.0.0');
    const d = nnlifNetworkBifurcationDiagram(uncoupled, param, [1.6, 1.8, 2.0, 2.2, 2.4], { bisections: 24, stability: { T: 10, nv: 100 } });
    expect(d.folds.map((f) => f.kind)).toEqual(['fold']);
    const fold = d.folds[0]!;
    expect(fold.direction).toBe('disappear');
    // the exact fold of E alone: two roots of its Siegert relation 1e-6 below, none 1e-6 above
    const E = (b: number) => nnlifSteadyRates({ a: 1, b, VR: 1, VF: 2 });
    expect(E(fold.param - 1e-6)).toHaveLength(2);
    expect(E(fold.param + 1e-6)).toHaveLength(0);
    const [lo, hi] = E(fold.param - 1e-9);
    expect(Math.abs(fold.N - 0.5 * (lo! + hi!)) / fold.N).toBeLessThan(1e-3);
    const NI = nnlifSteadyRates({ a: 0.8, b: -1, VR: 0.8, VF: 2 });
    expect(NI).toHaveLength(1);
    for (const slice of d.slices) {
      const expected = E(slice.value);
      expect(slice.states.map((s) => s.N).length).toBe(expected.length);
      slice.states.forEach((s, k) => {
        expect(Math.abs(s.rates[0]! - expected[k]!) / expected[k]!).toBeLessThan(1e-8);
        expect(Math.abs(s.rates[1]! - NI[0]!) / NI[0]!).toBeLessThan(1e-8);
      });
      expect(slice.states.map((s) => s.stable)).toEqual(expected.map((_, k) => k === 0));
    }
  });

  it('kinfire bifurcation of the coupled E–I example against b.E.I, drawn on I: every state solves the steady system; bad --param and --population exit 2', () => {
    const out = join(work, 'ei');
    const config = join('examples', 'nnlif-ei-compare.json');
    const r = kinfire('bifurcation', '-c', config, '--param', 'b.E.I', '--population', 'I', '--from', '-1', '--to', '0', '--n', '3', '--stability-time', '5', '--stability-nv', '80', '--bisections', '8', '-q', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(readFileSync(join(out, 'bifurcation.json'), 'utf8'));
    expect(json.param).toBe('b.0.1');
    expect(json.params.drawn).toBe('I');
    const csv = readFileSync(join(out, 'bifurcation.csv'), 'utf8').split('\n');
    expect(csv[0]).toBe('param,N,stable,N_E,N_I,V_E,V_I,a_E,a_I');
    const populations = [{ a0: 1, VR: 1, VF: 2, tau: 0 }, { a0: 0.8, VR: 0.8, VF: 2, tau: 0.1 }];
    let states = 0;
    for (const slice of json.states) {
      slice.rates.forEach((rates: number[], k: number) => {
        states++;
        expect(slice.N[k]).toBe(rates[1]);
        const b = [[1, slice.value], [0.8, -0.3]];
        const F = networkResidual({ populations, b, a1: [[0.1, 0], [0, 0]] }, rates.map(Math.log));
        expect(Math.max(...F.map(Math.abs))).toBeLessThan(1e-8);
      });
    }
    expect(states).toBeGreaterThanOrEqual(3);
    const bad = kinfire('bifurcation', '-c', config, '--param', 'b.E.X', '--from', '0', '--to', '1', '--n', '2', '-q', '--out', join(work, 'bad'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--param.*b\.α\.β/);
    const badPop = kinfire('bifurcation', '-c', config, '--param', 'b.E.I', '--population', 'Q', '--from', '0', '--to', '1', '--n', '2', '-q', '--out', join(work, 'bad'));
    expect(badPop.code).toBe(2);
    expect(badPop.stderr).toMatch(/--population.*E, I/);
  });
});
