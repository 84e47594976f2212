/**
 * The linear network (b = 0, a1 = 0): the relaxation rate of runs equals the spectral gap of the discrete
 * operator (src/models/nnlif/spectrum.ts). The step is backward Euler on the semi-discrete generator L, so
 * a run decays like |1 − dt·λ₁|^(−k): the rate measured from N(t) of the GPU kernel and of its f64 twin is
 * compared with ln|1 − dt·λ₁|/dt, λ₁ from a dense eigen-decomposition (independent of the time stepping).
 * The gap itself converges at second order in h, as the steady state does.
 */
import { describe, expect, it } from 'vitest';
import { runNnlif } from '../../src/host/nnlifRun';
import { resolveNnlifRunConfig } from '../../src/models/registry';
import { type NnlifFiring, NnlifReference, nnlifGrid, nnlifInitialDensity } from '../../src/models/nnlif/fokkerPlanck';
import { nnlifSpectralGap } from '../../src/models/nnlif/spectrum';
import { testGpu } from '../helpers/gpu';

const soft: NnlifFiring = { kind: 'soft', rate: 20, vmax: 3 };
const cases: { name: string; firing: NnlifFiring; tau: number }[] = [
  { name: 'hard threshold', firing: { kind: 'hard' }, tau: 0 },
  { name: 'soft threshold with τ = 0.5', firing: soft, tau: 0.5 },
];

/** −d ln|N − N∞|/dt fitted by least squares over the samples in [t0, t1]. */
function relaxationRate(t: ArrayLike<number>, N: ArrayLike<number>, Ninf: number, t0: number, t1: number): number {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let k = 0; k < t.length; k++) {
    if (t[k]! < t0 - 1e-9 || t[k]! > t1 + 1e-9) continue;
    xs.push(t[k]!);
    ys.push(Math.log(Math.abs(N[k]! - Ninf)));
  }
  const mx = xs.reduce((s, x) => s + x, 0) / xs.length;
  const my = ys.reduce((s, y) => s + y, 0) / ys.length;
  let sxy = 0;
  let sxx = 0;
  for (let k = 0; k < xs.length; k++) {
    sxy += (xs[k]! - mx) * (ys[k]! - my);
    sxx += (xs[k]! - mx) ** 2;
  }
  return -sxy / sxx;
}

describe('b = 0: relaxation rate = spectral gap of the discrete operator', () => {
  it.each(cases)('$name: λ₀ = 0 and the gap converges at second order in h', ({ firing, tau }) => {
    const gaps = [50, 100, 200].map((nv) => {
      const g = nnlifSpectralGap({ grid: nnlifGrid(nv, -4, 2, firing), a: 1, VR: 1, tau });
      expect(Math.abs(g.lambda0.re)).toBeLessThan(1e-10);
      expect(g.lambda1.re).toBeLessThan(-0.5);
      return -g.lambda1.re;
    });
    const order = Math.log2((gaps[1]! - gaps[0]!) / (gaps[2]! - gaps[1]!));
    expect(order).toBeGreaterThan(1.8);
    expect(order).toBeLessThan(2.2);
  });

  it.each(cases)('$name: N(t) of the GPU run and of the f64 twin decays at ln|1 − dt·λ₁|/dt', async ({ firing, tau }) => {
    const nv = 100;
    const dt = 0.01;
    const grid = nnlifGrid(nv, -4, 2, firing);
    const predicted = nnlifSpectralGap({ grid, a: 1, VR: 1, tau }).stepRate(dt);
    // N∞ of the discrete scheme: the f64 twin run long past the relaxation (40 time units: e^(−40) of the start)
    const ref = new NnlifReference(grid, { b: 0, a0: 1, a1: 0, VR: 1, tau }, dt, 0, nnlifInitialDensity(grid, 0.5, 0.15));
    const t: number[] = [];
    const Nref: number[] = [];
    for (let k = 1; k <= 4000; k++) {
      ref.advance();
      t.push(k * dt);
      Nref.push(ref.N);
    }
    const Ninf = ref.N;
    const rateRef = relaxationRate(t, Nref, Ninf, 3, 6);
    expect(Math.abs(rateRef - predicted) / predicted).toBeLessThan(2e-3);

    const firingKeys = firing.kind === 'soft' ? { firing: { kind: 'soft', rate: firing.rate, vmax: firing.vmax } } : {};
    const config = resolveNnlifRunConfig({ model: 'nnlif', nnlif: { b: 0, a0: 1, VR: 1, VF: 2, tau, vmin: -4, ...firingKeys }, grid: { nv }, time: { T: 6, dt }, initial: { v0: 0.5, sv: 0.15 } });
    const run = await runNnlif(await testGpu(), config);
    expect(run.status).toBe('ok');
    const rateGpu = relaxationRate(run.t, run.N[0]!, Ninf, 3, 6);
    if (process.env.KINFIRE_REPORT) console.log(JSON.stringify({ firing: firing.kind, tau, predicted, gap: -nnlifSpectralGap({ grid, a: 1, VR: 1, tau }).lambda1.re, rateRef, rateGpu }));
    expect(Math.abs(rateGpu - predicted) / predicted).toBeLessThan(1e-2);
  });
});
