/**
 * Live mode for nnlif: the NNLIF Fokker–Planck PDE of a network of K ≤ 8 populations α,
 *
 *   ∂t n_α + ∂v[(−v + Σβ b_αβ N_β(t−d)) n_α] − a_α(N(t−d)) ∂²v n_α = N_α δ(v − VR_α) (or R_α/τ_α),
 *   a_α(N) = a0_α + Σβ a1_αβ N_β,
 *
 * (K = 1: one population, b and a1 numbers) solved in the page on WebGPU by the CLI's solver
 * (src/host/nnlifSolver.ts, the same kernel), driven by the live frame loop (liveLoop.ts, livePage.ts). It
 * draws n_α(v) of every population at its nodes with VR and VF marked, and N_α(t) over the last `window`
 * time units (a scrolling plot), one colour per population; in grey under the run, the exact steady rates
 * N* and the steady densities of the lowest state: for one population with the hard threshold from
 * src/models/nnlif/steadyRate.ts, for a network from networkSteady.ts (hard and soft thresholds). The run
 * approaches them where that state is stable.
 *
 * What a change keeps: a parameter that leaves the grids and the delay ring as they are (b, a0, a1, VR, τ
 * unless it goes to 0, the soft rate, dt while d = 0, Nmax) goes on from the running state at the next
 * step, the clock going on (NnlifSolver.setParameters); anything else (VF, the threshold kind, nv, vmin,
 * the delay, the initial data, τ → 0, K, a loaded config) restarts from the initial data at t = 0 and says why.
 * A step the kernel refuses (N > Nmax: blowup; the flux relation without a positive root: blowup too; a
 * non-finite N: nonfinite) stops the run at its last good state, shown in the status line and above the plot.
 */
import { NNLIF_STATUS, NnlifSolver } from '../../src/host/nnlifSolver';
import { massNearVmin, memberOf, nnlifProblemOf, nnlifRunGrids, nnlifStopMessage, VMIN_PILEUP_THRESHOLD } from '../../src/host/nnlifRun';
import type { NnlifRunConfig } from '../../src/models/nnlif/config';
import { nodeOf } from '../../src/models/nnlif/fokkerPlanck';
import { type NnlifNetworkParams, nnlifNetworkFrozen } from '../../src/models/nnlif/networkSteady';
import { nnlifSteadyDensityOf, nnlifSteadyRates } from '../../src/models/nnlif/steadyRate';
import { voltageMarkers } from '../../src/render/canvas/axes';
import { drawLinePlot, type PlotSeries } from '../../src/render/canvas/linePlot';
import { type ActivityHistory, type LiveBlock, type LiveSimulation, openLiveGpu } from './liveLoop';
import { nnlifControls } from './liveNnlifControls';
import { type NnlifLiveSettings, nnlifLiveConfig, nnlifSettingsFromUrl, nnlifSettingsToUrl } from './liveNnlifSettings';
import { LivePage, RestingSteadyStates, solverSimulation } from './livePage';
import { drawLiveActivity, fixed, runColor, STEADY_COLOR } from './livePlots';
import { populationMarkers } from './playbackData';
import type { NetworkSteadyReply, NetworkSteadyRequest } from './networkSteadyWorker';
import type { ViewerShell } from './shell';

interface NnlifSimulation extends LiveSimulation {
  config: NnlifRunConfig;
  readonly solver: NnlifSolver;
}

/** The steady states at these parameters: each state's rates (one per population, ascending in N_0), and the densities of the lowest at the nodes. */
interface SteadyStates {
  rates: number[][];
  densities: Float64Array[] | null;
  /** the theory covers these parameters (false: the soft threshold of one population, which it does not solve here) */
  covered: boolean;
}

