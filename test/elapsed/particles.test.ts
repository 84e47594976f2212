/**
 * The renewal neurons of the elapsed-time model on the GPU (`kinfire particles` with model "elapsed"):
 * neuron by neuron against the f64 reference with the same Philox draws (every kernel and firing rate, and a
 * case with several spikes per step); the initial ages against the PDE's initial cells; the steady rate
 * against the exact N* of steadyStates.ts and the steady age histogram against n∞; and the instant kernel's
 * implicit step, which follows the PDE also where the coupling is stiff. Fixed seeds: each check passes or fails the same way every run.
 */
import { describe, expect, it } from 'vitest';
import { runElapsedComparison } from '../../src/host/elapsedCompare';
import { runParticles } from '../../src/host/particleRun';
import { type ParticleHistogram, particleStateBytes, ParticleSystem } from '../../src/host/particleSystem';
import { ConfigError, resolveParticleConfig } from '../../src/models/config';
import { ElapsedReference, elapsedInitialCells } from '../../src/models/elapsed/scheme';
import { elapsedSteadyRates, steadyCells } from '../../src/models/elapsed/steadyStates';
import { ElapsedParticlesReference, elapsedSpikeTime, explicitCouplingSlope } from '../../src/models/particles/elapsedReference';
import { alternatingFraction } from '../../src/models/particles/statistics';
import { resolveElapsedRunConfig } from '../../src/models/registry';
import { testGpu } from '../helpers/gpu';

type Input = Record<string, unknown>;
const particleConfig = (elapsed: Input, time: Input, particles: Input, rest: Input = {}) => resolveParticleConfig({ model: 'elapsed', elapsed, time, particles, ...rest });

describe('elapsed particle config', () => {
  it('takes the PDE\'s resolution: its dt, age grid, kernel and initial data; one f32 array of ages', () => {
    const raw = { model: 'elapsed', elapsed: { b: -1, kernel: 'delay', d: 0.3 }, time: { T: 3, dt: 0.02 }, particles: { count: 1000 } };
    const c = resolveParticleConfig(raw);
    const pde = resolveElapsedRunConfig(raw);
    expect(c.model).toBe('elapsed');
    expect(c.time).toMatchObject({ T: 3, dt: pde.time.dt, steps: pde.time.steps });
    expect(c.elapsed).toEqual({ model: pde.elapsed, kernel: pde.kernel, grid: pde.grid, initial: pde.initial, delaySteps: 15 });
    expect(c.grid).toEqual({ nv: pde.grid.ns, ng: 1, gmax: 0, vlo: 0, vhi: pde.grid.smax });
    expect(c.nnlif).toBeNull();
    expect(c.network).toBeNull();
    expect(particleStateBytes(c)).toBe(8 * 1000); // the ages and their checkpoint copy
  });

  it.each([
    [{ particles: { smoothing: 0.2 } }, 'particles.smoothing'],
    [{ elapsed: { kernel: 'delay', d: 41 }, time: { T: 50, dt: 0.01 } }, 'elapsed.d'],
    [{ elapsed: { kernel: 'delay', d: 0.015 }, time: { dt: 0.01 } }, 'elapsed.d'],
    [{ elapsed: { w: 0.1 } }, 'elapsed.w'],
  ] as [Input, string][])('refuses %j, naming %s', (input, field) => {
    try {
      resolveParticleConfig({ model: 'elapsed', ...input });
      throw new Error('accepted');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).field).toBe(field);
    }
  });
});

