/**
 * Live mode for nnlif: the NNLIF Fokker–Planck PDE of one population,
 *
 *   ∂t n + ∂v[(−v + b·N(t−d)) n] − a(N(t−d)) ∂²v n = N δ(v − VR) (or R/τ),   a(N) = a0 + a1·N,
 *
 * solved in the page on WebGPU by the CLI's solver (src/host/nnlifSolver.ts, the same kernel), driven by
 * the live frame loop (liveLoop.ts). It draws n(v) at the nodes with VR and VF marked, and N(t) over the
 * last `window` time units (a scrolling plot); for the hard threshold also the exact steady rates N* and
 * the steady density at the lowest one (src/models/nnlif/steadyRate.ts), which the run approaches where
 * that state is stable.
 *
 * What a change keeps: a parameter that leaves the grid and the delay ring as they are (b, a0, a1, VR, τ
 * unless it goes to 0, the soft rate, dt while d = 0, Nmax) goes on from the running state at the next
 * step, the clock going on (NnlifSolver.setParameters); anything else (VF, the threshold kind, nv, vmin,
 * the delay, the initial data, τ → 0) restarts from the initial data at t = 0 and says why.
 * A step the kernel refuses (N > Nmax: blowup; the flux relation without a positive root: blowup too; a
 * non-finite N: nonfinite) stops the run at its last good state, shown in the status line and above the plot.
 */
import { NNLIF_STATUS, NnlifSolver } from '../../src/host/nnlifSolver';
import { massNearVmin, memberOf, nnlifProblemOf, nnlifStopMessage, VMIN_PILEUP_THRESHOLD } from '../../src/host/nnlifRun';
import { ConfigError } from '../../src/models/config';
import type { NnlifRunConfig } from '../../src/models/nnlif/config';
import { nodeOf } from '../../src/models/nnlif/fokkerPlanck';
import { nnlifSteadyDensityAt, nnlifSteadyRates } from '../../src/models/nnlif/steadyRate';
import { SERIES_COLORS, voltageMarkers } from '../../src/render/canvas/axes';
import { drawLinePlot, type PlotSeries } from '../../src/render/canvas/linePlot';
import { type ActivityHistory, type LiveBlock, LiveLoop, type LiveSimulation, openLiveGpu, transportFromUrl, transportToUrl } from './liveLoop';
import { nnlifControls } from './liveNnlifControls';
import { type NnlifLiveSettings, nnlifLiveConfig, nnlifSettingsFromUrl, nnlifSettingsToUrl } from './liveNnlifSettings';
import { liveUrlOf } from './livePanel';
import type { ViewerShell } from './shell';

interface NnlifSimulation extends LiveSimulation {
  config: NnlifRunConfig;
  readonly solver: NnlifSolver;
  /** the exact steady states at config's parameters, drawn with the run; null while they are computed */
  steady: SteadyStates | null;
}

/** The steady states of the hard threshold at these parameters (rates ascending, the density at the lowest), or none. */
interface SteadyStates {
  rates: number[];
  density: Float64Array | null;
}

const fixed = (x: number) => String(Number(x.toPrecision(4)));
/** the run in the first colour of the series cycle (as playback), the exact steady states in grey under it */
const RUN_COLOR = SERIES_COLORS[0]!;
const STEADY_COLOR = '#a0a0a0';
/** the steady states are computed this long after the last parameter change */
const STEADY_DELAY_MS = 200;

