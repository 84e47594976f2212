/**
 * A bifurcation diagram computed one parameter value at a time (models/bifurcation.ts diagramSteps), stopped
 * after any value, its diagram under way put through the checkpoint file's encoding and decoding, and continued
 * with a new family (as `kinfire resume` does in a new process), is the uninterrupted diagram number for number:
 * for the vc limit (no memory) and for an NNLIF network, whose bisections continue the states seen so far
 * (the family's memory, saved with the diagram).
 */
import { describe, expect, it } from 'vitest';
import { CHECKPOINT_FORMAT, decodeCheckpoint, encodeCheckpoint } from '../../src/io/checkpoint';
import { type DiagramFamily, type DiagramState, type DiagramUnderWay, diagramSteps, steadyStateDiagram } from '../../src/models/bifurcation';
import { resolveConfig } from '../../src/models/config';
import { limitDiagramFamily } from '../../src/models/limit/bifurcation';
import { nnlifNetworkDiagramFamily, parseNnlifNetworkParam } from '../../src/models/nnlif/bifurcation';

const header = { format: CHECKPOINT_FORMAT, kinfire: 'test', command: 'bifurcation', family: 'test', raw: {}, options: {}, adapter: { vendor: '', architecture: '', description: '' }, step: 0, steps: 0, t: 0, written: '' };
const throughFile = <S extends DiagramState>(d: DiagramUnderWay<S>) => decodeCheckpoint(encodeCheckpoint(header, d)).payload as DiagramUnderWay<S>;

/** The diagram under way after the first `k` values. */
function stopAfter<S extends DiagramState>(family: DiagramFamily<S>, param: string, values: number[], bisections: number, k: number): DiagramUnderWay<S> {
  const steps = diagramSteps(family, param, values, { bisections });
  for (let done = 1; ; done++) {
    const next = steps.next();
    if (next.done) throw new Error('the diagram ended before the stop');
    if (done === k) return throughFile(next.value());
  }
}

function continued<S extends DiagramState>(family: DiagramFamily<S>, param: string, values: number[], bisections: number, from: DiagramUnderWay<S>) {
  const steps = diagramSteps(family, param, values, { bisections }, from);
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}

describe('a bifurcation diagram stopped after any value and continued from its saved state is the uninterrupted one', () => {
  it('the vc limit against b (gin = −0.5: two folds)', () => {
    const params = resolveConfig({ params: { gin: -0.5 } }).params;
    const values = [0.4, 0.44, 0.48, 0.52, 0.56];
    const family = () => limitDiagramFamily(params, 'b', values, { stability: { nv: 60, T: 3 } });
    const whole = steadyStateDiagram(family(), 'b', values, { bisections: 20 });
    expect(whole.folds.map((f) => f.kind)).toEqual(['fold', 'fold']);
    for (let k = 1; k < values.length; k++) {
      const saved = stopAfter(family(), 'b', values, 20, k);
      expect(saved.slices).toHaveLength(k);
      expect(continued(family(), 'b', values, 20, saved), `continued after ${k} values`).toEqual(whole);
    }
  });

  it('an NNLIF network against b.E.E (its memory: the states seen, which seed the bisections)', () => {
    const raw = { model: 'nnlif', nnlif: { populations: [{ name: 'E', a0: 1, VR: 1, VF: 2 }, { name: 'I', a0: 0.8, VR: 0.8, VF: 2 }], b: [[1.6, 0], [0, -1]] } };
    const param = parseNnlifNetworkParam('b.E.E', ['E', 'I']);
    const values = [1.6, 2.0, 2.4];
    const family = () => nnlifNetworkDiagramFamily(raw, param, values, { stability: { T: 4, nv: 60 } });
    const whole = steadyStateDiagram(family(), param.name, values, { bisections: 8 });
    expect(whole.folds.map((f) => f.kind)).toEqual(['fold']);
    for (const k of [1, 2]) {
      const saved = stopAfter(family(), param.name, values, 8, k);
      expect(saved.memory, 'the network saves its memory').toBeDefined();
      expect(continued(family(), param.name, values, 8, saved), `continued after ${k} values`).toEqual(whole);
    }
  });

  it('a family whose answers depend on what it has seen: its memory is put back before it goes on', () => {
    // N at a value is the value plus the number of questions asked before (a stand-in for the network's seeds)
    const family = (): DiagramFamily<DiagramState> => {
      let asked = 0;
      return {
        states: (v) => [{ N: v + asked++, stable: true, quiescent: false }],
        firingRates: (v) => [v + asked++],
        memory: { save: () => asked, restore: (saved) => void (asked = saved as number) },
      };
    };
    const values = [1, 2, 3, 4];
    const whole = steadyStateDiagram(family(), 'x', values, { bisections: 3 });
    expect(whole.slices.map((s) => s.states[0]!.N)).toEqual([1, 3, 5, 7]);
    for (let k = 1; k < values.length; k++) expect(continued(family(), 'x', values, 3, stopAfter(family(), 'x', values, 3, k))).toEqual(whole);
  });

  it('refuses a diagram under way of other values', () => {
    const params = resolveConfig({}).params;
    const family = limitDiagramFamily(params, 'b', [0.1, 0.2, 0.3], { stability: { nv: 50, T: 1 } });
    expect(() => diagramSteps(family, 'b', [0.1, 0.2, 0.3], {}, { slices: [{ value: 0.15, states: [] }], folds: [] }).next()).toThrow(/not the first of/);
  });
});