describe('the spike time: the inverse of the cumulative hazard', () => {
  it('∫_s^{s+τ} p(u, X) du = E at the returned τ, for the threshold and the sigmoid, from far below to far above s*', () => {
    const sigmoid = resolveElapsedRunConfig({ model: 'elapsed', elapsed: { firing: 'sigmoid', phi0: 10, w: 0.05 } }).elapsed;
    const threshold = resolveElapsedRunConfig({ model: 'elapsed', elapsed: { phi0: 4 } }).elapsed;
    const c = 1;
    // the hazard integral by 2-point Gauss–Legendre on 4000 panels, split at s* (independent of the closed forms)
    const integral = (m: typeof sigmoid, s: number, tau: number) => {
      const p = (u: number) => (m.firing === 'threshold' ? (u > c ? m.phi0 : 0) : m.phi0 / (1 + Math.exp(-(u - c) / m.w)));
      const piece = (a: number, b: number) => {
        if (b <= a) return 0;
        const panels = 4000;
        const h = (b - a) / panels;
        let total = 0;
        for (let k = 0; k < panels; k++) {
          const mid = a + (k + 0.5) * h;
          total += (h / 2) * (p(mid - h / (2 * Math.sqrt(3))) + p(mid + h / (2 * Math.sqrt(3))));
        }
        return total;
      };
      return piece(s, Math.min(c, s + tau)) + piece(Math.max(c, s), s + tau);
    };
    for (const m of [sigmoid, threshold]) {
      for (const s of [0, 0.5, 0.95, 1, 1.3, 4]) {
        for (const E of [1e-7, 0.01, 0.7, 3, 16]) {
          const tau = elapsedSpikeTime(m, s, c, E);
          expect(tau).toBeGreaterThanOrEqual(0);
          // 1e-7: the rounding of s + τ in f64 when τ ≪ s (τ = 2.5e-8 at s = 4)
          expect(Math.abs(integral(m, s, tau) / E - 1), `${m.firing} s = ${s} E = ${E}`).toBeLessThan(1e-7);
        }
      }
    }
    // far below s* and with a tiny width nothing overflows: the sharp sigmoid is the threshold, τ = (s* − s) + E/φ0
    const sharp = { ...sigmoid, w: 1e-4 };
    expect(elapsedSpikeTime(sharp, 0, 50, 1)).toBeCloseTo(50 + 1 / sharp.phi0, 3);
    expect(elapsedSpikeTime({ ...threshold, phi0: Infinity }, 0.2, c, 5)).toBe(0.8);
  });
});

