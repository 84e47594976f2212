/**
 * The limit voltage equation in one dimension (f64, CPU):
 *
 *   ∂t n + ∂v[Ψ n] + φF n = N δ(v − VR),   Ψ = G (V* − v),  G = gL + ḡ(N),  V* = (gL VL + ḡ VE)/G,
 *
 * with ḡ the closed-form mean of the truncated Gaussian (conductanceMean.ts). Ψ is linear in v, so the
 * same conservative semi-Lagrangian remap along exact characteristics as the kinetic scheme
 * (kineticReference.transportRow, one flux implementation) transports n, with g replaced by ḡ.
 * A step is Strang: F(dt/2) T(dt/2; ḡ(Nⁿ)) | N* | T(dt/2; ḡ(N*)) F(dt/2). It costs O(nv) per step, which
 * makes long relaxation runs cheap: the steady-state command classifies stability with it.
 */
import type { ModelParams } from '../config';
import { firingCellCoefficients, firingRateCellAverage, type Grid } from '../discretization';
import { transportRow } from '../reference/kineticReference';
import { limitVelocity } from './steadyStates';

export class LimitVoltageReference {
  readonly phi: Float64Array;
  private readonly survival: Float64Array;
  n: Float64Array;
  t = 0;

  constructor(
    readonly params: ModelParams,
    readonly grid: Grid,
    readonly dt: number,
    n0: Float64Array,
    /** ḡ on [0, gmax] (the grid's) or [0, ∞) */
    readonly gmax = Infinity,
  ) {
    this.phi = Float64Array.from({ length: grid.nv }, (_, i) => {
      const a = grid.vlo + i * grid.dv;
      return firingRateCellAverage(params.phiF, params.VF, a, a + grid.dv);
    });
    this.survival = firingCellCoefficients(this.phi, dt / 2).survival;
    this.n = Float64Array.from(n0);
  }

  /** N = ∫ φF n */
  activity(n = this.n): number {
    let s = 0;
    for (let i = 0; i < n.length; i++) s += this.phi[i] * n[i];
    return s * this.grid.dv;
  }

  private fire(n: Float64Array): void {
    let lost = 0;
    for (let i = 0; i < n.length; i++) {
      const survived = n[i] * this.survival[i];
      lost += n[i] - survived;
      n[i] = survived;
    }
    n[this.grid.reinjectCell] += lost;
  }

  private transport(n: Float64Array, N: number): Float64Array {
    const { G, vStar } = limitVelocity(this.params, N, this.gmax);
    const c = (this.grid.vlo - vStar) / this.grid.dv;
    return transportRow(n, c, Math.expm1((G * this.dt) / 2), this.grid.nv).out;
  }

  step(): number {
    const n = Float64Array.from(this.n);
    const Nn = this.activity(n);
    this.fire(n);
    const mid = this.transport(n, Nn);
    const out = this.transport(mid, this.activity(mid));
    this.fire(out);
    this.n = out;
    this.t += this.dt;
    return this.activity(out);
  }
}