export async function startLiveNnlif(shell: ViewerShell): Promise<void> {
  const ctx = await openLiveGpu(shell);
  if (!ctx) return;
  shell.densityGpu.hidden = true;
  shell.marginalPlot.hidden = true; // n(v) is the main panel, N(t) beside it (as playback of an nnlif run)

  const page = new LivePage<NnlifLiveSettings>({ shell, device: ctx.device, settings: nnlifSettingsFromUrl(shell.params), stepsPerFrame: (s) => s.stepsPerFrame, url: nnlifSettingsToUrl });
  const { loop } = page;
  const network = networkSteadyWorker();
  const steady = new RestingSteadyStates((config: NnlifRunConfig) => steadyStates(config, network), () => loop.redraw());

  /** The solver for `config` from its initial Gaussians, as the loop's simulation; `why` says why it restarted. */
  async function build(config: NnlifRunConfig, why?: string): Promise<NnlifSimulation> {
    const K = config.populations.length;
    await page.building(`the nnlif solver (${K > 1 ? `${K} populations × ` : ''}${config.grid.nv} nodes; compiling the kernel)`);
    const solver = await NnlifSolver.create(ctx!, nnlifProblemOf(config, [memberOf(config)]));
    let n = await solver.readDensity();
    const sim: NnlifSimulation = solverSimulation<Pick<NnlifSimulation, 'config' | 'solver' | 'readBlock' | 'readState' | 'draw'>>(solver, () => sim.config.time.dt, () => (page.settings.window > 0 ? page.settings.window : null), {
      config,
      solver,
      async readBlock(first: number, count: number, t0: number): Promise<LiveBlock> {
        // one member of K populations: entry k·K + α is population α after step first + k + 1
        const block = await solver.readHistory(first, count);
        const { dt, Nmax } = sim.config.time;
        let stop: LiveBlock['stop'] = null;
        for (let k = 0; k < count && !stop; k++) {
          const bad = block.status[k * K];
          if (!bad) continue;
          const status = NNLIF_STATUS[bad] ?? 'nonfinite';
          const message = nnlifStopMessage(status, Nmax, { t: t0 + (k + 1) * dt, step: first + k + 1, keptT: t0 + k * dt }) ?? status;
          // as the CLI's summary: no root of the flux relation is a blow-up (its message says which)
          stop = { index: k, status: status === 'nonfinite' ? 'nonfinite' : 'blowup', message };
        }
        const series = Array.from({ length: K }, (_, a) => Float32Array.from({ length: count }, (_, k) => block.N[k * K + a]!));
        // the mass of the network: Σ over the populations of Σ w n + R (K when each keeps its mass 1)
        const mass = Float64Array.from({ length: count }, (_, k) => block.mass.subarray(k * K, (k + 1) * K).reduce((x, y) => x + y, 0));
        return { series, mass, stop };
      },
      async readState() {
        n = await solver.readDensity();
      },
      draw: (t: number, history: ActivityHistory) => draw(sim, t, history, n),
    });
    page.begin({ series: solver.initialN.slice(0, K), mass: solver.initialMass.slice(0, K).reduce((x, y) => x + y, 0) }, why);
    steady.schedule(config, true);
    return sim;
  }

  /** Apply new settings: the state goes on where the solver allows it (NnlifSolver.whyNotContinued), else a restart. */
  function apply(next: NnlifLiveSettings, changed: string): void {
    page.change(next, changed, {
      resolve: nnlifLiveConfig,
      viewOnly: ['spf', 'window'],
      build,
      whyRestart: (current: NnlifSimulation, config) =>
        NnlifSolver.whyNotContinued(current.solver.problem, nnlifProblemOf(config, [memberOf(config)])) ??
        (changed === 'load' ? 'a config was loaded' : current.config.populations.some((p, a) => p.initial.v0 !== config.populations[a]!.initial.v0 || p.initial.sv !== config.populations[a]!.initial.sv) ? 'the initial data changed' : null),
      goOn(current, config) {
        current.solver.setParameters(nnlifProblemOf(config, [memberOf(config)]));
        current.config = config;
        steady.schedule(config);
      },
    });
  }

  function draw(sim: NnlifSimulation, t: number, history: ActivityHistory, n: Float32Array): void {
    const states = steady.value ?? { rates: [], densities: null, covered: true };
    const { config } = sim;
    const K = config.populations.length;
    const grids = sim.solver.problem.populations.map((p) => p.grid);
    const nv = grids[0]!.nv;
    const name = (a: number) => config.populations[a]!.name;
    const lines: PlotSeries[] = [];
    const runs: PlotSeries[] = [];
    let pileUp = false;
    grids.forEach((grid, a) => {
      // the nodes v_i = vmin + i·h; the hard threshold's node VF holds n = 0
      const hard = grid.firing.kind === 'hard';
      const v = Float64Array.from({ length: nv + (hard ? 1 : 0) }, (_, i) => nodeOf(grid, i));
      const own = n.subarray(a * nv, (a + 1) * nv);
      runs.push({ x: v, y: Float64Array.from({ length: v.length }, (_, i) => (i < nv ? own[i]! : 0)), label: K > 1 ? `n_${name(a)}(v, t)` : 'n(v, t)', color: runColor(a) });
      pileUp ||= massNearVmin(own) > VMIN_PILEUP_THRESHOLD;
      const density = states.densities?.[a];
      if (density && states.rates.length) lines.push({ x: v, y: density, label: K > 1 ? `steady n_${name(a)} (N* = ${fixed(states.rates[0]![a]!)})` : `steady n(v) at N* = ${fixed(states.rates[0]![0]!)}`, color: STEADY_COLOR });
    });
    // the axis holds every population's domain, a little beyond a hard threshold's VF so that its marker shows
    const vlo = Math.min(...grids.map((g) => g.vmin));
    const vhi = Math.max(...grids.map((g) => g.vtop + (g.firing.kind === 'hard' ? 0.02 * (g.vtop - g.vmin) : 0)));
    const pop = config.populations[0]!;
    const what =
      K > 1
        ? `nnlif, ${K} populations ${config.populations.map((p) => p.name).join(', ')}${config.delay ? `, d = ${config.delay}` : ''}`
        : `nnlif, b = ${config.coupling.b[0]![0]}, a0 = ${pop.a0}${config.coupling.a1[0]![0] ? `, a1 = ${config.coupling.a1[0]![0]}` : ''}${pop.tau ? `, τ = ${pop.tau}` : ''}${config.delay ? `, d = ${config.delay}` : ''}${pop.firing.kind === 'hard' ? '' : `, soft (rate ${pop.firing.rate})`}`;
    drawLinePlot(shell.overlay, {
      // the steady densities first, so that the run's lines are drawn over them where they agree
      series: [...lines, ...runs],
      x: { min: vlo, max: vhi, label: 'v (voltage)' },
      y: { label: 'n(v, t)', min: 0 },
      markers: K > 1 ? populationMarkers(config.populations) : voltageMarkers(pop, null),
      title: `n(v, t = ${t.toFixed(3)})   ${what}${pileUp ? '   (mass at vmin: lower vmin)' : ''}`,
    });
    const several = states.rates.length > 1;
    drawLiveActivity(shell.activityPlot, {
      t,
      history,
      window: page.settings.window,
      runs: config.populations.map((p) => (K > 1 ? `N_${p.name}(t)` : 'N(t)')),
      steady: states.rates.flatMap((rates, k) => rates.map((N, a) => ({ N, label: `N*${K > 1 ? `_${name(a)}` : ''}${several ? `${k + 1}` : ''} = ${fixed(N)} (steady)` }))),
      title: `firing rate${K > 1 ? 's' : ''} N(t)${states.covered && steady.value && states.rates.length === 0 ? ': no steady state' : ''}`,
    });
  }

  const controls = nnlifControls(
    shell.controls,
    page.settings,
    page.events(apply, () => {
      const current = loop.current as NnlifSimulation | null;
      if (current) void loop.replace(() => build(current.config));
    }),
  );
  page.attach(controls);
  await page.start(nnlifLiveConfig, (config) => build(config));
}