export async function startLiveNnlif(shell: ViewerShell): Promise<void> {
  const ctx = await openLiveGpu(shell);
  if (!ctx) return;
  shell.densityGpu.hidden = true;
  shell.marginalPlot.hidden = true; // n(v) is the main panel, N(t) beside it (as playback of an nnlif run)

  let settings: NnlifLiveSettings = nnlifSettingsFromUrl(shell.params);
  const loop: LiveLoop = new LiveLoop({
    device: ctx.device,
    shell,
    stepsPerFrame: () => settings.stepsPerFrame,
    setPlaying: (playing) => controls.setPlaying(playing),
    writeUrl: () => writeUrl(),
    ...transportFromUrl(shell.params),
  });
  const writeUrl = () => shell.writeUrl({ ...nnlifSettingsToUrl(settings), ...transportToUrl(loop) });

  /** The solver for `config` from its initial Gaussian, as the loop's simulation; `why` says why it restarted. */
  async function build(config: NnlifRunConfig, why?: string): Promise<NnlifSimulation> {
    shell.showMessage(`Building the nnlif solver (${config.grid.nv} nodes; compiling the kernel) …`, 'progress');
    await new Promise((r) => setTimeout(r, 0)); // let the message paint
    const solver = await NnlifSolver.create(ctx!, nnlifProblemOf(config, [memberOf(config)]));
    let n = await solver.readDensity();
    const sim: NnlifSimulation = {
      config,
      solver,
      steady: steadyStates(config),
      get dt() {
        return sim.config.time.dt;
      },
      get stepIndex() {
        return solver.stepIndex;
      },
      capacity: solver.capacity,
      get historyWindow() {
        return settings.window > 0 ? settings.window : null;
      },
      saveCheckpoint: () => solver.saveCheckpoint(),
      restoreCheckpoint: () => solver.restoreCheckpoint(),
      submitSteps: (count) => solver.submitSteps(count),
      async readBlock(first, count, t0): Promise<LiveBlock> {
        // one member, one population: entry k is step first + k + 1
        const block = await solver.readHistory(first, count);
        const { dt, Nmax } = sim.config.time;
        const k = block.status.findIndex((s) => s !== 0);
        let stop: LiveBlock['stop'] = null;
        if (k >= 0) {
          const status = NNLIF_STATUS[block.status[k]!] ?? 'nonfinite';
          const message = nnlifStopMessage(status, Nmax, { t: t0 + (k + 1) * dt, step: first + k + 1, keptT: t0 + k * dt }) ?? status;
          // as the CLI's summary: no root of the flux relation is a blow-up (its message says which)
          stop = { index: k, status: status === 'nonfinite' ? 'nonfinite' : 'blowup', message };
        }
        return { series: [block.N], mass: block.mass, stop };
      },
      async readState() {
        n = await solver.readDensity();
      },
      draw: (t, history) => draw(sim, t, history, n),
      destroy: () => solver.destroy(),
    };
    loop.restart({ series: [solver.initialN[0]!], mass: solver.initialMass[0]! });
    shell.clearMessage();
    if (why) shell.showMessage(`Restarted from the initial data at t = 0: ${why}.`, 'info');
    return sim;
  }

  /** Apply new settings: the state goes on where the solver allows it (NnlifSolver.whyNotContinued), else a restart. */
  function apply(next: NnlifLiveSettings, changed: string): void {
    let config: NnlifRunConfig;
    try {
      config = nnlifLiveConfig(next);
    } catch (err) {
      if (err instanceof ConfigError) {
        controls.showError(err.field, err.problem);
        return;
      }
      throw err;
    }
    controls.showError(null);
    settings = next;
    writeUrl();
    if (changed === 'spf' || changed === 'window') {
      loop.redraw();
      return;
    }
    const current = loop.current as NnlifSimulation | null;
    if (!current) {
      void loop.replace(() => build(config)); // a solver is being built: build the latest settings instead
      return;
    }
    const [was, now] = [current.config.populations[0]!.initial, config.populations[0]!.initial];
    const why = NnlifSolver.whyNotContinued(current.solver.problem, nnlifProblemOf(config, [memberOf(config)])) ?? (was.v0 !== now.v0 || was.sv !== now.sv ? 'the initial data changed' : null);
    if (why) {
      void loop.replace(() => build(config, why));
      return;
    }
    current.solver.setParameters(nnlifProblemOf(config, [memberOf(config)]));
    current.config = config;
    // the steady states take 10–100 ms: computed once the parameters rest (a slider drag stays fluid),
    // and not drawn meanwhile, since those of the old parameters would be wrong
    current.steady = null;
    clearTimeout(steadyTimer);
    steadyTimer = setTimeout(() => {
      if (loop.current === current && current.config === config) {
        current.steady = steadyStates(config);
        loop.redraw();
      }
    }, STEADY_DELAY_MS);
    loop.redraw();
  }

  let steadyTimer: ReturnType<typeof setTimeout> | undefined;

  function draw(sim: NnlifSimulation, t: number, history: ActivityHistory, n: Float32Array): void {
    const steady = sim.steady ?? { rates: [], density: null };
    const pop = sim.config.populations[0]!;
    const grid = sim.solver.problem.populations[0]!.grid;
    const nv = grid.nv;
    // the nodes v_i = vmin + i·h; the hard threshold's node VF holds n = 0
    const hard = grid.firing.kind === 'hard';
    const v = Float64Array.from({ length: nv + (hard ? 1 : 0) }, (_, i) => nodeOf(grid, i));
    const values = Float64Array.from({ length: v.length }, (_, i) => (i < nv ? n[i]! : 0));
    const b = sim.config.coupling.b[0]![0]!;
    const a1 = sim.config.coupling.a1[0]![0]!;
    const near = massNearVmin(n);
    // the steady density first, so that the run's line is drawn over it where they agree
    const series: PlotSeries[] = [
      ...(steady.density && steady.rates.length ? [{ x: v, y: steady.density, label: `steady n(v) at N* = ${fixed(steady.rates[0]!)}`, color: STEADY_COLOR }] : []),
      { x: v, y: values, label: 'n(v, t)', color: RUN_COLOR },
    ];
    drawLinePlot(shell.overlay, {
      series,
      // a little beyond the top of the domain, so that the marker at VF (the end of a hard threshold's axis) shows
      x: { min: grid.vmin, max: grid.vtop + 0.02 * (grid.vtop - grid.vmin), label: 'v (voltage)' },
      y: { label: 'n(v, t)', min: 0 },
      markers: voltageMarkers({ VR: pop.VR, VF: pop.VF }, null),
      title: `n(v, t = ${t.toFixed(3)})   nnlif, b = ${b}, a0 = ${pop.a0}${a1 ? `, a1 = ${a1}` : ''}${pop.tau ? `, τ = ${pop.tau}` : ''}${sim.config.delay ? `, d = ${sim.config.delay}` : ''}${hard ? '' : `, soft (rate ${pop.firing.kind === 'soft' ? pop.firing.rate : ''})`}${near > VMIN_PILEUP_THRESHOLD ? '   (mass at vmin: lower vmin)' : ''}`,
    });
    const window = settings.window > 0 ? settings.window : Math.max(t, 1e-9);
    const x = { min: Math.max(0, t - window), max: Math.max(t, window), label: 't' };
    const N = history.series[0]!;
    const rates: PlotSeries[] = steady.rates.map((rate, k) => ({ x: [x.min, x.max], y: [rate, rate], label: `N*${steady.rates.length > 1 ? `${k + 1}` : ''} = ${fixed(rate)} (steady)`, color: STEADY_COLOR }));
    // [0, 1.15 × the largest N shown]: a constant N(t) is a line inside the plot, not on its frame; the
    // steady rates count up to 3 × that N (an unstable one far above would squash the run; its legend stays)
    let top = 0;
    for (let k = 0; k < N.length; k++) if (history.t[k]! >= x.min && N[k]! > top) top = N[k]!;
    for (const rate of steady.rates) if (rate <= 3 * top || top === 0) top = Math.max(top, rate);
    drawLinePlot(shell.activityPlot, {
      series: [...rates, { x: history.t, y: N, label: 'N(t)', color: RUN_COLOR }],
      x,
      y: { label: 'N(t)', min: 0, max: Number.isFinite(top) && top > 0 ? 1.15 * top : 1 },
      title: `firing rate N(t)${hard && sim.steady && steady.rates.length === 0 ? ': no steady state' : ''}`,
    });
  }

  const controls = nnlifControls(shell.controls, settings, {
    settings: (next, changed) => apply(next, changed),
    otherModel: (model) => location.assign(liveUrlOf(model)),
    play: () => loop.play(),
    pause: () => loop.pause(),
    step: () => loop.step(),
    reset: () => {
      const current = loop.current as NnlifSimulation | null;
      if (current) void loop.replace(() => build(current.config));
    },
  });
  controls.setPlaying(loop.playing);

  let config: NnlifRunConfig;
  try {
    config = nnlifLiveConfig(settings);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    controls.showError(err.field, err.problem);
    shell.showMessage(`The URL's parameters are not valid: ${err.message}`, 'error');
    return;
  }
  writeUrl();
  await loop.replace(() => build(config));
  loop.run();
}

/**
 * The steady states of one population with the hard threshold: every rate N* with N*·(I(N*) + τ) = 1
 * (the delay does not move them), and n(v) of the lowest at the nodes. The soft threshold has other
 * steady states, not computed here: none are drawn.
 */
function steadyStates(config: NnlifRunConfig): SteadyStates {
  const pop = config.populations[0]!;
  if (pop.firing.kind !== 'hard') return { rates: [], density: null };
  const params = { a: pop.a0, a1: config.coupling.a1[0]![0]!, b: config.coupling.b[0]![0]!, VR: pop.VR, VF: pop.VF, tau: pop.tau };
  try {
    const rates = nnlifSteadyRates(params, { Nmax: config.time.Nmax });
    if (rates.length === 0) return { rates, density: null };
    const h = (pop.VF - pop.vmin) / config.grid.nv;
    const density = Float64Array.from({ length: config.grid.nv + 1 }, (_, i) => nnlifSteadyDensityAt(params, rates[0]!, pop.vmin + i * h));
    return { rates, density };
  } catch {
    return { rates: [], density: null }; // parameters the steady-state theory does not cover (a(N) ≤ 0 on the way)
  }
}