describe('elapsed particles on the GPU against the f64 reference, neuron by neuron', () => {
  const cases: { name: string; elapsed: Input; dt: number; initial?: Input }[] = [
    // the instant kernel: the implicit step's search, the same candidates and counts (so the same passes)
    { name: 'threshold φ0 = 4, instant kernel, inhibitory', elapsed: { b: -0.5, phi0: 4 }, dt: 0.02 },
    { name: 'sigmoid, instant kernel, excitatory', elapsed: { b: 0.3, firing: 'sigmoid', phi0: 10, w: 0.1 }, dt: 0.02 },
    { name: 'sigmoid, exponential kernel, linear s*', elapsed: { b: 0.4, firing: 'sigmoid', phi0: 10, w: 0.1, kernel: 'exponential', tau: 0.3, thresholdAge: 'linear', smin: 0.3 }, dt: 0.02 },
    { name: 'threshold φ0 = ∞, delay kernel', elapsed: { b: -1, phi0: 'Infinity', kernel: 'delay', d: 0.1 }, dt: 0.02, initial: { kind: 'uniform', s1: 1.5 } },
    // hazard 30/(1 + e^{0.4}) = 12 at age 0, 30 beyond s*, against dt = 0.1: several spikes per step, up to the cap of 4
    { name: 'sigmoid with s* ≈ 0: several spikes per step', elapsed: { b: 0, firing: 'sigmoid', phi0: 30, w: 0.05, thresholdAge: 'linear', s0: 0.02, k: 0 }, dt: 0.1 },
  ];
  it.each(cases)('$name: the same spikes in every step and the same ages', async ({ elapsed, dt, initial }) => {
    const ctx = await testGpu();
    const count = 77; // not a multiple of the workgroup
    const config = particleConfig(elapsed, { T: 300 * dt, dt }, { count, seed: 20261202 }, initial ? { initial } : {});
    const system = await ParticleSystem.create(ctx, config, { workgroupSize: 32 });
    const ref = new ElapsedParticlesReference(config.elapsed!, config.time.dt, count, config.particles.seed);
    let worst = 0;
    let spikes = 0;
    let multiple = 0;
    const compareAges = async (step: number) => {
      const ages = (await system.readState()).v;
      for (let j = 0; j < count; j++) {
        const d = Math.abs(ages[j]! - ref.age[j]!);
        worst = Math.max(worst, d);
        expect(d, `neuron ${j} at step ${step}: GPU ${ages[j]}, reference ${ref.age[j]}`).toBeLessThan(1e-4 * (1 + ref.age[j]!));
      }
    };
    await compareAges(0);
    for (let block = 0; block < 6; block++) {
      const gpu = await system.advance(50);
      for (let k = 0; k < 50; k++) {
        const expected = ref.advance();
        expect(gpu.spikes[k], `spikes of step ${ref.steps}`).toBe(expected);
        spikes += expected;
        if (expected > count) multiple++;
      }
      await compareAges(ref.steps);
    }
    const { searchEvaluations } = await system.readControl();
    system.destroy();
    console.log(`${elapsed.firing ?? 'threshold'}, ${(elapsed.kernel as string | undefined) ?? 'instant'}: ${spikes} spikes in 300 steps of ${count} neurons, ${multiple} steps with more spikes than neurons, largest age difference ${worst.toExponential(2)}, ${searchEvaluations} counting passes (reference ${ref.searchEvaluations})`);
    expect(searchEvaluations).toBe(ref.searchEvaluations);
    if (!elapsed.kernel && elapsed.b !== 0) expect(ref.searchEvaluations).toBeGreaterThan(300);
    // 77 neurons of the instant inhibitory network: one spike (N = 0.65) already lengthens s* to 1.5, so few fire
    expect(spikes).toBeGreaterThan(100);
    if (dt === 0.1) expect(multiple).toBeGreaterThan(100);
  }, 60_000);
});

describe('elapsed particles: the initial ages sample the PDE\'s initial cells', () => {
  it('the age histogram at t = 0 matches elapsedInitialCells within the multinomial noise, for each kind of initial data', async () => {
    const ctx = await testGpu();
    const count = 100_000;
    for (const initial of [{ kind: 'gaussian', mean: 0.8, sd: 0.3 }, { kind: 'uniform', s1: 2 }, { kind: 'age', s: 0.5 }]) {
      const config = particleConfig({}, { T: 0.04, dt: 0.02 }, { count, seed: 9 }, { initial, output: { snapshots: [0] } });
      let first: ParticleHistogram | undefined;
      await runParticles(ctx, config, { onSnapshot: (s) => void (first ??= s.histogram) });
      const { ns, ds } = config.elapsed!.grid;
      const cells = elapsedInitialCells(config.elapsed!.initial, ns, ds);
      let l1 = 0;
      let expected = 0; // E|X/n − m| for X ~ Binomial(n, m): about √(2m(1 − m)/(πn))
      for (let i = 0; i < ns; i++) {
        l1 += Math.abs(first!.density[i]! * ds - cells[i]!);
        expected += Math.sqrt((2 * cells[i]! * (1 - cells[i]!)) / (Math.PI * count));
      }
      console.log(`initial ${initial.kind}: L1 ${l1.toExponential(3)}, multinomial noise ${expected.toExponential(3)}`);
      expect(first!.mass).toBe(1);
      // + 1e-4: an age within an f32 rounding of a cell's lower edge, (i + u)·dt with u < 1e-6, may be binned in
      // the cell below (kind "age" puts every neuron in one cell: 1.0e-5 of them were, here)
      expect(l1, initial.kind).toBeLessThan(1.3 * expected + 1e-4);
    }
  }, 60_000);
});

