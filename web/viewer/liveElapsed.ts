/**
 * Live mode for the elapsed-time model (Pakdaman–Perthame–Salort): n(s, t), the density of neurons whose
 * last spike was s ago,
 *
 *   ∂t n + ∂s n + p(s, X(t)) n = 0,   N(t) = n(0, t) = ∫ p(s, X) n ds,   X(t) = b·∫ α(u) N(t − u) du,
 *
 * solved in the page on WebGPU by the CLI's solver (src/host/elapsedSolver.ts, the same kernel), driven by the
 * live frame loop (liveLoop.ts, livePage.ts). It draws n(s) over the ages with the threshold age s*(X) of the
 * latest step marked, and N(t) over the last `window` time units (a scrolling plot); in grey under the run,
 * every exact steady rate N* (src/models/elapsed/steadyStates.ts: the roots of N·I(N) = 1; the kernel does
 * not move them) and the steady density n∞(s) of the lowest, as cell averages on the run's cells. The run
 * approaches them where that state is stable.
 *
 * What a change keeps: the rule is the solver's (ElapsedSolver.whyNotContinued). b, s0, k, smin, φ0 (and ∞),
 * the firing rate's kind and width, s*'s kind, τ and Nmax go on from the running state at the next step, the
 * clock going on (ElapsedSolver.setParameters); dt and smax (the age cells), the kernel's kind, the delay
 * in steps and the initial ages restart from the initial data at t = 0 and say why. A step the kernel
 * refuses (N > Nmax: blowup; a non-finite N or X: nonfinite) stops the run at its last good state.
 */
import { elapsedStopMessage } from '../../src/host/elapsedRun';
import { ELAPSED_STATUS, ElapsedSolver } from '../../src/host/elapsedSolver';
import { describeElapsed, type ElapsedRunConfig } from '../../src/models/elapsed/config';
import { thresholdAge } from '../../src/models/elapsed/hazard';
import { elapsedSteadyRates, steadyCells } from '../../src/models/elapsed/steadyStates';
import { drawLinePlot, type PlotSeries } from '../../src/render/canvas/linePlot';
import { elapsedControls } from './liveElapsedControls';
import { type ElapsedLiveSettings, elapsedLiveConfig, elapsedSettingsFromUrl, elapsedSettingsToUrl } from './liveElapsedSettings';
import { type ActivityHistory, type LiveBlock, type LiveSimulation, openLiveGpu } from './liveLoop';
import { LivePage, RestingSteadyStates, solverSimulation } from './livePage';
import { drawLiveActivity, fixed, runColor, STEADY_COLOR } from './livePlots';
import type { ViewerShell } from './shell';

interface ElapsedSimulation extends LiveSimulation {
  readonly solver: ElapsedSolver;
}

/** The exact steady rates at these parameters (ascending), and n∞ of the lowest as densities (cell mass / ds). */
interface SteadyStates {
  rates: number[];
  density: Float64Array | null;
}

