import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/models/config';
import { inverseRateClosedForm } from '../../src/models/limit/steadyStates';
import { kinfire } from '../helpers/cli';


describe('kinfire steady', () => {
  it('prints every steady state with its stability and V*, including the quiescent one', () => {
    const r = kinfire('steady', '--set', 'params.b=1', '--set', 'params.gin=-2', '--stability-time', '15', '--stability-nv', '200');
    expect(r.code, r.stderr).toBe(0);
    const { steady } = JSON.parse(r.stdout);
    expect(steady.map((s: { stable: boolean }) => s.stable)).toEqual([true, false, true]);
    expect(steady[0]).toMatchObject({ N: 0, quiescent: true });
    const params = resolveConfig({ params: { b: 1, gin: -2 } }).params;
    for (const s of steady.slice(1)) {
      // each firing state solves 1/N = I(N) (closed form for the step φF) to 1e-10
      expect(Math.abs(s.N * inverseRateClosedForm(params, s.N) - 1)).toBeLessThan(1e-10);
      expect(s.Vstar).toBeGreaterThan(params.VF);
    }
  });

  it('rejects bad input with exit code 2 naming the field', () => {
    const r = kinfire('steady', '--set', 'params.a=-1');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('params.a');
  });
});