describe('elapsed particles at a steady state', () => {
  // Every neuron sees the same X = b·N* there, so the rate is the renewal rate 1/I(N*) of the PDE's steady
  // state. Both states are stable (the instant case's G'(N*) = 0.28). The neurons are exact in law at constant X, so
  // a coarse dt = 0.04 serves. Window [4, 14], 20 batches.
  it.each([
    ['threshold φ0 = 4, instant kernel, b = 0.1', { b: 0.1, phi0: 4 }],
    ['sigmoid φ0 = 10, w = 0.1, exponential kernel τ = 0.3, b = −0.5', { b: -0.5, firing: 'sigmoid', phi0: 10, w: 0.1, kernel: 'exponential', tau: 0.3 }],
  ] as [string, Input][])('%s: N_mean agrees with the exact N* within 4 standard errors, and the age histogram with n∞', async (_, elapsed) => {
    const ctx = await testGpu();
    const count = 20_000;
    const config = particleConfig(elapsed, { T: 14, dt: 0.04 }, { count, seed: 11, window: [4, 14] });
    const rates = elapsedSteadyRates(config.elapsed!.model);
    expect(rates).toHaveLength(1);
    const Nstar = rates[0]!;
    let final: ParticleHistogram | undefined;
    const r = await runParticles(ctx, config, { onSnapshot: (s) => void (final = s.histogram) });
    const z = (r.N_mean! - Nstar) / r.N_se!;
    const { ns, ds } = config.elapsed!.grid;
    const steady = steadyCells(config.elapsed!.model, Nstar, ns, ds);
    let l1 = 0;
    let noise = 0;
    for (let i = 0; i < ns; i++) {
      l1 += Math.abs(final!.density[i]! * ds - steady[i]!);
      noise += Math.sqrt((2 * steady[i]! * (1 - steady[i]!)) / (Math.PI * count));
    }
    console.log(`steady ${elapsed.firing ?? 'threshold'}: N* = ${Nstar}, particles ${r.N_mean} ± ${r.N_se} (${z.toFixed(2)} SE), lag-1 ${r.batch.lag1?.toFixed(2)}; L1 of n(s, T) against n∞ ${l1.toExponential(3)} (multinomial noise ${noise.toExponential(3)}); ${r.wallSeconds.toFixed(1)} s, ${r.particleStepsPerSecond.toExponential(2)} neuron-steps/s`);
    expect(r.warnings.filter((w) => w.includes('alternates'))).toEqual([]);
    expect(Math.abs(z)).toBeLessThan(4);
    expect(r.N_se! / Nstar).toBeLessThan(0.01);
    expect(l1).toBeLessThan(2 * noise);
  }, 60_000);
});