export async function startLiveElapsed(shell: ViewerShell): Promise<void> {
  const ctx = await openLiveGpu(shell);
  if (!ctx) return;
  shell.densityGpu.hidden = true;
  shell.marginalPlot.hidden = true; // n(s) is the main panel, N(t) beside it (as playback of an elapsed run)

  const page = new LivePage<ElapsedLiveSettings>({ shell, device: ctx.device, settings: elapsedSettingsFromUrl(shell.params), stepsPerFrame: (s) => s.stepsPerFrame, url: elapsedSettingsToUrl });
  const { loop } = page;
  const steady = new RestingSteadyStates(steadyStates, () => loop.redraw());

  /** The solver for `config` from its initial ages, as the loop's simulation; `why` says why it restarted. */
  async function build(config: ElapsedRunConfig, why?: string): Promise<ElapsedSimulation> {
    await page.building(`the elapsed solver (${config.grid.ns} age cells; compiling the kernel)`);
    const solver = await ElapsedSolver.create(ctx!, config);
    let cells = await solver.readCells();
    let X = 0;
    const sim: ElapsedSimulation = solverSimulation<Pick<ElapsedSimulation, 'solver' | 'readBlock' | 'readState' | 'draw'>>(solver, () => solver.config.time.dt, () => (page.settings.window > 0 ? page.settings.window : null), {
      solver,
      async readBlock(first: number, count: number, t0: number): Promise<LiveBlock> {
        // entry k is step first + k + 1; a refused step keeps the last good state (status ≠ 0 from there on)
        const block = await solver.readHistory(first, count);
        const { dt, Nmax } = solver.config.time;
        const k = block.status.findIndex((s) => s !== 0);
        let stop: LiveBlock['stop'] = null;
        if (k >= 0) {
          const status = ELAPSED_STATUS[block.status[k]!] ?? 'nonfinite';
          stop = { index: k, status, message: elapsedStopMessage(status, Nmax, { t: t0 + (k + 1) * dt, step: first + k + 1, keptT: t0 + k * dt }) ?? status };
        }
        return { series: [block.N], mass: block.mass, stop };
      },
      async readState() {
        const [next, state] = await Promise.all([solver.readCells(), solver.readState()]);
        cells = next;
        X = state.X;
      },
      draw: (t: number, history: ActivityHistory) => draw(sim, t, history, cells, X),
    });
    page.begin({ series: [0], mass: solver.initialMass }, why);
    steady.schedule(config, true);
    return sim;
  }

  /** Apply new settings: the state goes on where the solver allows it (ElapsedSolver.whyNotContinued), else a restart. */
  function apply(next: ElapsedLiveSettings, changed: string): void {
    page.change(next, changed, {
      resolve: elapsedLiveConfig,
      viewOnly: ['spf', 'window'],
      build,
      whyRestart: (current: ElapsedSimulation, config) =>
        ElapsedSolver.whyNotContinued(current.solver.config, config) ?? (JSON.stringify(current.solver.config.initial) !== JSON.stringify(config.initial) ? 'the initial ages changed' : null),
      goOn(current, config) {
        current.solver.setParameters(config);
        steady.schedule(config);
      },
    });
  }

  function draw(sim: ElapsedSimulation, t: number, history: ActivityHistory, cells: Float32Array, X: number): void {
    const config = sim.solver.config;
    const { ns, ds, smax } = config.grid;
    const states = steady.value ?? { rates: [], density: null };
    // n(s) = cell mass / ds at the cell centres s_i = (i + ½)·ds (the last cell holds every age beyond)
    const s = Float64Array.from({ length: ns }, (_, i) => (i + 0.5) * ds);
    const n = Float64Array.from(cells, (m) => m / ds);
    const series: PlotSeries[] = [
      ...(states.density && states.rates.length ? [{ x: s, y: states.density, label: `steady n∞(s) at N* = ${fixed(states.rates[0]!)}`, color: STEADY_COLOR }] : []),
      { x: s, y: n, label: 'n(s, t)', color: runColor(0) },
    ];
    const age = thresholdAge(config.elapsed, X);
    drawLinePlot(shell.overlay, {
      series,
      x: { min: 0, max: smax, label: 's (age since the last spike)' },
      y: { label: 'n(s, t)', min: 0 },
      markers: Number.isFinite(age) ? [{ at: age, label: 's*(X)', color: '#d62728' }] : [],
      title: `n(s, t = ${t.toFixed(3)})   elapsed, ${describeElapsed(config)}${Number.isFinite(age) ? '' : '   (s* = ∞: silenced)'}`,
    });
    const several = states.rates.length > 1;
    drawLiveActivity(shell.activityPlot, {
      t,
      history,
      window: page.settings.window,
      runs: ['N(t)'],
      steady: states.rates.map((N, k) => ({ N, label: `N*${several ? `${k + 1}` : ''} = ${fixed(N)} (steady)` })),
      title: 'firing rate N(t)',
    });
  }

  const controls = elapsedControls(
    shell.controls,
    page.settings,
    page.events(apply, () => {
      const current = loop.current as ElapsedSimulation | null;
      if (current) void loop.replace(() => build(current.solver.config));
    }),
  );
  page.attach(controls);
  await page.start(elapsedLiveConfig, (config) => build(config));
}

/** Every exact steady rate (N·I(N) = 1) and n∞ of the lowest as cell averages on the run's cells, over ds. */
function steadyStates(config: ElapsedRunConfig): SteadyStates {
  const rates = elapsedSteadyRates(config.elapsed);
  if (rates.length === 0) return { rates, density: null };
  const { ns, ds } = config.grid;
  const density = steadyCells(config.elapsed, rates[0]!, ns, ds).map((m) => m / ds);
  return { rates, density };
}
