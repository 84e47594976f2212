/**
 * The activity at t = 0 of the particle system, the feedback of its first step (there is no step before
 * it to count spikes in):
 *
 *   vc:           N0 = E[φF(v)] under the initial law of v (N(v0, sv²) truncated to (VL, VE)), the
 *                 expected firing rate of the initial neurons (the kinetic solver's N(0) is its grid version);
 *   vc-threshold: N0 = 0 (firing is a crossing of VF, which has no rate at an instant);
 *   nnlif:        N0 = 0 (likewise).
 *
 * With initial.prepared the initial g of vc is drawn from the equilibrium N(gin + b·N0, a) truncated to g ≥ 0.
 */
import type { ParticleConfig } from '../config';
import { firingRate, normalInterval } from '../discretization';
import { gaussKronrod } from '../nnlif/steadyRate';

export function initialActivity(config: ParticleConfig): number {
  if (config.model !== 'vc') return 0;
  const p = config.params;
  const { v0, sv } = config.initial;
  const lo = config.grid.vlo;
  const hi = config.grid.vhi;
  const Z = normalInterval(v0, sv, lo, hi);
  const phi = p.phiF;
  switch (phi.kind) {
    case 'constant':
      return phi.rate;
    case 'step':
      return p.VF >= hi ? 0 : (phi.rate * normalInterval(v0, sv, Math.max(lo, p.VF), hi)) / Z;
    case 'sigmoid': {
      const density = (v: number) => firingRate(phi, p.VF, v) * Math.exp(-0.5 * ((v - v0) / sv) ** 2);
      // split at v0 and VF, where the integrand has its features
      const cuts = [lo, ...[v0, p.VF].filter((x) => x > lo && x < hi).sort((x, y) => x - y), hi];
      let integral = 0;
      for (let k = 0; k + 1 < cuts.length; k++) integral += gaussKronrod(density, cuts[k], cuts[k + 1], 1e-12).value;
      return integral / (sv * Math.sqrt(2 * Math.PI) * Z);
    }
  }
}