/** In the network's steady-state scan, rates from 1e-6 up to Nmax (at most 1e4). */
const NETWORK_BOX_LOW = 1e-6;

type NetworkRates = (network: NnlifNetworkParams, box: [number, number]) => Promise<number[][]>;

/** The steady rates of a network, computed in a worker (networkSteadyWorker.ts): one worker, the replies matched to the asks. */
function networkSteadyWorker(): NetworkRates {
  let worker: Worker | null = null;
  let next = 0;
  const waiting = new Map<number, { resolve(rates: number[][]): void; reject(err: Error): void }>();
  return (network, box) => {
    if (!worker) {
      worker = new Worker(new URL('./networkSteadyWorker.ts', import.meta.url), { type: 'module' });
      worker.onmessage = (event: MessageEvent<NetworkSteadyReply>) => {
        const reply = event.data;
        const asked = waiting.get(reply.id);
        waiting.delete(reply.id);
        if ('rates' in reply) asked?.resolve(reply.rates);
        else asked?.reject(new Error(reply.error));
      };
    }
    const id = ++next;
    const request: NetworkSteadyRequest = { id, network, box };
    worker.postMessage(request);
    return new Promise((resolve, reject) => waiting.set(id, { resolve, reject }));
  };
}

/**
 * The steady states of the run's parameters (the delay does not move them). One population with the hard
 * threshold: every rate N* with N*·(I(N*) + τ) = 1 (steadyRate.ts), at once; the soft threshold of one
 * population is not solved here: none are drawn. A network: every root of its K equations (networkSteady.ts,
 * the scan and Newton, without the stability runs; hard or soft thresholds), in the worker. The densities of
 * the lowest state at the nodes (that of a population α: one population at the frozen drift V_α and noise a_α).
 */