describe('elapsed particles, instant kernel: the implicit step', () => {
  const windowMeans = (N: ArrayLike<number>, per: number) => Array.from({ length: Math.floor(N.length / per) }, (_, w) => {
    let s = 0;
    for (let k = 0; k < per; k++) s += N[w * per + k]!;
    return s / per;
  });
  const meanAbs = (a: number[], b: number[]) => a.reduce((s, x, i) => s + Math.abs(x - b[i]!), 0) / a.length;

  // b = 0.1, φ0 = 4 (G'(N*) = 0.28): N(t) over windows of 0.2 against the f64 twin at dt = 0.005 (the twin's
  // own error there is about 5e-5), over T = 2, 20 000 neurons. Ages beyond smax = 4 have probability below
  // 1e-5 here. (The explicit coupling of the first version lagged by a step: 6.7e-2 at dt = 0.04.)
  it('weak coupling: the particle N(t) follows the PDE\'s to the sampling noise, at dt = 0.04 and 0.01', async () => {
    const ctx = await testGpu();
    const elapsed = { b: 0.1, phi0: 4 };
    const T = 2;
    const fine = ElapsedReference.of(resolveElapsedRunConfig({ model: 'elapsed', elapsed, grid: { smax: 4 }, time: { T, dt: 0.005 } }));
    const Nfine: number[] = [];
    for (let k = 0; k < 400; k++) {
      fine.advance();
      Nfine.push(fine.N);
    }
    const truth = windowMeans(Nfine, 40);
    const errors: number[] = [];
    const alternating: number[] = [];
    for (const dt of [0.04, 0.01]) {
      const config = particleConfig(elapsed, { T, dt }, { count: 20_000, seed: 5 }, { grid: { smax: 4 } });
      const r = await runParticles(ctx, config);
      errors.push(meanAbs(windowMeans(r.N, Math.round(0.2 / dt)), truth));
      alternating.push(alternatingFraction(r.spikes));
    }
    const noise = Math.sqrt((2 / Math.PI) * (0.86 / (20_000 * 0.2))); // E|window mean − its expectation|
    console.log(`instant b = 0.1: mean |windowed N − PDE| ${errors.map((e) => e.toExponential(3)).join(', ')} at dt = 0.04, 0.01 (sampling noise ${noise.toExponential(2)}); alternating steps ${alternating.map((f) => `${(100 * f).toFixed(1)}%`).join(', ')}`);
    for (const e of errors) expect(e).toBeLessThan(2 * noise);
  }, 60_000);

  // b = −0.5, φ0 = 4: G'(N*) = −2.3, where the explicit coupling (X of the previous step) flipped N between high
  // and low at 90% of the steps, whatever dt (measured in the README). The implicit step follows the PDE on the
  // same dt and age grid: the L1 errors of N(t) and of n(s, T) fall like count^(−1/2), N_mean agrees, and
  // nothing alternates.
  it('stiff coupling, |G\'| > 1: N(t) converges to the PDE\'s like count^(−1/2), with no alternation and no warning', async () => {
    const ctx = await testGpu();
    const raw = { model: 'elapsed', elapsed: { b: -0.5, phi0: 4 }, time: { T: 4, dt: 0.04 }, particles: { seed: 5 } };
    const config = particleConfig({ b: -0.5, phi0: 4 }, { T: 4, dt: 0.04 }, { count: 1000 });
    const slope = explicitCouplingSlope(config.elapsed!.model, elapsedSteadyRates(config.elapsed!.model)[0]!, config.elapsed!.grid.ns, 0.04);
    expect(slope).toBeLessThan(-1);
    const counts = [1000, 4000, 16_000, 32_000];
    const r = await runElapsedComparison(ctx, raw, counts);
    const rows = r.rows.map((x) => [x.count, x.L1_N, x.L1_hist, x.N_mean_particles, x.N_se_particles, x.N_mean_pde].map((v) => Number(v!.toPrecision(4))));
    console.log(`instant b = −0.5, dt = 0.04: G'(N*) = ${slope.toFixed(3)}; [count, L1_N, L1_hist, N_mean, SE, N_mean PDE] ${JSON.stringify(rows)}; exponents L1_N ${r.fits.L1_N?.exponent.toFixed(3)}, L1_hist ${r.fits.L1_hist?.exponent.toFixed(3)}`);
    expect(r.warnings.filter((w) => w.includes('alternates'))).toEqual([]);
    expect(r.fits.L1_N!.exponent).toBeGreaterThan(-0.9);
    expect(r.fits.L1_N!.exponent).toBeLessThan(-0.35);
    expect(r.fits.L1_hist!.exponent).toBeLessThan(-0.3);
    const last = r.rows.at(-1)!;
    expect(Math.abs(last.N_mean_particles! - last.N_mean_pde!)).toBeLessThan(4 * last.N_se_particles! + 0.01 * last.N_mean_pde!);
    const run = await runParticles(ctx, particleConfig({ b: -0.5, phi0: 4 }, { T: 4, dt: 0.04 }, { count: 16_000, seed: 5 }));
    expect(alternatingFraction(run.spikes)).toBeLessThan(0.01);
  }, 120_000);
});
