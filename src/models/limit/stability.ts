/**
 * Stability of a steady state of the limit model by perturbed time evolution (not by linearisation):
 * the 1D limit scheme (voltageReference.ts) starts from the steady density n* with a fraction δ of the
 * mass moved, once towards higher and once towards lower voltages, and runs for a time T. The state is
 * called stable when N(t) stays within a band of N* (relative band·N*, absolute band for N* < 1) over
 * the second half of both runs. The band must exceed the scheme's own O(Δv) offset from the exact N*
 * (about 0.5% at nv = 400): an unstable state leaves for another attractor or an oscillation, far
 * outside it. A state that leaves more slowly than T would be reported stable: T is a parameter.
 *
 * The quiescent state (N = 0, all mass at V*(0) < VF) is decided analytically instead: a perturbation
 * of size δ fires a transient N = O(δ), which moves V* by O(δ), so for δ small enough nobody is pushed
 * over VF and the mass drifts back to V*: it is linearly stable whenever V*(0) < VF strictly. (A fixed
 * finite kick would measure the size of its basin instead, which vanishes as V*(0) → VF.)
 */
import type { ModelParams } from '../config';
import { makeGrid } from '../discretization';
import { limitVelocity, type StabilityOptions, type StabilityVerdict, type SteadyState, steadyDensity } from './steadyStates';
import { LimitVoltageReference } from './voltageReference';

export function classifyStability(params: ModelParams, state: SteadyState, options: StabilityOptions = {}): StabilityVerdict {
  const nv = options.nv ?? 400;
  const T = options.T ?? 30;
  const cfl = options.cfl ?? 2;
  const delta = options.delta ?? 0.01;
  const band = options.band ?? 0.02;
  const grid = makeGrid('vc', params, nv, 8, 1);
  // max |Ψ| over N ∈ [0, max φF]: G(VE − VL) with the largest ḡ
  const speed = Math.max(...[0, params.phiF.rate].map((N) => limitVelocity(params, N).G)) * (params.VE - params.VL);
  const dt = (cfl * grid.dv) / speed;
  const steps = Math.ceil(T / dt);

  if (state.quiescent) return { stable: state.vStar < params.VF, finalN: [0, 0], deviation: 0 };
  const base = steadyDensity(params, state.N, grid.vlo, grid.vhi, nv);
  const finalN: number[] = [];
  let deviation = 0;
  const tol = band * Math.max(1, state.N);
  for (const direction of [1, -1]) {
    // move a fraction δ of the mass by 5% of the voltage range in the given direction
    const shift = Math.max(1, Math.round(0.05 * nv));
    const n0 = Float64Array.from(base, (x) => (1 - delta) * x);
    for (let i = 0; i < nv; i++) {
      const k = Math.min(nv - 1, Math.max(0, i + direction * shift));
      n0[k] += delta * base[i];
    }
    const run = new LimitVoltageReference(params, grid, dt, n0);
    let N = run.activity();
    for (let s = 1; s <= steps; s++) {
      N = run.step();
      if (!Number.isFinite(N)) break;
      if (s >= steps / 2) deviation = Math.max(deviation, Math.abs(N - state.N));
    }
    finalN.push(N);
  }
  return { stable: Number.isFinite(deviation) && deviation <= tol, finalN, deviation };
}