function steadyStates(config: NnlifRunConfig, networkRates: NetworkRates): SteadyStates | Promise<SteadyStates> {
  const K = config.populations.length;
  const { b, a1 } = config.coupling;
  const grids = nnlifRunGrids(config);
  // the nodes of population a as drawn: v_i = vmin + i·h, with the hard threshold's node VF
  const nodes = (a: number) => Array.from({ length: config.grid.nv + (grids[a]!.firing.kind === 'hard' ? 1 : 0) }, (_, i) => nodeOf(grids[a]!, i));
  try {
    if (K === 1) {
      const pop = config.populations[0]!;
      if (pop.firing.kind !== 'hard') return { rates: [], densities: null, covered: false };
      const params = { a: pop.a0, a1: a1[0]![0]!, b: b[0]![0]!, VR: pop.VR, VF: pop.VF, tau: pop.tau };
      const rates = nnlifSteadyRates(params, { Nmax: config.time.Nmax }).map((N) => [N]);
      if (rates.length === 0) return { rates, densities: null, covered: true };
      const density = nnlifSteadyDensityOf(params, rates[0]![0]!);
      return { rates, densities: [Float64Array.from(nodes(0), density)], covered: true };
    }
  } catch {
    return { rates: [], densities: null, covered: false }; // parameters the steady-state theory does not cover (a(N) ≤ 0 on the way)
  }
  const network: NnlifNetworkParams = { populations: config.populations.map((p) => ({ a0: p.a0, VR: p.VR, VF: p.VF, tau: p.tau, firing: p.firing })), b, a1 };
  return networkRates(network, [NETWORK_BOX_LOW, Math.min(1e4, config.time.Nmax)])
    .then((rates): SteadyStates => {
      if (rates.length === 0) return { rates, densities: null, covered: true };
      const N = rates[0]!;
      const { V, a } = nnlifNetworkFrozen(network, N);
      const densities = config.populations.map((p, k) => Float64Array.from(nodes(k), nnlifSteadyDensityOf({ a: a[k]!, a1: 0, b: V[k]! / N[k]!, VR: p.VR, VF: p.VF, firing: p.firing }, N[k]!)));
      return { rates, densities, covered: true };
    })
    .catch(() => ({ rates: [], densities: null, covered: false }));
}
